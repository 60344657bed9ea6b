"""Compiling the device's platform: thermal network (clamped leakage, fan levels, ambient profile), battery
(ideal, Peukert, KiBaM, Li-ion pack), multi-step throttles and platform loads, from the spec to physics objects."""
from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from ..catalog.cells import load_cell
from ..errors import ScenarioError
from ..physics.ambient import DailySineAmbient, PiecewiseLinearAmbient, SolarLoad
from ..physics.battery import BATTERY_MODELS, BatteryModel, IdealBattery, KiBaMBattery, LiIonSupply, PeukertBattery
from ..physics.clamped_leakage import ClampedLeakageNetwork, LinearLeakage
from ..physics.fan import FanCooling, FanCurve, raspberry_pi5_fan_curve
from ..physics.leakage import ExpLeakageNode, ExpLeakageSystem
from ..physics.liion import LiIonPack
from ..physics.thermal import ThermalNetwork, ThermalSystem
from ..spec.schema import BatterySpec, ScenarioSpec, ScheduleSpec, ThermalSpec
from .records import (
    AmbientModel,
    CameraModel,
    ExpLeakageModel,
    FanLevelModel,
    FanModel,
    LoadScheduleModel,
    PlatformLoadModel,
    PlatformModel,
    ThrottleStepsModel,
    TripStepModel,
    UnitModel,
)

__all__ = ["CAMERA_LOAD_PREFIX", "LIION_ENERGY_TOLERANCE", "battery_model", "camera_loads", "load_schedule", "platform_model",
           "thermal_links"]

LIION_ENERGY_TOLERANCE = 0.03  # stated capacity_wh vs the pack's open-circuit energy, relative


def thermal_links(spec: ThermalSpec) -> tuple[dict[tuple[str, str], float], dict[str, float]]:
    """Node-to-node resistances and each node's resistance to ambient (parallel links combined), K/W."""
    pairs: dict[tuple[str, str], float] = {}
    to_ambient: dict[str, float] = {}
    for link in spec.links:
        a, b = link.between
        if a == "ambient" or b == "ambient":
            node = b if a == "ambient" else a
            r = link.resistance_k_per_w
            to_ambient[node] = 1.0 / (1.0 / to_ambient[node] + 1.0 / r) if node in to_ambient else r
        else:
            pairs[(a, b)] = link.resistance_k_per_w
    return pairs, to_ambient


def battery_model(spec: BatterySpec) -> IdealBattery | PeukertBattery | KiBaMBattery | LiIonPack:
    """The battery model named by the spec (a Li-ion pack takes its DC-DC efficiency from the simulator: 1 here)."""
    if spec.model == "liion":  # its cell comes from the battery catalog
        assert spec.cell is not None
        return LiIonPack(load_cell(spec.cell), spec.series, spec.parallel, 1.0, spec.cell_temp_c)
    battery: IdealBattery | PeukertBattery | KiBaMBattery = BATTERY_MODELS[spec.model](spec.model_dump())
    return battery


def _liion(spec: ScenarioSpec) -> LiIonPack:
    battery = spec.battery
    assert battery is not None and battery.model == "liion"
    try:
        pack = battery_model(battery)
    except KeyError as exc:
        raise ScenarioError(spec.source, "battery.cell", str(exc.args[0])) from None
    except ValueError as exc:
        raise ScenarioError(spec.source, "battery", str(exc)) from None
    assert isinstance(pack, LiIonPack)
    energy_wh = pack.energy_wh()
    if abs(battery.capacity_wh - energy_wh) > LIION_ENERGY_TOLERANCE * energy_wh:
        cell_wh = pack.cell_energy_wh()
        fits = max(1, round(battery.capacity_wh / cell_wh))  # the whole number of cells nearest to capacity_wh
        if abs(battery.capacity_wh - fits * cell_wh) <= LIION_ENERGY_TOLERANCE * fits * cell_wh:
            hint = f"series x parallel = {fits} cells hold {fits * cell_wh:.4g} Wh"
        else:
            hint = f"no whole number of cells holds {battery.capacity_wh} Wh within {LIION_ENERGY_TOLERANCE:.0%}"
        raise ScenarioError(spec.source, "battery.capacity_wh",
                            f"{battery.capacity_wh} Wh does not match the pack: {pack.configuration} of "
                            f"{battery.cell} holds {energy_wh:.4g} Wh between full and empty at open circuit "
                            f"({cell_wh:.4g} Wh a cell; {hint})")
    return pack


