"""Heat, leakage, fans, ambient and the battery as SimPy glue: told of every power change, integrated exactly between them.

Between two power changes every unit's electrical power is constant, so the node temperatures follow the
thermal network's closed form and the battery its model's. The physics lives in ``edgesim.physics``; this
module keeps the state, the recording bins and the crossing events:

* after the events of one instant that changed any power, one late check (priority after every normal
  event at that time) finds, under the new constant powers, the exact first time a watched junction reaches
  its throttle threshold, its release point (threshold - hysteresis), a trip of a multi-step throttle, its
  critical temperature, a fan step, a leakage term's reference temperature, and when the battery reaches its
  cut-off; it schedules that instant as an event. A later power change makes a new check and voids the old
  events (a token), so every crossing is found at its exact time, never by polling.
* linear leakage is clamped, P_leak = b max(0, T - T_ref) (``physics.thermal.ClampedLeakageNetwork``): in each
  region (fixed set of terms above T_ref) it folds into the conductance matrix and stays exact; the instant a
  term crosses its T_ref is itself a watched crossing. Exponential leakage on a one-node network
  (``physics.leakage.ExpLeakageNode``) is integrated with a rigorous error bound (1e-6 K) per interval.
* a fan's level sets the network in force (its duty sets the heatsink-to-ambient resistance); its power is
  drawn from the supply (``fan_energy_j``).
* a time-varying ambient and sun heat enter as node heat held at its exact mean over fixed steps
  (``edgesim.sim.ambient``); each step is an event.
* the battery is any ``physics.battery.BatteryModel``; a Li-ion pack (``physics.battery.LiIonSupply``) buffers
  its steps itself and is integrated at the mean load power of each span of at most ``LIION_STEP_S``.
"""
from __future__ import annotations

import math
from collections import deque
from typing import Any, NamedTuple

import numpy as np
import simpy
from simpy.core import NORMAL, StopSimulation

from ..errors import EdgesimError
from ..model.records import PlatformModel, ThrottleStepsModel
from ..physics.battery import battery_draw_w
from ..physics.thermal import ClampedLeakageNetwork, ThermalNetwork, ThermalSystem
from ..physics.throttle import ThrottleLadder
from .ambient import step_means
from .events import Wake, scheduler_of
from .unit import UnitSim

__all__ = ["LATE", "PlatformEdge", "PlatformSim", "Watch"]

LATE = NORMAL + 1  # after every normal event of the same instant
NEAR_S = 0.05  # a watch whose bound is nearer than this is planned exactly at every power change


class Watch:
    """One thing that can happen at an exact instant: a unit's throttle/release, a trip step, its critical trip,
    a fan step, a leakage regime switch, battery empty."""

    __slots__ = ("kind", "unit", "far_until_s")

    def __init__(self, kind: str, unit: int):
        self.kind = kind
        self.unit = unit  # -1: the battery, the fan or the leakage regime
        self.far_until_s = -math.inf


class PlatformEdge(NamedTuple):
    """Running totals of the platform noted at a recording-interval edge."""

    battery_energy_j: float
    soc: float
    leak_energy_j: tuple[float, ...]  # per unit
    temp_area: tuple[float, ...]  # integral of T dt per node (K s)
    fan_energy_j: float = 0.0
    fan_level_area: float = 0.0  # integral of the fan duty (s)
    terminal_voltage_v: float = math.nan
    platform_load_energy_j: float = 0.0  # drawn by the platform loads since t = 0 (they may follow a schedule)


class _Ladder:
    """Runtime state of one unit's throttle (a single throttle is a one-step ladder)."""

    __slots__ = ("model", "ladder", "level")

    def __init__(self, model: ThrottleStepsModel):
        self.model = model
        self.ladder: ThrottleLadder = model.ladder
        self.level = 0

    def watch_c(self) -> tuple[float, float]:
        return self.ladder.watch_c(self.level)


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


