"""Robust fit of one engine's performance parameters to its measurements, in log space.

The forward model is exactly :func:`edgesim.physics.performance.predict` (vectorized over the points):
per-class compute at ``peak x exp(log_eff_conv + log_rel_class)``, precision speed-ups, the input stream over
the memory bandwidth, a per-batch fixed cost (overhead plus the weights beyond on-chip memory reloaded), the
engine's saturation batch for Offline rows and the host round trip on latencies.

Residuals are ``(log predicted - log measured) / sigma_obs`` with a soft-L1 loss
(``scipy.optimize.least_squares(loss="soft_l1")``): a point off by far more than ``sigma_obs`` pulls linearly,
not quadratically. The prior (:mod:`edgesim.calibration.prior`) adds one residual per parameter,
``(theta - mean) / sd``, so an engine with few points stays near its kind's prior and the fit reports which
parameters its data did not determine. Parameter uncertainty comes from the Jacobian at the solution.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from edgesim.calibration.measurements import Measurement
from edgesim.calibration.prior import PARAM_NAMES, Prior
from edgesim.physics.performance import BYTES_PER_ELEMENT, EngineParams
from edgesim.physics.profile import OP_CLASSES, ModelProfile

__all__ = ["SIGMA_OBS", "UPPER_BOUNDS", "EngineContext", "FitResult", "GroupData", "PointTerms", "engine_params", "fit_group",
           "log_predict", "log_predict_jacobian", "log_predict_variance", "point_terms", "precisions_of"]

SIGMA_OBS = 0.15
"""Scale of an observation residual in log units (about 15%): beyond it the soft-L1 loss is linear."""

_PRECISIONS = ("int8", "fp16", "fp32")

UPPER_BOUNDS = np.array([0.0] + [0.0] * 6 + [np.inf] * 7)
"""Physical bounds of the log parameters: dense convolution runs at most at the datasheet peak (where one is
published), and no other operator class runs faster than dense convolution (the class with the highest
arithmetic intensity)."""


def precisions_of(reference: str) -> tuple[str, str, str]:
    """The reference precision followed by the two others (the order of ``log_speedup_a``, ``_b``)."""
    return (reference,) + tuple(p for p in _PRECISIONS if p != reference)  # type: ignore[return-value]


@dataclass(frozen=True)
class EngineContext:
    """What the fit knows about an engine before seeing its points.

    Attributes
    ----------
    group : str
        Engine group name.
    kind : str
        Engine kind.
    peak_ops_per_s : float or None
        Datasheet dense peak at ``reference_precision`` (None: unpublished; rates are then absolute,
        relative to 1e12 ops/s).
    reference_precision : str
        The precision of the peak.
    memory_bandwidth_bytes_per_s : float or None
        DRAM bandwidth.
    """

    group: str
    kind: str
    peak_ops_per_s: float | None
    reference_precision: str = "int8"
    memory_bandwidth_bytes_per_s: float | None = None

    @property
    def peak_ref(self) -> float:
        return self.peak_ops_per_s if self.peak_ops_per_s else 1e12


@dataclass(frozen=True)
class GroupData:
    """Points of one engine as arrays (one row per measurement)."""

    ops: np.ndarray          # (n, n_classes) ops per inference at the measured input
    weight_params: np.ndarray  # (n,) parameters
    input_elems: np.ndarray  # (n,) input elements (w x h x 3)
    prec_idx: np.ndarray     # (n,) index into precisions_of(reference)
    batch: np.ndarray        # (n,) inferences in flight; 0 = Offline
    is_latency: np.ndarray   # (n,) bool
    log_meas: np.ndarray     # (n,) log of inferences/s or seconds
    canonical: tuple[str, ...]

    @classmethod
    def from_measurements(cls, points: Sequence[Measurement], reference_precision: str) -> GroupData:
        order = precisions_of(reference_precision)
        ops, params, elems, pidx, batch, lat, logm, canon = [], [], [], [], [], [], [], []
        for m in points:
            assert m.profile is not None
            by_class = m.profile.ops_at(m.width_px, m.height_px)
            ops.append([by_class.get(c, 0.0) for c in OP_CLASSES])
            params.append(m.profile.params)
            elems.append(m.width_px * m.height_px * 3.0)
            pidx.append(order.index(m.precision))
            batch.append(m.batch)
            lat.append(m.quantity == "latency")
            logm.append(math.log(m.value))
            canon.append(m.canonical)
        return cls(np.asarray(ops, float).reshape(-1, len(OP_CLASSES)), np.asarray(params, float), np.asarray(elems, float),
                   np.asarray(pidx, int), np.asarray(batch, float), np.asarray(lat, bool), np.asarray(logm, float), tuple(canon))

    @classmethod
    def from_rows(cls, rows: Sequence[tuple[ModelProfile, int, int, str, float, bool, float, str]], reference_precision: str) -> GroupData:
        """Points given as (profile, width_px, height_px, precision, batch, is_latency, value, canonical) rows.

        A precision outside int8/fp16/fp32 is counted as the nearest of them (bf16 as fp16, int4 as int8).
        """
        order = precisions_of(reference_precision)
        near = {"bf16": "fp16", "int4": "int8"}
        ops, params, elems, pidx, batch, lat, logm, canon = [], [], [], [], [], [], [], []
        for profile, w, h, precision, b, is_latency, value, canonical in rows:
            by_class = profile.ops_at(w, h)
            ops.append([by_class.get(c, 0.0) for c in OP_CLASSES])
            params.append(profile.params)
            elems.append(w * h * 3.0)
            pidx.append(order.index(near.get(precision, precision)))
            batch.append(b)
            lat.append(is_latency)
            logm.append(math.log(value))
            canon.append(canonical)
        return cls(np.asarray(ops, float).reshape(-1, len(OP_CLASSES)), np.asarray(params, float), np.asarray(elems, float),
                   np.asarray(pidx, int), np.asarray(batch, float), np.asarray(lat, bool), np.asarray(logm, float), tuple(canon))

    def subset(self, keep: np.ndarray) -> GroupData:
        return GroupData(self.ops[keep], self.weight_params[keep], self.input_elems[keep], self.prec_idx[keep], self.batch[keep],
                         self.is_latency[keep], self.log_meas[keep], tuple(c for c, k in zip(self.canonical, keep) if k))

    def __len__(self) -> int:
        return len(self.log_meas)


@dataclass(frozen=True)
class PointTerms:
    """The parts of each point's predicted time that do not depend on the per-model latents.

    Attributes
    ----------
    compute_s : ndarray
        Compute time per inference at the model's nominal efficiency, seconds.
    memory_s : ndarray
        Time to stream the input from DRAM per inference, seconds (0 where no bandwidth is modelled).
    weight_bytes : ndarray
        Weight bytes at the point's precision.
    on_chip_bytes, reload_bytes_per_s, overhead_s, host_s : float
        The engine's on-chip memory, weight reload rate, per-batch overhead and host round trip.
    batch : ndarray
        Inferences in flight (the engine's Offline batch for Offline points).
    is_latency : ndarray of bool
    """

    compute_s: np.ndarray
    memory_s: np.ndarray
    weight_bytes: np.ndarray
    on_chip_bytes: float
    reload_bytes_per_s: float
    overhead_s: float
    host_s: float
    batch: np.ndarray
    is_latency: np.ndarray

    def take(self, index: np.ndarray) -> PointTerms:
        """The terms of the points selected by ``index`` (a boolean mask or integer indices)."""
        return PointTerms(self.compute_s[index], self.memory_s[index], self.weight_bytes[index], self.on_chip_bytes, self.reload_bytes_per_s,
                          self.overhead_s, self.host_s, self.batch[index], self.is_latency[index])

    def log_value(self, log_speed: np.ndarray | float = 0.0, log_footprint: np.ndarray | float = 0.0) -> np.ndarray:
        """Log of each point's predicted value (inferences/s or seconds) for given per-model latents.

        ``log_speed`` divides the per-inference time by ``exp(log_speed)`` (how much faster the model's
        operators run than its features say); ``log_footprint`` multiplies the bytes the model must hold on
        chip (its weights, and the buffers its layer graph needs) by ``exp(log_footprint)``: what exceeds the
        on-chip memory is reloaded once per batch (a context switch).
        """
        item_s = np.maximum(self.compute_s * np.exp(-np.asarray(log_speed, float)), self.memory_s)
        footprint = self.weight_bytes * np.exp(np.asarray(log_footprint, float))
        fixed_s = self.overhead_s + np.maximum(0.0, footprint - self.on_chip_bytes) / self.reload_bytes_per_s
        batch_s = fixed_s + self.batch * item_s
        return np.where(self.is_latency, np.log(batch_s + self.host_s), np.log(self.batch / batch_s))


def point_terms(theta: np.ndarray, ctx: EngineContext, data: GroupData) -> PointTerms:
    """The latent-free terms of every point (see :func:`log_predict`)."""
    rate = ctx.peak_ref * np.exp(theta[0] + np.concatenate(([0.0], theta[1:7])))  # (n_classes,)
    speed = np.exp(np.array([0.0, theta[7], theta[8]]))[data.prec_idx]
    compute_s = (data.ops / rate).sum(axis=1) / speed
    bpe = np.array([BYTES_PER_ELEMENT[p] for p in precisions_of(ctx.reference_precision)])[data.prec_idx]
    if ctx.memory_bandwidth_bytes_per_s:
        memory_s = data.input_elems * bpe / ctx.memory_bandwidth_bytes_per_s
    else:
        memory_s = np.zeros(len(data))
    b = np.where(data.batch > 0, data.batch, 1.0 + math.exp(theta[13]))
    return PointTerms(compute_s=compute_s, memory_s=memory_s, weight_bytes=data.weight_params * bpe, on_chip_bytes=math.exp(theta[11]),
                      reload_bytes_per_s=math.exp(theta[10]), overhead_s=math.exp(theta[9]), host_s=math.exp(theta[12]),
                      batch=b, is_latency=data.is_latency)


def log_predict(theta: np.ndarray, ctx: EngineContext, data: GroupData, log_offset: np.ndarray | None = None,
                log_footprint: np.ndarray | None = None) -> np.ndarray:
    """Log of the predicted value of each point (inferences/s or seconds), as :func:`physics.performance.predict`.

    ``log_offset`` multiplies the per-inference speed by ``exp(offset)`` and ``log_footprint`` the on-chip
    footprint by ``exp(footprint)``: the per-model latents (:mod:`edgesim.calibration.latents`).
    """
    terms = point_terms(theta, ctx, data)
    return terms.log_value(0.0 if log_offset is None else log_offset, 0.0 if log_footprint is None else log_footprint)


def log_predict_variance(theta: np.ndarray, cov: np.ndarray, ctx: EngineContext, data: GroupData,
                         log_offset: np.ndarray | None = None, log_footprint: np.ndarray | None = None) -> np.ndarray:
    """Per point, the variance of :func:`log_predict` under parameters ``N(theta, cov)``, by symmetric sigma points
    along the principal axes of ``cov``::

        var = sum_i ((f(theta + a_i) - f(theta - a_i)) / 2)^2,   a_i = sqrt(lambda_i) v_i

    It is the delta method's ``j cov j^T`` where the log prediction is linear in the parameters, and stays bounded
    where it is not: at the kink of the weight reload (``max(0, W - M)`` at the on-chip memory ``M``) a gradient
    times a wide prior spread of ``log M`` (3.7 in log units over the NPUs) claims changes of e^10 and more, where
    the prediction can only move between "the weights fit" and "all of them reload"."""
    lam, vec = np.linalg.eigh(0.5 * (cov + cov.T))
    var = np.zeros(len(data))
    for value, axis in zip(lam, vec.T):
        if value <= 0.0:
            continue
        step = math.sqrt(value) * axis
        half = 0.5 * (log_predict(theta + step, ctx, data, log_offset, log_footprint)
                      - log_predict(theta - step, ctx, data, log_offset, log_footprint))
        var += half * half
    return var


def log_predict_jacobian(theta: np.ndarray, ctx: EngineContext, data: GroupData, log_offset: np.ndarray | None = None,
                         log_footprint: np.ndarray | None = None) -> np.ndarray:
    """d log_predict / d theta, shape (n_points, n_params): the analytic Jacobian of :func:`log_predict`."""
    n = len(data)
    rate = ctx.peak_ref * np.exp(theta[0] + np.concatenate(([0.0], theta[1:7])))
    speed = np.exp(np.array([0.0, theta[7], theta[8]]))[data.prec_idx]
    per_class = data.ops / rate / speed[:, None]  # (n, n_classes) seconds
    compute_s = per_class.sum(axis=1)
    bpe = np.array([BYTES_PER_ELEMENT[p] for p in precisions_of(ctx.reference_precision)])[data.prec_idx]
    gain = np.exp(-log_offset) if log_offset is not None else np.ones(n)
    compute_bound = np.ones(n, bool)
    item_s = compute_s * gain
    if ctx.memory_bandwidth_bytes_per_s:
        memory_s = data.input_elems * bpe / ctx.memory_bandwidth_bytes_per_s
        compute_bound = item_s >= memory_s
        item_s = np.maximum(item_s, memory_s)
    offline = data.batch <= 0
    b = np.where(offline, 1.0 + math.exp(theta[13]), data.batch)
    footprint = data.weight_params * bpe * (np.exp(log_footprint) if log_footprint is not None else 1.0)
    on_chip, reload_rate, host_s = math.exp(theta[11]), math.exp(theta[10]), math.exp(theta[12])
    over = footprint > on_chip
    excess = np.where(over, footprint - on_chip, 0.0)
    batch_s = math.exp(theta[9]) + excess / reload_rate + b * item_s

    d_batch = np.zeros((n, len(theta)))  # d batch_s / d theta
    d_item = -np.where(compute_bound, 1.0, 0.0) * gain  # d item_s / d log(rate) for every class at once
    d_batch[:, 0] = b * d_item * compute_s
    d_batch[:, 1:7] = (b * d_item)[:, None] * per_class[:, 1:]
    for k, col in ((1, 7), (2, 8)):
        d_batch[:, col] = np.where(data.prec_idx == k, b * d_item * compute_s, 0.0)
    d_batch[:, 9] = math.exp(theta[9])
    d_batch[:, 10] = -excess / reload_rate
    d_batch[:, 11] = -np.where(over, on_chip, 0.0) / reload_rate
    d_batch[:, 13] = np.where(offline, math.exp(theta[13]), 0.0) * item_s

    lat = data.is_latency[:, None]
    j_thr = -d_batch / batch_s[:, None]
    j_thr[:, 13] += np.where(offline, math.exp(theta[13]), 0.0) / b
    j_lat = d_batch / (batch_s + host_s)[:, None]
    j_lat[:, 12] = host_s / (batch_s + host_s)
    return np.where(lat, j_lat, j_thr)


@dataclass(frozen=True)
class FitResult:
    """A fitted engine.

    Attributes
    ----------
    theta, sd : ndarray
        Log parameters (:data:`PARAM_NAMES`) and their posterior standard deviations.
    prior_used : tuple of str
        Parameters the points did not determine (posterior sd >= 0.6 x prior sd): they carry the prior.
    residuals : ndarray
        ``log measured - log predicted`` of each point.
    n_points : int
    cost : float
    """

    theta: np.ndarray
    sd: np.ndarray
    prior_sd: np.ndarray
    prior_used: tuple[str, ...]
    residuals: np.ndarray
    n_points: int
    cost: float
    notes: tuple[str, ...] = field(default_factory=tuple)
    cov: np.ndarray | None = None

    def summary(self) -> str:
        rms = float(np.sqrt(np.mean(self.residuals ** 2))) if self.n_points else float("nan")
        used = ", ".join(self.prior_used) if self.prior_used else "none"
        return f"{self.n_points} points, rms log residual {rms:.3f}; prior used for: {used}"


def fit_group(ctx: EngineContext, data: GroupData, prior: Prior, log_offset: np.ndarray | None = None,
              theta0: np.ndarray | None = None, max_nfev: int | None = None,
              log_footprint: np.ndarray | None = None, obs_sd: np.ndarray | None = None) -> FitResult:
    """Fit one engine's parameters to its points by robust least squares with a prior.

    Parameters
    ----------
    ctx : EngineContext
    data : GroupData
        The points (may be empty: the result is the prior).
    prior : Prior
    log_offset, log_footprint : ndarray, optional
        Per point model latents (log speed and log on-chip footprint factors), held fixed.
    theta0 : ndarray, optional
        Starting point (default: the prior mean).
    max_nfev : int, optional
        Evaluation budget (for warm-started refits).
    obs_sd : ndarray, optional
        Per point scale of its residual in log units (default :data:`SIGMA_OBS`): a point whose network's own
        speed on the engine is uncertain counts for less.

    Returns
    -------
    FitResult
    """
    mu, sd = prior.arrays()
    if ctx.peak_ops_per_s is None:
        sd = sd.copy()
        sd[0] = 5.0
    x0 = mu.copy() if theta0 is None else np.asarray(theta0, float).copy()
    upper = UPPER_BOUNDS.copy()
    if ctx.peak_ops_per_s is None:
        upper[0] = np.inf  # rates are absolute (per 1e12 ops/s): no peak to bound them
    x0 = np.minimum(x0, upper - 1e-9)

    scale = np.full(len(data), SIGMA_OBS) if obs_sd is None else np.asarray(obs_sd, float)

    def fun(theta: np.ndarray) -> np.ndarray:
        r_obs = (log_predict(theta, ctx, data, log_offset, log_footprint) - data.log_meas) / scale if len(data) else np.empty(0)
        return np.concatenate((r_obs, (theta - mu) / sd))

    prior_rows = np.diag(1.0 / sd)

    def jac(theta: np.ndarray) -> np.ndarray:
        if not len(data):
            return prior_rows
        return np.vstack((log_predict_jacobian(theta, ctx, data, log_offset, log_footprint) / scale[:, None], prior_rows))

    from scipy.optimize import least_squares  # noqa: PLC0415 (deferred: scipy.optimize adds ~0.3 s to start-up; docs/architecture.md)
    sol = least_squares(fun, x0, jac=jac, loss="soft_l1", f_scale=1.0, method="trf", max_nfev=max_nfev, x_scale=1.0,
                        bounds=(np.full(len(x0), -np.inf), upper))
    theta = sol.x
    j_sol = sol.jac
    try:
        cov: np.ndarray | None = np.linalg.inv(j_sol.T @ j_sol)
        assert cov is not None
        post_sd = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    except np.linalg.LinAlgError:
        post_sd = sd.copy()
        cov = None
    resid = data.log_meas - log_predict(theta, ctx, data, log_offset, log_footprint) if len(data) else np.empty(0)
    used = tuple(n for n, s, p in zip(PARAM_NAMES, post_sd, sd) if s >= 0.6 * p)
    return FitResult(theta=theta, sd=post_sd, prior_sd=sd, prior_used=used, residuals=resid, n_points=len(data), cost=float(sol.cost), cov=cov)


def engine_params(theta: np.ndarray, ctx: EngineContext, name: str, supported: Sequence[str],
                  idle_power_w: float = 0.0, dynamic_power_w: float = 0.0, active_floor: float = 0.5,
                  power_modes: Mapping[str, object] | None = None) -> EngineParams:
    """The :class:`EngineParams` of a fitted (or prior) parameter vector.

    ``supported`` lists the precisions the engine runs (the reference is always included).
    """
    rate = ctx.peak_ref * np.exp(theta[0] + np.concatenate(([0.0], theta[1:7])))
    order = precisions_of(ctx.reference_precision)
    speed = {order[0]: 1.0, order[1]: math.exp(theta[7]), order[2]: math.exp(theta[8])}
    prec = {p: speed[p] for p in order if p in supported or p == ctx.reference_precision}
    return EngineParams(
        name=name, kind=ctx.kind, rate_ops_per_s={c: float(r) for c, r in zip(OP_CLASSES, rate)},
        reference_precision=ctx.reference_precision, precision_speedup=prec, overhead_s=math.exp(theta[9]),
        memory_bandwidth_bytes_per_s=ctx.memory_bandwidth_bytes_per_s, on_chip_memory_bytes=math.exp(theta[11]),
        reload_bytes_per_s=math.exp(theta[10]), host_latency_s=math.exp(theta[12]), offline_batch=1.0 + math.exp(theta[13]),
        idle_power_w=idle_power_w, dynamic_power_w=dynamic_power_w, active_floor=active_floor,
        power_modes=dict(power_modes or {}),  # type: ignore[arg-type]
    )
