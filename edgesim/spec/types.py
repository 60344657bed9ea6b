"""Shared pieces of the scenario schema: the sanity bounds, the unit-carrying ``Annotated`` aliases and the base
:class:`Spec` (frozen, unknown keys rejected).

Every number is finite (no NaN, no infinity) and lies in a stated range. The ranges are not physical
constants from a source: they are sanity bounds, set orders of magnitude beyond any edge device (a 65,536 px
side, a million fps, 1e18 ops/s, 1 MW), so that no product or quotient of two inputs can overflow to infinity
(which JSON cannot hold) and no count can ask for more objects than a machine holds. Each is named below
(``MAX_...``) and its message says the bound.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ABSOLUTE_ZERO_C", "MAX_BYTES", "MAX_BYTES_PER_S", "MAX_COUNT", "MAX_DURATION_S", "MAX_FPS",
    "MAX_FREQUENCY_HZ", "MAX_OPS_PER_INFERENCE", "MAX_OPS_PER_PIXEL", "MAX_OPS_PER_S", "MAX_PIXELS_PER_SIDE",
    "MAX_POWER_W", "MAX_QUEUE", "MAX_TEMP_C", "MIN_BYTES_PER_S", "MIN_FRACTION", "MIN_FREQUENCY_HZ", "MIN_OPS_PER_S",
    "MIN_RECORD_INTERVAL_S", "MIN_TIME_S", "DropPolicy", "Precision", "UnitKind", "Bytes", "BytesPerS", "Count",
    "DurationS", "Fps", "Fraction", "FrequencyHz", "Name", "NonNegativeFloat", "Ops", "OpsPerPixel", "OpsPerS",
    "Pixels", "PositiveBytes", "PositiveFloat", "PositiveInt", "PositivePowerW", "PositiveTimeS", "PowerW",
    "QueueLength", "RefName", "TemperatureC", "TemperatureDeltaK", "TimeS", "Spec", "not_empty"]

Precision = Literal["int4", "int8", "fp16", "bf16", "fp32"]
UnitKind = Literal["cpu", "gpu", "npu", "dla", "tpu", "vpu", "link"]
DropPolicy = Literal["drop_oldest", "drop_newest", "never_drop"]

# Sanity bounds (not measured figures; see the module docstring). Each is far beyond any edge system.
MAX_PIXELS_PER_SIDE = 65_536  # px: a 4.3 gigapixel frame
MAX_FPS = 1e6  # frames (or inferences, queries) per second
MAX_COUNT = 10_000  # replicas of one camera; servers of one unit
MAX_DURATION_S = 1e9  # s of simulated time (31.7 years)
MIN_TIME_S = 1e-12  # s: the shortest positive duration accepted (a picosecond)
MIN_RECORD_INTERVAL_S = 1e-6  # s: the finest recording bin
MAX_OPS_PER_PIXEL = 1e12  # ops per input pixel (ResNet-50 class: 1.5e5)
MAX_OPS_PER_INFERENCE = 1e18  # ops per inference or per item
MAX_OPS_PER_S = 1e18  # ops/s: peak of one unit (largest accelerators: ~1e16)
MIN_OPS_PER_S = 1.0  # ops/s
MAX_POWER_W = 1e6  # W
MAX_BYTES = 1e15  # bytes moved or held per inference (a petabyte)
MAX_BYTES_PER_S = 1e15  # bytes/s of a link or memory bus
MIN_BYTES_PER_S = 1.0  # bytes/s
MAX_FREQUENCY_HZ = 1e12
MIN_FREQUENCY_HZ = 1.0
ABSOLUTE_ZERO_C = -273.15  # C
MAX_TEMP_C = 1000.0  # C
MAX_QUEUE = 10_000_000  # jobs waiting per stream / samples per query
MIN_FRACTION = 1e-6  # smallest efficiency, state of charge or converter efficiency accepted


PositiveFloat = Annotated[float, Field(gt=0, le=1e18, allow_inf_nan=False)]
NonNegativeFloat = Annotated[float, Field(ge=0, le=1e18, allow_inf_nan=False)]
PositiveInt = Annotated[int, Field(gt=0)]
Fraction = Annotated[float, Field(ge=MIN_FRACTION, le=1, allow_inf_nan=False)]
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.\-]+$")]
RefName = Annotated[str, Field(min_length=1, max_length=200)]

Pixels = Annotated[int, Field(gt=0, le=MAX_PIXELS_PER_SIDE)]
Fps = Annotated[float, Field(gt=0, le=MAX_FPS, allow_inf_nan=False)]
Count = Annotated[int, Field(gt=0, le=MAX_COUNT)]
QueueLength = Annotated[int, Field(gt=0, le=MAX_QUEUE)]
DurationS = Annotated[float, Field(gt=0, le=MAX_DURATION_S, allow_inf_nan=False)]
TimeS = Annotated[float, Field(ge=0, le=MAX_DURATION_S, allow_inf_nan=False)]
PositiveTimeS = Annotated[float, Field(ge=MIN_TIME_S, le=MAX_DURATION_S, allow_inf_nan=False)]
OpsPerPixel = Annotated[float, Field(gt=0, le=MAX_OPS_PER_PIXEL, allow_inf_nan=False)]
Ops = Annotated[float, Field(gt=0, le=MAX_OPS_PER_INFERENCE, allow_inf_nan=False)]
OpsPerS = Annotated[float, Field(ge=MIN_OPS_PER_S, le=MAX_OPS_PER_S, allow_inf_nan=False)]
PowerW = Annotated[float, Field(ge=0, le=MAX_POWER_W, allow_inf_nan=False)]
PositivePowerW = Annotated[float, Field(gt=0, le=MAX_POWER_W, allow_inf_nan=False)]
Bytes = Annotated[float, Field(ge=0, le=MAX_BYTES, allow_inf_nan=False)]
PositiveBytes = Annotated[float, Field(gt=0, le=MAX_BYTES, allow_inf_nan=False)]
BytesPerS = Annotated[float, Field(ge=MIN_BYTES_PER_S, le=MAX_BYTES_PER_S, allow_inf_nan=False)]
FrequencyHz = Annotated[float, Field(ge=MIN_FREQUENCY_HZ, le=MAX_FREQUENCY_HZ, allow_inf_nan=False)]
TemperatureC = Annotated[float, Field(ge=ABSOLUTE_ZERO_C, le=MAX_TEMP_C, allow_inf_nan=False)]
TemperatureDeltaK = Annotated[float, Field(gt=0, le=MAX_TEMP_C - ABSOLUTE_ZERO_C, allow_inf_nan=False)]


def not_empty(key: str, items: tuple[object, ...]) -> tuple[object, ...]:
    """Refuse an empty list (checked after the items validate, so a bad item is not also reported as 'empty')."""
    if not items:
        raise ValueError(f"{key} needs at least one entry")
    return items


class Spec(BaseModel):
    """Base of every spec: immutable, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)
