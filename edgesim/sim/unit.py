"""A compute unit (or a link) as SimPy glue: its queue under a scheduler (FIFO, priority, EDF, fair),
``servers`` parallel job slots, dynamic batching, a share of a memory bus, DVFS state, shutdown.

Power comes from :class:`edgesim.physics.power.PowerModel`; the unit only tracks which jobs run and
integrates the piecewise-constant power between its own events. Temperature-dependent leakage, heat and
the battery live in :class:`edgesim.sim.platform.PlatformSim`, which is told of every power change; bus
sharing in :class:`edgesim.sim.bus.MemoryBusSim`.
"""
from __future__ import annotations

import heapq
import math
from collections import deque
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import simpy
from simpy.core import NORMAL

from ..model.records import BatchTime, UnitModel
from ..physics.dvfs import Transition
from ..physics.roofline import roofline_service_s
from .events import JobWake, Wake, scheduler_of
from .jobs import J_ALIVE, J_ARRIVAL, J_OWNER, J_RATE, J_SEQ, J_START, J_T, J_TOKEN, J_WORK, InFlightJob
from .schedulers import Scheduler, make_scheduler

if TYPE_CHECKING:  # owners and the bus/platform hold the unit, and the unit calls them: annotations only
    from .bus import MemoryBusSim
    from .owner import JobOwner
    from .platform import PlatformSim

__all__ = ["EXP_CHUNK", "SleepSummary", "SleepUnitSim", "UnitEdge", "UnitSim", "make_unit_sim"]

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


