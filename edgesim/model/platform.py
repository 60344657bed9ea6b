"""Compiling the device's platform: thermal network, battery and platform loads, from the spec to physics objects."""
from __future__ import annotations

from collections.abc import Mapping

from ..errors import ScenarioError
from ..physics.battery import EnergyState, IdealBattery, KiBaMBattery, KiBaMState, PeukertBattery
from ..physics.thermal import ThermalNetwork
from ..spec.schema import BatterySpec, ScenarioSpec, ThermalSpec
from .records import PlatformLoadModel, PlatformModel, UnitModel

__all__ = ["battery_model", "platform_model", "thermal_network"]


def thermal_network(spec: ThermalSpec, leakage_w_per_k: Mapping[str, float]) -> ThermalNetwork:
    """The scenario's thermal section as a :class:`ThermalNetwork` (parallel links to ambient combined, leakage folded
    into the diagonal)."""
    names = [n.name for n in spec.nodes]
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
    return ThermalNetwork(names, [n.capacity_j_per_k for n in spec.nodes], spec.ambient_c, pairs, to_ambient,
                          leakage_w_per_k=dict(leakage_w_per_k))


def battery_model(spec: BatterySpec) -> IdealBattery | PeukertBattery | KiBaMBattery:
    """The battery model named by the spec."""
    if spec.model == "ideal":
        return IdealBattery(spec.capacity_wh, spec.cutoff_soc)
    if spec.model == "peukert":
        return PeukertBattery(spec.capacity_wh, spec.nominal_voltage_v, spec.peukert_exponent, spec.rated_hours, spec.cutoff_soc)
    assert spec.kibam_k_per_s is not None
    return KiBaMBattery(spec.capacity_wh, spec.nominal_voltage_v, spec.kibam_c, spec.kibam_k_per_s, spec.cutoff_soc)


def _initial_battery_state(model: IdealBattery | PeukertBattery | KiBaMBattery, initial_soc: float) -> EnergyState | KiBaMState:
    full = model.initial_state()
    if initial_soc == 1.0:
        return full
    if isinstance(full, KiBaMState):  # at rest: both wells at the same height
        return KiBaMState(full.y1_coulomb * initial_soc, full.y2_coulomb * initial_soc)
    return EnergyState(full.energy_j * initial_soc)


def platform_model(spec: ScenarioSpec, units: tuple[UnitModel, ...]) -> PlatformModel | None:
    if spec.thermal is None and spec.battery is None and not spec.platform_loads:
        return None
    network = None
    initial_temp_c = None
    if spec.thermal is not None:
        leak: dict[str, float] = {}
        for u in units:
            if u.thermal_node and u.leakage_w_per_k:
                leak[u.thermal_node] = leak.get(u.thermal_node, 0.0) + u.leakage_w_per_k
        try:
            network = thermal_network(spec.thermal, leak)
        except ValueError as exc:  # physics refuses the network (no path to ambient, runaway...): name the section
            raise ScenarioError(spec.source, "thermal", str(exc)) from None
        initial_temp_c = spec.thermal.initial_temp_c if spec.thermal.initial_temp_c is not None else spec.thermal.ambient_c
    battery = battery_model(spec.battery) if spec.battery is not None else None
    return PlatformModel(
        network=network, initial_temp_c=initial_temp_c, battery=battery,
        battery_initial_state=_initial_battery_state(battery, spec.battery.initial_soc) if battery is not None and spec.battery else None,
        battery_kind=spec.battery.model if spec.battery is not None else None,
        dcdc_efficiency=spec.battery.dcdc_efficiency if spec.battery is not None else 1.0,
        loads=tuple(PlatformLoadModel(p.name, p.power_w, p.thermal_node) for p in spec.platform_loads))
