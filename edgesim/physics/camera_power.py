"""Camera power (sensor + ISP + encoder) vs resolution and frame rate, and DRAM energy per byte.

Camera: each stage draws a static power plus an energy per pixel it processes; the pixel rate is
``W x H x fps``::

    P_camera = sum_stages (P_static,stage + e_stage W H fps)

so power is affine in the pixel rate (a fixed readout/processing energy per pixel at a given process and
bit depth; approximation: it ignores mode-dependent clocking, binning and the encoder's dependence on scene
content and bitrate).

Published figures found (public-measurements.md, "Cameras and links"): the Raspberry Pi Camera Module draws
250 mA at 5 V (about 1.25 W) -- one total, with no resolution or frame rate stated and no split between
sensor and board. The Pi 5's ISP handles 1 Gpixel/s (a throughput, not a power). No per-pixel energy of a
sensor, ISP or encoder was found in the references read, so every ``e_stage`` and static power is the
caller's; :meth:`CameraStage.from_total` calibrates a stage's per-pixel energy from one measured total at a
stated mode and a stated static share, both of which the caller must supply.

DRAM: ``E = 8 x bytes x e_bit`` with the energy per bit ``e_bit`` the caller's: no LPDDR4/LPDDR5 pJ/bit
figure with its conditions was found in the references read, so there is no default.

Pure Python; no SimPy.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["CameraStage", "CameraPowerModel", "dram_energy_j", "PI_CAMERA_MODULE_TOTAL_W"]

# Raspberry Pi Camera Module: 250 mA at 5 V (raspberrypi/documentation, via public-measurements.md).
# Conditions (resolution, fps) not stated in the source.
PI_CAMERA_MODULE_TOTAL_W = 0.250 * 5.0


@dataclass(frozen=True)
class CameraStage:
    """One stage (sensor, ISP, encoder): ``static_power_w`` (W) plus ``energy_per_pixel_j`` (J/px)."""

    name: str
    static_power_w: float
    energy_per_pixel_j: float

    def __post_init__(self) -> None:
        if not (self.static_power_w >= 0.0 and math.isfinite(self.static_power_w)):
            raise ValueError(f"{self.name}.static_power_w: must be finite and >= 0, got {self.static_power_w!r}")
        if not (self.energy_per_pixel_j >= 0.0 and math.isfinite(self.energy_per_pixel_j)):
            raise ValueError(f"{self.name}.energy_per_pixel_j: must be finite and >= 0, got {self.energy_per_pixel_j!r}")

    @classmethod
    def from_total(cls, name: str, total_power_w: float, width_px: int, height_px: int, fps: float,
                   static_fraction: float) -> CameraStage:
        """Calibrate from one measured total at ``width_px x height_px`` and ``fps``: the caller states which
        fraction of it is static (independent of the pixel rate)."""
        if not 0.0 <= static_fraction <= 1.0:
            raise ValueError(f"static_fraction: must be in [0, 1], got {static_fraction!r}")
        rate = _pixel_rate(width_px, height_px, fps)
        return cls(name, total_power_w * static_fraction, total_power_w * (1.0 - static_fraction) / rate)

    def power_w(self, width_px: int, height_px: int, fps: float) -> float:
        """``P_static + e W H fps``, W."""
        return self.static_power_w + self.energy_per_pixel_j * _pixel_rate(width_px, height_px, fps)


def _pixel_rate(width_px: int, height_px: int, fps: float) -> float:
    if not (width_px > 0 and height_px > 0 and fps > 0.0):
        raise ValueError(f"width_px, height_px, fps: must be > 0, got {width_px}, {height_px}, {fps}")
    return float(width_px) * float(height_px) * fps


@dataclass(frozen=True)
class CameraPowerModel:
    """A camera as a chain of stages; its power is the sum of theirs."""

    stages: tuple[CameraStage, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "stages", tuple(self.stages))

    def power_w(self, width_px: int, height_px: int, fps: float) -> float:
        """Total power at ``width_px x height_px`` and ``fps``, W."""
        return sum(s.power_w(width_px, height_px, fps) for s in self.stages)

    def power_by_stage_w(self, width_px: int, height_px: int, fps: float) -> dict[str, float]:
        """Power of each stage, W, by name."""
        return {s.name: s.power_w(width_px, height_px, fps) for s in self.stages}

    def energy_per_frame_j(self, width_px: int, height_px: int, fps: float) -> float:
        """``P / fps``: energy per frame including the static share at that frame rate, J."""
        return self.power_w(width_px, height_px, fps) / fps


def dram_energy_j(n_bytes: float | Sequence[float], energy_per_bit_j: float) -> float:
    """Energy to move ``n_bytes`` (bytes, or a sequence summed) through DRAM at ``energy_per_bit_j`` (J/bit).

    ``E = 8 n e_bit``. No default: state the part, its interface and the source of ``e_bit``.
    """
    if not (energy_per_bit_j >= 0.0 and math.isfinite(energy_per_bit_j)):
        raise ValueError(f"energy_per_bit_j: must be finite and >= 0, got {energy_per_bit_j!r}")
    total = float(sum(n_bytes)) if isinstance(n_bytes, Sequence) else float(n_bytes)
    if not total >= 0.0:
        raise ValueError(f"n_bytes: must be >= 0, got {n_bytes!r}")
    return 8.0 * total * energy_per_bit_j
