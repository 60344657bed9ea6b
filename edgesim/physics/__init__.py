"""Pure physics of edge AI systems (no SimPy): power, DVFS, thermal networks and batteries.

Every function is exact over an interval at constant power, so the simulation engine can integrate between
discrete events without time-stepping.
"""
from edgesim.physics.battery import (
    BatteryModel,
    EnergyState,
    IdealBattery,
    KiBaMBattery,
    KiBaMState,
    PeukertBattery,
    battery_draw_w,
)
from edgesim.physics.power import DvfsState, PowerModel, UtilizationCurve
from edgesim.physics.thermal import ThermalNetwork, rc_step_temp_c, rc_time_to_reach_s

__all__ = [
    "BatteryModel",
    "DvfsState",
    "EnergyState",
    "IdealBattery",
    "KiBaMBattery",
    "KiBaMState",
    "PeukertBattery",
    "PowerModel",
    "ThermalNetwork",
    "UtilizationCurve",
    "battery_draw_w",
    "rc_step_temp_c",
    "rc_time_to_reach_s",
]
