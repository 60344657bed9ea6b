"""Fast-forward by time-scale separation: weeks of simulated time at the cost of the minutes around each slow event.

Frames and jobs change in milliseconds; temperatures, charge and ambient in minutes to days. Between two slow
events (a throttle or fan threshold, a leakage regime change, battery cut-off, the end of the run) the fast process
driven by periodic cameras is stationary: its state repeats, exactly or quasi-periodically, from one period ``P``
of the arrival pattern (:func:`edgesim.model.cycles.fast_forward_period_s`) to the next. So:

1. **Measure.** At every cycle boundary ``t_k = k P`` the running totals of every unit (energy, busy and queue
   integrals, completions, time asleep, wakes) and stream (offered, completed, dropped, late, latencies) are
   sampled. Over a window of ``M`` cycles each total's rate is ``r = (C_M - C_0) / W`` and its discrepancy
   ``d = max_k |C_k - C_0 - r (t_k - t_0)|`` (0 for an exactly periodic process; a cycle or so of work for a
   quasi-periodic one, such as an overloaded server whose service time is no divisor of the frame period). The
   process is stationary when every stream's ``d + 1`` completions (``d`` alone when exactly periodic) and every
   unit's ``d`` joules are within ``tolerance`` of the window's totals. A throttle, trip, fan or shutdown restarts
   the window; a regime seen before (the same DVFS, throttle and shutdown states) is recognised after a short
   check. A random process (Poisson or jittered cameras, exponential service) is stationary when every rate's 95%
   batch-means confidence half-width is within :data:`RANDOM_TOLERANCE` of it.
2. **Forward.** Each unit's power is replaced by its window mean ``r_E``; the platform (thermal network, leakage,
   fan, ambient steps, battery) is integrated in closed form under it (``PlatformSim.forward_to``), and its own
   exact crossing planner gives the time until the first watch could fire, with every temperature threshold brought
   nearer by the ripple bound ``dT`` (the heat a cycle's power can deviate from its mean, plus the discrepancy,
   over the smallest heat capacity, plus 1 mK) and the battery cut-off brought earlier (by 2 % of the time left,
   and two cycles and a second).
   The jump ends at the last cycle boundary before that (or before the end of the run).
3. **Shift.** The fast state is carried across exactly, as the state at a cycle boundary: every pending job and
   frame event, every queued job's times, the cameras' frame index move by the same ``N P``; totals grow by
   ``r N P``; recording bins crossed are filled linearly; latencies of the window stand, weighted, for those of
   the forwarded stretch.
4. **Return.** Event-by-event simulation resumes with the true powers, so the threshold crossing, the throttle
   transition and the battery cut-off are simulated, not extrapolated.

Error bound of a segment of length ``D`` measured over ``W`` (reported per run in the summary's
``fast_forward``): completions ``sum_s (d_s + 1)(1 + D / W)`` (the 1 dropped when exactly periodic) and energy
``sum_u d_u (1 + D / W)`` plus leakage ``b dT D`` plus the next slow event's timing shift ``dT / |dT/dt|`` at the
device's mean power and completion rate. For a random process the bounds are the rates' confidence half-widths
times ``D`` (plus one completion per stream): a statistical bound.
"""
from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from ..model.cycles import is_random
from ..model.records import SystemModel
from ..model.run_budget import check_simulated_events
from ..physics.battery import battery_draw_w
from .events import Wake, scheduler_of
from .platform import LATE, PlatformSim
from .stream import CameraSim, StreamSim
from .unit import UnitSim

__all__ = ["BATCHES", "FF_PRIORITY", "MAX_CYCLES", "MAX_PERIOD_CYCLES", "RANDOM_TOLERANCE", "MIN_CYCLES", "TOLERANCE", "FastForward", "ForwardSegment"]

