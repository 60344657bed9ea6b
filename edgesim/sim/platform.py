"""Heat, leakage and the battery as SimPy glue: told of every power change, integrated exactly between them.

Between two power changes every unit's electrical power is constant, so the node temperatures follow the
thermal network's closed form and the battery its model's. The physics lives in ``edgesim.physics``; this
module keeps the state, the recording bins and the crossing events:

* after the events of one instant that changed any power, one late check (priority after every normal
  event at that time) finds, under the new constant powers, the exact first time a watched junction reaches
  its throttle threshold, its release point (threshold - hysteresis) or its critical temperature, and when
  the battery reaches its cut-off; it schedules that instant as an event. A later power change makes a new
  check and voids the old events (a token), so every crossing is found at its exact time, never by polling.
* temperature-dependent leakage is linear, P_leak = b (T - T_ref): it folds into the network's conductance
  matrix (G - diag(b)), keeping the system linear and its solution exact; its energy is b (mean T - T_ref) dt
  with the exact interval mean of T.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import simpy
from simpy.core import NORMAL, StopSimulation

from ..model.records import PlatformModel
from ..physics.battery import battery_draw_w
from ..physics.thermal import ThermalNetwork
from .events import Wake, scheduler_of
from .unit import UnitSim

__all__ = ["LATE", "PlatformEdge", "PlatformSim", "Watch"]

LATE = NORMAL + 1  # after every normal event of the same instant
NEAR_S = 0.05  # a watch whose bound is nearer than this is planned exactly at every power change


class Watch:
    """One thing that can happen at an exact instant: a unit's throttle/release, its critical trip, battery empty."""

    __slots__ = ("kind", "unit", "far_until_s")

    def __init__(self, kind: str, unit: int):
        self.kind = kind
        self.unit = unit  # -1: the battery
        self.far_until_s = -math.inf


class PlatformEdge(NamedTuple):
    """Running totals of the platform noted at a recording-interval edge."""

    battery_energy_j: float
    soc: float
    leak_energy_j: tuple[float, ...]  # per unit
    temp_area: tuple[float, ...]  # integral of T dt per node (K s)


