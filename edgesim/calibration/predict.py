"""One performance model for every unit: parameters from the datasheet, conditioned on every measured point.

A unit's engine parameters (:data:`~edgesim.calibration.prior.PARAM_NAMES`) have a distribution, and the same
distribution gives its service time, latency, batching gain and busy power for every network:

* **prior** (a unit known only by its datasheet: kind, peak per precision, idle and max power, optional memory
  bandwidth): the kind's prior learnt over every engine of the shared measurements, centred at the unit's own
  datasheet peak (:func:`datasheet_posterior`; a unit with no published peak takes its max power x the kind's
  median peak per watt, with the spread of that ratio added to its efficiency's spread);
* **calibrated** (a catalog unit): the fit of its engine group to the shared public points
  (``edgesim/catalog/data/calibrated.json``, written by ``experiments/calibrate_catalog.py``);
* **conditioned** (:func:`condition`): any unit's own ``measured:`` points are observations. The parameters are
  refitted with the distribution above as their prior (a Gaussian update in log space, robust loss), so one
  point moves the device's efficiency and overhead for all its networks; a point's own network keeps the
  point's residual (``anchored``) and an exact (model, resolution, precision, batch) point is reproduced.

The 80% interval of a prediction is ``[exp(z10 sigma), exp(z90 sigma)]`` around it, with ``sigma^2 = v +
s_model^2``: ``v`` the variance of the log prediction under the parameters' covariance ``Sigma`` (the prior's, or
the posterior's after points), taken by sigma points along ``Sigma``'s axes
(:func:`~edgesim.calibration.fit.log_predict_variance`: the delta method where the prediction is smooth, bounded at
the weight-reload kink), ``s_model`` the spread of a network's own speed on the engine
(:mod:`~edgesim.calibration.latents`: smaller when the network was measured on other engines or on this one).
``z10, z90`` are the 10th/90th percentiles of the standardized held-out residuals of the validation protocol that
matches the unit's state (leave-one-device-out for a ``prior`` unit with its source family, leave-one-source-out
without, one-point for a unit conditioned on its own few points, leave-one-(device, family)-out for a calibrated
unit; each learnt on its own protocol, since their standardized residuals differ too much to pool), stored in the
calibrated file. A unit's own points narrow the interval below its datasheet's; more points narrow it further where
they inform what the prediction depends on (points that all fit on chip leave the on-chip memory unknown).

The calibration was fitted on the family-heuristic operator split of :mod:`edgesim.calibration.model_features`;
a profile with counted classes is re-split the same way (its total ops and parameters are kept) so that the
rates it meets are those it was fitted with.
"""
from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np

from edgesim.calibration.conditioned import fingerprint, lookup
from edgesim.calibration.fit import (
    SIGMA_OBS,
    EngineContext,
    GroupData,
    engine_params,
    fit_group,
    log_predict,
    log_predict_jacobian,
    log_predict_variance,
)
from edgesim.calibration.floor import ServiceFloor
from edgesim.calibration.model_features import canonical_name, profile_from_counts
from edgesim.calibration.prior import PARAM_NAMES, Prior, per_peak_shift, prior_kind
from edgesim.calibration.records import ModelSpread, ServicePrediction, Source, UnitDatasheet, UnitPoint, UnitPosterior
from edgesim.physics.performance import EngineParams, PowerMode, predict
from edgesim.physics.profile import ModelProfile
from edgesim.yamlio import safe_load

__all__ = ["ACTIVE_FLOOR", "DEFAULT_Z", "ModelSpread", "ServicePrediction", "UnitDatasheet", "UnitPoint", "UnitPosterior",
           "calibrated_path", "catalog_posterior", "condition", "condition_solution", "datasheet_posterior", "datasheet_theta", "features_of",
           "identity_ops", "load_calibrated", "predict_service", "predict_unit", "supported_precisions", "unit_engine"]

ACTIVE_FLOOR = 0.5
"""Share of the dynamic power drawn while busy but not computing (assumption: UNKNOWN in the sources read)."""

