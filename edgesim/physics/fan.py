"""A fan on a heatsink: a stepped curve with hysteresis sets the duty, the duty sets R(heatsink->ambient) and P.

Control: the fan's duty is a step function of a watched temperature with hysteresis
(:class:`~edgesim.physics.throttle.StepController`): level ``k`` runs at ``duty_k``. Within a level the
duty is constant, so the thermal network stays linear and exact; a level change is an event found with
``ThermalNetwork.time_to_reach_s`` at the thresholds :meth:`FanCurve.thresholds_c` gives. (A continuous
curve would make the resistance a function of temperature and the network nonlinear; steps are what the
Raspberry Pi firmware and the Linux thermal framework implement.)

Cooling: forced convection adds a conductance in parallel with the passive (natural convection +
radiation) path. With ``G_passive = 1 / R_passive`` and ``G_full = 1 / R_full`` at 100 % duty::

    G(d) = G_passive + (G_full - G_passive) d^n,   R(d) = 1 / G(d)

Airflow is proportional to fan speed and speed to duty (fan affinity law); a forced-convection heat
transfer coefficient scales as airflow^n with ``n ~ 0.8`` for turbulent flow (Nu ~ Re^0.8, Dittus-Boelter;
``n = 0.5`` for laminar flat-plate flow). Approximation: duty is taken as proportional to speed, and the
fan starts at any duty above 0.

Fan power: ``P(d) = P_full d^3`` (affinity law: power ~ speed^3), optionally a standby power at duty 0.

Raspberry Pi 5 curve (:func:`raspberry_pi5_fan_curve`): 50 degC 30 %, 60 degC 50 %, 67.5 degC 70 %,
75 degC 100 %, 5 degC hysteresis on each step. Source: raspberrypi/documentation,
computers/raspberry-pi/frequency-management.adoc (via /work/shared/reference/public-measurements.md,
"Thermal"), the firmware's ``fan_temp0..3`` = 50000/60000/67500/75000 millidegrees, ``fan_tempN_hyst`` =
5000, ``fan_tempN_speed`` = 75/125/175/250 of 255 PWM (arch/arm/boot/dts/overlays/README of
raspberrypi/linux, ``cooling_fan`` parameters). The heatsink resistances with and without the fan and the
fan's power are NOT published in the sources read: they are the caller's parameters.

Pure Python; no SimPy.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from edgesim.physics.throttle import StepController, TripPoint

__all__ = ["FanCooling", "FanCurve", "raspberry_pi5_fan_curve", "PI5_FAN_TRIPS_C", "PI5_FAN_DUTY"]

PI5_FAN_TRIPS_C = (50.0, 60.0, 67.5, 75.0)
PI5_FAN_DUTY = (0.0, 0.30, 0.50, 0.70, 1.00)  # level 0 (below the first trip): fan off
PI5_FAN_HYSTERESIS_C = 5.0


@dataclass(frozen=True)
class FanCooling:
    """Heatsink-to-ambient resistance and fan power as functions of duty.

    Parameters
    ----------
    passive_resistance_k_per_w : float
        Heatsink to ambient with the fan stopped, K/W (> 0).
    full_resistance_k_per_w : float
        Heatsink to ambient at 100 % duty, K/W (> 0, <= passive).
    full_power_w : float
        Fan electrical power at 100 % duty, W (>= 0).
    convection_exponent : float
        ``n`` in ``G_forced ~ d^n`` (0 < n <= 1; 0.8 turbulent, 0.5 laminar).
    standby_power_w : float
        Fan power at duty 0, W (>= 0; e.g. a controller that stays powered).
    """

    passive_resistance_k_per_w: float
    full_resistance_k_per_w: float
    full_power_w: float
    convection_exponent: float = 0.8
    standby_power_w: float = 0.0

    def __post_init__(self) -> None:
        for name in ("passive_resistance_k_per_w", "full_resistance_k_per_w"):
            v = getattr(self, name)
            if not (v > 0.0 and math.isfinite(v)):
                raise ValueError(f"{name}: must be finite and > 0, got {v!r}")
        if self.full_resistance_k_per_w > self.passive_resistance_k_per_w:
            raise ValueError("full_resistance_k_per_w: a running fan cannot cool worse than a stopped one "
                             f"({self.full_resistance_k_per_w} > {self.passive_resistance_k_per_w})")
        if not (self.full_power_w >= 0.0 and self.standby_power_w >= 0.0):
            raise ValueError("full_power_w, standby_power_w: must be >= 0")
        if not 0.0 < self.convection_exponent <= 1.0:
            raise ValueError(f"convection_exponent: must be in (0, 1], got {self.convection_exponent!r}")

    @staticmethod
    def _check_duty(duty: float) -> None:
        if not 0.0 <= duty <= 1.0:
            raise ValueError(f"duty: must be in [0, 1], got {duty!r}")

    def resistance_k_per_w(self, duty: float) -> float:
        """``R(d) = 1 / (G_passive + (G_full - G_passive) d^n)``, K/W."""
        self._check_duty(duty)
        g_passive = 1.0 / self.passive_resistance_k_per_w
        g_full = 1.0 / self.full_resistance_k_per_w
        return 1.0 / (g_passive + (g_full - g_passive) * duty ** self.convection_exponent)

    def power_w(self, duty: float) -> float:
        """``P(d) = P_full d^3`` (``P_standby`` at 0), W."""
        self._check_duty(duty)
        return self.standby_power_w if duty == 0.0 else self.full_power_w * duty ** 3


@dataclass(frozen=True)
class FanCurve:
    """Stepped fan curve: level ``k`` of a :class:`StepController` runs the fan at ``duty[k]``.

    Parameters
    ----------
    controller : StepController
        Trips with hysteresis (``n`` trips give ``n + 1`` levels).
    duty : sequence of float
        Duty of each level, fractions in [0, 1], non-decreasing (level 0 is below the first trip).
    cooling : FanCooling
        Resistance and power vs duty.
    """

    controller: StepController
    duty: tuple[float, ...]
    cooling: FanCooling

    def __post_init__(self) -> None:
        object.__setattr__(self, "duty", tuple(float(d) for d in self.duty))
        if len(self.duty) != self.controller.n_levels:
            raise ValueError(f"duty: expected {self.controller.n_levels} values (one per level), got {len(self.duty)}")
        if any(not 0.0 <= d <= 1.0 for d in self.duty) or any(b < a for a, b in zip(self.duty, self.duty[1:])):
            raise ValueError("duty: must lie in [0, 1] and not decrease with the level")

    @classmethod
    def from_steps(cls, trips_c: Sequence[float], duty: Sequence[float], hysteresis_c: float,
                   cooling: FanCooling) -> FanCurve:
        """Curve from trip temperatures (degC), one duty per level and one hysteresis (K) for all trips."""
        return cls(StepController(tuple(TripPoint(t, hysteresis_c) for t in trips_c)), tuple(duty), cooling)

    def level_for(self, level: int, temp_c: float) -> int:
        """Level after observing ``temp_c`` (degC) from ``level``."""
        return self.controller.level_for(level, temp_c)

    def thresholds_c(self, level: int) -> tuple[float, float]:
        """``(up_c, down_c)`` at which the level changes (see :meth:`StepController.thresholds_c`)."""
        return self.controller.thresholds_c(level)

    def resistance_k_per_w(self, level: int) -> float:
        """Heatsink-to-ambient resistance at ``level``, K/W."""
        return self.cooling.resistance_k_per_w(self.duty[level])

    def power_w(self, level: int) -> float:
        """Fan power at ``level``, W."""
        return self.cooling.power_w(self.duty[level])


def raspberry_pi5_fan_curve(cooling: FanCooling) -> FanCurve:
    """The Raspberry Pi 5 firmware fan curve (see the module docstring for the source) on ``cooling``.

    The PWM speeds 75/125/175/250 of 255 are 29.4/49.0/68.6/98.0 %; the documentation rounds them to
    30/50/70/100 %, used here.
    """
    return FanCurve.from_steps(PI5_FAN_TRIPS_C, PI5_FAN_DUTY, PI5_FAN_HYSTERESIS_C, cooling)
