"""Results: the JSON summary contract, DataFrames and files."""
from .result import SimulationResult, build_result

__all__ = ["SimulationResult", "build_result"]
