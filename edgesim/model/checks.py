"""Cross-field checks of a validated spec that the schema cannot see: names unique, references resolved, every job
costed, thermal nodes and memory buses named. Run by :func:`edgesim.model.compile.compile_system`; each problem is a
:class:`~edgesim.errors.ScenarioError` with its field path.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import ScenarioError, ScenarioErrors
from ..profiles.catalog_profiles import load_profiles
from ..spec.names import check_names
from ..spec.schema import ScenarioSpec, StageSpec
from .pipeline_checks import check_pipelines
from .predicted import GENERIC
from .service import ServiceTimeError, service_time
from .stages import stage_estimate

__all__ = ["check_references", "scenario_errors"]


def check_references(spec: ScenarioSpec) -> None:
    """Raise every problem of :func:`scenario_errors` at once (a :class:`ScenarioErrors`)."""
    errors = scenario_errors(spec)
    if errors:
        raise ScenarioErrors(errors)


def scenario_errors(spec: ScenarioSpec) -> list[ScenarioError]:
    """Names unique; every stream names a camera, a model and a unit that exist; every job has a service time."""
    source = spec.source
    errors: list[ScenarioError] = []
    named: tuple[tuple[str, Sequence[Any]], ...] = (("cameras", spec.cameras), ("models", spec.models), ("compute_units", spec.compute_units),
                                                  ("links", spec.links), ("pipelines", spec.pipelines), ("loads", spec.loads))
    for key, items in named:
        seen: dict[str, int] = {}
        for i, item in enumerate(items):
            if item.name in seen:
                errors.append(ScenarioError(source, f"{key}[{i}].name", f"duplicate name {item.name!r} (also {key}[{seen[item.name]}])"))
            seen[item.name] = i
    unknown_like = _unknown_like(spec)
    errors.extend(ScenarioError(source, f"models[{i}].like", problem) for i, problem in unknown_like.items())
    uncosted = {spec.models[i].name for i in unknown_like}
    cameras = {c.name: c for c in spec.cameras}
    models = {m.name: m for m in spec.models}
    units = {u.name: u for u in spec.compute_units}
    pairs: dict[tuple[str, str], int] = {}
    for i, stream in enumerate(spec.streams):
        for key, name, known in (("camera", stream.camera, cameras), ("model", stream.model, models), ("unit", stream.unit, units)):
            if name not in known:
                errors.append(ScenarioError(source, f"streams[{i}].{key}", f"no {key} named {name!r} (known: {', '.join(sorted(known)) or 'none'})"))
        if (stream.camera, stream.model) in pairs:
            first = pairs[(stream.camera, stream.model)]
            errors.append(ScenarioError(source, f"streams[{i}]", f"camera {stream.camera!r} already runs model {stream.model!r} (streams[{first}])"))
        pairs[(stream.camera, stream.model)] = i
        if stream.input is not None and stream.input.resize_unit is not None:
            if stream.input.resize_unit not in units:
                errors.append(ScenarioError(source, f"streams[{i}].input.resize_unit",
                                            f"no compute unit named {stream.input.resize_unit!r} (known: {', '.join(sorted(units)) or 'none'})"))
            elif stream.camera in cameras:
                on = units[stream.input.resize_unit]
                resize = StageSpec(name=f"resize.{stream.model}", unit=on.name, ops_per_pixel=stream.input.ops_per_pixel,
                                   precision=stream.input.precision)
                try:
                    stage_estimate(resize, cameras[stream.camera], on, models)
                except ServiceTimeError as exc:
                    errors.append(ScenarioError(source, f"streams[{i}].input", f"the resize on {on.name!r}: {exc}"))
        if stream.camera in cameras and stream.model in models and stream.unit in units and stream.model not in uncosted:
            unit = units[stream.unit]
            try:
                cam = cameras[stream.camera]
                w, h = (stream.input.width_px, stream.input.height_px) if stream.input else (cam.width_px, cam.height_px)
                service_time(unit, models[stream.model], w * h, models, w, h)
            except ServiceTimeError as exc:
                j = spec.compute_units.index(unit)
                errors.append(ScenarioError(source, f"compute_units[{j}].{exc.field}", f"{exc} (needed by streams[{i}])"))
    for j, unit in enumerate(spec.compute_units):
        ref = unit.efficiency_from_measured
        if ref is not None and unit.measured_point(ref) is None:
            errors.append(ScenarioError(source, f"compute_units[{j}].efficiency_from_measured", f"no measured point for model {ref!r} on this unit"))
        elif ref is not None and ref not in models:
            errors.append(ScenarioError(source, f"compute_units[{j}].efficiency_from_measured",
                                          f"model {ref!r} is not declared under models (its ops per inference are needed)"))
    errors.extend(check_pipelines(spec))
    errors.extend(_check_thermal_references(spec))
    errors.extend(check_names(spec))
    return errors


def _unknown_like(spec: ScenarioSpec) -> dict[int, str]:
    """Models whose ``like`` names no catalog profile (nor ``generic``), by index, with the problem."""
    profiles = load_profiles()
    return {i: f"no catalog profile named {m.like!r} to cost {m.name!r} like (known: {GENERIC}, {', '.join(sorted(profiles))})"
            for i, m in enumerate(spec.models) if m.catalog is None and m.like != GENERIC and m.like not in profiles}


def _check_thermal_references(spec: ScenarioSpec) -> list[ScenarioError]:
    """Thermal nodes named by units, loads and links exist; a throttled unit sits on a node."""
    source = spec.source
    errors: list[ScenarioError] = []
    nodes = {n.name for n in spec.thermal.nodes} if spec.thermal else set()
    if spec.thermal is not None:
        for i, link in enumerate(spec.thermal.links):
            for end in link.between:
                if end != "ambient" and end not in nodes:
                    errors.append(ScenarioError(source, f"thermal.links[{i}].between",
                                                  f"no thermal node named {end!r} (known: {', '.join(sorted(nodes))}, ambient)"))
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
            errors.append(ScenarioError(source, f"compute_units[{j}].memory_bus",
                                          f"no memory bus named {unit.memory_bus!r} (known: {', '.join(sorted(buses)) or 'none'})"))
    for k, load in enumerate(spec.platform_loads):
        if load.thermal_node is not None and load.thermal_node not in nodes:
            errors.append(ScenarioError(source, f"platform_loads[{k}].thermal_node", f"no thermal node named {load.thermal_node!r}"))
    return errors
