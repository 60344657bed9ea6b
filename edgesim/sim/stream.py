"""Cameras and streams: a camera instance emits frames; each frame becomes one job per stream it feeds."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import simpy
from simpy.core import NORMAL

from ..model.records import CameraModel, PreprocessModel, StreamModel
from .arrivals import arrival_times_s
from .events import Wake, scheduler_of
from .jobs import J_ARRIVAL, J_SEQ, J_START, TraceRecord
from .owner import JobOwner
from .store import LatencyStore
from .unit import UnitSim

__all__ = ["CameraSim", "ResizeOwner", "StreamSim"]


class StreamSim(JobOwner):
    """Runtime state of one (camera instance, model) stream: counts and latencies of its jobs.

    With a resize on another unit (``input.resize_unit``), frames enter at the stream's :class:`ResizeOwner` (``entry``), and
    the model job is submitted when the resize is done; latency still counts from the frame's arrival.
    """

    unit: UnitSim  # the owner's unit, as the runtime class (JobOwner sees it through a protocol)

    def __init__(self, model: StreamModel, unit: UnitSim, warmup_s: float, trace: bool):
        super().__init__(model.index, unit, model.estimate, capacity=model.capacity, drop_newest=model.drop_newest,
                         priority=model.priority, deadline_rel_s=model.deadline_rel_s, batch_key=model.batch_key)
        self.model = model
        self.camera = model.camera
        self.warmup_s = warmup_s
        self.trace: list[TraceRecord] | None = [] if trace else None
        self.completed = 0
        self.dropped = 0
        self.late = 0
        self.latencies = LatencyStore()
        self._record_latency = self.latencies.append  # bound once: called per completed job
        # per recording interval, by the instant of the drop or of the late completion (the warm-up's frames too: the
        # summary's counts leave them out); one more bin for an instant at the very end; only those frames pay
        self.interval_s = unit.interval_s
        self.dropped_in_bin = [0] * (unit.n_bins + 1)
        self.late_in_bin = [0] * (unit.n_bins + 1)
        self.entry: StreamSim | ResizeOwner = self  # who receives the camera's frames (a ResizeOwner when there is a resize)
        self.frame_arrival_s: dict[int, float] = {}  # frames past their resize: seq -> arrival at the camera

    @property
    def frames_offered(self) -> int:
        """Frames the camera offered this stream in the window (at its entry: the resize, or the model)."""
        return self.entry.offered

    def on_complete(self, job: list[Any], now: float) -> None:
        """Count the job and record its latency (frame arrival to result: the unit's completion plus the estimate's
        result delay, a pure delay that does not hold the unit). A late result counts in the interval it comes out in
        (the last one for a result after the run's end); a job the unit finished counts as completed even when its
        result delay runs past the end."""
        arrival_s = job[J_ARRIVAL]
        latency_s = now - arrival_s + self.result_delay_s
        if latency_s > self.deadline_rel_s:
            late_bin = min(int((now + self.result_delay_s) // self.interval_s), len(self.late_in_bin) - 1)
            self.late_in_bin[late_bin] += 1
        if arrival_s >= self.warmup_s:
            self.completed += 1
            self._record_latency(latency_s)
            if latency_s > self.deadline_rel_s:
                self.late += 1
        if self.trace is not None:
            self.trace.append(TraceRecord(self.index, job[J_SEQ], arrival_s, job[J_START], now, "completed"))

    def on_complete_resized(self, job: list[Any], now: float) -> None:
        """``on_complete`` of a stream whose frames were resized first: latency from the frame's arrival at the camera."""
        job[J_ARRIVAL] = self.frame_arrival_s.pop(job[J_SEQ])  # the job is done: its arrival becomes the frame's
        StreamSim.on_complete(self, job, now)

    def on_drop(self, job: list[Any], now: float) -> None:
        arrival_s = self.frame_arrival_s.pop(job[J_SEQ]) if self.entry is not self else job[J_ARRIVAL]
        if arrival_s >= self.warmup_s:
            self.dropped += 1
        self.dropped_in_bin[int(now // self.interval_s)] += 1
        if self.trace is not None:
            self.trace.append(TraceRecord(self.index, job[J_SEQ], arrival_s, job[J_START], now, "dropped"))


class ResizeOwner(JobOwner):
    """A stream's resize on another unit (a CPU, an ISP): one job per frame; when it is done the model job is
    submitted to the stream's unit. A frame dropped here is dropped for the stream."""

    unit: UnitSim  # the owner's unit, as the runtime class (JobOwner sees it through a protocol)

    def __init__(self, stream: StreamSim, preprocess: PreprocessModel, unit: UnitSim):
        super().__init__(stream.index, unit, preprocess.estimate, capacity=preprocess.capacity, drop_newest=False,
                         priority=stream.priority, deadline_rel_s=stream.deadline_rel_s, batch_key=f"resize:{stream.model.model}")
        self.stream = stream
        self.schedule = scheduler_of(unit.env)
        stream.entry = self
        stream.on_complete = stream.on_complete_resized  # type: ignore[method-assign]  # chosen once, not per job

    def on_complete(self, job: list[Any], now: float) -> None:
        stream = self.stream
        seq = job[J_SEQ]
        stream.frame_arrival_s[seq] = job[J_ARRIVAL]
        if stream.unit is self.unit:  # submitting from inside this unit's completion would jump its queue
            self.schedule(Wake(lambda _e: stream.unit.submit(stream, self.unit.env._now, seq)), NORMAL, 0.0)
        else:
            stream.unit.submit(stream, now, seq)

    def on_drop(self, job: list[Any], now: float) -> None:
        stream = self.stream
        if job[J_ARRIVAL] >= stream.warmup_s:
            stream.dropped += 1
        stream.dropped_in_bin[int(now // stream.interval_s)] += 1
        if stream.trace is not None:
            stream.trace.append(TraceRecord(stream.index, job[J_SEQ], job[J_ARRIVAL], job[J_START], now, "dropped"))


class CameraSim:
    """Emits frames at its arrival instants; each frame fans out to the camera's streams and pipelines."""

    def __init__(self, env: simpy.Environment, model: CameraModel, rng: np.random.Generator):
        self.env = env
        self._schedule = scheduler_of(env)
        self.name = model.name
        self.model = model
        self.streams: list[StreamSim] = []
        self.listeners: list[Callable[[float, int], None]] = []  # pipelines: called with (now, frame seq)
        self._rng = rng
        self._times = arrival_times_s(model.arrival, model.fps, rng)
        self._chunk = next(self._times)
        self._i = 0
        self._k0 = 0  # index of the current chunk's first frame
        self.seq = 0
        self._targets: list[tuple[Callable[[JobOwner, float, int], None], JobOwner]] = []

    def start(self, schedule_frames: bool = True) -> None:
        """Bind the frame's targets; with ``schedule_frames``, schedule the first frame as a SimPy event (the engine
        drives the frames itself when nothing else needs events: :func:`edgesim.sim.engine.run_simulation`)."""
        self._targets = [(stream.entry.unit.submit, stream.entry) for stream in self.streams]  # bound once: per frame
        if schedule_frames:
            self._next_frame()

    def next_arrival_s(self) -> float:
        """The next frame's arrival instant (s), taken from the camera's arrival process."""
        if self._i == len(self._chunk):
            self._k0 += len(self._chunk)
            self._chunk = next(self._times)
            self._i = 0
        t = float(self._chunk[self._i])
        self._i += 1
        return t

    def skip_frames(self, n: int, delta_s: float) -> None:
        """Fast-forward by ``delta_s`` (``n`` frames on average): periodic and jittered frames continue from frame
        index + ``n`` (their sequence numbers used up, so later frames keep the instants of the event-by-event run);
        Poisson arrivals continue from their drawn instants moved by ``delta_s`` (memoryless)."""
        self.seq += n
        if self.model.arrival.kind == "poisson":
            rest = self._chunk[self._i:] + delta_s
            if len(rest) == 0:
                rest = np.array([self.env._now + delta_s + self._rng.exponential(1.0 / self.model.fps)])
            self._times = arrival_times_s(self.model.arrival, self.model.fps, self._rng, after_s=float(rest[-1]))
            self._chunk, self._i = rest, 0
            return
        k = self._k0 + self._i + n
        self._times = arrival_times_s(self.model.arrival, self.model.fps, self._rng, start=k)
        self._chunk = next(self._times)
        self._i = 0
        self._k0 = k

    def emit(self, now: float) -> None:
        """A frame arrives at ``now``: one job per stream, and every pipeline hears of it."""
        seq = self.seq
        self.seq += 1
        for submit, owner in self._targets:
            submit(owner, now, seq)
        for listener in self.listeners:
            listener(now, seq)

    def _next_frame(self) -> None:
        self._schedule(Wake(self._fire), NORMAL, max(0.0, self.next_arrival_s() - self.env._now))

    def _fire(self, _event: Wake) -> None:
        self.emit(self.env._now)
        self._next_frame()
