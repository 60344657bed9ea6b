"""Device performance model: service time, latency, throughput and power of one engine running one model.

Pure physics (numbers in, numbers out; numpy/stdlib only). One parameter set per engine gives every load:

* compute time of one inference, summed over operator classes at the engine's *achieved* rate for each
  class (a depthwise convolution runs far below a dense one on the same MAC array)::

      t_compute = sum_c ops_c / (rate_c x s_precision x s_clock)

* a memory roofline per inference: activations (when the largest layer does not fit on chip) and the input
  stream from DRAM, ``t_item = max(t_compute, bytes_item / bandwidth) + n_layers x t_layer``;
* a per-batch fixed cost: call overhead, plus the weights that do not fit on chip reloaded once per batch
  (a context switch on a dataflow NPU, a weight stream from DRAM on a GPU)::

      t_batch(b) = t_fixed + b x t_item,   t_fixed = t_overhead + max(0, W - M_on_chip) / R_reload

* throughput with ``b`` inferences in flight is ``b / t_batch(b)`` and the latency of one of them is
  ``t_batch(b) + t_host`` (the host round trip adds to latency, not to the engine's occupancy). SingleStream
  is ``b = 1``; Offline is ``b = offline_batch``. Little's law holds by construction:
  ``throughput x (latency - t_host) = b``;
* power from what the engine does, ``P = P_idle + P_dyn x (floor + (1 - floor) x activity)``, with ``activity``
  the share of the busy time the engine computes, streams activations or reloads weights (``active_floor`` of
  the dynamic power while it waits on the per-call overhead); a power mode scales clocks (``clock_scale``) and
  the dynamic power.

Multi-engine parts (a GPU with two DLAs) run as a placement: Offline throughput is the sum over engines.
A precision the engine lacks falls back to the nearest one it has, and the prediction says so.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from edgesim.physics.profile import OP_CLASSES, ModelProfile, OpClass

__all__ = [
    "BYTES_PER_ELEMENT",
    "Bound",
    "EngineParams",
    "PerformanceError",
    "PowerMode",
    "Prediction",
    "combine_offline",
    "predict",
    "predict_offline",
    "resolve_precision",
]

BYTES_PER_ELEMENT: dict[str, float] = {"int4": 0.5, "int8": 1.0, "fp16": 2.0, "bf16": 2.0, "fp32": 4.0}
"""Bytes per tensor element for each precision."""

Bound = Literal["compute", "memory", "overhead", "weights"]


class PerformanceError(ValueError):
    """A performance parameter or request that cannot be evaluated (names the field)."""


@dataclass(frozen=True)
class PowerMode:
    """A named power mode: the clock it runs at relative to the reference mode and its dynamic power.

    Attributes
    ----------
    name : str
        Mode name (``15W``, ``MAXN``).
    clock_scale : float
        Engine clock relative to the calibration's reference mode (throughput scales with it).
    dynamic_power_scale : float
        Dynamic power relative to the reference mode's ``dynamic_power_w``.
    """

    name: str
    clock_scale: float
    dynamic_power_scale: float

    def __post_init__(self) -> None:
        if not (self.clock_scale > 0 and self.dynamic_power_scale > 0):
            raise PerformanceError(f"power mode {self.name!r}: clock_scale and dynamic_power_scale must be > 0")


@dataclass(frozen=True)
class EngineParams:
    """Performance and power parameters of one engine (an NPU, a GPU, a DLA, a CPU cluster).

    Attributes
    ----------
    name : str
        Engine name (``hailo8/npu``).
    kind : str
        ``npu``, ``gpu``, ``cpu``, ``tpu``, ``vpu`` or ``dla``.
    rate_ops_per_s : mapping of OpClass to float
        Achieved operations per second for each operator class at the reference precision and clock.
    reference_precision : str
        The precision ``rate_ops_per_s`` is for.
    precision_speedup : mapping of str to float
        Throughput at each supported precision relative to the reference precision (reference is 1.0).
        A precision missing here is not supported and falls back.
    overhead_s : float
        Fixed cost per batch call (driver, kernel launch, queue), seconds.
    per_layer_s : float
        Cost per compute layer per inference, seconds (0 when uncalibrated).
    memory_bandwidth_bytes_per_s : float or None
        External memory bandwidth, bytes/s; None where the engine has no DRAM path modelled.
    on_chip_memory_bytes : float or None
        On-chip memory for weights and activations, bytes; None: weights stream every batch.
    reload_bytes_per_s : float or None
        Rate at which weights beyond ``on_chip_memory_bytes`` are reloaded once per batch, bytes/s (a context
        switch); None: use ``memory_bandwidth_bytes_per_s``.
    host_latency_s : float
        Host round trip added to latency only, seconds.
    offline_batch : float
        Inferences in flight when the engine is saturated (Offline), dimensionless >= 1.
    idle_power_w, dynamic_power_w : float
        Power when idle, and the dynamic power added at full activity, watts.
    active_floor : float
        Share of ``dynamic_power_w`` drawn while busy but not computing (waiting on memory or overhead).
    power_modes : mapping of str to PowerMode
        Selectable modes; none selected means the reference mode.
    """

    name: str
    kind: str
    rate_ops_per_s: Mapping[OpClass, float]
    reference_precision: str = "int8"
    precision_speedup: Mapping[str, float] = field(default_factory=lambda: {"int8": 1.0})
    overhead_s: float = 0.0
    per_layer_s: float = 0.0
    memory_bandwidth_bytes_per_s: float | None = None
    on_chip_memory_bytes: float | None = None
    reload_bytes_per_s: float | None = None
    host_latency_s: float = 0.0
    offline_batch: float = 1.0
    idle_power_w: float = 0.0
    dynamic_power_w: float = 0.0
    active_floor: float = 0.5
    power_modes: Mapping[str, PowerMode] = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = [c for c in OP_CLASSES if c not in self.rate_ops_per_s]
        if missing:
            raise PerformanceError(f"{self.name}: rate_ops_per_s lacks operator classes {missing}")
        for c, r in self.rate_ops_per_s.items():
            if not (r > 0 and math.isfinite(r)):
                raise PerformanceError(f"{self.name}: rate_ops_per_s.{c} must be finite and > 0 (got {r})")
        if self.reference_precision not in self.precision_speedup:
            raise PerformanceError(f"{self.name}: precision_speedup lacks the reference precision {self.reference_precision!r}")
        for name in ("overhead_s", "per_layer_s", "host_latency_s", "idle_power_w", "dynamic_power_w"):
            v = getattr(self, name)
            if not (v >= 0 and math.isfinite(v)):
                raise PerformanceError(f"{self.name}: {name} must be finite and >= 0 (got {v})")
        for name in ("memory_bandwidth_bytes_per_s", "on_chip_memory_bytes", "reload_bytes_per_s"):
            v = getattr(self, name)
            if v is not None and not (v > 0 and math.isfinite(v)):
                raise PerformanceError(f"{self.name}: {name} must be None or finite and > 0 (got {v})")
        if not self.offline_batch >= 1:
            raise PerformanceError(f"{self.name}: offline_batch must be >= 1 (got {self.offline_batch})")
        if not 0 <= self.active_floor <= 1:
            raise PerformanceError(f"{self.name}: active_floor must lie in [0, 1] (got {self.active_floor})")

    def __repr__(self) -> str:
        conv = self.rate_ops_per_s["conv"]
        return (f"EngineParams({self.name!r}, kind={self.kind!r}, conv={conv / 1e12:.3g} Tops/s @ {self.reference_precision}, "
                f"overhead={self.overhead_s * 1e3:.3g} ms, offline_batch={self.offline_batch:.3g}, "
                f"P_idle={self.idle_power_w:.3g} W, P_dyn={self.dynamic_power_w:.3g} W)")


@dataclass(frozen=True)
class Prediction:
    """What one engine does with one model at one input size, batch and precision.

    Attributes
    ----------
    throughput_fps : float
        Inferences per second with ``batch`` in flight.
    latency_s : float
        Time from submitting a batch to its results, seconds (host round trip included).
    service_s : float
        Engine time per inference, ``t_batch / batch``, seconds.
    batch_s : float
        Engine time of one batch, seconds.
    power_w : float
        Average power while busy, watts.
    bound : {"compute", "memory", "overhead", "weights"}
        The largest term of the batch time.
    precision : str
        The precision the engine ran (may differ from the one asked: see ``fallback``).
    fallback : str
        Empty, or why the precision differs from the one asked.
    compute_s, memory_s, fixed_s : float
        Per-inference compute time, per-inference memory time and per-batch fixed time, seconds.
    batch : float
        Inferences in flight.
    """

    throughput_fps: float
    latency_s: float
    service_s: float
    batch_s: float
    power_w: float
    bound: Bound
    precision: str
    fallback: str
    compute_s: float
    memory_s: float
    fixed_s: float
    batch: float

    @property
    def in_flight(self) -> float:
        """Little's law: inferences in flight = throughput x engine residence time."""
        return self.throughput_fps * self.batch_s

    @property
    def energy_per_inference_j(self) -> float:
        """Energy per inference while busy, joules."""
        return self.power_w * self.service_s


