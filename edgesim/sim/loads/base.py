"""What every MLPerf-style load driver shares: the job-owner side at its unit, counters, and the registry.

A driver is a :class:`~edgesim.sim.meter.EnergyMeter` job owner at its unit, so its samples queue with every other
job there (streams, pipeline stages, other drivers). A scenario subclass says how queries are issued
(:meth:`LoadSim.start`, :meth:`LoadSim.sample_done`) and what its MLPerf metric is (:meth:`LoadSim.metric`).
Subclasses register themselves by their ``scenario`` name (the schema's ``loads[].scenario`` literal).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import simpy
from simpy.core import NORMAL

from ...model.records import LoadModel
from ..events import Wake, scheduler_of
from ..jobs import J_ARRIVAL, J_SEQ
from ..meter import EnergyMeter
from ..store import LatencyStore
from ..unit import UnitSim

if TYPE_CHECKING:  # results build the statistics the metric reads: annotations only
    from ...results.latency import LatencyStats

__all__ = ["LOADS", "LoadSim", "LoadTraceRecord"]

LoadTraceRecord = tuple[int, float, float]  # query, issue_s, end_s

LOADS: dict[str, type[LoadSim]] = {}
"""Load drivers by MLPerf scenario name, filled as each scenario module is imported."""


class LoadSim(EnergyMeter):
    """Runtime state of one load driver: its queries, samples and latencies."""

    scenario: ClassVar[str] = ""
    metric_name: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.scenario:
            LOADS[cls.scenario] = cls

    def __init__(self, env: simpy.Environment, model: LoadModel, unit: UnitSim, rng: np.random.Generator, warmup_s: float,
                 trace: bool):
        super().__init__(model.index, unit, model.estimate, capacity=float("inf"), drop_newest=False, priority=0,
                         deadline_rel_s=model.latency_bound_s if model.latency_bound_s is not None else float("inf"),
                         batch_key=model.model)  # LoadGen never drops a query
        self.env = env
        self.schedule = scheduler_of(env)
        self.model = model
        self.name = model.name
        self.rng = rng
        self.warmup_s = warmup_s
        self.trace: list[LoadTraceRecord] | None = [] if trace else None
        self.stopped = False  # a unit shutdown stops the driver
        self._meter_init()
        self.queries_issued = 0  # in the window
        self.queries_completed = 0
        self.latencies = LatencyStore()
        self.samples_issued = 0  # all, warm-up included
        self.samples_completed = 0  # in the window
        self.first_issue_s: float | None = None
        self.last_completion_s: float | None = None
        self.schedule(Wake(lambda _e: self.start(self.env._now)), NORMAL, 0.0)

    # -- what a scenario defines ----------------------------------------------------------------------------------
    def start(self, now: float) -> None:
        """Issue the first query (or samples) at t = 0."""
        raise NotImplementedError

    def sample_done(self, job: list[Any], now: float) -> None:
        """One sample completed (counters and the driver's clock already updated)."""
        raise NotImplementedError

    def metric(self, latency: LatencyStats, window_s: float) -> dict[str, Any]:
        """The scenario's MLPerf metric as ``{"value": ..., ...}`` plus its own fields."""
        raise NotImplementedError

    # -- shared mechanics -------------------------------------------------------------------------------------------
    def submit_sample(self, now: float, query: int) -> None:
        self.samples_issued += 1
        if self.first_issue_s is None:
            self.first_issue_s = now
        self.unit.submit(self, now, query)

    def later(self, fn: Callable[[float], None], delay_s: float = 0.0) -> None:
        """Run ``fn(now)`` ``delay_s`` seconds from now, and at the earliest just after the unit's completion handler
        returns (a submission from inside it would jump the unit's queue: the unit calls on_complete before it starts
        the next waiting job)."""
        self.schedule(Wake(lambda _e: fn(self.env._now)), NORMAL, delay_s)

    def on_complete(self, job: list[Any], now: float) -> None:
        self._meter(job, now)
        self.last_completion_s = now + self.result_delay_s  # when its result is out (LoadGen's last response)
        if now >= self.warmup_s:
            self.samples_completed += 1
        if self.trace is not None:
            self.trace.append((job[J_SEQ], job[J_ARRIVAL], now))
        self.sample_done(job, now)

    def on_drop(self, job: list[Any], now: float) -> None:  # only at a unit shutdown: the load stops there
        self.stopped = True

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, model={self.model.model!r}, unit={self.unit.name!r}, service_s={self.service_s:.6g})"
