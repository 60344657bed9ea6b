"""The scenario schema: frozen pydantic models, SI units, every quantity's unit in its name.

A scenario file is parsed (YAML), its catalog references are resolved (``device: hailo8``), and the
result is validated into a :class:`ScenarioSpec`. Nothing downstream reads raw YAML.

The classes live in modules by domain; this module re-exports every public name of them, so
``from edgesim.spec.schema import X`` is the one import the rest of edgesim uses:

- :mod:`.types`: the sanity bounds (``MAX_...``), the ``Annotated`` aliases with units, the base :class:`Spec`;
- :mod:`.camera`: cameras, their arrival process and power draw;
- :mod:`.model`: neural model specs;
- :mod:`.profile`: a model's operator-class profile (``edgesim model import``);
- :mod:`.unit`: compute units, measured points, leakage, batching, sleep, power modes;
- :mod:`.dvfs`: DVFS states and transitions, thermal throttles;
- :mod:`.platform`: thermal network, fan, ambient and sun, platform loads, memory buses, schedules;
- :mod:`.battery`: the battery, one spec per model (a discriminated union on ``model``);
- :mod:`.pipeline`: streams, links, pipeline stages, MLPerf loads;
- :mod:`.scenario`: :class:`ScenarioSpec` (and what is recorded) with its cross-field checks.
"""
from __future__ import annotations

from .battery import BatterySpec, IdealBatterySpec, KibamBatterySpec, LiionBatterySpec, PeukertBatterySpec
from .camera import ArrivalSpec, CameraPowerSpec, CameraSpec
from .dvfs import DvfsStateSpec, DvfsTransitionSpec, RegulatorSpec, ThrottleSpec, ThrottleStepSpec, ThrottleStepsSpec
from .model import ModelSpec
from .pipeline import CountSpec, LinkSpec, LoadSpec, PipelineSpec, StageSpec, StreamInputSpec, StreamSpec
from .platform import AmbientProfileSpec, FanSpec, MemoryBusSpec, PlatformLoadSpec, ScheduleSpec, SunSpec, ThermalLinkSpec, ThermalNodeSpec, ThermalSpec
from .profile import PROFILE_OP_CLASSES, ModelProfileSpec, OpsByClassSpec
from .scenario import RecordSpec, ScenarioSpec
from .types import (
    ABSOLUTE_ZERO_C,
    MAX_BYTES,
    MAX_BYTES_PER_S,
    MAX_COUNT,
    MAX_DURATION_S,
    MAX_FPS,
    MAX_FREQUENCY_HZ,
    MAX_OPS_PER_INFERENCE,
    MAX_OPS_PER_PIXEL,
    MAX_OPS_PER_S,
    MAX_PIXELS_PER_SIDE,
    MAX_POWER_W,
    MAX_QUEUE,
    MAX_TEMP_C,
    MIN_BYTES_PER_S,
    MIN_FRACTION,
    MIN_FREQUENCY_HZ,
    MIN_OPS_PER_S,
    MIN_RECORD_INTERVAL_S,
    MIN_TIME_S,
    Bytes,
    BytesPerS,
    Count,
    DropPolicy,
    DurationS,
    Fps,
    Fraction,
    FrequencyHz,
    Name,
    NonNegativeFloat,
    Ops,
    OpsPerPixel,
    OpsPerS,
    Pixels,
    PositiveBytes,
    PositiveFloat,
    PositiveInt,
    PositivePowerW,
    PositiveTimeS,
    PowerW,
    Precision,
    QueueLength,
    RefName,
    Spec,
    TemperatureC,
    TemperatureDeltaK,
    TimeS,
    UnitKind,
    not_empty,
)
from .unit import BatchingSpec, BatchTimeSpec, ComputeUnitSpec, ExpLeakageSpec, MeasuredPoint, PowerCurveSpec, PowerModeSpec, SleepSpec

__all__ = ["BatterySpec", "IdealBatterySpec", "KibamBatterySpec", "LiionBatterySpec", "PeukertBatterySpec",
    "ArrivalSpec", "CameraPowerSpec", "CameraSpec", "DvfsStateSpec", "RegulatorSpec", "DvfsTransitionSpec",
    "ThrottleSpec", "ThrottleStepSpec", "ThrottleStepsSpec", "ModelSpec", "StreamInputSpec", "StreamSpec", "LinkSpec",
    "CountSpec", "StageSpec", "PipelineSpec", "LoadSpec", "ScheduleSpec", "ThermalNodeSpec", "ThermalLinkSpec",
    "FanSpec", "AmbientProfileSpec", "SunSpec", "ThermalSpec", "PlatformLoadSpec", "MemoryBusSpec", "RecordSpec",
    "ScenarioSpec", "ABSOLUTE_ZERO_C", "MAX_BYTES", "MAX_BYTES_PER_S", "MAX_COUNT", "MAX_DURATION_S", "MAX_FPS",
    "MAX_FREQUENCY_HZ", "MAX_OPS_PER_INFERENCE", "MAX_OPS_PER_PIXEL", "MAX_OPS_PER_S", "MAX_PIXELS_PER_SIDE",
    "MAX_POWER_W", "MAX_QUEUE", "MAX_TEMP_C", "MIN_BYTES_PER_S", "MIN_FRACTION", "MIN_FREQUENCY_HZ", "MIN_OPS_PER_S",
    "MIN_RECORD_INTERVAL_S", "MIN_TIME_S", "DropPolicy", "Precision", "UnitKind", "Bytes", "BytesPerS", "Count",
    "DurationS", "Fps", "Fraction", "FrequencyHz", "Name", "NonNegativeFloat", "Ops", "OpsPerPixel", "OpsPerS",
    "Pixels", "PositiveBytes", "PositiveFloat", "PositiveInt", "PositivePowerW", "PositiveTimeS", "PowerW",
    "QueueLength", "RefName", "TemperatureC", "TemperatureDeltaK", "TimeS", "Spec", "not_empty", "MeasuredPoint",
    "ExpLeakageSpec", "BatchTimeSpec", "BatchingSpec", "PowerCurveSpec", "PowerModeSpec", "SleepSpec",
    "ComputeUnitSpec", "ModelProfileSpec", "OpsByClassSpec", "PROFILE_OP_CLASSES"]
