"""Cameras (frame sources): resolution, rate, arrival process, replicas and the camera's own power draw."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from .platform import ScheduleSpec
from .types import Count, Fps, Name, Pixels, PowerW, Spec, TimeS

__all__ = ["ArrivalSpec", "CameraPowerSpec", "CameraSpec"]


class ArrivalSpec(Spec):
    """When a camera's frames arrive.

    ``periodic``: t_k = phase_s + k / fps. ``jitter``: the periodic instant plus a uniform offset in
    [-jitter_s, +jitter_s] (2 x jitter_s must stay below the period so frames keep their order).
    ``poisson``: exponential gaps with mean 1 / fps.
    """

    kind: Literal["periodic", "jitter", "poisson"] = "periodic"
    phase_s: TimeS = 0.0
    jitter_s: TimeS = 0.0


class CameraPowerSpec(Spec):
    """The camera's own draw (sensor + ISP + encoder) as a platform load: ``power_w`` (a measured total), or
    ``static_w + energy_per_pixel_j x width_px x height_px x fps`` (W, J/px; ``physics.camera_power``).

    No default: every figure names its ``source`` (or says ``ILLUSTRATIVE``). The one published total found is
    the Raspberry Pi Camera Module's 250 mA at 5 V = 1.25 W (mode not stated). Heats ``thermal_node`` if set.
    """

    power_w: PowerW | None = None
    static_w: PowerW | None = None
    energy_per_pixel_j: Annotated[float, Field(ge=0, le=1e-3, allow_inf_nan=False)] | None = None
    thermal_node: str | None = None
    schedule: ScheduleSpec | None = None  # a duty cycle on the draw (the camera powered down between windows)
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _one_form(self) -> CameraPowerSpec:
        affine = self.static_w is not None or self.energy_per_pixel_j is not None
        if (self.power_w is not None) == affine:
            raise ValueError("give power_w (a total), or static_w and energy_per_pixel_j, not both")
        if affine and (self.static_w is None or self.energy_per_pixel_j is None):
            raise ValueError("give both static_w and energy_per_pixel_j")
        return self


class CameraSpec(Spec):
    """A camera (or any frame source). ``count`` > 1 replicates it as ``name_0 .. name_{count-1}``."""

    name: Name
    width_px: Pixels
    height_px: Pixels
    fps: Fps
    arrival: ArrivalSpec = ArrivalSpec()
    count: Count = 1
    stagger: bool = False  # replicas' phases spread evenly over one frame period (unsynchronized cameras)
    power: CameraPowerSpec | None = None  # the camera's own draw (each replica draws it), a platform load

    @model_validator(mode="after")
    def _jitter_keeps_order(self) -> CameraSpec:
        if self.arrival.kind == "jitter" and 2 * self.arrival.jitter_s >= 1.0 / self.fps:
            raise ValueError(
                f"arrival.jitter_s = {self.arrival.jitter_s} s must be below half the frame period "
                f"({0.5 / self.fps:.6g} s at {self.fps} fps) so frames keep their order"
            )
        return self

    @property
    def pixels(self) -> int:
        return self.width_px * self.height_px
