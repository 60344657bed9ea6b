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
* linear leakage is clamped, P_leak = b max(0, T - T_ref) (``physics.clamped_leakage.ClampedLeakageNetwork``): in each
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
from .core import LATE, PlatformSim
from .state import PlatformEdge, PlatformState, TripLadder
from .watches import (
    CHATTER_MAX_PROJECTED,
    CHATTER_SWITCHES,
    ChatteringError,
    EmptyWatch,
    FanWatch,
    PlatformWatches,
    RegimeWatch,
    TripWatch,
    Watch,
)

__all__ = ["CHATTER_MAX_PROJECTED", "CHATTER_SWITCHES", "LATE", "ChatteringError", "EmptyWatch", "FanWatch", "PlatformEdge",
           "PlatformSim", "PlatformState", "PlatformWatches", "RegimeWatch", "TripLadder", "TripWatch", "Watch"]
