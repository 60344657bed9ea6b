"""Calibrated parameters of catalog units: build them from a :class:`Calibration`, write and read the YAML.

One entry per catalog compute unit (``hailo8/npu``): the engine group whose parameters it uses (the group of
that device and kind with the most points, default power mode; ``source: calibrated``), or its kind's prior
(``source: prior``: the prior mean as a fraction of the unit's datasheet peak; a unit with no published peak
takes as peak its max power x the median INT8 peak per watt of the catalog units of its kind). The entry keeps the points of
its group (for exact matches), the per-model latents, and the 80% interval per prediction category.

Power: ``P = idle + (max - idle) x (floor + (1 - floor) x activity)`` with the catalog's idle and max power
and ``floor = 0.5`` (assumption: half the dynamic power is drawn while the engine is busy but not computing;
UNKNOWN in the sources read, override per unit). A catalog power mode with a power budget scales the dynamic
power by ``(P_mode - idle) / (max - idle)`` and the clock by its frequency ratio where published, else by the
cube root of the power ratio (assumption: dynamic power ~ f V^2 with V ~ f).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from edgesim.calibration.calibrate import Calibration, EngineGroup, engine_context
from edgesim.calibration.fit import EngineContext
from edgesim.calibration.measurements import Measurement
from edgesim.calibration.predict import supported_precisions
from edgesim.calibration.prior import PARAM_NAMES, per_peak_shift, prior_kind
from edgesim.calibration.validate import datasheet_prior_of
from edgesim.catalog.loader import Catalog, CatalogUnit, is_published

__all__ = ["ACTIVE_FLOOR", "build_entries", "power_modes_of", "user_catalog"]

ACTIVE_FLOOR = 0.5
"""Share of the dynamic power drawn while busy but not computing (assumption, see the module docstring)."""


def power_modes_of(unit: CatalogUnit) -> dict[str, dict[str, float]]:
    """Clock and dynamic-power scales of a unit's catalog power modes, relative to ``max_power_w``."""
    dyn_max = unit.max_power_w - unit.idle_power_w
    freqs = [m.frequency_hz for m in unit.power_modes.values() if m.frequency_hz]
    f_ref = max(freqs) if freqs else None
    out = {}
    for name, mode in unit.power_modes.items():
        if mode.power_w is None:
            continue
        dyn = max(1e-3, (mode.power_w - unit.idle_power_w) / dyn_max) if dyn_max > 0 else 1.0
        clock = mode.frequency_hz / f_ref if (mode.frequency_hz and f_ref) else dyn ** (1.0 / 3.0)
        out[name] = {"clock_scale": float(min(clock, 1.0)), "dynamic_power_scale": float(min(dyn, 1.0))}
    return out


def _primary_group(cal: Calibration, device: str, kind: str) -> EngineGroup | None:
    cands = [g for g in cal.groups.values() if g.catalog_device == device and prior_kind(g.kind) == prior_kind(kind)
             and g.kind == kind and g.name.count("/") == 2]
    return max(cands, key=lambda g: (g.device == device, len(g.data), g.name)) if cands else None


def _ctx_dict(ctx: EngineContext) -> dict[str, Any]:
    return {"kind": ctx.kind, "peak_ops_per_s": ctx.peak_ops_per_s, "reference_precision": ctx.reference_precision,
            "memory_bandwidth_bytes_per_s": ctx.memory_bandwidth_bytes_per_s}


def _peak_from_power(catalog: Catalog, unit: CatalogUnit) -> float:
    """A unit with no published peak: its max power x the median INT8 peak per watt of the catalog's units of the
    same kind that publish both (an estimate, stated in the entry)."""
    ratios = [u.peak_ops_per_s["int8"] / u.max_power_w for d in catalog.devices.values() for u in d.units.values()
              if u.kind == unit.kind and "int8" in u.peak_ops_per_s and is_published(u, "max_power_w")]
    return float(np.median(ratios)) * unit.max_power_w if ratios else 1e12