def _fan(spec: ScenarioSpec, names: Sequence[str], caps: Sequence[float], pairs: dict[tuple[str, str], float],
         to_ambient: dict[str, float], leakage: Sequence[LinearLeakage]) -> FanModel:
    thermal = spec.thermal
    assert thermal is not None and thermal.fan is not None
    fan = thermal.fan
    for key in ("node", "watch_node"):
        if getattr(fan, key) not in names:
            raise ScenarioError(spec.source, f"thermal.fan.{key}", f"no thermal node named {getattr(fan, key)!r}")
    if fan.node not in to_ambient:
        raise ScenarioError(spec.source, "thermal.fan.node",
                            f"node {fan.node!r} has no link to ambient: the fan adds forced convection to that (passive) link")
    try:
        cooling = FanCooling(to_ambient[fan.node], fan.full_resistance_k_per_w, fan.full_power_w, fan.convection_exponent)
        curve = raspberry_pi5_fan_curve(cooling) if fan.curve == "raspberry_pi5" else FanCurve.from_steps(
            fan.trips_c, fan.duty, fan.hysteresis_c, cooling)
    except ValueError as exc:
        raise ScenarioError(spec.source, "thermal.fan", str(exc)) from None
    levels = []
    for level, duty in enumerate(curve.duty):
        amb = dict(to_ambient)
        amb[fan.node] = curve.resistance_k_per_w(level)
        net = ThermalNetwork(names, caps, thermal.ambient_c, pairs, amb)
        leaky = ClampedLeakageNetwork(names, caps, thermal.ambient_c, pairs, amb, leakage) if leakage else None
        levels.append(FanLevelModel(duty, curve.power_w(level), net, leaky))
    return FanModel(fan.name, fan.node, fan.watch_node, curve, tuple(levels))


def _ambient(spec: ScenarioSpec, names: Sequence[str]) -> AmbientModel | None:
    thermal = spec.thermal
    assert thermal is not None
    if thermal.ambient_profile is None and thermal.sun is None:
        return None
    profile: DailySineAmbient | PiecewiseLinearAmbient | None = None
    prof = thermal.ambient_profile
    step_s = prof.step_s if prof is not None else 60.0
    if prof is not None and prof.kind == "daily_sine":
        profile = DailySineAmbient(prof.mean_c, prof.amplitude_c, prof.peak_time_s)
    elif prof is not None:
        assert prof.path is not None
        path = Path(prof.path)
        if not path.is_absolute() and spec.source not in ("<dict>", ""):
            path = Path(spec.source).parent / path
        try:
            profile = PiecewiseLinearAmbient.from_csv(path)
        except (OSError, ValueError) as exc:
            raise ScenarioError(spec.source, "thermal.ambient_profile.path", str(exc)) from None
    sun = None
    share: dict[str, float] = {}
    if thermal.sun is not None:
        for node in thermal.sun.share:
            if node not in names:
                raise ScenarioError(spec.source, "thermal.sun.share", f"no thermal node named {node!r}")
        sun = SolarLoad(thermal.sun.peak_w, thermal.sun.sunrise_s, thermal.sun.sunset_s)
        share = dict(thermal.sun.share)
    return AmbientModel(profile, sun, share, step_s)


def _throttle_steps(spec: ScenarioSpec) -> tuple[ThrottleStepsModel, ...]:
    """Every unit's throttle as a ladder: ``throttle_steps`` as given, a single ``throttle`` as one step."""
    out = []
    for j, unit in enumerate(spec.compute_units):
        single = unit.throttle
        if single is not None:
            if unit.thermal_node is None:
                raise ScenarioError(spec.source, f"compute_units[{j}].thermal_node", "a unit with throttle needs a thermal_node to watch")
            steps: tuple[TripStepModel, ...] = ()
            if len(unit.dvfs_states) >= 2:  # something to throttle to: the given state, or the slowest
                target = single.state or min(unit.dvfs_states, key=lambda s: s.frequency_hz).name
                steps = (TripStepModel(single.threshold_c, single.threshold_c - single.hysteresis_c, target),)
            out.append(ThrottleStepsModel(unit.name, steps, single.critical_c, "throttle"))
        ts = unit.throttle_steps
        if ts is None:
            continue
        if unit.thermal_node is None:
            raise ScenarioError(spec.source, f"compute_units[{j}].thermal_node", "a unit with throttle_steps needs a thermal_node to watch")
        out.append(ThrottleStepsModel(unit.name, tuple(TripStepModel(s.threshold_c, s.threshold_c - s.hysteresis_c, s.state)
                                                       for s in ts.steps), ts.critical_c))
    return tuple(out)


