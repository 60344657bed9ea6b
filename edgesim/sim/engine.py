"""The event engine: cameras emit frames, frames fan out into jobs (streams) or pipelines, jobs queue at
their unit under its scheduler; load generators drive units the MLPerf way.

Speed by design: one SimPy event per frame (the camera's next arrival) and one per job (its completion,
scheduled when it starts). No per-job process, no Resource request/release. Between two events a unit's
power is constant, so energy, busy time and queue area are integrated exactly at each state change; heat,
leakage and the battery are integrated the same way by the platform (``platform.py``).
"""
from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import simpy
from simpy.core import NORMAL

from ..physics.service import ServiceEstimate, service_time
from ..results.store import LatencyStore
from ..spec.schema import CameraSpec, ModelSpec, ScenarioSpec, StreamSpec
from .arrivals import arrival_times_s
from .bus import MemoryBusSim
from .platform import PlatformSim
from .unit import J_ARRIVAL, J_SEQ, J_START, UnitSim, Wake


def stable_key(name: str) -> int:
    """A 64-bit integer from a name, so each source's random stream depends on its name, not its position."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")


def source_rng(seed: int, name: str) -> np.random.Generator:
    """One independent generator per named random source, spawned from the scenario seed."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stable_key(name),)))


@dataclass
class StreamSim:
    """Runtime state of one (camera instance, model) stream."""

    index: int
    camera: str
    camera_spec: CameraSpec
    model: ModelSpec
    unit: UnitSim
    spec: StreamSpec
    estimate: ServiceEstimate
    warmup_s: float
    trace: list | None
    waiting: deque = field(default_factory=deque)
    offered: int = 0
    completed: int = 0
    dropped: int = 0
    latencies: LatencyStore = field(default_factory=LatencyStore)

    late: int = 0

    def __post_init__(self) -> None:
        # The job-owner interface every unit relies on (streams, pipeline stages and load generators provide it):
        # waiting, capacity, drop_newest, service_s, dynamic_power_w, priority, deadline_rel_s, batch_key,
        # compute_s, memory_bytes, index, offered, trace, on_complete(job, now), on_drop(job, now).
        self.service_s = self.estimate.service_s
        self.dynamic_power_w = self.estimate.active_power_w - self.unit.static_power_w
        self.capacity = float("inf") if self.spec.drop_policy == "never_drop" else self.spec.queue_capacity
        self.drop_newest = self.spec.drop_policy == "drop_newest"
        self.priority = self.spec.priority
        self.deadline_rel_s = self.spec.deadline_s if self.spec.deadline_s is not None else 1.0 / self.camera_spec.fps
        self.batch_key = self.model.name
        self.compute_s = self.estimate.compute_s  # roofline parts: the job shares a memory bus by its bytes
        self.memory_bytes = self.estimate.memory_bytes
        self.overhead_s = self.estimate.overhead_s

    def on_complete(self, job: list, now: float) -> None:
        """A job of this stream finished at ``now``: count it and record its latency (frame arrival to result)."""
        arrival_s = job[J_ARRIVAL]
        if arrival_s >= self.warmup_s:
            self.completed += 1
            self.latencies.append(now - arrival_s)
            if now - arrival_s > self.deadline_rel_s:
                self.late += 1
        if self.trace is not None:
            self.trace.append((self.index, job[J_SEQ], arrival_s, job[J_START], now, "completed"))

    def on_drop(self, job: list, now: float) -> None:
        if job[J_ARRIVAL] >= self.warmup_s:
            self.dropped += 1
        if self.trace is not None:
            self.trace.append((self.index, job[J_SEQ], job[J_ARRIVAL], job[J_START], now, "dropped"))

    @property
    def ops_per_inference(self) -> float:
        return self.model.ops_for(self.camera_spec.pixels)


class CameraSim:
    """Emits frames at its arrival instants; each frame fans out to the camera's streams."""

    def __init__(self, env: simpy.Environment, name: str, spec: CameraSpec, rng: np.random.Generator, replica: int = 0):
        self.env = env
        self.name = name
        self.spec = spec
        self.streams: list[StreamSim] = []
        self.listeners: list[Callable[[float, int], None]] = []  # pipelines: called with (now, frame seq)
        arrival = spec.arrival
        if spec.stagger and replica:
            arrival = arrival.model_copy(update={"phase_s": arrival.phase_s + replica / (spec.count * spec.fps)})
        self._times = arrival_times_s(arrival, spec.fps, rng)
        self._chunk = next(self._times)
        self._i = 0
        self.seq = 0
        self.frames = 0

    def start(self) -> None:
        self._schedule()

    def _schedule(self) -> None:
        if self._i == len(self._chunk):
            self._chunk = next(self._times)
            self._i = 0
        t = self._chunk[self._i]
        self._i += 1
        self.env.schedule(Wake(self._fire), NORMAL, max(0.0, t - self.env._now))

    def _fire(self, _event: Wake) -> None:  # noqa: D401 - SimPy callback
        now = self.env._now
        seq = self.seq
        self.seq += 1
        for stream in self.streams:
            stream.unit.submit(stream, now, seq)
        for listener in self.listeners:
            listener(now, seq)
        self._schedule()