def build_entries(cal: Calibration, catalog: Catalog, intervals: Mapping[str, tuple[float, float]]) -> dict[str, Any]:
    """The calibrated.json document for every catalog unit."""
    units: dict[str, Any] = {}
    for dev_name, dev in sorted(catalog.devices.items()):
        for unit_name, unit in sorted(dev.units.items()):
            kind = unit.kind
            g = _primary_group(cal, dev_name, kind)
            ctx = engine_context(f"{dev_name}/{unit_name}", dev_name, dev_name, kind, catalog)
            if g is not None and g.fit is not None:
                theta = [float(x) for x in g.fit.theta]
                sd = [float(x) for x in g.fit.sd]
                prior_used = list(g.fit.prior_used)
                source, group, n = "calibrated", g.name, len(g.data)
                pts = [{"model": m.model, "canonical": m.canonical, "width_px": m.width_px, "height_px": m.height_px,
                        "precision": m.precision, "batch": m.batch, "quantity": m.quantity, "value": m.value,
                        "ops": m.profile.total_ops if m.profile else None, "params": m.profile.params if m.profile else None,
                        "source": m.source, "metric": m.metric} for m in g.points]
                supported = sorted({m.precision for m in g.points} | set(unit.peak_ops_per_s))
                ctx = g.ctx
            else:
                # the datasheet prior a run of an inline unit gets (its source family unknown: the kind's medians)
                if ctx.peak_ops_per_s is None:
                    ctx = EngineContext(ctx.group, kind, _peak_from_power(catalog, unit), "int8", ctx.memory_bandwidth_bytes_per_s)
                mean, spread = datasheet_prior_of(list(cal.groups.values()), kind, None)
                theta = [float(x) for x in mean + per_peak_shift(ctx.peak_ops_per_s)]
                sd = [float(x) for x in spread]
                prior_used = list(PARAM_NAMES)
                source, group, n, pts = "prior", "", 0, []
                supported = sorted(set(unit.peak_ops_per_s))
            supported = supported_precisions(kind, supported)  # INT8 only where published or measured
            if not supported:
                supported = [ctx.reference_precision]
            units[f"{dev_name}/{unit_name}"] = {
                "device": dev_name, "unit": unit_name, "kind": kind, "source": source, "group": group, "n_points": n,
                "context": _ctx_dict(ctx), "supported_precisions": supported,
                "theta": dict(zip(PARAM_NAMES, theta)), "sd": dict(zip(PARAM_NAMES, sd)), "prior_used": prior_used,
                "power": {"idle_power_w": unit.idle_power_w, "dynamic_power_w": unit.max_power_w - unit.idle_power_w,
                          "active_floor": ACTIVE_FLOOR, "power_modes": power_modes_of(unit)},
                "points": pts,
            }
    latents = {k: {"speed": round(x.speed, 5), "footprint": round(x.footprint, 5),
                   "group_speed": {g: round(v, 5) for g, v in sorted(x.group_speed.items())}, "n_points": x.n_points}
               for k, x in sorted(cal.latents.items())}
    priors = {k: {"mean": dict(zip(PARAM_NAMES, p.mean)), "sd": dict(zip(PARAM_NAMES, p.sd)), "learnt_from": dict(p.learnt_from)}
              for k, p in sorted(cal.priors.items())}
    return {"version": 1, "interval_log_residual": {k: [float(a), float(b)] for k, (a, b) in intervals.items()},
            "model_latents": latents, "latent_prior": {"speed_sd": cal.latent_prior.speed_sd,
                                                      "group_sd": cal.latent_prior.group_sd,
                                                      "footprint_sd": cal.latent_prior.footprint_sd},
            "priors": priors, "units": units,
            "notes": {"theta": "natural-log parameters, see edgesim.calibration.prior.PARAM_NAMES",
                      "interval_log_residual": "10th/90th percentiles of held-out log(measured/predicted) throughput, per category",
                      "model_latents": "per model identity on a kind (canonical@kind): log speed factor, log on-chip "
                                       "footprint factor, per engine group log speed deviation (edgesim.calibration.latents)",
                      "generated_by": "experiments/calibrate_catalog.py"}}


def user_catalog(points: Sequence[Measurement], catalog: Catalog) -> tuple[dict[str, Any], list[str]]:
    """A catalog file (``devices:``) carrying the user's own points, for a scenario's ``catalog_files:``.

    Each device the points name (a catalog key, or a device of a ``--devices`` file merged into ``catalog``) is
    written with its datasheet fields and, on the unit of the points' kind, the catalog's own measured points plus
    the user's throughput points whose network is a catalog model (by identity). A scenario that says
    ``device: NAME`` then runs every network through the performance model conditioned on those points
    (:mod:`edgesim.model.service`). Returns the document and a note per point left out.
    """
    notes: list[str] = []
    devices: dict[str, Any] = {}
    for m in points:
        key = m.catalog_device or (m.device if m.device in catalog.devices else None)
        if key is None or key not in catalog.devices:
            notes.append(f"row {m.row}: device {m.device_raw!r} has no datasheet (give it in a --devices file)")
            continue
        if not m.usable or m.quantity != "throughput" or m.batch < 1:
            notes.append(f"row {m.row}: {m.quantity} {'(Offline)' if m.batch < 1 else ''} not written (throughput points at a batch only)")
            continue
        model = m.canonical if m.canonical in catalog.models else None
        if model is None:
            notes.append(f"row {m.row}: model {m.model!r} ({m.canonical}) is not a catalog model")
            continue
        dev = catalog.devices[key]
        entry = devices.setdefault(key, dev.model_dump(mode="json", exclude_none=True))
        unit_name = next((u for u, cu in dev.units.items() if cu.kind == m.kind or prior_kind(cu.kind) == prior_kind(m.kind)),
                         dev.default_unit)
        unit = entry["units"][unit_name]
        unit.pop("efficiency_from_measured", None)
        unit.setdefault("measured", []).append({
            "model": model, "fps": float(m.value), "batch": int(m.batch), "precision": m.precision,
            "width_px": int(m.width_px), "height_px": int(m.height_px),
            "source": f"{m.source or 'user measurement'} (row {m.row})", "conditions": m.scenario or ""})
    return {"devices": devices}, notes
