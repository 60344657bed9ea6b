"""Cross-validation of the calibrated performance model: leave-one-out (LOO) and leave-one-device-out (LODO).

* **LOO**: each throughput or latency point is held out. Its model's latents are refitted without it (with
  the engines at the full calibration), its engine is refitted without it (warm start, with those latents),
  the model's latents are refitted once more against that engine, and the point is predicted from the result.
  The other models' latents and the other engines' fits are those of the full calibration: a higher-order leak
  (they were fitted against engines that saw the held-out point among hundreds), stated here.
* **LODO**: every engine of a device with a published peak is predicted from :func:`datasheet_prior` learnt on
  the other devices (per parameter, the engines of the same kind and source family where any informed it, else
  the kind's; the on-chip memory per unit of datasheet peak), with model latents fitted on the other devices'
  points only; no point of the device is used.
* **Interval**: the 10th and 90th percentiles of the held-out log residuals per prediction category
  (``anchored``: the model has other points on this engine; ``factor``: only on other engines of the kind;
  ``bare``: none), learnt on half of the devices and checked on the other half (two-fold cross-fitting by
  device), so the reported coverage is out of sample.
"""
from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from edgesim.calibration.calibrate import Calibration, EngineGroup, all_terms, latent_points
from edgesim.calibration.devices import source_family
from edgesim.calibration.fit import (
    SIGMA_OBS,
    UPPER_BOUNDS,
    PointTerms,
    fit_group,
    log_predict_jacobian,
    log_predict_variance,
    point_terms,
)
from edgesim.calibration.latents import fit_latent
from edgesim.calibration.predict import ModelSpread
from edgesim.calibration.prior import (
    _INFORMED,
    PARAM_NAMES,
    PER_PEAK_PARAMS,
    TIMING_PARAMS,
    Prior,
    learn_priors,
    per_peak_shift,
    prior_kind,
)

__all__ = ["PER_PEAK_PARAMS", "HeldOut", "Scored", "coverage_two_fold", "datasheet_prior", "datasheet_prior_of",
           "datasheet_prior_table", "interval_quantiles",
           "lodfo_scored", "lodo", "lodo_scored", "loo", "loso_scored",
           "one_point_scored", "two_fold_coverage", "z_quantiles"]


@dataclass(frozen=True)
class HeldOut:
    """One held-out prediction."""

    group: str
    device: str
    kind: str
    model: str
    canonical: str
    family: str
    quantity: str
    measured: float
    predicted: float
    category: str  # anchored | factor | bare

    @property
    def log_residual(self) -> float:
        return float(np.log(self.measured / self.predicted))

    @property
    def abs_err(self) -> float:
        return abs(self.predicted / self.measured - 1.0)


def loo(cal: Calibration, stride: int = 1, max_nfev: int = 8) -> list[HeldOut]:
    """Leave-one-out over every ``stride``-th point of every engine (see the module docstring)."""
    out = []
    terms = all_terms(cal)
    where_of = cal.points_of()
    for g in cal.groups.values():
        assert g.fit is not None
        keys = g.keys
        for i in range(0, len(g.data), stride):
            key = keys[i]
            where = where_of[key]
            first = fit_latent(key, latent_points(cal, where, terms, drop=(g.name, i)), cal.latent_prior)
            keep = np.ones(len(g.data), bool)
            keep[i] = False
            speed, footprint = cal.offsets_for(g, {key: first})
            f = fit_group(g.ctx, g.data.subset(keep), cal.prior_for(g.kind), speed[keep], theta0=g.fit.theta,
                          max_nfev=max_nfev, log_footprint=footprint[keep])
            own = point_terms(f.theta, g.ctx, g.data)
            lat = fit_latent(key, latent_points(cal, where, {**terms, g.name: own}, drop=(g.name, i)), cal.latent_prior)
            logp = float(own.take(np.array([i])).log_value(lat.speed_on(g.name), lat.footprint)[0])
            same = sum(len(idx[idx != i]) for gname, idx in where if gname == g.name)
            category = "anchored" if same else ("factor" if lat.n_points else "bare")
            out.append(_held(g, i, float(np.exp(logp)), category))
    return out


