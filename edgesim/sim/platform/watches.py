"""What the platform watches, and when each can happen: a unit's trip ladder (every throttle, critical included), a
fan step, a leakage regime switch, the battery's cut-off. Each watch is planned exactly under the powers in force
(:meth:`Watch.plan`) and bounded under any powers (:meth:`Watch.bound`), so that a far one is skipped until its
bound; :meth:`Watch.fire` is what happens at the crossing. A new kind of watch is one class here."""
from __future__ import annotations

import math
from collections import deque

import numpy as np
from simpy.core import StopSimulation

from ...errors import EdgesimError
from ...physics.battery import battery_draw_w
from ...physics.thermal import ThermalNetwork
from .state import PlatformState

__all__ = ["CHATTER_MAX_PROJECTED", "CHATTER_SWITCHES", "NEAR_S", "ChatteringError", "EmptyWatch", "FanWatch", "PlatformWatches",
           "RegimeWatch", "TripWatch", "Watch"]

NEAR_S = 0.05  # a watch whose bound is nearer than this is planned exactly at every power change


class Watch:
    """One thing that can happen at an exact instant. Each kind says when it comes under the powers in force
    (:meth:`plan`), how soon at the earliest whatever the powers do (:meth:`bound`: 0 when no bound can be given) and
    what happens then (:meth:`fire`); the platform dispatches on none of them."""

    __slots__ = ("unit", "far_until_s")
    kind = ""

    def __init__(self, unit: int = -1):
        self.unit = unit  # the unit's index for a trip watch; -1: the battery, the fan or the leakage regime
        self.far_until_s = -math.inf

    def node(self, p: PlatformWatches) -> int:
        """The thermal node it watches (-1: none)."""
        return -1

    def plan(self, p: PlatformWatches, horizon_s: float) -> tuple[float, str] | None:
        """Exact time to the next crossing at the current powers, and what crosses (None: nothing to watch now)."""
        raise NotImplementedError

    def bound(self, p: PlatformWatches, kind: str, horizon_s: float, t_exact: float) -> float:
        """A time before which this watch cannot fire whatever the powers do (0 when none can be given)."""
        return 0.0

    def fire(self, p: PlatformWatches, kind: str, now: float) -> None:
        """What happens at the crossing ``kind`` at ``now`` (the platform already integrated to ``now``)."""
        raise NotImplementedError


class _TwoSidedWatch(Watch):
    """One node between two temperatures: a level is left upwards at the upper and downwards at the lower."""

    __slots__ = ()
    up_kind = ""
    down_kind = ""

    def thresholds_c(self, p: PlatformWatches) -> tuple[float, float]:
        """The two temperatures that end the present level, degC (up, down)."""
        raise NotImplementedError

    def plan(self, p: PlatformWatches, horizon_s: float) -> tuple[float, str] | None:
        node = self.node(p)
        up_c, down_c = self.thresholds_c(p)
        t_up = p._reach_s(node, up_c, horizon_s, "up")
        t_down = p._reach_s(node, down_c, horizon_s, "down")
        return (t_up, self.up_kind) if t_up <= t_down else (t_down, self.down_kind)

    def bound(self, p: PlatformWatches, kind: str, horizon_s: float, t_exact: float) -> float:
        if p._exp:
            return 0.0
        hot, cold = p._bound_networks()
        if hot is None or cold is None:
            return 0.0
        node = self.node(p)
        up_c, down_c = self.thresholds_c(p)
        target, direction = (up_c, "up") if kind == self.up_kind else (down_c, "down")
        # both directions must stay far: the other threshold of a two-sided watch too
        t = p._bound_one(hot, cold, node, target, direction, horizon_s)
        other = down_c if direction == "up" else up_c
        return min(t, p._bound_one(hot, cold, node, other, "down" if direction == "up" else "up", horizon_s))


