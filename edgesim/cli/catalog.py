"""``edgesim catalog ...``: list and show the cited device and model catalogs.

* ``edgesim catalog devices``: one row per compute unit (peak ops/s, idle and full-load power, measured models, and
  how many rows of the packaged measurements file the calibration fits the device and the unit on), and the count.
* ``edgesim catalog models``: one row per model (ops per inference, input, ops per pixel, parameters).
* ``edgesim catalog show NAME``: every field of a device or a model with its unit and its source.

``--catalog FILE`` (repeatable) adds a user catalog file after the package files and ``$EDGESIM_CATALOG``
(:func:`edgesim.catalog.load_catalog`). An unknown name, or a bad catalog file, ends with one message and exit
code 2 (the message lists the known names).
"""
from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from ..calibration.points import fitted_points
from ..calibration.predict import load_calibrated
from ..catalog.loader import Catalog, CatalogDevice, CatalogMeasured, CatalogModel, CatalogUnit, load_catalog
from ..errors import EdgesimError
from .common import format_table

__all__ = ["CatalogLookupError", "describe_device", "describe_model", "format_quantity",
           "register", "show"]


class CatalogLookupError(EdgesimError):
    """``edgesim catalog show NAME`` named no device and no model."""


# --------------------------------------------------------------------------------------------------
# Units from field names (SI, the unit is in the name)
# --------------------------------------------------------------------------------------------------

_SUFFIX_UNITS = (  # longest suffix first
    ("bytes_per_s", "B/s"),
    ("ops_per_s", "ops/s"),
    ("ops_per_inference", "ops"),
    ("macs_per_inference", "MACs"),
    ("_bytes", "B"),
    ("_w", "W"),
    ("_hz", "Hz"),
    ("_c", "C"),
    ("_px", "px"),
)
_SCALES = {"ops/s": ((1e12, "TOPS"), (1e9, "GOPS")), "ops": ((1e9, "G ops"),), "MACs": ((1e9, "G MACs"),),
           "Hz": ((1e9, "GHz"), (1e6, "MHz")), "B/s": ((1e9, "GB/s"),), "B": ((2**20, "MiB"),)}


def _unit_of(path: str) -> str:
    """The unit of the field at dotted ``path``: the last component carrying a unit suffix decides."""
    parts = path.split(".")
    for part in reversed(parts):
        if part == "params":
            return "parameters"
        if part == "fps":
            return "frames/s"
        for suffix, unit in _SUFFIX_UNITS:
            if part.endswith(suffix) or part == suffix.lstrip("_"):
                return unit
    return ""


def format_quantity(value: Any, unit: str) -> str:
    """``26e12, 'ops/s'`` -> ``'2.6e+13 ops/s (26 TOPS)'``; ``None`` -> ``'null (unknown)'``."""
    if value is None:
        return "null (unknown)"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    text = f"{value:.6g}" + (f" {unit}" if unit else "")
    for scale, name in _SCALES.get(unit, ()):
        if abs(value) >= scale:
            text += f" ({value / scale:.4g} {name})"
            break
    return text


def _source(path: str, sources: Mapping[str, str]) -> str | None:
    """The source covering dotted ``path``: its own key or the nearest enclosing one (the loader's rule)."""
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        key = ".".join(parts[:i])
        if sources.get(key, "").strip():
            return sources[key]
    return None


def _fields(entry: BaseModel, skip: frozenset[str]) -> list[tuple[str, Any]]:
    """(dotted path, leaf value) for every field of ``entry`` except ``skip``, nested models and dicts walked."""
    out: list[tuple[str, Any]] = []

    def walk(prefix: str, value: Any, given: bool) -> None:
        if isinstance(value, BaseModel):
            for name in type(value).model_fields:
                walk(f"{prefix}.{name}", getattr(value, name), name in value.model_fields_set)
        elif isinstance(value, dict):
            if not value and given:
                out.append((prefix, "{} (none)"))
            for key, item in value.items():
                walk(f"{prefix}.{key}", item, True)
        elif value is not None or given:  # a default left unset is not shown; an explicit null is (UNKNOWN)
            out.append((prefix, value))

    for name in type(entry).model_fields:
        if name not in skip:
            walk(name, getattr(entry, name), name in entry.model_fields_set)
    return out


