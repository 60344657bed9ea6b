"""Roofline service time: a job is bounded by compute (ops / achieved ops/s) and by memory (bytes / bandwidth).

    t = t_overhead + max(ops / (peak x efficiency), bytes / bandwidth)

Bytes moved per inference: the input tensor (pixels x bytes/pixel), the activations (scaled with pixel count
from the model's reference resolution), and the weights unless they fit in the unit's on-chip memory.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MemoryTraffic", "memory_traffic", "roofline_service_s"]


@dataclass(frozen=True)
class MemoryTraffic:
    """Bytes one inference moves through external memory, by kind."""

    input_bytes: float
    activation_bytes: float
    weight_bytes: float

    @property
    def total_bytes(self) -> float:
        return self.input_bytes + self.activation_bytes + self.weight_bytes


def memory_traffic(pixels: int, input_bytes_per_pixel: float, activation_bytes_at_ref: float | None, ref_pixels: int | None,
                   weight_bytes: float | None, on_chip_memory_bytes: float | None) -> MemoryTraffic:
    """Bytes moved for one inference on a ``pixels``-pixel frame.

    Weights stay on chip (not streamed) when ``weight_bytes <= on_chip_memory_bytes``; activations scale with
    pixel count from the reference resolution they were counted at.
    """
    activations = 0.0
    if activation_bytes_at_ref is not None:
        activations = activation_bytes_at_ref * (pixels / ref_pixels if ref_pixels else 1.0)
    weights = weight_bytes or 0.0
    if on_chip_memory_bytes is not None and weights <= on_chip_memory_bytes:
        weights = 0.0
    return MemoryTraffic(pixels * input_bytes_per_pixel, activations, weights)


def roofline_service_s(compute_s: float, memory_bytes: float, bandwidth_bytes_per_s: float, overhead_s: float = 0.0) -> float:
    """t = overhead + max(compute time, bytes / bandwidth), in seconds."""
    return overhead_s + max(compute_s, memory_bytes / bandwidth_bytes_per_s)
