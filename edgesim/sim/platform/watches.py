"""What the platform watches, and when each can happen: a unit's trip ladder (every throttle, critical included), a
fan step, a leakage regime switch, the battery's cut-off. Each watch is planned exactly under the powers in force
(:meth:`PlatformWatches._plan`) and bounded under any powers (:meth:`PlatformWatches._bound`), so that a far one is
skipped until its bound."""
from __future__ import annotations

import math
from collections import deque

import numpy as np

from ...errors import EdgesimError
from ...physics.battery import battery_draw_w
from ...physics.thermal import ThermalNetwork
from .state import PlatformState

__all__ = ["CHATTER_MAX_PROJECTED", "CHATTER_SWITCHES", "NEAR_S", "ChatteringError", "PlatformWatches", "Watch"]

NEAR_S = 0.05  # a watch whose bound is nearer than this is planned exactly at every power change


class Watch:
    """One thing that can happen at an exact instant: a unit's throttle/release, a trip step, its critical trip,
    a fan step, a leakage regime switch, battery empty."""

    __slots__ = ("kind", "unit", "far_until_s")

    def __init__(self, kind: str, unit: int):
        self.kind = kind
        self.unit = unit  # -1: the battery, the fan or the leakage regime
        self.far_until_s = -math.inf


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
                    self.watches.append(Watch("trip", i))
            if self.fan is not None:
                self.watches.append(Watch("fan", -1))
            if self.leaky is not None:
                self.watches.append(Watch("regime", -1))
            self._worst_unit_w = np.array([u.worst_power_w() for u in self.units])
            self._update_bounds()
        self._leaky = bool(self.leak_term_unit)
        if self.battery is not None:
            self.watches.append(Watch("empty", -1))
            worst_w = sum(u.worst_power_w() for u in self.units) + (max(lv.power_w for lv in self.fan.levels) if self.fan else 0.0)
            max_load_w = sum(load.max_power_w for load in self.model.loads) if self.model.scheduled else self.platform_load_w
            self._worst_draw_w = battery_draw_w(worst_w + max_load_w, self.dcdc_efficiency)

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

    def _plan(self, watch: Watch, horizon_s: float) -> tuple[float, str] | None:
        """Exact time to this watch's next crossing at the current powers, and what happens then."""
        kind = watch.kind
        if kind == "empty":
            assert self.battery is not None
            draw_w = battery_draw_w(max(self._base_w + self.leakage_now_w(), 0.0), self.dcdc_efficiency)
            self.settle_battery()
            return self.battery.time_to_cutoff_s(self.battery_state, draw_w), "empty"
        if kind == "fan":
            assert self.fan is not None
            up_c, down_c = self.fan.curve.thresholds_c(self.fan_level)
            t_up = self._reach_s(self.fan_node, up_c, horizon_s, "up")
            t_down = self._reach_s(self.fan_node, down_c, horizon_s, "down")
            return (t_up, "fan_up") if t_up <= t_down else (t_down, "fan_down")
        if kind == "regime":
            assert self.system is not None
            return self.system.region_change_s(self.temp_c, self._p_eff, horizon_s, self._margin_k), "regime"
        unit = self.units[watch.unit]
        if unit.off:
            return None
        node = self.unit_node[watch.unit]
        up_c, down_c = self.ladders[watch.unit].watch_c()
        t_up = self._reach_s(node, up_c, horizon_s, "up")
        t_down = self._reach_s(node, down_c, horizon_s, "down")
        return (t_up, "trip_up") if t_up <= t_down else (t_down, "trip_down")

    def _bound(self, watch: Watch, kind: str, horizon_s: float, t_exact: float) -> float:
        """A time before which this watch cannot fire whatever the powers do (0 when none can be given).

        Exception (stated approximation): with temperature-dependent leakage the battery draw has no cheap
        rigorous bound, so the cut-off is re-planned at every power change, or (a model with a positive
        ``cutoff_replan_s``, the Li-ion pack's ``LIION_STEP_S``) at most that often and at half the remaining
        planned time (it converges on the instant; it could only be late if the leakage draw grew enough within
        that window to bring the cut-off forward by half the remaining time).
        """
        if kind == "empty":
            assert self.battery is not None
            if self._leaky:
                return min(self.battery.cutoff_replan_s, 0.5 * t_exact)
            return self.battery.time_to_cutoff_s(self.battery_state, self._worst_draw_w)
        if kind == "regime" or self._exp:
            return 0.0
        hot, cold = self._bound_networks()
        if hot is None or cold is None:
            return 0.0
        if kind in ("fan_up", "fan_down"):
            assert self.fan is not None
            up_c, down_c = self.fan.curve.thresholds_c(self.fan_level)
            node, target, direction = self.fan_node, (up_c if kind == "fan_up" else down_c), kind[4:]
        else:
            node = self.unit_node[watch.unit]
            up_c, down_c = self.ladders[watch.unit].watch_c()
            target, direction = (up_c, "up") if kind == "trip_up" else (down_c, "down")
        # both directions must stay far: the other threshold of a two-sided watch too
        t = self._bound_one(hot, cold, node, target, direction, horizon_s)
        other = down_c if direction == "up" else up_c
        return min(t, self._bound_one(hot, cold, node, other, "down" if direction == "up" else "up", horizon_s))

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
                if skip_empty and watch.kind == "empty":
                    continue
                planned = self._plan(watch, horizon_s)
                if planned is None:
                    continue
                t, kind = planned
                if kind == "empty":
                    t = t - empty_margin_s
                if t < first:
                    first, what = t, kind
                    node = self.fan_node if kind.startswith("fan") else (self.unit_node[watch.unit] if watch.unit >= 0 else -1)
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
