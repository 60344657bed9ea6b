"""Service time of one inference on one compute unit, and the power drawn while it runs.

Two sources, and every result says which one it used:

* measured: a published (model -> fps, power) point on this unit. Service time = 1 / fps, scaled by
  pixel count when the frames differ from the measured resolution (cost ~ W x H, white paper).
* analytic: t = ops / (peak_ops_per_s[precision] x efficiency), with efficiency the fraction of peak the
  unit actually achieves (rated TOPS are never reached, white paper p. 9).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from ..physics.roofline import MemoryTraffic, memory_traffic, roofline_service_s
from ..spec.schema import ComputeUnitSpec, MeasuredPoint, ModelSpec
from .predicted import predicted_estimate
from .records import ServiceEstimate

__all__ = ["ServiceTimeError", "has_given_efficiency", "measured_point_for", "service_time", "unit_efficiency"]


class ServiceTimeError(ValueError):
    """No service time can be derived; ``field`` is the unit's field that would fix it."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


def _measured_pixels(point: MeasuredPoint, model: ModelSpec | None) -> int | None:
    if point.width_px and point.height_px:
        return point.width_px * point.height_px
    if model is not None and model.ref_width_px and model.ref_height_px:
        return model.ref_width_px * model.ref_height_px
    return None


def unit_efficiency(unit: ComputeUnitSpec, model_name: str, models: Mapping[str, ModelSpec]) -> tuple[float, str]:
    """Fraction of peak achieved for ``model_name`` on ``unit``, and where it came from.

    Order: ``efficiency_by_model`` > ``efficiency`` > derived from the measured point named by
    ``efficiency_from_measured`` (achieved ops/s of that point / peak).
    """
    if model_name in unit.efficiency_by_model:
        return unit.efficiency_by_model[model_name], f"efficiency_by_model[{model_name}]"
    if unit.efficiency is not None:
        return unit.efficiency, "efficiency"
    ref = unit.efficiency_from_measured
    if ref is not None:
        point = unit.measured_point(ref)
        ref_model = models.get(ref)
        if point is None or ref_model is None:
            raise ServiceTimeError("efficiency_from_measured",
                                   f"cannot derive efficiency from {ref!r}: needs a measured point and a declared model of that name")
        precision = point.precision or ref_model.precision
        peak = unit.peak_ops_per_s.get(precision)
        pixels = _measured_pixels(point, ref_model)
        if peak is None or pixels is None:
            raise ServiceTimeError("efficiency_from_measured",
                                   f"cannot derive efficiency from {ref!r}: peak_ops_per_s.{precision} or the measured resolution is unknown")
        achieved_ops_per_s = point.fps * ref_model.ops_for(pixels)
        return min(1.0, achieved_ops_per_s / peak), f"derived from measured {ref} ({point.fps:g} fps x {ref_model.ops_for(pixels):.4g} ops / {peak:.4g} ops/s)"
    if unit.catalog_efficiency is not None:
        return unit.catalog_efficiency, "the catalog's measured point / peak"
    raise ServiceTimeError(
        "efficiency",
        f"no measured point for model {model_name!r} and no efficiency given: set efficiency (fraction of peak achieved, 0 < e <= 1), "
        "efficiency_by_model, efficiency_from_measured, add a measured point, or use a catalog device (device: NAME) to predict it",
    )


def has_given_efficiency(unit: ComputeUnitSpec, model_name: str) -> bool:
    """Whether the scenario fixes the fraction of peak for this model (which then wins over a prediction)."""
    return model_name in unit.efficiency_by_model or unit.efficiency is not None or unit.efficiency_from_measured is not None


def measured_point_for(unit: ComputeUnitSpec, model: ModelSpec) -> MeasuredPoint | None:
    """The unit's measured point for this model: by the scenario's name, else by the model's catalog identity
    (``{name: det, catalog: yolov8n}`` uses the unit's YOLOv8n point)."""
    point = unit.measured_point(model.name)
    if point is None and model.catalog is not None:
        point = unit.measured_point(model.catalog)
    return point


