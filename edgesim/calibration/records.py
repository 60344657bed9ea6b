"""The typed records of the performance model's unit path: a unit's datasheet, its measured points, its parameter
distribution (prior, calibrated or conditioned) and one prediction with its interval."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from edgesim.calibration.fit import EngineContext
from edgesim.physics.performance import EngineParams, PowerMode, Prediction
from edgesim.physics.profile import ModelProfile

__all__ = ["ModelSpread", "ServicePrediction", "Source", "UnitDatasheet", "UnitPoint", "UnitPosterior"]

Source = Literal["measured", "calibrated", "prior"]


@dataclass(frozen=True)
class ModelSpread:
    """Spread (log units) of a network's own speed on an engine beyond what the engine's parameters say.

    Attributes
    ----------
    bare : float
        Network never measured on an engine of the kind (the latent prior's speed spread).
    factor : float
        Network measured on other engines of the kind (its per-engine deviation spread).
    anchored : float
        Network measured on this unit at other conditions.
    """

    bare: float = 0.9
    factor: float = 0.35
    anchored: float = 0.15


@dataclass(frozen=True)
class UnitDatasheet:
    """What a datasheet says about a unit (no measurement).

    Attributes
    ----------
    name : str
    kind : str
        ``npu``, ``gpu``, ``cpu``, ``tpu``, ``vpu``, ``dla``.
    peak_ops_per_s : tuple of (precision, ops/s)
        Dense peak per precision (may be empty: then estimated from the power).
    idle_power_w, max_power_w : float
        Watts.
    memory_bandwidth_bytes_per_s : float or None
    power_modes : tuple of PowerMode
    prior_family : str or None
        The source family (toolchain and timing protocol) of the engines whose prior the unit takes; None: the
        kind's prior over every family.
    """

    name: str
    kind: str
    peak_ops_per_s: tuple[tuple[str, float], ...]
    idle_power_w: float
    max_power_w: float
    memory_bandwidth_bytes_per_s: float | None = None
    power_modes: tuple[PowerMode, ...] = ()
    prior_family: str | None = None


@dataclass(frozen=True)
class UnitPoint:
    """One measured number of a unit: an observation that conditions its parameters.

    Attributes
    ----------
    model : str
        Model name as the unit's ``measured:`` list gives it.
    profile : ModelProfile
        The model's cost profile (its identity: ``extra["canonical"]`` or its name).
    width_px, height_px : int
        Input size of the measurement.
    precision : str
    batch : float
        Inferences in flight (>= 1).
    quantity : {"throughput", "latency"}
    value : float
        Inferences/s or seconds.
    power_w : float or None
        Power while running it, watts.
    source : str
    """

    model: str
    profile: ModelProfile
    width_px: int
    height_px: int
    precision: str
    batch: float
    quantity: Literal["throughput", "latency"]
    value: float
    power_w: float | None = None
    source: str = ""


@dataclass(frozen=True)
class UnitPosterior:
    """A unit's engine parameters: mean and covariance of the log parameters, and what they were learnt from.

    Attributes
    ----------
    name : str
    ctx : EngineContext
    engine : EngineParams
        The physics parameters at the mean.
    theta, cov : ndarray
        Log parameters and their covariance.
    source : {"calibrated", "prior"}
        ``calibrated`` once any point (public or the unit's own) conditioned it.
    group : str
        The shared data's engine group it was fitted on (empty: none).
    n_public, n_own : int
        Public points behind ``group``, and the unit's own points it was conditioned on.
    points : tuple of dict
        Every known point (for exact matches): model, canonical, width_px, height_px, precision, batch,
        quantity, value, power_w, source.
    anchors : mapping of str to float
        Per network identity measured by the unit itself: the log of its measured time over the model's (mean over
        its points); its other conditions are the model's times scaled by it, so its points are reproduced.
    power_anchors : mapping of str to float
        Per network identity measured with its power by the unit itself: the log of the measured dynamic power
        (above idle) over the model's at those points; the network's other conditions draw the model's dynamic
        power scaled by it.
    notes : tuple of str
    protocol : str
        The validation protocol whose standardized residuals calibrate this unit's 80% interval (``lodo``: a
        datasheet prior with its source family, ``loso``: without; empty: by ``source``).
    """

    name: str
    ctx: EngineContext
    engine: EngineParams
    theta: np.ndarray
    cov: np.ndarray
    source: Literal["calibrated", "prior"]
    group: str = ""
    n_public: int = 0
    n_own: int = 0
    points: tuple[Mapping[str, Any], ...] = ()
    anchors: Mapping[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    power_anchors: Mapping[str, float] = field(default_factory=dict)
    protocol: str = ""


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
        What was used: parameters, points, model latents, fallbacks.
    prediction : Prediction
        The physics model's full output at the parameters' mean.
    sigma_log : float
        Standard deviation of the log prediction (before the interval's calibration), log units.
    measured_quantity : {"throughput", "latency"} or None
        Which quantity an exact measured point (same network, input size, precision and batch) set: the service
        time (``throughput``) or the latency (``latency``); None: predicted.
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
    sigma_log: float = 0.0
    measured_quantity: Literal["throughput", "latency"] | None = None
