"""MLPerf Offline: ``offline_samples`` samples available at t = 0.

To keep memory flat the driver keeps a bounded number of them queued at the unit (servers + 2 x max batch) and
refills as samples complete, so the unit never idles while samples remain. Metric: samples/s = samples completed in
the window / time from the window's start (or the first issue) to the last completion.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..jobs import J_ARRIVAL
from .base import LoadSim

if TYPE_CHECKING:  # results build the statistics the metric reads: annotations only
    from ...results.latency import LatencyStats

__all__ = ["OfflineLoad"]


class OfflineLoad(LoadSim):
    scenario = "offline"
    metric_name = "samples_per_s"

    def start(self, now: float) -> None:
        self.samples_done_total = 0  # all completions, warm-up included
        batch = self.unit.batching.max_batch if self.unit.batching is not None else 1
        window = self.unit.servers + 2 * batch
        for _ in range(min(window, self.model.offline_samples)):
            self.submit_sample(now, self.samples_issued)

    def _refill(self, now: float) -> None:
        if not self.stopped:
            self.submit_sample(now, self.samples_issued)

    def sample_done(self, job: list[Any], now: float) -> None:
        self.samples_done_total += 1
        if now >= self.warmup_s:
            self.latencies.append(now - job[J_ARRIVAL] + self.result_delay_s)
        if self.samples_issued < self.model.offline_samples:
            self.later(self._refill)

    def metric(self, latency: LatencyStats, window_s: float) -> dict[str, Any]:
        start_s = max(self.warmup_s, self.first_issue_s or 0.0)
        active_s = (self.last_completion_s - start_s) if self.last_completion_s is not None else 0.0
        return {
            "value": self.samples_completed / active_s if active_s > 0 else None,
            "offline_samples": self.model.offline_samples,
            "all_samples_done": self.samples_done_total >= self.model.offline_samples,
            "active_s": active_s,
        }
