"""Scenario schema and loading."""
from .load import load_scenario, read_scenario_dict, scenario_from_dict
from .schema import ArrivalSpec, CameraSpec, ComputeUnitSpec, MeasuredPoint, ModelSpec, RecordSpec, ScenarioSpec, StreamSpec

__all__ = ["load_scenario", "read_scenario_dict", "scenario_from_dict", "ScenarioSpec", "CameraSpec", "ModelSpec",
           "ComputeUnitSpec", "StreamSpec", "MeasuredPoint", "ArrivalSpec", "RecordSpec"]