def _field_lines(entry: BaseModel, skip: frozenset[str], indent: str) -> list[str]:
    sources = getattr(entry, "sources", {})
    lines = []
    for path, value in _fields(entry, skip):
        if value == "" or (isinstance(value, (list, tuple)) and not value):
            continue
        line = f"{indent}{path}: {format_quantity(value, _unit_of(path))}"
        source = _source(path, sources)
        if source is not None:
            line += f"\n{indent}    source: {source}"
        lines.append(line)
    return lines


def _point_line(p: CatalogMeasured, indent: str) -> str:
    size = f"{p.width_px} x {p.height_px} px" if p.width_px and p.height_px else "resolution not stated (the model's input applies)"
    power = f", {p.power_w:.6g} W" if p.power_w is not None else ", power not published"
    precision = f", {p.precision}" if p.precision else ""
    text = f"{indent}- {p.model}: {p.fps:.6g} frames/s{power} at {size}, batch {p.batch}{precision}\n{indent}    source: {p.source}"
    if p.conditions:
        text += f"\n{indent}    conditions: {p.conditions}"
    return text


# --------------------------------------------------------------------------------------------------
# Descriptions
# --------------------------------------------------------------------------------------------------


def describe_device(catalog: Catalog, name: str) -> str:
    """Every field of device ``name`` with units and sources, unit by unit, measured points last."""
    dev: CatalogDevice = catalog.device(name)
    lines = [f"device {name} ({dev.vendor}): {dev.description}".rstrip(": "),
             f"  from: {catalog.origins.get(f'devices.{name}', 'catalog')}"]
    lines += _field_lines(dev, frozenset({"vendor", "description", "units", "sources"}), "  ")
    for unit_name, unit in dev.units.items():
        default = " (default unit)" if unit_name == dev.default_unit else ""
        lines.append(f"  unit {unit_name}: {unit.kind}{default}" + (f", {unit.description}" if unit.description else ""))
        lines += _field_lines(unit, frozenset({"kind", "description", "measured", "other_measurements", "sources"}), "    ")
        if unit.measured:
            lines.append("    measured (used by default, first point per model):")
            lines += [_point_line(p, "      ") for p in unit.measured]
        if unit.other_measurements:
            lines.append("    other_measurements (shown, never used by default):")
            lines += [_point_line(p, "      ") for p in unit.other_measurements]
    return "\n".join(lines)


def describe_model(catalog: Catalog, name: str) -> str:
    """Every field of model ``name`` with units and sources, plus its ops per pixel."""
    m: CatalogModel = catalog.model(name)
    lines = [f"model {name}: {m.description}".rstrip(": "), f"  from: {catalog.origins.get(f'models.{name}', 'catalog')}"]
    lines += _field_lines(m, frozenset({"description", "sources"}), "  ")
    opp = m.ops_per_inference / (m.ref_width_px * m.ref_height_px)
    lines.append(f"  ops per pixel (derived: ops_per_inference / input pixels): {opp:.6g} ops/px "
                 f"(the white paper's ResNet-50-class backbone: ~150000 ops/px)")
    return "\n".join(lines)


def show(catalog: Catalog, name: str) -> tuple[str, dict[str, Any]]:
    """Text and JSON for ``name`` (a device, a model, or both when both catalogs hold the name).

    Raises
    ------
    CatalogLookupError
        When neither catalog has ``name``; the message lists the known names.
    """
    texts, data = [], {}
    if name in catalog.devices:
        texts.append(describe_device(catalog, name))
        data["device"] = {"name": name, "file": catalog.origins.get(f"devices.{name}"), **catalog.devices[name].model_dump()}
    if name in catalog.models:
        texts.append(describe_model(catalog, name))
        data["model"] = {"name": name, "file": catalog.origins.get(f"models.{name}"), **catalog.models[name].model_dump()}
    if not texts:
        raise CatalogLookupError(
            f"catalog: no device or model named {name!r}; known devices: {', '.join(sorted(catalog.devices))}; "
            f"known models: {', '.join(sorted(catalog.models))}")
    return "\n\n".join(texts), data


# --------------------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------------------


def _peaks(unit: CatalogUnit) -> str:
    if not unit.peak_ops_per_s:
        return "unknown"
    return ", ".join(f"{p} {v / 1e12:.4g}" for p, v in unit.peak_ops_per_s.items())


