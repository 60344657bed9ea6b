"""Loading a scenario: parse YAML safely, let a resolver fill catalog references, validate the schema.

Every problem becomes a :class:`~edgesim.errors.ScenarioError` naming the file, the field path
(``cameras[1].fps``) and what is wrong.

Overrides (``edgesim run --duration``, ``--set``) never hide a bad value: the file is validated as written first
(:func:`check_as_written`), so ``duration_s: -5`` is an error even when ``--duration 5`` replaces it, and the
message says where the value came from: ``duration_s: Input should be greater than 0 (got -5) (in the file,
before --duration)``.
"""
from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple, get_args

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import ScenarioError, ScenarioErrors
from ..textfile import InputFileError, read_input_text
from ..yamlio import safe_load
from .schema import ScenarioSpec

__all__ = ["Resolver", "Loc", "Overridden", "check_as_written", "format_loc", "parse_scenario", "parse_scenario_file", "read_scenario_dict",
           "scenario_dict_from_text"]

Resolver = Callable[[dict[str, Any], str, "Path | None"], dict[str, Any]]
"""Replaces catalog references in a scenario dict by the catalog's fields: ``resolver(data, source, base_dir)``."""

Loc = tuple[str | int, ...]
Overridden = Mapping[Loc, str]
"""Where overrides replace a file's values: a field location as pydantic gives it (``("cameras", 0, "fps")``) ->
the option that replaces it, named in messages (``"--set cameras.cam.fps"``, ``"--duration"``)."""


def read_scenario_dict(path: str | Path) -> dict[str, Any]:
    """Read a scenario file into a plain dict (YAML safe loader only), without validating it."""
    path = Path(path)
    source = str(path)
    if path.is_dir():
        raise ScenarioError(source, "", "is a directory, not a scenario file")
    try:
        text = read_input_text(path)  # edgesim's one file policy (edgesim.textfile): BOM, UTF-16, CRLF; bad: one line
    except InputFileError as exc:
        raise ScenarioError(source, "", exc.problem) from None
    return scenario_dict_from_text(text, source)


def scenario_dict_from_text(text: str, source: str) -> dict[str, Any]:
    """A scenario's text (as :func:`edgesim.textfile.read_input_text` gives it) as a plain dict, not validated."""
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
                        resolver: Resolver | None = None, overridden: Overridden | None = None) -> ScenarioSpec:
    """Read and schema-validate a scenario file (see :func:`parse_scenario`).

    Parameters
    ----------
    path : str or Path
        The YAML file.
    overrides : mapping, optional
        Top-level keys replaced before validation (e.g. ``{"duration_s": 10}``). The file is first validated as
        written (:func:`check_as_written`): a bad value is an error even where an override replaces it.
    resolver : callable, optional
        Fills catalog references (see :func:`parse_scenario`).
    overridden : mapping, optional
        The locations the overrides replace and the option that replaces each (:data:`Overridden`), for the
        as-written check; default: each top-level key of ``overrides``, named "the override".
    """
    data = read_scenario_dict(path)
    source, base_dir = str(path), Path(path).parent
    if overrides:
        where: Overridden = overridden if overridden is not None else {(key,): "the override" for key in overrides}
        check_as_written(data, source, base_dir, resolver, where)
        data.update(overrides)
    return parse_scenario(data, source=source, base_dir=base_dir, resolver=resolver)


def _under(loc: Loc, overridden: Overridden) -> str | None:
    """The option whose location holds ``loc`` (``loc`` equal to it or inside it), or ``None``."""
    for prefix, option in overridden.items():
        if tuple(loc[:len(prefix)]) == tuple(prefix):
            return option
    return None


def _field_under(field: str, overridden: Overridden) -> str | None:
    """:func:`_under` for a field path already formatted (``cameras[0].fps``), as the resolver's errors give it."""
    for prefix, option in overridden.items():
        text = format_loc(prefix)
        if field == text or field.startswith((text + ".", text + "[")):
            return option
    return None


def check_as_written(data: Mapping[str, Any], source: str, base_dir: Path | None, resolver: Resolver | None,
                     overridden: Overridden) -> None:
    """Validate a scenario as its file states it, before overrides replace some of its values.

    An invalid value is an error even where an override (``--duration``, ``--set``) would replace it: the file
    is wrong, and running silently with the override would hide that. Only problems at or inside an overridden
    location are raised here, each ending ``(in the file, before OPTION)``; a value that an override supplies may
    be missing from the file; a problem elsewhere (or one the overrides resolve, such as a ``warmup_s`` longer
    than the file's ``duration_s`` under ``--duration``) is left to the validation of the overridden scenario,
    which reads the same values.

    Parameters
    ----------
    data : mapping
        The scenario as read from the file (:func:`read_scenario_dict`), overrides not applied.
    source : str
        The file, named in every error.
    base_dir : Path, optional
        Directory of relative ``catalog_files``.
    resolver : callable, optional
        Fills catalog references (see :func:`parse_scenario`).
    overridden : mapping
        Location -> option (:data:`Overridden`).

    Raises
    ------
    ScenarioError
        Every problem of the file as written at an overridden location.
    """
    if not overridden:
        return
    doc: dict[str, Any] = copy.deepcopy(dict(data))
    try:
        if resolver is not None:
            doc = resolver(doc, source, base_dir)
    except ScenarioError as exc:
        singles = exc.errors if isinstance(exc, ScenarioErrors) else [exc]
        found = [(e, _field_under(e.field, overridden)) for e in singles]
        bad = [ScenarioError(e.source, e.field, f"{e.problem} (in the file, before {option})") for e, option in found if option]
        if bad:
            raise ScenarioErrors(bad) from None
        return  # a problem elsewhere: the overridden scenario's validation reports it
    doc["source"] = source
    try:
        ScenarioSpec.model_validate(doc)
    except ValidationError as exc:
        bad = []
        for err in exc.errors():
            option = _under(_where(tuple(err["loc"])).loc, overridden)
            if option is not None and err["type"] != "missing":
                single = _validation_error(source, err)
                bad.append(ScenarioError(source, single.field, f"{single.problem} (in the file, before {option})"))
        if bad:
            raise ScenarioErrors(bad) from None


