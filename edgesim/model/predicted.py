"""Predicted service times: the calibrated performance model (:mod:`edgesim.calibration`) for a catalog unit.

A unit filled from the catalog (``device: NAME``) predicts any model it has no measured point for: the model's
counted profile when it names a catalog model (``catalog: yolov8n``), else a generic dense-convolution profile built
from its op count (stated in the detail). The prediction carries an 80% interval and says whether the unit's
parameters were fitted to its own public points (``calibrated``) or come from its kind's prior (``prior``).
"""
from __future__ import annotations

from ..calibration.predict import ServicePrediction, predict_service
from ..errors import EdgesimError
from ..physics.profile import ModelProfile
from ..profiles.catalog_profiles import load_profiles
from ..spec.schema import ComputeUnitSpec, ModelSpec
from .records import ServiceEstimate

__all__ = ["BYTES_PER_PARAM", "generic_profile", "model_profile", "predicted_estimate"]

BYTES_PER_PARAM = {"int4": 0.5, "int8": 1.0, "fp16": 2.0, "bf16": 2.0, "fp32": 4.0}


def generic_profile(model: ModelSpec, width_px: int, height_px: int) -> ModelProfile:
    """A profile for a model known only by its op count: all of it dense convolution, at the stream's input.

    The parameter count comes from ``weight_bytes`` where given (at the model's precision), else 0 (unknown).
    """
    params = (model.weight_bytes or 0.0) / BYTES_PER_PARAM.get(model.precision, 1.0)
    return ModelProfile(name=model.name, ref_width_px=width_px, ref_height_px=height_px,
                        ops_by_class={"conv": model.ops_for(width_px * height_px)}, params=params,
                        source="generic: the model's op count, all dense convolution (no catalog profile)",
                        extra={"canonical": model.name, "generic": "true"})


def model_profile(model: ModelSpec, width_px: int, height_px: int) -> ModelProfile:
    """The counted catalog profile of the model's catalog identity, else :func:`generic_profile`.

    A scenario that overrides the catalog's op count keeps the counted class split, scaled to its total.
    """
    profiles = load_profiles()
    if model.catalog is not None and model.catalog in profiles:
        profile = profiles[model.catalog]
        ref_px = profile.ref_pixels
        given_ops = model.ops_for(ref_px)
        if profile.total_ops > 0 and abs(given_ops / profile.total_ops - 1.0) > 1e-6:
            scale = given_ops / profile.total_ops
            profile = ModelProfile(profile.name, profile.ref_width_px, profile.ref_height_px,
                                   {k: v * scale for k, v in profile.ops_by_class.items()}, profile.params,
                                   profile.activation_bytes_int8, profile.max_layer_activation_bytes_int8, profile.n_layers,
                                   profile.source + f"; ops scaled x{scale:.4g} to the scenario's count", profile.pixel_scaled,
                                   profile.extra)
        return profile
    return generic_profile(model, width_px, height_px)


def predicted_estimate(unit: ComputeUnitSpec, model: ModelSpec, width_px: int, height_px: int) -> ServiceEstimate | None:
    """The calibrated model's estimate for ``model`` on a catalog ``unit`` (None when the unit is not from the catalog
    or the calibration does not cover it)."""
    if unit.device is None:
        return None
    profile = model_profile(model, width_px, height_px)
    try:
        pred: ServicePrediction = predict_service(unit.device, unit.device_unit, profile, width_px, height_px, model.precision,
                                                  power_mode=unit.power_mode)
    except (KeyError, ValueError, EdgesimError):
        return None
    power_w = min(max(pred.power_w, unit.idle_power_w), unit.max_power_w)
    generic = " (generic profile: op count only)" if profile.extra.get("generic") else ""
    detail = f"predicted{generic}: {pred.detail}"
    return ServiceEstimate(pred.service_s, power_w, pred.source, detail, compute_s=pred.service_s,
                           service_s_low=pred.service_s_low, service_s_high=pred.service_s_high)