def _worst_node_power_w(spec: ScenarioSpec, node: str) -> float:
    """Largest electrical power that can heat ``node``: each unit's max (or largest measured) power plus loads."""
    total = 0.0
    for unit in spec.compute_units:
        if unit.thermal_node == node:
            total += max([unit.max_power_w, *(p.power_w for p in unit.measured if p.power_w is not None)])
    total += sum(p.power_w * (max(f for _, f in p.schedule.steps) if p.schedule is not None else 1.0)
                 for p in spec.platform_loads if p.thermal_node == node)
    return total


def _exp_leakage(spec: ScenarioSpec, net: ThermalNetwork, initial_temp_c: float) -> tuple[ExpLeakageModel, ...]:
    out: list[ExpLeakageModel] = []
    for j, unit in enumerate(spec.compute_units):
        leak = unit.leakage
        if leak is None:
            continue
        field = f"compute_units[{j}].leakage"
        if unit.thermal_node is None:
            raise ScenarioError(spec.source, f"compute_units[{j}].thermal_node", "temperature-dependent leakage needs a thermal_node")
        thermal = spec.thermal
        assert thermal is not None
        if net.n_nodes != 1 or thermal.fan is not None or thermal.ambient_profile is not None or thermal.sun is not None:
            raise ScenarioError(spec.source, field, "exponential leakage is integrated on a one-node thermal network "
                                "without fan or ambient profile (use leakage_w_per_k, the clamped linear form, otherwise)")
        if out:
            raise ScenarioError(spec.source, field, "exponential leakage: one unit per device (one node)")
        if any(u.leakage_w_per_k for u in spec.compute_units):
            raise ScenarioError(spec.source, field, "exponential leakage: no other unit on the device may have linear "
                                "leakage_w_per_k (one leakage model per device)")
        r = 1.0 / float(net.conductance_w_per_k[0, 0])
        node = ExpLeakageNode(r, float(net.capacity_j_per_k[0]), net.ambient_c, leak.p0_w, leak.k_per_k, leak.ref_temp_c)
        worst_w = _worst_node_power_w(spec, unit.thermal_node)
        if node.is_runaway(worst_w, initial_temp_c):
            crit = node.critical_power_w()
            raise ScenarioError(spec.source, field,
                                f"thermal runaway: p0_w {leak.p0_w} W x exp({leak.k_per_k}/K (T - {leak.ref_temp_c} C)) through "
                                f"{r:.4g} K/W outgrows the cooling at the worst-case {worst_w:.4g} W (critical power "
                                f"{crit:.4g} W)" if math.isfinite(crit) else f"thermal runaway at the worst-case {worst_w:.4g} W")
        out.append(ExpLeakageModel(unit.name, node))
    return tuple(out)


CAMERA_LOAD_PREFIX = "camera:"  # a camera's own draw is the platform load named camera:<instance>


def camera_loads(spec: ScenarioSpec, cameras: Sequence[CameraModel]) -> tuple[PlatformLoadModel, ...]:
    """Each camera instance's own draw (sensor + ISP + encoder, ``cameras[].power``) as a platform load."""
    nodes = {n.name for n in spec.thermal.nodes} if spec.thermal is not None else set()
    for i, cam in enumerate(spec.cameras):
        node = cam.power.thermal_node if cam.power is not None else None
        if node is not None and node not in nodes:
            raise ScenarioError(spec.source, f"cameras[{i}].power.thermal_node", f"no thermal node named {node!r}")
    schedules = {cam.name: load_schedule(cam.power.schedule) for cam in spec.cameras if cam.power is not None}
    return tuple(PlatformLoadModel(CAMERA_LOAD_PREFIX + c.name, c.power_w, c.power_thermal_node, schedules.get(c.base_name))
                 for c in cameras if c.power_w is not None)