def format_loc(loc: tuple[Any, ...]) -> str:
    """``('cameras', 1, 'fps')`` -> ``cameras[1].fps``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _tagged_union(annotation: Any) -> tuple[str, dict[str, type[BaseModel]]] | None:
    """(discriminator key, tag -> model) of a discriminated union in ``annotation`` (``X | None`` too), or ``None``."""
    for meta in getattr(annotation, "__metadata__", ()):
        key = getattr(meta, "discriminator", None)
        if isinstance(key, str):
            members = [m for m in getattr(annotation.__origin__, "__args__", ()) if isinstance(m, type) and issubclass(m, BaseModel)]
            return key, {tag: m for m in members for tag in get_args(m.model_fields[key].annotation)}
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _tagged_union(arg)
        if found is not None:
            return found
    return None


class _Where(NamedTuple):
    """An error's location as the file spells it, the model whose key its last part is, and the tagged union
    (discriminator key, tag, tag -> model) that model was chosen from, if any."""

    loc: Loc
    holder: type[BaseModel] | None
    union: tuple[str, str, dict[str, type[BaseModel]]] | None


def _where(loc: tuple[Any, ...]) -> _Where:
    """Walk ``loc`` down the schema, dropping the tags pydantic inserts after a discriminated union's field
    (``('battery', 'ideal', 'cell')`` -> ``('battery', 'cell')``: the file has no ``ideal`` key)."""
    current: type[BaseModel] | None = ScenarioSpec
    holder: type[BaseModel] | None = None
    union: tuple[str, str, dict[str, type[BaseModel]]] | None = None
    clean: list[str | int] = []
    k = 0
    while k < len(loc):
        part = loc[k]
        clean.append(part)
        k += 1
        if isinstance(part, int) or current is None:
            continue
        holder = current
        field = current.model_fields.get(part)
        if field is None:
            current = None
            continue
        tagged = _tagged_union(field.annotation)
        if tagged is not None and k < len(loc) and loc[k] in tagged[1]:
            key, members = tagged
            union, current = (key, str(loc[k]), members), members[loc[k]]
            k += 1  # the tag: not a key of the file
        else:
            union, current = None, _inner_model(field.annotation)
    return _Where(tuple(clean), holder, union)


def _unknown_key(where: _Where) -> str:
    """'unknown key' with the keys allowed there; under a tagged union, the models that take the key."""
    key = where.loc[-1]
    allowed = sorted(where.holder.model_fields) if where.holder is not None else []
    listed = f" (allowed: {', '.join(allowed)})" if allowed else ""
    if where.union is None:
        return "unknown key" + listed
    disc, tag, members = where.union
    takers = [other for other, model in members.items() if other != tag and key in model.model_fields]
    if takers:
        return (f"only for {disc} {' or '.join(takers)}, not {disc} {tag!r}: remove {key} or set {disc}: {takers[0]}")
    return f"unknown key for {disc} {tag}" + listed


def _bad_tag(err: Any) -> tuple[str, str]:
    """A discriminated union's tag that names no model: (its key, the message a literal field would give)."""
    ctx = err.get("ctx") or {}
    key = str(ctx.get("discriminator", "")).strip("'")
    tags = [tag.strip().strip("'") for tag in str(ctx.get("expected_tags", "")).split(",")]
    quoted = [repr(tag) for tag in tags]
    expected = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
    got = err["input"].get(key) if isinstance(err.get("input"), dict) else ctx.get("tag")
    return key, f"Input should be {expected} (got {got!r})"


def _validation_error(source: str, err: Any) -> ScenarioError:
    """One pydantic error (an entry of ``ValidationError.errors()``) as a :class:`ScenarioError`."""
    where = _where(tuple(err["loc"]))
    kind = err["type"]
    if kind == "union_tag_invalid":
        key, problem = _bad_tag(err)
        return ScenarioError(source, format_loc(where.loc + ((key,) if key else ())), problem)
    field = format_loc(where.loc)
    if kind == "missing":
        problem = "required field is missing"
    elif kind == "extra_forbidden":
        problem = _unknown_key(where)
    else:
        problem = err["msg"]
        if problem.startswith("Value error, "):
            problem = problem[len("Value error, "):]
        if "input" in err and kind not in ("model_type", "dict_type") and not isinstance(err["input"], (dict, list)):
            problem += f" (got {err['input']!r})"
    return ScenarioError(source, field, problem)


def _validation_errors(source: str, exc: ValidationError) -> ScenarioErrors:
    return ScenarioErrors([_validation_error(source, err) for err in exc.errors()])


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
