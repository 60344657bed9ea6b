"""Neural model specs: cost per pixel or per inference at a reference resolution, precision and memory traffic."""
from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from .profile import ModelProfileSpec
from .types import Bytes, Name, Ops, OpsPerPixel, Pixels, Precision, Spec, TimeS

__all__ = ["ModelSpec"]


class ModelSpec(Spec):
    """A neural model. Its cost scales with the pixel count of the frames it runs on.

    Give either ``ops_per_pixel`` or ``ops_per_inference`` at ``ref_width_px`` x ``ref_height_px``.
    One op is one multiply or one add (ops = 2 x MACs).

    A model that names no catalog profile (``catalog:``) runs in the performance model as a network *like*
    ``like`` scaled to its op count: that network's operator mix, its measured behaviour on the unit and the
    unit's kind, and the kind's trend of speed with op count. The default, ``resnet50``, is the white paper's
    sizing assumption (a "ResNet-50-class" network of ~150k ops per pixel); ``generic`` is all dense convolution
    with no network's measurements behind it.
    """

    name: Name
    catalog: str | None = None
    ops_per_pixel: OpsPerPixel | None = None
    ops_per_inference: Ops | None = None
    ref_width_px: Pixels | None = None
    ref_height_px: Pixels | None = None
    precision: Precision = "int8"
    weight_bytes: Bytes | None = None
    activation_bytes: Bytes | None = None  # bytes moved for activations per inference at the ref resolution
    input_bytes_per_pixel: Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False)] = 3.0  # uint8 RGB; scales with pixels
    overhead_s: TimeS = 0.0  # fixed per-inference cost (launch, DMA setup) in the roofline estimate
    like: Name = "resnet50"  # the catalog network an op-count-only model is costed like (or "generic")
    sources: dict[str, str] = {}
    profile: ModelProfileSpec | None = None  # ops by operator class at the ref resolution (edgesim model import)

    @model_validator(mode="after")
    def _one_cost(self) -> ModelSpec:
        if self.ops_per_pixel is None and self.ops_per_inference is None:
            raise ValueError("give ops_per_pixel, or ops_per_inference with ref_width_px and ref_height_px")
        if self.ops_per_inference is not None and (self.ref_width_px is None or self.ref_height_px is None):
            raise ValueError("ops_per_inference needs ref_width_px and ref_height_px (the resolution it was counted at)")
        return self

    def ops_per_pixel_value(self) -> float:
        """Operations per input pixel (the white paper's ~150k for a ResNet-50-class backbone)."""
        if self.ops_per_pixel is not None:
            return self.ops_per_pixel
        assert self.ops_per_inference is not None and self.ref_width_px and self.ref_height_px
        return self.ops_per_inference / (self.ref_width_px * self.ref_height_px)

    def ops_for(self, pixels: int) -> float:
        """Operations for one inference on a frame of ``pixels`` pixels (cost scales with pixel count)."""
        return self.ops_per_pixel_value() * pixels

    def ref_pixels(self) -> int | None:
        return self.ref_width_px * self.ref_height_px if self.ref_width_px and self.ref_height_px else None