def service_time(unit: ComputeUnitSpec, model: ModelSpec, pixels: int, models: Mapping[str, ModelSpec],
                 width_px: int | None = None, height_px: int | None = None) -> ServiceEstimate:
    """Service time (s) of one inference of ``model`` on a ``pixels``-pixel frame (``width_px`` x ``height_px``) on ``unit``.

    Sources, first that applies: a measured point of the model (by name or catalog identity); the analytic rate at a
    fraction of peak the scenario gives; the calibrated performance model of a catalog unit for a catalog model; the
    analytic rate at the catalog's own efficiency; the calibrated model with a generic profile (op count only).

    Raises
    ------
    ServiceTimeError
        When no source applies.
    """
    point = measured_point_for(unit, model)
    if point is None and not has_given_efficiency(unit, model.name) and unit.device is not None and (
            model.catalog is not None or unit.catalog_efficiency is None or model.precision not in unit.peak_ops_per_s):
        width = width_px if width_px is not None else pixels
        height = height_px if height_px is not None else 1
        predicted = predicted_estimate(unit, model, width, height)
        if predicted is not None:
            traffic = _traffic(unit, model, pixels)
            return replace(predicted, memory_bytes=traffic.total_bytes if traffic else 0.0)
    if point is not None:
        measured_px = _measured_pixels(point, model)
        scale = 1.0 if measured_px is None else pixels / measured_px
        power_w = point.power_w if point.power_w is not None else unit.max_power_w
        if power_w < unit.idle_power_w:
            raise ServiceTimeError("measured", f"measured power {power_w} W for model {model.name!r} is below idle_power_w {unit.idle_power_w} W")
        source = "measured" if scale == 1.0 else "measured, scaled by pixel count"
        detail = f"{point.fps:g} fps at {measured_px or pixels} px ({point.source})"
        if measured_px is None:
            detail += "; measured resolution not stated, taken as the stream's"
        if point.power_w is None:
            detail += "; power not measured, max_power_w used"
        traffic = _traffic(unit, model, pixels)  # a measured job still moves its bytes through a shared bus
        return ServiceEstimate(scale / point.fps, power_w, source, detail, compute_s=scale / point.fps,
                               memory_bytes=traffic.total_bytes if traffic else 0.0)
    precision = model.precision
    peak = unit.peak_ops_per_s.get(precision)
    if peak is None:
        known = ", ".join(unit.peak_ops_per_s) or "none"
        raise ServiceTimeError(f"peak_ops_per_s.{precision}",
                               f"no peak for precision {precision} (known: {known}) and no measured point for model {model.name!r}")
    efficiency, eff_source = unit_efficiency(unit, model.name, models)
    ops = model.ops_for(pixels)
    compute_s = ops / (peak * efficiency)
    detail = f"{ops:.4g} ops / ({peak:.4g} ops/s x {efficiency:.3g} from {eff_source})"
    traffic = _traffic(unit, model, pixels)
    if traffic is None or not unit.memory_bandwidth_bytes_per_s:
        return ServiceEstimate(compute_s + model.overhead_s, unit.max_power_w, "analytic", detail, compute_s=compute_s,
                               memory_bytes=traffic.total_bytes if traffic else 0.0, overhead_s=model.overhead_s)
    memory_s = traffic.total_bytes / unit.memory_bandwidth_bytes_per_s
    bound = "memory-bound" if memory_s > compute_s else "compute-bound"
    service_s = roofline_service_s(compute_s, traffic.total_bytes, unit.memory_bandwidth_bytes_per_s, model.overhead_s)
    detail += (f"; roofline {bound}: compute {compute_s * 1e3:.4g} ms, memory {traffic.total_bytes:.4g} B / "
               f"{unit.memory_bandwidth_bytes_per_s:.4g} B/s = {memory_s * 1e3:.4g} ms, overhead {model.overhead_s * 1e3:.4g} ms")
    return ServiceEstimate(service_s, unit.max_power_w, "analytic (roofline)", detail, compute_s=compute_s,
                           memory_bytes=traffic.total_bytes, overhead_s=model.overhead_s)


def _traffic(unit: ComputeUnitSpec, model: ModelSpec, pixels: int) -> MemoryTraffic | None:
    """Bytes one inference moves, when the model declares any byte figures (else None: compute only)."""
    if model.weight_bytes is None and model.activation_bytes is None:
        return None
    return memory_traffic(pixels, model.input_bytes_per_pixel, model.activation_bytes, model.ref_pixels(),
                          model.weight_bytes, unit.on_chip_memory_bytes)
