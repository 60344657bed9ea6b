"""Thermal trip points with hysteresis: a pure state machine, temperature -> step.

A table of trips ``T_1 < T_2 < ... < T_n``, each with a hysteresis ``h_k >= 0``, defines levels
``0..n``. From level ``k`` the controller moves up to level ``j > k`` when the temperature reaches
``T_j`` (the highest trip reached wins) and down from ``k`` to ``k - 1`` when it falls to
``T_k - h_k`` or below (repeatedly, so a big drop passes several levels). This is the Linux thermal
framework's trip/hysteresis rule and the Raspberry Pi firmware's fan and throttle steps.

Between two events a simulator needs only :meth:`StepController.thresholds_c`: the temperature that moves
the current level up and the one that moves it down. With :meth:`ThermalNetwork.time_to_reach_s` (direction
``"up"`` and ``"down"``) it finds the exact instant of the next change; nothing is polled.

:class:`ThermalThrottle` gives every level a clock fraction and a power fraction, and shuts down only at
a separate critical temperature (a "critical" trip in Linux terms), never at an ordinary step.

Catalog of published trips (public-measurements.md, "Thermal"):

- Raspberry Pi (raspberrypi/documentation, computers/raspberry-pi/frequency-management.adoc): the Arm
  cores are throttled from 80 degC; at the 85 degC hard limit the Arm cores and the GPU are throttled.
  No shutdown temperature and no clock fractions are published there: :func:`raspberry_pi_throttle` takes
  them as parameters.
- NVIDIA Tegra (kernel device-tree patch, confidence L-M): "hot" trip 98.5 degC throttles to 85 %,
  "critical" 102.5 degC shuts down: :func:`tegra_throttle`.

Pure Python; no SimPy.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "TripPoint",
    "StepController",
    "ThrottleStep",
    "ThrottleState",
    "ThermalThrottle",
    "raspberry_pi_throttle",
    "tegra_throttle",
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
class ThrottleStep:
    """One throttle trip and the state it imposes.

    Parameters
    ----------
    trip : TripPoint
        When the step is entered and left.
    clock_fraction : float
        Clock of the throttled unit as a fraction of its unthrottled clock, in (0, 1].
    power_fraction : float
        Dynamic power as a fraction of the unthrottled value, in [0, 1] (e.g. ``f V^2`` scaling, or measured).
    name : str
        Label, e.g. ``"soft"`` or ``"arm+gpu"``.
    """

    trip: TripPoint
    clock_fraction: float
    power_fraction: float
    name: str = ""

    def __post_init__(self) -> None:
        if not 0.0 < self.clock_fraction <= 1.0:
            raise ValueError(f"clock_fraction: must be in (0, 1], got {self.clock_fraction!r}")
        if not 0.0 <= self.power_fraction <= 1.0:
            raise ValueError(f"power_fraction: must be in [0, 1], got {self.power_fraction!r}")


@dataclass(frozen=True)
class ThrottleState:
    """What a unit runs at on one level: clock and dynamic-power fractions, and whether it is shut down."""

    level: int
    clock_fraction: float
    power_fraction: float
    shutdown: bool
    name: str


@dataclass(frozen=True)
class ThermalThrottle:
    """Throttle steps with hysteresis plus an optional critical trip that shuts the unit down.

    Parameters
    ----------
    steps : sequence of ThrottleStep
        In increasing trip temperature; level 0 is unthrottled (fractions 1).
    critical_c : float or None
        Shutdown temperature, degC (``None``: never shut down). Must lie above every step's trip.
    """

    steps: tuple[ThrottleStep, ...]
    critical_c: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", tuple(self.steps))
        if self.critical_c is not None and self.steps and not self.critical_c > self.steps[-1].trip.temp_c:
            raise ValueError(f"critical_c: must lie above the last step's trip ({self.steps[-1].trip.temp_c}), "
                             f"got {self.critical_c!r}")

    @property
    def controller(self) -> StepController:
        """The trips as a :class:`StepController`."""
        return StepController(tuple(s.trip for s in self.steps))

    def state(self, level: int) -> ThrottleState:
        """Clock and power fractions of ``level`` (0 = unthrottled)."""
        if level == 0:
            return ThrottleState(0, 1.0, 1.0, False, "nominal")
        s = self.steps[level - 1]
        return ThrottleState(level, s.clock_fraction, s.power_fraction, False, s.name or f"step{level}")

    def is_critical(self, temp_c: float) -> bool:
        """True at or above the critical temperature (never if there is none)."""
        return self.critical_c is not None and temp_c >= self.critical_c

    def next_state(self, level: int, temp_c: float) -> ThrottleState:
        """State after observing ``temp_c`` (degC) from ``level``; ``shutdown`` only at the critical trip."""
        new = self.controller.level_for(level, temp_c)
        st = self.state(new)
        if self.is_critical(temp_c):
            return ThrottleState(new, st.clock_fraction, st.power_fraction, True, "critical")
        return st

    def watch_c(self, level: int) -> tuple[float, float]:
        """``(up_c, down_c)`` to watch from ``level``: the next trip (or the critical temperature, whichever
        is lower) and the release point."""
        up_c, down_c = self.controller.thresholds_c(level)
        if self.critical_c is not None:
            up_c = min(up_c, self.critical_c)
        return up_c, down_c


def raspberry_pi_throttle(
    soft_clock_fraction: float,
    soft_power_fraction: float,
    hard_clock_fraction: float,
    hard_power_fraction: float,
    hysteresis_c: float = 0.0,
    critical_c: float | None = None,
) -> ThermalThrottle:
    """The Raspberry Pi's two thermal steps: soft at 80 degC (Arm cores), hard at 85 degC (Arm and GPU).

    Trip temperatures: raspberrypi/documentation frequency-management.adoc (via public-measurements.md).
    The clock/power fractions, the hysteresis and any shutdown temperature are NOT published there: they are
    the caller's (measured or assumed) parameters. The Pi does not shut down at 85 degC.
    """
    return ThermalThrottle(
        (ThrottleStep(TripPoint(80.0, hysteresis_c), soft_clock_fraction, soft_power_fraction, "soft (arm)"),
         ThrottleStep(TripPoint(85.0, hysteresis_c), hard_clock_fraction, hard_power_fraction, "hard (arm+gpu)")),
        critical_c=critical_c,
    )


def tegra_throttle(power_fraction: float, hysteresis_c: float = 0.0) -> ThermalThrottle:
    """NVIDIA Tegra trips: "hot" 98.5 degC throttles the clock to 85 %, "critical" 102.5 degC shuts down.

    Source: kernel device-tree patch (public-measurements.md, confidence L-M). The power fraction at 85 %
    clock and the hysteresis are not given there: parameters.
    """
    return ThermalThrottle((ThrottleStep(TripPoint(98.5, hysteresis_c), 0.85, power_fraction, "hot"),),
                           critical_c=102.5)