DEFAULT_Z = (-1.2816, 1.2816)
"""Standard-normal 10th/90th percentiles: the interval before a validation has calibrated it."""


def calibrated_path() -> Path:
    return Path(str(resources.files("edgesim.catalog") / "data" / "calibrated.json"))


@lru_cache(maxsize=8)
def load_calibrated(path: str | None = None) -> dict[str, Any]:
    """The calibrated parameter document (cached)."""
    p = Path(path) if path else calibrated_path()
    text = p.read_text(encoding="utf-8")
    # the shipped file is JSON (read at every compile: json ~30 ms where YAML takes ~0.7 s); a user's file may be
    # YAML, and gets every guard of the safe loader
    doc = json.loads(text) if p.suffix == ".json" else safe_load(text)
    if not isinstance(doc, dict) or "units" not in doc:
        raise ValueError(f"{p}: not a calibrated parameter file (no 'units')")
    return doc


def _entry(doc: Mapping[str, Any], device_name: str, unit_name: str | None) -> dict[str, Any]:
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


def supported_precisions(kind: str, peaks: Sequence[str], measured: Sequence[str] = ()) -> list[str]:
    """Precisions a unit runs: those with a published peak or a measured point, plus fp16/fp32 on a GPU and fp32
    on a CPU (wider formats every such part runs). INT8 is never assumed: a part without a published INT8
    peak or an INT8 point falls back, and says so."""
    out = set(peaks) | set(measured)
    if kind in ("gpu", "gpu+2dla"):
        out |= {"fp16", "fp32"}
    elif kind == "cpu":
        out |= {"fp32"}
    return sorted(out)


def unit_engine(entry: Mapping[str, Any]) -> tuple[EngineParams, EngineContext]:
    """The :class:`EngineParams` of one calibrated.json unit entry."""
    c = entry["context"]
    ctx = EngineContext(entry["device"] + "/" + entry["unit"], c["kind"], c["peak_ops_per_s"], c["reference_precision"],
                        c["memory_bandwidth_bytes_per_s"])
    theta = np.array([entry["theta"][n] for n in PARAM_NAMES], float)
    pw = entry["power"]
    modes = {k: PowerMode(k, v["clock_scale"], v["dynamic_power_scale"]) for k, v in pw["power_modes"].items()}
    eng = engine_params(theta, ctx, f"{entry['device']}/{entry['unit']}", entry["supported_precisions"],
                        pw["idle_power_w"], pw["dynamic_power_w"], pw["active_floor"], modes)
    return eng, ctx


def features_of(profile: ModelProfile) -> ModelProfile:
    """The profile re-split by the family heuristic the calibration was fitted with (total ops and params kept)."""
    canonical = profile.extra.get("canonical") or canonical_name(profile.name)
    if profile.extra.get("family"):
        return profile
    p = profile_from_counts(profile.name, canonical, profile.total_ops, profile.params, profile.ref_width_px,
                            profile.ref_height_px, profile.source or "given profile", profile.pixel_scaled)
    return replace(p, n_layers=0)  # activations: not in the calibrated model (it was fitted without them)


def _latent(doc: Mapping[str, Any], canonical: str, kind: str) -> dict[str, Any]:
    return dict(doc.get("model_latents", {}).get(f"{canonical}@{prior_kind(kind)}", {}))


def _prior_of(doc: Mapping[str, Any], kind: str) -> tuple[np.ndarray, np.ndarray]:
    pri = doc.get("priors", {}).get(prior_kind(kind)) or doc.get("priors", {}).get("npu")
    return (np.array([pri["mean"][n] for n in PARAM_NAMES], float), np.array([pri["sd"][n] for n in PARAM_NAMES], float))


