"""The cost profile of a model whose operator-class profile the scenario gives (``profile:`` on the model, inline or
from a catalog file written by ``edgesim model import``).

The profile's class split is kept and its total scaled to the model's op count (``ops_per_inference`` or
``ops_per_pixel``), as the shipped catalog profiles are; the calibrated performance model then runs it at its
per-class rates (:func:`edgesim.calibration.predict.features_of` keeps a profile that carries a ``family``, rather
than re-splitting it by the name's family heuristic). Activations and the layer count are left out of what the
performance model sees (0), as they are for every profile the calibration was fitted with.
"""
from __future__ import annotations

from ..calibration.model_features import canonical_name
from ..physics.performance import BYTES_PER_ELEMENT
from ..physics.profile import OP_CLASSES, ModelProfile, OpClass
from ..spec.schema import ModelSpec

__all__ = ["DEFAULT_REF_PX", "given_profile"]

DEFAULT_REF_PX = (224, 224)
"""Reference input (width, height) px of a profile on a model given by ``ops_per_pixel`` alone: the size the
calibration's op-count identity is taken at (:func:`edgesim.calibration.predict.identity_ops`)."""


def given_profile(model: ModelSpec) -> ModelProfile:
    """The :class:`ModelProfile` of ``model.profile``, its ops scaled to the model's op count.

    Parameters
    ----------
    model : ModelSpec
        A model with ``profile`` set; its counts are for one inference at ``ref_width_px`` x ``ref_height_px``
        (224 x 224 px for a model given by ``ops_per_pixel`` alone).

    Returns
    -------
    ModelProfile
        Named by the model's catalog identity (else its name); ``extra["service_note"]`` names the profile's source
        for the service time's detail.
    """
    spec = model.profile
    if spec is None:
        raise ValueError(f"model {model.name!r} has no profile")
    ref_w, ref_h = (model.ref_width_px, model.ref_height_px) if model.ref_width_px and model.ref_height_px else DEFAULT_REF_PX
    counted = spec.ops_by_class.as_dict()
    scale = model.ops_for(ref_w * ref_h) / sum(counted.values())
    ops: dict[OpClass, float] = {c: counted[c] * scale for c in OP_CLASSES}
    params = spec.params or (model.weight_bytes or 0.0) / BYTES_PER_ELEMENT.get(model.precision, 1.0)
    where = spec.source or "given in the scenario"
    source = f"operator-class profile: {where}" + (f"; ops scaled x{scale:.4g} to the model's count" if abs(scale - 1.0) > 1e-6 else "")
    split = ", ".join(f"{c} {100 * v / sum(counted.values()):.0f}%" for c, v in counted.items() if v > 0)
    identity = model.catalog or model.name
    return ModelProfile(name=identity, ref_width_px=ref_w, ref_height_px=ref_h, ops_by_class=ops, params=params,
                        source=source, pixel_scaled=spec.pixel_scaled,
                        extra={"canonical": canonical_name(identity), "family": "given profile",
                               "service_note": f" (operator-class profile {split}: {where})"})
