"""Service time, latency, throughput and power of a catalog model on a catalog unit, with an 80% interval.

:func:`predict_service` reads the shipped calibrated parameters (``edgesim/catalog/data/calibrated.yaml``,
written by ``experiments/calibrate_catalog.py``) and is what the compile step calls. The prediction is

    physics (edgesim.physics.performance.predict) x model factor x anchor

* the model factor is how much faster the model ran than its features say on the *other* devices of the
  same kind;
* the anchor is the unit's own points for the same model (matched by the model's identity, not a scenario's
  nickname) under other conditions, so a point at another batch, precision or resolution is used through the
  model (``detail`` says so);
* a point for exactly that model and condition makes ``source = "measured"``.

The calibration was fitted on the family-heuristic operator split of :mod:`edgesim.calibration.model_features`;
a profile with counted classes is re-split the same way (its total ops and parameters are kept) so that the
rates it meets are those it was fitted with.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np

from edgesim.calibration.fit import EngineContext, engine_params
from edgesim.calibration.model_features import canonical_name, profile_from_counts
from edgesim.calibration.prior import PARAM_NAMES, prior_kind
from edgesim.calibration.validate import ANCHOR_SHRINK
from edgesim.physics.performance import EngineParams, PowerMode, Prediction, predict
from edgesim.physics.profile import ModelProfile
from edgesim.yamlio import safe_load

__all__ = ["ServicePrediction", "calibrated_path", "load_calibrated", "predict_service", "unit_engine"]

Source = Literal["measured", "calibrated", "prior"]
_FACTOR_SHRINK = 0.15


@dataclass(frozen=True)
class ServicePrediction:
    """A unit's predicted performance on one model.

    Attributes
    ----------
    service_s : float
        Engine time per inference at the requested batch, seconds (1 / throughput).
    latency_s : float
        Time from submitting a batch to its results, seconds.
    throughput_fps : float
        Inferences per second with ``batch`` in flight.
    power_w : float
        Power while busy, watts.
    source : {"measured", "calibrated", "prior"}
    service_s_low, service_s_high : float
        80% interval of ``service_s``, seconds.
    detail : str
        What was used: group, points, factors, fallbacks.
    prediction : Prediction
        The physics model's full output (before factor and anchor).
    """

    service_s: float
    latency_s: float
    throughput_fps: float
    power_w: float
    source: Source
    service_s_low: float
    service_s_high: float
    detail: str
    prediction: Prediction


def calibrated_path() -> Path:
    return Path(str(resources.files("edgesim.catalog") / "data" / "calibrated.yaml"))


@lru_cache(maxsize=4)
def load_calibrated(path: str | None = None) -> dict[str, Any]:
    """The calibrated parameter document (cached)."""
    p = Path(path) if path else calibrated_path()
    doc = safe_load(p.read_text(encoding="utf-8"))
    if not isinstance(doc, dict) or "units" not in doc:
        raise ValueError(f"{p}: not a calibrated parameter file (no 'units')")
    return doc


def _entry(doc: dict[str, Any], device_name: str, unit_name: str | None) -> dict[str, Any]:
    units = doc["units"]
    if unit_name is None:
        cands = [k for k in units if k.split("/")[0] == device_name]
        if not cands:
            raise KeyError(f"no calibrated parameters for device {device_name!r}")
        return dict(units[sorted(cands)[0]])
    key = f"{device_name}/{unit_name}"
    if key not in units:
        raise KeyError(f"no calibrated parameters for {key!r}; known: {', '.join(sorted(units))}")
    return dict(units[key])


def unit_engine(entry: dict[str, Any]) -> tuple[EngineParams, EngineContext]:
    """The :class:`EngineParams` of one calibrated.yaml unit entry."""
    c = entry["context"]
    ctx = EngineContext(entry["device"] + "/" + entry["unit"], c["kind"], c["peak_ops_per_s"], c["reference_precision"],
                        c["memory_bandwidth_bytes_per_s"])
    theta = np.array([entry["theta"][n] for n in PARAM_NAMES], float)
    pw = entry["power"]
    modes = {k: PowerMode(k, v["clock_scale"], v["dynamic_power_scale"]) for k, v in pw["power_modes"].items()}
    eng = engine_params(theta, ctx, f"{entry['device']}/{entry['unit']}", entry["supported_precisions"],
                        pw["idle_power_w"], pw["dynamic_power_w"], pw["active_floor"], modes)
    return eng, ctx


def _features(profile: ModelProfile) -> ModelProfile:
    canonical = profile.extra.get("canonical") or canonical_name(profile.name)
    if profile.extra.get("family"):
        return profile
    p = profile_from_counts(profile.name, canonical, profile.total_ops, profile.params, profile.ref_width_px,
                            profile.ref_height_px, profile.source or "given profile", profile.pixel_scaled)
    return replace(p, activation_bytes_int8=profile.activation_bytes_int8,
                   max_layer_activation_bytes_int8=profile.max_layer_activation_bytes_int8, n_layers=0)


def _factor(doc: dict[str, Any], canonical: str, kind: str, device: str) -> tuple[float, int]:
    per = doc.get("model_factors", {}).get(f"{canonical}@{prior_kind(kind)}", {})
    vals = [v for d, v in per.items() if d != device]
    return (float(sum(vals) / (len(vals) + _FACTOR_SHRINK)), len(vals)) if vals else (0.0, 0)


def _point_profile(pt: dict[str, Any], like: ModelProfile) -> ModelProfile:
    if pt.get("ops") and pt.get("params") is not None:
        return profile_from_counts(pt["model"], pt["canonical"], pt["ops"] * 1.0, pt["params"], pt["width_px"], pt["height_px"],
                                   "calibration point", like.pixel_scaled)
    return like


def predict_service(device_name: str, unit_name: str | None, model_profile: ModelProfile, width_px: int, height_px: int,
                    precision: str, batch: float = 1, power_mode: str | None = None,
                    calibrated: str | None = None) -> ServicePrediction:
    """Predict one catalog unit running one model (see the module docstring).

    Parameters
    ----------
    device_name : str
        Catalog device key (``hailo8``).
    unit_name : str or None
        Unit of the device (None: its first calibrated unit).
    model_profile : ModelProfile
        The model's cost profile; its identity is ``extra["canonical"]`` or its name.
    width_px, height_px : int
        Input size, pixels.
    precision : str
        Requested precision (falls back if the unit lacks it; ``detail`` says so).
    batch : float
        Inferences in flight.
    power_mode : str, optional
        A catalog power mode of the unit.
    calibrated : str, optional
        Another calibrated.yaml (default: the shipped one).
    """
    doc = load_calibrated(calibrated)
    entry = _entry(doc, device_name, unit_name)
    eng, ctx = unit_engine(entry)
    prof = _features(model_profile)
    canonical = prof.extra.get("canonical", prof.name)
    pred = predict(eng, prof, width_px, height_px, batch, precision, power_mode)
    log_f, n_dev = _factor(doc, canonical, eng.kind, entry["device"])

    notes = [f"{entry['source']} parameters ({entry['group'] or 'kind prior: ' + prior_kind(eng.kind)}, {entry['n_points']} points)"]
    if pred.fallback:
        notes.append(pred.fallback)
    if n_dev:
        notes.append(f"model factor x{math.exp(log_f):.2f} from {n_dev} other {prior_kind(eng.kind)} device(s)")
    speed = []
    exact = None
    for pt in entry.get("points", []):
        if pt["canonical"] != canonical:
            continue
        same = (pt["width_px"] == width_px and pt["height_px"] == height_px and pt["precision"] == pred.precision
                and pt["batch"] == batch and pt["quantity"] in ("throughput", "latency"))
        if same and exact is None:
            exact = pt
        pp = predict(eng, _point_profile(pt, prof), pt["width_px"], pt["height_px"], pt["batch"] or eng.offline_batch,
                     pt["precision"], None)
        if pt["quantity"] == "throughput":
            speed.append(math.log(pt["value"] / pp.throughput_fps) - log_f)
        elif pt["quantity"] == "latency":
            speed.append(-(math.log(pt["value"] / pp.latency_s)) - log_f)
    anchor = sum(speed) / (len(speed) + ANCHOR_SHRINK) if speed else 0.0
    total = log_f + anchor
    service_s = pred.service_s * math.exp(-total)
    latency_s = pred.fixed_s + (pred.batch_s - pred.fixed_s) * math.exp(-total) + eng.host_latency_s
    iv = doc.get("interval_log_residual", {})
    if speed:
        category = "anchored"
        notes.append(f"anchored on {len(speed)} point(s) of this model on this unit at other conditions (x{math.exp(anchor):.2f})")
    elif entry["source"] == "prior":
        category = "lodo-factor" if n_dev else "lodo-bare"
    else:
        category = "factor" if n_dev else "bare"
    lo, hi = iv.get(category) or iv.get("all") or (-0.7, 0.7)
    source: Source = "prior" if entry["source"] == "prior" else "calibrated"
    if exact is not None:
        source = "measured"
        if exact["quantity"] == "throughput":
            service_s = 1.0 / exact["value"]
        else:
            latency_s = exact["value"]
        lo = hi = 0.0
        notes.append(f"measured point: {exact['model']} {exact['quantity']}={exact['value']:.4g} ({exact['source']})")
    low, high = service_s * math.exp(-hi), service_s * math.exp(-lo)
    thr = batch / (service_s * batch)
    return ServicePrediction(service_s=service_s, latency_s=latency_s, throughput_fps=thr, power_w=pred.power_w, source=source,
                             service_s_low=min(low, service_s), service_s_high=max(high, service_s), detail="; ".join(notes),
                             prediction=pred)