def datasheet_theta(doc: Mapping[str, Any], kind: str, peak_ops_per_s: float | None, max_power_w: float,
                    family: str | None = None) -> tuple[np.ndarray, np.ndarray, float, str]:
    """Prior mean and spread of a unit's log parameters from its datasheet, and the peak they are relative to.

    The datasheet prior the leave-one-device-out protocol scores (``datasheet_priors``: per kind, learnt over
    every engine of the shared data, the medians of the engines of the same source family ``family`` where they
    informed a parameter; ``family`` None: the kind's medians, the leave-one-source-out case), at the unit's
    datasheet peak (on-chip memory per unit of peak). With no published peak the peak is ``max_power_w`` x the
    kind's median peak per watt (``peak_per_watt``) and the spread of that ratio widens the efficiency's spread.
    (The 13 engines with a published peak show no clear trend of the efficiency in the peak per watt beyond the
    kind's.)

    Raises
    ------
    KeyError
        When ``family`` is not a source family of the kind's engines (the message lists them).

    Returns
    -------
    mean, sd : ndarray
    peak_ops_per_s : float
    note : str
    """
    table = doc.get("datasheet_priors", {}).get(prior_kind(kind))
    if table:
        if family is not None and family not in table:
            known = ", ".join(sorted(f for f in table if f != "*"))
            raise KeyError(f"no {prior_kind(kind)} engine of the shared data is measured under source family {family!r} (known: {known})")
        entry = table[family or "*"]
        mean = np.array([entry["mean"][n] for n in PARAM_NAMES], float)
        sd = np.array([entry["sd"][n] for n in PARAM_NAMES], float)
    else:  # a calibrated file from before the datasheet prior table
        mean, sd = _prior_of(doc, kind)
    ppw = doc.get("peak_per_watt", {}).get(prior_kind(kind)) or doc.get("peak_per_watt", {}).get("all") or {"median": 1e12, "log_sd": 1.5}
    note = f"{prior_kind(kind)} prior" + (f" of the {family} engines" if family else " over every source family")
    if peak_ops_per_s is None:
        peak = float(ppw["median"]) * max_power_w
        sd = sd.copy()
        sd[0] = math.hypot(sd[0], float(ppw["log_sd"]))
        note += f"; peak not published: {peak / 1e12:.3g} Tops/s estimated from {max_power_w:g} W x the kind's median peak per watt"
    else:
        peak = peak_ops_per_s
    if table:
        mean = mean + per_peak_shift(peak)
    return mean, sd, peak, note


def _power_modes(modes: Sequence[PowerMode]) -> dict[str, PowerMode]:
    return {m.name: m for m in modes}


def datasheet_posterior(ds: UnitDatasheet, calibrated: str | None = None) -> UnitPosterior:
    """The parameters of a unit known only by its datasheet (``source: prior``)."""
    doc = load_calibrated(calibrated)
    peaks = dict(ds.peak_ops_per_s)
    ref = next((p for p in ("int8", "fp16", "fp32") if p in peaks), None)
    mean, sd, peak, note = datasheet_theta(doc, ds.kind, peaks.get(ref) if ref else None, ds.max_power_w, ds.prior_family)
    ctx = EngineContext(ds.name, ds.kind, peak, ref or "int8", ds.memory_bandwidth_bytes_per_s)
    supported = supported_precisions(ds.kind, list(peaks) or [ctx.reference_precision])
    eng = engine_params(mean, ctx, ds.name, supported, ds.idle_power_w, max(0.0, ds.max_power_w - ds.idle_power_w), ACTIVE_FLOOR,
                        _power_modes(ds.power_modes))
    return UnitPosterior(ds.name, ctx, eng, mean, np.diag(sd ** 2), "prior", notes=(f"datasheet only ({note})",),
                         protocol="lodo" if ds.prior_family else "loso")