_ORDER = ("int4", "int8", "fp16", "bf16", "fp32")


def resolve_precision(engine: EngineParams, precision: str) -> tuple[str, str]:
    """The precision the engine runs for a requested one, and a note when it falls back.

    The engine runs the requested precision when it supports it; otherwise the nearest wider precision it
    supports (int8 -> fp16 -> fp32: no accuracy lost), else the nearest narrower one (the model must be quantized).
    """
    if precision in engine.precision_speedup:
        return precision, ""
    if precision not in _ORDER:
        raise PerformanceError(f"unknown precision {precision!r}; known: {', '.join(_ORDER)}")
    i = _ORDER.index(precision)
    wider = [p for p in _ORDER[i + 1:] if p in engine.precision_speedup]
    if wider:
        return wider[0], f"{engine.name} has no {precision}: runs {wider[0]} (wider, no accuracy lost)"
    narrower = [p for p in reversed(_ORDER[:i]) if p in engine.precision_speedup]
    if narrower:
        return narrower[0], f"{engine.name} has no {precision}: runs {narrower[0]} (the model must be quantized)"
    raise PerformanceError(f"{engine.name} supports no precision")


def _mode(engine: EngineParams, power_mode: str | None) -> PowerMode:
    if power_mode is None:
        return PowerMode("reference", 1.0, 1.0)
    try:
        return engine.power_modes[power_mode]
    except KeyError:
        known = ", ".join(sorted(engine.power_modes)) or "none"
        raise PerformanceError(f"{engine.name}: unknown power_mode {power_mode!r}; known: {known}") from None