class PlatformSim:
    """The shared physical state of one device: node temperatures, leakage, fan, ambient, platform loads and battery."""

    def __init__(self, env: simpy.Environment, model: PlatformModel, units: list[UnitSim], end_s: float, interval_s: float,
                 n_bins: int):
        self.env = env
        self.schedule = scheduler_of(env)
        self.model = model
        self.units = units
        self.end_s = end_s
        self.platform_load_w = sum(load.power_at_w(0.0) for load in model.loads)  # loads on a schedule: at t = 0
        self.platform_load_energy_j = 0.0  # drawn by the platform loads since t = 0
        self._load_energy_snapshot_j = 0.0
        self.schedule_next_s = math.inf  # next step of a load's schedule
        self.last_t = 0.0
        self.token = 0
        self._check_at = -1.0
        self._all_far_until_s = -math.inf
        self.peak_w = 0.0
        self.state_trace: list[tuple[float, ...]] | None = None  # with tracing: (time, device power, soc, node temps...) per change
        self.battery_empty_s: float | None = None
        self.level_events: list[tuple[float, str, int]] = []  # (time, unit name or fan name, new level): few
        self._switch_times: dict[tuple[str, int], deque[float]] = {}  # the last CHATTER_SWITCHES switches per watch
        # thermal network (the fan's level picks the one in force)
        self.fan = model.fan
        self.fan_level = 0
        self.fan_energy_j = 0.0
        self.fan_duty_area = 0.0
        self.fan_power_w = 0.0
        self.net: ThermalNetwork | None = model.network  # without leakage: node names, ambient, its conductances
        self.leaky: ClampedLeakageNetwork | None = model.leakage_network
        self.system: ThermalSystem | None = model.thermal  # what is integrated
        if self.fan is not None:
            self._set_fan_level(0)
        self._exp = bool(model.exp_leakage)  # exponential leakage: no worst-case bound, no linear region
        self.ambient = model.ambient
        self._amb_dev_k = 0.0
        self._sun_w = 0.0
        self.ladders: dict[int, _Ladder] = {}
        self.leak_term_unit = model.leakage_term_unit  # the unit of each leakage term of the thermal system
        if self.net is not None:
            index = {n: i for i, n in enumerate(self.net.node_names)}
            self.unit_node = [index[u.unit_model.thermal_node] if u.unit_model.thermal_node else -1 for u in units]
            self.load_heat_w = np.zeros(len(index))
            self._node_index = index
            for load in model.loads:
                if load.thermal_node:
                    self.load_heat_w[index[load.thermal_node]] += load.power_at_w(0.0)
            self.sun_share = np.zeros(len(index))
            if self.ambient is not None:
                for node, share in self.ambient.sun_share.items():
                    self.sun_share[index[node]] = share
            assert model.initial_temp_c is not None
            self.temp_c = np.full(len(index), float(model.initial_temp_c))
            self.max_temp_c = self.temp_c.copy()
            self.temp_area = np.zeros(len(index))  # integral of T dt per node (for interval means)
            names = {u.name: i for i, u in enumerate(units)}
            for ladder in model.throttle_steps:
                self.ladders[names[ladder.unit]] = _Ladder(ladder)
            self.fan_node = index[self.fan.watch_node] if self.fan is not None else -1
        self.leak_energy_j = np.zeros(len(units))
        self._forcing_w = np.zeros(len(self.net.node_names) if self.net is not None else 0)
        # battery
        self.dcdc_efficiency = model.dcdc_efficiency
        self.battery: Any = model.battery  # a physics.battery.BatteryModel
        self.battery_state = model.battery_initial_state
        self.battery_energy_j = 0.0  # drawn at the battery terminals
        self.load_energy_j = 0.0  # delivered to loads (units + platform loads + fan), for conservation checks
        self._draw_w = 0.0
        self._p_eff = np.zeros(len(self.net.node_names) if self.net is not None else 0)  # heat input per node (W)
        # recording bins (noted at edges, like the units)
        self.interval_s = interval_s
        self.n_bins = n_bins
        self._bin_end_s = interval_s
        if self.net is None:
            self.temp_area = np.zeros(0)
        self.edges: list[PlatformEdge] = [self._edge()]
        self.snapshot = self._edge()
        for u in units:
            u.platform = self
        self.ambient_next_s = math.inf  # end of the ambient step in force (its event's time)
        self._margin_k = 0.0  # fast-forward: thresholds are planned this much nearer (K); 0 on the exact path
        if self.ambient is not None:
            self._ambient_step(0.0)
        if model.scheduled:
            self.schedule_next_s = min(load.schedule.next_change_s(0.0) for load in model.loads if load.schedule is not None)
            if self.schedule_next_s < end_s:
                self.schedule(Wake(self._on_schedule_step), NORMAL, self.schedule_next_s)
        self.refresh_powers()
        # what to watch, and the worst-case powers that bound how soon any of it can happen
        self.watches: list[Watch] = []
        if self.net is not None:
            for i in range(len(units)):
                if i in self.ladders:
                    self.watches.append(Watch("trip", i))
            if self.fan is not None:
                self.watches.append(Watch("fan", -1))
            if self.leaky is not None:
                self.watches.append(Watch("regime", -1))
            self._worst_unit_w = np.array([u.worst_power_w() for u in units])
            self._update_bounds()
        self._leaky = bool(self.leak_term_unit)
        if self.battery is not None:
            self.watches.append(Watch("empty", -1))
            worst_w = sum(u.worst_power_w() for u in units) + (max(lv.power_w for lv in self.fan.levels) if self.fan else 0.0)
            max_load_w = sum(load.max_power_w for load in model.loads) if model.scheduled else self.platform_load_w
            self._worst_draw_w = battery_draw_w(worst_w + max_load_w, self.dcdc_efficiency)

    # -- state ----------------------------------------------------------------------------------
    def _edge(self) -> PlatformEdge:
        temp_area = tuple(float(x) for x in self.temp_area) if self.net is not None else ()
        voltage = math.nan
        if self.battery is not None:
            self.settle_battery()
            voltage = self.battery.terminal_voltage_v(self.battery_state, self._draw_w)
            soc = self.battery.soc(self.battery_state)
        else:
            soc = math.nan
        return PlatformEdge(self.battery_energy_j, soc, tuple(float(x) for x in self.leak_energy_j), temp_area,
                            self.fan_energy_j, self.fan_duty_area, voltage, self.platform_load_energy_j)

    def summary(self, elapsed_s: float) -> dict[str, Any]:
        """Platform figures for the result's ``system`` section: fan energy, mean power and final duty (with a fan),
        the ambient in force at the end (with an ambient profile)."""
        out: dict[str, Any] = {}
        if self.fan is not None:
            out["fan_energy_j"] = self.fan_energy_j
            out["fan_avg_power_w"] = self.fan_energy_j / elapsed_s if elapsed_s > 0 else 0.0
            out["fan_final_duty"] = self.fan.levels[self.fan_level].duty
        if self.ambient is not None:
            out["final_ambient_c"] = self.ambient_now_c()
        return out

    def terminal_voltage_v(self) -> float:
        """The battery's terminal voltage now under the current draw, V (nan when its model has none)."""
        if self.battery is None:
            return math.nan
        self.settle_battery()
        return float(self.battery.terminal_voltage_v(self.battery_state, self._draw_w))

    def battery_report(self) -> dict[str, Any]:
        """The battery model's own figures for the summary (e.g. a Li-ion pack's voltage, heat and cells)."""
        if self.battery is None:
            return {}
        self.settle_battery()
        return dict(self.battery.report(self.battery_state, self._draw_w))

    def settle_battery(self) -> None:
        """Integrate whatever the battery model has buffered (a Li-ion pack's pending span)."""
        self.battery_state = self.battery.settle(self.battery_state)

    def _set_fan_level(self, level: int) -> None:
        assert self.fan is not None
        lv = self.fan.levels[level]
        self.fan_level = level
        self.net = lv.network
        self.leaky = lv.leakage_network
        self.system = lv.system
        self.fan_power_w = lv.power_w

    def _node_power(self, unit_power_w: np.ndarray) -> np.ndarray:
        """Heat input per node (loads, ambient and sun forcing included, leakage not) for given unit powers."""
        p = self.load_heat_w + self._forcing_w
        for i, node in enumerate(self.unit_node):
            if node >= 0:
                p[node] += unit_power_w[i]
        return p

    def refresh_powers(self) -> None:
        """Node heat input and the load seen by the battery, under the units' current powers (public: the
        fast-forward sets the units' mean powers and calls this)."""
        if self.net is not None:
            self._p_eff = self._node_power(np.array([u.power_w for u in self.units]))
        self._base_w = sum(u.power_w for u in self.units) + self.platform_load_w + self.fan_power_w
        if self._base_w > self.peak_w:
            self.peak_w = self._base_w  # instantaneous device peak (leakage aside)

    def _update_bounds(self) -> None:
        """Node powers under every unit at its worst case and at zero (forcing and loads as now)."""
        self._p_hot = self._node_power(self._worst_unit_w)
        self._p_cold = self._node_power(np.zeros(len(self.units)))

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
        if self.system is not None:
            step = self.system.advance(self.temp_c, self._p_eff, dt)
            self.temp_c = step.temp_c
            for k, i in enumerate(self.leak_term_unit):  # an off unit's leakage heats its node but is not charged to it
                if not self.units[i].off:
                    leak_j = float(step.leakage_energy_j[k])
                    self.leak_energy_j[i] += leak_j
                    load_w += leak_j / dt
            np.maximum(self.max_temp_c, self.temp_c, out=self.max_temp_c)
            self.temp_area += step.mean_temp_c * dt
        if self.fan is not None:
            self.fan_energy_j += self.fan_power_w * dt
            self.fan_duty_area += self.fan.levels[self.fan_level].duty * dt
        self.load_energy_j += load_w * dt
        self.platform_load_energy_j += self.platform_load_w * dt
        if self.battery is not None:
            draw_w = battery_draw_w(max(load_w, 0.0), self.dcdc_efficiency)
            self.battery_state = self.battery.step(self.battery_state, draw_w, dt)
            self.battery_energy_j += draw_w * dt
            self._draw_w = draw_w
        self.last_t = now

    def take_snapshot(self) -> None:
        self.advance(self.env.now)
        self.snapshot = self._edge()
        self._load_energy_snapshot_j = self.platform_load_energy_j

    def platform_load_energy_window_j(self) -> float:
        """Energy drawn by the platform loads in the statistics window, J."""
        return self.platform_load_energy_j - self._load_energy_snapshot_j

    # -- load schedules ----------------------------------------------------------------------------
    def _set_loads(self, now: float) -> None:
        """The platform loads' draw and node heat under their schedules at ``now`` (integrals already there)."""
        self.platform_load_w = sum(load.power_at_w(now) for load in self.model.loads)
        if self.net is not None:
            self.load_heat_w = np.zeros(len(self.net.node_names))
            for load in self.model.loads:
                if load.thermal_node:
                    self.load_heat_w[self._node_index[load.thermal_node]] += load.power_at_w(now)
        nxt = min(load.schedule.next_change_s(now) for load in self.model.loads if load.schedule is not None)
        self.schedule_next_s = nxt if nxt > now else math.inf

    def _on_schedule_step(self, _event: Wake) -> None:
        now = self.env._now
        self.advance(now)
        self._set_loads(now)
        if self.schedule_next_s < self.end_s:
            self.schedule(Wake(self._on_schedule_step), NORMAL, self.schedule_next_s - now)
        self._replan_all(now)

    def close(self, end_s: float) -> None:
        self.advance(end_s)
        if self.battery is not None:
            self.settle_battery()
        while len(self.edges) < self.n_bins + 1:
            self.edges.append(self._edge())

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

    def _base_ambient_c(self) -> float:
        assert self.net is not None
        return self.net.ambient_c

    def _update_forcing(self) -> None:
        assert self.net is not None
        self._forcing_w = self.net.ambient_conductance_w_per_k * self._amb_dev_k + self.sun_share * self._sun_w

    def ambient_now_c(self) -> float:
        """Ambient temperature in force now (the current step's mean), degC."""
        return self._base_ambient_c() + self._amb_dev_k if self.net is not None else math.nan

    def _on_ambient_step(self, _event: Wake) -> None:
        now = self.env._now
        self.advance(now)
        self._ambient_step(now)
        self._replan_all(now)

    def _replan_all(self, now: float) -> None:
        self.refresh_powers()
        if self.net is not None:
            self._update_bounds()
        for watch in self.watches:
            watch.far_until_s = -math.inf
        self._all_far_until_s = -math.inf
        self.request_check(now)

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
        principle; with clamped leakage, a fan or an ambient profile see :meth:`_bound`); a battery drains no
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
            planned = self._plan(watch, horizon_s)
            if planned is None:
                continue
            t_exact, kind = planned
            if t_exact > NEAR_S:
                t_bound = self._bound(watch, kind, horizon_s, t_exact)
                if t_bound > NEAR_S:  # far: nothing can happen before the bound; look again then
                    watch.far_until_s = now + t_bound
                    if t_bound <= horizon_s:
                        self.schedule(Wake(self._far_wake), NORMAL, t_bound)
                    continue
            if t_exact <= horizon_s:
                self.schedule(Wake(self._on_crossing, (token, kind, watch.unit)), NORMAL, t_exact)
        self._all_far_until_s = min((w.far_until_s for w in self.watches), default=math.inf)

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

    def leakage_now_w(self) -> float:
        """Leakage power drawn now by the units that are on, W (the thermal system's terms at the current temperatures)."""
        if not self.leak_term_unit:
            return 0.0
        assert self.system is not None
        power = self.system.leakage_power_w(self.temp_c)
        return float(sum(power[k] for k, i in enumerate(self.leak_term_unit) if not self.units[i].off))

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

    def _on_crossing(self, event: Wake) -> None:
        token, kind, i = event.value
        if token != self.token:
            return  # powers changed since this was planned: a newer check replaced it
        now = self.env._now
        self.advance(now)
        if kind == "empty":
            self.settle_battery()
            self.battery_empty_s = now
            raise StopSimulation(now)
        if kind in ("fan_up", "fan_down"):
            assert self.fan is not None
            self._check_chatter("fan", -1, now)
            up_c, down_c = self.fan.curve.thresholds_c(self.fan_level)
            level = self.fan.curve.level_for(self.fan_level, up_c if kind == "fan_up" else down_c)
            self._set_fan_level(level)
            self.level_events.append((now, self.fan.name, level))
            self._update_forcing()
            self._replan_all(now)
            return
        if kind == "regime":
            self._replan_all(now)
            return
        self._check_chatter("unit", i, now)
        unit = self.units[i]
        unit.advance(now)
        ladder = self.ladders[i]
        up_c, down_c = ladder.watch_c()
        step = ladder.ladder.next_level(ladder.level, up_c if kind == "trip_up" else down_c)
        if step is None:  # the critical trip
            unit.shut_down(now)
        else:
            ladder.level = step
            state = ladder.model.steps[step - 1].state if step > 0 else None
            unit.set_throttle_state(step > 0, state, now)
            self.level_events.append((now, unit.name, step))
        for watch in self.watches:  # the direction of this unit's throttle watch changed: plan it anew
            if watch.unit == i:
                watch.far_until_s = -math.inf
        self._all_far_until_s = -math.inf
        self.refresh_powers()
        self.request_check(now)
