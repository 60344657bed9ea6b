"""Priors of an engine's performance parameters, learnt across engines of the same kind.

The fit (:mod:`edgesim.calibration.fit`) works on log parameters (:data:`PARAM_NAMES`). The class rates are
fractions of the device's datasheet peak (``log_eff_conv``) and ratios to the dense-convolution rate
(``log_rel_*``), so a prior learnt on one NPU carries to another of a different size; the precision speed-ups,
overheads and memory parameters are absolute.

:func:`hyper_prior` is the weak starting point (documented assumptions, wide), used before anything is learnt;
:func:`learn_priors` replaces each parameter's mean and spread by the median and robust spread of the engines
of that kind whose data determined it. An engine with few or no points is predicted from its kind's prior, and
the fit says which parameters came from it.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

__all__ = ["PARAM_NAMES", "PER_PEAK_PARAMS", "PRIOR_KINDS", "TIMING_PARAMS", "Prior", "hyper_prior", "learn_priors", "per_peak_shift",
           "prior_kind", "weighted_median", "with_timing_of"]

PARAM_NAMES: tuple[str, ...] = (
    "log_eff_conv",            # dense-conv rate / datasheet peak at the reference precision
    "log_rel_depthwise", "log_rel_pointwise", "log_rel_matmul", "log_rel_attention", "log_rel_elementwise",
    "log_rel_pool_resize",     # each class's rate / the dense-conv rate
    "log_speedup_a", "log_speedup_b",   # the two non-reference precisions' throughput / reference's
    "log_overhead_s",          # fixed cost per batch call
    "log_reload_bytes_per_s",  # weights beyond on-chip memory reloaded once per batch at this rate
    "log_on_chip_bytes",       # weights that stay resident
    "log_host_latency_s",      # host round trip added to latency only
    "log_offline_extra",       # offline_batch = 1 + exp(.)
)

PRIOR_KINDS = ("npu", "gpu", "cpu", "tpu", "vpu")


def prior_kind(kind: str) -> str:
    """The kind whose prior an engine uses (a DLA or an unstated on-device engine uses the NPU prior)."""
    return {"dla": "npu", "gpu+2dla": "gpu", "unstated": "npu"}.get(kind, kind)


@dataclass(frozen=True)
class Prior:
    """Independent normal priors on the log parameters.

    Attributes
    ----------
    kind : str
        Engine kind it applies to.
    mean, sd : tuple of float
        Per parameter of :data:`PARAM_NAMES`.
    learnt_from : mapping of str to int
        Per parameter, how many engines determined it (0: the hyper-prior's assumption).
    """

    kind: str
    mean: tuple[float, ...]
    sd: tuple[float, ...]
    learnt_from: Mapping[str, int]

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(self.mean, dtype=float), np.asarray(self.sd, dtype=float)

    def with_wide_scale(self, sd: float = 5.0) -> Prior:
        """This prior with an uninformative ``log_eff_conv`` (for an engine with no published peak)."""
        sds = list(self.sd)
        sds[0] = sd
        return Prior(self.kind, self.mean, tuple(sds), self.learnt_from)


# Hyper-prior: weak, documented assumptions (log units, natural log). Not data: each is replaced by what the
# engines of a kind show once they are fitted (learn_priors).
#   eff_conv 0.3 of peak (sd x e^1.5); depthwise 1/10 of conv, pointwise 1/2, matmul 1/2, attention 1/4,
#   elementwise 1/2, pool 1/2 (sd x e^1.5); a wider precision half as fast per step; overhead 0.2 ms;
#   reload at 10 GB/s; 8 MB on chip (sd x e^2: 1 MB..60 MB); host round trip 0.5 ms; offline batch 1 + 4.
# The attention, elementwise and pool/resize rates are held at their assumed ratios (sd 0.05): the public points
# carry total op counts split by a family heuristic, whose four operator mixes identify only four rates (dense
# conv, depthwise, pointwise, matmul); the small classes and attention (always beside matmul) are not separable.
_HYPER_MEAN = (math.log(0.3), math.log(0.1), math.log(0.5), math.log(0.5), math.log(0.25), math.log(0.5), math.log(0.5),
               math.log(0.5), math.log(0.25), math.log(2e-4), math.log(1e10), math.log(8e6), math.log(5e-4), math.log(4.0))
_HYPER_SD = (1.5, 1.5, 1.5, 1.5, 0.05, 0.05, 0.05, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 1.5)


def hyper_prior(kind: str) -> Prior:
    """The weak starting prior of a kind (the same assumptions for every kind)."""
    return Prior(prior_kind(kind), _HYPER_MEAN, _HYPER_SD, {n: 0 for n in PARAM_NAMES})


_MIN_SD = 0.25
_DETERMINED = 0.6  # a parameter is determined by an engine's data when its posterior sd < 0.6 x prior sd
_INFORMED = 0.9  # ... and informed (enough to lend it to a prior) when its posterior sd < 0.9 x prior sd
_SINGLE_SD = 0.5  # spread of a prior learnt from one engine only


TIMING_PARAMS: tuple[str, ...] = ("log_overhead_s", "log_host_latency_s", "log_offline_extra")
"""Parameters that depend on what a source timed (per-call overhead hidden by a streaming benchmark or not,
host round trip included or not, the saturation batch of the benchmark) as much as on the device."""


def with_timing_of(base: Prior, same_protocol: Prior) -> Prior:
    """``base`` with the :data:`TIMING_PARAMS` of ``same_protocol`` where engines measured under the same
    protocol (source family) informed them."""
    mean, sd = list(base.mean), list(base.sd)
    learnt = dict(base.learnt_from)
    for name in TIMING_PARAMS:
        k = PARAM_NAMES.index(name)
        if same_protocol.learnt_from.get(name, 0) > 0:
            mean[k], sd[k] = same_protocol.mean[k], same_protocol.sd[k]
            learnt[name] = same_protocol.learnt_from[name]
    return Prior(base.kind, tuple(mean), tuple(sd), learnt)


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The value where the cumulative weight first reaches half the total (values sorted)."""
    order = np.argsort(values)
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, 0.5 * cum[-1])])


