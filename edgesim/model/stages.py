"""Costs of pipeline stages and links, computed at compile time.

A link is a one-server FIFO unit whose transfers take ``bytes / bandwidth``; a compute stage costs a model
inference (:func:`~edgesim.model.service.service_time`) or an analytic op count at the unit's rate.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..physics.roofline import roofline_service_s
from ..spec.schema import CameraSpec, ComputeUnitSpec, CountSpec, LinkSpec, ModelSpec, StageSpec
from .predicted import GENERIC
from .records import ServiceEstimate
from .service import ServiceTimeError, service_time

__all__ = ["count_mean", "idle_job_s", "link_unit_spec", "stage_cost_text", "stage_estimate", "stage_pixels", "stage_precision"]


def link_unit_spec(link: LinkSpec) -> ComputeUnitSpec:
    """A link as a one-server FIFO unit of kind ``link``.

    idle_power_w = the link's idle power; max_power_w = idle + energy_j_per_byte x bandwidth_bytes_per_s (W), the
    power while transferring, so a transfer of B bytes (B / bandwidth seconds) costs B x energy_j_per_byte above
    idle. Transfer service times are set by the stages (bytes / bandwidth), not by peaks or measured points.
    """
    dynamic_w = link.energy_j_per_byte * link.bandwidth_bytes_per_s
    sources = {"kind": "link", "max_power_w": "idle_power_w + energy_j_per_byte x bandwidth_bytes_per_s (power while transferring)"}
    sources.update({f"link.{k}": v for k, v in link.sources.items()})
    fields: dict[str, Any] = {"name": link.name, "kind": "link", "idle_power_w": link.idle_power_w,
                              "max_power_w": link.idle_power_w + dynamic_w, "sources": sources}
    if fields["max_power_w"] > 0:
        return ComputeUnitSpec(**fields)
    # a lossless, powerless link (0 W idle, 0 J/byte): the schema wants max_power_w > 0, the physics is fine with 0
    return ComputeUnitSpec.model_construct(**fields)


def stage_precision(stage: StageSpec, unit: ComputeUnitSpec) -> str | None:
    """Precision of an analytic (ops) stage: the stage's, else the unit's only peak precision, else None."""
    if stage.precision is not None:
        return stage.precision
    if len(unit.peak_ops_per_s) == 1:
        return next(iter(unit.peak_ops_per_s))
    return None


def stage_pixels(stage: StageSpec, camera: CameraSpec) -> int:
    """Pixels one job of the stage works on: the stage's own width x height (e.g. a crop), else the frame's."""
    return stage.width_px * stage.height_px if stage.width_px and stage.height_px else camera.pixels


def count_mean(count: CountSpec) -> float:
    """Expected jobs per frame of a CountSpec."""
    if count.kind == "uniform":
        return 0.5 * (count.low + count.high)
    return float(count.mean)


def stage_cost_text(stage: StageSpec) -> str:
    """The stage's cost in words, for result tables."""
    if stage.model is not None:
        return f"model {stage.model}"
    if stage.ops_per_pixel is not None:
        return f"{stage.ops_per_pixel:g} ops/pixel"
    if stage.ops_per_item is not None:
        return f"{stage.ops_per_item:g} ops/item"
    if stage.bytes_per_pixel is not None:
        return f"{stage.bytes_per_pixel:g} bytes/pixel"
    return f"{stage.bytes_per_item:g} bytes/item"


def stage_estimate(stage: StageSpec, camera: CameraSpec, unit: ComputeUnitSpec, models: Mapping[str, ModelSpec],
                   link: LinkSpec | None = None) -> ServiceEstimate:
    """Service time and power of one job of ``stage`` on an otherwise idle unit or link.

    * model: :func:`~edgesim.model.service.service_time` at the stage's pixels (measured, or analytic/roofline).
    * ops_per_pixel / ops_per_item: the same analytic formula, ops / (peak_ops_per_s[precision] x efficiency), through a
      synthetic model named after the stage (so ``efficiency_by_model[<stage name>]`` overrides the unit's efficiency);
      ops = ops_per_pixel x pixels, or ops_per_item per job.
    * transfer: bytes / bandwidth, bytes = bytes_per_pixel x pixels or bytes_per_item per job; power
      idle + energy_j_per_byte x bandwidth.

    Raises
    ------
    ServiceTimeError
        When the unit cannot give a service time (no peak for the precision, no efficiency).
    """
    pixels = stage_pixels(stage, camera)
    if stage.link is not None:
        assert link is not None
        nbytes = stage.bytes_per_item if stage.bytes_per_item is not None else (stage.bytes_per_pixel or 0.0) * pixels
        seconds = nbytes / link.bandwidth_bytes_per_s
        return ServiceEstimate(seconds, unit.max_power_w, "transfer",
                               f"{nbytes:.6g} B / {link.bandwidth_bytes_per_s:.6g} B/s, then {link.latency_s:.3g} s latency",
                               compute_s=seconds)
    if stage.model is not None:
        width_px, height_px = (stage.width_px, stage.height_px) if stage.width_px and stage.height_px else (camera.width_px, camera.height_px)
        return service_time(unit, models[stage.model], pixels, models, width_px, height_px)
    precision = stage_precision(stage, unit)
    if precision is None:
        known = ", ".join(unit.peak_ops_per_s) or "none"
        raise ServiceTimeError("peak_ops_per_s", f"stage {stage.name!r} needs a precision (the unit has peaks for: {known})")
    per_pixel = stage.ops_per_pixel is not None
    ops = stage.ops_per_pixel if per_pixel else stage.ops_per_item
    assert ops is not None
    # a pre- or post-processing stage (resize, NMS, tracking) is not a network: dense work, no network's measurements
    synthetic = ModelSpec(name=stage.name, ops_per_pixel=ops, precision=precision, like=GENERIC)  # type: ignore[arg-type]
    # a measured point that happens to share the stage's name is not this stage's cost
    if unit.measured_point(stage.name) is not None:
        unit = unit.model_copy(update={"measured": tuple(p for p in unit.measured if p.model != stage.name)})
    est = service_time(unit, synthetic, pixels if per_pixel else 1, models)
    what = f"{ops:.4g} ops/pixel x {pixels} px" if per_pixel else f"{ops:.4g} ops/item"
    return ServiceEstimate(est.service_s, est.active_power_w, est.source, f"{what}: {est.detail}", compute_s=est.compute_s,
                           memory_bytes=est.memory_bytes, overhead_s=est.overhead_s)


def idle_job_s(est: ServiceEstimate, speed: float, bus_bandwidth_bytes_per_s: float | None,
               unit_bandwidth_bytes_per_s: float | None) -> float:
    """How long one job takes on an otherwise idle unit at DVFS ``speed``: with a shared memory bus, the roofline at the
    bus's whole bandwidth (capped by the unit's own), else the service time over the speed factor."""
    if bus_bandwidth_bytes_per_s is not None and est.memory_bytes:
        share = bus_bandwidth_bytes_per_s
        if unit_bandwidth_bytes_per_s:
            share = min(share, unit_bandwidth_bytes_per_s)
        return roofline_service_s(est.compute_s / speed, est.memory_bytes, share, est.overhead_s)
    return est.service_s / speed