def catalog_posterior(device_name: str, unit_name: str | None, calibrated: str | None = None) -> UnitPosterior:
    """The parameters of a catalog unit from the calibrated file (fitted on its public points, or its kind's prior)."""
    doc = load_calibrated(calibrated)
    entry = _entry(doc, device_name, unit_name)
    eng, ctx = unit_engine(entry)
    theta = np.array([entry["theta"][n] for n in PARAM_NAMES], float)
    sd = np.array([entry["sd"][n] for n in PARAM_NAMES], float)
    source: Literal["calibrated", "prior"] = "calibrated" if entry["source"] == "calibrated" else "prior"
    where = entry["group"] or "kind prior: " + prior_kind(eng.kind)
    pts = tuple(dict(p) for p in entry.get("points", []))
    return UnitPosterior(eng.name, ctx, eng, theta, np.diag(sd ** 2), source, entry["group"], int(entry["n_points"]), 0, pts,
                         notes=(f"{entry['source']} parameters ({where}, {entry['n_points']} public points)",),
                         protocol="" if source == "calibrated" else "loso")


def identity_ops(profile: ModelProfile) -> float:
    """A network's op count as part of its identity (the same at every input size): at its reference input, or,
    for a profile built from an op count alone at the stream's size, at 224 x 224."""
    if profile.extra.get("generic") and profile.pixel_scaled and profile.ref_pixels > 0:
        return profile.total_ops * 224 * 224 / profile.ref_pixels
    return profile.total_ops


@dataclass(frozen=True)
class _Identity:
    """Who a profile is to the calibration: the network whose latents it takes (``canonical``), the key of the unit's
    own points of it (``key``: the scenario model's own name where the unit measured that model, else
    ``canonical``), the network it is costed like (``like``, empty: it is that network) and its op count relative
    to that network's (``ops_scale``)."""

    canonical: str
    key: str
    like: str
    ops_scale: float

    @property
    def measured_itself(self) -> bool:
        """Whether the unit's own points are of this very model (not of the network it is costed like)."""
        return self.key != self.canonical or not self.like

    @classmethod
    def of(cls, profile: ModelProfile, anchors: Mapping[str, float] | None = None) -> _Identity:
        """The identity of ``profile`` on a unit whose own points anchor the networks in ``anchors``."""
        canonical = str(features_of(profile).extra.get("canonical", profile.name))
        own = profile.extra.get("own")
        key = own if own and own in (anchors or {}) else canonical
        like = "" if own == canonical else str(profile.extra.get("like", ""))  # a model named as the network it is like
        return cls(canonical, key, like, float(profile.extra.get("ops_scale", 1.0)))

    @classmethod
    def point_key(cls, profile: ModelProfile) -> str:
        """The key a measured point of ``profile`` is kept under: the scenario model's own name, else its network."""
        return str(profile.extra.get("own") or features_of(profile).extra.get("canonical", profile.name))


def _speed_footprint(doc: Mapping[str, Any], post: UnitPosterior, ident: _Identity, ops: float | None = None
                     ) -> tuple[float, float, str, int]:
    """A network's log speed and log footprint factors on this unit, its category and its latent point count.

    A network with no factor of its own (``bare``) takes its kind's trend at its op count ``ops`` (``latent_trend``:
    small networks run below an engine's fitted efficiency), where the calibration has one, capped at 0. A network
    at another op count than its counted profile's (``ops_scale``) moves along the same trend, never faster."""
    lat = _latent(doc, ident.canonical, post.engine.kind)
    speed = float(lat.get("speed", 0.0))
    trend = doc.get("latent_trend", {}).get(prior_kind(post.engine.kind))
    if not lat and trend and ops:
        # never above the nominal rate: the trend lends small networks their slowdown, it does not push a large
        # network past the engine's fitted efficiency (which the datasheet peak bounds)
        speed = min(0.0, float(trend["intercept"]) + float(trend["slope"]) * (math.log(ops) - float(trend["center_log_ops"])))
    elif lat and trend and ident.ops_scale != 1.0:
        speed += min(0.0, float(trend["slope"]) * math.log(ident.ops_scale))
    footprint = float(lat.get("footprint", 0.0))
    n_lat = int(lat.get("n_points", 0))
    category = "factor" if n_lat else "bare"
    group_speed = lat.get("group_speed", {})
    if post.group and post.group in group_speed:
        speed += float(group_speed[post.group])
        category = "anchored"
    if ident.key in post.anchors:
        category = "anchored"  # its time is scaled by the anchor in predict_unit
    if ident.like and not ident.measured_itself:
        # costed like another network: that network's behaviour (its anchor included) is an assumption here, so the
        # interval is that of a network known by its op count alone, and the engine's floor applies
        category = "bare"
    return speed, footprint, category, n_lat


