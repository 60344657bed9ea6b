"""A neural model's cost profile: operations and bytes split by operator class, at a reference input.

Pure data and arithmetic (no SimPy, no pydantic). A profile is counted once at ``ref_width_px`` x
``ref_height_px`` and scaled to any input: convolution-like work and activations scale with the pixel count,
weights do not. One op is one multiply or one add (ops = 2 x MACs).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["OP_CLASSES", "OpClass", "ModelProfile"]

OpClass = Literal["conv", "depthwise", "pointwise", "matmul", "attention", "elementwise", "pool_resize"]
OP_CLASSES: tuple[OpClass, ...] = ("conv", "depthwise", "pointwise", "matmul", "attention", "elementwise", "pool_resize")
"""Operator classes: dense k x k convolution; depthwise / grouped convolution; 1 x 1 (pointwise) convolution;
fully connected / matmul; attention (QK^T and AV products, softmax); elementwise and activation; pooling and resize."""


@dataclass(frozen=True)
class ModelProfile:
    """Operations and bytes of one inference of a model at its reference input size.

    Attributes
    ----------
    name : str
        Catalog name of the model.
    ref_width_px, ref_height_px : int
        The input size the counts are for.
    ops_by_class : mapping of OpClass to float
        Operations per inference (2 x MACs for convolutions and matmuls) in each operator class.
    params : float
        Parameter count (weight bytes = params x bytes per parameter of the precision).
    activation_bytes_int8 : float
        Bytes of all intermediate activations written per inference at one byte per element (scale by the
        precision's element size); 0 when unknown.
    max_layer_activation_bytes_int8 : float
        The largest single layer's output at one byte per element (what must fit on chip at once); 0 when unknown.
    n_layers : int
        Compute layers (convolutions, matmuls): a per-layer overhead term scales with it.
    source : str
        Where the counts came from (script, ONNX file, publication).
    """

    name: str
    ref_width_px: int
    ref_height_px: int
    ops_by_class: Mapping[OpClass, float]
    params: float
    activation_bytes_int8: float = 0.0
    max_layer_activation_bytes_int8: float = 0.0
    n_layers: int = 0
    source: str = ""
    pixel_scaled: bool = True  # False for inputs that are not images (audio, tokens): counts do not scale
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def ref_pixels(self) -> int:
        return self.ref_width_px * self.ref_height_px

    @property
    def total_ops(self) -> float:
        """Operations per inference at the reference input."""
        return float(sum(self.ops_by_class.values()))

    def scale(self, width_px: int, height_px: int) -> float:
        """Factor that takes per-inference work and activations from the reference input to ``width_px`` x ``height_px``."""
        if not self.pixel_scaled:
            return 1.0
        return (width_px * height_px) / self.ref_pixels

    def ops_at(self, width_px: int, height_px: int) -> dict[OpClass, float]:
        """Operations per class at another input size (matmul in a classifier head does not scale: kept simple,
        every class scales with pixels; the error is small for convolutional backbones)."""
        s = self.scale(width_px, height_px)
        return {cls: ops * s for cls, ops in self.ops_by_class.items()}

    def weight_bytes(self, bytes_per_param: float) -> float:
        """Weight bytes at a precision of ``bytes_per_param`` (int8 1, fp16 2, fp32 4)."""
        return self.params * bytes_per_param