def _held(g: EngineGroup, i: int, predicted: float, category: str) -> HeldOut:
    m = g.points[i]
    fam = m.profile.extra.get("family", "") if m.profile is not None else ""
    return HeldOut(g.name, g.device, g.kind, m.model, m.canonical, fam, m.quantity, m.value, predicted, category)


def lodo(cal: Calibration) -> list[HeldOut]:
    """Leave-one-device-out over the devices with a published peak (see the module docstring)."""
    devices = sorted({g.device for g in cal.groups.values() if g.ctx.peak_ops_per_s is not None})
    terms = all_terms(cal)
    where_of = cal.points_of()
    out = []
    for dev in devices:
        others = [g for g in cal.groups.values() if g.device != dev]
        own_groups = [g.name for g in cal.groups.values() if g.device == dev]
        for g in cal.groups.values():
            if g.device != dev or g.ctx.peak_ops_per_s is None:
                continue
            theta, _ = datasheet_prior(others, g)
            t = point_terms(theta, g.ctx, g.data)
            keys = g.keys
            lat = {k: fit_latent(k, latent_points(cal, where_of[k], terms, skip_groups=own_groups), cal.latent_prior)
                   for k in set(keys)}
            for i, k in enumerate(keys):
                logp = float(t.take(np.array([i])).log_value(lat[k].speed, lat[k].footprint)[0])
                cat = "factor" if lat[k].n_points else "bare"
                out.append(_held(g, i, float(np.exp(logp)), "lodo-" + cat))
    return out


def interval_quantiles(held: Sequence[HeldOut], lo: float = 10.0, hi: float = 90.0) -> dict[str, tuple[float, float]]:
    """Per category, the (lo, hi) percentiles of the log residuals (log measured - log predicted)."""
    by: dict[str, list[float]] = {}
    for h in held:
        by.setdefault(h.category, []).append(h.log_residual)
    allr = [h.log_residual for h in held]
    out = {c: (float(np.percentile(v, lo)), float(np.percentile(v, hi))) for c, v in by.items() if len(v) >= 10}
    if allr:
        out["all"] = (float(np.percentile(allr, lo)), float(np.percentile(allr, hi)))
    return out


def _fold(device: str) -> int:
    return zlib.crc32(device.encode()) % 2


def two_fold_coverage(held: Sequence[HeldOut]) -> float:
    """Share of held-out points inside the 80% interval learnt on the other fold of devices."""
    inside = 0
    for k in (0, 1):
        train = [h for h in held if _fold(h.device) != k]
        test = [h for h in held if _fold(h.device) == k]
        q = interval_quantiles(train)
        for h in test:
            lo, hi = q.get(h.category, q.get("all", (-np.inf, np.inf)))
            inside += int(lo <= h.log_residual <= hi)
    return inside / max(1, len(held))



# ---------------------------------------------------------------------------------------------------------------
# Prediction protocols with calibrated intervals (issue 16): every held-out point carries the model's own
# standard deviation of its log prediction (delta method on the parameters' covariance + the network's spread),
# so the 80% interval is [z10, z90] x sigma with z learnt on held-out standardized residuals.
# ---------------------------------------------------------------------------------------------------------------

_CLASS_RE = ("resnet", "mobilenet")


@dataclass(frozen=True)
class Scored:
    """A held-out prediction with its log standard deviation and the protocol that produced it."""

    held: HeldOut
    sigma: float
    protocol: str
    source_family: str

    @property
    def z(self) -> float:
        return self.held.log_residual / max(self.sigma, 1e-6)


def _model_sd(category: str) -> float:
    return float(getattr(ModelSpread(), category.replace("lodo-", "")))


def _score_group(g: EngineGroup, theta: np.ndarray, cov: np.ndarray, speed: np.ndarray, footprint: np.ndarray,
                 cats: Sequence[str], idx: Sequence[int], protocol: str) -> list[Scored]:
    """Predict the points ``idx`` of ``g`` from ``theta`` (covariance ``cov``) and per-point latents."""
    if not len(idx):
        return []
    ii = np.asarray(idx, int)
    sub = g.data.subset(np.isin(np.arange(len(g.data)), ii))
    order = np.argsort(ii)
    ii = ii[order]
    sp, fp = speed[ii], footprint[ii]
    logp = point_terms(theta, g.ctx, sub).log_value(sp, fp)
    var = log_predict_variance(theta, cov, g.ctx, sub, sp, fp)
    out = []
    for k, i in enumerate(ii):
        cat = cats[i]
        sigma = float(np.sqrt(max(0.0, var[k]) + _model_sd(cat) ** 2))
        m = g.points[i]
        out.append(Scored(_held(g, int(i), float(np.exp(logp[k])), cat), sigma, protocol, source_family(m.source)))
    return out


