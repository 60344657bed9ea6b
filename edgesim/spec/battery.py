"""The battery feeding the platform: capacity, converter and the discharge model (ideal, peukert, kibam, liion)."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from .types import Fraction, Spec, TemperatureC

__all__ = ["BatterySpec"]


class BatterySpec(Spec):
    """A battery feeding every unit and platform load through a DC-DC converter of ``dcdc_efficiency``.

    ``model``: ideal (energy bucket), peukert (``peukert_exponent``, ``rated_hours``), kibam (kinetic battery
    model: ``kibam_c`` available fraction, ``kibam_k_per_s`` rate constant), liion (an equivalent-circuit pack of
    ``series x parallel`` identical catalog cells ``cell`` at ``cell_temp_c``; the cells of a parallel group share
    the current equally). The run ends when the state of charge reaches ``cutoff_soc`` (liion: when the voltage
    under load reaches ``series x`` the cell's cut-off). ``cell``, ``series``, ``parallel`` and ``cell_temp_c``
    are for liion only: given with another model they are an error.
    """

    model: Literal["ideal", "peukert", "kibam", "liion"] = "ideal"
    capacity_wh: Annotated[float, Field(ge=1e-9, le=1e9, allow_inf_nan=False)]
    nominal_voltage_v: Annotated[float, Field(ge=1e-3, le=1e4, allow_inf_nan=False)] = 11.1
    cutoff_soc: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)] = 0.0
    initial_soc: Fraction = 1.0
    dcdc_efficiency: Fraction = 1.0
    peukert_exponent: Annotated[float, Field(ge=1, le=10, allow_inf_nan=False)] = 1.0
    rated_hours: Annotated[float, Field(ge=1e-6, le=1e9, allow_inf_nan=False)] = 1.0
    kibam_c: Annotated[float, Field(ge=1e-6, le=1 - 1e-6, allow_inf_nan=False)] = 0.625
    kibam_k_per_s: Annotated[float, Field(ge=1e-12, le=1e6, allow_inf_nan=False)] | None = None
    cell: str | None = None  # liion: a cell of edgesim/catalog/data/batteries.yaml
    series: Annotated[int, Field(ge=1, le=10_000)] = 1  # liion: cells in series
    parallel: Annotated[int, Field(ge=1, le=10_000)] = 1  # liion: cells in parallel (share the current equally)
    cell_temp_c: TemperatureC = 25.0  # liion: cell temperature (sets R by Arrhenius and the usable capacity)
    sources: dict[str, str] = {}

    @field_validator("series", "parallel", mode="before")
    @classmethod
    def _count_not_bool(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, bool):  # `parallel: yes` would otherwise read as 1
            raise ValueError("must be an integer count of cells >= 1, not a boolean")
        return value

    @field_validator("cell", "series", "parallel", "cell_temp_c")
    @classmethod
    def _liion_only(cls, value: object, info: ValidationInfo) -> object:
        # runs only on fields given explicitly (defaults are not validated); `model` is declared first
        model = info.data.get("model")
        if value is not None and model is not None and model != "liion":
            raise ValueError(f"only for model liion (a pack of catalog cells), not model {model!r}: "
                             f"remove {info.field_name} or set model: liion")
        return value

    @model_validator(mode="after")
    def _kibam_needs_k(self) -> BatterySpec:
        if self.model == "kibam" and self.kibam_k_per_s is None:
            raise ValueError("model kibam needs kibam_k_per_s (rate constant, 1/s)")
        if self.model == "liion" and self.cell is None:
            raise ValueError("model liion needs cell (a cell of the battery catalog, e.g. lg_m50_nmc811)")
        if self.model == "liion" and self.cutoff_soc != 0.0:
            raise ValueError("model liion ends at the cell's cut-off voltage: leave cutoff_soc at 0")
        if self.initial_soc <= self.cutoff_soc:
            raise ValueError(f"initial_soc ({self.initial_soc}) must be above cutoff_soc ({self.cutoff_soc}): "
                             "the battery would start empty")
        return self
