"""The work run on frames: streams (one model per camera), pipelines of stages on units and links, links, and
MLPerf-style load drivers.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from .types import (
    MAX_COUNT,
    BytesPerS,
    DropPolicy,
    Fps,
    Name,
    Ops,
    OpsPerPixel,
    Pixels,
    PositiveBytes,
    PositiveTimeS,
    PowerW,
    Precision,
    QueueLength,
    Spec,
    TimeS,
    not_empty,
)

__all__ = ["StreamInputSpec", "StreamSpec", "LinkSpec", "CountSpec", "StageSpec", "PipelineSpec", "LoadSpec"]


class StreamInputSpec(Spec):
    """The model's own input size: frames are resized to ``width_px`` x ``height_px`` before the model runs.

    The model's cost (ops per pixel, the white paper's C = FPS x W x H x ops/pixel) applies to the pixels it sees.
    ``resize`` says how the frame is fitted (``letterbox``: scaled to fit and padded; ``stretch``: scaled to fill;
    ``crop``: scaled to cover and cut); the compute is the same for all three. The resize is free unless ``resize_unit`` names
    the unit that does it (a CPU, an ISP): then each frame first costs ``ops_per_pixel`` x the frame's pixels there
    (its time and energy; no default: give the figure you measured or cite), and the model job starts when it is done.
    """

    width_px: Pixels
    height_px: Pixels
    resize: Literal["letterbox", "stretch", "crop"] = "letterbox"
    resize_unit: str | None = None  # the unit that resizes (a CPU, an ISP); None: free
    ops_per_pixel: OpsPerPixel | None = None  # per pixel of the camera frame
    precision: Precision | None = None  # of the resize ops (default: the unit's only peak precision)
    queue_capacity: Annotated[int, Field(gt=0, le=1_000_000)] = 4
    source: str = ""

    @model_validator(mode="after")
    def _costed_where_placed(self) -> StreamInputSpec:
        if self.resize_unit is not None and self.ops_per_pixel is None:
            raise ValueError("a resize placed on a unit (resize_unit) needs its cost: ops_per_pixel (per camera-frame pixel)")
        if self.resize_unit is None and self.ops_per_pixel is not None:
            raise ValueError("ops_per_pixel is the cost of a resize on a unit: name the unit with resize_unit")
        return self


class StreamSpec(Spec):
    """One model running on every frame of one camera (all replicas of it), on one unit.

    ``queue_capacity`` bounds this stream's jobs waiting at the unit (not counting the one in service);
    ``drop_policy`` says which job goes when it is full. ``input`` runs the model at its own input size.
    """

    camera: str
    model: str
    unit: str
    input: StreamInputSpec | None = None
    queue_capacity: QueueLength = 4
    drop_policy: DropPolicy = "drop_oldest"
    priority: Annotated[int, Field(ge=-1_000_000_000, le=1_000_000_000)] = 0  # scheduler: priority serves higher first
    deadline_s: PositiveTimeS | None = None  # relative to frame arrival; default one frame period (1 / fps)


class LinkSpec(Spec):
    """A transfer resource (PCIe, M.2, USB, Ethernet, MIPI): FIFO, ``bandwidth_bytes_per_s`` occupancy per byte,
    ``latency_s`` added after the transfer (it does not occupy the link), ``energy_j_per_byte`` drawn per byte."""

    name: Name
    bandwidth_bytes_per_s: BytesPerS
    latency_s: TimeS = 0.0
    energy_j_per_byte: Annotated[float, Field(ge=0, le=1e3, allow_inf_nan=False)] = 0.0
    idle_power_w: PowerW = 0.0
    sources: dict[str, str] = {}


class CountSpec(Spec):
    """How many jobs of a stage one frame makes: ``fixed`` (mean), ``poisson`` (mean) or ``uniform`` in [low, high]."""

    kind: Literal["fixed", "poisson", "uniform"] = "fixed"
    mean: Annotated[float, Field(ge=0, le=MAX_COUNT, allow_inf_nan=False)] = 1.0
    low: Annotated[int, Field(ge=0, le=MAX_COUNT)] = 0
    high: Annotated[int, Field(ge=0, le=MAX_COUNT)] = 0
    source: str = ""  # low <= high is checked with the pipeline (model.pipeline_checks)


class StageSpec(Spec):
    """One stage of a pipeline, placed on a unit (compute) or a link (transfer).

    Compute cost: ``model`` (an inference, service time as for streams), or ``ops_per_pixel`` / ``ops_per_item``
    at the unit's analytic rate (e.g. decode, resize, normalize, NMS). Transfer: ``bytes_per_pixel`` (x frame
    pixels) or ``bytes_per_item``. ``count`` makes several jobs per frame (e.g. one classifier run per detected
    object); the stages after it wait for all of them. ``after`` lists the stages it depends on.
    """

    name: Name
    unit: str | None = None
    link: str | None = None
    model: str | None = None
    ops_per_pixel: OpsPerPixel | None = None
    ops_per_item: Ops | None = None
    precision: Precision | None = None
    bytes_per_pixel: Annotated[float, Field(gt=0, le=1e6, allow_inf_nan=False)] | None = None
    bytes_per_item: PositiveBytes | None = None
    count: CountSpec = CountSpec()
    after: tuple[str, ...] = ()
    width_px: Pixels | None = None  # the stage's own input size (e.g. a 224 x 224 crop); default the frame's
    height_px: Pixels | None = None
    queue_capacity: QueueLength = 4
    drop_policy: DropPolicy = "never_drop"
    priority: Annotated[int, Field(ge=-1_000_000_000, le=1_000_000_000)] = 0

    @model_validator(mode="after")
    def _placed_and_costed(self) -> StageSpec:
        if (self.unit is None) == (self.link is None):
            raise ValueError("a stage is placed on exactly one of unit or link")
        if self.unit is not None and sum(x is not None for x in (self.model, self.ops_per_pixel, self.ops_per_item)) != 1:
            raise ValueError("a compute stage needs exactly one of model, ops_per_pixel, ops_per_item")
        if self.link is not None and sum(x is not None for x in (self.bytes_per_pixel, self.bytes_per_item)) != 1:
            raise ValueError("a transfer stage needs exactly one of bytes_per_pixel, bytes_per_item")
        if (self.width_px is None) != (self.height_px is None):
            raise ValueError("give both width_px and height_px, or neither")
        return self


class PipelineSpec(Spec):
    """A DAG of stages run on every frame of ``camera`` (all its replicas). Latency: frame arrival to last sink."""

    name: Name
    camera: str
    stages: tuple[StageSpec, ...]
    deadline_s: PositiveTimeS | None = None  # default one frame period

    @field_validator("stages")
    @classmethod
    def _some(cls, items: tuple[object, ...]) -> tuple[object, ...]:
        return not_empty("stages", items)


class LoadSpec(Spec):
    """An MLPerf-style load driver (LoadGen scenarios) instead of, or besides, cameras.

    ``single_stream``: one query of one sample, the next when it completes (report p90 latency).
    ``multi_stream``: queries of ``samples_per_query`` samples, the next when all complete (p99 latency).
    ``server``: Poisson queries at ``target_qps`` (p99 latency, valid when under ``latency_bound_s``).
    ``offline``: all samples queued at once (throughput, samples/s).
    """

    name: Name
    scenario: Literal["single_stream", "multi_stream", "server", "offline"]
    model: str
    unit: str
    width_px: Pixels
    height_px: Pixels
    samples_per_query: QueueLength = 8
    target_qps: Fps | None = None
    latency_bound_s: PositiveTimeS | None = None
    offline_samples: QueueLength = 24576
