"""The documented Python entry points that the CLI wraps: load, compile, simulate."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .catalog.resolve import resolve_catalog_references
from .model.budget import DEFAULT_MAX_EVENTS
from .model.checks import check_references
from .model.compile import compile_system
from .results.result import SimulationResult, build_result
from .sim.engine import run_simulation
from .spec.load import parse_scenario, parse_scenario_file
from .spec.schema import ScenarioSpec

__all__ = ["load_scenario", "scenario_from_dict", "simulate"]


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> ScenarioSpec:
    """Load a scenario file: parse YAML, resolve catalog references, validate the schema, check cross-references.

    Parameters
    ----------
    path : str or Path
        The YAML scenario file.
    overrides : mapping, optional
        Top-level keys replaced before validation (e.g. ``{"duration_s": 10}``).

    Returns
    -------
    ScenarioSpec
        Frozen, validated, catalog references resolved, SI units.

    Raises
    ------
    ScenarioError
        Naming the file, the field path and the problem.
    """
    spec = parse_scenario_file(path, overrides, resolver=resolve_catalog_references)
    check_references(spec)
    return spec


def scenario_from_dict(data: Mapping[str, Any], source: str = "<dict>", base_dir: Path | None = None) -> ScenarioSpec:
    """Validate a scenario given as a plain dict (as read from YAML), as :func:`load_scenario` does a file."""
    spec = parse_scenario(data, source, base_dir, resolver=resolve_catalog_references)
    check_references(spec)
    return spec


def simulate(scenario: ScenarioSpec | str | Path, duration_s: float | None = None, seed: int | None = None,
             trace: bool | None = None, max_events: float = DEFAULT_MAX_EVENTS, exact: bool = False) -> SimulationResult:
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
    max_events : float
        Refuse (a :class:`ScenarioError` naming the field that drives it) a run estimated above this many events
        (under fast-forward: once the events actually simulated would pass it).
    exact : bool
        Simulate every event. By default a run with a platform and periodic cameras is fast-forwarded over its
        stationary stretches (``edgesim.sim.fastforward``; the summary's ``fast_forward`` block gives what was
        forwarded and the error bounds).

    Returns
    -------
    SimulationResult
        ``.summary`` (the JSON contract), ``.timeseries`` and ``.trace`` DataFrames, ``.write(dir)``.
    """
    spec = scenario if isinstance(scenario, ScenarioSpec) else load_scenario(scenario)
    model = compile_system(spec, duration_s=duration_s, seed=seed, trace=trace, max_events=max_events, exact=exact)
    return build_result(run_simulation(model))