def _latents_without(cal: Calibration, keys: Sequence[str], terms: Mapping[str, PointTerms], skip: Sequence[str]) -> dict[str, Any]:
    where_of = cal.points_of()
    return {k: fit_latent(k, latent_points(cal, where_of[k], terms, skip_groups=skip), cal.latent_prior) for k in set(keys)}


def _per_peak_row(o: EngineGroup) -> tuple[str, bool, np.ndarray, np.ndarray, np.ndarray]:
    """A fitted engine as a :func:`learn_priors` row, :data:`PER_PEAK_PARAMS` per unit of its peak (an engine
    with no published peak does not inform them: its posterior spread is set to its prior's)."""
    assert o.fit is not None
    sd = o.fit.sd.copy()
    # a rate its data pushed against its physical bound (dense conv at the datasheet peak, another class as fast as
    # dense conv) is determined by the data, though the Jacobian at the bound reports it loosely
    pinned = o.fit.theta >= UPPER_BOUNDS - 1e-3
    pinned[0] &= o.ctx.peak_ops_per_s is not None
    sd[pinned] = np.minimum(sd[pinned], 0.5 * o.fit.prior_sd[pinned])
    if not o.ctx.peak_ops_per_s:
        for name in PER_PEAK_PARAMS:
            sd[PARAM_NAMES.index(name)] = o.fit.prior_sd[PARAM_NAMES.index(name)]
    return o.kind, o.ctx.peak_ops_per_s is not None, o.fit.theta - per_peak_shift(o.ctx.peak_ops_per_s), sd, o.fit.prior_sd


def datasheet_prior(groups: Sequence[EngineGroup], g: EngineGroup) -> tuple[np.ndarray, np.ndarray]:
    """The prior of ``g``'s log parameters from its datasheet and the fitted ``groups`` (which must not hold it).

    A small hierarchical regression on what is known before any point of the engine is seen: its kind, its
    datasheet peak and the protocol it is measured under (its source family: the vendor toolchain or benchmark
    harness, which sets the per-call overhead, the host round trip and how close to peak its compiler gets):

    * every parameter: the weighted median of the engines of the kind whose data informed it
      (:func:`~edgesim.calibration.prior.learn_priors`), replaced by the median over the engines of the same
      kind *and* source family where any informed it (a family's engines share software and timing; the Hailo
      zoo runs its parts at their datasheet peak, the Coral page at a quarter of it);
    * :data:`PER_PEAK_PARAMS` are learnt per unit of peak and put back at ``g``'s peak.

    Strictly out of sample when ``groups`` excludes ``g``'s device (leave-one-device-out) or source (LOSO).
    """
    mean, sd = datasheet_prior_of(groups, g.kind, _family(g))
    return mean + per_peak_shift(g.ctx.peak_ops_per_s), sd