class TripWatch(_TwoSidedWatch):
    """A unit's throttle ladder (every throttle; its critical trip shuts the unit down)."""

    __slots__ = ()
    kind = "trip"
    up_kind = "trip_up"
    down_kind = "trip_down"

    def node(self, p: PlatformWatches) -> int:
        return p.unit_node[self.unit]

    def thresholds_c(self, p: PlatformWatches) -> tuple[float, float]:
        return p.ladders[self.unit].watch_c()

    def plan(self, p: PlatformWatches, horizon_s: float) -> tuple[float, str] | None:
        if p.units[self.unit].off:
            return None
        return super().plan(p, horizon_s)

    def fire(self, p: PlatformWatches, kind: str, now: float) -> None:
        i = self.unit
        p._check_chatter("unit", i, now)
        unit = p.units[i]
        unit.advance(now)
        ladder = p.ladders[i]
        up_c, down_c = ladder.watch_c()
        step = ladder.ladder.next_level(ladder.level, up_c if kind == "trip_up" else down_c)
        if step is None:  # the critical trip
            unit.shut_down(now)
        else:
            ladder.level = step
            state = ladder.model.steps[step - 1].state if step > 0 else None
            unit.set_throttle_state(step > 0, state, now)
            p.level_events.append((now, unit.name, step))
        for watch in p.watches:  # the direction of this unit's throttle watch changed: plan it anew
            if watch.unit == i:
                watch.far_until_s = -math.inf
        p._all_far_until_s = -math.inf
        p.refresh_powers()
        p.request_check(now)


class FanWatch(_TwoSidedWatch):
    """The fan curve's next step up or down."""

    __slots__ = ()
    kind = "fan"
    up_kind = "fan_up"
    down_kind = "fan_down"

    def node(self, p: PlatformWatches) -> int:
        return p.fan_node

    def thresholds_c(self, p: PlatformWatches) -> tuple[float, float]:
        assert p.fan is not None
        return p.fan.curve.thresholds_c(p.fan_level)

    def fire(self, p: PlatformWatches, kind: str, now: float) -> None:
        assert p.fan is not None
        p._check_chatter("fan", -1, now)
        up_c, down_c = self.thresholds_c(p)
        level = p.fan.curve.level_for(p.fan_level, up_c if kind == "fan_up" else down_c)
        p._set_fan_level(level)
        p.level_events.append((now, p.fan.name, level))
        p._update_forcing()
        p._replan_all(now)


class RegimeWatch(Watch):
    """A clamped leakage term crossing its reference temperature (the thermal system changes region)."""

    __slots__ = ()
    kind = "regime"

    def plan(self, p: PlatformWatches, horizon_s: float) -> tuple[float, str] | None:
        assert p.system is not None
        return p.system.region_change_s(p.temp_c, p._p_eff, horizon_s, p._margin_k), "regime"

    def fire(self, p: PlatformWatches, kind: str, now: float) -> None:
        p._replan_all(now)


class EmptyWatch(Watch):
    """The battery reaching its cut-off: the run ends there."""

    __slots__ = ()
    kind = "empty"

    def plan(self, p: PlatformWatches, horizon_s: float) -> tuple[float, str] | None:
        assert p.battery is not None
        draw_w = battery_draw_w(max(p._base_w + p.leakage_now_w(), 0.0), p.dcdc_efficiency)
        p.settle_battery()
        return p.battery.time_to_cutoff_s(p.battery_state, draw_w), "empty"

    def bound(self, p: PlatformWatches, kind: str, horizon_s: float, t_exact: float) -> float:
        """Exception (stated approximation): with temperature-dependent leakage the battery draw has no cheap
        rigorous bound, so the cut-off is re-planned at every power change, or (a model with a positive
        ``cutoff_replan_s``, the Li-ion pack's ``LIION_STEP_S``) at most that often and at half the remaining
        planned time (it converges on the instant; it could only be late if the leakage draw grew enough within
        that window to bring the cut-off forward by half the remaining time)."""
        assert p.battery is not None
        if p._leaky:
            return min(p.battery.cutoff_replan_s, 0.5 * t_exact)
        return p.battery.time_to_cutoff_s(p.battery_state, p._worst_draw_w)

    def fire(self, p: PlatformWatches, kind: str, now: float) -> None:
        p.settle_battery()
        p.battery_empty_s = now
        raise StopSimulation(now)


CHATTER_SWITCHES = 1000
"""Threshold switches of one watch (a throttle, a trip ladder, the fan) over which its rate is judged."""
CHATTER_MAX_PROJECTED = 1e8
"""A watch that switches fast enough to need more than this many switches over the run ends it (a
:class:`ChatteringError`): a bang-bang controller whose hysteresis band is crossed in femtoseconds (or, below one
ulp of its threshold, at a single instant forever) would otherwise never finish."""


