"""Per-model latent factors: how a network's operators and footprint differ from what its counts say.

Two networks with the same op count, parameters and family can run 5x apart on one NPU (how well the layer
graph maps onto the array; how many contexts the compiler needs). The counts cannot say; the measurements of
the same network on other devices and at other batch sizes can. Each model identity on a kind of engine
(``resnet50@npu``) carries three latents, all factors on the physics of :mod:`edgesim.calibration.fit`:

* ``speed``: log factor on the rate its operators achieve, shared by every engine of the kind;
* ``footprint``: log factor on the bytes it must hold on chip (its weights, and the buffers its layer graph
  needs): what exceeds the engine's on-chip memory is reloaded once per batch (a context switch), which sets
  how much batching gains on each engine;
* ``group_speed``: per engine group, a log deviation of the speed from the shared one (a network may map
  better onto one part than another).

Each latent has a normal prior centred on 0 (:class:`LatentPrior`), so a model seen once moves a little and a
model never seen keeps the nominal physics. The fit is a small robust least squares per model, with the
engines' parameters held fixed; :func:`edgesim.calibration.calibrate.calibrate` alternates it with the engine
fits. A held-out point is predicted from the latents fitted without it
(:mod:`edgesim.calibration.validate`).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import least_squares

from edgesim.calibration.fit import SIGMA_OBS, PointTerms

__all__ = ["LatentPrior", "LatentPoints", "ModelLatent", "fit_latent"]


@dataclass(frozen=True)
class LatentPrior:
    """Spreads (log units) of the per-model latents' normal priors, all centred on 0.

    Attributes
    ----------
    speed_sd : float
        Model-to-model spread of the achieved rate at equal counts (about x2.5).
    group_sd : float
        Spread of a model's rate from one engine to another of the same kind, beyond the shared factor.
    footprint_sd : float
        Spread of the on-chip footprint relative to the weight bytes.
    """

    speed_sd: float = 0.9
    group_sd: float = 0.35
    footprint_sd: float = 1.0


@dataclass(frozen=True)
class LatentPoints:
    """One engine group's points of one model: the latent-free terms and the measured log values."""

    group: str
    terms: PointTerms
    log_meas: np.ndarray


@dataclass(frozen=True)
class ModelLatent:
    """The fitted latents of one model on one kind of engine.

    Attributes
    ----------
    key : str
        ``canonical@kind``.
    speed, footprint : float
        Shared log speed factor and log footprint factor.
    group_speed : mapping of str to float
        Per engine group, the log deviation of the speed (absent: 0).
    n_points : int
        Points the latents were fitted on.
    """

    key: str
    speed: float = 0.0
    footprint: float = 0.0
    group_speed: Mapping[str, float] = field(default_factory=dict)
    n_points: int = 0

    def speed_on(self, group: str) -> float:
        """Log speed factor on one engine group (shared + that group's deviation)."""
        return self.speed + float(self.group_speed.get(group, 0.0))


def _stack(points: Sequence[LatentPoints]) -> dict[str, np.ndarray]:
    """The points of several groups as flat arrays (engine constants repeated per point)."""
    def cat(f: str) -> np.ndarray:
        return np.concatenate([np.broadcast_to(np.asarray(getattr(p.terms, f), float), p.log_meas.shape) for p in points])
    out = {f: cat(f) for f in ("compute_s", "memory_s", "weight_bytes", "on_chip_bytes", "reload_bytes_per_s", "overhead_s", "host_s", "batch")}
    out["is_latency"] = np.concatenate([p.terms.is_latency for p in points])
    out["log_meas"] = np.concatenate([p.log_meas for p in points])
    out["group"] = np.concatenate([np.full(len(p.log_meas), j) for j, p in enumerate(points)])
    return out


def fit_latent(key: str, points: Sequence[LatentPoints], prior: LatentPrior = LatentPrior()) -> ModelLatent:
    """Fit one model's latents to its points on several engine groups (engine parameters held fixed).

    Robust (soft-L1) least squares in log space with the analytic Jacobian; the priors add one residual per
    latent.

    Parameters
    ----------
    key : str
        The model identity on a kind (``canonical@kind``).
    points : sequence of LatentPoints
        Per engine group, the model's points (may be empty: the prior).
    prior : LatentPrior

    Returns
    -------
    ModelLatent
    """
    points = [p for p in points if len(p.log_meas)]
    n = sum(len(p.log_meas) for p in points)
    if n == 0:
        return ModelLatent(key)
    a = _stack(points)
    k = len(points)
    sds = np.array([prior.speed_sd, prior.footprint_sd] + [prior.group_sd] * k)
    rows = np.arange(n)
    lat = a["is_latency"]

    def parts(x: np.ndarray) -> tuple[np.ndarray, ...]:
        speed = x[0] + x[2:][a["group"]]
        compute_s = a["compute_s"] * np.exp(-speed)
        bound = compute_s >= a["memory_s"]
        work_s = a["batch"] * np.where(bound, compute_s, a["memory_s"])
        footprint = a["weight_bytes"] * np.exp(x[1])
        over = footprint > a["on_chip_bytes"]
        fixed_s = a["overhead_s"] + np.where(over, footprint - a["on_chip_bytes"], 0.0) / a["reload_bytes_per_s"]
        batch_s = fixed_s + work_s
        return np.where(bound, work_s, 0.0), footprint, over, batch_s

    def fun(x: np.ndarray) -> np.ndarray:
        batch_s = parts(x)[3]
        logv = np.where(lat, np.log(batch_s + a["host_s"]), np.log(a["batch"] / batch_s))
        return np.concatenate(((logv - a["log_meas"]) / SIGMA_OBS, x / sds))

    def jac(x: np.ndarray) -> np.ndarray:
        speed_work_s, footprint, over, batch_s = parts(x)
        dlog = np.where(lat, 1.0 / (batch_s + a["host_s"]), -1.0 / batch_s) / SIGMA_OBS  # d residual / d batch_s
        d_speed = dlog * -speed_work_s
        d_foot = dlog * np.where(over, footprint / a["reload_bytes_per_s"], 0.0)
        j = np.zeros((n + len(x), len(x)))
        j[:n, 0] = d_speed
        j[:n, 1] = d_foot
        j[rows, 2 + a["group"]] = d_speed
        j[n + np.arange(len(x)), np.arange(len(x))] = 1.0 / sds
        return j

    x0 = np.zeros(2 + k)
    resid0 = -fun(x0)[:n] * SIGMA_OBS  # log measured - log predicted at nominal physics
    x0[0] = float(np.clip(np.median(np.where(lat, -resid0, resid0)), -3.0, 3.0))
    sol = least_squares(fun, x0, jac=jac, loss="soft_l1", f_scale=1.0, method="trf", x_scale=1.0)
    x = sol.x
    return ModelLatent(key, float(x[0]), float(x[1]), {p.group: float(v) for p, v in zip(points, x[2:])}, n)
