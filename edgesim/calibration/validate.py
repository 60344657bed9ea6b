"""Cross-validation of the calibrated performance model: leave-one-out (LOO) and leave-one-device-out (LODO).

* **LOO**: each throughput or latency point is held out; its engine is refitted without it (warm start from the
  full fit) and the point predicted as physics x model factor (other devices) x anchor (the same engine's
  points of the same model under other conditions, if any). The model factors and the other engines' fits are
  those of the full calibration: a second-order leak (the held-out point moved the other engines' fits only
  through the factors they were fitted with), stated here.
* **LODO**: every engine of a device with a published peak is predicted from its kind's prior learnt on the
  other devices, with model factors from the other devices only; no point of the device is used.
* **Interval**: the 10th and 90th percentiles of the held-out log residuals per prediction category
  (``anchored``, ``factor``, ``bare``), learnt on half of the devices and checked on the other half
  (two-fold cross-fitting by device), so the reported coverage is out of sample.
"""
from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from edgesim.calibration.calibrate import Calibration, EngineGroup
from edgesim.calibration.fit import fit_group, log_predict
from edgesim.calibration.prior import learn_priors, prior_kind

__all__ = ["ANCHOR_SHRINK", "HeldOut", "anchor_of", "interval_quantiles", "lodo", "loo", "two_fold_coverage"]

ANCHOR_SHRINK = 0.1
"""Anchor = sum(r) / (n + 0.1) over the engine's other points of the same model."""


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


def anchor_of(residuals: np.ndarray, is_latency: np.ndarray, mask: np.ndarray) -> tuple[float, int]:
    """Shrunk mean speed residual (log; latency residuals sign-flipped) of the points in ``mask``."""
    n = int(mask.sum())
    if n == 0:
        return 0.0, 0
    speed = np.where(is_latency[mask], -residuals[mask], residuals[mask])
    return float(speed.sum() / (n + ANCHOR_SHRINK)), n


def loo(cal: Calibration, stride: int = 1, max_nfev: int = 20) -> list[HeldOut]:
    """Leave-one-out over every ``stride``-th point of every engine (see the module docstring)."""
    out = []
    for g in cal.groups.values():
        assert g.fit is not None
        offsets = g.offsets if g.offsets is not None else np.zeros(len(g.data))
        factor_n = [cal.factor(c, g.kind, g.device)[1] for c in g.data.canonical]
        canon = np.asarray(g.data.canonical)
        for i in range(0, len(g.data), stride):
            keep = np.ones(len(g.data), bool)
            keep[i] = False
            sub = g.data.subset(keep)
            f = fit_group(g.ctx, sub, cal.prior_for(g.kind), offsets[keep], theta0=g.fit.theta, max_nfev=max_nfev)
            one = g.data.subset(~keep)
            logp = float(log_predict(f.theta, g.ctx, one, offsets[~keep])[0])
            resid = sub.log_meas - log_predict(f.theta, g.ctx, sub, offsets[keep])
            a, n = anchor_of(resid, sub.is_latency, canon[keep] == canon[i])
            sign = -1.0 if g.data.is_latency[i] else 1.0
            logp += sign * a
            category = "anchored" if n else ("factor" if factor_n[i] else "bare")
            out.append(_held(g, i, float(np.exp(logp)), category))
    return out


def _held(g: EngineGroup, i: int, predicted: float, category: str) -> HeldOut:
    m = g.points[i]
    fam = m.profile.extra.get("family", "") if m.profile is not None else ""
    return HeldOut(g.name, g.device, g.kind, m.model, m.canonical, fam, m.quantity, m.value, predicted, category)


def lodo(cal: Calibration) -> list[HeldOut]:
    """Leave-one-device-out over the devices with a published peak (see the module docstring)."""
    devices = sorted({g.device for g in cal.groups.values() if g.ctx.peak_ops_per_s is not None})
    out = []
    for dev in devices:
        fits = [(g.kind, g.ctx.peak_ops_per_s is not None, g.fit.theta, g.fit.sd, g.fit.prior_sd)
                for g in cal.groups.values() if g.device != dev and g.fit is not None]
        priors = learn_priors(fits)
        for g in cal.groups.values():
            if g.device != dev or g.ctx.peak_ops_per_s is None:
                continue
            theta = np.asarray(priors[prior_kind(g.kind)].mean)
            offsets = np.array([cal.factor(c, g.kind, dev)[0] for c in g.data.canonical])
            logp = log_predict(theta, g.ctx, g.data, offsets)
            for i in range(len(g.data)):
                cat = "factor" if cal.factor(g.data.canonical[i], g.kind, dev)[1] else "bare"
                out.append(_held(g, i, float(np.exp(logp[i])), "lodo-" + cat))
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