def _rows(post: UnitPosterior, points: Sequence[UnitPoint]) -> GroupData:
    return GroupData.from_rows([(features_of(p.profile), p.width_px, p.height_px, p.precision, p.batch, p.quantity == "latency",
                                 p.value, str(features_of(p.profile).extra.get("canonical", p.profile.name))) for p in points],
                               post.ctx.reference_precision)


@dataclass(frozen=True)
class _FitInputs:
    """What the conditioning fit of a unit is given: its usable points as arrays, their latents and scales, the prior."""

    ok: tuple[UnitPoint, ...]
    data: GroupData
    speed: np.ndarray
    foot: np.ndarray
    obs_sd: np.ndarray
    prior: Prior

    def fingerprint(self, post: UnitPosterior) -> str:
        return fingerprint(post.ctx, self.data, self.prior.mean, self.prior.sd, post.cov, post.theta, self.speed, self.foot,
                           self.obs_sd)

    def solve(self, post: UnitPosterior) -> np.ndarray:
        """The fit's solution (``scipy.optimize.least_squares``): log parameters."""
        return fit_group(post.ctx, self.data, self.prior, self.speed, theta0=post.theta, log_footprint=self.foot,
                         obs_sd=self.obs_sd).theta


def _fit_inputs(post: UnitPosterior, points: Sequence[UnitPoint], doc: Mapping[str, Any]) -> _FitInputs:
    ok = tuple(p for p in points if p.precision in ("int8", "fp16", "fp32", "bf16", "int4"))
    data = _rows(post, ok)
    offs = [_speed_footprint(doc, replace(post, anchors={}), _Identity.of(p.profile), identity_ops(p.profile)) for p in ok]
    speed = np.array([o[0] for o in offs])
    foot = np.array([o[1] for o in offs])
    sd = np.sqrt(np.clip(np.diag(post.cov), 1e-8, None))
    prior = Prior(prior_kind(post.engine.kind), tuple(float(x) for x in post.theta), tuple(float(x) for x in sd), {n: 0 for n in PARAM_NAMES})
    # each point counts with its network's own spread on the engine: one point of a network never seen elsewhere
    # moves the device's parameters less than one whose network is known
    spread = doc.get("model_spread") or {}
    obs_sd = np.array([math.hypot(SIGMA_OBS, float(spread.get(o[2], getattr(ModelSpread(), o[2])))) for o in offs])
    return _FitInputs(ok, data, speed, foot, obs_sd, prior)


def condition_solution(post: UnitPosterior, points: Sequence[UnitPoint], calibrated: str | None = None) -> tuple[str, np.ndarray]:
    """The fingerprint of conditioning ``post`` on ``points`` and the fit's solution, solved now (with scipy): what
    ``experiments/calibrate_catalog.py`` stores for every catalog unit (:mod:`edgesim.calibration.conditioned`)."""
    inputs = _fit_inputs(post, points, load_calibrated(calibrated))
    return inputs.fingerprint(post), inputs.solve(post)


