"""Calibrate every engine group of a measurements set: fits, learnt priors and per-model latents.

Steps (the same code for every device):

1. group the usable points by engine (device, kind, power mode, source family) and look up each engine's
   datasheet (catalog or :data:`~edgesim.calibration.devices.EXTRA_SPECS`);
2. fit every engine with the weak hyper-prior, learn a prior per kind from the engines whose data determined
   each parameter, and refit with the learnt priors;
3. alternate: fit every model's latents (:mod:`edgesim.calibration.latents`: speed shared across the engines
   of a kind, on-chip footprint, per-engine deviation; each shrunk toward 0) with the engines held fixed, then
   refit the engines with the latents held fixed;
4. learn the kind priors again and fit the latents a last time.

A prediction for a point then is the physics of its engine with its model's latents.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from edgesim.calibration.devices import EXTRA_SPECS
from edgesim.calibration.fit import EngineContext, FitResult, GroupData, PointTerms, fit_group, point_terms
from edgesim.calibration.latents import LatentPoints, LatentPrior, ModelLatent, fit_latent
from edgesim.calibration.measurements import Measurement
from edgesim.calibration.prior import Prior, hyper_prior, learn_priors, prior_kind
from edgesim.catalog.loader import Catalog

__all__ = ["LATENT_ROUNDS", "Calibration", "EngineGroup", "all_terms", "calibrate", "engine_context", "factor_key", "fit_all_latents",
           "latent_points"]

LATENT_ROUNDS = 3
"""Alternations of the latent fits and the engine fits."""


def factor_key(canonical: str, kind: str) -> str:
    """The identity a model's latents are kept under: ``canonical@kind``."""
    return f"{canonical}@{prior_kind(kind)}"


def engine_context(group: str, device: str, catalog_device: str | None, kind: str, catalog: Catalog | None) -> EngineContext:
    """The datasheet facts of an engine: peak at its fastest listed precision, memory bandwidth."""
    peaks: Mapping[str, float] = {}
    bw = None
    if catalog_device is None and catalog is not None and device in catalog.devices:
        catalog_device = device  # a catalog entry under the canonical name (devices added to the catalog later)
    if catalog_device is not None and catalog is not None and catalog_device in catalog.devices:
        dev = catalog.devices[catalog_device]
        bw = dev.memory_bandwidth_bytes_per_s
        unit_kind = "npu" if kind == "dla" else kind
        for u in dev.units.values():
            if u.kind == unit_kind or (kind == "npu" and u.kind in ("npu", "tpu", "vpu")):
                peaks = {str(k): float(v) for k, v in u.peak_ops_per_s.items()}
                break
    elif device in EXTRA_SPECS:
        peaks = dict(EXTRA_SPECS[device].peak_ops_per_s)
        bw = EXTRA_SPECS[device].memory_bandwidth_bytes_per_s
    for p in ("int8", "fp16", "fp32"):
        if p in peaks:
            return EngineContext(group, kind, float(peaks[p]), p, bw)
    return EngineContext(group, kind, None, "int8", bw)


@dataclass
class EngineGroup:
    """One calibrated engine: its points, context and fit."""

    name: str
    device: str
    catalog_device: str | None
    kind: str
    ctx: EngineContext
    points: list[Measurement]
    data: GroupData
    fit: FitResult | None = None

    @property
    def keys(self) -> list[str]:
        """The latent key of each point."""
        return [factor_key(c, self.kind) for c in self.data.canonical]


