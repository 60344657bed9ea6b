"""MLPerf-style load drivers (the LoadGen scenarios), so simulated results speak the language of MLPerf Inference.

One :class:`LoadSim` per :class:`~edgesim.spec.schema.LoadSpec`; it is a job owner at its unit, so its samples
queue with every other job there. One sample = one inference of ``model`` at ``width_px x height_px`` with the
unit's service time (:func:`edgesim.physics.service.service_time`).

``single_stream``
    One query of one sample at t = 0; the next is issued the moment it completes. Metric: p90 query latency (ms).
``multi_stream``
    Queries of ``samples_per_query`` samples issued at once; the next query when all of them are done. Query
    latency = last sample done - query issue. Metric: p99 query latency (ms).
``server``
    Queries of one sample at Poisson instants at ``target_qps`` (random source ``"load:" + name``). Metric: p99
    latency (ms); ``valid`` when p99 <= ``latency_bound_s`` (None without a bound); achieved QPS reported.
``offline``
    ``offline_samples`` samples available at t = 0. To keep memory flat the driver keeps a bounded number of them
    queued at the unit (servers + 2 x max batch) and refills as samples complete, so the unit never idles while
    samples remain. Metric: samples/s = samples completed in the window / time from the window's start (or the
    first issue) to the last completion.

Statistics cover queries issued at or after ``warmup_s`` (offline: samples completed after it). The driver's
energy follows the pipelines' rule (:data:`edgesim.sim.pipeline.STATIC_SHARE_RULE`).
"""
from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any

import numpy as np
import simpy
from simpy.core import NORMAL

from ..physics.service import service_time
from ..results.store import LatencyStore
from ..spec.schema import LoadSpec, ScenarioSpec
from .pipeline import STATIC_SHARE_RULE, EnergyMeter, idle_job_s, latency_stats_ms
from .unit import J_ARRIVAL, J_SEQ, UnitSim, Wake

__all__ = ["LOAD_INDEX_BASE", "LoadSim", "build_loads"]

LOAD_INDEX_BASE = 2_000_000  # job-owner indices of load drivers: apart from streams and pipeline stages
METRIC = {"single_stream": "p90_latency_ms", "multi_stream": "p99_latency_ms", "server": "p99_latency_ms", "offline": "samples_per_s"}
ARRIVAL_CHUNK = 4096


