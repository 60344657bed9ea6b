"""The shared physical state of one device and its exact integration between events: node temperatures, leakage
energy, the fan's level, the ambient forcing, the platform loads and the battery, with the recording edges."""
from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import simpy

from ...model.records import PlatformModel, ThrottleStepsModel
from ...physics.battery import battery_draw_w
from ...physics.clamped_leakage import ClampedLeakageNetwork
from ...physics.thermal import ThermalNetwork, ThermalSystem
from ...physics.throttle import ThrottleLadder
from ..events import scheduler_of
from ..ports import UnitControl

__all__ = ["PlatformEdge", "PlatformState", "TripLadder"]


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


class TripLadder:
    """Runtime state of one unit's throttle (a single throttle is a one-step ladder)."""

    __slots__ = ("model", "ladder", "level")

    def __init__(self, model: ThrottleStepsModel):
        self.model = model
        self.ladder: ThrottleLadder = model.ladder
        self.level = 0

    def watch_c(self) -> tuple[float, float]:
        return self.ladder.watch_c(self.level)


class PlatformState:
    """Node temperatures, leakage, fan, ambient, platform loads and battery, integrated exactly from the last power
    change to now (:meth:`advance`); what happens at a temperature or a charge is
    :class:`~edgesim.sim.platform.watches.PlatformWatches`, the events :class:`~edgesim.sim.platform.PlatformSim`."""

    def __init__(self, env: simpy.Environment, model: PlatformModel, units: Sequence[UnitControl], end_s: float, interval_s: float,
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
        self.ladders: dict[int, TripLadder] = {}
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
                self.ladders[names[ladder.unit]] = TripLadder(ladder)
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
        self.ambient_next_s = math.inf  # end of the ambient step in force (its event's time)
        self._margin_k = 0.0  # fast-forward: thresholds are planned this much nearer (K); 0 on the exact path

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

    def close(self, end_s: float) -> None:
        self.advance(end_s)
        if self.battery is not None:
            self.settle_battery()
        while len(self.edges) < self.n_bins + 1:
            self.edges.append(self._edge())

    def leakage_now_w(self) -> float:
        """Leakage power drawn now by the units that are on, W (the thermal system's terms at the current temperatures)."""
        if not self.leak_term_unit:
            return 0.0
        assert self.system is not None
        power = self.system.leakage_power_w(self.temp_c)
        return float(sum(power[k] for k, i in enumerate(self.leak_term_unit) if not self.units[i].off))

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

    def _base_ambient_c(self) -> float:
        assert self.net is not None
        return self.net.ambient_c

    def _update_forcing(self) -> None:
        assert self.net is not None
        self._forcing_w = self.net.ambient_conductance_w_per_k * self._amb_dev_k + self.sun_share * self._sun_w

    def ambient_now_c(self) -> float:
        """Ambient temperature in force now (the current step's mean), degC."""
        return self._base_ambient_c() + self._amb_dev_k if self.net is not None else math.nan