@dataclass
class Calibration:
    """The result of :func:`calibrate`."""

    groups: dict[str, EngineGroup]
    priors: dict[str, Prior]
    latents: dict[str, ModelLatent] = field(default_factory=dict)
    latent_prior: LatentPrior = field(default_factory=LatentPrior)

    def prior_for(self, kind: str) -> Prior:
        return self.priors.get(prior_kind(kind)) or hyper_prior(kind)

    def latent(self, key: str) -> ModelLatent:
        return self.latents.get(key) or ModelLatent(key)

    def offsets_for(self, g: EngineGroup, override: Mapping[str, ModelLatent] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Per point of ``g``: the log speed and log footprint latents (``override`` replaces some models')."""
        over = override or {}
        lat = [over.get(k) or self.latent(k) for k in g.keys]
        return np.array([x.speed_on(g.name) for x in lat]), np.array([x.footprint for x in lat])

    def points_of(self) -> dict[str, list[tuple[str, np.ndarray]]]:
        """Per latent key, the (group name, point indices) holding its points."""
        out: dict[str, list[tuple[str, np.ndarray]]] = defaultdict(list)
        for g in self.groups.values():
            keys = np.asarray(g.keys)
            for k in sorted(set(g.keys)):
                out[k].append((g.name, np.flatnonzero(keys == k)))
        return dict(out)


def latent_points(cal: Calibration, where: Sequence[tuple[str, np.ndarray]], terms: Mapping[str, PointTerms],
                  drop: tuple[str, int] | None = None, skip_groups: Iterable[str] = ()) -> list[LatentPoints]:
    """The :class:`LatentPoints` of one model from its (group, indices), leaving out the point ``drop``
    (group, index) and every group in ``skip_groups``."""
    skip = set(skip_groups)
    out = []
    for gname, idx in where:
        if gname in skip:
            continue
        if drop is not None and drop[0] == gname:
            idx = idx[idx != drop[1]]
        if len(idx) == 0:
            continue
        t = terms[gname]
        out.append(LatentPoints(gname, t.take(idx), cal.groups[gname].data.log_meas[idx]))
    return out


def all_terms(cal: Calibration) -> dict[str, PointTerms]:
    """Latent-free terms of every fitted group's points."""
    return {g.name: point_terms(g.fit.theta, g.ctx, g.data) for g in cal.groups.values() if g.fit is not None}


def fit_all_latents(cal: Calibration) -> None:
    """Fit every model's latents with the engines held at their current fits."""
    terms = all_terms(cal)
    cal.latents = {k: fit_latent(k, latent_points(cal, where, terms), cal.latent_prior) for k, where in cal.points_of().items()}


def _groups(points: Iterable[Measurement], catalog: Catalog | None) -> dict[str, EngineGroup]:
    by: dict[str, list[Measurement]] = defaultdict(list)
    for m in points:
        if m.usable and m.quantity in ("throughput", "latency"):
            by[m.group].append(m)
    out = {}
    for name, pts in sorted(by.items()):
        first = pts[0]
        cat_dev = first.catalog_device
        if cat_dev is None and catalog is not None and first.device in catalog.devices:
            cat_dev = first.device  # a device the catalog gained under its canonical name
        ctx = engine_context(name, first.device, cat_dev, first.kind, catalog)
        out[name] = EngineGroup(name, first.device, cat_dev, first.kind, ctx, pts,
                                GroupData.from_measurements(pts, ctx.reference_precision))
    return out


_MULTI_START_POINTS = 30
_REFIT_NFEV = 60
_ON_CHIP_STARTS_BYTES = (2e6, 1e7, 5e7, 2e8)  # starting guesses only: the fit moves them


def _fit_all(cal: Calibration, use_offsets: bool, max_nfev: int | None = None) -> None:
    """Refit every engine (warm start). An engine with many points is first fitted from several starting
    on-chip memory sizes (the reload term has a kink there, so a local search can stall), keeping the best."""
    for g in cal.groups.values():
        speed, footprint = cal.offsets_for(g) if use_offsets else (None, None)
        prior = cal.prior_for(g.kind)
        starts = [] if g.fit is None else [g.fit.theta]
        if g.fit is None and len(g.data) >= _MULTI_START_POINTS:
            for m_bytes in _ON_CHIP_STARTS_BYTES:
                t0 = np.asarray(prior.mean, float).copy()
                t0[11] = np.log(m_bytes)
                starts.append(t0)
        fits = [fit_group(g.ctx, g.data, prior, speed, theta0=t0, max_nfev=max_nfev, log_footprint=footprint) for t0 in starts] \
            if starts else [fit_group(g.ctx, g.data, prior, speed, log_footprint=footprint)]
        g.fit = min(fits, key=lambda f: f.cost)


def _learn(cal: Calibration) -> None:
    fits = [(g.kind, g.ctx.peak_ops_per_s is not None, g.fit.theta, g.fit.sd, g.fit.prior_sd)
            for g in cal.groups.values() if g.fit is not None]
    cal.priors = learn_priors(fits)


def calibrate(points: Sequence[Measurement], catalog: Catalog | None, exclude_devices: Iterable[str] = (),
              latent_prior: LatentPrior | None = None) -> Calibration:
    """Fit every engine group, learn priors per kind and the per-model latents (see the module docstring).

    Parameters
    ----------
    points : sequence of Measurement
    catalog : Catalog or None
        For the datasheet peaks and bandwidths of catalog devices.
    exclude_devices : iterable of str
        Canonical devices left out entirely.
    latent_prior : LatentPrior, optional
        Spreads of the per-model latents (default :class:`LatentPrior`).
    """
    skip = set(exclude_devices)
    cal = Calibration(_groups([m for m in points if m.device not in skip], catalog), {},
                      latent_prior=latent_prior or LatentPrior())
    _fit_all(cal, use_offsets=False)
    _learn(cal)
    _fit_all(cal, use_offsets=False)
    for _ in range(LATENT_ROUNDS):
        fit_all_latents(cal)
        _fit_all(cal, use_offsets=True, max_nfev=_REFIT_NFEV)
    _learn(cal)
    fit_all_latents(cal)
    return cal