class PlatformSim:
    """The shared physical state of one device: node temperatures, leakage, platform loads and battery."""

    def __init__(self, env: simpy.Environment, model: PlatformModel, units: list[UnitSim], end_s: float, interval_s: float,
                 n_bins: int):
        self.env = env
        self.schedule = scheduler_of(env)
        self.model = model
        self.units = units
        self.end_s = end_s
        self.platform_load_w = model.platform_load_w
        self.last_t = 0.0
        self.token = 0
        self._check_at = -1.0
        self._all_far_until_s = -math.inf
        self.peak_w = 0.0
        self.state_trace: list[tuple[float, ...]] | None = None  # with tracing: (time, device power, soc, node temps...) per change
        self.battery_empty_s: float | None = None
        # thermal network
        self.net: ThermalNetwork | None = model.network
        if self.net is not None:
            index = {n: i for i, n in enumerate(self.net.node_names)}
            self.unit_node = [index[u.unit_model.thermal_node] if u.unit_model.thermal_node else -1 for u in units]
            self.load_heat_w = np.zeros(len(index))
            for load in model.loads:
                if load.thermal_node:
                    self.load_heat_w[index[load.thermal_node]] += load.power_w
            assert model.initial_temp_c is not None
            self.temp_c = np.full(len(index), float(model.initial_temp_c))
            self.max_temp_c = self.temp_c.copy()
            self.temp_area = np.zeros(len(index))  # integral of T dt per node (for interval means)
            # constant part of the linear leakage, b (T_amb - T_ref), per unit
            self.leak_b = np.array([u.unit_model.leakage_w_per_k for u in units])
            self.leak_ref_c = np.array([u.unit_model.leakage_ref_temp_c for u in units])
        self.leak_energy_j = np.zeros(len(units))
        # battery
        self.dcdc_efficiency = model.dcdc_efficiency
        self.battery = model.battery
        self.battery_state = model.battery_initial_state
        self.battery_energy_j = 0.0  # drawn at the battery terminals
        self.load_energy_j = 0.0  # delivered to loads (units + platform loads), for conservation checks
        self._draw_w = 0.0
        self._p_eff = np.zeros(len(self.net.node_names) if self.net is not None else 0)  # heat input per node (W)
        # recording bins (noted at edges, like the units)
        self.interval_s = interval_s
        self.n_bins = n_bins
        self._bin_end_s = interval_s
        self.edges: list[PlatformEdge] = [self._edge()]
        self.snapshot = self._edge()
        for u in units:
            u.platform = self
        self._refresh_powers()
        # what to watch, and the worst-case powers that bound how soon any of it can happen
        self.watches: list[Watch] = []
        if self.net is not None:
            for i, u in enumerate(units):
                if u.throttle is not None:
                    self.watches.append(Watch("critical", i))
                    if u.can_throttle():
                        self.watches.append(Watch("throttle", i))
            worst = np.array([u.worst_power_w() for u in units])
            self._p_hot = self._node_power(worst)
            self._p_cold = self._node_power(np.zeros(len(units)))
        self._leaky = bool(self.net is not None and self.leak_b.any())
        if self.battery is not None:
            self.watches.append(Watch("empty", -1))
            worst_w = sum(u.worst_power_w() for u in units)
            self._worst_draw_w = battery_draw_w(worst_w + self.platform_load_w, self.dcdc_efficiency)

    # -- state ----------------------------------------------------------------------------------
    def _edge(self) -> PlatformEdge:
        temp_area = tuple(float(x) for x in self.temp_area) if self.net is not None else ()
        soc = self.battery.soc(self.battery_state) if self.battery is not None else math.nan
        return PlatformEdge(self.battery_energy_j, soc, tuple(float(x) for x in self.leak_energy_j), temp_area)

    def _node_power(self, unit_power_w: np.ndarray) -> np.ndarray:
        """Heat input per node (the constant part of the linear leakage included) for given unit powers."""
        net = self.net
        assert net is not None
        p = self.load_heat_w.copy()
        for i, node in enumerate(self.unit_node):
            if node >= 0:
                p[node] += unit_power_w[i] + (self.leak_b[i] * (net.ambient_c - self.leak_ref_c[i]) if self.leak_b[i] else 0.0)
        return p

    def _refresh_powers(self) -> None:
        """Node heat input and the load seen by the battery, under the units' current powers."""
        if self.net is not None:
            self._p_eff = self._node_power(np.array([u.power_w for u in self.units]))
        self._base_w = sum(u.power_w for u in self.units) + self.platform_load_w
        if self._base_w > self.peak_w:
            self.peak_w = self._base_w  # instantaneous device peak (leakage aside)

    def advance(self, now: float) -> None:
        """Integrate temperatures, leakage energy and battery from the last change to ``now`` (exact)."""
        t = self.last_t
        if now <= t:
            return
        while now > self._bin_end_s:
            self._advance_to(self._bin_end_s)
            self.edges.append(self._edge())
            self._bin_end_s += self.interval_s
        self._advance_to(now)

    def _advance_to(self, now: float) -> None:
        dt = now - self.last_t
        if dt <= 0:
            return
        load_w = self._base_w
        if self.net is not None:
            mean_c = self.net.mean_temp_c(self.temp_c, self._p_eff, dt)
            self.temp_c = self.net.step(self.temp_c, self._p_eff, dt)
            np.maximum(self.max_temp_c, self.temp_c, out=self.max_temp_c)
            self.temp_area += mean_c * dt
            if self.leak_b.any():
                for i, node in enumerate(self.unit_node):
                    if node >= 0 and self.leak_b[i] and not self.units[i].off:
                        leak_j = self.leak_b[i] * (mean_c[node] - self.leak_ref_c[i]) * dt
                        self.leak_energy_j[i] += leak_j
                        load_w += leak_j / dt
        self.load_energy_j += load_w * dt
        if self.battery is not None:
            draw_w = battery_draw_w(max(load_w, 0.0), self.dcdc_efficiency)
            self.battery_state = self.battery.step(self.battery_state, draw_w, dt)
            self.battery_energy_j += draw_w * dt
            self._draw_w = draw_w
        self.last_t = now

    def take_snapshot(self) -> None:
        self.advance(self.env.now)
        self.snapshot = self._edge()

    def close(self, end_s: float) -> None:
        self.advance(end_s)
        while len(self.edges) < self.n_bins + 1:
            self.edges.append(self._edge())

    # -- events ---------------------------------------------------------------------------------
    def power_changed(self, now: float) -> None:
        """A unit's power changed at ``now`` (integrals already advanced): re-plan crossings once this instant."""
        self._refresh_powers()
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
        principle); a battery drains no faster than at the worst-case draw.
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
            planned = self._plan(watch, horizon_s)
            if planned is None:
                continue
            t_exact, kind = planned
            if t_exact > NEAR_S:
                t_bound = self._bound(watch, kind, horizon_s)
                if t_bound > NEAR_S:  # far: nothing can happen before the bound; look again then
                    watch.far_until_s = now + t_bound
                    if t_bound <= horizon_s:
                        self.schedule(Wake(self._far_wake), NORMAL, t_bound)
                    continue
            if t_exact <= horizon_s:
                self.schedule(Wake(self._on_crossing, (token, kind, watch.unit)), NORMAL, t_exact)
        self._all_far_until_s = min((w.far_until_s for w in self.watches), default=math.inf)

    def _far_wake(self, _event: Wake) -> None:
        self._all_far_until_s = -math.inf
        self.request_check(self.env._now)

    def _plan(self, watch: Watch, horizon_s: float) -> tuple[float, str] | None:
        """Exact time to this watch's next crossing at the current powers, and what happens then."""
        if watch.unit < 0:
            assert self.battery is not None
            draw_w = battery_draw_w(max(self._base_w + self._leak_now_w(), 0.0), self.dcdc_efficiency)
            return self.battery.time_to_cutoff_s(self.battery_state, draw_w), "empty"
        unit = self.units[watch.unit]
        if unit.off:
            return None
        node = self.unit_node[watch.unit]
        throttle = unit.throttle
        assert throttle is not None and self.net is not None
        if watch.kind == "critical":
            return self.net.time_to_reach_s(self.temp_c, self._p_eff, node, throttle.critical_c, horizon_s, "up"), "critical"
        if unit.throttled:
            return self.net.time_to_reach_s(self.temp_c, self._p_eff, node, throttle.threshold_c - throttle.hysteresis_c, horizon_s, "down"), "release"
        return self.net.time_to_reach_s(self.temp_c, self._p_eff, node, throttle.threshold_c, horizon_s, "up"), "throttle"

    def _bound(self, watch: Watch, kind: str, horizon_s: float) -> float:
        """A time before which this watch cannot fire whatever the powers do (0 when none can be given)."""
        if watch.unit < 0:
            if self._leaky:
                return 0.0
            assert self.battery is not None
            return self.battery.time_to_cutoff_s(self.battery_state, self._worst_draw_w)
        unit = self.units[watch.unit]
        node = self.unit_node[watch.unit]
        throttle = unit.throttle
        assert throttle is not None and self.net is not None
        if kind == "critical":
            return self.net.time_to_reach_s(self.temp_c, self._p_hot, node, throttle.critical_c, horizon_s, "up")
        if kind == "release":
            return self.net.time_to_reach_s(self.temp_c, self._p_cold, node, throttle.threshold_c - throttle.hysteresis_c, horizon_s, "down")
        return self.net.time_to_reach_s(self.temp_c, self._p_hot, node, throttle.threshold_c, horizon_s, "up")

    def _leak_now_w(self) -> float:
        if self.net is None or not self.leak_b.any():
            return 0.0
        return float(sum(self.leak_b[i] * (self.temp_c[n] - self.leak_ref_c[i]) for i, n in enumerate(self.unit_node) if n >= 0 and not self.units[i].off))

    def _on_crossing(self, event: Wake) -> None:
        token, kind, i = event.value
        if token != self.token:
            return  # powers changed since this was planned: a newer check replaced it
        now = self.env._now
        self.advance(now)
        if kind == "empty":
            self.battery_empty_s = now
            raise StopSimulation(now)
        unit = self.units[i]
        unit.advance(now)
        if kind == "critical":
            unit.shut_down(now)
        else:
            unit.set_throttled(kind == "throttle", now)
        for watch in self.watches:  # the direction of this unit's throttle watch changed: plan it anew
            if watch.unit == i:
                watch.far_until_s = -math.inf
        self._all_far_until_s = -math.inf
        self._refresh_powers()
        self.request_check(now)
