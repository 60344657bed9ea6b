"""edgesim: a discrete-event simulator of edge AI systems.

Cameras emit frames, neural models cost ops per pixel, compute units serve them with measured or analytic
throughput and power. Results give latency, achieved FPS, energy and the white paper's capacity figures.

The flow: a scenario file is loaded into a spec (``edgesim.spec``), compiled into a runtime model
(``edgesim.model``), run as events (``edgesim.sim``) and summarized (``edgesim.results``).
"""
from ._version import __version__
from .api import load_scenario, scenario_from_dict, simulate
from .errors import EdgesimError, ScenarioError
from .model.compile import compile_system
from .results.result import SimulationResult
from .spec.schema import ScenarioSpec
from .sweeps import fit, sweep

__all__ = ["__version__", "simulate", "sweep", "fit", "load_scenario", "scenario_from_dict", "compile_system", "ScenarioSpec",
           "SimulationResult", "EdgesimError", "ScenarioError"]
