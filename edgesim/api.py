"""The documented Python entry points that the CLI wraps: load, compile, simulate.

A spec made here remembers the document it was made from (:func:`scenario_document`): the scenario as written,
before its catalog references (``device: hailo8``, ``catalog: resnet50``) were replaced by the catalog's fields.
Sweeps and searches apply their overrides to that document and resolve it again, so a spec and its file behave
the same (``compute_units.npu.device`` swept over a loaded spec changes the device, as it does over the file).
"""
from __future__ import annotations

import copy
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .catalog.resolve import resolve_catalog_references
from .errors import EdgesimError
from .model.checks import check_references
from .model.compile import compile_system
from .model.run_budget import DEFAULT_MAX_EVENTS
from .results.result import SimulationResult, build_result
from .sim.engine import run_simulation
from .spec.load import check_as_written, parse_scenario, read_scenario_dict
from .spec.schema import ScenarioSpec

__all__ = ["load_scenario", "scenario_from_dict", "simulate", "ScenarioDocument", "scenario_document"]


@dataclass(frozen=True)
class ScenarioDocument:
    """The document a spec was made from, before catalog resolution.

    Attributes
    ----------
    data : dict
        The scenario as read from YAML (overrides applied), catalog references unresolved. A copy: edit freely.
    source : str
        The file (or label) named in messages.
    base_dir : Path or None
        The folder that relative ``catalog_files`` are read from.
    """

    data: dict[str, Any]
    source: str
    base_dir: Path | None


# id(spec) -> the document it was made from; an entry leaves with its spec (weakref.finalize)
_DOCUMENTS: dict[int, ScenarioDocument] = {}


def _remember(spec: ScenarioSpec, data: Mapping[str, Any], source: str, base_dir: Path | None) -> ScenarioSpec:
    key = id(spec)
    _DOCUMENTS[key] = ScenarioDocument(copy.deepcopy(dict(data)), source, base_dir)
    weakref.finalize(spec, _DOCUMENTS.pop, key, None)
    return spec


def _has_catalog_references(data: Mapping[str, Any]) -> list[str]:
    """The fields of ``data`` that name a catalog entry (``compute_units[0].device``, ``models[1].catalog``)."""
    refs: list[str] = []
    for key, field in (("compute_units", "device"), ("models", "catalog")):
        for i, item in enumerate(data.get(key) or []):
            if isinstance(item, Mapping) and item.get(field) is not None:
                refs.append(f"{key}[{i}].{field}")
    return refs


def scenario_document(spec: ScenarioSpec) -> ScenarioDocument:
    """The document to apply overrides to so that ``spec`` with overrides equals its file with the same overrides.

    A spec from :func:`load_scenario` or :func:`scenario_from_dict` gives the document it was made from. Any
    other spec (``ScenarioSpec.model_validate``, ``spec.model_copy(update=...)``) gives its own fields as set
    (``exclude_unset``), which is the same document only when no field came from the catalog.

    Raises
    ------
    EdgesimError
        The spec was not made here and names a catalog entry: which fields came from the catalog is unknown, so
        an override (of ``device:`` or of anything) could not be re-resolved exactly as in its file.
    """
    known = _DOCUMENTS.get(id(spec))
    if known is not None:
        return ScenarioDocument(copy.deepcopy(known.data), known.source, known.base_dir)
    data = spec.model_dump(mode="json", exclude={"source"}, exclude_unset=True)
    refs = _has_catalog_references(data)
    if refs:
        raise EdgesimError(
            f"{spec.source}: {refs[0]}: this ScenarioSpec was not made by edgesim.load_scenario or "
            "edgesim.scenario_from_dict and its catalog fields are already inline, so overrides cannot be "
            "re-resolved as in its file; pass the scenario file path (or load it with edgesim.load_scenario)")
    return ScenarioDocument(data, spec.source, None)


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
    data = read_scenario_dict(path)
    source, base_dir = str(path), Path(path).parent
    if overrides:  # the file as written is checked first: an override never hides a bad value
        check_as_written(data, source, base_dir, resolve_catalog_references, {(key,): "the override" for key in overrides})
        data.update(overrides)
    spec = parse_scenario(data, source=source, base_dir=base_dir, resolver=resolve_catalog_references)
    check_references(spec)
    return _remember(spec, data, source, base_dir)


def scenario_from_dict(data: Mapping[str, Any], source: str = "<dict>", base_dir: Path | None = None) -> ScenarioSpec:
    """Validate a scenario given as a plain dict (as read from YAML), as :func:`load_scenario` does a file."""
    spec = parse_scenario(data, source, base_dir, resolver=resolve_catalog_references)
    check_references(spec)
    return _remember(spec, data, source, base_dir)


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