def predict(engine: EngineParams, profile: ModelProfile, width_px: int, height_px: int, batch: float = 1.0,
            precision: str = "int8", power_mode: str | None = None, speed_scale: float = 1.0,
            footprint_scale: float = 1.0) -> Prediction:
    """Throughput, latency, service time and power of ``engine`` running ``profile``.

    Parameters
    ----------
    engine : EngineParams
        The engine's parameters.
    profile : ModelProfile
        The model's operations and bytes at its reference input.
    width_px, height_px : int
        Input size, pixels.
    batch : float
        Inferences in flight (batch size), >= 1.
    precision : str
        Requested precision (``int8``, ``fp16``, ``fp32``); falls back if the engine lacks it.
    power_mode : str, optional
        A key of ``engine.power_modes``; None for the reference mode.
    speed_scale : float
        How much faster this model's operators run than the engine's class rates say (a per-model efficiency:
        how well its layer graph maps onto the engine), dimensionless > 0.
    footprint_scale : float
        The bytes this model must hold on chip relative to its weight bytes (its weights plus the buffers its
        layer graph needs), dimensionless > 0.

    Returns
    -------
    Prediction
    """
    if not (speed_scale > 0 and footprint_scale > 0 and math.isfinite(speed_scale) and math.isfinite(footprint_scale)):
        raise PerformanceError(f"speed_scale and footprint_scale must be finite and > 0 (got {speed_scale}, {footprint_scale})")
    if not batch >= 1:
        raise PerformanceError(f"batch must be >= 1 (got {batch})")
    if width_px <= 0 or height_px <= 0:
        raise PerformanceError(f"input size must be positive (got {width_px} x {height_px} px)")
    ran, fallback = resolve_precision(engine, precision)
    mode = _mode(engine, power_mode)
    bpe = BYTES_PER_ELEMENT.get(ran, 1.0)
    speed = engine.precision_speedup[ran] * mode.clock_scale * speed_scale
    ops = profile.ops_at(width_px, height_px)
    compute_s = sum(ops.get(c, 0.0) / (engine.rate_ops_per_s[c] * speed) for c in OP_CLASSES)

    scale = profile.scale(width_px, height_px)
    memory_s = 0.0
    if engine.memory_bandwidth_bytes_per_s is not None:
        act_bytes = profile.activation_bytes_int8 * scale * bpe
        max_layer = profile.max_layer_activation_bytes_int8 * scale * bpe
        spills = engine.on_chip_memory_bytes is None or max_layer > engine.on_chip_memory_bytes
        item_bytes = width_px * height_px * 3 * bpe + (act_bytes if spills else 0.0)
        memory_s = item_bytes / engine.memory_bandwidth_bytes_per_s
    layer_s = profile.n_layers * engine.per_layer_s / mode.clock_scale
    item_s = max(compute_s, memory_s) + layer_s

    weight_bytes = profile.weight_bytes(bpe) * footprint_scale
    resident = engine.on_chip_memory_bytes or 0.0
    reload_rate = engine.reload_bytes_per_s or engine.memory_bandwidth_bytes_per_s
    weights_s = max(0.0, weight_bytes - resident) / reload_rate if reload_rate else 0.0
    overhead_s = engine.overhead_s / mode.clock_scale
    fixed_s = overhead_s + weights_s

    batch_s = fixed_s + batch * item_s
    terms: dict[Bound, float] = {"compute": batch * compute_s, "memory": batch * memory_s,
                                 "overhead": overhead_s + batch * layer_s, "weights": weights_s}
    bound = max(terms, key=lambda k: terms[k])
    # the arrays and the memory system work while computing, streaming activations and reloading weights; only the
    # per-call overhead and the per-layer cost are waiting time (active_floor of the dynamic power)
    activity = (batch * max(compute_s, memory_s) + weights_s) / batch_s if batch_s > 0 else 0.0
    dyn_w = engine.dynamic_power_w * mode.dynamic_power_scale
    power_w = engine.idle_power_w + dyn_w * (engine.active_floor + (1.0 - engine.active_floor) * activity)
    return Prediction(throughput_fps=batch / batch_s, latency_s=batch_s + engine.host_latency_s, service_s=batch_s / batch,
                      batch_s=batch_s, power_w=power_w, bound=bound, precision=ran, fallback=fallback,
                      compute_s=compute_s, memory_s=memory_s, fixed_s=fixed_s, batch=float(batch))


