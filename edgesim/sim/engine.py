"""The event engine: cameras emit frames, frames fan out into jobs, jobs queue FIFO at their unit.

Speed by design: one SimPy event per frame (the camera's next arrival) and one per job (its completion,
scheduled when it starts). No per-job process, no Resource request/release. Between two events a unit's
power is constant, so energy, busy time and queue area are integrated exactly at each state change.
"""
from __future__ import annotations

import hashlib
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import simpy
from simpy.core import NORMAL

from ..physics.service import ServiceEstimate, service_time
from ..results.store import LatencyStore
from ..spec.schema import CameraSpec, ComputeUnitSpec, ModelSpec, ScenarioSpec, StreamSpec
from .arrivals import arrival_times_s

class Wake:
    """A bare SimPy event: what ``Environment.step`` needs (callbacks, ok) and nothing more.

    ``env.schedule(Wake(fn), NORMAL, delay)`` costs a third of ``env.timeout(delay)`` plus a callback append,
    and it is the engine's only per-job event.
    """

    __slots__ = ("callbacks", "_ok", "_value")

    def __init__(self, callback: Callable[["Wake"], None]):
        self.callbacks = [callback]
        self._ok = True
        self._value = None


def wake_after(env: simpy.Environment, delay_s: float, callback: Callable[["Wake"], None]) -> None:
    """Call ``callback`` at ``env.now + delay_s`` (ties are served in the order they were scheduled)."""
    env.schedule(Wake(callback), NORMAL, delay_s)


# Job fields (a job is a small list: cheaper than an object on the hot path)
J_STREAM, J_ARRIVAL, J_SEQ, J_START, J_ALIVE = range(5)
EXP_CHUNK = 4096


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
    unit: "UnitSim"
    spec: StreamSpec
    estimate: ServiceEstimate
    warmup_s: float
    trace: list | None
    waiting: deque = field(default_factory=deque)
    offered: int = 0
    completed: int = 0
    dropped: int = 0
    latencies: LatencyStore = field(default_factory=LatencyStore)

    def __post_init__(self) -> None:
        # flattened for the hot path
        self.service_s = self.estimate.service_s
        self.active_power_w = self.estimate.active_power_w
        self.capacity = float("inf") if self.spec.drop_policy == "never_drop" else self.spec.queue_capacity
        self.drop_newest = self.spec.drop_policy == "drop_newest"

    @property
    def ops_per_inference(self) -> float:
        return self.model.ops_for(self.camera_spec.pixels)