class UnitSim:
    """Runtime state of one compute unit; integrates its power, busy servers and queue exactly."""

    def __init__(self, env: simpy.Environment, model: UnitModel, rng: np.random.Generator, interval_s: float,
                 n_bins: int, warmup_s: float):
        self.env = env
        self._schedule = scheduler_of(env)
        self.unit_model = model
        self.name = model.name
        self.kind = model.kind
        self.rng = rng
        self.exponential = model.exponential_service
        self._exp = np.empty(0)
        self._exp_i = 0
        self.warmup_s = warmup_s
        self.platform: PlatformSim | None = None  # set by the platform when heat, leakage or a battery are modeled
        self.power_trace: list[tuple[float, float, str | None]] | None = None  # with tracing: (time, power, state)
        # power model and DVFS
        self.model = model.power
        self.servers = model.servers
        self.linear_curve = model.linear_curve
        self.static_power_w = model.static_power_w
        self.state_names = list(model.dvfs_states)
        initial = model.initial_state
        self.initial_state = initial
        self.state: str | None = initial
        self.speed = self.model.speed_factor(initial) if initial else 1.0
        self.dyn_scale = self._dyn_scale(initial)
        self.state_time_s: dict[str, float] = {name: 0.0 for name in self.state_names}
        self._state_since_s = 0.0
        self.throttled = False
        self.throttled_s = 0.0
        self._throttled_since_s = 0.0
        self._speed_area = 0.0  # integral of the speed factor up to _speed_since_s (changes only with the DVFS state)
        self._speed_since_s = 0.0
        self.throttle_events: list[tuple[float, str]] = []  # (time, "throttle" | "release"): few, not per job
        self.off = False
        self.shutdown_s: float | None = None
        # jobs
        self.scheduler = make_scheduler(model.scheduler)
        self._keeps_clock = type(self.scheduler).started is not Scheduler.started
        self._key = self.scheduler.key  # bound once: called per queued job
        self._started = self.scheduler.started
        self.queue: deque[list[Any]] = deque()
        self.heap: list[tuple[float, int, list[Any]]] | None = [] if self.scheduler.ordered else None
        self._push_seq = 0
        self.running: list[list[Any]] = []
        self.n_busy = 0  # servers in use (a batch occupies one)
        self.batching = model.batching
        self.batch_sizes: list[int] = []  # one int per batch (batches, not jobs)
        self._batch_timer_at = -1.0
        self._batch_marker: list[Any] | None = None
        self.bus: MemoryBusSim | None = None  # set when the unit names a memory bus
        self.memory_bandwidth_bytes_per_s = model.memory_bandwidth_bytes_per_s
        self.dyn_sum_w = 0.0  # dynamic power at full speed of the running jobs, summed
        self.max_dynamic_w = model.power.dynamic_power_w  # raised as owners with higher measured powers join
        self.owners: list[JobOwner] = []
        # lazy completions (see use_lazy_completions): the running job's finish time, inf when none is pending
        self.lazy = False
        self.next_finish_s = math.inf
        self.n_waiting = 0
        self.completed_in_window = 0
        self.completed = 0
        self.power_w = self.static_power_w
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
        # DRAM energy per byte of the memory bus and DVFS transitions: both optional, and both only reached through
        # _update_power's one check of _extra_power, so a unit without them does exactly what it did before
        self.dram_j_per_byte = model.dram_energy_j_per_byte  # J/byte; None: not modeled
        self.transition = model.dvfs_transitions  # stall (s) and energy (J) of each DVFS switch; None: free
        self._extra_power = self.dram_j_per_byte is not None or self.transition is not None
        self.dram_w = 0.0  # DRAM power of the running jobs' bytes, W (part of power_w)
        self._dram_j = 0.0  # integral of dram_w up to _dram_since_s, J
        self._dram_since_s = 0.0
        self._dram_snapshot_j = 0.0
        self._stall_end_s = -math.inf  # running jobs make no progress before this time (a DVFS transition)
        self._pulse_w = 0.0  # transition pulses being drawn, W
        self._n_pulses = 0
        self.transitions = 0  # DVFS transitions begun since t = 0

    def sleep_summary(self) -> SleepSummary | None:
        """Time asleep and wakes in the window (:class:`SleepUnitSim`); None for a unit without a sleep level."""
        return None

    def owner_joined(self, owner: JobOwner) -> None:
        """A stream, stage or load driver will submit jobs here: bound the unit's dynamic power by its draw."""
        self.owners.append(owner)
        self.max_dynamic_w = max(self.max_dynamic_w, owner.dynamic_power_w)

    def worst_power_w(self) -> float:
        """The most this unit can draw: static plus its largest dynamic power in its hungriest DVFS state."""
        scale = max((self._dyn_scale(s) for s in self.state_names), default=self._dyn_scale(None))
        return self.static_power_w + scale * self.max_dynamic_w

    def _dyn_scale(self, state: str | None) -> float:
        """Dynamic power in ``state`` relative to the reference state (f V^2 or measured mode power)."""
        if state is None:
            return 1.0
        ref = self.model.dynamic_full_power_w(None)
        return self.model.dynamic_full_power_w(state) / ref if ref > 0 else 1.0

    # -- exact integration between events -------------------------------------------------------
    def advance(self, now: float) -> None:
        """Integrate power, busy servers and queue length from the last state change to ``now``.

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
        if self.n_busy:
            self.busy_s += self.n_busy * dt
        if self.n_waiting:
            self.queue_area_s += self.n_waiting * dt
        self.last_t = now

    def _cross_bins(self, now: float) -> None:
        while now > self._bin_end_s:
            self.advance(self._bin_end_s)
            self._note_edge()
            self._bin_end_s += self.interval_s

    def _note_edge(self) -> None:
        t = self.last_t
        throttled_s = self.throttled_s + (t - self._throttled_since_s if self.throttled else 0.0)
        speed_area = self._speed_area + self.speed * (t - self._speed_since_s)
        self.edges.append(UnitEdge(self.energy_j, self.busy_s, self.queue_area_s, self.completed, throttled_s, speed_area))

    def close(self, end_s: float) -> None:
        """Integrate to the end of the run and note the last edge."""
        self.catch_up(end_s, inclusive=False)  # like SimPy's run(until): nothing at exactly end_s happens
        self.advance(end_s)
        if self.dram_j_per_byte is not None:
            self._dram_j = self._dram_total_j(end_s)
            self._dram_since_s = end_s
        if self.state is not None:
            self.state_time_s[self.state] += end_s - self._state_since_s
            self._state_since_s = end_s
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
        if self.dram_j_per_byte is not None:
            self._dram_snapshot_j = self._dram_total_j(now)

    def _update_power(self, now: float) -> None:
        """Recompute power after the running set or the DVFS state changed (integrals already at ``now``)."""
        n = self.n_busy
        power_w: float
        if n == 0:
            power_w = 0.0 if self.off else self.static_power_w
        elif self.linear_curve:
            power_w = self.static_power_w + self.dyn_scale * self.dyn_sum_w / self.servers
        else:
            u = n / self.servers
            power_w = self.static_power_w + self.dyn_scale * (self.dyn_sum_w / n) * self.model.curve.fraction(u)
        if self._extra_power:
            power_w = self._with_dram_and_pulses_w(now, power_w)
        if power_w != self.power_w:
            if self.platform is not None:
                self.platform.advance(now)
                self.power_w = power_w
                self.platform.power_changed(now)
            else:
                self.power_w = power_w
            if self.power_trace is not None:
                self.power_trace.append((now, power_w, self.state))

    # -- DRAM energy per byte and DVFS transitions (only for a unit that has them) -------------------------
    def _with_dram_and_pulses_w(self, now: float, power_w: float) -> float:
        """The unit's power with its jobs' DRAM power and any DVFS transition pulse (integrals already at ``now``).

        DRAM: each running job on the bus moves ``rate x memory_bytes`` bytes/s (its rate is the fraction of the
        job per second), drawn at ``dram_j_per_byte`` J/byte, so a whole job draws exactly ``memory_bytes x
        dram_j_per_byte`` J. During a transition stall the running jobs make no progress: they draw neither
        dynamic nor DRAM power, and a job that starts then waits for the stall's end; the unit draws its static
        power plus the pulses ``energy_j / latency_s``.
        """
        dram_w = 0.0
        if self.off:
            pass
        elif now < self._stall_end_s:
            self._hold_in_stall(now)
            power_w = self.static_power_w + self._pulse_w
        else:
            if self.dram_j_per_byte is not None and self.n_busy and self.batching is None and self.bus is not None:
                bytes_per_s = 0.0
                for job in self.running:
                    memory_bytes = job[J_OWNER].memory_bytes
                    if memory_bytes:
                        bytes_per_s += job[J_RATE] * memory_bytes
                dram_w = self.dram_j_per_byte * bytes_per_s
            power_w += dram_w + self._pulse_w
        if dram_w != self.dram_w:
            self._dram_j += self.dram_w * (now - self._dram_since_s)
            self._dram_since_s = now
            self.dram_w = dram_w
        return power_w

    def _dram_total_j(self, now: float) -> float:
        return self._dram_j + self.dram_w * (now - self._dram_since_s)

    def dram_energy_j(self) -> float:
        """DRAM energy of the bytes this unit's jobs moved over its memory bus in the statistics window, J
        (0 when the bus has no ``energy_j_per_byte``)."""
        return self._dram_total_j(self.last_t) - self._dram_snapshot_j

    def _hold_in_stall(self, now: float) -> None:
        """Jobs that started during a transition stall resume (start) at its end."""
        end_s = self._stall_end_s
        for job in self._scheduled_jobs():
            if job[J_T] < end_s:
                if job[J_T] < now:
                    job[J_WORK] -= (now - job[J_T]) * job[J_RATE]
                job[J_T] = end_s
                self.reschedule(job, now, job[J_RATE])

    def _begin_transition(self, now: float, transition: Transition) -> None:
        """A DVFS switch at ``now`` (integrals already there): stall the running jobs for the latency and draw the
        energy as a pulse over it; an event at its end removes the pulse and lets the jobs resume."""
        self.transitions += 1
        latency_s = transition.latency_s
        if latency_s <= 0.0:
            return
        pulse_w = transition.energy_j / latency_s
        self._stall_end_s = max(self._stall_end_s, now + latency_s)
        self._pulse_w += pulse_w
        self._n_pulses += 1
        self._schedule(Wake(self._end_pulse, pulse_w), NORMAL, latency_s)

    def _end_pulse(self, event: Wake) -> None:
        now = self.env._now
        self.advance(now)
        self._n_pulses -= 1
        self._pulse_w = self._pulse_w - event.value if self._n_pulses else 0.0  # no drift once none is drawn
        self._update_power(now)

    # -- queue (FIFO deque, or a heap for priority / EDF / fair) --------------------------------------------
    def _push(self, job: list) -> None:
        if self.heap is None:
            self.queue.append(job)
            return
        self._push_seq += 1
        heapq.heappush(self.heap, (self._key(job), self._push_seq, job))

    def _pop_alive(self) -> list[Any] | None:
        """The next job to serve (dead entries, dropped while waiting, are skipped)."""
        if self.heap is None:
            queue = self.queue
            while queue:
                job = queue.popleft()
                if job[J_ALIVE]:
                    return job
            return None
        while self.heap:
            job = heapq.heappop(self.heap)[2]
            if job[J_ALIVE]:
                return job
        return None

    def _waiting_jobs(self) -> list[list[Any]]:
        entries = self.queue if self.heap is None else [e[2] for e in sorted(self.heap)]
        return [j for j in entries if j[J_ALIVE]]

    # -- jobs ----------------------------------------------------------------------------------
    def submit(self, stream: JobOwner, arrival_s: float, seq: int) -> None:
        """A job arrives at ``arrival_s`` (= now): start it, queue it, or apply the owner's drop policy."""
        if self.next_finish_s <= arrival_s:  # lazy unit: complete what finished before this arrival
            self.catch_up(arrival_s)
        job = [stream, arrival_s, seq, -1.0, True, 0.0, 0.0, 0, 0.0]  # new_job(stream, arrival_s, seq), inlined: hot path
        if arrival_s >= self.warmup_s:
            stream.offered += 1
        if self.off:
            self._drop(job, arrival_s)
            return
        if self.n_busy < self.servers and self.batching is None:
            if arrival_s > self.last_t:  # several jobs of one frame arrive at one instant: integrate once
                self.advance(arrival_s)
            self._begin(job, arrival_s)
            return
        self._enqueue(stream, job, arrival_s)

    def _enqueue(self, stream: JobOwner, job: list[Any], arrival_s: float) -> None:
        """Queue ``job`` (the unit is busy, batching, or asleep), or apply the owner's drop policy."""
        waiting = stream.waiting
        if len(waiting) >= stream.capacity:
            if stream.drop_newest:
                self._drop(job, arrival_s)
                return
            old = waiting.popleft()  # drop_oldest: the stream's oldest waiting job makes room
            old[J_ALIVE] = False
            stream.on_drop(old, arrival_s)
        else:
            if arrival_s > self.last_t:
                self.advance(arrival_s)
            self.n_waiting += 1
        job[J_T] = arrival_s  # time it joined the queue (batching's max wait counts from here)
        heap = self.heap
        if heap is None:
            self.queue.append(job)
        else:
            self._push_seq += 1
            heapq.heappush(heap, (self._key(job), self._push_seq, job))
        waiting.append(job)
        if self.batching is not None and self.n_busy == 0:
            self._try_batch(arrival_s)

    def _drop(self, job: list[Any], now: float) -> None:
        job[J_OWNER].on_drop(job, now)

    def _service_s(self, stream: JobOwner) -> float:
        if not self.exponential:
            return stream.service_s
        if self._exp_i == len(self._exp):
            self._exp = self.rng.exponential(1.0, size=EXP_CHUNK)
            self._exp_i = 0
        x = self._exp[self._exp_i]
        self._exp_i += 1
        return stream.service_s * x

    def _rate(self, job: list[Any]) -> float:
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
        stream = job[J_OWNER]
        job[J_START] = now
        if self._keeps_clock:
            self.scheduler.started(stream)
        self.running.append(job)
        self.n_busy += 1
        self.dyn_sum_w += stream.dynamic_power_w
        if self.bus is not None and stream.memory_bytes:
            job[J_WORK] = 1.0  # a fraction of the job: its rate depends on how many share the bus
            job[J_T] = now
            self.bus.join(job, self, now)  # recomputes every sharer's rate, this job's included, and schedules
        else:
            work_s = self._service_s(stream) if self.exponential else stream.service_s
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
        stream = job[J_OWNER]
        self.running.remove(job)
        self.n_busy -= 1
        self.dyn_sum_w -= stream.dynamic_power_w
        if not self.running:
            self.dyn_sum_w = 0.0  # no drift from repeated float additions
        self.completed += 1
        if now >= self.warmup_s:
            self.completed_in_window += 1
        if self.bus is not None and stream.memory_bytes:
            self.bus.leave(job, now)
        # the next waiting job starts before the owner hears of this completion, so that anything the owner
        # submits from on_complete queues behind the jobs already waiting
        nxt = None if self.off else self._pop_alive()
        if nxt is not None:
            nxt[J_OWNER].waiting.popleft()
            self.n_waiting -= 1
            self._begin(nxt, now)
        else:
            self._update_power(now)
        stream.on_complete(job, now)

    def use_fast_path(self, lazy: bool = False) -> None:
        """Pick the lean completion handler when nothing needs the general one (one server, no batching, no
        shared bus, deterministic service): the common camera-to-accelerator case, kept cheap.

        With ``lazy`` (the engine asks when no platform watches the unit's power and every owner only records what
        completes), completions schedule no event at all: a job's finish time is known when it starts, so the unit
        completes its jobs in closed form, in order, when the next arrival comes or the run ends (:meth:`catch_up`).
        """
        if self.servers == 1 and self.batching is None and self.bus is None and not self.exponential and self.transition is None:
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
        if not self.off:
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
            self.dyn_sum_w = dyn_w
            # one server: u is 0 or 1, so any utilization curve gives static + scaled dynamic (as _update_power)
            if self.static_power_w + self.dyn_scale * dyn_w != self.power_w:
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

    # -- dynamic batching -----------------------------------------------------------------------
    def _try_batch(self, now: float) -> None:
        """With the unit idle: start a batch if it is full or its oldest job has waited max_wait_s, else wait."""
        if self.n_busy or self.batching is None:
            return
        head = None
        for job in self._waiting_jobs():
            head = job
            break
        if head is None:
            return
        key = head[J_OWNER].batch_key
        same = [j for j in self._waiting_jobs() if j[J_OWNER].batch_key == key][: self.batching.max_batch]
        deadline_s = head[J_T] + self.batching.max_wait_s
        if len(same) >= self.batching.max_batch or now >= deadline_s - 1e-15:
            self._begin_batch(same, now)
        elif self._batch_timer_at != deadline_s:
            self._batch_timer_at = deadline_s
            self._schedule(Wake(self._batch_timer), NORMAL, deadline_s - now)

    def _batch_timer(self, _event: Wake) -> None:
        now = self.env._now
        if now != self._batch_timer_at or self.n_busy or self.off:
            return
        self._batch_timer_at = -1.0
        self.advance(now)
        self._try_batch(now)

    def _begin_batch(self, jobs: list[list[Any]], now: float) -> None:
        """Run ``jobs`` (one model) as one batch: t(b) = fixed_s + b x per_item_s, all done together."""
        for job in jobs:
            job[J_ALIVE] = False  # leaves the queue (lazy deletion)
            job[J_OWNER].waiting.remove(job)
            job[J_START] = now
        self.n_waiting -= len(jobs)
        owner = jobs[0][J_OWNER]
        line = self.batch_time(owner)
        service_s = line.fixed_s + len(jobs) * line.per_item_s
        self.running = list(jobs)
        self.n_busy = 1
        self.dyn_sum_w = owner.dynamic_power_w
        self._batch_timer_at = -1.0
        self.batch_sizes.append(len(jobs))
        marker = [owner, now, -1, now, True, service_s, now, 0, self.speed]
        self._batch_marker = marker
        self._schedule(JobWake(self._finish, marker, 0), NORMAL, service_s / self.speed)
        self._update_power(now)

    def _finish_batch(self, now: float) -> None:
        jobs = self.running
        self.running = []
        self.n_busy = 0
        self.dyn_sum_w = 0.0
        if not self.off:
            self._try_batch(now)  # the next batch starts before the owners hear of this one (see _finish)
        if self.n_busy == 0:
            self._update_power(now)
        for job in jobs:
            self.completed += 1
            if now >= self.warmup_s:
                self.completed_in_window += 1
            job[J_OWNER].on_complete(job, now)

    def batch_time(self, owner: JobOwner) -> BatchTime:
        """t(b) = fixed_s + b x per_item_s for this owner's model: compiled (given, or from two measured batch sizes),
        else b x the single-job service time (no calibration: batching brings no gain, as the docs state)."""
        assert self.batching is not None
        line = self.batching.batch_times.get(owner.batch_key)
        return line if line is not None else BatchTime(0.0, owner.service_s)

    # -- DVFS, throttling, shutdown -------------------------------------------------------------
    def set_state(self, state: str, now: float) -> None:
        """Switch DVFS state now: running jobs keep the work they did and finish at the new speed."""
        if state == self.state:
            return
        self.advance(now)
        previous = self.state
        if self.state is not None:
            self.state_time_s[self.state] += now - self._state_since_s
        self._state_since_s = now
        self.state = state
        self._speed_area += self.speed * (now - self._speed_since_s)
        self._speed_since_s = now
        self.speed = self.model.speed_factor(state)
        self.dyn_scale = self._dyn_scale(state)
        if self.transition is not None and previous is not None:
            self._begin_transition(now, self.transition[(previous, state)])  # jobs held to the stall's end
        for job in self._scheduled_jobs():
            self.reschedule(job, now, self._rate(job) if job is not self._batch_marker else self.speed)
        self._update_power(now)

    def _scheduled_jobs(self) -> list[list[Any]]:
        """The jobs whose completion events are pending: the running jobs, or the batch marker."""
        if self.batching is not None:
            return [self._batch_marker] if self.n_busy and self._batch_marker is not None else []
        return list(self.running)

    def set_throttle_state(self, throttled: bool, state: str | None, now: float) -> None:
        """Throttled, running DVFS ``state``, or released back to the initial state. A multi-step throttle moves
        between states while throttled; throttled time and the throttle/release events count any throttled state."""
        if throttled != self.throttled:
            if throttled:
                self._throttled_since_s = now
            else:
                self.throttled_s += now - self._throttled_since_s
            self.throttled = throttled
            self.throttle_events.append((now, "throttle" if throttled else "release"))
        target = state if throttled else self.initial_state
        if target is not None:
            self.set_state(target, now)

    def can_throttle(self) -> bool:
        return self.unit_model.can_throttle

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
            self._drop(job, now)
        self.running.clear()
        self.n_busy = 0
        self.dyn_sum_w = 0.0
        while True:
            waiting = self._pop_alive()
            if waiting is None:
                break
            waiting[J_ALIVE] = False
            waiting[J_OWNER].waiting.popleft()
            self._drop(waiting, now)
        self.n_waiting = 0
        self._update_power(now)

    def in_flight(self) -> list[InFlightJob]:
        """Jobs still waiting or in service (a batch's jobs count one each)."""
        return [InFlightJob(j[J_OWNER].index, j[J_ARRIVAL], j[J_SEQ], j[J_START]) for j in self._waiting_jobs() + list(self.running)]