def load_schedule(schedule: ScheduleSpec | None) -> LoadScheduleModel | None:
    """A load's duty cycle (``schedule:``) as starts and factors; None when it has none."""
    if schedule is None:
        return None
    return LoadScheduleModel(schedule.period_s, tuple(float(t) for t, _ in schedule.steps),
                             tuple(float(f) for _, f in schedule.steps))


def platform_model(spec: ScenarioSpec, units: tuple[UnitModel, ...],
                   cameras: Sequence[CameraModel] = ()) -> PlatformModel | None:
    """The device's platform (None when the scenario models no heat, battery, platform load or camera power)."""
    cam_loads = camera_loads(spec, cameras)
    if spec.thermal is None and spec.battery is None and not spec.platform_loads and not cam_loads:
        return None
    network = leaky_net = fan = ambient = None
    system: ThermalSystem | None = None
    term_unit: tuple[int, ...] = ()
    exp_leak: tuple[ExpLeakageModel, ...] = ()
    initial_temp_c = None
    thermal = spec.thermal
    if thermal is not None:
        names = [n.name for n in thermal.nodes]
        caps = [n.capacity_j_per_k for n in thermal.nodes]
        pairs, to_ambient = thermal_links(thermal)
        # the clamped linear leakage terms, one per leaky unit, and (carried on the model) the unit of each term
        term_unit = tuple(i for i, u in enumerate(units) if u.thermal_node and u.leakage_w_per_k)
        leakage = [LinearLeakage(units[i].thermal_node, units[i].leakage_w_per_k, units[i].leakage_ref_temp_c)  # type: ignore[arg-type]
                   for i in term_unit]
        try:
            network = ThermalNetwork(names, caps, thermal.ambient_c, pairs, to_ambient)
            leaky_net = ClampedLeakageNetwork(names, caps, thermal.ambient_c, pairs, to_ambient, leakage) if leakage else None
        except ValueError as exc:  # physics refuses the network (no path to ambient, runaway...): name the section
            raise ScenarioError(spec.source, "thermal", str(exc)) from None
        initial_temp_c = thermal.initial_temp_c if thermal.initial_temp_c is not None else thermal.ambient_c
        if thermal.fan is not None:
            fan = _fan(spec, names, caps, pairs, to_ambient, leakage)
        ambient = _ambient(spec, names)
        exp_leak = _exp_leakage(spec, network, initial_temp_c)
        system = leaky_net if leaky_net is not None else network
        if exp_leak:
            system = ExpLeakageSystem(exp_leak[0].node, names[0])
            term_unit = tuple(i for i, u in enumerate(units) if u.name == exp_leak[0].unit)
    elif any(u.throttle_steps is not None or u.leakage is not None for u in spec.compute_units):
        raise ScenarioError(spec.source, "thermal", "throttle_steps and leakage need a thermal section")
    battery: BatteryModel | None = None
    battery_state = None
    if spec.battery is not None:
        if spec.battery.model == "liion":
            battery = LiIonSupply(_liion(spec))
        else:
            battery = BATTERY_MODELS[spec.battery.model](spec.battery.model_dump())
        battery_state = battery.initial_state(spec.battery.initial_soc)
        if battery.is_empty(battery_state):
            raise ScenarioError(spec.source, "battery.initial_soc",
                                f"{spec.battery.initial_soc} starts the {spec.battery.model} battery at its cut-off "
                                f"(cutoff_soc {spec.battery.cutoff_soc}, within 1e-9 of the capacity): nothing to run")
    return PlatformModel(
        network=network, initial_temp_c=initial_temp_c, battery=battery,
        battery_initial_state=battery_state,
        battery_kind=spec.battery.model if spec.battery is not None else None,
        dcdc_efficiency=spec.battery.dcdc_efficiency if spec.battery is not None else 1.0,
        loads=tuple(PlatformLoadModel(p.name, p.power_w, p.thermal_node, load_schedule(p.schedule))
                    for p in spec.platform_loads) + cam_loads,
        leakage_network=leaky_net, thermal=system, leakage_term_unit=term_unit, fan=fan, ambient=ambient,
        throttle_steps=_throttle_steps(spec), exp_leakage=exp_leak)