FF_PRIORITY = LATE + 1  # a cycle boundary is sampled after everything else at its instant
TOLERANCE = 1e-3
"""Largest relative discrepancy of a window's totals for the fast process to count as stationary."""
RANDOM_TOLERANCE = 1e-2
"""A random fast process: largest 95% confidence half-width of a rate, relative to the rate."""
BATCHES = 16
"""Batches of the window for the batch-means confidence interval of a random process."""
MIN_CYCLES = 64
"""Cycles measured before a stationarity test."""
MAX_PERIOD_CYCLES = 256
"""Longest true period (in cycles of the arrival pattern) looked for in the sampled totals."""
MAX_CYCLES = 16384
"""Longest window kept (the oldest half is dropped beyond it)."""
_U = 8  # sampled per unit: energy, busy, queue area, completed, completed in window, asleep, wakes; waiting jobs now
_S = 7  # per stream: offered, completed, dropped, late, latencies stored, their sum (s), frames offered at its entry
MIN_WINDOW_S = 1.0
MARGIN_K = 1e-3
"""Added to the ripple bound when thresholds are brought nearer for planning a jump, K."""
"""Shortest window measured before a jump, s."""


@dataclass(frozen=True)
class ForwardSegment:
    """One fast-forwarded stretch: ``[start_s, end_s)``, what ended it, and its error bounds."""

    start_s: float
    end_s: float
    window_s: float
    reason: str
    energy_bound_j: float
    completions_bound: float


