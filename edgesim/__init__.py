"""edgesim: a discrete-event simulator of edge AI systems.

Cameras emit frames, neural models cost ops per pixel, compute units serve them with measured or analytic
throughput and power. Results give latency, achieved FPS, energy and the white paper's capacity figures.
"""
__version__ = "0.1.0"

from .api import simulate  # noqa: E402
from .errors import EdgesimError, ScenarioError  # noqa: E402
from .results.result import SimulationResult  # noqa: E402
from .spec.load import load_scenario, scenario_from_dict  # noqa: E402
from .spec.schema import ScenarioSpec  # noqa: E402
from .sweeps import fit, sweep  # noqa: E402

__all__ = ["__version__", "simulate", "sweep", "fit", "load_scenario", "scenario_from_dict", "ScenarioSpec",
           "SimulationResult", "EdgesimError", "ScenarioError"]