class ChatteringError(EdgesimError):
    """A throttle, trip ladder or fan switching too fast to simulate; ``field`` names the hysteresis to raise."""

    def __init__(self, field: str, problem: str):
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class PlatformWatches(PlatformState):
    """Planning and bounding the watches over the platform's state."""

    watches: list[Watch]
    _worst_unit_w: np.ndarray
    _p_hot: np.ndarray
    _p_cold: np.ndarray
    _leaky: bool
    _worst_draw_w: float

    def _init_watches(self) -> None:
        """What to watch, and the worst-case powers that bound how soon any of it can happen (after the first
        ambient step and load schedule have set the forcing)."""
        # what to watch, and the worst-case powers that bound how soon any of it can happen
        self.watches: list[Watch] = []
        if self.net is not None:
            for i in range(len(self.units)):
                if i in self.ladders:
                    self.watches.append(TripWatch(i))
            if self.fan is not None:
                self.watches.append(FanWatch())
            if self.leaky is not None:
                self.watches.append(RegimeWatch())
            self._worst_unit_w = np.array([u.worst_power_w() for u in self.units])
            self._update_bounds()
        self._leaky = bool(self.leak_term_unit)
        if self.battery is not None:
            self.watches.append(EmptyWatch())
            worst_w = sum(u.worst_power_w() for u in self.units) + (max(lv.power_w for lv in self.fan.levels) if self.fan else 0.0)
            max_load_w = sum(load.max_power_w for load in self.model.loads) if self.model.scheduled else self.platform_load_w
            self._worst_draw_w = battery_draw_w(worst_w + max_load_w, self.dcdc_efficiency)

    def _replan_all(self, now: float) -> None:
        """Powers and bounds changed for every watch (an ambient or load step, a fan step, a regime): plan all anew."""
        self.refresh_powers()
        if self.net is not None:
            self._update_bounds()
        for watch in self.watches:
            watch.far_until_s = -math.inf
        self._all_far_until_s = -math.inf
        self.request_check(now)

    def request_check(self, now: float) -> None:
        """Plan every watch anew once this instant (the events' part: :class:`~edgesim.sim.platform.PlatformSim`)."""
        raise NotImplementedError

    def _update_bounds(self) -> None:
        """Node powers under every unit at its worst case and at zero (forcing and loads as now)."""
        self._p_hot = self._node_power(self._worst_unit_w)
        self._p_cold = self._node_power(np.zeros(len(self.units)))

    def _reach_s(self, node: int, target_c: float, horizon_s: float, direction: str) -> float:
        """Exact time for ``node`` to reach ``target_c`` under the current powers (inf: not within the horizon)."""
        if not math.isfinite(target_c):
            return math.inf
        if self._margin_k:
            target_c = target_c - self._margin_k if direction == "up" else target_c + self._margin_k
        assert self.system is not None
        return self.system.time_to_reach_s(self.temp_c, self._p_eff, node, target_c, horizon_s, direction)  # type: ignore[arg-type]

    def _bound_one(self, hot: tuple[ThermalNetwork, np.ndarray], cold: tuple[ThermalNetwork, np.ndarray], node: int,
                   target_c: float, direction: str, horizon_s: float) -> float:
        if not math.isfinite(target_c):
            return math.inf
        net, p = hot if direction == "up" else cold
        return net.time_to_reach_s(self.temp_c, p, node, target_c, horizon_s, direction)  # type: ignore[arg-type]

    def _bound_networks(self) -> tuple[tuple[ThermalNetwork, np.ndarray] | None, tuple[ThermalNetwork, np.ndarray] | None]:
        """Networks and node heat whose trajectories bound every possible one from above (hot) and below (cold).

        Plain network: itself under worst-case and zero unit powers. With a fan, the hot bound uses the slowest
        fan level (least cooling) and the cold bound the fastest; with clamped leakage, the hot bound folds every
        term in with reference L = min(T_ref, T_amb, now's lowest node) (b max(0, T - T_ref) <= b (T - L) while
        T >= L) and the cold bound has no leakage (leakage >= 0). Both need every node at or above ambient (fan,
        leakage) or a constant ambient (fan or leakage with an ambient profile): otherwise no bound (0).
        """
        assert self.net is not None
        if self.fan is None and self.leaky is None:
            return (self.net, self._p_hot), (self.net, self._p_cold)
        if self.ambient is not None or float(self.temp_c.min()) < self.net.ambient_c - 1e-9:
            return None, None
        hot_lv = self.fan.levels[0] if self.fan is not None else None
        cold_lv = self.fan.levels[-1] if self.fan is not None else None
        hot_base = hot_lv.network if hot_lv is not None else self.net
        cold_net = cold_lv.network if cold_lv is not None else self.net
        if self.leaky is None:
            return (hot_base, self._p_hot), (cold_net, self._p_cold)
        leaky = hot_lv.leakage_network if hot_lv is not None else self.leaky
        assert leaky is not None
        low_c = min(float(self.temp_c.min()), self.net.ambient_c)
        p = self._p_hot.copy()
        for term in leaky.leakage:
            ref = min(term.ref_temp_c, low_c)
            p[self.net.node_names.index(term.node)] += term.w_per_k * (self.net.ambient_c - ref)
        return (leaky.all_terms_network(), p), (cold_net, self._p_cold)

    # -- fast-forward (edgesim.sim.fastforward): plan and integrate under the measured mean powers ------------
    def quiet_s(self, horizon_s: float, margin_k: float, empty_margin_s: float,
                skip_empty: bool = False) -> tuple[float, str, int]:
        """Time from now during which no watch can fire under the powers now in force, with every temperature
        threshold brought ``margin_k`` nearer and the battery cut-off ``empty_margin_s`` earlier.

        ``skip_empty``: leave the battery out (a Li-ion pack's cut-off is an ODE solve; fast-forward bounds it once).

        Returns
        -------
        tuple
            ``(time_s, kind, node)``: the time (s, ``math.inf`` when nothing comes within ``horizon_s``), what
            limits it (a watch kind, '' for none) and its thermal node (-1 for none or the battery).
        """
        self._margin_k = margin_k
        first, what, node = math.inf, "", -1
        try:
            for watch in self.watches:
                if skip_empty and isinstance(watch, EmptyWatch):
                    continue
                planned = watch.plan(self, horizon_s)
                if planned is None:
                    continue
                t, kind = planned
                if kind == "empty":
                    t = t - empty_margin_s
                if t < first:
                    first, what = t, kind
                    node = watch.node(self)
        finally:
            self._margin_k = 0.0
        return max(first, 0.0), what, node

    def node_rate_k_per_s(self, node: int, dt_s: float) -> float:
        """Mean rate of change of ``node``'s temperature over the next ``dt_s`` under the powers now in force, K/s."""
        if self.system is None or node < 0:
            return 0.0
        region = self.system.region(self.temp_c, self._p_eff)
        if region is None:
            return 0.0
        net, p = region
        return float(net.step(self.temp_c, p, dt_s)[node] - self.temp_c[node]) / dt_s

    def _check_chatter(self, what: str, i: int, now: float) -> None:
        """End the run if this watch switches so fast that the run would need over CHATTER_MAX_PROJECTED switches."""
        times = self._switch_times.setdefault((what, i), deque(maxlen=CHATTER_SWITCHES))
        times.append(now)
        if len(times) < CHATTER_SWITCHES:
            return
        span_s = now - times[0]
        if span_s * CHATTER_MAX_PROJECTED > CHATTER_SWITCHES * self.end_s:
            return
        if what == "fan":
            field = "thermal.fan.hysteresis_c"
        else:
            # units are the scenario's compute units in order (then its links, which have no throttle)
            field = f"compute_units[{i}].{self.ladders[i].model.field}.hysteresis_c"
        who = "the fan" if what == "fan" else f"unit {self.units[i].name!r}"
        raise ChatteringError(field, f"{who} switched {CHATTER_SWITCHES} times in {span_s:.3g} s of simulated time (by "
                                     f"t = {now:.6g} s): the hysteresis band is crossed too fast to simulate (over "
                                     f"{CHATTER_MAX_PROJECTED:.0e} switches in the run); widen the hysteresis or slow "
                                     "the heating (more heat capacity, less power)")
