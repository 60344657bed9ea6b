"""What the figures need beyond the summary: every latency, drops and late frames per interval, throttle marks.

Built once from the finished run (no tracing needed) and kept on :attr:`SimulationResult.detail
<edgesim.results.result.SimulationResult.detail>`:

* every completed frame's latency per stream (and every pipeline frame's, every load query's): the float32 store
  the summary's percentiles come from, so a figure drawn from it agrees with the summary;
* per recording interval and stream: frames dropped and frames completed after their deadline, by the instant of
  the drop or completion (warm-up intervals included: the summary's totals leave those frames out);
* each throttled unit's temperature thresholds (trip, release, shutdown) on its thermal node, and the instants
  its throttle state changed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..sim.engine import RunState
from ..sim.store import LatencyStore
from ..sim.unit import UnitSim

__all__ = ["LatencySample", "RunDetail", "ThrottleChange", "ThrottleThreshold", "run_detail", "stream_interval_counts",
           "throttle_changes", "throttle_thresholds"]


@dataclass(frozen=True)
class LatencySample:
    """Every latency of one stream, pipeline or load in the statistics window, in completion order.

    ``store`` is the run's own float32 store (4 bytes per frame, not copied; the summary's percentiles are taken
    from the same values); ``deadline_ms`` is the stream's or pipeline's deadline (None: none, or a load).
    """

    name: str
    kind: str  # "stream" | "pipeline" | "load"
    store: LatencyStore
    deadline_ms: float | None

    @property
    def latency_ms(self) -> np.ndarray:
        """The latencies in ms (float64, a new array at each call)."""
        return self.store.values_s() * 1e3


@dataclass(frozen=True)
class ThrottleThreshold:
    """A temperature (C) at which ``unit`` changes throttle state, watched on thermal node ``node``.

    ``kind``: ``"trip"`` (throttling starts, or goes one step deeper), ``"release"`` (it comes back one step) or
    ``"shutdown"`` (the unit powers off); ``step`` is the throttle level entered (trip) or left (release), 0 for
    shutdown.
    """

    unit: str
    node: str
    temp_c: float
    kind: str
    step: int


@dataclass(frozen=True)
class ThrottleChange:
    """At ``time_s`` (s) ``unit``'s throttle level became ``level`` (0: unthrottled); ``shutdown`` when it powered off."""

    time_s: float
    unit: str
    level: int
    shutdown: bool = False


@dataclass(frozen=True)
class RunDetail:
    """Figure data of one run (see the module docstring)."""

    latencies: list[LatencySample] = field(default_factory=list)
    stream_intervals: pd.DataFrame | None = None  # time_s (bin start), stream, unit, dropped, late
    thresholds: list[ThrottleThreshold] = field(default_factory=list)
    changes: list[ThrottleChange] = field(default_factory=list)
    interval_s: float | None = None  # the recording interval (s); the last one ends at the run's end


def _finite_ms(deadline_s: float) -> float | None:
    return deadline_s * 1e3 if math.isfinite(deadline_s) else None


def stream_interval_counts(state: RunState) -> pd.DataFrame:
    """Per recording interval and stream: ``dropped`` and ``late`` frames (counts), by when they happened.

    Returns
    -------
    pandas.DataFrame
        ``time_s`` (interval start, s), ``stream`` (``camera/model``), ``unit``, ``dropped``, ``late``; every
        interval of every stream (zeros included). An event at the run's very end counts in the last interval.
    """
    n_bins = state.units[0].n_bins if state.units else 0
    interval_s = state.units[0].interval_s if state.units else 1.0
    # bins of a run cut short (battery empty) end at its end
    n_bins = max(1, min(n_bins, int(math.ceil(state.duration_s / interval_s - 1e-9)))) if n_bins else 0
    frames = []
    for s in state.streams:
        counts = {}
        for column, bins in (("dropped", s.dropped_in_bin), ("late", s.late_in_bin)):
            c = np.asarray(bins, dtype=np.int64)
            counts[column] = np.concatenate([c[: n_bins - 1], [c[n_bins - 1:].sum()]])  # the run's end: last interval
        frames.append(pd.DataFrame({"time_s": np.arange(n_bins) * interval_s, "stream": f"{s.camera}/{s.model.model}",
                                    "unit": s.unit.name, **counts}))
    if not frames:
        return pd.DataFrame(columns=["time_s", "stream", "unit", "dropped", "late"])
    return pd.concat(frames, ignore_index=True)


def throttle_thresholds(state: RunState) -> list[ThrottleThreshold]:
    """Each unit's throttle and shutdown temperatures on its thermal node (none without a thermal network)."""
    platform = state.platform
    if platform is None or platform.net is None:
        return []
    out: list[ThrottleThreshold] = []
    for i, u in enumerate(state.units):
        node = u.unit_model.thermal_node
        if node is None:
            continue
        ladder = platform.ladders.get(i)
        if ladder is not None:
            for k, step in enumerate(ladder.model.steps, start=1):
                out.append(ThrottleThreshold(u.name, node, step.threshold_c, "trip", k))
                out.append(ThrottleThreshold(u.name, node, step.release_c, "release", k))
            if ladder.model.critical_c is not None:
                out.append(ThrottleThreshold(u.name, node, ladder.model.critical_c, "shutdown", 0))
    return out


def _unit_changes(u: UnitSim, ladder_events: list[tuple[float, int]] | None) -> list[ThrottleChange]:
    if ladder_events is not None:  # a multi-step throttle: every level it moved to
        changes = [ThrottleChange(t, u.name, level) for t, level in ladder_events]
    else:
        changes = [ThrottleChange(t, u.name, 1 if kind == "throttle" else 0) for t, kind in u.throttle_events]
    if u.shutdown_s is not None:
        changes.append(ThrottleChange(u.shutdown_s, u.name, 0, shutdown=True))
    return changes


def throttle_changes(state: RunState) -> list[ThrottleChange]:
    """Every change of a unit's throttle level and every shutdown, in time order."""
    platform = state.platform
    out: list[ThrottleChange] = []
    for i, u in enumerate(state.units):
        ladder_events = None
        if platform is not None and i in platform.ladders:
            ladder_events = [(t, level) for t, name, level in platform.level_events if name == u.name]
        out.extend(_unit_changes(u, ladder_events))
    return sorted(out, key=lambda c: c.time_s)


def run_detail(state: RunState) -> RunDetail:
    """The figure data of a finished run (see the module docstring)."""
    latencies = [LatencySample(f"{s.camera}/{s.model.model}", "stream", s.latencies, _finite_ms(s.deadline_rel_s))
                 for s in state.streams]
    latencies += [LatencySample(f"pipeline {p.name}/{p.camera}", "pipeline", p.latencies, _finite_ms(p.deadline_s))
                  for p in state.pipelines]
    latencies += [LatencySample(f"load {load.name}", "load", load.latencies, None) for load in state.loads]
    interval_s = state.units[0].interval_s if state.units else None
    return RunDetail(latencies, stream_interval_counts(state), throttle_thresholds(state), throttle_changes(state), interval_s)