def predict_offline(engine: EngineParams, profile: ModelProfile, width_px: int, height_px: int,
                    precision: str = "int8", power_mode: str | None = None, speed_scale: float = 1.0,
                    footprint_scale: float = 1.0) -> Prediction:
    """Saturated (Offline) operation: ``engine.offline_batch`` inferences in flight."""
    return predict(engine, profile, width_px, height_px, engine.offline_batch, precision, power_mode, speed_scale,
                   footprint_scale)


def combine_offline(predictions: Sequence[Prediction]) -> Prediction:
    """A placement over several engines (GPU + 2 DLA) fed in parallel: throughputs and powers add.

    Latency is the slowest engine's; the service time is that of the combined throughput.
    """
    if not predictions:
        raise PerformanceError("a placement needs at least one engine")
    fps = sum(p.throughput_fps for p in predictions)
    slowest = max(predictions, key=lambda p: p.latency_s)
    return Prediction(throughput_fps=fps, latency_s=slowest.latency_s, service_s=1.0 / fps, batch_s=slowest.batch_s,
                      power_w=sum(p.power_w for p in predictions), bound=slowest.bound, precision=slowest.precision,
                      fallback="; ".join(p.fallback for p in predictions if p.fallback),
                      compute_s=min(p.compute_s for p in predictions), memory_s=min(p.memory_s for p in predictions),
                      fixed_s=slowest.fixed_s, batch=sum(p.batch for p in predictions))