def condition(post: UnitPosterior, points: Sequence[UnitPoint], calibrated: str | None = None, use_stored: bool = True) -> UnitPosterior:
    """``post`` updated by the unit's own measured points (see the module docstring).

    The parameters are refitted with ``N(theta, diag(cov))`` as the prior, the networks' latents held at their
    calibrated values; each measured network keeps its mean residual as an anchor (so its own other
    conditions follow the point, and an exact point is reproduced by :func:`predict_unit`).

    With the shipped calibration (``calibrated`` None) and ``use_stored``, the fit's solution is taken from the
    precomputed catalog solutions (:mod:`edgesim.calibration.conditioned`) when its inputs match one bit for bit
    (every catalog unit's own points do), so a run does not import ``scipy.optimize``; otherwise it is solved here.
    """
    if not points:
        return post
    inputs = _fit_inputs(post, points, load_calibrated(calibrated))
    stored = lookup(inputs.fingerprint(post)) if use_stored and calibrated is None else None
    theta = stored if stored is not None else inputs.solve(post)
    ok, data, speed, foot, obs_sd = inputs.ok, inputs.data, inputs.speed, inputs.foot, inputs.obs_sd
    resid = data.log_meas - log_predict(theta, post.ctx, data, speed, foot)
    # Posterior covariance (Gauss-Newton at the solution): the points' rows weighted as the robust loss weighs
    # them, plus the prior's exact precision, so it never exceeds the prior covariance.
    j = log_predict_jacobian(theta, post.ctx, data, speed, foot) / obs_sd[:, None]
    w = 1.0 / np.sqrt(1.0 + (resid / obs_sd) ** 2)
    cov = np.linalg.inv(j.T @ (w[:, None] * j) + np.linalg.inv(post.cov))
    signed = np.where(data.is_latency, resid, -resid)  # log (measured time / the model's time)
    keys = [_Identity.point_key(p.profile) for p in ok]
    anchors: dict[str, float] = dict(post.anchors)
    for c in sorted(set(keys)):
        sel = np.array([x == c for x in keys])
        anchors[c] = float(np.mean(signed[sel]))
    e = post.engine
    supported = sorted(set(e.precision_speedup) | {p.precision for p in ok})
    eng = engine_params(theta, post.ctx, e.name, supported, e.idle_power_w, e.dynamic_power_w, e.active_floor, e.power_modes)
    power_anchors = dict(post.power_anchors)
    power_anchors.update(_power_anchors(eng, ok, keys, speed, foot))
    pts = post.points + tuple({"model": p.model, "canonical": c, "width_px": p.width_px, "height_px": p.height_px,
                               "precision": p.precision, "batch": p.batch, "quantity": p.quantity, "value": p.value,
                               "power_w": p.power_w, "source": p.source or "measured"} for p, c in zip(ok, keys))
    note = f"conditioned on {len(ok)} own point(s) ({', '.join(sorted(set(p.model for p in ok)))})"
    return UnitPosterior(post.name, post.ctx, eng, theta, cov, "calibrated", post.group, post.n_public, post.n_own + len(ok), pts,
                         anchors, post.notes + (note,), power_anchors)


def _power_anchors(eng: EngineParams, points: Sequence[UnitPoint], canonical: Sequence[str], speed: np.ndarray,
                   foot: np.ndarray) -> dict[str, float]:
    """Per network identity with measured power, the log of its measured dynamic power (above idle) over the model's
    at those points (mean over them): the power a network was seen to draw on this unit carries to its other
    conditions, as its measured time does (a point at or below idle power lends no anchor)."""
    logs: dict[str, list[float]] = {}
    for p, c, sp, fp in zip(points, canonical, speed, foot):
        if not p.power_w or p.power_w <= eng.idle_power_w:
            continue
        pred = predict(eng, features_of(p.profile), p.width_px, p.height_px, max(1.0, p.batch), p.precision, None,
                       math.exp(float(sp)), math.exp(float(fp)))
        dyn_w = pred.power_w - eng.idle_power_w
        if dyn_w > 0:
            logs.setdefault(c, []).append(math.log((p.power_w - eng.idle_power_w) / dyn_w))
    return {c: float(np.mean(v)) for c, v in logs.items()}