def datasheet_prior_of(groups: Sequence[EngineGroup], kind: str, family: str | None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`datasheet_prior`'s rule for an engine of ``kind`` measured under ``family`` (None: unknown, so the
    kind's medians alone), with :data:`PER_PEAK_PARAMS` per unit of peak (add :func:`per_peak_shift` at the
    engine's peak): what a run of a datasheet-only unit uses (:func:`datasheet_prior_table`)."""
    fitted = [o for o in groups if o.fit is not None]
    rows = [_per_peak_row(o) for o in fitted]
    same = [r for o, r in zip(fitted, rows) if family is not None and _family(o) == family]
    pk = prior_kind(kind)
    base, fam = learn_priors(rows)[pk], learn_priors(same)[pk]
    mean, sd = base.arrays()
    for k, name in enumerate(PARAM_NAMES):
        if fam.learnt_from.get(name, 0) > 0:
            mean[k], sd[k] = fam.mean[k], fam.sd[k]
    return mean, np.maximum(sd, _rule_spread(fitted, rows, pk, use_family=family is not None))


def datasheet_prior_table(groups: Sequence[EngineGroup]) -> dict[str, dict[str, dict[str, dict[str, float]]]]:
    """Per kind, per source family of its fitted engines, and ``"*"`` for a family not given: the prior mean and sd
    of the log parameters by :func:`datasheet_prior_of` (learnt on all ``groups``), per unit of peak for
    :data:`PER_PEAK_PARAMS`. The shipped calibration stores it, so a datasheet-only unit at run time gets the prior
    the leave-one-device-out protocol scores (with its family) or the leave-one-source-out one (without)."""
    fitted = [o for o in groups if o.fit is not None]
    out: dict[str, dict[str, dict[str, dict[str, float]]]] = {}
    for pk in sorted({prior_kind(o.kind) for o in fitted}):
        families = sorted({_family(o) for o in fitted if prior_kind(o.kind) == pk})
        entry = {}
        for fam in [*families, None]:
            mean, sd = datasheet_prior_of(groups, pk, fam)
            entry[fam or "*"] = {"mean": dict(zip(PARAM_NAMES, map(float, mean))), "sd": dict(zip(PARAM_NAMES, map(float, sd)))}
        out[pk] = entry
    return out


def _rule_spread(fitted: Sequence[EngineGroup], rows: Sequence[tuple[str, bool, np.ndarray, np.ndarray, np.ndarray]],
                 kind: str, use_family: bool = True) -> np.ndarray:
    """Per parameter, how far the rule of :func:`datasheet_prior` misses on the training engines themselves.

    Each informed engine of the kind is predicted by the median of the *other devices'* informed engines of its
    source family (else of the kind) and the robust spread (1.4826 x MAD) of those misses is returned, where at
    least 3 engines give one (0 elsewhere): the spread of a median over two or three engines says little about how
    far the next device lies from it (the RKNN NPUs fit at 0.4 to 1.0 of their peaks). ``use_family`` False: the
    rule without families (every engine predicted by the other devices' median of the kind).
    """
    out = np.zeros(len(PARAM_NAMES))
    mine = [(o, r) for o, r in zip(fitted, rows) if prior_kind(o.kind) == kind]
    for k in range(len(PARAM_NAMES)):
        informed = [(o, r) for o, r in mine if r[3][k] < _INFORMED * r[4][k] and (r[1] or k != 0)]
        misses = []
        for o, r in informed:
            others = [x for x, _ in informed if x.device != o.device]
            same = [y[2][k] for x, y in informed if use_family and x.device != o.device and _family(x) == _family(o)]
            pool = same or [y[2][k] for x, y in informed if x in others]
            if pool:
                misses.append(r[2][k] - float(np.median(pool)))
        if len(misses) >= 3:
            out[k] = 1.4826 * float(np.median(np.abs(misses)))
    return out


def _family(o: EngineGroup) -> str:
    return o.name.rsplit("/", 1)[-1]


def _prior_without(cal: Calibration, g: EngineGroup, exclude: Callable[[EngineGroup], bool]) -> tuple[np.ndarray, np.ndarray]:
    """:func:`datasheet_prior` of ``g`` learnt on the groups ``exclude`` rejects."""
    return datasheet_prior([o for o in cal.groups.values() if not exclude(o)], g)


def _same_device(device: str) -> Callable[[EngineGroup], bool]:
    return lambda o: o.device == device


def _same_source(fam_of: Mapping[str, str], family: str) -> Callable[[EngineGroup], bool]:
    return lambda o: fam_of[o.name] == family


def _cats(lat: Mapping[str, Any], keys: Sequence[str], prefix: str = "") -> list[str]:
    return [prefix + ("factor" if lat[k].n_points else "bare") for k in keys]


def lodo_scored(cal: Calibration) -> list[Scored]:
    """Leave-one-device-out: every point of a device with a published peak, predicted from its datasheet alone
    (the kind prior learnt on the other devices at its datasheet peak; latents fitted without the device)."""
    terms = all_terms(cal)
    out: list[Scored] = []
    for dev in sorted({g.device for g in cal.groups.values() if g.ctx.peak_ops_per_s is not None}):
        own = [g.name for g in cal.groups.values() if g.device == dev]
        for g in cal.groups.values():
            if g.device != dev or g.ctx.peak_ops_per_s is None:
                continue
            mean, sd = _prior_without(cal, g, _same_device(dev))
            lat = _latents_without(cal, g.keys, terms, own)
            speed = np.array([lat[k].speed for k in g.keys])
            foot = np.array([lat[k].footprint for k in g.keys])
            out += _score_group(g, mean, np.diag(sd ** 2), speed, foot, _cats(lat, g.keys, "lodo-"), range(len(g.data)), "lodo")
    return out


def _posterior(ctx: Any, data: Any, mean: np.ndarray, sd: np.ndarray, speed: np.ndarray, foot: np.ndarray,
               kind: str, obs_sd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fit ``data`` with the prior N(mean, sd^2) and return (theta, covariance) as :func:`predict.condition` does."""
    prior = Prior(prior_kind(kind), tuple(mean), tuple(sd), {})
    fit = fit_group(ctx, data, prior, speed, theta0=mean, log_footprint=foot, obs_sd=obs_sd)
    resid = data.log_meas - point_terms(fit.theta, ctx, data).log_value(speed, foot)
    j = log_predict_jacobian(fit.theta, ctx, data, speed, foot) / obs_sd[:, None]
    w = 1.0 / np.sqrt(1.0 + (resid / obs_sd) ** 2)
    return fit.theta, np.linalg.inv(j.T @ (w[:, None] * j) + np.diag(1.0 / sd ** 2))


def _one_point_index(g: EngineGroup) -> int | None:
    """The point a user would measure first: a ResNet-class point (the MLPerf reference network; a dense network
    measures the MAC arrays' efficiency, which every network shares), else a MobileNet-class one, a throughput at
    batch 1 before anything else."""
    cands = [i for i, m in enumerate(g.points) if any(s in m.canonical.lower() for s in _CLASS_RE)]
    if not cands:
        return None

    def rank(i: int) -> tuple[int, int, int]:
        m = g.points[i]
        return (0 if "resnet" in m.canonical.lower() else 1, 0 if m.batch == 1 and m.quantity == "throughput" else 1, i)
    return min(cands, key=rank)


def one_point_scored(cal: Calibration) -> list[Scored]:
    """One-point: a device held out except one ResNet- or MobileNet-class point, which conditions the datasheet
    prior; every other point of the device is predicted (that network's other conditions anchored on it)."""
    terms = all_terms(cal)
    out: list[Scored] = []
    for dev in sorted({g.device for g in cal.groups.values() if g.ctx.peak_ops_per_s is not None}):
        own = [g.name for g in cal.groups.values() if g.device == dev]
        for g in cal.groups.values():
            if g.device != dev or g.ctx.peak_ops_per_s is None or len(g.data) < 2:
                continue
            i0 = _one_point_index(g)
            if i0 is None:
                continue
            mean, sd = _prior_without(cal, g, _same_device(dev))
            lat = _latents_without(cal, g.keys, terms, own)
            speed = np.array([lat[k].speed for k in g.keys])
            foot = np.array([lat[k].footprint for k in g.keys])
            keep = np.zeros(len(g.data), bool)
            keep[i0] = True
            cats = _cats(lat, g.keys)
            obs_sd = np.array([math.hypot(SIGMA_OBS, _model_sd(cats[i0]))])
            theta, cov = _posterior(g.ctx, g.data.subset(keep), mean, sd, speed[keep], foot[keep], g.kind, obs_sd)
            r0 = float(g.data.log_meas[i0] - point_terms(theta, g.ctx, g.data.subset(keep)).log_value(speed[keep], foot[keep])[0])
            key0 = g.keys[i0]
            for i, k in enumerate(g.keys):
                if k == key0:
                    speed[i] += -r0 if g.data.is_latency[i0] else r0
                    cats[i] = "anchored"
            rest = [i for i in range(len(g.data)) if i != i0]
            out += _score_group(g, theta, cov, speed, foot, cats, rest, "one_point")
    return out


def lodfo_scored(cal: Calibration, max_nfev: int = 30) -> list[Scored]:
    """Leave-one-(device, network family)-out: a fitted device's points of one family (dense, depthwise,
    grouped, attention) held out, the device refitted on its other points, the family's networks' latents
    fitted without the device."""
    terms = all_terms(cal)
    out: list[Scored] = []
    for g in cal.groups.values():
        if g.ctx.peak_ops_per_s is None or g.fit is None:
            continue
        fams = np.array([m.profile.extra.get("family", "") if m.profile is not None else "" for m in g.points])
        own = [o.name for o in cal.groups.values() if o.device == g.device]
        for fam in sorted(set(fams)):
            held = fams == fam
            if held.all() or not held.any():
                continue
            keys = [k for k, h in zip(g.keys, held) if h]
            lat = {**cal.latents, **_latents_without(cal, keys, terms, own)}
            speed = np.array([(lat.get(k) or cal.latent(k)).speed_on(g.name) if not h else lat[k].speed for k, h in zip(g.keys, held)])
            foot = np.array([(lat.get(k) or cal.latent(k)).footprint for k in g.keys])
            prior = cal.prior_for(g.kind)
            mean, sd = prior.arrays()
            f = fit_group(g.ctx, g.data.subset(~held), prior, speed[~held], theta0=g.fit.theta, max_nfev=max_nfev,
                          log_footprint=foot[~held])
            sub = g.data.subset(~held)
            resid = sub.log_meas - point_terms(f.theta, g.ctx, sub).log_value(speed[~held], foot[~held])
            j = log_predict_jacobian(f.theta, g.ctx, sub, speed[~held], foot[~held]) / SIGMA_OBS
            w = 1.0 / np.sqrt(1.0 + (resid / SIGMA_OBS) ** 2)
            cov = np.linalg.inv(j.T @ (w[:, None] * j) + np.diag(1.0 / sd ** 2))
            cats = ["factor" if lat[k].n_points else "bare" for k in g.keys]
            out += _score_group(g, f.theta, cov, speed, foot, cats, list(np.flatnonzero(held)), "lodfo")
    return out


def loso_scored(cal: Calibration) -> list[Scored]:
    """Leave-one-source-out: every engine group of one source family held out (each source times differently);
    its device's parameters come from the device's other sources where it has any, else its datasheet prior,
    its timing parameters from the kind prior learnt without the source; latents fitted without the source."""
    terms = all_terms(cal)
    out: list[Scored] = []
    fam_of = {g.name: g.name.rsplit("/", 1)[-1] for g in cal.groups.values()}
    for fam in sorted(set(fam_of.values())):
        held = [g for g in cal.groups.values() if fam_of[g.name] == fam and g.ctx.peak_ops_per_s is not None]
        skip = [g.name for g in cal.groups.values() if fam_of[g.name] == fam]
        for g in held:
            mean, sd = _prior_without(cal, g, _same_source(fam_of, fam))
            siblings = [o for o in cal.groups.values() if o.device == g.device and fam_of[o.name] != fam and o.fit is not None
                        and o.kind == g.kind]
            if siblings:
                best = max(siblings, key=lambda o: len(o.data))
                assert best.fit is not None
                timing = [PARAM_NAMES.index(n) for n in TIMING_PARAMS]
                theta = best.fit.theta.copy()
                psd = np.maximum(best.fit.sd, 0.1)
                theta[timing], psd[timing] = mean[timing], sd[timing]
                cov = np.diag(psd ** 2)
            else:
                theta, cov = mean, np.diag(sd ** 2)
            lat = _latents_without(cal, g.keys, terms, skip)
            speed = np.array([lat[k].speed for k in g.keys])
            foot = np.array([lat[k].footprint for k in g.keys])
            out += _score_group(g, theta, cov, speed, foot, _cats(lat, g.keys), range(len(g.data)), "loso")
    return out


def z_quantiles(scored: Sequence[Scored], lo: float = 10.0, hi: float = 90.0) -> tuple[float, float]:
    """The (lo, hi) percentiles of the standardized held-out residuals (log measured - log predicted) / sigma."""
    z = np.array([s.z for s in scored])
    return (float(np.percentile(z, lo)), float(np.percentile(z, hi))) if len(z) else (-1.2816, 1.2816)


def coverage_two_fold(scored: Sequence[Scored]) -> float:
    """Share of held-out points inside the 80% interval whose z-quantiles were learnt on the other fold of devices."""
    inside = 0
    for k in (0, 1):
        train = [s for s in scored if _fold(s.held.device) != k]
        lo, hi = z_quantiles(train)
        for s in scored:
            if _fold(s.held.device) == k:
                inside += int(lo <= s.z <= hi)
    return inside / max(1, len(scored))
