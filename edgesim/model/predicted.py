"""The cost profile a scenario's model runs with in the performance model (:mod:`edgesim.model.service`).

The model's counted profile when it names a catalog model (``catalog: yolov8n``). A model known only by its op
count runs as a network like ``like`` (default ``resnet50``: the white paper's "ResNet-50-class"): that network's
counted profile scaled to the model's op count (its weights too, unless ``weight_bytes`` states them), with its
identity (so its latents and the unit's measured points of it apply, and the same op count gets the same answer
with or without ``catalog: resnet50``), marked ``extra["like"]`` and ``extra["ops_scale"]``. ``like: generic``:
all dense convolution under the model's own name.
The calibration's family heuristic splits any profile's ops over operator classes
(:func:`edgesim.calibration.predict.features_of`).
"""
from __future__ import annotations

import math
from dataclasses import replace

from ..catalog.loader import load_catalog
from ..physics.profile import ModelProfile
from ..profiles.catalog_profiles import load_profiles
from ..spec.schema import ModelSpec
from .given_profile import given_profile

__all__ = ["BYTES_PER_PARAM", "GENERIC", "generic_profile", "model_profile", "scaled_profile"]

GENERIC = "generic"
"""``like: generic``: the op count as dense convolution, with no network's measurements behind it."""

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


def scaled_profile(profile: ModelProfile, total_ops: float, why: str, extra: dict[str, str] | None = None,
                   params: float | None = None) -> ModelProfile:
    """``profile`` with its operator classes scaled to ``total_ops`` at its reference input (its class split and
    identity kept; its weights ``params`` where given, else kept); ``extra["ops_scale"]`` records the factor (a
    scaled profile is not the measured network)."""
    scale = total_ops / profile.total_ops if profile.total_ops > 0 else 1.0
    if abs(scale - 1.0) <= 1e-6 and not extra:
        return profile
    marks = {**profile.extra, **(extra or {})}
    if abs(scale - 1.0) > 1e-6:
        marks["ops_scale"] = f"{scale:.17g}"
    return ModelProfile(profile.name, profile.ref_width_px, profile.ref_height_px,
                        {k: v * scale for k, v in profile.ops_by_class.items()}, profile.params if params is None else params,
                        profile.activation_bytes_int8, profile.max_layer_activation_bytes_int8, profile.n_layers,
                        profile.source + f"; ops scaled x{scale:.4g} {why}", profile.pixel_scaled, marks)


def model_profile(model: ModelSpec, width_px: int, height_px: int) -> ModelProfile:
    """The counted catalog profile of the model's catalog identity, else that of the network it is ``like``, scaled
    to the model's op count (``like: generic``: :func:`generic_profile`).

    A scenario that overrides the catalog's op count keeps the counted class split, scaled to its total. A model
    with its own ``profile:`` (inline, or from a catalog file of ``edgesim model import``) runs with that one.

    Raises
    ------
    KeyError
        When ``like`` names no catalog profile (the compile checks report it as ``models[i].like``).
    """
    if model.profile is not None:
        return given_profile(model)
    profiles = load_profiles()
    if model.catalog is not None and model.catalog in profiles:
        profile = profiles[model.catalog]
        ops = model.ops_for(profile.ref_pixels)
        if _is_catalog_count(model.catalog, profile, ops):
            return _at_count(profile, ops)
        return scaled_profile(profile, ops, "to the scenario's count")
    if model.like == GENERIC:
        return generic_profile(model, width_px, height_px)
    like = profiles[model.like]
    ops = model.ops_for(like.ref_pixels)
    marks = {"like": model.like, "own": model.name}
    if _is_catalog_count(model.like, like, ops) and model.weight_bytes is None:
        # at the network's own count: that network to the model (the same answer with or without catalog: NAME)
        return _at_count(like, ops, marks)
    # a network of the class at another size carries weights in proportion to its ops (ResNet-18 / ResNet-50: 0.44x the
    # ops, 0.46x the parameters), unless the scenario states its weights
    params = (model.weight_bytes / BYTES_PER_PARAM.get(model.precision, 1.0) if model.weight_bytes is not None
              else like.params * ops / like.total_ops)
    return scaled_profile(like, ops, f"to {model.name}'s op count (a network like {model.like})", marks, params)


def _is_catalog_count(name: str, profile: ModelProfile, ops: float) -> bool:
    """Whether ``ops`` at the profile's input is the catalog's own published count of the network ``name`` (which
    the counted profile may round differently)."""
    stated = load_catalog().models.get(name)
    return stated is not None and math.isclose(ops, stated.ops_per_inference * profile.ref_pixels
                                               / (stated.ref_width_px * stated.ref_height_px), rel_tol=1e-9)


def _at_count(profile: ModelProfile, ops: float, extra: dict[str, str] | None = None) -> ModelProfile:
    """The counted class split at the catalog's count of the network: still the measured network (no ``ops_scale``)."""
    return replace(profile, ops_by_class={k: v * ops / profile.total_ops for k, v in profile.ops_by_class.items()},
                   extra={**profile.extra, **(extra or {})})
