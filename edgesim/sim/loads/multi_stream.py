"""MLPerf MultiStream: queries of ``samples_per_query`` samples issued at once; the next when all are done.
Query latency = last sample's result out (its completion + ``result_delay_s``) - query issue. Metric: p99 query
latency (ms)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .single_stream import SingleStreamLoad

if TYPE_CHECKING:  # results build the statistics the metric reads: annotations only
    from ...results.latency import LatencyStats

__all__ = ["MultiStreamLoad"]


class MultiStreamLoad(SingleStreamLoad):
    scenario = "multi_stream"
    metric_name = "p99_latency_ms"

    def start(self, now: float) -> None:
        self.samples_per_query = self.model.samples_per_query
        super().start(now)

    def metric(self, latency: LatencyStats, window_s: float) -> dict[str, Any]:
        return {"value": latency.p99, "samples_per_query": self.model.samples_per_query}