class LoadSim(EnergyMeter):
    """Runtime state of one load driver; the job-owner interface of its samples at the unit."""

    def __init__(self, env: simpy.Environment, spec: LoadSpec, unit: UnitSim, scenario: ScenarioSpec, rng: np.random.Generator,
                 index: int, trace: bool):
        models = {m.name: m for m in scenario.models}
        self.env = env
        self.spec = spec
        self.name = spec.name
        self.scenario = spec.scenario
        self.unit = unit
        self.rng = rng
        self.warmup_s = scenario.warmup_s
        self.estimate = service_time(unit.spec, models[spec.model], spec.width_px * spec.height_px, models)
        # the job-owner interface
        self.waiting: deque = deque()
        self.capacity = float("inf")  # LoadGen never drops a query
        self.drop_newest = False
        self.service_s = self.estimate.service_s
        self.dynamic_power_w = max(0.0, self.estimate.active_power_w - unit.static_power_w)
        self.priority = 0
        self.deadline_rel_s = spec.latency_bound_s if spec.latency_bound_s is not None else float("inf")
        self.batch_key = spec.model
        self.compute_s = self.estimate.compute_s
        self.memory_bytes = self.estimate.memory_bytes
        self.overhead_s = self.estimate.overhead_s
        self.index = index
        self.offered = 0
        self.trace: list | None = [] if trace else None
        unit.max_dynamic_w = max(unit.max_dynamic_w, self.dynamic_power_w)
        self._meter_init()
        # queries
        self.queries_issued = 0  # in the window
        self.queries_completed = 0
        self.latencies = LatencyStore()
        self._query_issue_s = 0.0
        self._query_left = 0
        self._next_query = 0
        self.samples_issued = 0  # all, warm-up included
        self.samples_completed = 0  # in the window
        self.samples_done_total = 0  # offline: all completions, warm-up included
        self.first_issue_s: float | None = None
        self.last_completion_s: float | None = None
        self._times = None
        self._chunk = np.empty(0)
        self._i = 0
        if spec.scenario == "offline":
            batch = unit.batching.max_batch if unit.batching is not None else 1
            self.window = unit.servers + 2 * batch
        env.schedule(Wake(self._start), NORMAL, 0.0)

    # -- issuing ------------------------------------------------------------------------------------
    def _start(self, _event: Wake) -> None:
        now = self.env._now
        if self.scenario == "server":
            self._schedule_arrival()
        elif self.scenario == "offline":
            self.first_issue_s = now
            for _ in range(min(self.window, self.spec.offline_samples)):
                self._issue_sample(now)
        else:
            self._issue_query(now)

    def _issue_sample(self, now: float) -> None:
        self.samples_issued += 1
        self.unit.submit(self, now, self.samples_issued - 1)

    def _issue_query(self, now: float) -> None:
        """single_stream / multi_stream: one query of 1 or samples_per_query samples, all submitted now."""
        n = 1 if self.scenario == "single_stream" else self.spec.samples_per_query
        if self.first_issue_s is None:
            self.first_issue_s = now
        self._query_issue_s = now
        self._query_left = n
        if now >= self.warmup_s:
            self.queries_issued += 1
        q = self._next_query
        self._next_query += 1
        for _ in range(n):
            self.samples_issued += 1
            self.unit.submit(self, now, q)

    def _schedule_arrival(self) -> None:
        if self._i == len(self._chunk):
            start = float(self._chunk[-1]) if len(self._chunk) else 0.0
            self._chunk = start + np.cumsum(self.rng.exponential(1.0 / self.spec.target_qps, size=ARRIVAL_CHUNK))
            self._i = 0
        t = float(self._chunk[self._i])
        self._i += 1
        self.env.schedule(Wake(self._server_query), NORMAL, max(0.0, t - self.env._now))

    def _server_query(self, _event: Wake) -> None:
        now = self.env._now
        if self.first_issue_s is None:
            self.first_issue_s = now
        if now >= self.warmup_s:
            self.queries_issued += 1
        q = self._next_query
        self._next_query += 1
        self.samples_issued += 1
        self.unit.submit(self, now, q)
        self._schedule_arrival()

    def _later(self, fn) -> None:
        """Run ``fn(now)`` just after the unit's completion handler returns (a submission from inside it would jump
        the unit's queue: UnitSim._finish calls on_complete before it starts the next waiting job)."""
        self.env.schedule(Wake(lambda _e: fn(self.env._now)), NORMAL, 0.0)

    # -- the owner interface --------------------------------------------------------------------------
    def on_complete(self, job: list, now: float) -> None:
        self._meter(job, now)
        self.last_completion_s = now
        if now >= self.warmup_s:
            self.samples_completed += 1
        if self.trace is not None:
            self.trace.append((job[J_SEQ], job[J_ARRIVAL], now))
        scenario = self.scenario
        if scenario == "server":
            if job[J_ARRIVAL] >= self.warmup_s:
                self.queries_completed += 1
                self.latencies.append(now - job[J_ARRIVAL])
        elif scenario == "offline":
            self.samples_done_total += 1
            if now >= self.warmup_s:
                self.latencies.append(now - job[J_ARRIVAL])
            if self.samples_issued < self.spec.offline_samples:
                self._later(self._issue_sample)
        else:
            self._query_left -= 1
            if self._query_left == 0:
                if self._query_issue_s >= self.warmup_s:
                    self.queries_completed += 1
                    self.latencies.append(now - self._query_issue_s)
                self._later(self._issue_query)

    def on_drop(self, job: list, now: float) -> None:  # only at a unit shutdown: the load stops there
        self._query_left = -1

    # -- results ------------------------------------------------------------------------------------
    def summary(self, window_s: float) -> dict[str, Any]:
        """One JSON-serializable row: the MLPerf metric of the scenario, latency statistics, counts, energy."""
        lat = latency_stats_ms(self.latencies)
        out: dict[str, Any] = {
            "name": self.name,
            "scenario": self.scenario,
            "model": self.spec.model,
            "unit": self.unit.name,
            "width_px": self.spec.width_px,
            "height_px": self.spec.height_px,
            "metric": METRIC[self.scenario],
            "value": None,
            "queries": self.queries_completed,
            "samples": self.samples_completed,
            "service_ms": self.service_s * 1e3,
            "idle_sample_ms": idle_job_s(self.estimate, self.unit) * 1e3,
            "service_source": self.estimate.source,
            "latency_ms": lat,
            "qps": self.queries_completed / window_s,
        }
        if self.scenario == "single_stream":
            out["value"] = lat["p90"]
        elif self.scenario == "multi_stream":
            out["value"] = lat["p99"]
            out["samples_per_query"] = self.spec.samples_per_query
        elif self.scenario == "server":
            out["value"] = lat["p99"]
            out["target_qps"] = self.spec.target_qps
            out["offered_qps"] = self.queries_issued / window_s
            out["achieved_qps"] = self.queries_completed / window_s
            out["latency_bound_ms"] = self.spec.latency_bound_s * 1e3 if self.spec.latency_bound_s is not None else None
            out["valid"] = None if self.spec.latency_bound_s is None or lat["p99"] is None else bool(lat["p99"] <= self.spec.latency_bound_s * 1e3)
        else:
            start_s = max(self.warmup_s, self.first_issue_s or 0.0)
            active_s = (self.last_completion_s - start_s) if self.last_completion_s is not None else 0.0
            out["value"] = self.samples_completed / active_s if active_s > 0 else None
            out["offline_samples"] = self.spec.offline_samples
            out["all_samples_done"] = self.samples_done_total >= self.spec.offline_samples
            out["active_s"] = active_s
        energy = self.energy_in_window(window_s)
        out.update(energy)
        out["samples_per_j"] = self.samples_completed / energy["energy_j"] if energy["energy_j"] > 0 else None
        out["static_share_rule"] = STATIC_SHARE_RULE
        return out

    def trace_rows(self) -> list[dict[str, Any]]:
        """With tracing on: one row per completed sample (query id, issue time, completion time)."""
        return [{"load": self.name, "query": q, "issue_s": a, "end_s": e, "latency_s": e - a} for q, a, e in self.trace or ()]

    def __repr__(self) -> str:
        return f"LoadSim({self.name!r}, {self.scenario}, model={self.spec.model!r}, unit={self.unit.name!r}, service_s={self.service_s:.6g})"


def build_loads(env: simpy.Environment, spec: ScenarioSpec, units: Mapping[str, UnitSim], seed: int, trace: bool) -> list[LoadSim]:
    """One :class:`LoadSim` per ``spec.loads`` entry; Poisson (server) instants from ``source_rng(seed, "load:" + name)``."""
    from .engine import source_rng
    from .pipeline import _raise_if_invalid

    _raise_if_invalid(spec)
    return [LoadSim(env, load, units[load.unit], spec, source_rng(seed, "load:" + load.name), LOAD_INDEX_BASE + i, bool(trace))
            for i, load in enumerate(spec.loads)]
