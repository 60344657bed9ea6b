"""The unit's DVFS feature: its state and speed, throttle bookkeeping, switch costs (a stall plus a pulse) and the
DRAM energy of its jobs' bytes.

The stall and the power computation call each other (a job starting during a stall is held to its end when the
power is recomputed), so they live together here, over the core; DRAM energy is here for the same reason: both are
reached from the core's one hook, :meth:`~edgesim.sim.unit.core.UnitCore._extra_power_w`.
"""
from __future__ import annotations

import math

import numpy as np
import simpy
from simpy.core import NORMAL

from ...model.records import UnitModel
from ...physics.dvfs import Transition
from ..events import Wake
from ..jobs import J_OWNER, J_RATE, J_T, J_WORK
from .core import UnitCore

__all__ = ["DvfsMixin"]


class DvfsMixin(UnitCore):
    """DVFS state, throttle state, switch stalls and pulses, DRAM energy per byte (over :class:`UnitCore`)."""

    def __init__(self, env: simpy.Environment, model: UnitModel, rng: np.random.Generator, interval_s: float,
                 n_bins: int, warmup_s: float):
        super().__init__(env, model, rng, interval_s, n_bins, warmup_s)
        self.state_names = list(model.dvfs_states)
        initial = model.initial_state
        self.initial_state = initial
        self.state = initial
        self.speed = self.power_model.speed_factor(initial) if initial else 1.0
        self.dyn_scale = self._dyn_scale(initial)
        self._worst_dyn_scale = max((self._dyn_scale(s) for s in self.state_names), default=self._dyn_scale(None))
        self.state_time_s: dict[str, float] = {name: 0.0 for name in self.state_names}
        self._state_since_s = 0.0
        self.throttle_events: list[tuple[float, str]] = []  # (time, "throttle" | "release"): few, not per job
        # DRAM energy per byte of the memory bus and DVFS transitions: both optional, and both only reached through
        # the core's one check of _extra_power, so a unit without them does exactly what it did before
        self.dram_j_per_byte = model.dram_energy_j_per_byte  # J/byte; None: not modeled
        self.transition = model.dvfs_transitions  # stall (s) and energy (J) of each DVFS switch; None: free
        self.dram_w = 0.0  # DRAM power of the running jobs' bytes, W (part of power_w)
        self._dram_j = 0.0  # integral of dram_w up to _dram_since_s, J
        self._dram_since_s = 0.0
        self._dram_snapshot_j = 0.0
        self._stall_end_s = -math.inf  # running jobs make no progress before this time (a DVFS transition)
        self._pulse_w = 0.0  # transition pulses being drawn, W
        self._n_pulses = 0
        self.transitions = 0  # DVFS transitions begun since t = 0

    def _dyn_scale(self, state: str | None) -> float:
        """Dynamic power in ``state`` relative to the reference state (f V^2 or measured mode power)."""
        if state is None:
            return 1.0
        ref = self.power_model.dynamic_full_power_w(None)
        return self.power_model.dynamic_full_power_w(state) / ref if ref > 0 else 1.0

    # -- results and fast-forward ------------------------------------------------------------------
    def close(self, end_s: float) -> None:
        super().close(end_s)
        if self.dram_j_per_byte is not None:
            self._dram_j = self._dram_total_j(end_s)
            self._dram_since_s = end_s
        if self.state is not None:
            self.state_time_s[self.state] += end_s - self._state_since_s
            self._state_since_s = end_s

    def take_snapshot(self, now: float | None = None) -> None:
        now = self.env.now if now is None else now
        super().take_snapshot(now)
        if self.dram_j_per_byte is not None:
            self._dram_snapshot_j = self._dram_total_j(now)

    def reset_window(self) -> None:
        super().reset_window()
        self._dram_snapshot_j = 0.0

    def shift_time(self, t0: float, t1: float, inc: np.ndarray) -> None:
        super().shift_time(t0, t1, inc)
        if self._stall_end_s > t0:  # a stall pending at the cycle boundary moves with the jobs it holds
            self._stall_end_s += t1 - t0

    # -- DVFS state and throttling ---------------------------------------------------------------
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
        self.speed = self.power_model.speed_factor(state)
        self.dyn_scale = self._dyn_scale(state)
        if self.transition is not None and previous is not None:
            self._begin_transition(now, self.transition[(previous, state)])  # jobs held to the stall's end
        for job in self._scheduled_jobs():
            self.reschedule(job, now, self.rate(job) if job is not self._batch_marker else self.speed)
        self._update_power(now)

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

    # -- DRAM energy per byte and DVFS transitions (only for a unit that has them) -------------------------
    def _extra_power_w(self, now: float, power_w: float) -> float:
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

