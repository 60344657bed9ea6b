"""The platform around the units: thermal network (nodes, links, fan, ambient profile, sun), platform loads,
shared memory buses, and the duty-cycle schedules of loads.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from .types import ABSOLUTE_ZERO_C, MAX_DURATION_S, MAX_TEMP_C, BytesPerS, Name, PositiveTimeS, PowerW, Spec, TemperatureC, TimeS, not_empty

__all__ = ["ScheduleSpec", "ThermalNodeSpec", "ThermalLinkSpec", "FanSpec", "AmbientProfileSpec", "SunSpec",
    "ThermalSpec", "PlatformLoadSpec", "MemoryBusSpec"]


class ScheduleSpec(Spec):
    """A repeating duty cycle on a load's power: ``steps`` ``[[start_s, factor], ...]`` within every ``period_s``
    (default one day, t = 0 at midnight): from each start to the next the load draws ``factor x power_w``.

    On/off windows are factors 1 and 0 (``[[0, 0], [64800, 1]]``: on from 18:00 to midnight); a daily profile is
    any factors >= 0. Starts begin at 0, increase, and stay below ``period_s``.
    """

    period_s: PositiveTimeS = 86400.0
    steps: tuple[tuple[TimeS, Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False)]], ...] = Field(min_length=1)
    source: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> ScheduleSpec:
        starts = [start for start, _ in self.steps]
        if starts[0] != 0.0:
            raise ValueError(f"steps: the first step starts at 0 (the period's start), got {starts[0]:g} s")
        if any(b <= a for a, b in zip(starts, starts[1:])):
            raise ValueError("steps: starts must increase")
        if starts[-1] >= self.period_s:
            raise ValueError(f"steps: every start must be below period_s ({self.period_s:g} s), got {starts[-1]:g} s")
        return self


class ThermalNodeSpec(Spec):
    """A lumped thermal node (a junction, a shared heatsink or case) with heat capacity in J/K."""

    name: Name
    capacity_j_per_k: Annotated[float, Field(ge=1e-9, le=1e12, allow_inf_nan=False)]
    source: str = ""


class ThermalLinkSpec(Spec):
    """A thermal resistance (K/W) between two nodes, or between a node and ``ambient``."""

    between: tuple[str, str]
    resistance_k_per_w: Annotated[float, Field(ge=1e-9, le=1e12, allow_inf_nan=False)]
    source: str = ""


class FanSpec(Spec):
    """A fan on a heatsink node: a stepped curve with hysteresis on ``watch_node``'s temperature sets the duty d;
    the fan adds forced convection in parallel with the node's links to ambient (their resistance is the passive
    one): G(d) = G_passive + (G_full - G_passive) d^n, R_full = ``full_resistance_k_per_w`` at 100 % duty; its power
    is ``full_power_w`` d^3 (fan affinity law), drawn from the supply (not heating a node).

    ``curve: raspberry_pi5`` takes the Raspberry Pi 5 firmware curve (50 C 30 %, 60 C 50 %, 67.5 C 70 %, 75 C
    100 %, 5 C hysteresis); ``custom`` takes ``trips_c``, ``duty`` (one per level: len(trips_c) + 1, level 0 below
    the first trip) and ``hysteresis_c``."""

    name: Name = "fan"
    node: str
    watch_node: str
    curve: Literal["raspberry_pi5", "custom"] = "raspberry_pi5"
    trips_c: tuple[TemperatureC, ...] = ()
    duty: tuple[Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)], ...] = ()
    hysteresis_c: Annotated[float, Field(ge=0, le=MAX_TEMP_C - ABSOLUTE_ZERO_C, allow_inf_nan=False)] = 5.0
    full_resistance_k_per_w: Annotated[float, Field(ge=1e-9, le=1e12, allow_inf_nan=False)]
    full_power_w: PowerW
    convection_exponent: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = 0.8
    sources: dict[str, str] = {}

    @model_validator(mode="after")
    def _curve(self) -> FanSpec:
        if self.curve == "custom":
            if not self.trips_c or len(self.duty) != len(self.trips_c) + 1:
                raise ValueError("curve custom needs trips_c and one duty per level (len(trips_c) + 1)")
        elif self.trips_c or self.duty:
            raise ValueError("trips_c and duty are for curve: custom")
        return self


class AmbientProfileSpec(Spec):
    """Ambient temperature over time: ``daily_sine`` (T = mean_c + amplitude_c cos(2 pi (t - peak_time_s) / day),
    t = 0 at midnight) or ``csv`` (``path`` with columns time_s, temp_c, linear between points). Applied as a
    piecewise-constant ambient over steps of ``step_s`` (each step takes the profile's exact mean over it)."""

    kind: Literal["daily_sine", "csv"]
    mean_c: TemperatureC = 25.0
    amplitude_c: Annotated[float, Field(ge=0, le=500, allow_inf_nan=False)] = 0.0
    peak_time_s: TimeS = 54000.0
    path: str | None = None
    step_s: Annotated[float, Field(ge=1e-3, le=MAX_DURATION_S, allow_inf_nan=False)] = 60.0
    source: str = ""

    @model_validator(mode="after")
    def _path(self) -> AmbientProfileSpec:
        if (self.kind == "csv") != (self.path is not None):
            raise ValueError("kind csv needs path (and only csv takes one)")
        return self


class SunSpec(Spec):
    """Absorbed sun heat: peak_w sin(pi (t - sunrise_s) / (sunset_s - sunrise_s)) by day, 0 by night (t = 0 at
    midnight), shared among thermal nodes by ``share`` (fractions summing to at most 1)."""

    peak_w: PowerW
    sunrise_s: TimeS = 21600.0
    sunset_s: TimeS = 64800.0
    share: dict[str, Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]]
    source: str = ""

    @model_validator(mode="after")
    def _day(self) -> SunSpec:
        if not 0 <= self.sunrise_s < self.sunset_s <= 86400.0:
            raise ValueError("need 0 <= sunrise_s < sunset_s <= 86400")
        if sum(self.share.values()) > 1 + 1e-9:
            raise ValueError("share: fractions must sum to at most 1")
        return self


