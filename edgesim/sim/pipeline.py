"""Pipelines as DAGs of stages, and links as transfer resources (SimPy glue; the physics is in ``edgesim.physics``).

A pipeline (compiled into a :class:`~edgesim.model.records.PipelineModel`) runs on every frame of one camera, on each replica of it:
one :class:`PipelineSim` per (pipeline, camera replica). Its stages are placed on compute units (decode, resize,
normalize, inference, NMS, a classifier) or on links (an input tensor over PCIe, results back). Each stage is a
job owner at its unit or link (:class:`StageOwner`), so stage jobs queue with every other job there (streams,
other pipelines, load drivers) under the unit's scheduler.

Per frame
    The source stages (no ``after``) start at the frame's arrival. A stage makes ``count`` jobs (drawn per frame
    from its :class:`~edgesim.spec.schema.CountSpec`); when all of them are done the stage is done, and every
    successor whose predecessors are all done is released. ``count`` 0 skips the stage: it is done at once and
    its successors proceed. Random counts of one pipeline that have the *same* CountSpec share one draw per frame
    (the detector's N objects make N crops, N transfers and N classifier runs). The frame completes when every
    sink (a stage nothing depends on) is done: ``latency = completion - frame arrival``.

Links
    A link is a FIFO unit (:func:`edgesim.model.stages.link_unit_spec`): a transfer of B bytes occupies it for ``B / bandwidth``; the
    link's ``latency_s`` is added *after* the transfer (propagation, DMA completion, interrupt): it does not
    occupy the link, the successors start ``latency_s`` later. While transferring the link draws
    ``idle_power_w + energy_j_per_byte x bandwidth``, so a transfer of B bytes costs exactly
    ``B x energy_j_per_byte`` above idle. A model stage's result delay (its estimate's ``result_delay_s``, the
    host round trip of the performance model) is added the same way after each of its jobs: it does not occupy
    the unit.

Drops
    A stage's queue follows its ``queue_capacity`` / ``drop_policy`` (default never_drop). A dropped stage job
    drops the frame: it is counted once as dropped, no further stage of it starts, and its jobs already queued
    or running elsewhere still run to completion (they hold their unit; a real runtime cannot recall a DMA or a
    kernel launch either). The frame's small state is deleted when its last such job ends.

Energy attribution (``static_share_rule``)
    * dynamic: each stage job is charged ``dynamic_power_w x dyn_scale / servers`` (its share of the unit's
      dynamic power, see :meth:`UnitSim._update_power`) for its actual duration (queueing excluded, bus
      slow-downs included); a batch's energy is split evenly among its jobs.
    * static: a unit's idle (static) power over the window, ``idle_power_w x window``, is shared among all the
      job owners on the unit (stages, streams, load drivers) in proportion to their busy time on that unit
      (server-seconds). Stages report their share; the rest belongs to the unit's other owners (or is
      unattributed when the unit was never busy).
    For units used only by pipelines, with a linear power curve and no DVFS change during a job, the stage
    energies on a unit sum exactly to the unit's energy. Temperature-dependent leakage (platform) is not
    attributed to stages.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import simpy
from simpy.core import NORMAL

from ..model.records import PipelineModel, StageModel
from .events import Wake, scheduler_of
from .jobs import J_ARRIVAL, J_SEQ, J_START
from .meter import EnergyMeter
from .store import LatencyStore
from .stream import CameraSim
from .unit import UnitSim

__all__ = ["FrameTraceRecord", "PipelineSim", "StageOwner", "StageTraceRecord"]

COUNT_CHUNK = 1024

# frame state: a small list per frame in flight, keyed by the frame's camera sequence number
F_ARRIVAL, F_PREDS, F_JOBS, F_SINKS, F_INFLIGHT, F_DROPPED, F_COUNTS = range(7)

StageTraceRecord = tuple[int, float, float, float, str]  # frame, arrival_s, start_s, end_s, status
FrameTraceRecord = tuple[int, float, float, str]  # frame, arrival_s, end_s, status


class StageOwner(EnergyMeter):
    """One stage of one pipeline instance: the job owner its unit (or link) sees."""

    def __init__(self, pipe: PipelineSim, stage: StageModel, unit: UnitSim):
        super().__init__(stage.owner_index, unit, stage.estimate, capacity=stage.capacity, drop_newest=stage.drop_newest,
                         priority=stage.priority, deadline_rel_s=stage.deadline_rel_s, batch_key=stage.batch_key)
        self.pipe = pipe
        self.k = stage.index
        self.stage = stage
        self.latency_s = stage.latency_s  # pure delay after each job: link latency, or a compute stage's result delay
        self.warmup_s = pipe.warmup_s
        self.trace: list[StageTraceRecord] | None = [] if pipe.trace is not None else None
        self.jobs_dropped = 0
        self._meter_init()

    def on_complete(self, job: list[Any], now: float) -> None:
        self._meter(job, now)
        if self.trace is not None:
            self.trace.append((job[J_SEQ], job[J_ARRIVAL], job[J_START], now, "completed"))
        if self.latency_s > 0.0:
            seq = job[J_SEQ]
            self.pipe.schedule(Wake(lambda _e: self.pipe._job_done(self.k, seq, self.pipe.env._now, None)), NORMAL, self.latency_s)
        else:
            self.pipe._job_done(self.k, job[J_SEQ], now, self.unit)

    def on_drop(self, job: list[Any], now: float) -> None:
        if now >= self.warmup_s:
            self.jobs_dropped += 1
        if self.trace is not None:
            self.trace.append((job[J_SEQ], job[J_ARRIVAL], job[J_START], now, "dropped"))
        self.pipe._job_dropped(job[J_SEQ], now)

    def __repr__(self) -> str:
        return f"StageOwner({self.pipe.name}/{self.pipe.camera}:{self.stage.name}, on={self.stage.place}, service_s={self.service_s:.6g})"


class PipelineSim:
    """Runtime state of one pipeline on one camera instance. See the module docstring for the semantics."""

    def __init__(self, env: simpy.Environment, model: PipelineModel, camera: CameraSim, units: dict[str, UnitSim],
                 rng: np.random.Generator, warmup_s: float, trace: bool):
        self.env = env
        self.schedule = scheduler_of(env)
        self.model = model
        self.name = model.name
        self.camera = camera.name
        self.warmup_s = warmup_s
        self.rng = rng
        self.trace: list[Any] | None = [] if trace else None
        self.deadline_s = model.deadline_s
        self.preds = list(model.preds)
        self.succ = model.succ
        self.is_sink = model.is_sink
        self.n_sinks = model.n_sinks
        self.sources = model.sources
        self.owners = [StageOwner(self, stage, units[stage.place]) for stage in model.stages]
        self.fixed_counts = list(model.fixed_counts)
        self.count_groups = model.count_groups
        self._count_chunks = [np.empty(0, dtype=np.int64) for _ in self.count_groups]
        self._count_i = [0] * len(self.count_groups)
        # frames in flight and statistics
        self.frames: dict[int, list[Any]] = {}
        self.offered = 0
        self.completed = 0
        self.dropped = 0
        self.late = 0
        self.latencies = LatencyStore()
        self.frame_trace: list[FrameTraceRecord] | None = [] if trace else None
        camera.listeners.append(self.on_frame)

    # -- per frame --------------------------------------------------------------------------------
    def _draw(self, g: int) -> int:
        i = self._count_i[g]
        chunk = self._count_chunks[g]
        if i == len(chunk):
            count = self.count_groups[g]
            if count.kind == "poisson":
                chunk = self.rng.poisson(count.mean, size=COUNT_CHUNK)
            else:
                chunk = self.rng.integers(count.low, count.high + 1, size=COUNT_CHUNK)
            self._count_chunks[g] = chunk
            i = 0
        self._count_i[g] = i + 1
        return int(chunk[i])

    def on_frame(self, now: float, seq: int) -> None:
        """A frame arrives (camera listener): start the source stages."""
        if now >= self.warmup_s:
            self.offered += 1
        if self.count_groups:
            counts = list(self.fixed_counts)
            for g, group in enumerate(self.count_groups):
                c = self._draw(g)
                for k in group.stages:
                    counts[k] = c
        else:
            counts = self.fixed_counts
        frame = [now, list(self.preds), [0] * len(counts), self.n_sinks, 0, False, counts]
        self.frames[seq] = frame
        for k in self.sources:
            if frame[F_DROPPED]:
                break
            self._start_stage(frame, seq, k, now, None)
        if frame[F_DROPPED] and frame[F_INFLIGHT] == 0:
            self.frames.pop(seq, None)

    def _start_stage(self, frame: list[Any], seq: int, k: int, now: float, from_unit: UnitSim | None) -> None:
        n = frame[F_COUNTS][k]
        if n == 0:
            self._stage_done(frame, seq, k, now, from_unit)
            return
        frame[F_JOBS][k] = n
        frame[F_INFLIGHT] += n
        owner = self.owners[k]
        if owner.unit is from_unit:
            # submitting from inside this unit's completion handler would let the job jump the unit's queue
            # (UnitSim._finish calls on_complete before it starts the next waiting job): submit just after it
            self.schedule(Wake(lambda _e: self._submit(frame, seq, owner, n)), NORMAL, 0.0)
        else:
            self._submit(frame, seq, owner, n)

    def _submit(self, frame: list[Any], seq: int, owner: StageOwner, n: int) -> None:
        unit = owner.unit
        now = self.env._now
        sent = 0
        while sent < n and not frame[F_DROPPED]:
            unit.submit(owner, now, seq)
            sent += 1
        if sent < n:  # the frame was dropped meanwhile: the rest are never sent
            frame[F_INFLIGHT] -= n - sent
            if frame[F_INFLIGHT] == 0:
                self.frames.pop(seq, None)

    def _job_done(self, k: int, seq: int, now: float, from_unit: UnitSim | None) -> None:
        frame = self.frames[seq]
        frame[F_INFLIGHT] -= 1
        if frame[F_DROPPED]:
            if frame[F_INFLIGHT] == 0:
                del self.frames[seq]
            return
        jobs = frame[F_JOBS]
        jobs[k] -= 1
        if jobs[k] == 0:
            self._stage_done(frame, seq, k, now, from_unit)

    def _stage_done(self, frame: list[Any], seq: int, k: int, now: float, from_unit: UnitSim | None) -> None:
        if self.is_sink[k]:
            frame[F_SINKS] -= 1
            if frame[F_SINKS] == 0:
                self._frame_done(frame, seq, now)
            return
        preds = frame[F_PREDS]
        for j in self.succ[k]:
            if frame[F_DROPPED]:
                return
            preds[j] -= 1
            if preds[j] == 0:
                self._start_stage(frame, seq, j, now, from_unit)

    def _frame_done(self, frame: list[Any], seq: int, now: float) -> None:
        arrival_s = frame[F_ARRIVAL]
        latency_s = now - arrival_s
        if arrival_s >= self.warmup_s:
            self.completed += 1
            self.latencies.append(latency_s)
            if latency_s > self.deadline_s:
                self.late += 1
        if self.frame_trace is not None:
            self.frame_trace.append((seq, arrival_s, now, "completed"))
        del self.frames[seq]

    def _job_dropped(self, seq: int, now: float) -> None:
        frame = self.frames[seq]
        frame[F_INFLIGHT] -= 1
        if not frame[F_DROPPED]:
            frame[F_DROPPED] = True
            if frame[F_ARRIVAL] >= self.warmup_s:
                self.dropped += 1
            if self.frame_trace is not None:
                self.frame_trace.append((seq, frame[F_ARRIVAL], now, "dropped"))
        if frame[F_INFLIGHT] == 0:
            del self.frames[seq]

    def in_flight_count(self) -> int:
        """Frames of the statistics window still in flight (arrived at or after the warm-up, neither finished nor
        dropped)."""
        return sum(1 for f in self.frames.values() if f[F_ARRIVAL] >= self.warmup_s and not f[F_DROPPED])

    def __repr__(self) -> str:
        return (f"PipelineSim({self.name!r} on {self.camera!r}, stages={len(self.owners)}, "
                f"critical_path_ms={self.model.critical_path_s * 1e3:.4g})")
