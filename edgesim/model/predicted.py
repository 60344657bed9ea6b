"""The cost profile a scenario's model runs with in the performance model (:mod:`edgesim.model.service`).

The model's counted profile when it names a catalog model (``catalog: yolov8n``), else a profile built from its op
count (stated in the detail): its identity is its name, and the calibration's family heuristic splits its ops
over operator classes (:func:`edgesim.calibration.predict.features_of`).
"""
from __future__ import annotations

from ..physics.profile import ModelProfile
from ..profiles.catalog_profiles import load_profiles
from ..spec.schema import ModelSpec
from .given_profile import given_profile

__all__ = ["BYTES_PER_PARAM", "generic_profile", "model_profile"]

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

    A scenario that overrides the catalog's op count keeps the counted class split, scaled to its total. A model
    with its own ``profile:`` (inline, or from a catalog file of ``edgesim model import``) runs with that one.
    """
    if model.profile is not None:
        return given_profile(model)
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