AWAKE, ENTERING, ASLEEP, WAKING = 0, 1, 2, 3  # phases of a sleeping unit


class SleepUnitSim(UnitSim):
    """A unit with a sleep level (:class:`edgesim.physics.sleep.SleepState`): idle for ``timeout_s`` (nothing
    running or waiting), it enters sleep (``entry_s`` at ``entry_energy_j / entry_s`` W), sleeps at
    ``sleep_power_w``, and the next arrival wakes it (``wake_s`` at ``wake_energy_j / wake_s`` W) before any job
    starts; jobs arriving meanwhile queue under the owners' drop policies. An arrival during entry waits for the
    entry to end, then for the wake.

    One event when the unit goes idle (the timeout, cancelled by a token when a job starts first), one at the end
    of entry, one at the end of a wake. Every transition is a power change: with tracing, the power trace holds
    it, and energy stays the exact integral of the piecewise-constant power. Kept apart from :class:`UnitSim`
    so that a unit without a sleep level does no extra work per job.
    """

    def __init__(self, env: simpy.Environment, model: UnitModel, rng: np.random.Generator, interval_s: float,
                 n_bins: int, warmup_s: float):
        super().__init__(env, model, rng, interval_s, n_bins, warmup_s)
        sleep = model.sleep
        assert sleep is not None
        self.sleep = sleep
        self._entry_w = sleep.entry_energy_j / sleep.entry_s if sleep.entry_s > 0 else 0.0
        self._wake_w = sleep.wake_energy_j / sleep.wake_s if sleep.wake_s > 0 else 0.0
        for kind, energy_j, dur_s in (("entry", sleep.entry_energy_j, sleep.entry_s), ("wake", sleep.wake_energy_j, sleep.wake_s)):
            if energy_j > 0 and dur_s == 0:
                raise ValueError(f"{self.name}: a {kind} energy needs a {kind} latency (it is drawn as a power pulse over it)")
        self.phase = AWAKE
        self._armed = False
        self._timer_token = 0
        self._wake_pending = False  # a job arrived during entry: wake as soon as the entry ends
        self._asleep_since_s = 0.0
        self.asleep_s = 0.0  # total time asleep since t = 0 (entry and wake excluded)
        self.wakes = 0  # wakes begun since t = 0
        self._sleep_snapshot = SleepSummary(0.0, 0)
        self._arm(0.0)  # idle from the start

    # -- results --------------------------------------------------------------------------------
    def sleep_summary(self) -> SleepSummary:
        total_s = self.asleep_s + (self.last_t - self._asleep_since_s if self.phase == ASLEEP else 0.0)
        return SleepSummary(total_s - self._sleep_snapshot.sleep_s, self.wakes - self._sleep_snapshot.wakes)

    def take_snapshot(self, now: float | None = None) -> None:
        super().take_snapshot(now)
        t = self.last_t
        asleep_s = self.asleep_s + (t - self._asleep_since_s if self.phase == ASLEEP else 0.0)
        self._sleep_snapshot = SleepSummary(asleep_s, self.wakes)

    def worst_power_w(self) -> float:
        """The most this unit can draw: its busy worst case, or an entry or wake pulse if higher."""
        return max(super().worst_power_w(), self._entry_w, self._wake_w)

    def use_fast_path(self, lazy: bool = False) -> None:
        """The lean completion handler, never lazy: idle timeouts and wakes are events."""
        super().use_fast_path(lazy=False)

    # -- power ----------------------------------------------------------------------------------
    def _set_power(self, now: float, power_w: float) -> None:
        """Set the power of a sleep phase (integrals already at ``now``): platform and trace are told, as in
        :meth:`UnitSim._update_power`."""
        if power_w == self.power_w:
            return
        if self.platform is not None:
            self.platform.advance(now)
            self.power_w = power_w
            self.platform.power_changed(now)
        else:
            self.power_w = power_w
        if self.power_trace is not None:
            self.power_trace.append((now, power_w, self.state))

    def _update_power(self, now: float) -> None:
        """Awake: the busy/idle power, and the idle timer armed when nothing runs or waits (disarmed otherwise).
        In a sleep phase the phase sets the power (a DVFS change waits for the wake); a shutdown ends the phase."""
        if self.phase != AWAKE:
            if not self.off:
                return
            if self.phase == ASLEEP:
                self.asleep_s += now - self._asleep_since_s
            self.phase = AWAKE
            self._wake_pending = False
        super()._update_power(now)
        if self.n_busy or self.n_waiting or self.off:
            if self._armed:
                self._armed = False
                self._timer_token += 1  # the pending timeout is ignored when it fires
        elif not self._armed:
            self._arm(now)

    def _arm(self, now: float) -> None:
        self._armed = True
        self._timer_token += 1
        self._schedule(Wake(self._on_timeout, self._timer_token), NORMAL, self.sleep.timeout_s)

    # -- phases ---------------------------------------------------------------------------------
    def _on_timeout(self, event: Wake) -> None:
        if event.value != self._timer_token or not self._armed:
            return
        self._armed = False
        if self.n_busy or self.n_waiting or self.off:
            return
        now = self.env._now
        self.advance(now)
        if self.sleep.entry_s > 0:
            self.phase = ENTERING
            self._set_power(now, self._entry_w)
            self._schedule(Wake(self._on_entered), NORMAL, self.sleep.entry_s)
        else:
            self._fall_asleep(now)

    def _on_entered(self, _event: Wake) -> None:
        if self.phase != ENTERING:
            return  # shut down meanwhile
        now = self.env._now
        self.advance(now)
        if self._wake_pending:
            self._start_wake(now)
        else:
            self._fall_asleep(now)

    def _fall_asleep(self, now: float) -> None:
        self.phase = ASLEEP
        self._asleep_since_s = now
        self._set_power(now, self.sleep.sleep_power_w)

    def _start_wake(self, now: float) -> None:
        """Begin the wake (integrals already at ``now``); with no wake latency the unit is awake at once."""
        if self.phase == ASLEEP:
            self.asleep_s += now - self._asleep_since_s
        self._wake_pending = False
        self.wakes += 1
        if self.sleep.wake_s > 0:
            self.phase = WAKING
            self._set_power(now, self._wake_w)
            self._schedule(Wake(self._on_woken), NORMAL, self.sleep.wake_s)
        else:
            self._awake(now)

    def _on_woken(self, _event: Wake) -> None:
        if self.phase != WAKING:
            return  # shut down meanwhile
        now = self.env._now
        self.advance(now)
        self._awake(now)

    def _awake(self, now: float) -> None:
        """Awake again: start the jobs that queued during entry and wake (a batch by the batching rule)."""
        self.phase = AWAKE
        if self.batching is not None:
            self._try_batch(now)
        else:
            while self.n_busy < self.servers:
                nxt = self._pop_alive()
                if nxt is None:
                    break
                nxt[J_OWNER].waiting.popleft()
                self.n_waiting -= 1
                self._begin(nxt, now)
        self._update_power(now)  # idle power, and the timer re-armed, if nothing started

    # -- jobs -----------------------------------------------------------------------------------
    def submit(self, stream: JobOwner, arrival_s: float, seq: int) -> None:
        """Awake: as :meth:`UnitSim.submit`. Asleep: begin the wake and queue the job; entering or waking: queue it."""
        phase = self.phase
        if phase != AWAKE:
            self.advance(arrival_s)
            if phase == ASLEEP:
                self._start_wake(arrival_s)
            elif phase == ENTERING:
                self._wake_pending = True
            if self.phase != AWAKE:
                if arrival_s >= self.warmup_s:
                    stream.offered += 1
                self._enqueue(stream, [stream, arrival_s, seq, -1.0, True, 0.0, 0.0, 0, 0.0], arrival_s)
                return
        UnitSim.submit(self, stream, arrival_s, seq)

    def _try_batch(self, now: float) -> None:
        if self.phase == AWAKE:  # asleep, entering or waking: the wake starts the batch
            super()._try_batch(now)

    def close(self, end_s: float) -> None:
        super().close(end_s)
        if self.phase == ASLEEP:
            self.asleep_s += end_s - self._asleep_since_s
            self._asleep_since_s = end_s


def make_unit_sim(env: simpy.Environment, model: UnitModel, rng: np.random.Generator, interval_s: float, n_bins: int,
                  warmup_s: float) -> UnitSim:
    """The runtime unit for ``model``: a :class:`SleepUnitSim` when it has a sleep level, else a :class:`UnitSim`."""
    cls = SleepUnitSim if model.sleep is not None else UnitSim
    return cls(env, model, rng, interval_s, n_bins, warmup_s)