class FastForward:
    """Samples the fast process at cycle boundaries and forwards it over stationary stretches.

    Parameters
    ----------
    env : simpy.Environment
        The run's environment.
    model : SystemModel
        The compiled scenario (``fast_forward_period_s`` set).
    units, streams, cameras, platform
        The runtime objects (every unit and camera; the platform that holds the slow state).
    tolerance : float
        Relative discrepancy allowed in the stationarity test.
    """

    def __init__(self, env: simpy.Environment, model: SystemModel, units: list[UnitSim], streams: list[StreamSim],
                 cameras: list[CameraSim], platform: PlatformSim, tolerance: float = TOLERANCE):
        assert model.fast_forward_period_s is not None
        self.env = env
        self.schedule = scheduler_of(env)
        self.model = model
        self.period_s = model.fast_forward_period_s
        self.units = units
        self.streams = streams
        self.cameras = cameras
        self.platform = platform
        self.random = is_random(model)
        self.tolerance = RANDOM_TOLERANCE if self.random else tolerance
        self.end_s = model.duration_s
        self.segments: list[ForwardSegment] = []
        self.forwarded_s = 0.0
        self._k = max(1, math.ceil(model.warmup_s / self.period_s - 1e-9))
        self._n = 0  # samples in the window
        self._tbuf = np.empty(MAX_CYCLES + 2)  # the window's boundary times and totals, preallocated
        self._buf = np.empty((MAX_CYCLES + 2, _U * len(units) + _S * len(streams)))
        self._slow: tuple[Any, ...] | None = None
        self._next_test = MIN_CYCLES
        self._known: dict[tuple[Any, ...], dict[str, Any]] = {}  # regime -> its measured stationary statistics
        self._fast_ids = {id(u) for u in units} | {id(c) for c in cameras}
        n_u, n_s = len(units), len(streams)
        self._n_u, self._n_s = n_u, n_s
        worst = np.array([u.worst_power_w() for u in units])
        self._worst_w = worst
        net = platform.net
        self._c_min = float(net.capacity_j_per_k.min()) if net is not None else math.inf
        self._leak_w_per_k = sum(u.unit_model.leakage_w_per_k for u in units if u.unit_model.thermal_node)

    # -- sampling ---------------------------------------------------------------------------------
    def start(self) -> None:
        """Schedule the first cycle boundary (the first after the warm-up)."""
        self._schedule_boundary()

    def _schedule_boundary(self) -> None:
        t = self._k * self.period_s
        if t < self.end_s:
            self.schedule(Wake(self._on_boundary), FF_PRIORITY, t - self.env._now)

    def _slow_key(self) -> tuple[Any, ...]:
        """Changes when a slow event happened (the window restarts); its first item names the regime."""
        p = self.platform
        return (self._regime(), tuple(len(u.throttle_events) for u in self.units), len(p.level_events))

    def _regime(self) -> tuple[Any, ...]:
        """What the fast process's stationary statistics depend on: each unit's DVFS state, throttle and shutdown."""
        return tuple((u.state, u.throttled, u.off) for u in self.units)

    def _sample(self, now: float) -> np.ndarray:
        values: list[float] = []
        for u in self.units:
            u.advance(now)
            asleep_s, wakes = u.sleep_totals()
            values += [u.energy_j, u.busy_s, u.queue_area_s, u.completed, u.completed_in_window, asleep_s, wakes, u.n_waiting]
        for s in self.streams:
            values += [s.offered, s.completed, s.dropped, s.late, len(s.latencies), s.latencies.sum_s, s.entry.offered]
        return np.array(values, dtype=np.float64)

    def _on_boundary(self, _event: Wake) -> None:
        now = self.env._now
        platform = self.platform
        check_simulated_events(self.model.source, self.model.event_rate_per_s, now - self.forwarded_s, self.model.max_events)
        slow = self._slow_key()
        if slow != self._slow:
            self._slow = slow
            self._n = 0
            self._next_test = MIN_CYCLES
        self._tbuf[self._n] = now
        self._buf[self._n] = self._sample(now)
        self._n += 1
        m = self._n - 1
        if m >= self._next_test and platform.battery_empty_s is None:
            self._next_test = m + max(MIN_CYCLES, m // 4)
            stats = self._stationary()
            if stats is not None:
                if not self.random:
                    self._known[self._regime()] = stats
            elif not self.random:
                stats = self._known_stationary()
            if stats is not None and self._forward(now, stats):
                return  # the jump scheduled the next boundary
        if self._n > MAX_CYCLES:
            keep = self._n // 2
            self._tbuf[:keep] = self._tbuf[self._n - keep: self._n]
            self._buf[:keep] = self._buf[self._n - keep: self._n]
            self._n = keep
            self._next_test = keep - 1 + MIN_CYCLES
        self._k += 1
        self._schedule_boundary()

    # -- stationarity -----------------------------------------------------------------------------
    def _stationary(self) -> dict[str, Any] | None:
        """Rates and discrepancies of the window, or None when it is not stationary (within the tolerance)."""
        t = self._tbuf[: self._n]
        window_s = float(t[-1] - t[0])
        if window_s < MIN_WINDOW_S:
            return None
        s = self._buf[: self._n]
        n_u, tol = self._n_u, self.tolerance
        waiting = s[:, _U - 1: _U * n_u: _U]
        half = len(s) // 2
        if np.any(waiting[half:].max(axis=0) > waiting[:half].max(axis=0)):
            return None  # a queue still growing: not stationary
        if self.random:
            return self._stationary_random(t, s)
        cycles = self._true_period(s)
        if cycles:  # exactly periodic over `cycles` boundaries: a window of whole periods has no discrepancy
            start = (len(s) - 1) % cycles
            s, t = s[start:], t[start:]
            window_s = float(t[-1] - t[0])
        d = s - s[0]
        rate = d[-1] / window_s
        dev = np.zeros(len(rate)) if cycles else np.abs(d - np.outer(t - t[0], rate)).max(axis=0)
        energy = slice(0, _U * n_u, _U)
        e_tot, e_dev = d[-1][energy], dev[energy]
        if np.any(e_dev > tol * np.abs(e_tot) + 1e-9):
            return None
        base = _U * n_u
        offered = d[-1][base::_S]
        completed, c_dev = d[-1][base + 1::_S], dev[base + 1::_S]
        dropped_dev = dev[base + 2::_S]
        exact = c_dev < 1e-6
        c_err = c_dev + np.where(exact, 0.0, 1.0)
        if np.any(c_err > tol * completed + np.where(exact, 1e-6, 0.0)):
            return None
        d_exact = dropped_dev < 1e-6
        if np.any(dropped_dev + np.where(d_exact, 0.0, 1.0) > tol * np.maximum(offered, 1.0) + np.where(d_exact, 1e-6, 0.0)):
            return None
        latencies = [stream.latencies.tail_s(int(d[-1][base + _S * j + 4])) for j, stream in enumerate(self.streams)]
        return {"window_s": window_s, "rate": rate, "energy_dev_j": e_dev, "completions_err": c_err, "latencies": latencies,
                "cycles": cycles or 1, "energy_fixed_j": float(e_dev.sum()), "energy_per_s": float(e_dev.sum()) / window_s,
                "completions_fixed": float(c_err.sum()), "completions_per_s": float(c_err.sum()) / window_s}

    def _stationary_random(self, t: np.ndarray, s: np.ndarray) -> dict[str, Any] | None:
        """A random fast process: the window in :data:`BATCHES` batches; each total's rate has a 95% confidence
        half-width of twice the batch rates' standard error, which must be within :data:`RANDOM_TOLERANCE` of the
        rate for every unit's energy, every stream's completions and (relative to its offered rate) drops."""
        n = len(s)
        if n - 1 < 8 * BATCHES:
            return None
        idx = np.linspace(0, n - 1, BATCHES + 1).round().astype(int)
        window_s = float(t[-1] - t[0])
        batch_rates = np.diff(s[idx], axis=0) / np.diff(t[idx])[:, None]
        rate = (s[-1] - s[0]) / window_s
        half = 2.0 * batch_rates.std(axis=0, ddof=1) / math.sqrt(BATCHES)
        n_u, tol = self._n_u, RANDOM_TOLERANCE
        energy = slice(0, _U * n_u, _U)
        base = _U * n_u
        if np.any(half[energy] > tol * np.abs(rate[energy]) + 1e-12):
            return None
        if np.any(half[base + 1::_S] > tol * rate[base + 1::_S] + 1e-12):
            return None
        if np.any(half[base + 2::_S] > tol * np.maximum(rate[base::_S], 1e-12) + 1e-12):
            return None
        d = s - s[0]
        dev = np.abs(d - np.outer(t - t[0], rate)).max(axis=0)
        latencies = [stream.latencies.tail_s(int(d[-1][base + _S * j + 4])) for j, stream in enumerate(self.streams)]
        return {"window_s": window_s, "rate": rate, "energy_dev_j": dev[energy], "completions_err": dev[base + 1::_S],
                "latencies": latencies, "cycles": 1,
                "energy_fixed_j": 0.0, "energy_per_s": float(half[energy].sum()),
                "completions_fixed": float(self._n_s), "completions_per_s": float(half[base + 1::_S].sum())}

    def _true_period(self, s: np.ndarray) -> int:
        """The least number of cycles m (<= :data:`MAX_PERIOD_CYCLES`) over which every sampled total's increment
        repeats over the window's last 2m+ cycles (an overloaded server whose service time is a rational multiple
        of the frame period), or 0 when none does."""
        n = len(s)
        for m in range(1, min(MAX_PERIOD_CYCLES, (n - 1) // 3) + 1):
            x = s[n - 1 - 3 * m:]
            inc = x[m:] - x[:-m]
            if np.all(np.abs(inc - inc[0]) <= 1e-9 * (1.0 + np.abs(inc[0]))):
                return m
        return 0

    def _known_stationary(self) -> dict[str, Any] | None:
        """A regime measured stationary before (the same DVFS, throttle and shutdown states: a throttle that releases
        and trips again) is recognised from its last ``MIN_CYCLES`` cycles: every total within twice the stored
        discrepancy (+1 completion, 1e-9 J) of the stored rate; then the stored statistics stand."""
        known = self._known.get(self._regime())
        if known is None or self._n <= MIN_CYCLES:
            return None
        t = self._tbuf[self._n - MIN_CYCLES - 1: self._n]
        s = self._buf[self._n - MIN_CYCLES - 1: self._n]
        window_s = float(t[-1] - t[0])
        rate: np.ndarray = known["rate"]
        miss = np.abs(s[-1] - s[0] - rate * window_s)
        n_u, base = self._n_u, _U * self._n_u
        e_ok = miss[0: _U * n_u: _U] <= 2.0 * known["energy_dev_j"] + 1e-9 * (1.0 + np.abs(rate[0: _U * n_u: _U] * window_s))
        c_ok = miss[base + 1::_S] <= 2.0 * known["completions_err"] + 1.0
        return known if bool(np.all(e_ok) and np.all(c_ok)) else None

    # -- the jump ---------------------------------------------------------------------------------
    def _forward(self, t0: float, stats: dict[str, Any]) -> bool:
        """Forward from the boundary ``t0`` to the last boundary before the next slow event; False if not worth it."""
        platform, period = self.platform, self.period_s
        window_s: float = stats["window_s"]
        rate: np.ndarray = stats["rate"]
        n_u = self._n_u
        # the latest end: a cycle before the end of the run, and before any event the jump cannot move
        m_cycles: int = stats["cycles"]
        t_max = t0 + (math.floor((self.end_s - t0) / (m_cycles * period) + 1e-9) - 1) * m_cycles * period
        for t, _prio, _eid, ev in self.env._queue:
            owner = self._owner(ev)
            if owner is not platform and owner is not self and (owner is None or id(owner) not in self._fast_ids) and t < t_max:
                t_max = t0 + math.floor((t - t0) / (m_cycles * period)) * m_cycles * period
        min_jump_s = max(window_s, 10.0 * period)
        if t_max - t0 < min_jump_s:
            return False
        platform.advance(t0)
        mean_w = rate[0: _U * n_u: _U]
        saved_w = [u.power_w for u in self.units]
        for u, w in zip(self.units, mean_w):
            u.power_w = float(w)
        platform.refresh_powers()
        dev_j = float(np.sum(stats["energy_dev_j"]))
        cycle_heat_j = float(np.sum(np.maximum(mean_w, self._worst_w - mean_w))) * period + dev_j
        ripple_k = cycle_heat_j / self._c_min if math.isfinite(self._c_min) else 0.0
        margin_k = ripple_k + MARGIN_K
        empty_margin_s = 2.0 * period + 1.0
        reason_at_max = "end"
        ode_cutoff = platform.battery is not None and not platform.battery.cheap_cutoff
        if ode_cutoff:  # one ODE solve (a Li-ion pack): the cut-off at the most the device can draw over the jump comes no later
            platform.settle_battery()
            fan_w = max(lv.power_w for lv in platform.fan.levels) if platform.fan is not None else 0.0
            draw_w = battery_draw_w(float(np.sum(mean_w)) + sum(load.max_power_w for load in platform.model.loads)
                                    + fan_w + 2.0 * platform.leakage_now_w(), platform.dcdc_efficiency)
            t_empty = platform.battery.time_to_cutoff_s(platform.battery_state, draw_w)
            if math.isfinite(t_empty):
                t_cut = t0 + 0.98 * t_empty - empty_margin_s
                if t_cut < t_max:
                    t_max = t0 + math.floor((t_cut - t0) / (m_cycles * period)) * m_cycles * period
                    reason_at_max = "empty"
        if t_max - t0 < min_jump_s:
            for u, w in zip(self.units, saved_w):
                u.power_w = w
            platform.refresh_powers()
            return False
        t, reason, node = t0, "end", -1
        t_stop = t_max
        while True:
            seg_end = min(platform.ambient_next_s, platform.schedule_next_s, t_max)
            span = seg_end - t
            quiet, kind, where = platform.quiet_s(span + period, margin_k, empty_margin_s, skip_empty=ode_cutoff)
            if kind == "empty":
                quiet = min(quiet, 0.98 * (quiet + empty_margin_s))  # approach the cut-off geometrically
            if quiet >= span + 2.0 * period or (quiet >= span and seg_end >= t_max):
                if seg_end >= t_max:
                    reason = reason_at_max
                    break
                platform.forward_to(seg_end)
                t = seg_end
                continue
            reason, node = kind, where
            m: int = stats["cycles"]
            n = math.floor((t + quiet - t0) / (m * period) + 1e-9) * m
            t_stop = t0 + n * period
            if t_stop < t:
                t_stop = t0 + math.ceil((t - t0) / (m * period) - 1e-9) * m * period
            break
        if t_stop - t0 < min_jump_s and t == t0:
            for u, w in zip(self.units, saved_w):
                u.power_w = w
            platform.refresh_powers()
            return False
        platform.forward_to(t_stop)
        delta_s = t_stop - t0
        # error bounds of this segment
        energy_bound_j = stats["energy_fixed_j"] + stats["energy_per_s"] * delta_s + self._leak_w_per_k * ripple_k * delta_s
        completions_bound = stats["completions_fixed"] + stats["completions_per_s"] * delta_s
        if reason not in ("end", "empty") and node >= 0:
            slope = abs(platform.node_rate_k_per_s(node, period))
            shift_s = min(delta_s, ripple_k / slope) if slope > 0 else delta_s
            completions_bound += shift_s * float(np.sum(rate[_U * n_u + 1::_S]))
            energy_bound_j += shift_s * float(np.sum(mean_w))
        self._shift(t0, t_stop, rate, stats)
        for u, w in zip(self.units, saved_w):
            u.power_w = w
        platform.refresh_powers()
        self.env._now = t_stop
        platform.resume(t_stop)
        self.segments.append(ForwardSegment(t0, t_stop, window_s, reason or "end", energy_bound_j, completions_bound))
        self.forwarded_s += delta_s
        self._k += round(delta_s / period) + 1
        self._n = 0
        self._slow = None
        self._schedule_boundary()
        return True

    def _owner(self, event: Any) -> Any:
        callbacks = getattr(event, "callbacks", None)
        if not isinstance(event, Wake) or not callbacks:
            return None
        return getattr(callbacks[0], "__self__", None)

    def _shift(self, t0: float, t1: float, rate: np.ndarray, stats: dict[str, Any]) -> None:
        """Carry the fast state from ``t0`` to ``t1`` (a whole number of cycles later)."""
        delta_s = t1 - t0
        # pending events: the fast ones move, the platform's and this controller's are dropped (re-planned)
        queue = []
        for entry in self.env._queue:
            t, prio, eid, ev = entry
            owner = self._owner(ev)
            if owner is self.platform or owner is self:
                continue
            if owner is not None and id(owner) in self._fast_ids:
                queue.append((t + delta_s, prio, eid, ev))
            else:
                queue.append(entry)
        heapq.heapify(queue)
        self.env._queue[:] = queue
        for i, u in enumerate(self.units):
            u.shift_time(t0, t1, rate[_U * i: _U * i + _U] * delta_s)
        base = _U * self._n_u
        weight = delta_s / stats["window_s"]
        for j, s in enumerate(self.streams):
            col = base + _S * j
            inc = rate[col: col + _S] * delta_s
            # a stationary queue neither grows nor empties: the frames offered over the stretch are those completed
            # and dropped (the offered rate measured over the window can carry a frame at its edge: +9 frames in 3 days)
            s.offered += round(inc[1]) + round(inc[2])
            s.completed += round(inc[1])
            s.dropped += round(inc[2])
            s.late += round(inc[3])
            _spread_over_bins(s.dropped_in_bin, s.interval_s, t0, t1, round(inc[2]))  # the timeline's drop/late panel
            _spread_over_bins(s.late_in_bin, s.interval_s, t0, t1, round(inc[3]))
            s.latencies.add_forwarded(stats["latencies"][j], weight, float(inc[5]))
            if s.entry is not s:  # a resize on another unit: its offered frames, and the frames past it
                s.entry.offered += round(inc[6])
                s.frame_arrival_s = {seq: t + delta_s for seq, t in s.frame_arrival_s.items()}
        for cam in self.cameras:
            cam.skip_frames(round(cam.model.fps * delta_s), delta_s)

    # -- report -----------------------------------------------------------------------------------
    def summary(self, duration_s: float) -> dict[str, Any]:
        """The summary's ``fast_forward`` block."""
        return fast_forward_summary(True, duration_s, self.forwarded_s, self.segments, self.period_s, self.tolerance)


def _spread_over_bins(bins: list[int], interval_s: float, t0: float, t1: float, count: int) -> None:
    """Add ``count`` events spread evenly over [t0, t1) to the recording bins they fall in (whole events per bin,
    rounded on the running total so that the bins add up to ``count`` exactly)."""
    if count <= 0 or t1 <= t0:
        return
    k, placed = int(t0 // interval_s), 0
    while placed < count and k < len(bins):
        end_s = min((k + 1) * interval_s, t1)
        upto = count if end_s >= t1 else round(count * (end_s - t0) / (t1 - t0))
        bins[k] += upto - placed
        placed = upto
        k += 1


def fast_forward_summary(enabled: bool, duration_s: float, forwarded_s: float, segments: list[ForwardSegment],
                         period_s: float | None, tolerance: float | None) -> dict[str, Any]:
    """``{enabled, segments, simulated_s, forwarded_s, energy_bound_j, completions_bound, ...}`` of a run; the
    bounds are the sums over ``segment_list`` (each forwarded stretch, what ended it, the window it was measured
    over, its own bounds)."""
    return {
        "enabled": enabled,
        "period_s": period_s,
        "tolerance": tolerance,
        "segments": len(segments),
        "simulated_s": duration_s - forwarded_s,
        "forwarded_s": forwarded_s,
        "energy_bound_j": sum(s.energy_bound_j for s in segments),
        "completions_bound": sum(s.completions_bound for s in segments),
        "ended_by": sorted({s.reason for s in segments}),
        "segment_list": [{"start_s": s.start_s, "end_s": s.end_s, "window_s": s.window_s, "ended_by": s.reason,
                          "energy_bound_j": s.energy_bound_j, "completions_bound": s.completions_bound} for s in segments],
        "percentiles": ("over forwarded stretches, latency percentiles come from the measured stationary window's "
                        "distribution, weighted by the stretch's length") if segments else None,
    }
