"""When a compiled run may be fast-forwarded, and the period of its arrival pattern.

Fast-forward (``edgesim.sim.fastforward``) jumps the fast process (frames and jobs) over whole periods of the
arrival pattern: the time after which every camera's arrival instants repeat shifted. With periodic cameras at
rates ``fps_i`` (each ``1 / fps_i`` a rational number of seconds, to 1 part in 1e9) that is the least common
multiple of the frame periods. Fast-forward needs a platform (the slow state it integrates) and a fast process
that is deterministic and kept only in the structures it knows how to shift in time: streams (with or without a
resize on another unit) on units with deterministic service, no dynamic batching, no shared memory bus, no
pipelines or load drivers, no per-job trace. Periodic and jittered cameras set the period (a jittered frame k
stays within its slot); Poisson cameras and exponential service make the process random (:func:`is_random`):
its statistics are then tested by their confidence interval. Anything else runs event by event (the exact path).
"""
from __future__ import annotations

import math
from fractions import Fraction

from .records import SystemModel

__all__ = ["AUTO_MAX_BINS", "MAX_PERIOD_S", "RANDOM_SAMPLE_S", "auto_interval_s", "fast_forward_period_s", "is_random"]

RANDOM_SAMPLE_S = 1.0
"""Sampling interval of a fast process with no periodic camera (Poisson arrivals only), s."""

AUTO_MAX_BINS = 10_000
"""Under fast-forward, a run whose ``record.interval_s`` is left at its default records at most this many bins."""

MAX_PERIOD_S = 60.0
"""Longest arrival-pattern period fast-forward accepts, s (a longer one is run event by event)."""

_DENOMINATOR = 10**9


def fast_forward_period_s(model: SystemModel) -> float | None:
    """The arrival pattern's period (s) when ``model`` may be fast-forwarded, else None.

    Parameters
    ----------
    model : SystemModel
        The compiled scenario.

    Returns
    -------
    float or None
        Least common multiple of the cameras' frame periods, s; None when the run must go event by event.
    """
    if model.platform is None or model.trace or model.pipelines or model.loads or not model.cameras or not model.streams:
        return None
    for unit in model.units:
        if unit.batching is not None or unit.memory_bus is not None:
            return None
    period = Fraction(0)
    for camera in model.cameras:
        if camera.arrival.kind == "poisson":
            continue  # memoryless: any instant is a boundary
        if not camera.fps > 0:
            return None
        frame = Fraction(1.0 / camera.fps).limit_denominator(_DENOMINATOR)
        if abs(float(frame) - 1.0 / camera.fps) > 1e-12 * (1.0 / camera.fps):
            return None
        period = frame if period == 0 else _lcm(period, frame)
        if period > MAX_PERIOD_S:
            return None
    if period == 0:
        return RANDOM_SAMPLE_S
    period_s = float(period)
    return period_s if 0.0 < period_s <= MAX_PERIOD_S and math.isfinite(period_s) else None


def _lcm(a: Fraction, b: Fraction) -> Fraction:
    """Least common multiple of two positive rationals: lcm(numerators) / gcd(denominators)."""
    num = a.numerator * b.numerator // math.gcd(a.numerator, b.numerator)
    return Fraction(num, math.gcd(a.denominator, b.denominator))


def auto_interval_s(interval_s: float, duration_s: float, interval_given: bool) -> float:
    """The recording interval of a fast-forwarded run: ``interval_s`` as given, or, left at its default, widened to
    whole seconds so that the run records at most :data:`AUTO_MAX_BINS` bins (a week at 1 s would be 604,800)."""
    if interval_given or duration_s / interval_s <= AUTO_MAX_BINS:
        return interval_s
    return float(math.ceil(duration_s / AUTO_MAX_BINS))


def is_random(model: SystemModel) -> bool:
    """The fast process draws random numbers (Poisson or jittered arrivals, exponential service): its stationarity
    is a confidence interval, not a repeating pattern (``edgesim.sim.fastforward``)."""
    return any(c.arrival.kind != "periodic" for c in model.cameras) or any(u.exponential_service for u in model.units)