def learn_priors(fits: Iterable[tuple[str, bool, np.ndarray, np.ndarray, np.ndarray]],
                 base: Mapping[str, Prior] | None = None) -> dict[str, Prior]:
    """Priors per kind from fitted engines.

    Parameters
    ----------
    fits : iterable of (kind, has_peak, theta, posterior_sd, prior_sd)
        One per fitted engine.
    base : mapping of kind to Prior, optional
        Where no engine of a kind informed a parameter (posterior sd < 0.9 x prior sd), that parameter keeps
        ``base``'s value (default: the hyper-prior).

    Returns
    -------
    dict of kind to Prior
        The median of the informed values, each engine weighted by its precision (1 / posterior variance,
        posterior sd floored at 0.25), and their weighted robust spread (1.4826 x MAD, at least 0.25); from a
        single engine, its value with a spread of 0.5.
    """
    by_kind: dict[str, list[tuple[bool, np.ndarray, np.ndarray, np.ndarray]]] = {}
    for kind, has_peak, theta, sd, prior_sd in fits:
        by_kind.setdefault(prior_kind(kind), []).append((has_peak, theta, sd, prior_sd))
    out: dict[str, Prior] = {}
    for kind in sorted(set(by_kind) | set(PRIOR_KINDS)):
        start = (base or {}).get(kind) or hyper_prior(kind)
        mean, sdv = list(start.mean), list(start.sd)
        learnt = dict(start.learnt_from)
        for k, name in enumerate(PARAM_NAMES):
            informed = [(t[k], s[k]) for has_peak, t, s, ps in by_kind.get(kind, [])
                        if s[k] < _INFORMED * ps[k] and (has_peak or k != 0)]
            vals = [v for v, _ in informed]
            if len(vals) == 1:
                mean[k], sdv[k] = float(vals[0]), _SINGLE_SD
                learnt[name] = 1
            elif len(vals) >= 2:
                v = np.asarray(vals)
                w = 1.0 / np.maximum(np.asarray([sd_k for _, sd_k in informed]), _MIN_SD) ** 2
                med = weighted_median(v, w)
                mad = weighted_median(np.abs(v - med), w) * 1.4826
                mean[k], sdv[k] = med, max(mad, _MIN_SD)
                learnt[name] = len(vals)
        out[kind] = Prior(kind, tuple(mean), tuple(sdv), learnt)
    return out


PER_PEAK_PARAMS: tuple[str, ...] = ("log_on_chip_bytes",)
"""Parameters whose prior is learnt per unit of datasheet peak (``log value - log(peak / 1e13)``): a part with
twice the MAC arrays carries about twice the on-chip memory (Hailo-8 vs Hailo-8L fit 25 MB vs 8.5 MB at 26 vs
13 TOPS); an engine without a published peak lends the absolute value."""

_PEAK_UNIT = 1e13


def per_peak_shift(peak_ops_per_s: float | None) -> np.ndarray:
    """What :data:`PER_PEAK_PARAMS` are shifted by at a datasheet peak, ops/s (0 for the others, and with no peak)."""
    shift = np.zeros(len(PARAM_NAMES))
    if peak_ops_per_s:
        for name in PER_PEAK_PARAMS:
            shift[PARAM_NAMES.index(name)] = math.log(peak_ops_per_s / _PEAK_UNIT)
    return shift
