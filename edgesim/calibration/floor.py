"""The per-inference floor of an engine: the fastest its published networks ran, as a function of input size.

An inference on an engine costs at least a fixed time per call plus a time per input pixel (a dataflow NPU's first
layers take the frame at a bounded pixel rate), ``t >= a + px / R``. Every published point ``(px_i, t_i)`` (input
pixels, seconds per inference) satisfies that for the engine's true ``a`` and ``R``, so the tightest such bound at
an input of ``px`` pixels that no published point violates is the **lower convex hull** of the points, read at
``px``:

* below the fastest point's input, the fastest time itself (a smaller input is not assumed faster than any
  network ran);
* from the fastest point to the largest published input, the hull's vertices, interpolated linearly (convex and
  non-decreasing there, since it starts at its minimum);
* beyond the largest published input, the largest published input's hull value or the input over the fastest
  pixel rate any point reached, whichever is longer (no extrapolation of a slope).

A network never measured on the engine is not predicted faster than this floor (:mod:`edgesim.calibration.predict`).
Pure numbers in, numbers out.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["ServiceFloor", "service_floor"]


@dataclass(frozen=True)
class ServiceFloor:
    """The lower envelope of an engine's published (input pixels, seconds per inference) points.

    Attributes
    ----------
    px : tuple of float
        Input pixels of the hull's vertices, increasing, from the fastest point's input to the largest input.
    s : tuple of float
        Seconds per inference at those vertices (non-decreasing; ``s[0]`` is the fastest any point ran).
    px_per_s : float
        The fastest input-pixel rate any point reached, pixels/s (the bound beyond the largest input).
    """

    px: tuple[float, ...]
    s: tuple[float, ...]
    px_per_s: float

    def __post_init__(self) -> None:
        if not self.px or len(self.px) != len(self.s) or not self.px_per_s > 0:
            raise ValueError("a service floor needs matching, non-empty vertices and a positive pixel rate")

    def at(self, pixels: float) -> float:
        """The floor for one inference on an input of ``pixels`` pixels, seconds."""
        px, s = self.px, self.s
        if pixels <= px[0]:
            return s[0]
        if pixels >= px[-1]:
            return max(s[-1], pixels / self.px_per_s)
        for i in range(1, len(px)):
            if pixels <= px[i]:
                f = (pixels - px[i - 1]) / (px[i] - px[i - 1])
                return s[i - 1] + f * (s[i] - s[i - 1])
        return s[-1]  # not reached: px[-1] >= pixels

    def to_json(self) -> dict[str, Any]:
        return {"px": list(self.px), "s": list(self.s), "px_per_s": self.px_per_s}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> ServiceFloor:
        return cls(tuple(float(x) for x in doc["px"]), tuple(float(x) for x in doc["s"]), float(doc["px_per_s"]))


def _cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def service_floor(points: Sequence[tuple[float, float]]) -> ServiceFloor:
    """The floor of published ``(input pixels, seconds per inference)`` points (see the module docstring).

    Raises
    ------
    ValueError
        When no point has a positive input and time.
    """
    pts = sorted({(float(px), float(t)) for px, t in points if px > 0 and t > 0})
    if not pts:
        raise ValueError("a service floor needs at least one point with positive pixels and time")
    fastest = min(pts, key=lambda p: (p[1], p[0]))
    right = [p for p in pts if p[0] >= fastest[0]]
    hull: list[tuple[float, float]] = []  # Andrew's monotone chain, lower half, left to right
    for p in right:
        while len(hull) >= 2 and _cross(hull[-2], hull[-1], p) <= 0:
            hull.pop()
        if hull and hull[-1][0] == p[0]:
            continue  # the same input again, slower (sorted by time within an input)
        hull.append(p)
    return ServiceFloor(tuple(p[0] for p in hull), tuple(p[1] for p in hull), max(px / t for px, t in pts))
