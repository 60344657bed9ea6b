"""A unit's DVFS states, the cost of switching between them (stall, energy, supply regulator) and the thermal
throttles that switch them (one trip, or several steps).
"""
from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from .types import ABSOLUTE_ZERO_C, MAX_TEMP_C, FrequencyHz, Name, PositivePowerW, Spec, TemperatureC, TemperatureDeltaK, TimeS, not_empty

__all__ = ["DvfsStateSpec", "RegulatorSpec", "DvfsTransitionSpec", "ThrottleSpec", "ThrottleStepSpec",
    "ThrottleStepsSpec"]


class DvfsStateSpec(Spec):
    """A DVFS state / power mode. Service time scales with reference frequency / frequency; dynamic power with
    f x V^2, or the state's measured full-load ``power_w`` where given (e.g. a Jetson nvpmodel mode)."""

    name: Name
    frequency_hz: FrequencyHz
    voltage_v: Annotated[float, Field(ge=1e-3, le=1e4, allow_inf_nan=False)] | None = None
    power_w: PositivePowerW | None = None
    source: str = ""


class RegulatorSpec(Spec):
    """The supply regulator of a DVFS domain (Burd and Brodersen 2000, ``physics.dvfs.VoltageRegulator``): a switch
    between states at ``V1`` and ``V2`` takes ``2 C_DD |V2 - V1| / I_max`` (+ ``relock_s`` when the clock changes)
    and costs ``(1 - eta) C_DD |V2^2 - V1^2|``."""

    decoupling_capacitance_f: Annotated[float, Field(gt=0, le=1.0, allow_inf_nan=False)]
    max_current_a: Annotated[float, Field(gt=0, le=1e4, allow_inf_nan=False)]
    efficiency: Annotated[float, Field(gt=0, le=1.0, allow_inf_nan=False)]
    relock_s: TimeS = 0.0


class DvfsTransitionSpec(Spec):
    """The cost of one DVFS state switch (a throttle or a release): the running jobs stall for ``latency_s`` (s:
    they finish that much later, and draw no dynamic power meanwhile) and the unit draws ``energy_j`` (J) as a
    constant power pulse ``energy_j / latency_s`` over the stall.

    Give ``latency_s`` and ``energy_j`` (one cost for every switch), or a ``regulator`` (a cost per pair of states
    from their ``voltage_v``). No defaults: cite them, or say ILLUSTRATIVE in ``source``.
    """

    latency_s: TimeS | None = None
    energy_j: Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)] | None = None
    regulator: RegulatorSpec | None = None
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _one_form_and_pulses_have_a_duration(self) -> DvfsTransitionSpec:
        fixed = self.latency_s is not None or self.energy_j is not None
        if fixed == (self.regulator is not None):
            raise ValueError("give latency_s and energy_j, or a regulator, not both")
        if fixed and (self.latency_s is None or self.energy_j is None):
            raise ValueError("give both latency_s and energy_j")
        if self.energy_j is not None and self.energy_j > 0 and self.latency_s == 0:
            raise ValueError("energy_j > 0 needs latency_s > 0 (the energy is drawn as a power pulse over the latency)")
        return self


class ThrottleSpec(Spec):
    """Thermal throttling of one unit, watching its thermal node.

    Reaching ``threshold_c`` switches to ``state`` (default: the slowest DVFS state); cooling to
    ``threshold_c - hysteresis_c`` switches back to the initial state. Reaching ``critical_c`` shuts the unit
    down for the rest of the run (its queued and running jobs are dropped and counted).
    """

    threshold_c: TemperatureC
    hysteresis_c: TemperatureDeltaK = 5.0
    critical_c: TemperatureC
    state: str | None = None

    @model_validator(mode="after")
    def _order(self) -> ThrottleSpec:
        if self.threshold_c >= self.critical_c:
            raise ValueError(f"threshold_c ({self.threshold_c} C) must be below critical_c ({self.critical_c} C)")
        return self


class ThrottleStepSpec(Spec):
    """One thermal trip of a multi-step throttle: at ``threshold_c`` the unit runs in DVFS ``state``; it leaves the
    step when it cools to ``threshold_c - hysteresis_c`` (Linux thermal framework semantics)."""

    threshold_c: TemperatureC
    hysteresis_c: Annotated[float, Field(ge=0, le=MAX_TEMP_C - ABSOLUTE_ZERO_C, allow_inf_nan=False)] = 5.0
    state: Name
    source: str = ""


class ThrottleStepsSpec(Spec):
    """Several thermal trips, each with its own DVFS state (e.g. the Raspberry Pi's 80 C soft and 85 C hard steps);
    the unit shuts down only at ``critical_c`` (a true critical trip; ``None``: never)."""

    steps: tuple[ThrottleStepSpec, ...]
    critical_c: TemperatureC | None = None
    source: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> ThrottleStepsSpec:
        not_empty("steps", self.steps)
        for k in range(1, len(self.steps)):
            a, b = self.steps[k - 1], self.steps[k]
            if not b.threshold_c > a.threshold_c:
                raise ValueError(f"steps[{k}].threshold_c ({b.threshold_c} C) must be above steps[{k - 1}] ({a.threshold_c} C)")
            if not b.threshold_c - b.hysteresis_c > a.threshold_c - a.hysteresis_c:
                raise ValueError(f"steps[{k}]: release points (threshold - hysteresis) must increase with the trips")
        if self.critical_c is not None and not self.critical_c > self.steps[-1].threshold_c:
            raise ValueError(f"critical_c ({self.critical_c} C) must be above the last step ({self.steps[-1].threshold_c} C)")
        return self
