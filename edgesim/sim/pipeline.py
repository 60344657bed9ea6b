"""Pipelines as DAGs of stages, and links as transfer resources (SimPy glue; the physics is in ``edgesim.physics``).

A pipeline (:class:`~edgesim.spec.schema.PipelineSpec`) runs on every frame of one camera, on each replica of it:
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
    A link is a FIFO unit (:func:`link_unit_spec`): a transfer of B bytes occupies it for ``B / bandwidth``; the
    link's ``latency_s`` is added *after* the transfer (propagation, DMA completion, interrupt): it does not
    occupy the link, the successors start ``latency_s`` later. While transferring the link draws
    ``idle_power_w + energy_j_per_byte x bandwidth``, so a transfer of B bytes costs exactly
    ``B x energy_j_per_byte`` above idle.

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

import math
from collections import deque
from collections.abc import Mapping
from typing import Any

import networkx as nx
import numpy as np
import simpy
from simpy.core import NORMAL

from ..physics.service import ServiceEstimate, service_time
from ..results.store import LatencyStore
from ..spec.schema import (
    CameraSpec,
    ComputeUnitSpec,
    CountSpec,
    LinkSpec,
    ModelSpec,
    PipelineSpec,
    ScenarioSpec,
    StageSpec,
)
from .unit import J_ARRIVAL, J_SEQ, J_START, J_STREAM, UnitSim, Wake

__all__ = [
    "STATIC_SHARE_RULE",
    "PipelineSim",
    "StageOwner",
    "build_pipelines",
    "latency_stats_ms",
    "link_unit_spec",
    "stage_estimate",
    "stage_precision",
]

STATIC_SHARE_RULE = ("dynamic energy: each job is charged its owner's dynamic power (x DVFS scale / servers) for its "
                     "actual duration, a batch split evenly among its jobs; static energy: a unit's idle power over the "
                     "window is shared among all job owners on the unit (stages, streams, loads) in proportion to "
                     "their busy server-seconds on that unit; leakage is not attributed")

PIPELINE_INDEX_BASE = 1_000_000  # job-owner indices of pipeline stages: apart from streams' 0..n-1 (result tables)
COUNT_CHUNK = 1024

# frame state: a small list per frame in flight, keyed by the frame's camera sequence number
F_ARRIVAL, F_PREDS, F_JOBS, F_SINKS, F_INFLIGHT, F_DROPPED, F_COUNTS = range(7)


def link_unit_spec(link: LinkSpec) -> ComputeUnitSpec:
    """A link as a one-server FIFO unit of kind ``link``.

    idle_power_w = the link's idle power; max_power_w = idle + energy_j_per_byte x bandwidth_bytes_per_s (W), the
    power while transferring, so a transfer of B bytes (B / bandwidth seconds) costs B x energy_j_per_byte above
    idle. Transfer service times are set by the stages (bytes / bandwidth), not by peaks or measured points.
    """
    dynamic_w = link.energy_j_per_byte * link.bandwidth_bytes_per_s
    sources = {"kind": "link", "max_power_w": "idle_power_w + energy_j_per_byte x bandwidth_bytes_per_s (power while transferring)"}
    sources.update({f"link.{k}": v for k, v in link.sources.items()})
    fields: dict[str, Any] = {"name": link.name, "kind": "link", "idle_power_w": link.idle_power_w,
                              "max_power_w": link.idle_power_w + dynamic_w, "sources": sources}
    if fields["max_power_w"] > 0:
        return ComputeUnitSpec(**fields)
    # a lossless, powerless link (0 W idle, 0 J/byte): the schema wants max_power_w > 0, the physics is fine with 0
    return ComputeUnitSpec.model_construct(**fields)


def stage_precision(stage: StageSpec, unit: ComputeUnitSpec) -> str | None:
    """Precision of an analytic (ops) stage: the stage's, else the unit's only peak precision, else None."""
    if stage.precision is not None:
        return stage.precision
    if len(unit.peak_ops_per_s) == 1:
        return next(iter(unit.peak_ops_per_s))
    return None


def stage_pixels(stage: StageSpec, camera: CameraSpec) -> int:
    """Pixels one job of the stage works on: the stage's own width x height (e.g. a crop), else the frame's."""
    return stage.width_px * stage.height_px if stage.width_px and stage.height_px else camera.pixels


def stage_estimate(stage: StageSpec, camera: CameraSpec, unit: ComputeUnitSpec, models: Mapping[str, ModelSpec],
                   link: LinkSpec | None = None) -> ServiceEstimate:
    """Service time and power of one job of ``stage`` on an otherwise idle unit or link.

    * model: :func:`~edgesim.physics.service.service_time` at the frame's pixels (measured, or analytic/roofline).
    * ops_per_pixel / ops_per_item: the same analytic formula, ops / (peak_ops_per_s[precision] x efficiency), through a
      synthetic model named after the stage (so ``efficiency_by_model[<stage name>]`` overrides the unit's efficiency);
      ops = ops_per_pixel x frame pixels, or ops_per_item per job.
    * transfer: bytes / bandwidth, bytes = bytes_per_pixel x frame pixels or bytes_per_item per job; power
      idle + energy_j_per_byte x bandwidth.

    Raises
    ------
    edgesim.physics.service.ServiceTimeError
        When the unit cannot give a service time (no peak for the precision, no efficiency).
    """
    from ..physics.service import ServiceTimeError

    pixels = stage_pixels(stage, camera)
    if stage.link is not None:
        assert link is not None
        nbytes = stage.bytes_per_item if stage.bytes_per_item is not None else stage.bytes_per_pixel * pixels
        seconds = nbytes / link.bandwidth_bytes_per_s
        return ServiceEstimate(seconds, unit.max_power_w, "transfer",
                               f"{nbytes:.6g} B / {link.bandwidth_bytes_per_s:.6g} B/s, then {link.latency_s:.3g} s latency",
                               compute_s=seconds)
    if stage.model is not None:
        return service_time(unit, models[stage.model], pixels, models)
    precision = stage_precision(stage, unit)
    if precision is None:
        known = ", ".join(unit.peak_ops_per_s) or "none"
        raise ServiceTimeError("peak_ops_per_s", f"stage {stage.name!r} needs a precision (the unit has peaks for: {known})")
    per_pixel = stage.ops_per_pixel is not None
    ops = stage.ops_per_pixel if per_pixel else stage.ops_per_item
    synthetic = ModelSpec(name=stage.name, ops_per_pixel=ops, precision=precision)
    # a measured point that happens to share the stage's name is not this stage's cost
    if unit.measured_point(stage.name) is not None:
        unit = unit.model_copy(update={"measured": tuple(p for p in unit.measured if p.model != stage.name)})
    est = service_time(unit, synthetic, pixels if per_pixel else 1, models)
    what = f"{ops:.4g} ops/pixel x {pixels} px" if per_pixel else f"{ops:.4g} ops/item"
    return ServiceEstimate(est.service_s, est.active_power_w, est.source, f"{what}: {est.detail}", compute_s=est.compute_s,
                           memory_bytes=est.memory_bytes, overhead_s=est.overhead_s)


def idle_job_s(est: ServiceEstimate, unit: UnitSim) -> float:
    """How long one job takes on an otherwise idle unit: as ``UnitSim._rate`` computes it (DVFS speed, bus roofline)."""
    if unit.bus is not None and est.memory_bytes:
        share = unit.bus.bandwidth_bytes_per_s
        if unit.spec.memory_bandwidth_bytes_per_s:
            share = min(share, unit.spec.memory_bandwidth_bytes_per_s)
        return est.overhead_s + max(est.compute_s / unit.speed, est.memory_bytes / share)
    return est.service_s / unit.speed


def count_mean(count: CountSpec) -> float:
    """Expected jobs per frame of a CountSpec."""
    if count.kind == "uniform":
        return 0.5 * (count.low + count.high)
    return float(count.mean)


def latency_stats_ms(store: LatencyStore) -> dict[str, float | None]:
    """Mean and max (exact, float64), p50 / p90 / p95 / p99 (from the float32 store), in ms; None when empty."""
    n = len(store)
    if n == 0:
        return {"mean": None, "p50": None, "p90": None, "p95": None, "p99": None, "max": None}
    p50, p90, p95, p99 = (float(x) for x in np.percentile(store.values_s(), [50, 90, 95, 99]) * 1e3)
    return {"mean": float(store.sum_s) / n * 1e3, "p50": p50, "p90": p90, "p95": p95, "p99": p99, "max": float(store.max_s) * 1e3}


class EnergyMeter:
    """Busy time and dynamic energy of one job owner on its unit, in the statistics window (see module docstring)."""

    unit: UnitSim
    dynamic_power_w: float
    warmup_s: float

    def _meter_init(self) -> None:
        self.busy_s = 0.0  # server-seconds on the unit in the window
        self.dyn_energy_j = 0.0
        self.jobs_completed = 0  # completed in the window
        self.job_time_s = 0.0  # summed durations (start to end) of those jobs

    def _meter(self, job: list, now: float) -> None:
        w = self.warmup_s
        if now <= w:
            return
        unit = self.unit
        start = job[J_START]
        share = 1.0 / unit.batch_sizes[-1] if unit.batching is not None and unit.batch_sizes else 1.0
        d = (now - (max(w, start))) * share
        self.busy_s += d
        self.dyn_energy_j += self.dynamic_power_w * unit.dyn_scale / unit.servers * d
        self.jobs_completed += 1
        self.job_time_s += now - start

    def _partial(self, end_s: float) -> tuple[float, float]:
        """Busy time and dynamic energy of this owner's jobs still running at ``end_s`` (window part only)."""
        unit = self.unit
        running = [j for j in unit.running if j[J_STREAM] is self]
        if not running:
            return 0.0, 0.0
        share = 1.0 / len(unit.running) if unit.batching is not None else 1.0
        busy = sum(max(0.0, end_s - max(j[J_START], self.warmup_s)) for j in running) * share
        return busy, self.dynamic_power_w * unit.dyn_scale / unit.servers * busy

    def energy_in_window(self, window_s: float) -> dict[str, float]:
        """busy_s, dynamic_energy_j, static_energy_j (share by busy time), energy_j over the window."""
        end_s = self.warmup_s + window_s
        extra_busy, extra_dyn = self._partial(end_s)
        busy = self.busy_s + extra_busy
        dyn = self.dyn_energy_j + extra_dyn
        static = static_share_j(self.unit, busy, self.warmup_s, end_s)
        return {"busy_s": busy, "dynamic_energy_j": dyn, "static_energy_j": static, "energy_j": dyn + static}


def static_share_j(unit: UnitSim, busy_s: float, warmup_s: float, end_s: float) -> float:
    """This owner's share of the unit's static energy in [warmup_s, end_s]: idle power x on-time x busy / unit busy."""
    unit_busy_s = unit.busy_s - unit.snapshot[1]
    if unit_busy_s <= 0.0 or busy_s <= 0.0:
        return 0.0
    on_until_s = end_s if unit.shutdown_s is None else min(end_s, unit.shutdown_s)
    static_j = unit.static_power_w * max(0.0, on_until_s - warmup_s)
    return static_j * min(1.0, busy_s / unit_busy_s)


class StageOwner(EnergyMeter):
    """One stage of one pipeline instance: the job-owner interface its unit (or link) relies on."""

    def __init__(self, pipe: PipelineSim, k: int, stage: StageSpec, unit: UnitSim, est: ServiceEstimate, latency_s: float,
                 deadline_rel_s: float, batch_key: str, index: int):
        self.pipe = pipe
        self.k = k
        self.stage = stage
        self.unit = unit
        self.estimate = est
        self.latency_s = latency_s  # link latency after each transfer (0 for compute stages)
        self.warmup_s = pipe.warmup_s
        # the job-owner interface
        self.waiting: deque = deque()
        self.capacity = float("inf") if stage.drop_policy == "never_drop" else stage.queue_capacity
        self.drop_newest = stage.drop_policy == "drop_newest"
        self.service_s = est.service_s
        self.dynamic_power_w = max(0.0, est.active_power_w - unit.static_power_w)
        self.priority = stage.priority
        self.deadline_rel_s = deadline_rel_s
        self.batch_key = batch_key
        self.compute_s = est.compute_s
        self.memory_bytes = est.memory_bytes
        self.overhead_s = est.overhead_s
        self.index = index
        self.offered = 0
        self.trace: list | None = [] if pipe.trace is not None else None
        self.jobs_dropped = 0
        self._meter_init()

    def on_complete(self, job: list, now: float) -> None:
        self._meter(job, now)
        if self.trace is not None:
            self.trace.append((job[J_SEQ], job[J_ARRIVAL], job[J_START], now, "completed"))
        if self.latency_s > 0.0:
            seq = job[J_SEQ]
            self.pipe.env.schedule(Wake(lambda _e: self.pipe._job_done(self.k, seq, self.pipe.env._now, None)), NORMAL, self.latency_s)
        else:
            self.pipe._job_done(self.k, job[J_SEQ], now, self.unit)

    def on_drop(self, job: list, now: float) -> None:
        if now >= self.warmup_s:
            self.jobs_dropped += 1
        if self.trace is not None:
            self.trace.append((job[J_SEQ], job[J_ARRIVAL], job[J_START], now, "dropped"))
        self.pipe._job_dropped(job[J_SEQ], now)

    def __repr__(self) -> str:
        where = f"link={self.stage.link}" if self.stage.link else f"unit={self.stage.unit}"
        return f"StageOwner({self.pipe.name}/{self.pipe.camera}:{self.stage.name}, {where}, service_s={self.service_s:.6g})"


class PipelineSim:
    """Runtime state of one pipeline on one camera replica. See the module docstring for the semantics."""

    def __init__(self, env: simpy.Environment, scenario: ScenarioSpec, spec: PipelineSpec, camera: Any, units: Mapping[str, UnitSim],
                 rng: np.random.Generator, trace: bool, index_base: int):
        self.env = env
        self.spec = spec
        self.name = spec.name
        self.camera = camera.name
        self.camera_spec: CameraSpec = camera.spec
        self.warmup_s = scenario.warmup_s
        self.rng = rng
        self.trace: list | None = [] if trace else None
        self.deadline_s = spec.deadline_s if spec.deadline_s is not None else 1.0 / self.camera_spec.fps
        models = {m.name: m for m in scenario.models}
        links = {link.name: link for link in scenario.links}
        stages = spec.stages
        n = len(stages)
        index_of = {s.name: k for k, s in enumerate(stages)}
        self.graph = nx.DiGraph()
        self.graph.add_nodes_from(range(n))
        for k, stage in enumerate(stages):
            for dep in stage.after:
                self.graph.add_edge(index_of[dep], k)
        self.preds = [len(stage.after) for stage in stages]
        self.succ = [list(self.graph.successors(k)) for k in range(n)]
        self.is_sink = [not s for s in self.succ]
        self.n_sinks = sum(self.is_sink)
        self.sources = [k for k in range(n) if self.preds[k] == 0]
        # service of each stage, idle job durations, critical path
        estimates, placed, latency = [], [], []
        for stage in stages:
            unit = units[stage.link if stage.link is not None else stage.unit]
            link = links.get(stage.link) if stage.link is not None else None
            estimates.append(stage_estimate(stage, self.camera_spec, unit.spec, models, link))
            placed.append(unit)
            latency.append(link.latency_s if link is not None else 0.0)
        self.idle_job_s = [idle_job_s(e, u) for e, u in zip(estimates, placed)]
        pixels = [stage_pixels(stage, self.camera_spec) for stage in stages]
        self.ops_per_job = [
            models[st.model].ops_for(px) if st.model is not None else
            st.ops_per_pixel * px if st.ops_per_pixel is not None else
            st.ops_per_item if st.ops_per_item is not None else 0.0
            for st, px in zip(stages, pixels)]
        self.stage_idle_s = []
        for k, stage in enumerate(stages):
            n_jobs = count_mean(stage.count)
            per_server = math.ceil(n_jobs / placed[k].servers) if stage.count.kind == "fixed" else n_jobs / placed[k].servers
            self.stage_idle_s.append(self.idle_job_s[k] * per_server + (latency[k] if n_jobs > 0 else 0.0))
        order = list(nx.topological_sort(self.graph))
        start_s = [0.0] * n
        finish_s = [0.0] * n
        for k in order:
            start_s[k] = max((finish_s[p] for p in self.graph.predecessors(k)), default=0.0)
            finish_s[k] = start_s[k] + self.stage_idle_s[k]
        self.critical_path_s = max(finish_s[k] for k in range(n) if self.is_sink[k])
        last = max((k for k in range(n) if self.is_sink[k]), key=lambda k: finish_s[k])
        path = [last]
        while self.preds[path[-1]]:
            k = path[-1]
            path.append(max(self.graph.predecessors(k), key=lambda p: finish_s[p]))
        self.critical_path = [stages[k].name for k in reversed(path)]
        self.earliest_start_s = start_s
        # owners: one per stage
        self.owners: list[StageOwner] = []
        for k, stage in enumerate(stages):
            unit = placed[k]
            if stage.model is not None:
                key = stage.model
            else:
                key = f"{'link' if stage.link else 'stage'}:{spec.name}/{stage.name}"
            owner = StageOwner(self, k, stage, unit, estimates[k], latency[k], self.deadline_s - start_s[k], key, index_base + k)
            self.owners.append(owner)
            unit.max_dynamic_w = max(unit.max_dynamic_w, owner.dynamic_power_w)
        # counts: fixed per stage; random ones drawn per frame, one draw per distinct CountSpec (shared)
        self.fixed_counts = [round(s.count.mean) if s.count.kind == "fixed" else 0 for s in stages]
        groups: dict[CountSpec, list[int]] = {}
        for k, stage in enumerate(stages):
            if stage.count.kind != "fixed":
                groups.setdefault(stage.count, []).append(k)
        self.count_groups = [(spec_, ks) for spec_, ks in groups.items()]
        self._count_chunks = [np.empty(0, dtype=np.int64) for _ in self.count_groups]
        self._count_i = [0] * len(self.count_groups)
        # frames in flight and statistics
        self.frames: dict[int, list] = {}
        self.offered = 0
        self.completed = 0
        self.dropped = 0
        self.late = 0
        self.latencies = LatencyStore()
        self.frame_trace: list | None = [] if trace else None
        camera.listeners.append(self.on_frame)

    # -- per frame --------------------------------------------------------------------------------
    def _draw(self, g: int) -> int:
        i = self._count_i[g]
        chunk = self._count_chunks[g]
        if i == len(chunk):
            count = self.count_groups[g][0]
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
            for g, (_spec, ks) in enumerate(self.count_groups):
                c = self._draw(g)
                for k in ks:
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

    def _start_stage(self, frame: list, seq: int, k: int, now: float, from_unit: UnitSim | None) -> None:
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
            self.env.schedule(Wake(lambda _e: self._submit(frame, seq, owner, n)), NORMAL, 0.0)
        else:
            self._submit(frame, seq, owner, n)

    def _submit(self, frame: list, seq: int, owner: StageOwner, n: int) -> None:
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

    def _stage_done(self, frame: list, seq: int, k: int, now: float, from_unit: UnitSim | None) -> None:
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

    def _frame_done(self, frame: list, seq: int, now: float) -> None:
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

    # -- results ----------------------------------------------------------------------------------
    def summary(self, window_s: float) -> dict[str, Any]:
        """One JSON-serializable row for this pipeline on this camera replica (statistics over the window)."""
        stages = []
        per_unit: dict[str, float] = {}
        total_j = 0.0
        for k, owner in enumerate(self.owners):
            stage = owner.stage
            energy = owner.energy_in_window(window_s)
            total_j += energy["energy_j"]
            place = stage.link if stage.link is not None else stage.unit
            per_unit[place] = per_unit.get(place, 0.0) + energy["energy_j"]
            if stage.model is not None:
                cost = f"model {stage.model}"
            elif stage.ops_per_pixel is not None:
                cost = f"{stage.ops_per_pixel:g} ops/pixel"
            elif stage.ops_per_item is not None:
                cost = f"{stage.ops_per_item:g} ops/item"
            elif stage.bytes_per_pixel is not None:
                cost = f"{stage.bytes_per_pixel:g} bytes/pixel"
            else:
                cost = f"{stage.bytes_per_item:g} bytes/item"
            stages.append({
                "name": stage.name,
                "unit": stage.unit,
                "link": stage.link,
                "kind": "transfer" if stage.link is not None else "compute",
                "cost": cost,
                "count": {"kind": stage.count.kind, "mean": count_mean(stage.count)},
                "ops_per_job": self.ops_per_job[k],
                "after": list(stage.after),
                "jobs": owner.jobs_completed,
                "jobs_per_frame": owner.jobs_completed / self.completed if self.completed else None,
                "jobs_dropped": owner.jobs_dropped,
                "service_ms": owner.service_s * 1e3,
                "idle_job_ms": self.idle_job_s[k] * 1e3,
                "mean_service_ms": owner.job_time_s / owner.jobs_completed * 1e3 if owner.jobs_completed else None,
                "link_latency_ms": owner.latency_s * 1e3,
                "service_source": owner.estimate.source,
                "service_detail": owner.estimate.detail,
                "busy_s": energy["busy_s"],
                "dynamic_energy_j": energy["dynamic_energy_j"],
                "static_energy_j": energy["static_energy_j"],
                "energy_j": energy["energy_j"],
            })
        in_flight = sum(1 for f in self.frames.values() if f[F_ARRIVAL] >= self.warmup_s and not f[F_DROPPED])
        ops_per_frame = sum(ops * count_mean(o.stage.count) for ops, o in zip(self.ops_per_job, self.owners))
        ops_done = sum(ops * o.jobs_completed for ops, o in zip(self.ops_per_job, self.owners))
        return {
            "pipeline": self.name,
            "camera": self.camera,
            "nominal_fps": self.camera_spec.fps,
            "offered": self.offered,
            "completed": self.completed,
            "dropped": self.dropped,
            "late": self.late,
            "in_flight": in_flight,
            "offered_fps": self.offered / window_s,
            "achieved_fps": self.completed / window_s,
            "drop_rate": self.dropped / self.offered if self.offered else 0.0,
            "late_rate": self.late / self.completed if self.completed else 0.0,
            "deadline_ms": self.deadline_s * 1e3,
            "latency_ms": latency_stats_ms(self.latencies),
            "critical_path_ms": self.critical_path_s * 1e3,
            "critical_path": self.critical_path,
            "ops_per_frame": ops_per_frame,  # all compute stages (CPU pre/post-processing included), at the mean counts
            "required_ops_per_s": ops_per_frame * self.camera_spec.fps,
            "achieved_ops_per_s": ops_done / window_s,
            "energy_j": total_j,
            "energy_per_frame_j": total_j / self.completed if self.completed else None,
            "energy_by_unit_j": per_unit,
            "static_share_rule": STATIC_SHARE_RULE,
            "stages": stages,
        }

    def trace_rows(self) -> list[dict[str, Any]]:
        """With tracing on: one row per frame (stage ``None``) and one per stage job, in simulated-time order."""
        if self.frame_trace is None:
            return []
        rows = [{"pipeline": self.name, "camera": self.camera, "stage": None, "unit": None, "frame": seq, "arrival_s": a,
                 "start_s": None, "end_s": e, "status": status, "latency_s": e - a if status == "completed" else None}
                for seq, a, e, status in self.frame_trace]
        for owner in self.owners:
            place = owner.stage.link if owner.stage.link is not None else owner.stage.unit
            rows.extend({"pipeline": self.name, "camera": self.camera, "stage": owner.stage.name, "unit": place, "frame": seq,
                         "arrival_s": a, "start_s": s if s >= 0 else None, "end_s": e, "status": status, "latency_s": None}
                        for seq, a, s, e, status in owner.trace or ())
        rows.sort(key=lambda r: (r["end_s"], r["stage"] is None))
        return rows

    def __repr__(self) -> str:
        return (f"PipelineSim({self.name!r} on {self.camera!r}, stages={len(self.owners)}, "
                f"critical_path_ms={self.critical_path_s * 1e3:.4g})")


def _raise_if_invalid(spec: ScenarioSpec) -> None:
    """The cross-reference checks, for scenarios built without :func:`edgesim.spec.load.check_references`."""
    from ..errors import ScenarioErrors
    from ..spec.pipeline_checks import check_pipelines

    errors = check_pipelines(spec)
    if errors:
        raise ScenarioErrors(errors)


def build_pipelines(env: simpy.Environment, spec: ScenarioSpec, units: Mapping[str, UnitSim], by_camera: Mapping[str, list],
                    seed: int, trace: bool) -> list[PipelineSim]:
    """One :class:`PipelineSim` per pipeline and replica of its camera, listening to that camera's frames.

    Counts are drawn from ``source_rng(seed, "pipeline:" + pipeline name + ":" + camera replica name)``.
    """
    from .engine import source_rng

    _raise_if_invalid(spec)
    out: list[PipelineSim] = []
    index_base = PIPELINE_INDEX_BASE
    for pipe in spec.pipelines:
        for cam in by_camera[pipe.camera]:
            rng = source_rng(seed, "pipeline:" + pipe.name + ":" + cam.name)
            out.append(PipelineSim(env, spec, pipe, cam, units, rng, bool(trace), index_base))
            index_base += len(pipe.stages)
    return out

