"""Scenario schema and loading: YAML -> frozen specs, names and types (no physics, no simulation, no catalog)."""
from .load import Resolver, parse_scenario, parse_scenario_file, read_scenario_dict
from .schema import (
    ArrivalSpec,
    CameraSpec,
    ComputeUnitSpec,
    MeasuredPoint,
    ModelSpec,
    RecordSpec,
    ScenarioSpec,
    StreamSpec,
)

__all__ = ["Resolver", "parse_scenario", "parse_scenario_file", "read_scenario_dict", "ScenarioSpec", "CameraSpec",
           "ModelSpec", "ComputeUnitSpec", "StreamSpec", "MeasuredPoint", "ArrivalSpec", "RecordSpec"]
