"""Multi-step thermal throttling of a unit: switch it to the DVFS state of a trip level.

Kept beside :class:`edgesim.sim.unit.UnitSim` (whose own methods handle the single threshold/critical throttle):
level 0 is the unit's initial state; level k the state of the k-th trip. Throttled time and the throttle/release
events count the time spent at any level above 0, as for the single throttle.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the platform holds the units; annotations only
    from .unit import UnitSim

__all__ = ["set_throttle_level"]


def set_throttle_level(unit: UnitSim, level: int, state: str | None, now: float) -> None:
    """Put ``unit`` at trip ``level`` (0: unthrottled, back to its initial DVFS state) running DVFS ``state`` now."""
    throttled = level > 0
    if throttled != unit.throttled:
        if throttled:
            unit._throttled_since_s = now
        else:
            unit.throttled_s += now - unit._throttled_since_s
        unit.throttled = throttled
        unit.throttle_events.append((now, "throttle" if throttled else "release"))
    target = state if throttled else unit.initial_state
    if target is not None:
        unit.set_state(target, now)
