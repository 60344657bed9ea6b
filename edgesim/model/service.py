"""Service time of one inference on one compute unit, and the power drawn while it runs: the one place it is derived.

Every unit, catalog (``device: NAME``) or inline, with or without measured points, goes through the calibrated
performance model (:mod:`edgesim.calibration.predict`, calling :func:`edgesim.physics.performance.predict`):

* the unit's parameters start from the catalog's calibration (a catalog unit) or from its kind's prior centred
  on its datasheet fields (an inline unit: kind, ``peak_ops_per_s``, ``idle_power_w``, ``max_power_w``, optional
  ``memory_bandwidth_bytes_per_s``);
* every point of its ``measured:`` list is an observation that conditions those parameters (one point is
  enough), so it moves the prediction of every network, not only the measured one; an exact (model,
  resolution, precision, batch) point is reproduced;
* the result carries ``service_source`` (``measured``, ``calibrated``, ``prior``) and an 80% interval.

The one exception is a fraction of peak the scenario states itself (``efficiency``, ``efficiency_by_model``,
``efficiency_from_measured``): t = ops / (peak x efficiency), source ``analytic``. The parameters of a unit are
derived once per unit and cached (:func:`unit_posterior`), so a compile computes each service time once.
"""
from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import replace

from ..calibration.predict import (
    ServicePrediction,
    UnitDatasheet,
    UnitPoint,
    UnitPosterior,
    catalog_posterior,
    condition,
    condition_solution,
    datasheet_posterior,
    features_of,
    load_calibrated,
    predict_unit,
)
from ..catalog.loader import load_catalog
from ..physics.performance import PowerMode, predict
from ..physics.profile import ModelProfile
from ..physics.roofline import MemoryTraffic, memory_traffic, roofline_service_s
from ..profiles.catalog_profiles import load_profiles
from ..spec.schema import ComputeUnitSpec, MeasuredPoint, ModelSpec, ScenarioSpec
from .predicted import model_profile
from .records import ServiceEstimate

