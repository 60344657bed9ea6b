"""The documented Python entry points that the CLI wraps."""
from __future__ import annotations

from pathlib import Path

from .results.result import SimulationResult, build_result
from .sim.engine import run_simulation
from .spec.load import load_scenario
from .spec.schema import ScenarioSpec


def simulate(scenario: ScenarioSpec | str | Path, duration_s: float | None = None, seed: int | None = None,
             trace: bool | None = None) -> SimulationResult:
    """Run one scenario.

    Parameters
    ----------
    scenario : ScenarioSpec or path
        A validated spec (from :func:`edgesim.load_scenario`) or a YAML file path.
    duration_s : float, optional
        Simulated time in seconds (overrides the scenario's ``duration_s``).
    seed : int, optional
        Root seed of every random source (overrides the scenario's ``seed``).
    trace : bool, optional
        Keep one record per job (frame x model); memory then grows with the run.

    Returns
    -------
    SimulationResult
        ``.summary`` (the JSON contract), ``.timeseries`` and ``.trace`` DataFrames, ``.write(dir)``.
    """
    spec = scenario if isinstance(scenario, ScenarioSpec) else load_scenario(scenario)
    return build_result(run_simulation(spec, duration_s=duration_s, seed=seed, trace=trace))