def _fallback_cost(doc: Mapping[str, Any], post: UnitPosterior, asked: str, ran: str) -> str:
    """What running ``ran`` instead of ``asked`` costs: the ratio of their speed-ups on the INT8-referenced engines
    of the unit's kind (the learnt kind prior: ``log_speedup_a`` is FP16 over INT8, ``_b`` FP32 over INT8)."""
    near = {"bf16": "fp16", "int4": "int8"}
    a, r = near.get(asked, asked), near.get(ran, ran)
    mean, _ = _prior_of(doc, post.engine.kind)
    log_speed = {"int8": 0.0, "fp16": float(mean[7]), "fp32": float(mean[8])}
    if a not in log_speed or r not in log_speed:
        return ""
    ratio = math.exp(log_speed[a] - log_speed[r])
    if ratio <= 1.0:
        return ""
    return (f"; at about 1/{ratio:.2g} of the throughput {asked} would give (the {prior_kind(post.engine.kind)} engines' "
            f"{asked} over {ran} speed-up)")


def _interval_z(doc: Mapping[str, Any], post: UnitPosterior) -> tuple[float, float, str]:
    z = doc.get("interval_z", {})
    if post.protocol and post.n_own == 0 and post.n_public == 0:
        key = post.protocol
    elif post.source == "prior":
        key = "lodo"
    elif post.n_public == 0:
        key = "one_point"
    else:
        key = "calibrated"
    lo, hi = z.get(key) or z.get("all") or DEFAULT_Z
    return float(lo), float(hi), key if key in z else "pooled held-out"


def _sigma(post: UnitPosterior, prof: ModelProfile, canonical: str, width_px: int, height_px: int, precision: str, batch: float,
           speed: float, footprint: float, model_sd: float) -> float:
    data = GroupData.from_rows([(prof, width_px, height_px, precision, batch, False, 1.0, canonical)], post.ctx.reference_precision)
    var = float(log_predict_variance(post.theta, post.cov, post.ctx, data, np.array([speed]), np.array([footprint]))[0])
    return math.sqrt(max(0.0, var) + model_sd ** 2)


def _floor_s(doc: Mapping[str, Any], post: UnitPosterior, width_px: int, height_px: int) -> float:
    """The per-inference floor of a unit fitted on public points, seconds: the lower envelope of its engine group's
    published (input pixels, seconds per inference) points at this input (``service_floor``,
    :class:`~edgesim.calibration.floor.ServiceFloor`; 0 where none)."""
    floor = doc.get("service_floor", {}).get(post.group) if post.group else None
    if not floor:
        return 0.0
    return ServiceFloor.from_json(floor).at(float(width_px * height_px))