__all__ = ["ServiceTimeError", "catalog_condition_solutions", "catalog_units", "has_given_efficiency", "measured_point_for",
           "mode_power_w", "model_batch_line", "predict_on_unit", "result_delay_s", "selected_mode", "service_time",
           "unconditioned_posterior", "unit_efficiency", "unit_posterior"]


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
    """Fraction of peak the scenario gives for ``model_name`` on ``unit``, and where it came from.

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
    raise ServiceTimeError("efficiency", f"no efficiency given for model {model_name!r}")


def has_given_efficiency(unit: ComputeUnitSpec, model: ModelSpec) -> bool:
    """Whether the scenario fixes the fraction of peak for this model (which then wins over the performance model).

    ``efficiency_by_model`` names the model: it wins. A unit-wide ``efficiency`` (or ``efficiency_from_measured``)
    is a default for the networks the unit knows nothing better of: a measured point of this very network wins
    over it (the point is reproduced, as the documented order of sources says)."""
    if model.name in unit.efficiency_by_model:
        return True
    if measured_point_for(unit, model) is not None:
        return False
    return unit.efficiency is not None or unit.efficiency_from_measured is not None


def measured_point_for(unit: ComputeUnitSpec, model: ModelSpec) -> MeasuredPoint | None:
    """The unit's measured point for this model: by the scenario's name, else by the model's catalog identity
    (``{name: det, catalog: yolov8n}`` uses the unit's YOLOv8n point)."""
    point = unit.measured_point(model.name)
    if point is None and model.catalog is not None:
        point = unit.measured_point(model.catalog)
    return point


def _power_modes(unit: ComputeUnitSpec) -> tuple[PowerMode, ...]:
    """The unit's power modes as clock and dynamic-power scales (as the catalog calibration derives them)."""
    dyn_max = unit.max_power_w - unit.idle_power_w
    freqs = [m.frequency_hz for m in unit.power_modes.values() if m.frequency_hz]
    f_ref = max(freqs) if freqs else None
    out = []
    for name, mode in unit.power_modes.items():
        if mode.power_w is None:
            continue
        dyn = max(1e-3, (mode.power_w - unit.idle_power_w) / dyn_max) if dyn_max > 0 else 1.0
        clock = mode.frequency_hz / f_ref if (mode.frequency_hz and f_ref) else dyn ** (1.0 / 3.0)
        out.append(PowerMode(name, float(min(clock, 1.0)), float(min(dyn, 1.0))))
    return tuple(out)


def _point_profile(point: MeasuredPoint, models: Mapping[str, ModelSpec], width_px: int, height_px: int
                   ) -> tuple[ModelProfile, int, int] | None:
    """The cost profile and input size of a measured point's model (None: the model is unknown)."""
    model = models.get(point.model)
    if model is None:
        prof = load_profiles().get(point.model)
        if prof is None:
            return None
        return prof, point.width_px or prof.ref_width_px, point.height_px or prof.ref_height_px
    w = point.width_px or model.ref_width_px or width_px
    h = point.height_px or model.ref_height_px or height_px
    return model_profile(model, w, h), w, h


def _key(unit: ComputeUnitSpec, models: Mapping[str, ModelSpec], width_px: int, height_px: int) -> str:
    fields = {"name", "kind", "device", "device_unit", "peak_ops_per_s", "idle_power_w", "max_power_w", "power_modes",
              "measured", "memory_bandwidth_bytes_per_s", "prior_family"}
    used = sorted({p.model for p in unit.measured} & set(models))
    free_size = any(not (p.width_px and p.height_px) for p in unit.measured)
    return json.dumps([unit.model_dump(mode="json", include=fields), [models[m].model_dump(mode="json") for m in used],
                       [width_px, height_px] if free_size else None], sort_keys=True)


_CACHE: dict[str, UnitPosterior] = {}
_CACHE_MAX = 512


def unit_posterior(unit: ComputeUnitSpec, models: Mapping[str, ModelSpec], width_px: int = 224, height_px: int = 224) -> UnitPosterior:
    """The unit's performance parameters: catalog calibration or datasheet prior, conditioned on its measured points.

    Cached per unit (and its points' models), so a compile derives them once. A catalog unit's conditioning is
    precomputed (:mod:`edgesim.calibration.conditioned`); other points are fitted here (``scipy.optimize``).
    """
    key = _key(unit, models, width_px, height_px)
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    post = condition(*unconditioned_posterior(unit, models, width_px, height_px))
    if len(_CACHE) >= _CACHE_MAX:
        _CACHE.clear()
    _CACHE[key] = post
    return post


def unconditioned_posterior(unit: ComputeUnitSpec, models: Mapping[str, ModelSpec], width_px: int = 224, height_px: int = 224,
                            calibrated: str | None = None) -> tuple[UnitPosterior, list[UnitPoint]]:
    """The unit's parameters before its own points (catalog calibration, or its kind's prior at its datasheet) and
    those points as the performance model sees them (``calibrated``: another calibrated file)."""
    post = None
    if unit.device is not None:
        try:
            post = catalog_posterior(unit.device, unit.device_unit, calibrated)
        except KeyError:
            post = None
    if post is None or _peaks_differ(unit, post) or (post.source == "prior" and unit.prior_family is not None):
        note = "" if post is None else " (peak_ops_per_s differs from the calibrated datasheet)"
        ds = UnitDatasheet(unit.name, unit.kind, tuple(sorted(unit.peak_ops_per_s.items())), unit.idle_power_w, unit.max_power_w,
                           unit.memory_bandwidth_bytes_per_s, _power_modes(unit), unit.prior_family)
        try:
            post = datasheet_posterior(ds, calibrated)
        except KeyError as exc:
            raise ServiceTimeError("prior_family", str(exc.args[0])) from None
        if note:
            post = replace(post, notes=post.notes + (note.strip(),))
    e = post.engine
    modes = {m.name: m for m in _power_modes(unit)} or dict(e.power_modes)
    post = replace(post, engine=replace(e, idle_power_w=unit.idle_power_w, dynamic_power_w=unit.max_power_w - unit.idle_power_w,
                                        power_modes=modes))
    points = []
    for p in unit.measured:
        found = _point_profile(p, models, width_px, height_px)
        if found is None:
            continue
        prof, w, h = found
        model = models.get(p.model)
        precision = p.precision or (model.precision if model is not None else "int8")
        points.append(UnitPoint(p.model, prof, w, h, precision, float(p.batch), "throughput", p.fps, p.power_w, p.source))
    return post, points


def catalog_units() -> list[ComputeUnitSpec]:
    """Every unit of the shipped catalog as a scenario's ``{device: NAME, device_unit: UNIT}`` resolves to it."""
    catalog = load_catalog()
    return [ComputeUnitSpec.model_validate({**catalog.unit_fields(name, unit), "name": "unit", "device": name})
            for name, dev in sorted(catalog.devices.items()) for unit in sorted(dev.units)]


def catalog_condition_solutions(calibrated: str | None = None, scenarios: Sequence[ScenarioSpec] = ()
                                ) -> dict[str, dict[str, object]]:
    """The conditioning fit of every catalog unit with measured points, and of every unit of ``scenarios`` with
    points (at the scenario's models and frame sizes), solved now: fingerprint -> ``{"unit": label, "theta": [...]}``
    (what :func:`edgesim.calibration.conditioned.write_conditioned` stores; ``calibrated``: the calibrated file they
    are conditioned from, default the shipped one)."""
    cases: list[tuple[str, ComputeUnitSpec, Mapping[str, ModelSpec], int, int]] = [
        (f"{u.device}/{u.device_unit}", u, {}, 224, 224) for u in catalog_units()]
    for spec in scenarios:
        named = {m.name: m for m in spec.models}
        sizes = sorted({(224, 224)} | {(c.width_px, c.height_px) for c in spec.cameras})
        cases += [(f"{spec.name}: {u.name}", u, named, w, h) for u in spec.compute_units for w, h in sizes]
    out: dict[str, dict[str, object]] = {}
    for label, unit, models, w, h in cases:
        post, points = unconditioned_posterior(unit, models, w, h, calibrated)
        if points:
            key, theta = condition_solution(post, points, calibrated)
            out.setdefault(key, {"unit": label, "theta": [float(x) for x in theta]})
    return out


def _peaks_differ(unit: ComputeUnitSpec, post: UnitPosterior) -> bool:
    given = unit.peak_ops_per_s.get(post.ctx.reference_precision)  # type: ignore[call-overload]
    return given is not None and post.ctx.peak_ops_per_s is not None and not math.isclose(given, post.ctx.peak_ops_per_s, rel_tol=1e-9)


def predict_on_unit(unit: ComputeUnitSpec, model: ModelSpec, models: Mapping[str, ModelSpec], width_px: int, height_px: int,
                    batch: float = 1) -> ServicePrediction:
    """The performance model's prediction of ``model`` on ``unit`` at a batch (the unit's reference power mode; its
    power held within the unit's idle and max power, its detail prefixed ``predicted``). Cached: a compile asks once
    per unit, model, input size and batch."""
    key = (_key(unit, models, width_px, height_px), model.model_dump_json(), width_px, height_px, batch)
    hit = _PRED_CACHE.get(key)
    if hit is not None:
        return hit
    out = _predict_on_unit(unit, model, models, width_px, height_px, batch)
    if len(_PRED_CACHE) >= 4 * _CACHE_MAX:
        _PRED_CACHE.clear()
    _PRED_CACHE[key] = out
    return out


_PRED_CACHE: dict[tuple[object, ...], ServicePrediction] = {}


def _predict_on_unit(unit: ComputeUnitSpec, model: ModelSpec, models: Mapping[str, ModelSpec], width_px: int, height_px: int,
                     batch: float) -> ServicePrediction:
    post = unit_posterior(unit, models, width_px, height_px)
    profile = model_profile(model, width_px, height_px)
    pred = predict_unit(post, profile, width_px, height_px, model.precision, batch)  # the reference mode: see selected_mode
    power_w = min(max(pred.power_w, unit.idle_power_w), unit.max_power_w)
    generic = " (generic profile: op count only)" if profile.extra.get("generic") else profile.extra.get("service_note", "")
    return replace(pred, power_w=power_w, detail=f"predicted{generic}: {pred.detail}")


def result_delay_s(pred: ServicePrediction, kind: str) -> float:
    """What a prediction's latency adds to its occupancy, seconds: the time from the unit finishing a batch to its
    results being out, during which the unit is free (:attr:`ServiceEstimate.result_delay_s`).

    * predicted (``calibrated``, ``prior``) on an accelerator (``kind`` not ``cpu``): the engine's host round
      trip, ``latency - t_batch`` of the physics model, times the unit's anchor on this network (the factor the
      prediction's times carry);
    * an exact measured latency: the measured latency less the batch's service time, so that (at batch 1) service
      + delay is that latency (never below 0);
    * an exact measured throughput: 0 (a measured per-inference figure is taken as the whole latency, so a unit
      given by its own measured rate keeps latency = wait + 1 / rate);
    * a CPU: 0. The CPU is the host: there is no round trip to wait out while the unit is free, and a CPU's
      published latencies alone do not tell its engine time from its host term (the Raspberry Pi 5's ultralytics
      latencies fit a 106 ms host term, an artefact of that split).
    """
    if kind == "cpu" or pred.measured_quantity == "throughput":
        return 0.0
    if pred.measured_quantity == "latency":
        return max(0.0, pred.latency_s - pred.service_s * pred.prediction.batch)
    phys = pred.prediction
    if phys.latency_s <= 0.0:
        return 0.0
    return max(0.0, phys.latency_s - phys.batch_s) * pred.latency_s / phys.latency_s


def selected_mode(unit: ComputeUnitSpec) -> PowerMode | None:
    """The unit's selected ``power_mode`` as clock and dynamic-power scales against its reference (the datasheet's
    ``max_power_w`` and top clock, the conditions of its measured points); None when none is selected.

    Raises
    ------
    ServiceTimeError
        When the selected mode has no ``power_w`` (its budget, and so its clock, is unknown).
    """
    if unit.power_mode is None:
        return None
    mode = next((m for m in _power_modes(unit) if m.name == unit.power_mode), None)
    if mode is None:
        raise ServiceTimeError("power_mode", f"power mode {unit.power_mode!r} has no power_w: its power budget (and so its "
                                             f"clock) is unknown; give power_modes.{unit.power_mode}.power_w or select another mode")
    return mode


def mode_power_w(unit: ComputeUnitSpec) -> float:
    """The unit's power budget at full load, watts: the selected mode's ``power_w`` (at most ``max_power_w``), else
    ``max_power_w``."""
    mode = selected_mode(unit)
    if mode is None:
        return unit.max_power_w
    return unit.idle_power_w + (unit.max_power_w - unit.idle_power_w) * mode.dynamic_power_scale


def _mode_time_ratio(unit: ComputeUnitSpec, model: ModelSpec, models: Mapping[str, ModelSpec], width_px: int, height_px: int,
                     mode: PowerMode) -> float:
    """Service time in ``mode`` over the reference mode's, from the physics model (compute, per-layer and per-call
    costs scale with the clock; the input stream over the memory bandwidth does not): the same factor whether the
    reference time is measured or predicted."""
    post = unit_posterior(unit, models, width_px, height_px)
    eng = replace(post.engine, power_modes={mode.name: mode})
    prof = features_of(model_profile(model, width_px, height_px))
    ref = predict(eng, prof, width_px, height_px, 1, model.precision)
    at = predict(eng, prof, width_px, height_px, 1, model.precision, mode.name)
    return at.service_s / ref.service_s if ref.service_s > 0 else 1.0 / mode.clock_scale


def model_batch_line(unit: ComputeUnitSpec, model: ModelSpec, models: Mapping[str, ModelSpec], width_px: int,
                     height_px: int) -> tuple[float, float] | None:
    """The performance model's batch curve t(b) = fixed_s + b x per_item_s of ``model`` on ``unit``, seconds, scaled
    so that t(1) is the unit's service time (a measured one included); None where the scenario states a fraction
    of peak (no model: no batching gain). ``fixed_s`` is the per-call overhead plus the weights beyond on-chip
    memory reloaded once per batch, so batching gains only where they do not fit."""
    if has_given_efficiency(unit, model):
        return None
    at_one = predict_on_unit(unit, model, models, width_px, height_px)
    service_s, pred = at_one.service_s, at_one.prediction
    k = service_s / pred.batch_s if pred.batch_s > 0 else 1.0
    fixed_s = k * pred.fixed_s
    mode = selected_mode(unit)
    if mode is not None:
        ratio = _mode_time_ratio(unit, model, models, width_px, height_px, mode)
        service_s, fixed_s = service_s * ratio, fixed_s * ratio
    return fixed_s, max(0.0, service_s - fixed_s)


def service_time(unit: ComputeUnitSpec, model: ModelSpec, pixels: int, models: Mapping[str, ModelSpec],
                 width_px: int | None = None, height_px: int | None = None) -> ServiceEstimate:
    """Service time (s) of one inference of ``model`` on a ``pixels``-pixel frame (``width_px`` x ``height_px``) on ``unit``.

    The calibrated performance model (see the module docstring), unless the scenario states a fraction of peak.

    Raises
    ------
    ServiceTimeError
        When the unit states a fraction of peak for a precision it has no peak for.
    """
    width, height = (width_px, height_px) if width_px is not None and height_px is not None else _frame_of(unit, model, pixels)
    traffic = _traffic(unit, model, pixels)
    mode = selected_mode(unit)
    if not has_given_efficiency(unit, model):
        load_calibrated()  # the shipped calibration (cached)
        pred = predict_on_unit(unit, model, models, width, height)
        service_s, low, high, power_w, source, detail = (pred.service_s, pred.service_s_low, pred.service_s_high, pred.power_w,
                                                         pred.source, pred.detail)
        delay_s = result_delay_s(pred, unit.kind)  # the host's share: a power mode's clock does not set it (as in physics.predict)
        if mode is not None:
            ratio = _mode_time_ratio(unit, model, models, width, height, mode)
            service_s, low, high = service_s * ratio, low * ratio, high * ratio
            power_w = unit.idle_power_w + (power_w - unit.idle_power_w) * mode.dynamic_power_scale
            detail += _mode_detail(unit, mode, ratio)
        extra = model.overhead_s
        if extra:
            detail += f"; + the model's overhead_s {extra * 1e3:.4g} ms"
        total_s = service_s + extra
        if traffic is not None and unit.memory_bandwidth_bytes_per_s:
            # the bytes the scenario declares for the model bound the job too (the roofline a shared bus applies)
            total_s = roofline_service_s(service_s, traffic.total_bytes, unit.memory_bandwidth_bytes_per_s, extra)
            if total_s > service_s + extra:
                detail += (f"; memory-bound on the model's declared bytes: {traffic.total_bytes:.4g} B / "
                           f"{unit.memory_bandwidth_bytes_per_s:.4g} B/s")
        stretch = total_s / (service_s + extra) if service_s + extra > 0 else 1.0
        return ServiceEstimate(total_s, power_w, source, detail, compute_s=service_s,
                               memory_bytes=traffic.total_bytes if traffic else 0.0, overhead_s=extra,
                               service_s_low=None if source == "measured" else (low + extra) * stretch,
                               service_s_high=None if source == "measured" else (high + extra) * stretch,
                               result_delay_s=delay_s)
    precision = model.precision
    peak = unit.peak_ops_per_s.get(precision)
    if peak is None:
        known = ", ".join(unit.peak_ops_per_s) or "none"
        raise ServiceTimeError(f"peak_ops_per_s.{precision}",
                               f"no peak for precision {precision} (known: {known}) for the given efficiency of model {model.name!r}")
    efficiency, eff_source = unit_efficiency(unit, model.name, models)
    ops = model.ops_for(pixels)
    compute_s = ops / (peak * efficiency)
    detail = f"{ops:.4g} ops / ({peak:.4g} ops/s x {efficiency:.3g} from {eff_source})"
    if mode is not None:  # the stated fraction of peak is at the reference clock; the compute scales with the mode's
        compute_s /= mode.clock_scale
        detail += _mode_detail(unit, mode, 1.0 / mode.clock_scale)
    if traffic is None or not unit.memory_bandwidth_bytes_per_s:
        return ServiceEstimate(compute_s + model.overhead_s, mode_power_w(unit), "analytic", detail, compute_s=compute_s,
                               memory_bytes=traffic.total_bytes if traffic else 0.0, overhead_s=model.overhead_s)
    memory_s = traffic.total_bytes / unit.memory_bandwidth_bytes_per_s
    bound = "memory-bound" if memory_s > compute_s else "compute-bound"
    service_s = roofline_service_s(compute_s, traffic.total_bytes, unit.memory_bandwidth_bytes_per_s, model.overhead_s)
    detail += (f"; roofline {bound}: compute {compute_s * 1e3:.4g} ms, memory {traffic.total_bytes:.4g} B / "
               f"{unit.memory_bandwidth_bytes_per_s:.4g} B/s = {memory_s * 1e3:.4g} ms, overhead {model.overhead_s * 1e3:.4g} ms")
    return ServiceEstimate(service_s, mode_power_w(unit), "analytic (roofline)", detail, compute_s=compute_s,
                           memory_bytes=traffic.total_bytes, overhead_s=model.overhead_s)


def _mode_detail(unit: ComputeUnitSpec, mode: PowerMode, ratio: float) -> str:
    return (f"; power mode {mode.name}: clock x{mode.clock_scale:.3g}, dynamic power x{mode.dynamic_power_scale:.3g} "
            f"(budget {mode_power_w(unit):.4g} W of {unit.max_power_w:.4g} W): time x{ratio:.4g}")


def _frame_of(unit: ComputeUnitSpec, model: ModelSpec, pixels: int) -> tuple[int, int]:
    """A frame of ``pixels`` pixels when only the count is known: the size of a measured point or of the model's
    reference with that count (so the same frame gives the same answer either way), else ``pixels`` x 1 (the model
    scales with the pixel count only)."""
    point = measured_point_for(unit, model)
    if point is not None and point.width_px and point.height_px and point.width_px * point.height_px == pixels:
        return point.width_px, point.height_px
    if model.ref_width_px and model.ref_height_px and model.ref_width_px * model.ref_height_px == pixels:
        return model.ref_width_px, model.ref_height_px
    return pixels, 1


def _traffic(unit: ComputeUnitSpec, model: ModelSpec, pixels: int) -> MemoryTraffic | None:
    """Bytes one inference moves, when the model declares any byte figures (else None: compute only)."""
    if model.weight_bytes is None and model.activation_bytes is None:
        return None
    return memory_traffic(pixels, model.input_bytes_per_pixel, model.activation_bytes, model.ref_pixels(),
                          model.weight_bytes, unit.on_chip_memory_bytes)