@dataclass
class RunState:
    """Everything a finished run hands to the result builder."""

    spec: ScenarioSpec
    duration_s: float
    seed: int
    cameras: list[CameraSim]
    units: list[UnitSim]
    streams: list[StreamSim]
    platform: PlatformSim | None = None
    pipelines: list = field(default_factory=list)
    loads: list = field(default_factory=list)
    requested_duration_s: float = 0.0
    wall_s: float = 0.0


def expand_cameras(spec: ScenarioSpec) -> list[tuple[str, CameraSpec, int]]:
    """Camera instances (name, spec, replica index): a camera with count N becomes name_0 .. name_{N-1}."""
    out = []
    for cam in spec.cameras:
        if cam.count == 1:
            out.append((cam.name, cam, 0))
        else:
            out.extend((f"{cam.name}_{i}", cam, i) for i in range(cam.count))
    return out


def run_simulation(spec: ScenarioSpec, duration_s: float | None = None, seed: int | None = None, trace: bool | None = None,
                   on_build: Callable[[RunState], None] | None = None) -> RunState:
    """Build the SimPy model of ``spec`` and run it to ``duration_s``.

    Parameters
    ----------
    spec : ScenarioSpec
        Validated scenario.
    duration_s, seed, trace : optional
        Override the scenario's values.
    """
    import time

    duration_s = spec.duration_s if duration_s is None else float(duration_s)
    seed = spec.seed if seed is None else int(seed)
    trace = spec.record.trace if trace is None else bool(trace)
    if duration_s <= spec.warmup_s:
        raise ValueError(f"duration_s ({duration_s} s) must exceed warmup_s ({spec.warmup_s} s)")
    env = simpy.Environment()
    interval_s = min(spec.record.interval_s, duration_s)
    n_bins = int(np.ceil(duration_s / interval_s - 1e-9))
    models = {m.name: m for m in spec.models}
    units = {u.name: UnitSim(env, u, source_rng(seed, "unit:" + u.name), interval_s, n_bins, spec.warmup_s) for u in spec.compute_units}
    if spec.links:
        from .pipeline import link_unit_spec

        for link in spec.links:
            units[link.name] = UnitSim(env, link_unit_spec(link), source_rng(seed, "link:" + link.name), interval_s, n_bins, spec.warmup_s)
    cameras: list[CameraSim] = []
    streams: list[StreamSim] = []
    by_camera: dict[str, list[CameraSim]] = {}
    for name, cam, replica in expand_cameras(spec):
        sim = CameraSim(env, name, cam, source_rng(seed, "camera:" + name), replica)
        cameras.append(sim)
        by_camera.setdefault(cam.name, []).append(sim)
    for stream_spec in spec.streams:
        model = models[stream_spec.model]
        unit = units[stream_spec.unit]
        for cam in by_camera[stream_spec.camera]:
            estimate = service_time(unit.spec, model, cam.spec.pixels, models)
            stream = StreamSim(len(streams), cam.name, cam.spec, model, unit, stream_spec, estimate, spec.warmup_s, [] if trace else None)
            streams.append(stream)
            cam.streams.append(stream)
            unit.max_dynamic_w = max(unit.max_dynamic_w, stream.dynamic_power_w)
    for bus_spec in spec.memory_buses:
        bus = MemoryBusSim(bus_spec)
        for unit in units.values():
            if unit.spec.memory_bus == bus_spec.name:
                unit.bus = bus
    for unit in units.values():
        unit.use_fast_path()
    pipelines: list = []
    loads: list = []
    if spec.pipelines:
        from .pipeline import build_pipelines

        pipelines = build_pipelines(env, spec, units, by_camera, seed, trace)
    if spec.loads:
        from .loadgen import build_loads

        loads = build_loads(env, spec, units, seed, trace)
    platform = None
    if spec.thermal is not None or spec.battery is not None or spec.platform_loads:
        platform = PlatformSim(env, spec, list(units.values()), duration_s, interval_s, n_bins)
    state = RunState(spec, duration_s, seed, cameras, list(units.values()), streams, platform, pipelines, loads, duration_s)
    if trace:  # every power change (and, with a platform, the device state then): memory grows with the run
        for unit in state.units:
            unit.power_trace = [(0.0, unit.power_w, unit.state)]
        if platform is not None:
            platform.state_trace = []
    if on_build is not None:
        on_build(state)
    for cam in cameras:
        cam.start()
    if platform is not None:
        platform.request_check(0.0)
    if spec.warmup_s > 0:
        def snapshot(_event: Wake) -> None:
            if platform is not None:
                platform.take_snapshot()
            for unit in state.units:
                unit.take_snapshot()
        env.schedule(Wake(snapshot), NORMAL, spec.warmup_s)
    t0 = time.perf_counter()
    env.run(until=duration_s)  # returns early when the battery reaches its cut-off
    state.wall_s = time.perf_counter() - t0
    end_s = min(env.now, duration_s) if platform is None or platform.battery_empty_s is None else platform.battery_empty_s
    state.duration_s = end_s
    n_bins_run = max(1, int(np.ceil(end_s / interval_s - 1e-9)))
    for unit in state.units:
        unit.n_bins = n_bins_run
        unit.close(end_s)
    if platform is not None:
        platform.n_bins = n_bins_run
        platform.close(end_s)
    return state
