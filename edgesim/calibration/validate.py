"""Cross-validation of the calibrated performance model: leave-one-out (LOO) and leave-one-device-out (LODO).

* **LOO**: each throughput or latency point is held out. Its model's latents are refitted without it (with
  the engines at the full calibration), its engine is refitted without it (warm start, with those latents),
  the model's latents are refitted once more against that engine, and the point is predicted from the result.
  The other models' latents and the other engines' fits are those of the full calibration: a higher-order leak
  (they were fitted against engines that saw the held-out point among hundreds), stated here.
* **LODO**: every engine of a device with a published peak is predicted from its kind's prior learnt on the
  other devices (the datasheet peak x the learnt fractions; the timing parameters, :data:`~edgesim.calibration.prior.TIMING_PARAMS`, from
  the other devices measured under the same protocol, i.e. source family, where there are any), with model
  latents fitted on the other devices' points only; no point of the device is used.
* **Interval**: the 10th and 90th percentiles of the held-out log residuals per prediction category
  (``anchored``: the model has other points on this engine; ``factor``: only on other engines of the kind;
  ``bare``: none), learnt on half of the devices and checked on the other half (two-fold cross-fitting by
  device), so the reported coverage is out of sample.
"""
from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from edgesim.calibration.calibrate import Calibration, EngineGroup, all_terms, latent_points
from edgesim.calibration.fit import fit_group, point_terms
from edgesim.calibration.latents import fit_latent
from edgesim.calibration.prior import learn_priors, prior_kind, with_timing_of

__all__ = ["HeldOut", "interval_quantiles", "lodo", "loo", "two_fold_coverage"]


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
        others = [(g.name.rsplit("/", 1)[-1], g.kind, g.ctx.peak_ops_per_s is not None, g.fit)
                  for g in cal.groups.values() if g.device != dev and g.fit is not None]
        priors = learn_priors([(kind, peak, f.theta, f.sd, f.prior_sd) for _, kind, peak, f in others])
        own_groups = [g.name for g in cal.groups.values() if g.device == dev]
        for g in cal.groups.values():
            if g.device != dev or g.ctx.peak_ops_per_s is None:
                continue
            family = g.name.rsplit("/", 1)[-1]
            same = learn_priors([(kind, peak, f.theta, f.sd, f.prior_sd) for fam, kind, peak, f in others if fam == family])
            theta = np.asarray(with_timing_of(priors[prior_kind(g.kind)], same[prior_kind(g.kind)]).mean)
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