class UnitSim:
    """A FIFO compute unit. Power v1: idle, or the running job's active power; integrated exactly."""

    def __init__(self, env: simpy.Environment, spec: ComputeUnitSpec, rng: np.random.Generator, interval_s: float, n_bins: int, warmup_s: float):
        self.env = env
        self.spec = spec
        self.name = spec.name
        self.idle_power_w = spec.idle_power_w
        self.power_w = spec.idle_power_w
        self.exponential = spec.service_time_distribution == "exponential"
        self.rng = rng
        self._exp = np.empty(0)
        self._exp_i = 0
        self.queue: deque = deque()
        self.job: list | None = None
        self.n_waiting = 0
        self.warmup_s = warmup_s
        self.completed_in_window = 0
        # exact integrals since t = 0
        self.last_t = 0.0
        self.energy_j = 0.0
        self.busy_s = 0.0
        self.queue_area_s = 0.0  # integral of waiting jobs over time (job-seconds)
        # recording-interval edges: running totals noted at each edge (memory per interval, not per event)
        self.interval_s = interval_s
        self.n_bins = n_bins
        self.edges: list[tuple[float, float, float]] = [(0.0, 0.0, 0.0)]
        self._bin_end_s = interval_s
        self.snapshot = (0.0, 0.0, 0.0)

    # -- exact integration between events -------------------------------------------------------
    def advance(self, now: float) -> None:
        """Integrate power, busy time and queue length from the last state change to ``now``.

        Only running totals are kept on the hot path; at each recording-interval edge the totals are noted,
        and the per-interval series are their differences.
        """
        t = self.last_t
        if now <= t:
            return
        if now > self._bin_end_s:
            self._cross_bins(now)
            t = self.last_t
        dt = now - t
        self.energy_j += self.power_w * dt
        if self.job is not None:
            self.busy_s += dt
        if self.n_waiting:
            self.queue_area_s += self.n_waiting * dt
        self.last_t = now

    def _cross_bins(self, now: float) -> None:
        while now > self._bin_end_s:
            self.advance(self._bin_end_s)
            self._note_edge()
            self._bin_end_s += self.interval_s

    def _note_edge(self) -> None:
        self.edges.append((self.energy_j, self.busy_s, self.queue_area_s))

    def close(self, end_s: float) -> None:
        """Integrate to the end of the run and note the last edge."""
        self.advance(end_s)
        while len(self.edges) < self.n_bins + 1:
            self._note_edge()

    def series(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per-interval energy (J), busy time (s) and queue area (job-s): differences of the noted totals."""
        totals = np.diff(np.asarray(self.edges[: self.n_bins + 1], dtype=np.float64), axis=0)
        return totals[:, 0], totals[:, 1], totals[:, 2]

    def take_snapshot(self) -> None:
        self.advance(self.env.now)
        self.snapshot = (self.energy_j, self.busy_s, self.queue_area_s)

    # -- jobs ----------------------------------------------------------------------------------
    def submit(self, stream: StreamSim, arrival_s: float, seq: int) -> None:
        """A job arrives at ``arrival_s`` (= now): start it, queue it, or apply the stream's drop policy."""
        job = [stream, arrival_s, seq, -1.0, True]
        if arrival_s >= self.warmup_s:
            stream.offered += 1
        if self.job is None:
            self.advance(arrival_s)
            self._begin(job, arrival_s)
            return
        waiting = stream.waiting
        if len(waiting) >= stream.capacity:
            if stream.drop_newest:
                self._drop(job, arrival_s)
                return
            old = waiting.popleft()  # drop_oldest: the stream's oldest waiting job makes room
            old[J_ALIVE] = False
            self._drop(old, arrival_s)
        else:
            self.advance(arrival_s)
            self.n_waiting += 1
        self.queue.append(job)
        waiting.append(job)

    def _drop(self, job: list, now: float) -> None:
        stream = job[J_STREAM]
        if job[J_ARRIVAL] >= self.warmup_s:
            stream.dropped += 1
        if stream.trace is not None:
            stream.trace.append((stream.index, job[J_SEQ], job[J_ARRIVAL], job[J_START], now, "dropped"))

    def _service_s(self, stream: StreamSim) -> float:
        if not self.exponential:
            return stream.service_s
        if self._exp_i == len(self._exp):
            self._exp = self.rng.exponential(1.0, size=EXP_CHUNK)
            self._exp_i = 0
        x = self._exp[self._exp_i]
        self._exp_i += 1
        return stream.service_s * x

    def _begin(self, job: list, now: float) -> None:
        """Start ``job`` now (integrals already advanced to now) and schedule its completion: one event."""
        stream = job[J_STREAM]
        job[J_START] = now
        self.job = job
        self.power_w = stream.active_power_w
        self.env.schedule(Wake(self._finish), NORMAL, self._service_s(stream))

    def _finish(self, _event: Wake) -> None:
        now = self.env._now
        self.advance(now)
        job = self.job
        stream = job[J_STREAM]
        arrival_s = job[J_ARRIVAL]
        if arrival_s >= self.warmup_s:
            stream.completed += 1
            stream.latencies.append(now - arrival_s)
        if now >= self.warmup_s:
            self.completed_in_window += 1
        if stream.trace is not None:
            stream.trace.append((stream.index, job[J_SEQ], arrival_s, job[J_START], now, "completed"))
        queue = self.queue
        while queue:
            nxt = queue.popleft()
            if nxt[J_ALIVE]:
                nxt[J_STREAM].waiting.popleft()
                self.n_waiting -= 1
                self._begin(nxt, now)
                return
        self.job = None
        self.power_w = self.idle_power_w

    def in_flight(self) -> list[list]:
        jobs = [j for j in self.queue if j[J_ALIVE]]
        if self.job is not None:
            jobs.append(self.job)
        return jobs


class CameraSim:
    """Emits frames at its arrival instants; each frame fans out to the camera's streams."""

    def __init__(self, env: simpy.Environment, name: str, spec: CameraSpec, rng: np.random.Generator, replica: int = 0):
        self.env = env
        self.name = name
        self.spec = spec
        self.streams: list[StreamSim] = []
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

    def _fire(self, _event: Wake) -> None:
        now = self.env._now
        seq = self.seq
        self.seq += 1
        for stream in self.streams:
            stream.unit.submit(stream, now, seq)
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
    state = RunState(spec, duration_s, seed, cameras, list(units.values()), streams)
    if on_build is not None:
        on_build(state)
    for cam in cameras:
        cam.start()
    if spec.warmup_s > 0:
        def snapshot(_event: simpy.Event) -> None:
            for unit in state.units:
                unit.take_snapshot()
        env.timeout(spec.warmup_s).callbacks.append(snapshot)
    t0 = time.perf_counter()
    env.run(until=duration_s)
    state.wall_s = time.perf_counter() - t0
    for unit in state.units:
        unit.close(duration_s)
    return state