def cmd_devices(args: argparse.Namespace) -> int:
    catalog = load_catalog(args.catalog or [])
    fitted = fitted_points(catalog)
    calibrated = load_calibrated()["units"]
    rows, data = [], []
    for name in sorted(catalog.devices):
        dev = catalog.devices[name]
        for unit_name, unit in dev.units.items():
            models = sorted({p.model for p in unit.measured})
            shown = ", ".join(models[:3]) + (f", ... ({len(models)} models)" if len(models) > 3 else "")
            n_dev, n_unit = fitted.by_device.get(name, 0), fitted.by_unit.get((name, unit_name), 0)
            entry = calibrated.get(f"{name}/{unit_name}")
            n_fit = None if entry is None else int(entry["n_points"])  # the points of the engine group it is fitted on
            rows.append([name, unit_name, unit.kind, dev.vendor, _peaks(unit), f"{unit.idle_power_w:.4g}", f"{unit.max_power_w:.4g}",
                         str(n_dev), str(n_unit), "-" if n_fit is None else str(n_fit), shown or "-"])
            data.append({"device": name, "unit": unit_name, "kind": unit.kind, "vendor": dev.vendor,
                         "peak_ops_per_s": dict(unit.peak_ops_per_s), "idle_power_w": unit.idle_power_w,
                         "max_power_w": unit.max_power_w, "measured_models": models, "points_device": n_dev,
                         "points_unit": n_unit, "points_modelled_device": fitted.modelled.get(name, 0), "points_fitted_unit": n_fit})
    n_units = sum(len(d.units) for d in catalog.devices.values())
    mapped = sum(fitted.by_device.values())
    if args.json:
        print(json.dumps(data, indent=2))  # one object per unit (points_device repeats on each unit of a device)
    else:
        print(format_table(rows, ["device", "unit", "kind", "vendor", "peak TOPS (precision)", "idle W", "full-load W",
                                  "rows (device)", "rows (unit)", "fitted points", "measured models"]))
        print(f"\n{len(catalog.devices)} devices, {n_units} compute units; {mapped} of the {fitted.total_rows} rows of the "
              "packaged measurements file map to a catalog device (edgesim/calibration/devices.py)")
        print("rows: rows of that file mapped to the device / unit; fitted points: those the unit's calibrated parameters "
              "are fitted on (a network with a cost profile, a throughput or latency; 0: the datasheet prior, e.g. a device "
              "measured only on MLPerf's non-vision benchmarks); edgesim catalog show NAME: every number with its unit and source")
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    catalog = load_catalog(args.catalog or [])
    rows, data = [], []
    for name in sorted(catalog.models):
        m = catalog.models[name]
        opp = m.ops_per_inference / (m.ref_width_px * m.ref_height_px)
        rows.append([name, f"{m.ops_per_inference / 1e9:.4g}", f"{m.ref_width_px} x {m.ref_height_px}", f"{opp:.4g}",
                     "-" if m.params is None else f"{m.params / 1e6:.4g}"])
        data.append({"model": name, "ops_per_inference": m.ops_per_inference, "ref_width_px": m.ref_width_px,
                     "ref_height_px": m.ref_height_px, "ops_per_pixel": opp, "params": m.params})
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        print(format_table(rows, ["model", "G ops/inference", "input px", "ops/px", "M params"]))
        print("\nops = 2 x MACs; edgesim catalog show NAME: every number with its unit and source")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    catalog = load_catalog(args.catalog or [])
    text, data = show(catalog, args.name)
    print(json.dumps(data, indent=2) if args.json else text)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``edgesim catalog {devices,models,show}`` to the CLI."""
    cat = sub.add_parser("catalog", help="list and show the cited device and model catalogs",
                         description="The catalogs of devices and models; every number with its source.")
    csub = cat.add_subparsers(dest="catalog_command", required=True, metavar="WHAT")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--catalog", action="append", metavar="FILE",
                       help="extra catalog file (models:/devices:), read after the package files; repeatable")
        p.add_argument("--json", action="store_true", help="print JSON")

    p = csub.add_parser("devices", help="one row per compute unit: peak ops/s, power, measured models, points fitted")
    common(p)
    p.set_defaults(func=cmd_devices)
    p = csub.add_parser("models", help="one row per model: ops per inference, input, ops per pixel")
    common(p)
    p.set_defaults(func=cmd_models)
    p = csub.add_parser("show", help="every field of a device or model, with units and sources")
    p.add_argument("name", help="device or model name (edgesim catalog devices / models lists them)")
    common(p)
    p.set_defaults(func=cmd_show)
