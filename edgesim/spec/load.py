"""Loading a scenario: parse YAML safely, resolve catalog references, validate the schema, check cross-references.

Every problem becomes a :class:`~edgesim.errors.ScenarioError` naming the file, the field path
(``cameras[1].fps``) and what is wrong.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import ScenarioError, ScenarioErrors
from ..yamlio import safe_load
from .schema import ScenarioSpec


def read_scenario_dict(path: str | Path) -> dict[str, Any]:
    """Read a scenario file into a plain dict (YAML safe loader only), without validating it."""
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(source, "", "file not found") from None
    except IsADirectoryError:
        raise ScenarioError(source, "", "is a directory, not a scenario file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(source, "", f"cannot read file: {exc}") from None
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


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> ScenarioSpec:
    """Load and validate a scenario file.

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
    """
    data = read_scenario_dict(path)
    if overrides:
        data.update(overrides)
    return scenario_from_dict(data, source=str(path), base_dir=Path(path).parent)


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


def _resolve_catalog(data: dict[str, Any], source: str, base_dir: Path | None) -> dict[str, Any]:
    """Replace ``catalog: NAME`` (models) and ``device: NAME`` (units) by the cited catalog fields; given fields win."""
    models = data.get("models")
    units = data.get("compute_units")
    wants_catalog = any(isinstance(m, dict) and m.get("catalog") for m in models or [] if isinstance(models, list)) or any(
        isinstance(u, dict) and u.get("device") for u in units or [] if isinstance(units, list)
    )
    if not wants_catalog:
        return data
    from ..catalog import load_catalog  # the catalog is only read when a scenario refers to it

    extra = data.get("catalog_files") or []
    if not isinstance(extra, list):
        raise ScenarioError(source, "catalog_files", "must be a list of file paths")
    paths = [Path(p) if Path(p).is_absolute() or base_dir is None else base_dir / p for p in extra]
    catalog = load_catalog(paths)
    out = dict(data)
    declared_models = {m.get("name") for m in models if isinstance(m, dict)} if isinstance(models, list) else set()
    if isinstance(models, list):
        resolved = []
        for i, entry in enumerate(models):
            if isinstance(entry, dict) and entry.get("catalog"):
                name = entry["catalog"]
                try:
                    base = catalog.model_fields(name, entry.get("precision"))
                except KeyError as exc:
                    raise ScenarioError(source, f"models[{i}].catalog", str(exc.args[0]) if exc.args else f"unknown model {name!r}") from None
                entry = {**base, **entry}
            resolved.append(entry)
        out["models"] = resolved
    if isinstance(units, list):
        resolved = []
        for i, entry in enumerate(units):
            if isinstance(entry, dict) and entry.get("device"):
                name = entry["device"]
                try:
                    base = catalog.unit_fields(name, entry.get("device_unit"))
                except KeyError as exc:
                    raise ScenarioError(source, f"compute_units[{i}].device", str(exc.args[0]) if exc.args else f"unknown device {name!r}") from None
                merged = {**base, **entry}
                if "sources" in entry and "sources" in base:
                    merged["sources"] = {**base["sources"], **entry["sources"]}
                entry = _derive_efficiency(merged, catalog, declared_models)
            resolved.append(entry)
        out["compute_units"] = resolved
    return out


def _derive_efficiency(unit: dict[str, Any], catalog: Any, declared_models: set) -> dict[str, Any]:
    """Turn a catalog unit's ``efficiency_from_measured: MODEL`` into a number using the catalog's op count for
    MODEL, when the scenario does not declare MODEL itself: achieved ops/s of that measured point / peak."""
    ref = unit.get("efficiency_from_measured")
    if not ref or unit.get("efficiency") is not None or ref in declared_models:
        return unit
    point = next((p for p in unit.get("measured") or [] if isinstance(p, dict) and p.get("model") == ref), None)
    if point is None:
        return unit
    try:
        model = catalog.model_fields(ref, point.get("precision"))
    except KeyError:
        return unit
    precision = point.get("precision") or model.get("precision", "int8")
    peak = (unit.get("peak_ops_per_s") or {}).get(precision)
    ref_px = model["ref_width_px"] * model["ref_height_px"]
    measured_px = (point.get("width_px") or model["ref_width_px"]) * (point.get("height_px") or model["ref_height_px"])
    if not peak:
        return unit
    achieved_ops_per_s = point["fps"] * model["ops_per_inference"] * measured_px / ref_px
    out = {k: v for k, v in unit.items() if k != "efficiency_from_measured"}
    out["efficiency"] = min(1.0, achieved_ops_per_s / peak)
    out["sources"] = {**(unit.get("sources") or {}), "efficiency": (
        f"derived: measured {ref} {point['fps']:g} fps x {model['ops_per_inference'] * measured_px / ref_px:.4g} ops "
        f"/ peak {peak:.4g} ops/s ({point.get('source', 'catalog')})")}
    return out


def scenario_from_dict(data: Mapping[str, Any], source: str = "<dict>", base_dir: Path | None = None) -> ScenarioSpec:
    """Validate a scenario given as a plain dict (as read from YAML).

    Raises
    ------
    ScenarioError
        Naming ``source``, the field path and the problem.
    """
    data = copy.deepcopy(dict(data))
    data = _resolve_catalog(data, source, base_dir)
    data["source"] = source
    try:
        spec = ScenarioSpec.model_validate(data)
    except ValidationError as exc:
        raise _validation_errors(source, exc) from None
    check_references(spec)
    return spec


def check_references(spec: ScenarioSpec) -> None:
    """Names unique; every stream names a camera, a model and a unit that exist; every job has a service time."""
    from ..physics.service import ServiceTimeError, service_time  # noqa: WPS433 (physics import is cheap)

    source = spec.source
    errors: list[ScenarioError] = []
    for key, items in (("cameras", spec.cameras), ("models", spec.models), ("compute_units", spec.compute_units),
                       ("links", spec.links), ("pipelines", spec.pipelines), ("loads", spec.loads)):
        seen: dict[str, int] = {}
        for i, item in enumerate(items):
            if item.name in seen:
                errors.append(ScenarioError(source, f"{key}[{i}].name", f"duplicate name {item.name!r} (also {key}[{seen[item.name]}])"))
            seen[item.name] = i
    cameras = {c.name: c for c in spec.cameras}
    models = {m.name: m for m in spec.models}
    units = {u.name: u for u in spec.compute_units}
    pairs: dict[tuple[str, str], int] = {}
    for i, stream in enumerate(spec.streams):
        for key, name, known in (("camera", stream.camera, cameras), ("model", stream.model, models), ("unit", stream.unit, units)):
            if name not in known:
                errors.append(ScenarioError(source, f"streams[{i}].{key}", f"no {key} named {name!r} (known: {', '.join(sorted(known)) or 'none'})"))
        if (stream.camera, stream.model) in pairs:
            errors.append(ScenarioError(source, f"streams[{i}]", f"camera {stream.camera!r} already runs model {stream.model!r} (streams[{pairs[(stream.camera, stream.model)]}])"))
        pairs[(stream.camera, stream.model)] = i
        if stream.camera in cameras and stream.model in models and stream.unit in units:
            unit = units[stream.unit]
            try:
                service_time(unit, models[stream.model], cameras[stream.camera].pixels, models)
            except ServiceTimeError as exc:
                j = spec.compute_units.index(unit)
                errors.append(ScenarioError(source, f"compute_units[{j}].{exc.field}", f"{exc} (needed by streams[{i}])"))
    for j, unit in enumerate(spec.compute_units):
        ref = unit.efficiency_from_measured
        if ref is not None and unit.measured_point(ref) is None:
            errors.append(ScenarioError(source, f"compute_units[{j}].efficiency_from_measured", f"no measured point for model {ref!r} on this unit"))
        elif ref is not None and ref not in models:
            errors.append(ScenarioError(source, f"compute_units[{j}].efficiency_from_measured", f"model {ref!r} is not declared under models (its ops per inference are needed)"))
    from .pipeline_checks import check_pipelines

    errors.extend(check_pipelines(spec))
    errors.extend(_check_thermal_references(spec))
    if errors:
        raise ScenarioErrors(errors)


def _check_thermal_references(spec: ScenarioSpec) -> list[ScenarioError]:
    """Thermal nodes named by units, loads and links exist; a throttled unit sits on a node."""
    source = spec.source
    errors: list[ScenarioError] = []
    nodes = {n.name for n in spec.thermal.nodes} if spec.thermal else set()
    if spec.thermal is not None:
        for i, link in enumerate(spec.thermal.links):
            for end in link.between:
                if end != "ambient" and end not in nodes:
                    errors.append(ScenarioError(source, f"thermal.links[{i}].between", f"no thermal node named {end!r} (known: {', '.join(sorted(nodes))}, ambient)"))
            if link.between[0] == link.between[1]:
                errors.append(ScenarioError(source, f"thermal.links[{i}].between", "a link must join two different nodes"))
    for j, unit in enumerate(spec.compute_units):
        if unit.thermal_node is not None and unit.thermal_node not in nodes:
            what = "there is no thermal section" if spec.thermal is None else f"known: {', '.join(sorted(nodes))}"
            errors.append(ScenarioError(source, f"compute_units[{j}].thermal_node", f"no thermal node named {unit.thermal_node!r} ({what})"))
        if unit.throttle is not None and unit.thermal_node is None:
            errors.append(ScenarioError(source, f"compute_units[{j}].thermal_node", "a unit with throttle needs a thermal_node to watch"))
        if unit.leakage_w_per_k > 0 and unit.thermal_node is None:
            errors.append(ScenarioError(source, f"compute_units[{j}].thermal_node", "temperature-dependent leakage needs a thermal_node"))
    buses = {b.name for b in spec.memory_buses}
    for j, unit in enumerate(spec.compute_units):
        if unit.memory_bus is not None and unit.memory_bus not in buses:
            errors.append(ScenarioError(source, f"compute_units[{j}].memory_bus", f"no memory bus named {unit.memory_bus!r} (known: {', '.join(sorted(buses)) or 'none'})"))
    for k, load in enumerate(spec.platform_loads):
        if load.thermal_node is not None and load.thermal_node not in nodes:
            errors.append(ScenarioError(source, f"platform_loads[{k}].thermal_node", f"no thermal node named {load.thermal_node!r}"))
    return errors
