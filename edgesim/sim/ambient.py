"""Time-varying ambient and sun heat as piecewise-constant node heat over fixed steps.

A network ``C dT/dt = -G (T - T_amb0) + P`` with a varying ambient ``T_amb(t)`` and absorbed sun heat
``P_sun(t)`` is the same network (fixed ``T_amb0``) with the extra node heat
``g_amb (T_amb(t) - T_amb0) + share P_sun(t)`` (``g_amb``: each node's conductance to ambient). Over each step of
``step_s`` this heat is held at its exact mean over the step (the integral of the profile, in closed form), so
the heat put in over every step is exact and every solution between events stays the closed form of the linear
network. The temperature error against the exactly forced response (``physics.ambient.step_with_forcing``) is
at most about ``max|d(forcing)/dt| x step_s / 2`` times the network's DC gain: ~0.02 K for a 10 K daily swing
with 60 s steps (see tests/scenarios/test_outdoor_day.py).
"""
from __future__ import annotations

import bisect
import math

from ..model.records import AmbientModel
from ..physics.ambient import DailySineAmbient, PiecewiseLinearAmbient, SolarLoad

__all__ = ["mean_ambient_c", "mean_sun_w", "step_means"]


def mean_ambient_c(profile: DailySineAmbient | PiecewiseLinearAmbient, t0_s: float, t1_s: float) -> float:
    """Exact mean of the ambient profile over ``[t0_s, t1_s]``, degC."""
    if t1_s <= t0_s:
        return profile.temp_c(t0_s)
    if isinstance(profile, DailySineAmbient):
        w = 2.0 * math.pi / profile.period_s
        integral = (math.sin(w * (t1_s - profile.peak_time_s)) - math.sin(w * (t0_s - profile.peak_time_s))) / w
        return profile.mean_c + profile.amplitude_c * integral / (t1_s - t0_s)
    lo = bisect.bisect_right(profile.times_s, t0_s)
    hi = bisect.bisect_left(profile.times_s, t1_s)
    points = [t0_s, *profile.times_s[lo:hi], t1_s]
    values = [profile.temp_c(t) for t in points]
    area = sum(0.5 * (values[k] + values[k + 1]) * (points[k + 1] - points[k]) for k in range(len(points) - 1))
    return area / (t1_s - t0_s)


def mean_sun_w(sun: SolarLoad, t0_s: float, t1_s: float) -> float:
    """Exact mean of the absorbed sun heat over ``[t0_s, t1_s]``, W (half-sine by day, 0 by night)."""
    if t1_s <= t0_s:
        return sun.power_w(t0_s)
    length = sun.sunset_s - sun.sunrise_s
    total = 0.0
    day = math.floor(t0_s / sun.period_s)
    while day * sun.period_s < t1_s:
        a = max(t0_s, day * sun.period_s + sun.sunrise_s)
        b = min(t1_s, day * sun.period_s + sun.sunset_s)
        if b > a:
            x0 = math.pi * (a - day * sun.period_s - sun.sunrise_s) / length
            x1 = math.pi * (b - day * sun.period_s - sun.sunrise_s) / length
            total += sun.peak_w * length / math.pi * (math.cos(x0) - math.cos(x1))
        day += 1
    return total / (t1_s - t0_s)


def step_means(model: AmbientModel, base_ambient_c: float, t0_s: float, t1_s: float) -> tuple[float, float]:
    """``(mean T_amb - base_ambient_c, mean P_sun)`` over ``[t0_s, t1_s]`` (K, W)."""
    dev = mean_ambient_c(model.profile, t0_s, t1_s) - base_ambient_c if model.profile is not None else 0.0
    sun = mean_sun_w(model.sun, t0_s, t1_s) if model.sun is not None else 0.0
    return dev, sun
