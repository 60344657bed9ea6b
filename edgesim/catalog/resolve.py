"""Catalog references in a scenario: ``device: NAME`` on a unit and ``catalog: NAME`` on a model become the cited
catalog fields before the schema is validated (fields given in the scenario win). This is the resolver that
:func:`edgesim.load_scenario` hands to :func:`edgesim.spec.load.parse_scenario`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import ScenarioError
from .loader import Catalog, load_catalog

__all__ = ["resolve_catalog_references"]


def resolve_catalog_references(data: dict[str, Any], source: str, base_dir: Path | None) -> dict[str, Any]:
    """Replace ``catalog: NAME`` (models) and ``device: NAME`` (units) by the cited catalog fields; given fields win."""
    models = data.get("models")
    units = data.get("compute_units")
    wants_catalog = any(isinstance(m, dict) and m.get("catalog") for m in models or [] if isinstance(models, list)) or any(
        isinstance(u, dict) and u.get("device") for u in units or [] if isinstance(units, list)
    )
    if not wants_catalog:
        return data
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
                if "efficiency_from_measured" in entry:
                    merged["_scenario_efficiency_from_measured"] = True
                entry = _derive_efficiency(merged, catalog, declared_models)
            resolved.append(entry)
        out["compute_units"] = resolved
    return out


def _derive_efficiency(unit: dict[str, Any], catalog: Catalog, declared_models: set[Any]) -> dict[str, Any]:
    """``efficiency_from_measured`` on a catalog unit.

    The catalog's own entry names the point its datasheet efficiency was once read from; the performance model now
    conditions the unit on every measured point (:mod:`edgesim.model.service`), so it is dropped here. A scenario
    that sets ``efficiency_from_measured: MODEL`` itself chooses a fraction of peak: when it does not declare MODEL,
    that fraction (the point's achieved ops/s with the catalog's op count for MODEL / peak) becomes the unit's
    ``efficiency`` here, cited in ``sources``; a declared MODEL is derived at compile time.
    """
    chosen = bool(unit.pop("_scenario_efficiency_from_measured", False))
    ref = unit.get("efficiency_from_measured")
    if not ref:
        return unit
    if not chosen:
        return {k: v for k, v in unit.items() if k != "efficiency_from_measured"}
    if unit.get("efficiency") is not None or ref in declared_models:
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
    if not peak:
        return unit
    ref_px = model["ref_width_px"] * model["ref_height_px"]
    measured_px = (point.get("width_px") or model["ref_width_px"]) * (point.get("height_px") or model["ref_height_px"])
    ops = model["ops_per_inference"] * measured_px / ref_px
    out = {k: v for k, v in unit.items() if k != "efficiency_from_measured"}
    out["efficiency"] = min(1.0, point["fps"] * ops / peak)
    out["sources"] = {**(unit.get("sources") or {}), "efficiency": (
        f"derived (efficiency_from_measured: {ref}): measured {point['fps']:g} fps x {ops:.4g} ops / peak {peak:.4g} ops/s "
        f"({point.get('source', 'catalog')})")}
    return out
