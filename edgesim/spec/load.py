"""Loading a scenario: parse YAML safely, let a resolver fill catalog references, validate the schema.

Every problem becomes a :class:`~edgesim.errors.ScenarioError` naming the file, the field path
(``cameras[1].fps``) and what is wrong.
"""
from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import ScenarioError, ScenarioErrors
from ..textfile import InputFileError, read_input_text
from ..yamlio import safe_load
from .schema import ScenarioSpec

__all__ = ["Resolver", "format_loc", "parse_scenario", "parse_scenario_file", "read_scenario_dict"]

Resolver = Callable[[dict[str, Any], str, "Path | None"], dict[str, Any]]
"""Replaces catalog references in a scenario dict by the catalog's fields: ``resolver(data, source, base_dir)``."""


def read_scenario_dict(path: str | Path) -> dict[str, Any]:
    """Read a scenario file into a plain dict (YAML safe loader only), without validating it."""
    path = Path(path)
    source = str(path)
    if path.is_dir():
        raise ScenarioError(source, "", "is a directory, not a scenario file")
    try:
        text = read_input_text(path)  # UTF-8 (BOM dropped), CRLF read as LF; binary, huge, missing: one line
    except InputFileError as exc:
        raise ScenarioError(source, "", exc.problem) from None
    try:
        data = safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "unknown position"
        raise ScenarioError(source, "", f"YAML syntax error at {where}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(source, "", f"YAML error: {exc}") from None
    if not isinstance(data, dict):
        raise ScenarioError(source, "", f"a scenario must be a mapping of keys (name, cameras, ...), got {type(data).__name__}")
    return data


def parse_scenario_file(path: str | Path, overrides: Mapping[str, Any] | None = None,
                        resolver: Resolver | None = None) -> ScenarioSpec:
    """Read and schema-validate a scenario file (see :func:`parse_scenario`).

    ``overrides`` replaces top-level keys before validation (e.g. ``{"duration_s": 10}``).
    """
    data = read_scenario_dict(path)
    if overrides:
        data.update(overrides)
    return parse_scenario(data, source=str(path), base_dir=Path(path).parent, resolver=resolver)


def format_loc(loc: tuple[Any, ...]) -> str:
    """``('cameras', 1, 'fps')`` -> ``cameras[1].fps``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed at the mapping that holds ``loc`` (for 'unknown key' messages)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        annotation = field.annotation
        current = _inner_model(annotation)
        if current is None:
            return []
    return sorted(getattr(current, "model_fields", {}).keys())


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _validation_errors(source: str, exc: ValidationError) -> ScenarioErrors:
    errors = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        field = format_loc(loc)
        kind = err["type"]
        if kind == "missing":
            problem = "required field is missing"
        elif kind == "extra_forbidden":
            allowed = _allowed_keys(ScenarioSpec, loc)
            problem = "unknown key" + (f" (allowed: {', '.join(allowed)})" if allowed else "")
        else:
            problem = err["msg"]
            if problem.startswith("Value error, "):
                problem = problem[len("Value error, "):]
            if "input" in err and kind not in ("model_type", "dict_type") and not isinstance(err["input"], (dict, list)):
                problem += f" (got {err['input']!r})"
        errors.append(ScenarioError(source, field, problem))
    return ScenarioErrors(errors)


def parse_scenario(data: Mapping[str, Any], source: str = "<dict>", base_dir: Path | None = None,
                   resolver: Resolver | None = None) -> ScenarioSpec:
    """Validate a scenario given as a plain dict (as read from YAML) against the schema.

    Parameters
    ----------
    data : mapping
        The scenario as read from YAML.
    source : str
        File path (or a label) named in every error.
    base_dir : Path, optional
        Directory that relative ``catalog_files`` are read from.
    resolver : callable, optional
        Replaces catalog references (``device: hailo8``, ``catalog: resnet50``) by the cited fields before
        validation: ``resolver(data, source, base_dir) -> data``. ``edgesim.load_scenario`` passes the catalog's.

    Raises
    ------
    ScenarioError
        Naming ``source``, the field path and the problem. Cross-field checks (references, costs, thermal
        paths) are the compile step's: :func:`edgesim.model.compile.compile_system`.
    """
    doc: dict[str, Any] = copy.deepcopy(dict(data))
    if resolver is not None:
        doc = resolver(doc, source, base_dir)
    doc["source"] = source
    try:
        return ScenarioSpec.model_validate(doc)
    except ValidationError as exc:
        raise _validation_errors(source, exc) from None
