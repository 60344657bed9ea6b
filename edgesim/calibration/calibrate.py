"""Calibrate every engine group of a measurements set: fits, learnt priors and per-model factors.

Steps (the same code for every device):

1. group the usable points by engine (device, kind, power mode, source family) and look up each engine's
   datasheet (catalog or :data:`~edgesim.calibration.devices.EXTRA_SPECS`);
2. fit every engine with the weak hyper-prior, learn a prior per kind from the engines whose data determined
   each parameter, and refit with the learnt priors;
3. per-model factors: how much faster a model runs than its features say, learnt on the *other* devices of
   the same kind (shrunk toward 1: ``f = sum(r) / (n + 0.15)``, 0.15 ~ (device-to-device spread 0.35 /
   model spread 0.9)^2), so a model whose heuristic operator split is off
   (a depthwise-heavy net on an NPU) is corrected by what other devices show;
4. refit with the factors held fixed.

A prediction for a point then is physics x model factor, and, where the same engine measured the same model
under other conditions (batch, precision, resolution), x an anchor: the shrunk mean residual of those points
(:data:`edgesim.calibration.validate.ANCHOR_SHRINK`).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from edgesim.calibration.devices import EXTRA_SPECS
from edgesim.calibration.fit import EngineContext, FitResult, GroupData, fit_group, log_predict
from edgesim.calibration.measurements import Measurement
from edgesim.calibration.prior import Prior, hyper_prior, learn_priors, prior_kind
from edgesim.catalog.loader import Catalog

__all__ = ["Calibration", "EngineGroup", "calibrate", "engine_context", "factor_key"]

_FACTOR_SHRINK = 0.15


def factor_key(canonical: str, kind: str) -> str:
    return f"{canonical}@{prior_kind(kind)}"


def engine_context(group: str, device: str, catalog_device: str | None, kind: str, catalog: Catalog | None) -> EngineContext:
    """The datasheet facts of an engine: peak at its fastest listed precision, memory bandwidth."""
    peaks: Mapping[str, float] = {}
    bw = None
    if catalog_device is not None and catalog is not None and catalog_device in catalog.devices:
        dev = catalog.devices[catalog_device]
        bw = dev.memory_bandwidth_bytes_per_s
        unit_kind = "npu" if kind == "dla" else kind
        for u in dev.units.values():
            if u.kind == unit_kind or (kind == "npu" and u.kind in ("npu", "tpu", "vpu")):
                peaks = {str(k): float(v) for k, v in u.peak_ops_per_s.items()}
                break
    elif device in EXTRA_SPECS and kind == "gpu":
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
    offsets: np.ndarray | None = None


@dataclass
class Calibration:
    """The result of :func:`calibrate`."""

    groups: dict[str, EngineGroup]
    priors: dict[str, Prior]
    factor_sums: dict[str, dict[str, list[float]]] = field(default_factory=dict)  # factor key -> device -> residuals

    def factor(self, canonical: str, kind: str, exclude_device: str | None = None) -> tuple[float, int]:
        """Log model factor for a model on a kind, from devices other than ``exclude_device``, and their count."""
        per_dev = self.factor_sums.get(factor_key(canonical, kind), {})
        vals = [float(np.mean(v)) for d, v in per_dev.items() if d != exclude_device and v]
        if not vals:
            return 0.0, 0
        return float(np.sum(vals) / (len(vals) + _FACTOR_SHRINK)), len(vals)

    def offsets_for(self, g: EngineGroup) -> np.ndarray:
        return np.array([self.factor(c, g.kind, g.device)[0] for c in g.data.canonical])

    def prior_for(self, kind: str) -> Prior:
        return self.priors.get(prior_kind(kind)) or hyper_prior(kind)


def _groups(points: Iterable[Measurement], catalog: Catalog | None) -> dict[str, EngineGroup]:
    by: dict[str, list[Measurement]] = defaultdict(list)
    for m in points:
        if m.usable and m.quantity in ("throughput", "latency"):
            by[m.group].append(m)
    out = {}
    for name, pts in sorted(by.items()):
        first = pts[0]
        ctx = engine_context(name, first.device, first.catalog_device, first.kind, catalog)
        out[name] = EngineGroup(name, first.device, first.catalog_device, first.kind, ctx, pts,
                                GroupData.from_measurements(pts, ctx.reference_precision))
    return out


def _update_factors(cal: Calibration) -> None:
    sums: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for g in cal.groups.values():
        if g.fit is None:
            continue
        physics = g.data.log_meas - log_predict(g.fit.theta, g.ctx, g.data)
        sign = np.where(g.data.is_latency, -1.0, 1.0)  # a faster model: higher throughput, lower latency
        for c, r in zip(g.data.canonical, physics * sign):
            sums[factor_key(c, g.kind)][g.device].append(float(r))
    cal.factor_sums = {k: dict(v) for k, v in sums.items()}


_MULTI_START_POINTS = 30
_ON_CHIP_STARTS_BYTES = (2e6, 1e7, 5e7, 2e8)  # starting guesses only: the fit moves them


def _fit_all(cal: Calibration, use_offsets: bool) -> None:
    """Refit every engine (warm start). An engine with many points is first fitted from several starting
    on-chip memory sizes (the reload term has a kink there, so a local search can stall), keeping the best."""
    for g in cal.groups.values():
        g.offsets = cal.offsets_for(g) if use_offsets else None
        prior = cal.prior_for(g.kind)
        starts = [] if g.fit is None else [g.fit.theta]
        if g.fit is None and len(g.data) >= _MULTI_START_POINTS:
            for m_bytes in _ON_CHIP_STARTS_BYTES:
                t0 = np.asarray(prior.mean, float).copy()
                t0[11] = np.log(m_bytes)
                starts.append(t0)
        fits = [fit_group(g.ctx, g.data, prior, g.offsets, theta0=t0) for t0 in starts] if starts else \
            [fit_group(g.ctx, g.data, prior, g.offsets)]
        g.fit = min(fits, key=lambda f: f.cost)


def _learn(cal: Calibration) -> None:
    fits = [(g.kind, g.ctx.peak_ops_per_s is not None, g.fit.theta, g.fit.sd, g.fit.prior_sd)
            for g in cal.groups.values() if g.fit is not None]
    cal.priors = learn_priors(fits)


def calibrate(points: Sequence[Measurement], catalog: Catalog | None, exclude_devices: Iterable[str] = ()) -> Calibration:
    """Fit every engine group, learn priors per kind and model factors (see the module docstring).

    Parameters
    ----------
    points : sequence of Measurement
    catalog : Catalog or None
        For the datasheet peaks and bandwidths of catalog devices.
    exclude_devices : iterable of str
        Canonical devices left out entirely (leave-one-device-out validation).
    """
    skip = set(exclude_devices)
    cal = Calibration(_groups([m for m in points if m.device not in skip], catalog), {})
    _fit_all(cal, use_offsets=False)
    _learn(cal)
    _fit_all(cal, use_offsets=False)
    _update_factors(cal)
    _fit_all(cal, use_offsets=True)
    _learn(cal)
    _update_factors(cal)
    return cal
