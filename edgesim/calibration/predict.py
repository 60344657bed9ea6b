"""Service time, latency, throughput and power of a catalog model on a catalog unit, with an 80% interval.

:func:`predict_service` reads the shipped calibrated parameters (``edgesim/catalog/data/calibrated.yaml``,
written by ``experiments/calibrate_catalog.py``) and is what the compile step calls. The prediction is the
physics of :func:`edgesim.physics.performance.predict` with the unit's calibrated parameters and the model's
latents (:mod:`edgesim.calibration.latents`, matched by the model's identity, not a scenario's nickname):

* its speed factor, learnt on every engine of the kind that measured it (plus this unit's own deviation where
  this unit measured it: a point at another batch, precision or resolution is used through the model, and
  ``detail`` says so);
* its on-chip footprint factor, which sets the context-switch cost per batch;
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
from edgesim.physics.performance import EngineParams, PowerMode, Prediction, predict
from edgesim.physics.profile import ModelProfile
from edgesim.yamlio import load_packaged, safe_load

__all__ = ["ServicePrediction", "calibrated_path", "load_calibrated", "predict_service", "unit_engine"]

Source = Literal["measured", "calibrated", "prior"]


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
        What was used: group, points, model latents, fallbacks.
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
    text = p.read_text(encoding="utf-8")
    doc = safe_load(text) if path else load_packaged(text)  # a user's file gets every guard
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
    return replace(p, n_layers=0)  # activations: not in the calibrated model (it was fitted without them)


def _latent(doc: dict[str, Any], canonical: str, kind: str) -> dict[str, Any]:
    return dict(doc.get("model_latents", {}).get(f"{canonical}@{prior_kind(kind)}", {}))


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
    eng, _ = unit_engine(entry)
    prof = _features(model_profile)
    canonical = prof.extra.get("canonical", prof.name)
    lat = _latent(doc, canonical, eng.kind)
    own = float(lat.get("group_speed", {}).get(entry["group"], 0.0)) if entry["group"] else 0.0
    anchored = bool(entry["group"]) and entry["group"] in lat.get("group_speed", {})
    speed = float(lat.get("speed", 0.0)) + own
    footprint = float(lat.get("footprint", 0.0))
    pred = predict(eng, prof, width_px, height_px, batch, precision, power_mode, math.exp(speed), math.exp(footprint))

    notes = [f"{entry['source']} parameters ({entry['group'] or 'kind prior: ' + prior_kind(eng.kind)}, {entry['n_points']} points)"]
    if pred.fallback:
        notes.append(pred.fallback)
    n_lat = int(lat.get("n_points", 0))
    if n_lat:
        notes.append(f"model latents from {n_lat} point(s) on {prior_kind(eng.kind)} engines: speed x{math.exp(speed):.2f}, "
                     f"on-chip footprint x{math.exp(footprint):.2f}")
    if anchored:
        notes.append(f"anchored on this model's points on this unit at other conditions (x{math.exp(own):.2f} on this unit)")
    exact = None
    for pt in entry.get("points", []):
        if (pt["canonical"] == canonical and pt["width_px"] == width_px and pt["height_px"] == height_px
                and pt["precision"] == pred.precision and pt["batch"] == batch and pt["quantity"] in ("throughput", "latency")):
            exact = pt
            break
    service_s = pred.service_s
    latency_s = pred.latency_s
    iv = doc.get("interval_log_residual", {})
    if anchored:
        category = "anchored"
    elif entry["source"] == "prior":
        category = "lodo-factor" if n_lat else "lodo-bare"
    else:
        category = "factor" if n_lat else "bare"
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
    return ServicePrediction(service_s=service_s, latency_s=latency_s, throughput_fps=1.0 / service_s, power_w=pred.power_w,
                             source=source, service_s_low=min(low, service_s), service_s_high=max(high, service_s),
                             detail="; ".join(notes), prediction=pred)
