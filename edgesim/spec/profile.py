"""A model's operator-class profile as a scenario (or catalog) states it: ops by class, parameters, activations.

The profile ``edgesim model import net.onnx`` counts (:func:`edgesim.profiles.profile_from_onnx`), written into a
catalog file's model entry (``profile:``) or inline on a scenario's model. The counts are for one inference at the
model's ``ref_width_px`` x ``ref_height_px``; the performance model scales them to the model's op count
(:mod:`edgesim.model.given_profile`). The operator classes are those of
:data:`edgesim.physics.profile.OP_CLASSES` (the spec may not import physics; a test checks the two agree).
"""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, model_validator

from .types import MAX_BYTES, MAX_OPS_PER_INFERENCE, Spec

__all__ = ["ModelProfileSpec", "OpsByClassSpec", "PROFILE_OP_CLASSES"]

PROFILE_OP_CLASSES: tuple[str, ...] = ("conv", "depthwise", "pointwise", "matmul", "attention", "elementwise", "pool_resize")
"""The operator classes a profile may name (the same tuple as :data:`edgesim.physics.profile.OP_CLASSES`)."""

ClassOps = Annotated[float, Field(ge=0, le=MAX_OPS_PER_INFERENCE, allow_inf_nan=False)]
ProfileBytes = Annotated[float, Field(ge=0, le=MAX_BYTES, allow_inf_nan=False)]
MAX_PARAMS = 1e15  # parameters of one model: a sanity bound (a petabyte of int8 weights), not a measured figure
MAX_LAYERS = 10_000_000  # compute layers of one model: a sanity bound


class OpsByClassSpec(Spec):
    """Operations per inference (one op = one multiply or one add) in each operator class; a class left out is 0."""

    conv: ClassOps = 0.0  # dense k x k convolution
    depthwise: ClassOps = 0.0  # depthwise / grouped convolution
    pointwise: ClassOps = 0.0  # 1 x 1 convolution
    matmul: ClassOps = 0.0  # fully connected / matmul with a weight operand
    attention: ClassOps = 0.0  # products of two activations (Q K^T, A V) and their softmax
    elementwise: ClassOps = 0.0  # activations, adds, normalisations: one op per output element
    pool_resize: ClassOps = 0.0  # pooling and resize

    @model_validator(mode="before")
    @classmethod
    def _known_classes(cls, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(str(k) for k in data if k not in PROFILE_OP_CLASSES)
            if unknown:
                raise ValueError(f"unknown operator class {unknown[0]!r} (known: {', '.join(PROFILE_OP_CLASSES)})")
        return data

    @model_validator(mode="after")
    def _some_ops(self) -> OpsByClassSpec:
        if not self.total_ops() > 0:
            raise ValueError("at least one operator class needs ops > 0")
        return self

    def total_ops(self) -> float:
        """Operations per inference over every class."""
        return float(sum(getattr(self, c) for c in PROFILE_OP_CLASSES))

    def as_dict(self) -> dict[str, float]:
        """``{class: ops}`` over every class, in :data:`PROFILE_OP_CLASSES` order."""
        return {c: float(getattr(self, c)) for c in PROFILE_OP_CLASSES}


class ModelProfileSpec(Spec):
    """A model's operator-class profile at its reference input (the model's ``ref_width_px`` x ``ref_height_px``).

    Only the split of the ops over classes and the parameter count reach the calibrated performance model (its
    totals are scaled to the model's op count); activations and the layer count are recorded, as every profile's
    are, but the calibration was fitted without them.
    """

    ops_by_class: OpsByClassSpec
    params: Annotated[float, Field(ge=0, le=MAX_PARAMS, allow_inf_nan=False)] = 0.0  # count; 0 = unknown
    activation_bytes_int8: ProfileBytes = 0.0  # every written layer output, one byte per element; 0 = unknown
    max_layer_activation_bytes_int8: ProfileBytes = 0.0  # the largest single layer output; 0 = unknown
    n_layers: Annotated[int, Field(ge=0, le=MAX_LAYERS)] = 0  # compute layers (convolutions, matmuls)
    pixel_scaled: bool = True  # False for inputs that are not images: counts do not scale with pixels
    source: str = ""  # where the counts came from (an ONNX file, a script)

    @model_validator(mode="after")
    def _consistent(self) -> ModelProfileSpec:
        if 0 < self.activation_bytes_int8 < self.max_layer_activation_bytes_int8:
            raise ValueError(f"max_layer_activation_bytes_int8 ({self.max_layer_activation_bytes_int8:.6g}) exceeds "
                             f"activation_bytes_int8 ({self.activation_bytes_int8:.6g}), the sum over every layer")
        return self