class ThermalSpec(Spec):
    """The thermal network: nodes joined by resistances, ambient at ``ambient_c``. Units heat the node named by
    their ``thermal_node``; several units may share one node (an SoC) or one heatsink."""

    ambient_c: TemperatureC = 25.0
    initial_temp_c: TemperatureC | None = None
    nodes: tuple[ThermalNodeSpec, ...]
    links: tuple[ThermalLinkSpec, ...]
    fan: FanSpec | None = None
    ambient_profile: AmbientProfileSpec | None = None
    sun: SunSpec | None = None

    @field_validator("nodes", "links")
    @classmethod
    def _some(cls, items: tuple[object, ...], info: ValidationInfo) -> tuple[object, ...]:
        return not_empty(info.field_name or "list", items)


class PlatformLoadSpec(Spec):
    """A load on the platform (display, radio, rest of the system) in W, constant or on a ``schedule``; heats
    ``thermal_node`` if set."""

    name: Name
    power_w: PowerW
    thermal_node: str | None = None
    schedule: ScheduleSpec | None = None  # a duty cycle: the load draws factor x power_w (on/off windows, a daily profile)
    source: str = ""


class MemoryBusSpec(Spec):
    """A DRAM interface shared by the units that name it: active memory-bound jobs share its bandwidth fairly.

    ``energy_j_per_byte`` (J/byte, optional, no default): the DRAM energy of each byte a job moves over the bus,
    drawn by the job's unit as power ``energy_j_per_byte x`` (the job's bytes per second) while it runs. Given, it
    needs a ``source`` (or ``ILLUSTRATIVE`` there): no LPDDR4/5 pJ/bit figure with its conditions is published in
    the references read.
    """

    name: Name
    bandwidth_bytes_per_s: BytesPerS
    energy_j_per_byte: Annotated[float, Field(ge=0, le=1e-6, allow_inf_nan=False)] | None = None
    source: str = ""

    @model_validator(mode="after")
    def _energy_has_a_source(self) -> MemoryBusSpec:
        if self.energy_j_per_byte is not None and not self.source.strip():
            raise ValueError("energy_j_per_byte needs a source (cite it, or say ILLUSTRATIVE)")
        return self
