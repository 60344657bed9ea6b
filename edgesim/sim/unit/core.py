"""The unit's core: owners, servers, the job life cycle, the fast path, exact integrals, recording and shutdown.

A compute unit (or a link) as SimPy glue: its jobs wait in a :class:`~edgesim.sim.unit.line.WaitingLine` under a
scheduler (FIFO, priority, EDF, fair) and run on ``servers`` parallel slots. Power comes from
:func:`edgesim.physics.power.unit_power_w` over :class:`edgesim.physics.power.PowerModel`; the unit only tracks which
jobs run and integrates the piecewise-constant power between its own events, telling a
:class:`~edgesim.sim.ports.PowerListener` (the platform: heat, leakage, battery) of every change. A memory bus is
shared through :class:`~edgesim.sim.ports.SharedBus`.

The features (DVFS with its stalls and DRAM energy, batching, sleep) are mixins over this core
(:mod:`.dvfs`, :mod:`.batching`, :mod:`.sleep`), composed in :mod:`edgesim.sim.unit`. The core calls a feature only
through the hooks it declares (:meth:`UnitCore._extra_power_w`, :meth:`UnitCore._try_batch`,
:meth:`UnitCore._finish_batch`), each behind one flag check, so a unit without the feature does exactly what it did
before. The hot path (``submit``, ``_begin``, ``_complete_single``, ``catch_up``, ``advance``) stays here, inlined
where a call per job shows in the benchmark.
"""
from __future__ import annotations

import heapq
import math
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import simpy
from simpy.core import NORMAL

from ...model.records import UnitModel
from ...physics.power import unit_power_w
from ...physics.roofline import roofline_service_s
from ..events import JobWake, scheduler_of
from ..jobs import J_ALIVE, J_ARRIVAL, J_OWNER, J_RATE, J_SEQ, J_START, J_T, J_TOKEN, J_WORK, InFlightJob
from ..schedulers import Scheduler, make_scheduler
from .line import WaitingLine

if TYPE_CHECKING:  # protocols, not classes: no sim module imports another's class
    from ..ports import JobSource, PowerListener, SharedBus

__all__ = ["EXP_CHUNK", "ExponentialDraws", "SleepSummary", "UnitCore", "UnitEdge", "announce_power"]

EXP_CHUNK = 4096


class UnitEdge(NamedTuple):
    """Running totals of a unit noted at a recording-interval edge; per-interval series are their differences."""

    energy_j: float
    busy_s: float  # server-seconds
    queue_area_s: float  # job-seconds
    completed: int
    throttled_s: float
    speed_area_s: float  # integral of the DVFS speed factor


class SleepSummary(NamedTuple):
    """A sleeping unit's time asleep (s, entry and wake excluded) and wakes (count) in the statistics window."""

    sleep_s: float
    wakes: int


