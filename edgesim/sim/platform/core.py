"""The platform's events: told of every power change, it plans the next crossing of every watch once per instant
(a late check), and handles the crossings, the ambient steps, the load schedules and the fast-forward's resume."""
from __future__ import annotations

import math
from collections.abc import Sequence

import simpy
from simpy.core import NORMAL

from ...model.records import PlatformModel
from ..ambient import step_means
from ..events import Wake
from ..ports import UnitControl
from .watches import NEAR_S, PlatformWatches

__all__ = ["LATE", "PlatformSim"]

LATE = NORMAL + 1  # after every normal event of the same instant


class PlatformSim(PlatformWatches):
    """The shared physical state of one device: node temperatures, leakage, fan, ambient, platform loads and battery."""

    def __init__(self, env: simpy.Environment, model: PlatformModel, units: Sequence[UnitControl], end_s: float, interval_s: float,
                 n_bins: int):
        super().__init__(env, model, units, end_s, interval_s, n_bins)
        for u in units:
            u.platform = self  # the units tell it of every power change
        if self.ambient is not None:
            self._ambient_step(0.0)
        if model.scheduled:
            self.schedule_next_s = min(load.schedule.next_change_s(0.0) for load in model.loads if load.schedule is not None)
            if self.schedule_next_s < end_s:
                self.schedule(Wake(self._on_schedule_step), NORMAL, self.schedule_next_s)
        self.refresh_powers()
        self._init_watches()

    def _on_schedule_step(self, _event: Wake) -> None:
        now = self.env._now
        self.advance(now)
        self._set_loads(now)
        if self.schedule_next_s < self.end_s:
            self.schedule(Wake(self._on_schedule_step), NORMAL, self.schedule_next_s - now)
        self._replan_all(now)

    # -- ambient steps ----------------------------------------------------------------------------
    def _ambient_step(self, now: float) -> None:
        """Hold the ambient and sun forcing at their exact means over [now, now + step) and wake at the step's end."""
        assert self.ambient is not None
        end = min(now + self.ambient.step_s, self.end_s)
        if end <= now:
            return
        self._amb_dev_k, self._sun_w = step_means(self.ambient, self._base_ambient_c(), now, end)
        self._update_forcing()
        self.ambient_next_s = end
        self.schedule(Wake(self._on_ambient_step), NORMAL, end - now)

    def _on_ambient_step(self, _event: Wake) -> None:
        now = self.env._now
        self.advance(now)
        self._ambient_step(now)
        self._replan_all(now)

    # -- events ---------------------------------------------------------------------------------
    def power_changed(self, now: float) -> None:
        """A unit's power changed at ``now`` (integrals already advanced): re-plan crossings once this instant."""
        self.refresh_powers()
        if self.state_trace is not None:
            soc = self.battery.soc(self.battery_state) if self.battery is not None else math.nan
            temps = tuple(self.temp_c) if self.net is not None else ()
            self.state_trace.append((now, self._base_w, soc, *temps))
        self.request_check(now)

    def request_check(self, now: float) -> None:
        if now < self._all_far_until_s:
            return  # every watch is far: no crossing can come before the earliest bound (a wake is set there)
        if self._check_at != now:
            self._check_at = now
            self.schedule(Wake(self._check), LATE, 0.0)

    def _check(self, _event: Wake) -> None:
        """Plan the exact next crossing of every watch under the powers that hold from now on.

        A watch whose worst-case bound shows no crossing for a while is 'far': it is skipped at power changes
        until that time (one wake then re-checks). The bound is exact-safe: the thermal network is cooperative
        (heat only flows down temperature differences), so node temperatures under any powers between the
        all-off and all-at-worst-case powers stay between the trajectories under those two (comparison
        principle; with clamped leakage, a fan or an ambient profile see :meth:`~edgesim.sim.platform.watches.Watch.bound`); a battery drains no
        faster than at the worst-case draw.
        """
        now = self.env._now
        self._check_at = -1.0  # done: a change later in this instant asks for a new check
        self.advance(now)
        self.token += 1
        token = self.token
        horizon_s = self.end_s - now
        if horizon_s <= 0:
            return
        for watch in self.watches:
            if watch.far_until_s > now:
                continue
            planned = watch.plan(self, horizon_s)
            if planned is None:
                continue
            t_exact, kind = planned
            if t_exact > NEAR_S:
                t_bound = watch.bound(self, kind, horizon_s, t_exact)
                if t_bound > NEAR_S:  # far: nothing can happen before the bound; look again then
                    watch.far_until_s = now + t_bound
                    if t_bound <= horizon_s:
                        self.schedule(Wake(self._far_wake), NORMAL, t_bound)
                    continue
            if t_exact <= horizon_s:
                self.schedule(Wake(self._on_crossing, (token, kind, watch)), NORMAL, t_exact)
        self._all_far_until_s = min((w.far_until_s for w in self.watches), default=math.inf)

    def forward_to(self, t_s: float) -> None:
        """Integrate the slow state to ``t_s`` under the powers now in force, through the ambient steps on the way
        (each at its exact mean, as the events would), scheduling nothing."""
        while min(self.ambient_next_s, self.schedule_next_s) <= t_s:
            if self.schedule_next_s <= self.ambient_next_s:
                te = self.schedule_next_s
                self.advance(te)
                self._set_loads(te)
                if self.net is not None:
                    self._update_bounds()
                self.refresh_powers()
                continue
            assert self.ambient is not None
            te = self.ambient_next_s
            self.advance(te)
            end = min(te + self.ambient.step_s, self.end_s)
            if end <= te:
                self.ambient_next_s = math.inf
                continue
            self._amb_dev_k, self._sun_w = step_means(self.ambient, self._base_ambient_c(), te, end)
            self._update_forcing()
            self.refresh_powers()
            self.ambient_next_s = end
        self.advance(t_s)

    def resume(self, now: float) -> None:
        """After a fast-forward to ``now`` (its own events were dropped): the next ambient step, and a fresh plan."""
        self.token += 1
        self._check_at = -1.0
        if self.ambient is not None and math.isfinite(self.ambient_next_s) and self.ambient_next_s > now:
            self.schedule(Wake(self._on_ambient_step), NORMAL, self.ambient_next_s - now)
        if self.schedule_next_s < self.end_s and self.schedule_next_s > now:
            self.schedule(Wake(self._on_schedule_step), NORMAL, self.schedule_next_s - now)
        self._replan_all(now)

    def _far_wake(self, _event: Wake) -> None:
        self._all_far_until_s = -math.inf
        self.request_check(self.env._now)

    def _on_crossing(self, event: Wake) -> None:
        token, kind, watch = event.value
        if token != self.token:
            return  # powers changed since this was planned: a newer check replaced it
        now = self.env._now
        self.advance(now)
        watch.fire(self, kind, now)
