"""edgesim: a discrete-event simulator of edge AI systems.

Cameras emit frames, neural models cost ops per pixel, compute units serve them with measured, predicted or
analytic throughput and power. Results give latency, achieved FPS, energy and the white paper's capacity figures.

The flow: a scenario file is loaded into a spec (``edgesim.spec``), compiled into a runtime model
(``edgesim.model``), run as events (``edgesim.sim``) and summarized (``edgesim.results``).

The public names below are loaded on first use (PEP 562), so ``import edgesim.physics`` needs only numpy and
scipy: the physics stays importable and testable without SimPy, pydantic or pandas.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:  # the names as type checkers and editors see them
    from .api import load_scenario, scenario_from_dict, simulate
    from .errors import EdgesimError, ScenarioError
    from .model.compile import compile_system
    from .results.result import SimulationResult
    from .spec.schema import ScenarioSpec
    from .sweeps import fit, sweep

__all__ = ["__version__", "simulate", "sweep", "fit", "load_scenario", "scenario_from_dict", "compile_system", "ScenarioSpec",
           "SimulationResult", "EdgesimError", "ScenarioError"]

_HOME = {
    "simulate": "edgesim.api", "load_scenario": "edgesim.api", "scenario_from_dict": "edgesim.api",
    "EdgesimError": "edgesim.errors", "ScenarioError": "edgesim.errors", "compile_system": "edgesim.model.compile",
    "SimulationResult": "edgesim.results.result", "ScenarioSpec": "edgesim.spec.schema",
    "sweep": "edgesim.sweeps", "fit": "edgesim.sweeps",
}


def __getattr__(name: str) -> Any:
    """Load a public name from the module that defines it, the first time it is asked for."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'edgesim' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
