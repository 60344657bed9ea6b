"""MLPerf SingleStream: one query of one sample at t = 0; the next is issued the moment its result is out (the
unit's completion plus the estimate's ``result_delay_s``, during which the unit is free). Metric: p90 query latency
(ms)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import LoadSim

if TYPE_CHECKING:  # results build the statistics the metric reads: annotations only
    from ...results.latency import LatencyStats

__all__ = ["SingleStreamLoad"]


class SingleStreamLoad(LoadSim):
    scenario = "single_stream"
    metric_name = "p90_latency_ms"
    samples_per_query = 1

    def start(self, now: float) -> None:
        self.next_query = 0
        self.query_left = 0
        self.query_issue_s = 0.0
        self.issue_query(now)

    def issue_query(self, now: float) -> None:
        """A query of ``samples_per_query`` samples, all submitted now."""
        if self.stopped:
            return
        self.query_issue_s = now
        self.query_left = self.samples_per_query
        if now >= self.warmup_s:
            self.queries_issued += 1
        q = self.next_query
        self.next_query += 1
        for _ in range(self.samples_per_query):
            self.submit_sample(now, q)

    def sample_done(self, job: list[Any], now: float) -> None:
        self.query_left -= 1
        if self.query_left == 0:
            if self.query_issue_s >= self.warmup_s:
                self.queries_completed += 1
                self.latencies.append(now + self.result_delay_s - self.query_issue_s)
            self.later(self.issue_query, self.result_delay_s)  # the next query once this one's result is out

    def metric(self, latency: LatencyStats, window_s: float) -> dict[str, Any]:
        return {"value": latency.p90}
