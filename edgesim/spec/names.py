"""Names a scenario uses must exist, and names it declares must be unique.

The schema validates each entry alone; this module checks the names that tie entries together and that the
other cross-reference checks (streams, pipelines, thermal nodes, buses) do not cover:

- models named by a unit's ``measured`` points, ``efficiency_by_model`` and ``batching.batch_time`` are declared
  (by their scenario name, or by the catalog id a declared model was filled from; the last two may also name a
  pipeline stage on that unit costed by ops, which runs as a model named after the stage);
- memory buses, platform loads and thermal nodes have unique names;
- every ``catalog_files`` entry is an existing file, whether or not a unit uses the catalog.

Each problem is a :class:`~edgesim.errors.ScenarioError` with its field path.
"""
from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Protocol

from ..errors import ScenarioError
from .schema import ScenarioSpec

__all__ = ["check_names", "duplicate_names"]


class _Named(Protocol):
    @property
    def name(self) -> str: ...


def check_names(spec: ScenarioSpec, catalog_models: Collection[str] | None = None) -> list[ScenarioError]:
    """Every problem with the names ``spec`` uses or declares (empty when there is none).

    Parameters
    ----------
    spec : ScenarioSpec
        A schema-valid scenario (catalog references already resolved).
    catalog_models : collection of str, optional
        The ids of every catalog model. A unit filled from the catalog (``device: NAME``) carries the catalog's
        measured points, which may name catalog models the scenario does not declare: with this collection they
        are checked against it; without it they are not checked (the catalog loader checks its own entries).

    Returns
    -------
    list of ScenarioError
        One per problem, each naming its field path.
    """
    errors = _model_references(spec, catalog_models)
    for key, items in (("memory_buses", spec.memory_buses), ("platform_loads", spec.platform_loads),
                       ("thermal.nodes", spec.thermal.nodes if spec.thermal is not None else ())):
        errors.extend(duplicate_names(spec.source, key, items))
    errors.extend(_catalog_files(spec))
    return errors


def duplicate_names(source: str, key: str, items: Sequence[_Named]) -> list[ScenarioError]:
    """One error per entry of ``items`` whose name an earlier entry already has (field ``key[i].name``)."""
    errors: list[ScenarioError] = []
    first: dict[str, int] = {}
    for i, item in enumerate(items):
        if item.name in first:
            errors.append(ScenarioError(source, f"{key}[{i}].name", f"duplicate name {item.name!r} (also {key}[{first[item.name]}])"))
        else:
            first[item.name] = i
    return errors


def _model_references(spec: ScenarioSpec, catalog_models: Collection[str] | None) -> list[ScenarioError]:
    """Models named inside units: measured points, efficiency_by_model, batching.batch_time."""
    source = spec.source
    declared = {m.name for m in spec.models} | {m.catalog for m in spec.models if m.catalog}
    known = ", ".join(sorted(m.name for m in spec.models))
    errors: list[ScenarioError] = []

    def check(field: str, name: str, also: Collection[str] = ()) -> None:
        if name not in declared and name not in also:
            errors.append(ScenarioError(source, field, f"no model named {name!r} (known: {known}{', ' if also else ''}"
                                                       f"{', '.join(sorted(also))})"))

    for j, unit in enumerate(spec.compute_units):
        at = f"compute_units[{j}]"
        if unit.device is None or catalog_models is not None:
            for k, point in enumerate(unit.measured):
                check(f"{at}.measured[{k}].model", point.model, catalog_models or ())
        stages = _costed_stages_on(spec, unit.name)
        for name in unit.efficiency_by_model:
            check(f"{at}.efficiency_by_model.{name}", name, stages)
        if unit.batching is not None:
            for name in unit.batching.batch_time:
                check(f"{at}.batching.batch_time.{name}", name, stages)
    return errors


def _costed_stages_on(spec: ScenarioSpec, unit: str) -> set[str]:
    """Names of the pipeline stages on ``unit`` costed by ops (not by a model): each runs as a synthetic model named
    after the stage, so ``efficiency_by_model`` and ``batch_time`` may name it."""
    return {stage.name for pipe in spec.pipelines for stage in pipe.stages if stage.unit == unit and stage.model is None}


def _catalog_files(spec: ScenarioSpec) -> list[ScenarioError]:
    """Each ``catalog_files`` entry exists (relative paths from the scenario file's folder)."""
    base = Path(spec.source).parent if not spec.source.startswith("<") else Path()
    errors: list[ScenarioError] = []
    for i, entry in enumerate(spec.catalog_files):
        path = Path(entry) if Path(entry).is_absolute() else base / entry
        if not path.is_file():
            what = "is a directory, not a catalog file" if path.is_dir() else "file not found"
            errors.append(ScenarioError(spec.source, f"catalog_files[{i}]", f"{what}: {path}"))
    return errors
