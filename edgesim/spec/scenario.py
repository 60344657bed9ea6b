"""A whole scenario (:class:`ScenarioSpec`): its parts, what is recorded, and the checks across them."""
from __future__ import annotations

from typing import Annotated

from pydantic import Field, ValidationInfo, field_validator, model_validator

from .battery import BatterySpec
from .camera import CameraSpec
from .model import ModelSpec
from .pipeline import LinkSpec, LoadSpec, PipelineSpec, StreamSpec
from .platform import MemoryBusSpec, PlatformLoadSpec, ThermalSpec
from .types import MAX_DURATION_S, MIN_RECORD_INTERVAL_S, DurationS, Name, PositivePowerW, Spec, TimeS, not_empty
from .unit import ComputeUnitSpec

__all__ = ["RecordSpec", "ScenarioSpec"]


class RecordSpec(Spec):
    """What is recorded. ``interval_s``: bin width of the power, utilization and queue time series."""

    interval_s: Annotated[float, Field(ge=MIN_RECORD_INTERVAL_S, le=MAX_DURATION_S, allow_inf_nan=False)] = 1.0
    trace: bool = False


class ScenarioSpec(Spec):
    """A whole scenario. Times in seconds; statistics exclude frames that arrive before ``warmup_s``."""

    name: Name
    description: str = ""
    duration_s: DurationS
    warmup_s: TimeS = 0.0
    seed: Annotated[int, Field(ge=0, le=2**128)] = 0
    catalog_files: tuple[str, ...] = ()
    cameras: tuple[CameraSpec, ...] = ()
    models: tuple[ModelSpec, ...]
    compute_units: tuple[ComputeUnitSpec, ...]
    streams: tuple[StreamSpec, ...] = ()
    pipelines: tuple[PipelineSpec, ...] = ()
    links: tuple[LinkSpec, ...] = ()
    loads: tuple[LoadSpec, ...] = ()
    thermal: ThermalSpec | None = None
    battery: BatterySpec | None = None
    platform_loads: tuple[PlatformLoadSpec, ...] = ()
    power_budget_w: PositivePowerW | None = None  # the supply's limit (e.g. PoE class 3: 12.95 W at the device)
    memory_buses: tuple[MemoryBusSpec, ...] = ()
    record: RecordSpec = RecordSpec()
    source: str = "<dict>"

    @field_validator("models", "compute_units")
    @classmethod
    def _some(cls, items: tuple[object, ...], info: ValidationInfo) -> tuple[object, ...]:
        return not_empty(info.field_name or "list", items)

    @model_validator(mode="after")
    def _warmup_inside(self) -> ScenarioSpec:
        if not (self.streams or self.pipelines or self.loads):
            raise ValueError("nothing to run: give streams, pipelines or loads")
        if (self.streams or self.pipelines) and not self.cameras:
            raise ValueError("streams and pipelines need cameras")
        if self.warmup_s >= self.duration_s:
            raise ValueError(f"warmup_s ({self.warmup_s} s) must be below duration_s ({self.duration_s} s)")
        return self

    def camera(self, name: str) -> CameraSpec:
        return next(c for c in self.cameras if c.name == name)

    def model(self, name: str) -> ModelSpec:
        return next(m for m in self.models if m.name == name)

    def unit(self, name: str) -> ComputeUnitSpec:
        return next(u for u in self.compute_units if u.name == name)
