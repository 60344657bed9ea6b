"""Compact stores that keep memory flat: latencies as float32 chunks (4 bytes per inference) and time bins."""
from __future__ import annotations

import numpy as np

__all__ = ["LATENCY_CHUNK", "LatencyStore"]

LATENCY_CHUNK = 65536


class LatencyStore:
    """Append-only float32 store of latencies (s). 4 bytes per completed inference, exact percentiles."""

    __slots__ = ("_chunks", "_current", "_n", "sum_s", "max_s", "forwarded", "forwarded_n")

    def __init__(self) -> None:
        self._chunks: list[np.ndarray] = []
        self._current = np.empty(LATENCY_CHUNK, dtype=np.float32)
        self._n = 0
        self.sum_s = 0.0  # mean and max are kept exactly in float64; percentiles come from the float32 store
        self.max_s = 0.0
        self.forwarded: list[tuple[np.ndarray, float]] = []  # fast-forward: (a measured window's latencies, weight)
        self.forwarded_n = 0.0  # latencies stood for by the forwarded stretches (weights x window sizes)

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

    def tail_s(self, n: int) -> np.ndarray:
        """The last ``n`` latencies stored (s)."""
        values = self.values_s()
        return values[len(values) - n:] if n > 0 else values[:0]

    def add_forwarded(self, values_s: np.ndarray, weight: float, sum_s: float) -> None:
        """A fast-forwarded stretch: its latencies are those of a measured stationary window (already in the store,
        so the maximum stands), ``weight`` times over; ``sum_s`` is their exact float64 total over the stretch."""
        if len(values_s) == 0 or weight <= 0:
            return
        self.forwarded.append((values_s, weight))
        self.forwarded_n += weight * len(values_s)
        self.sum_s += sum_s

    def values_s(self) -> np.ndarray:
        return np.concatenate(self._chunks + [self._current[: self._n]]).astype(np.float64)
