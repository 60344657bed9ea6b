"""The event engine: runs a compiled :class:`~edgesim.model.records.SystemModel`.

Cameras emit frames, frames fan out into jobs (streams) or pipelines, jobs queue at their unit under its scheduler;
load drivers drive units the MLPerf way. Speed by design: one SimPy event per frame (the camera's next arrival) and
one per job (its completion, scheduled when it starts); no per-job process, no Resource request/release. Between two
events a unit's power is constant, so energy, busy time and queue area are integrated exactly at each state change;
heat, leakage and the battery are integrated the same way by the platform (``platform.py``).
"""
from __future__ import annotations

import heapq
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy
from simpy.core import NORMAL

from ..errors import ScenarioError
from ..model.records import SystemModel
from .bus import MemoryBusSim
from .events import Wake, scheduler_of
from .fastforward import FastForward
from .loads import LOADS, LoadSim
from .pipeline import PipelineSim
from .platform import ChatteringError, PlatformSim
from .rng import source_rng
from .stream import CameraSim, ResizeOwner, StreamSim
from .unit import UnitSim, make_unit_sim

__all__ = ["RunState", "run_simulation"]


@dataclass
class RunState:
    """Everything a finished run hands to the result builder: the compiled model and the runtime objects."""

    model: SystemModel
    duration_s: float
    seed: int
    cameras: list[CameraSim]
    units: list[UnitSim]
    streams: list[StreamSim]
    platform: PlatformSim | None = None
    pipelines: list[PipelineSim] = field(default_factory=list)
    loads: list[LoadSim] = field(default_factory=list)
    requested_duration_s: float = 0.0
    wall_s: float = 0.0
    fast_forward: dict[str, Any] | None = None  # the summary's fast_forward block (None: every event was simulated)


def _run_frames(cameras: list[CameraSim], units: list[UnitSim], end_s: float, warmup_s: float) -> None:
    """Emit every camera's frames in time order until ``end_s`` (exclusive, as SimPy's ``run(until)``).

    The order is SimPy's: frames at one instant go camera by camera (each camera's next frame is scheduled when its
    last one fires, so their order never changes), and the warm-up snapshot comes before frames at its instant.
    """
    heap = [(cam.next_arrival_s(), k) for k, cam in enumerate(cameras)]
    heapq.heapify(heap)
    snapshot_due = warmup_s > 0
    while heap:
        t, k = heap[0]
        if t >= end_s:
            break
        if snapshot_due and t >= warmup_s:
            for unit in units:
                unit.take_snapshot(warmup_s)
            snapshot_due = False
        cam = cameras[k]
        cam.emit(t)
        heapq.heapreplace(heap, (cam.next_arrival_s(), k))
    if snapshot_due and warmup_s < end_s:
        for unit in units:
            unit.take_snapshot(warmup_s)


def run_simulation(model: SystemModel, on_build: Callable[[RunState], None] | None = None) -> RunState:
    """Build the runtime objects of ``model`` and run them to ``model.duration_s`` (or the battery's cut-off).

    Parameters
    ----------
    model : SystemModel
        The compiled scenario (:func:`edgesim.model.compile.compile_system`).
    on_build : callable, optional
        Called with the built :class:`RunState` before the run starts (tests inspect or instrument it).
    """
    env = simpy.Environment()
    schedule = scheduler_of(env)
    duration_s, seed, trace = model.duration_s, model.seed, model.trace
    interval_s = model.interval_s
    n_bins = int(np.ceil(duration_s / interval_s - 1e-9))
    units = {u.name: make_unit_sim(env, u, source_rng(seed, ("link:" if u.kind == "link" else "unit:") + u.name), interval_s, n_bins,
                             model.warmup_s) for u in model.units}
    cameras = [CameraSim(env, cam, source_rng(seed, "camera:" + cam.name)) for cam in model.cameras]
    by_name = {cam.name: cam for cam in cameras}
    streams: list[StreamSim] = []
    for stream_model in model.streams:
        stream = StreamSim(stream_model, units[stream_model.unit], model.warmup_s, trace)
        if stream_model.preprocess is not None:
            ResizeOwner(stream, stream_model.preprocess, units[stream_model.preprocess.unit])
        streams.append(stream)
        by_name[stream_model.camera].streams.append(stream)
    buses = {b.name: MemoryBusSim(b) for b in model.memory_buses}
    for unit in units.values():
        if unit.unit_model.memory_bus is not None:
            unit.bus = buses[unit.unit_model.memory_bus]
    pipelines = [PipelineSim(env, p, by_name[p.camera], units, source_rng(seed, p.rng_name), model.warmup_s, trace)
                 for p in model.pipelines]
    loads = [LOADS[load.scenario](env, load, units[load.unit], source_rng(seed, "load:" + load.name), model.warmup_s, trace)
             for load in model.loads]
    platform = None
    if model.platform is not None:
        platform = PlatformSim(env, model.platform, list(units.values()), duration_s, interval_s, n_bins)
    for unit in units.values():
        # completions need no event when nothing watches the unit between arrivals: no platform (heat, battery) and
        # only owners whose on_complete just records (streams; pipeline stages and load drivers submit more work)
        unit.use_fast_path(lazy=platform is None and all(isinstance(o, StreamSim) for o in unit.owners)
                           and unit.unit_model.sleep is None)  # a sleeping unit's timeouts and wakes are events
    state = RunState(model, duration_s, seed, cameras, list(units.values()), streams, platform, pipelines, loads, duration_s)
    if trace:  # every power change (and, with a platform, the device state then): memory grows with the run
        for unit in state.units:
            unit.power_trace = [(0.0, unit.power_w, unit.state)]
        if platform is not None:
            platform.state_trace = []
    if on_build is not None:
        on_build(state)
    # frames only: every unit completes lazily and nothing else makes events (no platform, pipeline or load driver),
    # so the cameras' arrivals are merged in time order here, without a SimPy event per frame
    frames_only = platform is None and not pipelines and not loads and all(u.lazy for u in state.units)
    for cam in cameras:
        cam.start(schedule_frames=not frames_only)
    if platform is not None:
        platform.request_check(0.0)
    forward = None
    if model.fast_forward_period_s is not None and platform is not None and not frames_only:
        forward = FastForward(env, model, state.units, streams, cameras, platform)
        forward.start()
    t0 = time.perf_counter()
    if frames_only:
        _run_frames(cameras, state.units, duration_s, model.warmup_s)
        end_s = duration_s
    else:
        if model.warmup_s > 0:
            def snapshot(_event: Wake) -> None:
                if platform is not None:
                    platform.take_snapshot()
                for unit in state.units:
                    unit.take_snapshot()
            schedule(Wake(snapshot), NORMAL, model.warmup_s)
        try:
            env.run(until=duration_s)  # returns early when the battery reaches its cut-off
        except ChatteringError as exc:  # a controller switching too fast to simulate: name the scenario's field
            raise ScenarioError(model.source, exc.field, exc.problem) from None
        end_s = min(env.now, duration_s) if platform is None or platform.battery_empty_s is None else platform.battery_empty_s
    state.wall_s = time.perf_counter() - t0
    state.duration_s = end_s
    if forward is not None:
        state.fast_forward = forward.summary(end_s)
    n_bins_run = max(1, int(np.ceil(end_s / interval_s - 1e-9)))
    for unit in state.units:
        unit.n_bins = n_bins_run
        unit.close(end_s)
    if platform is not None:
        platform.n_bins = n_bins_run
        platform.close(end_s)
    return state
