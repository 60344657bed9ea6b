"""Sweep files: a YAML mapping naming a base ``scenario`` and how to vary it (see docs/sweeps.md)."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .base import read_yaml_file
from .domain import parse_domain
from .errors import SweepError
from .identity import check_expanded_size
from .plan import SweepSpec

__all__ = ["SWEEP_KEYS", "is_sweep_mapping", "spec_from_mapping", "load_sweep_file"]

SWEEP_KEYS = ("scenario", "parameters", "cases", "mode", "samples", "replications", "seed", "duration_s",
              "seed_mode", "per_stream", "jobs", "out", "pareto")


def is_sweep_mapping(data: Mapping[str, Any]) -> bool:
    """A sweep file names a ``scenario`` (a scenario file never has that key)."""
    return isinstance(data, Mapping) and "scenario" in data


def spec_from_mapping(data: Mapping[str, Any], source: str, base_dir: Path | None) -> tuple[SweepSpec, dict[str, Any]]:
    """A :class:`SweepSpec` from a sweep document, and the document's run options (``jobs``, ``out``, ``pareto``).

    Paths in the document (``scenario``, ``out``) are relative to ``base_dir`` (the sweep file's folder).
    """
    check_expanded_size(data, source)
    unknown = [k for k in data if k not in SWEEP_KEYS]
    if unknown:
        raise SweepError(source, str(unknown[0]), f"unknown key (allowed: {', '.join(SWEEP_KEYS)})")
    raw = data.get("scenario")
    if isinstance(raw, str):
        path = Path(raw)
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        if not path.exists():
            raise SweepError(source, "scenario", f"file not found: {path}")
        scenario = read_yaml_file(path, "scenario file")
        scenario_source: str = str(path)
        scenario_dir: str | None = str(path.parent)
    elif isinstance(raw, dict):
        scenario = dict(raw)
        scenario_source, scenario_dir = f"{source}#scenario", (str(base_dir) if base_dir else None)
    else:
        raise SweepError(source, "scenario", "must be a scenario file path or an inline scenario mapping")
    params_raw = data.get("parameters") or {}
    if not isinstance(params_raw, dict):
        raise SweepError(source, "parameters", "must be a mapping of dotted path -> values")
    parameters = {str(p): parse_domain(v, source, f"parameters.{p}") for p, v in params_raw.items()}
    cases_raw = data.get("cases") or {}
    if isinstance(cases_raw, list):
        cases = {f"case_{i}": c for i, c in enumerate(cases_raw)}
    elif isinstance(cases_raw, dict):
        cases = {str(k): v for k, v in cases_raw.items()}
    else:
        raise SweepError(source, "cases", "must be a mapping name -> {dotted path: value} (or a list of such mappings)")
    mode = data.get("mode", "random" if data.get("samples") is not None else "grid")
    spec = SweepSpec(
        scenario=scenario, parameters=parameters, cases=cases, mode=mode, samples=data.get("samples"),
        replications=data.get("replications", 1), seed=data.get("seed", 0), duration_s=data.get("duration_s"),
        seed_mode=data.get("seed_mode", "independent"), per_stream=bool(data.get("per_stream", True)),
        source=scenario_source, base_dir=scenario_dir, spec_source=source,
    )
    spec.validate()
    options: dict[str, Any] = {}
    if data.get("jobs") is not None:
        jobs = data["jobs"]
        if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
            raise SweepError(source, "jobs", f"must be an integer >= 1, got {jobs!r}")
        options["jobs"] = jobs
    if data.get("out") is not None:
        out = Path(str(data["out"]))
        options["out"] = str(out if out.is_absolute() or base_dir is None else base_dir / out)
    if data.get("pareto") is not None:
        pareto = data["pareto"]
        if not isinstance(pareto, dict) or len(pareto) < 2 or any(v not in ("min", "max") for v in pareto.values()):
            raise SweepError(source, "pareto", "must map at least two result columns to 'min' or 'max'")
        options["pareto"] = dict(pareto)
    return spec, options


def load_sweep_file(path: str | Path) -> tuple[SweepSpec, dict[str, Any]]:
    """Read a sweep YAML file (see docs/sweeps.md)."""
    path = Path(path)
    data = read_yaml_file(path, "sweep file")
    if not is_sweep_mapping(data):
        raise SweepError(str(path), "scenario", "a sweep file names its base scenario (scenario: FILE)")
    return spec_from_mapping(data, str(path), path.parent)
