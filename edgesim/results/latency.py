"""One latency-statistics function for every table (streams, pipelines, loads), with the same keys everywhere."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ..sim.store import LatencyStore

__all__ = ["PERCENTILES", "LatencyStats", "latency_stats", "weighted_latencies_s"]

PERCENTILES = (50, 90, 95, 99)


@dataclass(frozen=True)
class LatencyStats:
    """Latency statistics in milliseconds; every field is None when nothing completed.

    Mean and max are exact (float64 running sums); the percentiles come from the float32 store (4 bytes per job)
    and are clipped to [0, max] so that p50 <= p90 <= p95 <= p99 <= max always holds despite the float32 rounding.
    """

    mean: float | None
    p50: float | None
    p90: float | None
    p95: float | None
    p99: float | None
    max: float | None

    def as_dict(self) -> dict[str, float | None]:
        return asdict(self)


def latency_stats(store: LatencyStore) -> LatencyStats:
    """Statistics of the latencies in ``store`` (seconds in, milliseconds out)."""
    n = len(store)
    if store.forwarded:
        return _weighted_stats(store)
    if n == 0:
        return LatencyStats(None, None, None, None, None, None)
    max_ms = float(store.max_s) * 1e3
    p50, p90, p95, p99 = (min(float(x), max_ms) for x in np.percentile(store.values_s(), PERCENTILES) * 1e3)
    return LatencyStats(float(store.sum_s) / n * 1e3, p50, p90, p95, p99, max_ms)


def _weighted_stats(store: LatencyStore) -> LatencyStats:
    """With fast-forwarded stretches: each stretch stands for its measured stationary window's latencies, weighted
    by how many times over that window it ran; percentiles are those of the weighted distribution (the inverse of
    the weighted empirical CDF at each percentile)."""
    values, w = weighted_latencies_s(store)
    total = float(w.sum())
    if total <= 0 or len(values) == 0:
        return LatencyStats(None, None, None, None, None, None)
    cdf = np.cumsum(w) / total
    max_ms = float(store.max_s) * 1e3
    p50, p90, p95, p99 = (min(float(values[min(int(np.searchsorted(cdf, q / 100.0)), len(values) - 1)]) * 1e3, max_ms)
                          for q in PERCENTILES)
    return LatencyStats(float(store.sum_s) / total * 1e3, p50, p90, p95, p99, max_ms)


def weighted_latencies_s(store: LatencyStore) -> tuple[np.ndarray, np.ndarray]:
    """Every latency the store stands for, sorted (s), with its weight: 1 for a simulated frame, and for each
    fast-forwarded stretch its measured window's latencies weighted by how many times over that window it ran."""
    parts = [store.values_s()] + [values for values, _ in store.forwarded]
    weights = [np.ones(len(parts[0]))] + [np.full(len(values), weight) for values, weight in store.forwarded]
    values = np.concatenate(parts)
    w = np.concatenate(weights)
    order = np.argsort(values, kind="stable")
    return values[order], w[order]
