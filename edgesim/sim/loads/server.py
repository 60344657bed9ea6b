"""MLPerf Server: queries of one sample at Poisson instants at ``target_qps`` (random source ``"load:" + name``).
Metric: p99 latency (ms); ``valid`` when p99 <= ``latency_bound_s`` (None without a bound); achieved QPS reported."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from simpy.core import NORMAL

from ..events import Wake
from ..jobs import J_ARRIVAL
from .base import LoadSim

if TYPE_CHECKING:  # results build the statistics the metric reads: annotations only
    from ...results.latency import LatencyStats

__all__ = ["ServerLoad"]

ARRIVAL_CHUNK = 4096


class ServerLoad(LoadSim):
    scenario = "server"
    metric_name = "p99_latency_ms"

    def start(self, now: float) -> None:
        self.next_query = 0
        self._chunk = np.empty(0)
        self._i = 0
        self._schedule_arrival()

    def _schedule_arrival(self) -> None:
        if self._i == len(self._chunk):
            start = float(self._chunk[-1]) if len(self._chunk) else 0.0
            assert self.model.target_qps is not None  # checked at compile time
            self._chunk = start + np.cumsum(self.rng.exponential(1.0 / self.model.target_qps, size=ARRIVAL_CHUNK))
            self._i = 0
        t = float(self._chunk[self._i])
        self._i += 1
        self.schedule(Wake(self._query), NORMAL, max(0.0, t - self.env._now))

    def _query(self, _event: Wake) -> None:
        now = self.env._now
        if now >= self.warmup_s:
            self.queries_issued += 1
        q = self.next_query
        self.next_query += 1
        self.submit_sample(now, q)
        self._schedule_arrival()

    def sample_done(self, job: list[Any], now: float) -> None:
        if job[J_ARRIVAL] >= self.warmup_s:
            self.queries_completed += 1
            self.latencies.append(now - job[J_ARRIVAL] + self.result_delay_s)

    def metric(self, latency: LatencyStats, window_s: float) -> dict[str, Any]:
        bound_s = self.model.latency_bound_s
        return {
            "value": latency.p99,
            "target_qps": self.model.target_qps,
            "offered_qps": self.queries_issued / window_s,
            "achieved_qps": self.queries_completed / window_s,
            "latency_bound_ms": bound_s * 1e3 if bound_s is not None else None,
            "valid": None if bound_s is None or latency.p99 is None else bool(latency.p99 <= bound_s * 1e3),
        }
