"""The battery feeding the platform: one spec per discharge model (ideal, peukert, kibam, liion), told apart by
the ``model`` key (a pydantic discriminated union; no ``model``: ideal). Each takes only its own model's keys:
``cell`` on an ideal battery, or ``kibam_k_per_s`` on a peukert one, is an unknown key."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator, model_validator

from .types import Fraction, Spec, TemperatureC

__all__ = ["BatterySpec", "IdealBatterySpec", "KibamBatterySpec", "LiionBatterySpec", "PeukertBatterySpec"]


class _BatteryBase(Spec):
    """What every battery model has: capacity, state of charge bounds, the DC-DC converter."""

    model: Literal["ideal", "peukert", "kibam", "liion"]  # narrowed by each model; declared first, as in the file
    capacity_wh: Annotated[float, Field(ge=1e-9, le=1e9, allow_inf_nan=False)]
    nominal_voltage_v: Annotated[float, Field(ge=1e-3, le=1e4, allow_inf_nan=False)] = 11.1
    cutoff_soc: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)] = 0.0
    initial_soc: Fraction = 1.0
    dcdc_efficiency: Fraction = 1.0
    sources: dict[str, str] = {}

    def _check_model(self) -> None:
        """The model's own cross-field checks (before the state-of-charge check common to all)."""

    @model_validator(mode="after")
    def _checks(self) -> _BatteryBase:
        self._check_model()
        if self.initial_soc <= self.cutoff_soc:
            raise ValueError(f"initial_soc ({self.initial_soc}) must be above cutoff_soc ({self.cutoff_soc}): "
                             "the battery would start empty")
        return self


class IdealBatterySpec(_BatteryBase):
    """An ideal battery: an energy bucket of ``capacity_wh``, feeding every unit and platform load through a DC-DC
    converter of ``dcdc_efficiency``; the run ends when the state of charge reaches ``cutoff_soc``."""

    model: Literal["ideal"] = "ideal"


class PeukertBatterySpec(_BatteryBase):
    """A Peukert battery: the capacity shrinks at currents above the rated one (``capacity_wh`` over
    ``rated_hours`` at ``nominal_voltage_v``) with ``peukert_exponent``; ends at ``cutoff_soc``."""

    model: Literal["peukert"]
    peukert_exponent: Annotated[float, Field(ge=1, le=10, allow_inf_nan=False)] = 1.0
    rated_hours: Annotated[float, Field(ge=1e-6, le=1e9, allow_inf_nan=False)] = 1.0


class KibamBatterySpec(_BatteryBase):
    """A kinetic battery model (KiBaM): ``kibam_c`` available fraction, ``kibam_k_per_s`` rate constant between
    the wells, current at ``nominal_voltage_v``; ends at ``cutoff_soc``."""

    model: Literal["kibam"]
    kibam_c: Annotated[float, Field(ge=1e-6, le=1 - 1e-6, allow_inf_nan=False)] = 0.625
    kibam_k_per_s: Annotated[float, Field(ge=1e-12, le=1e6, allow_inf_nan=False)] | None = None

    def _check_model(self) -> None:
        if self.kibam_k_per_s is None:
            raise ValueError("model kibam needs kibam_k_per_s (rate constant, 1/s)")


class LiionBatterySpec(_BatteryBase):
    """A Li-ion pack: an equivalent-circuit pack of ``series x parallel`` identical catalog cells ``cell`` at
    ``cell_temp_c`` (the cells of a parallel group share the current equally). The run ends when the voltage under
    load reaches ``series x`` the cell's cut-off (``cutoff_soc`` stays 0)."""

    model: Literal["liion"]
    cell: str | None = None  # a cell of edgesim/catalog/data/batteries.yaml
    series: Annotated[int, Field(ge=1, le=10_000)] = 1  # cells in series
    parallel: Annotated[int, Field(ge=1, le=10_000)] = 1  # cells in parallel (share the current equally)
    cell_temp_c: TemperatureC = 25.0  # cell temperature (sets R by Arrhenius and the usable capacity)

    @field_validator("series", "parallel", mode="before")
    @classmethod
    def _count_not_bool(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, bool):  # `parallel: yes` would otherwise read as 1
            raise ValueError("must be an integer count of cells >= 1, not a boolean")
        return value

    def _check_model(self) -> None:
        if self.cell is None:
            raise ValueError("model liion needs cell (a cell of the battery catalog, e.g. lg_m50_nmc811)")
        if self.cutoff_soc != 0.0:
            raise ValueError("model liion ends at the cell's cut-off voltage: leave cutoff_soc at 0")


def _ideal_by_default(value: Any) -> Any:
    """A battery section without ``model`` is an ideal battery (the one model with a default)."""
    if isinstance(value, dict) and "model" not in value:
        return {"model": "ideal", **value}
    return value


BatterySpec = Annotated[IdealBatterySpec | PeukertBatterySpec | KibamBatterySpec | LiionBatterySpec,
                        Field(discriminator="model"), BeforeValidator(_ideal_by_default)]
"""A battery feeding every unit and platform load through a DC-DC converter of ``dcdc_efficiency``: one of the four
models by its ``model`` key (ideal when absent)."""
