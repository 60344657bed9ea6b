"""Compact stores that keep memory flat: latencies as float32 chunks (4 bytes per inference) and time bins."""
from __future__ import annotations

import numpy as np

LATENCY_CHUNK = 65536


class LatencyStore:
    """Append-only float32 store of latencies (s). 4 bytes per completed inference, exact percentiles."""

    __slots__ = ("_chunks", "_current", "_n", "sum_s", "max_s")

    def __init__(self) -> None:
        self._chunks: list[np.ndarray] = []
        self._current = np.empty(LATENCY_CHUNK, dtype=np.float32)
        self._n = 0
        self.sum_s = 0.0  # mean and max are kept exactly in float64; percentiles come from the float32 store
        self.max_s = 0.0

    def append(self, latency_s: float) -> None:
        if self._n == LATENCY_CHUNK:
            self._chunks.append(self._current)
            self._current = np.empty(LATENCY_CHUNK, dtype=np.float32)
            self._n = 0
        self._current[self._n] = latency_s
        self._n += 1
        self.sum_s += latency_s
        if latency_s > self.max_s:
            self.max_s = latency_s

    def __len__(self) -> int:
        return len(self._chunks) * LATENCY_CHUNK + self._n

    def values_s(self) -> np.ndarray:
        return np.concatenate(self._chunks + [self._current[: self._n]]).astype(np.float64)


    def summary_ms(self) -> dict[str, float | None]:
        """Mean and max (exact), p50, p95, p99 (float32 store) in milliseconds; None when nothing completed."""
        n = len(self)
        if n == 0:
            return {"mean": None, "p50": None, "p95": None, "p99": None, "max": None}
        p50, p95, p99 = np.percentile(self.values_s(), [50, 95, 99]) * 1e3
        return {"mean": self.sum_s / n * 1e3, "p50": float(p50), "p95": float(p95), "p99": float(p99), "max": self.max_s * 1e3}