def predict_unit(post: UnitPosterior, model_profile: ModelProfile, width_px: int, height_px: int, precision: str, batch: float = 1,
                 power_mode: str | None = None, calibrated: str | None = None) -> ServicePrediction:
    """Predict one unit running one model at one input size, batch, precision and power mode.

    Parameters
    ----------
    post : UnitPosterior
        The unit's parameters (:func:`catalog_posterior`, :func:`datasheet_posterior`, :func:`condition`).
    model_profile : ModelProfile
        The model's cost profile; its identity is ``extra["canonical"]`` or its name.
    width_px, height_px : int
        Input size, pixels.
    precision : str
        Requested precision (falls back if the unit lacks it; ``detail`` says so and at what cost).
    batch : float
        Inferences in flight.
    power_mode : str, optional
        A power mode of the unit.
    calibrated : str, optional
        Another calibrated parameter file, JSON or YAML (default: the shipped one).
    """
    doc = load_calibrated(calibrated)
    eng = post.engine
    prof = features_of(model_profile)
    ident = _Identity.of(model_profile, post.anchors)
    canonical = ident.canonical
    speed, footprint, category, n_lat = _speed_footprint(doc, post, ident, identity_ops(model_profile))
    notes = list(post.notes)
    if ident.like:
        notes.append(f"costed as a network like {ident.like} (its operator mix, latents and measured behaviour), "
                     f"ops x{ident.ops_scale:.4g}")
    pred = predict(eng, prof, width_px, height_px, batch, precision, power_mode, math.exp(speed), math.exp(footprint))
    if pred.fallback:
        notes.append(pred.fallback + _fallback_cost(doc, post, precision, pred.precision))
    if n_lat:
        notes.append(f"model latents from {n_lat} point(s) on {prior_kind(eng.kind)} engines: speed x{math.exp(speed):.2f}, "
                     f"on-chip footprint x{math.exp(footprint):.2f}")
    if category == "anchored":
        notes.append("anchored on this network's points on this unit at other conditions")
    spread = doc.get("model_spread") or {}
    model_sd = float(spread.get(category, getattr(ModelSpread(), category)))
    sigma = _sigma(post, prof, canonical, width_px, height_px, pred.precision, batch, speed, footprint, model_sd)
    z_lo, z_hi, z_key = _interval_z(doc, post)
    exact = None
    # the unit's own points (appended last) before the shared data's. A network at another op count than the measured
    # one has no exact point, unless the unit measured this very model; one costed like another at that network's own
    # op count is that network to the model (the same answer with or without the label)
    for pt in reversed(post.points if ident.ops_scale == 1.0 or ident.key != canonical else ()):
        if "_p" in str(pt.get("metric", "")):
            continue  # a latency percentile (MLPerf's p90) is not the mean latency a prediction stands for
        if (pt["canonical"] == ident.key and pt["width_px"] == width_px and pt["height_px"] == height_px
                and pt["precision"] == pred.precision and float(pt["batch"]) == float(batch) and pt["quantity"] in ("throughput", "latency")):
            exact = pt
            if pt["quantity"] == "throughput":
                break
    time_factor = math.exp(float(post.anchors.get(ident.key, 0.0)))  # the unit's own points of this network
    power_factor = math.exp(float(post.power_anchors.get(ident.key, 0.0)))  # and the power they drew
    service_s, latency_s = pred.service_s * time_factor, pred.latency_s * time_factor
    power_w = eng.idle_power_w + (pred.power_w - eng.idle_power_w) * power_factor
    if ident.key in post.power_anchors:
        notes.append(f"dynamic power x{power_factor:.3g}: this network's measured power on this unit")
    source: Source = post.source
    low, high = service_s * math.exp(-z_hi * sigma), service_s * math.exp(-z_lo * sigma)
    floor_s = _floor_s(doc, post, width_px, height_px)
    if category != "anchored" and service_s < floor_s:
        # no network published for this engine streamed its input faster: the estimate and the interval's low end
        # sit at that floor, the high end keeps its ratio to the estimate
        high *= floor_s / service_s
        service_s, low = floor_s, floor_s
        notes.append(f"per-inference floor {floor_s * 1e3:.3g} ms at {width_px} x {height_px} px: the lower envelope of the "
                     "times this engine's published networks took at their input sizes")
    if exact is not None:
        source = "measured"
        if exact["quantity"] == "throughput":
            service_s = 1.0 / float(exact["value"])
        else:
            latency_s = float(exact["value"])
        if exact.get("power_w"):
            power_w = float(exact["power_w"])
        low = high = service_s
        notes.append(f"measured point: {exact['model']} {exact['quantity']}={float(exact['value']):.4g} ({exact.get('source', '')})")
    else:
        notes.append(f"80% interval: sigma {sigma:.2f} (log) x z [{z_lo:.2f}, {z_hi:.2f}] of the {z_key} protocol")
    return ServicePrediction(service_s=service_s, latency_s=latency_s, throughput_fps=1.0 / service_s, power_w=power_w,
                             source=source, service_s_low=min(low, service_s), service_s_high=max(high, service_s),
                             detail="; ".join(notes), prediction=pred, sigma_log=sigma,
                             measured_quantity=None if exact is None else exact["quantity"])


def predict_service(device_name: str, unit_name: str | None, model_profile: ModelProfile, width_px: int, height_px: int,
                    precision: str, batch: float = 1, power_mode: str | None = None,
                    calibrated: str | None = None) -> ServicePrediction:
    """Predict one catalog unit running one model (:func:`catalog_posterior` then :func:`predict_unit`)."""
    post = catalog_posterior(device_name, unit_name, calibrated)
    return predict_unit(post, model_profile, width_px, height_px, precision, batch, power_mode, calibrated)

