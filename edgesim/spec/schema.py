"""The scenario schema: frozen pydantic models, SI units, every quantity's unit in its name.

A scenario file is parsed (YAML), its catalog references are resolved (``device: hailo8``), and the
result is validated into a :class:`ScenarioSpec`. Nothing downstream reads raw YAML.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Precision = Literal["int4", "int8", "fp16", "bf16", "fp32"]
UnitKind = Literal["cpu", "gpu", "npu", "dla", "tpu", "vpu"]
DropPolicy = Literal["drop_oldest", "drop_newest", "never_drop"]

PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegativeFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]
PositiveInt = Annotated[int, Field(gt=0)]
Fraction = Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
Name = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")]


class Spec(BaseModel):
    """Base of every spec: immutable, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ArrivalSpec(Spec):
    """When a camera's frames arrive.

    ``periodic``: t_k = phase_s + k / fps. ``jitter``: the periodic instant plus a uniform offset in
    [-jitter_s, +jitter_s] (2 x jitter_s must stay below the period so frames keep their order).
    ``poisson``: exponential gaps with mean 1 / fps.
    """

    kind: Literal["periodic", "jitter", "poisson"] = "periodic"
    phase_s: NonNegativeFloat = 0.0
    jitter_s: NonNegativeFloat = 0.0


class CameraSpec(Spec):
    """A camera (or any frame source). ``count`` > 1 replicates it as ``name_0 .. name_{count-1}``."""

    name: Name
    width_px: PositiveInt
    height_px: PositiveInt
    fps: PositiveFloat
    arrival: ArrivalSpec = ArrivalSpec()
    count: PositiveInt = 1
    stagger: bool = False  # replicas' phases spread evenly over one frame period (unsynchronized cameras)

    @model_validator(mode="after")
    def _jitter_keeps_order(self) -> "CameraSpec":
        if self.arrival.kind == "jitter" and 2 * self.arrival.jitter_s >= 1.0 / self.fps:
            raise ValueError(
                f"arrival.jitter_s = {self.arrival.jitter_s} s must be below half the frame period "
                f"({0.5 / self.fps:.6g} s at {self.fps} fps) so frames keep their order"
            )
        return self

    @property
    def pixels(self) -> int:
        return self.width_px * self.height_px


class ModelSpec(Spec):
    """A neural model. Its cost scales with the pixel count of the frames it runs on.

    Give either ``ops_per_pixel`` or ``ops_per_inference`` at ``ref_width_px`` x ``ref_height_px``.
    One op is one multiply or one add (ops = 2 x MACs).
    """

    name: Name
    catalog: str | None = None
    ops_per_pixel: PositiveFloat | None = None
    ops_per_inference: PositiveFloat | None = None
    ref_width_px: PositiveInt | None = None
    ref_height_px: PositiveInt | None = None
    precision: Precision = "int8"
    weight_bytes: NonNegativeFloat | None = None
    sources: dict[str, str] = {}

    @model_validator(mode="after")
    def _one_cost(self) -> "ModelSpec":
        if self.ops_per_pixel is None and self.ops_per_inference is None:
            raise ValueError("give ops_per_pixel, or ops_per_inference with ref_width_px and ref_height_px")
        if self.ops_per_inference is not None and (self.ref_width_px is None or self.ref_height_px is None):
            raise ValueError("ops_per_inference needs ref_width_px and ref_height_px (the resolution it was counted at)")
        return self

    def ops_per_pixel_value(self) -> float:
        """Operations per input pixel (the white paper's ~150k for a ResNet-50-class backbone)."""
        if self.ops_per_pixel is not None:
            return self.ops_per_pixel
        assert self.ops_per_inference is not None and self.ref_width_px and self.ref_height_px
        return self.ops_per_inference / (self.ref_width_px * self.ref_height_px)

    def ops_for(self, pixels: int) -> float:
        """Operations for one inference on a frame of ``pixels`` pixels (cost scales with pixel count)."""
        return self.ops_per_pixel_value() * pixels


