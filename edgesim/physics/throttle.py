"""Thermal trip points with hysteresis: a pure state machine, temperature -> step.

A table of trips ``T_1 < T_2 < ... < T_n``, each with a hysteresis ``h_k >= 0``, defines levels
``0..n``. From level ``k`` the controller moves up to level ``j > k`` when the temperature reaches
``T_j`` (the highest trip reached wins) and down from ``k`` to ``k - 1`` when it falls to
``T_k - h_k`` or below (repeatedly, so a big drop passes several levels). This is the Linux thermal
framework's trip/hysteresis rule and the Raspberry Pi firmware's fan and throttle steps.

Between two events a simulator needs only :meth:`StepController.thresholds_c`: the temperature that moves
the current level up and the one that moves it down. With :meth:`ThermalNetwork.time_to_reach_s` (direction
``"up"`` and ``"down"``) it finds the exact instant of the next change; nothing is polled.

:class:`ThrottleLadder` is a unit's throttle: those levels (each a DVFS state, in the compiled model) and a
separate critical temperature that shuts the unit down (a "critical" trip in Linux terms), never an ordinary
step. The single ``throttle:`` of a unit is the one-step ladder.

Published trips, for scenarios (public-measurements.md, "Thermal"): Raspberry Pi Arm cores throttled from
80 degC, Arm and GPU at the 85 degC hard limit, no shutdown temperature published (raspberrypi/documentation,
computers/raspberry-pi/frequency-management.adoc); NVIDIA Tegra "hot" trip 98.5 degC, "critical" 102.5 degC
(kernel device-tree patch, confidence L-M).

Pure Python; no SimPy.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "TripPoint",
    "StepController",
    "ThrottleLadder",
]


@dataclass(frozen=True)
class TripPoint:
    """One trip: entered at ``temp_c`` (degC) or above, left at ``temp_c - hysteresis_c`` or below."""

    temp_c: float
    hysteresis_c: float = 0.0

    def __post_init__(self) -> None:
        if not math.isfinite(self.temp_c):
            raise ValueError(f"temp_c: must be finite, got {self.temp_c!r}")
        if not (self.hysteresis_c >= 0.0 and math.isfinite(self.hysteresis_c)):
            raise ValueError(f"hysteresis_c: must be finite and >= 0, got {self.hysteresis_c!r}")

    @property
    def release_c(self) -> float:
        """Temperature at or below which the trip is left, degC."""
        return self.temp_c - self.hysteresis_c


@dataclass(frozen=True)
class StepController:
    """Levels ``0..n`` over ``n`` trips with hysteresis (see the module docstring).

    Parameters
    ----------
    trips : sequence of TripPoint
        Trips in strictly increasing ``temp_c``; each release point must lie above the previous trip's
        release point, so that levels leave in order.
    """

    trips: tuple[TripPoint, ...]

    def __post_init__(self) -> None:
        trips = tuple(self.trips)
        object.__setattr__(self, "trips", trips)
        for k in range(1, len(trips)):
            if not trips[k].temp_c > trips[k - 1].temp_c:
                raise ValueError(f"trips[{k}].temp_c: trips must increase strictly, got {trips[k].temp_c!r} "
                                 f"after {trips[k - 1].temp_c!r}")
            if not trips[k].release_c > trips[k - 1].release_c:
                raise ValueError(f"trips[{k}].hysteresis_c: release points must increase with the trips")

    @property
    def n_levels(self) -> int:
        """Number of levels, ``len(trips) + 1``."""
        return len(self.trips) + 1

    def level_for(self, level: int, temp_c: float) -> int:
        """The level after observing ``temp_c`` (degC) from ``level``: up to the highest trip reached, else
        down while at or below the current trip's release point."""
        if not 0 <= level < self.n_levels:
            raise ValueError(f"level: must be in [0, {self.n_levels - 1}], got {level!r}")
        up = level
        while up < len(self.trips) and temp_c >= self.trips[up].temp_c:
            up += 1
        if up > level:
            return up
        while level > 0 and temp_c <= self.trips[level - 1].release_c:
            level -= 1
        return level

    def level_from_rest(self, temp_c: float) -> int:
        """Level of a controller started cold and heated to ``temp_c`` (degC)."""
        return self.level_for(0, temp_c)

    def thresholds_c(self, level: int) -> tuple[float, float]:
        """``(up_c, down_c)``: the level changes once the temperature reaches ``up_c`` (going up) or falls to
        ``down_c`` (going down); ``inf`` / ``-inf`` where there is no such trip."""
        if not 0 <= level < self.n_levels:
            raise ValueError(f"level: must be in [0, {self.n_levels - 1}], got {level!r}")
        up_c = self.trips[level].temp_c if level < len(self.trips) else math.inf
        down_c = self.trips[level - 1].release_c if level > 0 else -math.inf
        return up_c, down_c


@dataclass(frozen=True)
class ThrottleLadder:
    """A unit's thermal throttle: the levels of a :class:`StepController` plus an optional critical trip that
    shuts the unit down (a "critical" trip in Linux terms), never at an ordinary step.

    A single throttle (enter a slower state at ``threshold_c``, leave at ``threshold_c - hysteresis_c``, shut
    down at ``critical_c``) is the one-step ladder; a unit with nothing to throttle to is the ladder with no
    steps and only its critical trip.

    Parameters
    ----------
    controller : StepController
        The trips (level 0: unthrottled).
    critical_c : float or None
        Shutdown temperature, degC (``None``: never shut down). Reached first, it wins over a step above it.
    """

    controller: StepController
    critical_c: float | None = None

    def watch_c(self, level: int) -> tuple[float, float]:
        """``(up_c, down_c)`` from ``level``: reaching ``up_c`` (the next trip, or the critical trip if lower) or
        falling to ``down_c`` changes something; ``inf`` / ``-inf`` where nothing does."""
        up_c, down_c = self.controller.thresholds_c(level)
        if self.critical_c is not None:
            up_c = min(up_c, self.critical_c)
        return up_c, down_c

    def next_level(self, level: int, temp_c: float) -> int | None:
        """The level after reaching ``temp_c`` (degC) from ``level``; ``None``: the critical trip, shut down."""
        if self.critical_c is not None and temp_c >= self.critical_c:
            return None
        return self.controller.level_for(level, temp_c)
