"""What a sweep or a search reads: its base scenario (a file, a dict or a loaded spec) and the sweep file.

The base scenario is a document that overrides apply to before catalog resolution. A file, a raw dict and a
:class:`~edgesim.spec.schema.ScenarioSpec` give the same document: the scenario as written, ``device:`` and
``catalog:`` references unresolved, so an override of ``compute_units.npu.device`` brings in the new device's
catalog fields, on a loaded spec exactly as on its file (see :func:`edgesim.api.scenario_document`). A spec whose
document is unknown and that names catalog entries is refused (:class:`~edgesim.errors.EdgesimError`) rather
than swept wrongly.

A sweep file is a YAML mapping naming a base ``scenario`` and how to vary it (see docs/sweeps.md). Both are read
by :func:`read_yaml_file`: edgesim's one text-file policy (:mod:`edgesim.textfile`) with the sweep's own size cap.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..api import scenario_document
from ..errors import EdgesimError
from ..spec.load import scenario_dict_from_text
from ..spec.schema import ScenarioSpec
from ..textfile import InputFileError, read_input_text
from .errors import SweepError
from .identity import check_expanded_size
from .plan import SweepSpec, parse_domain

__all__ = [
    "MAX_FILE_BYTES", "BaseScenario", "base_scenario", "read_yaml_file", "SWEEP_KEYS", "is_sweep_mapping",
    "spec_from_mapping", "load_sweep_file"
]


# --------------------------------------------------------------------------------------------------
# Reading a file; the base scenario
# --------------------------------------------------------------------------------------------------

MAX_FILE_BYTES = 1 << 20
"""Largest sweep or scenario file a sweep reads (1 MiB; edgesim's own files are a few kB, a sweep of a 200-site
city under 100 kB). PyYAML reads about 0.1 MB a second, so a larger file would stall for minutes."""


def read_yaml_file(path: str | Path, what: str = "sweep or scenario file") -> dict[str, Any]:
    """Read a sweep (or base scenario) file into a dict: edgesim's one input-file policy
    (:func:`edgesim.textfile.read_input_text`: UTF-8, or UTF-16/UTF-32 with a byte-order mark, CRLF as LF), under
    the sweep's own cap :data:`MAX_FILE_BYTES`.

    Raises
    ------
    SweepError
        One line naming the file: a directory, a device or pipe, a missing file, one over the cap, binary content,
        bytes that are not text; a YAML syntax error or a document that is not a mapping.
    """
    p = Path(path)
    src = str(p)
    try:
        text = read_input_text(p, MAX_FILE_BYTES, cap_name="edgesim.sweeps.inputs.MAX_FILE_BYTES")
    except InputFileError as exc:
        raise SweepError(src, "", f"{exc.problem} ({what})") from None
    return scenario_dict_from_text(text, src)  # one-line YAML errors


@dataclass(frozen=True)
class BaseScenario:
    """A base scenario: its raw document, where it came from, and the folder relative ``catalog_files`` are in."""

    data: dict[str, Any]
    source: str
    base_dir: str | None


def base_scenario(scenario: Any, who: str = "sweep") -> BaseScenario:
    """The raw document of ``scenario`` (a file path, a raw dict or a ScenarioSpec), to apply overrides to.

    Raises
    ------
    EdgesimError
        ``scenario`` is none of these, or a spec whose catalog references cannot be re-resolved.
    """
    if isinstance(scenario, ScenarioSpec):
        doc = scenario_document(scenario)
        return BaseScenario(doc.data, doc.source, str(doc.base_dir) if doc.base_dir is not None else None)
    if isinstance(scenario, (str, Path)):
        path = Path(scenario)
        return BaseScenario(read_yaml_file(path, "scenario file"), str(path), str(path.parent))
    if isinstance(scenario, Mapping):
        check_expanded_size(scenario, "<dict>")
        return BaseScenario(dict(scenario), "<dict>", None)
    raise EdgesimError(f"{who}: scenario must be a file path, a dict or a ScenarioSpec, got {type(scenario).__name__}")


# --------------------------------------------------------------------------------------------------
# The sweep file
# --------------------------------------------------------------------------------------------------

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