class ExponentialDraws:
    """Unit-mean exponential variates drawn from ``rng`` in chunks of :data:`EXP_CHUNK` (one numpy call per chunk)."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self._x = np.empty(0)
        self._i = 0

    def next(self) -> float:
        """The next variate (dimensionless, mean 1)."""
        if self._i == len(self._x):
            self._x = self.rng.exponential(1.0, size=EXP_CHUNK)
            self._i = 0
        x = self._x[self._i]
        self._i += 1
        return float(x)


class UnitCore:
    """Runtime state of one compute unit; integrates its power, busy servers and queue exactly.

    Every attribute the core reads is set here (the features set their own in their ``__init__``); ``state``,
    ``speed`` and ``dyn_scale`` start at the reference state and are set by the DVFS feature.
    """

    def __init__(self, env: simpy.Environment, model: UnitModel, rng: np.random.Generator, interval_s: float,
                 n_bins: int, warmup_s: float):
        self.env = env
        self._schedule = scheduler_of(env)
        self.unit_model = model
        self.name = model.name
        self.kind = model.kind
        self.exponential = model.exponential_service
        self._draws = ExponentialDraws(rng)
        self.warmup_s = warmup_s
        self.platform: PowerListener | None = None  # set by the platform when heat, leakage or a battery are modeled
        self.power_trace: list[tuple[float, float, str | None]] | None = None  # with tracing: (time, power, state)
        # power law and speed (the DVFS feature sets state, speed and dyn_scale)
        self.power_model = model.power
        self.servers = model.servers
        self.curve = model.power.curve
        self.static_power_w = model.static_power_w
        self.state: str | None = None
        self.speed = 1.0
        self.dyn_scale = 1.0
        self._worst_dyn_scale = 1.0  # the largest dyn_scale of any DVFS state
        self.throttled = False
        self.throttled_s = 0.0
        self._throttled_since_s = 0.0
        self._speed_area = 0.0  # integral of the speed factor up to _speed_since_s (changes only with the DVFS state)
        self._speed_since_s = 0.0
        self.off = False
        self.shutdown_s: float | None = None
        # jobs
        self.scheduler: Scheduler = make_scheduler(model.scheduler)
        self._keeps_clock = type(self.scheduler).started is not Scheduler.started
        self._started = self.scheduler.started
        self.line = WaitingLine(self.scheduler)
        self.queue = self.line.queue  # the line's containers, read directly on the hot path
        self.heap = self.line.heap
        self.running: list[list[Any]] = []
        self.n_busy = 0  # servers in use (a batch occupies one)
        self.batching = model.batching
        self.batch_sizes: list[int] = []  # one int per batch (batches, not jobs)
        self._batch_marker: list[Any] | None = None  # the running batch's completion "job"
        self._batch_timer_at = -1.0  # when the pending max-wait timer fires (-1: none)
        self.bus: SharedBus | None = None  # set when the unit names a memory bus
        self.memory_bandwidth_bytes_per_s = model.memory_bandwidth_bytes_per_s
        self.dyn_sum_w = 0.0  # dynamic power at full speed of the running jobs, summed
        self.max_dynamic_w = model.power.dynamic_power_w  # raised as owners with higher measured powers join
        self.owners: list[JobSource] = []
        # lazy completions (see use_fast_path): the running job's finish time, inf when none is pending
        self.lazy = False
        self.next_finish_s = math.inf
        self.n_waiting = 0
        self.completed_in_window = 0
        self.completed = 0
        self.power_w = self.static_power_w
        # DRAM energy and DVFS transitions (the DVFS feature): both only reached through _extra_power_w
        self._extra_power = model.dram_energy_j_per_byte is not None or model.dvfs_transitions is not None
        # exact integrals since t = 0
        self.last_t = 0.0
        self.energy_j = 0.0
        self.busy_s = 0.0  # integral of busy servers over time (server-seconds)
        self.queue_area_s = 0.0  # integral of waiting jobs over time (job-seconds)
        # recording-interval edges: running totals noted at each edge (memory per interval, not per event)
        self.interval_s = interval_s
        self.n_bins = n_bins
        self.edges: list[UnitEdge] = [UnitEdge(0.0, 0.0, 0.0, 0, 0.0, 0.0)]
        self._bin_end_s = interval_s
        self.snapshot = (0.0, 0.0, 0.0)  # (energy_j, busy_s, queue_area_s) at the end of the warm-up

    def sleep_summary(self) -> SleepSummary | None:
        """Time asleep and wakes in the window (a unit with a sleep level); None for a unit without one."""
        return None

    def sleep_totals(self) -> SleepSummary:
        """Time asleep and wakes since t = 0, up to the last integration time (zero without a sleep level)."""
        return SleepSummary(0.0, 0)

    def worst_power_w(self) -> float:
        """The most this unit can draw: static plus its largest dynamic power in its hungriest DVFS state."""
        # every server busy with the most demanding job, in the fastest state: the power law at full load
        return unit_power_w(self.static_power_w, self._worst_dyn_scale, self.max_dynamic_w * self.servers, self.servers,
                            self.servers, self.curve)

    def owner_joined(self, owner: JobSource) -> None:
        """A stream, stage or load driver will submit jobs here: bound the unit's dynamic power by its draw."""
        self.owners.append(owner)
        self.max_dynamic_w = max(self.max_dynamic_w, owner.dynamic_power_w)

    # -- exact integration between events, recording edges, snapshot ---------------------------
    def advance(self, now: float) -> None:
        """Integrate power, busy servers and queue length from the last state change to ``now``.

        Only running totals are kept on the hot path; at each recording-interval edge the totals are noted,
        and the per-interval series are their differences.
        """
        t = self.last_t
        if now <= t:
            return
        if now > self._bin_end_s:  # note the totals at each recording edge crossed
            while now > self._bin_end_s:
                self.advance(self._bin_end_s)
                self._note_edge()
                self._bin_end_s += self.interval_s
            t = self.last_t
        dt = now - t
        self.energy_j += self.power_w * dt
        if self.n_busy:
            self.busy_s += self.n_busy * dt
        if self.n_waiting:
            self.queue_area_s += self.n_waiting * dt
        self.last_t = now

    def _note_edge(self) -> None:
        t = self.last_t
        throttled_s = self.throttled_s + (t - self._throttled_since_s if self.throttled else 0.0)
        speed_area = self._speed_area + self.speed * (t - self._speed_since_s)
        self.edges.append(UnitEdge(self.energy_j, self.busy_s, self.queue_area_s, self.completed, throttled_s, speed_area))

    def close(self, end_s: float) -> None:
        """Integrate to the end of the run and note the last edge."""
        self.catch_up(end_s, inclusive=False)  # like SimPy's run(until): nothing at exactly end_s happens
        self.advance(end_s)
        if self.throttled:
            self.throttled_s += end_s - self._throttled_since_s
            self._throttled_since_s = end_s
        while len(self.edges) < self.n_bins + 1:
            self._note_edge()

    def series(self) -> np.ndarray:
        """Per interval (rows): energy (J), busy server-s, queue area (job-s), completions, throttled s and the
        integral of the DVFS speed factor (s): differences of the totals noted at the interval edges."""
        return np.diff(np.asarray(self.edges[: self.n_bins + 1], dtype=np.float64), axis=0)

    def take_snapshot(self, now: float | None = None) -> None:
        """Note the integrals at the end of the warm-up (``now``, default the environment's time)."""
        now = self.env.now if now is None else now
        self.catch_up(now, inclusive=False)  # the snapshot event fires before completions at its instant
        self.advance(now)
        self.snapshot = (self.energy_j, self.busy_s, self.queue_area_s)

    def reset_window(self) -> None:
        """Count the statistics window from t = 0 (a run that ended before its warm-up did reports the whole run)."""
        self.snapshot = (0.0, 0.0, 0.0)

    def shift_time(self, t0: float, t1: float, inc: np.ndarray) -> None:
        """Fast-forward from cycle boundary ``t0`` to ``t1``: every pending job's times move by ``t1 - t0``, the
        totals (energy J, busy server-s, queue job-s, completions, completions in the window) grow by ``inc[:5]``
        and the recording edges crossed are filled linearly. The job events themselves are moved by the caller."""
        delta_s = t1 - t0
        seen: set[int] = set()
        jobs = list(self.running) + self.line.entries()
        for owner in self.owners:
            jobs += list(owner.waiting)
        for job in jobs:
            if id(job) in seen:
                continue
            seen.add(id(job))
            job[J_ARRIVAL] += delta_s
            if job[J_START] >= 0:
                job[J_START] += delta_s
            job[J_T] += delta_s
        self.line.shift_time(delta_s)
        e0, b0, q0, c0, w0 = self.energy_j, self.busy_s, self.queue_area_s, self.completed, self.completed_in_window
        while t1 > self._bin_end_s:
            f = (self._bin_end_s - t0) / delta_s
            self.energy_j, self.busy_s, self.queue_area_s = e0 + f * inc[0], b0 + f * inc[1], q0 + f * inc[2]
            self.completed = c0 + round(f * inc[3])
            self.last_t = self._bin_end_s
            self._note_edge()
            self._bin_end_s += self.interval_s
        self.energy_j, self.busy_s, self.queue_area_s = e0 + inc[0], b0 + inc[1], q0 + inc[2]
        self.completed, self.completed_in_window = c0 + round(inc[3]), w0 + round(inc[4])
        self.last_t = t1

    # -- power ----------------------------------------------------------------------------------
    def _update_power(self, now: float) -> None:
        """Recompute power after the running set or the DVFS state changed (integrals already at ``now``)."""
        n = self.n_busy
        if n == 0:
            power_w = 0.0 if self.off else self.static_power_w
        else:  # the one power law of a unit, in physics (called at job starts and finishes of a multi-server unit)
            power_w = unit_power_w(self.static_power_w, self.dyn_scale, self.dyn_sum_w, n, self.servers, self.curve)
        if self._extra_power:
            power_w = self._extra_power_w(now, power_w)
        announce_power(self, now, power_w)

    def refresh_power(self, now: float) -> None:
        """Recompute the unit's power now (integrals already at ``now``): a shared bus changed its jobs' rates, so
        their DRAM power changed."""
        self._update_power(now)

    def _extra_power_w(self, now: float, power_w: float) -> float:
        """Hook of the DVFS feature: ``power_w`` with DRAM power and transition pulses (called only when the unit
        has either)."""
        return power_w

    # -- jobs ----------------------------------------------------------------------------------
    def submit(self, owner: JobSource, arrival_s: float, seq: int) -> None:
        """A job arrives at ``arrival_s`` (= now): start it, queue it, or apply the owner's drop policy."""
        if self.next_finish_s <= arrival_s:  # lazy unit: complete what finished before this arrival
            self.catch_up(arrival_s)
        job = [owner, arrival_s, seq, -1.0, True, 0.0, 0.0, 0, 0.0]  # jobs.new_job(owner, arrival_s, seq), inlined: hot path
        if arrival_s >= self.warmup_s:
            owner.offered += 1
        if self.off:
            owner.on_drop(job, arrival_s)
            return
        if self.n_busy < self.servers and self.batching is None:
            if arrival_s > self.last_t:  # several jobs of one frame arrive at one instant: integrate once
                self.advance(arrival_s)
            self._begin(job, arrival_s)
            return
        self._enqueue(owner, job, arrival_s)

    def _enqueue(self, owner: JobSource, job: list[Any], arrival_s: float) -> None:
        """Queue ``job`` (the unit is busy, batching, or asleep), or apply the owner's drop policy."""
        waiting = owner.waiting
        if len(waiting) >= owner.capacity:
            if owner.drop_newest:
                owner.on_drop(job, arrival_s)
                return
            old = waiting.popleft()  # drop_oldest: the owner's oldest waiting job makes room
            old[J_ALIVE] = False
            owner.on_drop(old, arrival_s)
        else:
            if arrival_s > self.last_t:
                self.advance(arrival_s)
            self.n_waiting += 1
        job[J_T] = arrival_s  # time it joined the queue (batching's max wait counts from here)
        heap = self.heap
        if heap is None:
            self.queue.append(job)
        else:  # WaitingLine.push, inlined: once per queued job
            line = self.line
            line.push_seq += 1
            heapq.heappush(heap, (line.key(job), line.push_seq, job))
        waiting.append(job)
        if self.batching is not None and self.n_busy == 0:
            self._try_batch(arrival_s)

    def rate(self, job: list[Any]) -> float:
        """Work per second of a running job: reference-seconds at DVFS speed, or, for a job sharing a memory bus,
        the fraction of the job per second under the roofline with its fair share of the bus bandwidth."""
        owner = job[J_OWNER]
        if self.bus is None or not owner.memory_bytes:
            return self.speed
        share_bytes_per_s = self.bus.share_bytes_per_s()
        if self.memory_bandwidth_bytes_per_s:
            share_bytes_per_s = min(share_bytes_per_s, self.memory_bandwidth_bytes_per_s)
        return 1.0 / roofline_service_s(owner.compute_s / self.speed, owner.memory_bytes, share_bytes_per_s, owner.overhead_s)

    def _begin(self, job: list[Any], now: float) -> None:
        """Start ``job`` now (integrals already advanced to now) and schedule its completion: one event."""
        owner = job[J_OWNER]
        job[J_START] = now
        if self._keeps_clock:
            self._started(owner)
        self.running.append(job)
        self.n_busy += 1
        self.dyn_sum_w += owner.dynamic_power_w
        if self.bus is not None and owner.memory_bytes:
            job[J_WORK] = 1.0  # a fraction of the job: its rate depends on how many share the bus
            job[J_T] = now
            self.bus.join(job, self, now)  # recomputes every sharer's rate, this job's included, and schedules
        else:
            work_s = owner.service_s * self._draws.next() if self.exponential else owner.service_s
            job[J_WORK] = work_s
            job[J_T] = now
            job[J_RATE] = self.speed
            if self.lazy:
                self.next_finish_s = now + work_s / self.speed
            else:
                self._schedule(JobWake(self._finish, job, 0), NORMAL, work_s / self.speed)
        self._update_power(now)

    def reschedule(self, job: list[Any], now: float, rate: float) -> None:
        """Carry the work done so far at the old rate, and complete the rest at ``rate`` (exactly). A job stalled
        by a DVFS transition (its ``J_T`` after ``now``) resumes at ``J_T``."""
        t = job[J_T]
        if t < now:
            job[J_WORK] -= (now - t) * job[J_RATE]
            job[J_T] = t = now
        job[J_RATE] = rate
        job[J_TOKEN] += 1
        self._schedule(JobWake(self._finish, job, job[J_TOKEN]), NORMAL, (t - now) + max(0.0, job[J_WORK]) / rate)

    def _finish(self, event: JobWake) -> None:
        job = event.job
        if event.token != job[J_TOKEN] or not job[J_ALIVE]:
            return  # rescheduled by a speed change, or dropped at shutdown
        now = self.env._now  # the property env.now reads this attribute
        self.advance(now)
        if self.batching is not None:
            self._finish_batch(now)
            return
        owner = job[J_OWNER]
        self.running.remove(job)
        self.n_busy -= 1
        self.dyn_sum_w -= owner.dynamic_power_w
        if not self.running:
            self.dyn_sum_w = 0.0  # no drift from repeated float additions
        self.completed += 1
        if now >= self.warmup_s:
            self.completed_in_window += 1
        if self.bus is not None and owner.memory_bytes:
            self.bus.leave(job, now)
        # the next waiting job starts before the owner hears of this completion, so that anything the owner
        # submits from on_complete queues behind the jobs already waiting
        nxt = None if self.off else self.line.pop_alive()
        if nxt is not None:
            nxt[J_OWNER].waiting.popleft()
            self.n_waiting -= 1
            self._begin(nxt, now)
        else:
            self._update_power(now)
        owner.on_complete(job, now)

    def _try_batch(self, now: float) -> None:
        """Hook of the batching feature: start a batch if the rule says so (called only for a batching unit)."""

    def _finish_batch(self, now: float) -> None:
        """Hook of the batching feature: the running batch completes at ``now`` (called only for a batching unit)."""
        raise NotImplementedError

    # -- the fast path: one server, closed-form completions -----------------------------------------
    def use_fast_path(self, lazy: bool = False) -> None:
        """Pick the lean completion handler when nothing needs the general one (one server, no batching, no
        shared bus, deterministic service, free DVFS switches): the common camera-to-accelerator case, kept cheap.

        With ``lazy`` (the engine asks when no platform watches the unit's power and every owner only records what
        completes), completions schedule no event at all: a job's finish time is known when it starts, so the unit
        completes its jobs in closed form, in order, when the next arrival comes or the run ends (:meth:`catch_up`).
        """
        if (self.servers == 1 and self.batching is None and self.bus is None and not self.exponential
                and self.unit_model.dvfs_transitions is None):
            self._finish = self._finish_single  # type: ignore[method-assign]
            self.lazy = lazy

    def catch_up(self, t: float, inclusive: bool = True) -> None:
        """Complete, in order, every job of a lazy unit that finishes by ``t`` (before ``t`` when not inclusive)."""
        complete, running = self._complete_single, self.running  # bound once: this loop runs once per job
        finish_s = self.next_finish_s
        while finish_s < t or (inclusive and finish_s == t):
            complete(running[0], finish_s)
            finish_s = self.next_finish_s

    def _finish_single(self, event: JobWake) -> None:
        """``_finish`` specialised for one server: the same bookkeeping, fewer branches and calls."""
        job = event.job
        if event.token != job[J_TOKEN] or not job[J_ALIVE]:
            return
        self._complete_single(job, self.env._now)

    def _complete_single(self, job: list[Any], now: float) -> None:
        """The one running job completes at ``now``: start the next waiting one, then tell the owner."""
        if now > self._bin_end_s:
            self.advance(now)  # crosses recording-interval edges
        else:  # advance(), inlined for the common case (one server busy, no edge crossed): the per-job hot path
            dt = now - self.last_t
            self.energy_j += self.power_w * dt
            self.busy_s += dt
            if self.n_waiting:
                self.queue_area_s += self.n_waiting * dt
            self.last_t = now
        self.completed += 1
        if now >= self.warmup_s:
            self.completed_in_window += 1
        nxt = None
        if not self.off:  # WaitingLine.pop_alive, inlined: once per job
            heap = self.heap
            if heap is None:
                queue = self.queue
                while queue:
                    candidate = queue.popleft()
                    if candidate[J_ALIVE]:  # dead entries were dropped while waiting
                        nxt = candidate
                        break
            else:
                while heap:
                    candidate = heapq.heappop(heap)[2]
                    if candidate[J_ALIVE]:
                        nxt = candidate
                        break
        if nxt is not None:
            owner = nxt[J_OWNER]
            owner.waiting.popleft()
            self.n_waiting -= 1
            work_s = owner.service_s
            speed = self.speed
            nxt[J_START] = now
            nxt[J_WORK] = work_s
            nxt[J_T] = now
            nxt[J_RATE] = speed
            if self._keeps_clock:
                self._started(owner)
            self.running[0] = nxt  # one server: the next job takes the finished one's place
            dyn_w = owner.dynamic_power_w
            # the power drawn is the power law's at the running job's dynamic power (kept so by _update_power):
            # it changes only if the next job's differs from the finished one's
            if dyn_w != self.dyn_sum_w:
                self.dyn_sum_w = dyn_w
                self._update_power(now)
            if self.lazy:
                self.next_finish_s = now + work_s / speed
            else:
                self._schedule(JobWake(self._finish_single, nxt, 0), NORMAL, work_s / speed)
        else:
            self.running.clear()
            self.n_busy = 0
            self.next_finish_s = math.inf
            self.dyn_sum_w = 0.0
            self._update_power(now)
        job[J_OWNER].on_complete(job, now)  # after the next job started (see _finish)

    # -- shutdown and what is left -----------------------------------------------------------------
    def _scheduled_jobs(self) -> list[list[Any]]:
        """The jobs whose completion events are pending: the running jobs, or the batch marker."""
        if self.batching is not None:
            return [self._batch_marker] if self.n_busy and self._batch_marker is not None else []
        return list(self.running)

    def shut_down(self, now: float) -> None:
        """Critical temperature: drop every running and waiting job (counted) and draw no power from now on."""
        if self.off:
            return
        self.advance(now)
        if self.throttled:
            self.throttled_s += now - self._throttled_since_s
            self.throttled = False
        self.off = True
        self.shutdown_s = now
        for job in self._scheduled_jobs():
            job[J_ALIVE] = False  # its completion event will be ignored
        for job in self.running:
            job[J_ALIVE] = False
            if self.bus is not None and job[J_OWNER].memory_bytes and self.batching is None:
                self.bus.leave(job, now)
            job[J_OWNER].on_drop(job, now)
        self.running.clear()
        self.n_busy = 0
        self.dyn_sum_w = 0.0
        while True:
            waiting = self.line.pop_alive()
            if waiting is None:
                break
            waiting[J_ALIVE] = False
            waiting[J_OWNER].waiting.popleft()
            waiting[J_OWNER].on_drop(waiting, now)
        self.n_waiting = 0
        self._update_power(now)

    def in_flight(self) -> list[InFlightJob]:
        """Jobs still waiting or in service (a batch's jobs count one each)."""
        return [InFlightJob(j[J_OWNER].index, j[J_ARRIVAL], j[J_SEQ], j[J_START]) for j in self.line.waiting() + list(self.running)]


def announce_power(unit: UnitCore, now: float, power_w: float) -> None:
    """Set ``unit``'s power to ``power_w`` at ``now`` (integrals already at ``now``) where it changes: the platform
    advances its integrals to ``now`` first, then hears of the change, and the power trace records it. The one place
    a unit's power changes (a job starts or ends, a DVFS state, a sleep phase)."""
    if power_w == unit.power_w:
        return
    if unit.platform is not None:
        unit.platform.advance(now)
        unit.power_w = power_w
        unit.platform.power_changed(now)
    else:
        unit.power_w = power_w
    if unit.power_trace is not None:
        unit.power_trace.append((now, power_w, unit.state))