class MeasuredPoint(Spec):
    """A published measurement of a model on a unit at full load; overrides the analytic estimate.

    ``fps`` is the sustained throughput (inferences per second) and ``power_w`` the power drawn while
    running it. Where the stream's resolution differs from ``width_px`` x ``height_px`` the service time
    is scaled by pixel count (and the result says so).
    """

    model: str
    fps: PositiveFloat
    power_w: PositiveFloat | None = None
    batch: PositiveInt = 1
    precision: Precision | None = None
    width_px: PositiveInt | None = None
    height_px: PositiveInt | None = None
    source: str = Field(min_length=1)
    conditions: str = ""


class ComputeUnitSpec(Spec):
    """A compute unit (CPU, GPU, NPU...). ``device: NAME`` fills fields from the catalog; fields given here win.

    Power v1: P = idle_power_w + (P_active - idle_power_w) x busy, where P_active is the measured power of
    the running model if known, else ``max_power_w``.
    """

    name: Name
    kind: UnitKind
    device: str | None = None
    device_unit: str | None = None
    peak_ops_per_s: dict[Precision, PositiveFloat] = {}
    idle_power_w: NonNegativeFloat
    max_power_w: PositiveFloat
    efficiency: Fraction | None = None
    efficiency_by_model: dict[str, Fraction] = {}
    efficiency_from_measured: str | None = None
    measured: tuple[MeasuredPoint, ...] = ()
    service_time_distribution: Literal["deterministic", "exponential"] = "deterministic"
    sources: dict[str, str] = {}

    @model_validator(mode="after")
    def _power_order(self) -> "ComputeUnitSpec":
        if self.max_power_w < self.idle_power_w:
            raise ValueError(f"max_power_w ({self.max_power_w} W) is below idle_power_w ({self.idle_power_w} W)")
        return self

    def measured_point(self, model: str) -> MeasuredPoint | None:
        for point in self.measured:
            if point.model == model:
                return point
        return None


class StreamSpec(Spec):
    """One model running on every frame of one camera (all replicas of it), on one unit.

    ``queue_capacity`` bounds this stream's jobs waiting at the unit (not counting the one in service);
    ``drop_policy`` says which job goes when it is full.
    """

    camera: str
    model: str
    unit: str
    queue_capacity: PositiveInt = 4
    drop_policy: DropPolicy = "drop_oldest"


class RecordSpec(Spec):
    """What is recorded. ``interval_s``: bin width of the power, utilization and queue time series."""

    interval_s: PositiveFloat = 1.0
    trace: bool = False


class ScenarioSpec(Spec):
    """A whole scenario. Times in seconds; statistics exclude frames that arrive before ``warmup_s``."""

    name: Name
    description: str = ""
    duration_s: PositiveFloat
    warmup_s: NonNegativeFloat = 0.0
    seed: Annotated[int, Field(ge=0)] = 0
    catalog_files: tuple[str, ...] = ()
    cameras: tuple[CameraSpec, ...] = Field(min_length=1)
    models: tuple[ModelSpec, ...] = Field(min_length=1)
    compute_units: tuple[ComputeUnitSpec, ...] = Field(min_length=1)
    streams: tuple[StreamSpec, ...] = Field(min_length=1)
    record: RecordSpec = RecordSpec()
    source: str = "<dict>"

    @model_validator(mode="after")
    def _warmup_inside(self) -> "ScenarioSpec":
        if self.warmup_s >= self.duration_s:
            raise ValueError(f"warmup_s ({self.warmup_s} s) must be below duration_s ({self.duration_s} s)")
        return self

    def camera(self, name: str) -> CameraSpec:
        return next(c for c in self.cameras if c.name == name)

    def model(self, name: str) -> ModelSpec:
        return next(m for m in self.models if m.name == name)

    def unit(self, name: str) -> ComputeUnitSpec:
        return next(u for u in self.compute_units if u.name == name)
