"""One latency-statistics function for every table (streams, pipelines, loads), with the same keys everywhere."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ..sim.store import LatencyStore

__all__ = ["PERCENTILES", "LatencyStats", "latency_stats"]

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
    if n == 0:
        return LatencyStats(None, None, None, None, None, None)
    max_ms = float(store.max_s) * 1e3
    p50, p90, p95, p99 = (min(float(x), max_ms) for x in np.percentile(store.values_s(), PERCENTILES) * 1e3)
    return LatencyStats(float(store.sum_s) / n * 1e3, p50, p90, p95, p99, max_ms)
