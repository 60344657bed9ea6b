"""The white paper's back-of-the-envelope formulas, with units in every name.

Source: "A Practical Guide to Edge AI Power Efficiency" (Hailo white paper), sections "How Powerful Does Edge
AI Need to Be?" (capacity ``C ~ FPS x W x H``), "Power Efficiency - Some Definitions" (``eff = C / P``,
``R = (Tj - Tc) / P = (Tj - Tc) x eff / C``) and "Why Power Efficiency is Important at the Edge" (battery
life of a 50 Wh laptop). Worked examples: 2 MP at 30 FPS x 150k ops/pixel = 9 TOPS; 5 MP = 22.5 TOPS;
3 cameras x 0.3 MP x 30 FPS x 3 networks = 12 TOPS.

Capacity is in operations per second (``ops_per_s``; TOPS = 1e12 ops/s), efficiency in operations per joule
(``ops_per_j``; TOPS/W = 1e12 ops/J).
"""
from __future__ import annotations

import math

__all__ = [
    "required_capacity_ops_per_s",
    "efficiency_ops_per_j",
    "required_thermal_resistance_k_per_w",
    "required_thermal_resistance_from_efficiency",
    "max_capacity_for_thermal_resistance",
    "max_capacity_for_power_budget",
    "max_capacity_for_battery_life",
    "battery_life_h",
]


def _positive(name: str, value: float) -> None:
    if not value > 0.0 or not math.isfinite(value):
        raise ValueError(f"{name}: must be finite and > 0, got {value!r}")


def _temperature_margin_k(tj_c: float, tc_c: float) -> float:
    if not (math.isfinite(tj_c) and math.isfinite(tc_c)) or not tj_c > tc_c:
        raise ValueError(f"tj_c: junction limit {tj_c!r} degC must exceed case/ambient tc_c {tc_c!r} degC")
    return tj_c - tc_c


def required_capacity_ops_per_s(
    fps: float, width_px: float, height_px: float, ops_per_pixel: float, n_streams: int = 1
) -> float:
    """Processing capacity needed, ops/s: ``C = n_streams x FPS x W x H x ops/pixel``.

    The white paper's ``C ~ FPS x W x H`` with its typical ResNet-50-like backbone cost of about 150,000
    operations per pixel.

    Parameters
    ----------
    fps : float
        Frame rate of each stream, frames/s (> 0).
    width_px, height_px : float
        Frame size, pixels (> 0).
    ops_per_pixel : float
        Network cost, operations per input pixel (> 0).
    n_streams : int
        Number of identical (camera, network) streams, e.g. 3 cameras x 3 networks = 9 (>= 1). Sum separate
        calls for streams that differ.

    Returns
    -------
    float
        Capacity in ops/s (divide by 1e12 for TOPS).
    """
    for name, value in (("fps", fps), ("width_px", width_px), ("height_px", height_px),
                        ("ops_per_pixel", ops_per_pixel)):
        _positive(name, value)
    if int(n_streams) != n_streams or n_streams < 1:
        raise ValueError(f"n_streams: must be an integer >= 1, got {n_streams!r}")
    return n_streams * fps * width_px * height_px * ops_per_pixel


def efficiency_ops_per_j(capacity_ops_per_s: float, power_w: float) -> float:
    """Energy efficiency ``eff = C / P``, ops/J (= ops/s per W).

    Parameters
    ----------
    capacity_ops_per_s : float
        Measured throughput for the task, ops/s (>= 0).
    power_w : float
        Measured power while running it, W (> 0).
    """
    if not capacity_ops_per_s >= 0.0 or not math.isfinite(capacity_ops_per_s):
        raise ValueError(f"capacity_ops_per_s: must be finite and >= 0, got {capacity_ops_per_s!r}")
    _positive("power_w", power_w)
    return capacity_ops_per_s / power_w


def required_thermal_resistance_k_per_w(tj_c: float, tc_c: float, power_w: float) -> float:
    """Junction-to-case/ambient thermal resistance needed, ``R = (Tj - Tc) / P``, K/W.

    Parameters
    ----------
    tj_c : float
        Maximum junction temperature, degC.
    tc_c : float
        Maximum case (or ambient) temperature, degC (< ``tj_c``).
    power_w : float
        Dissipated power, W (> 0).
    """
    margin_k = _temperature_margin_k(tj_c, tc_c)
    _positive("power_w", power_w)
    return margin_k / power_w


def required_thermal_resistance_from_efficiency(
    tj_c: float, tc_c: float, efficiency_ops_per_j: float, capacity_ops_per_s: float
) -> float:
    """Thermal resistance needed in terms of efficiency, ``R = (Tj - Tc) x eff / C``, K/W.

    Parameters
    ----------
    tj_c, tc_c : float
        Junction limit and case/ambient temperature, degC (``tj_c > tc_c``).
    efficiency_ops_per_j : float
        Efficiency, ops/J (> 0).
    capacity_ops_per_s : float
        Required capacity, ops/s (> 0).
    """
    margin_k = _temperature_margin_k(tj_c, tc_c)
    _positive("efficiency_ops_per_j", efficiency_ops_per_j)
    _positive("capacity_ops_per_s", capacity_ops_per_s)
    return margin_k * efficiency_ops_per_j / capacity_ops_per_s


def max_capacity_for_thermal_resistance(
    tj_c: float, tc_c: float, efficiency_ops_per_j: float, resistance_k_per_w: float
) -> float:
    """Largest capacity a thermal design allows, ``C = (Tj - Tc) x eff / R``, ops/s.

    Parameters
    ----------
    tj_c, tc_c : float
        Junction limit and case/ambient temperature, degC (``tj_c > tc_c``).
    efficiency_ops_per_j : float
        Efficiency, ops/J (> 0).
    resistance_k_per_w : float
        Available thermal resistance, K/W (> 0).
    """
    margin_k = _temperature_margin_k(tj_c, tc_c)
    _positive("efficiency_ops_per_j", efficiency_ops_per_j)
    _positive("resistance_k_per_w", resistance_k_per_w)
    return margin_k * efficiency_ops_per_j / resistance_k_per_w


def max_capacity_for_power_budget(efficiency_ops_per_j: float, power_budget_w: float) -> float:
    """Largest capacity within a power budget, ``C = eff x P_budget``, ops/s.

    Parameters
    ----------
    efficiency_ops_per_j : float
        Efficiency, ops/J (> 0).
    power_budget_w : float
        Power available to the AI processing, W (> 0), e.g. 12.95 W for an 802.3af PoE device.
    """
    _positive("efficiency_ops_per_j", efficiency_ops_per_j)
    _positive("power_budget_w", power_budget_w)
    return efficiency_ops_per_j * power_budget_w


def max_capacity_for_battery_life(
    efficiency_ops_per_j: float,
    capacity_wh: float,
    life_h: float,
    platform_power_w: float = 0.0,
    dcdc_efficiency: float = 1.0,
) -> float:
    """Largest AI capacity that still lets a battery last ``life_h`` hours, ops/s.

    The battery can supply an average ``capacity_wh / life_h`` W. All loads pass through the DC-DC converter,
    so the loads may draw ``eta x capacity_wh / life_h``; the platform takes ``platform_power_w`` of that and
    the rest, ``P_ai``, gives ``C = eff x P_ai``.

    Parameters
    ----------
    efficiency_ops_per_j : float
        Efficiency of the AI processor, ops/J (> 0).
    capacity_wh : float
        Usable battery energy, Wh (> 0).
    life_h : float
        Required battery life, h (> 0).
    platform_power_w : float
        Average power of everything but the AI processing, W (>= 0).
    dcdc_efficiency : float
        Converter efficiency in (0, 1].

    Raises
    ------
    ValueError
        If the platform alone already uses all the power the battery can supply for ``life_h``.
    """
    _positive("efficiency_ops_per_j", efficiency_ops_per_j)
    _positive("capacity_wh", capacity_wh)
    _positive("life_h", life_h)
    if not platform_power_w >= 0.0 or not math.isfinite(platform_power_w):
        raise ValueError(f"platform_power_w: must be finite and >= 0, got {platform_power_w!r}")
    if not 0.0 < dcdc_efficiency <= 1.0:
        raise ValueError(f"dcdc_efficiency: must be in (0, 1], got {dcdc_efficiency!r}")
    load_budget_w = dcdc_efficiency * capacity_wh / life_h
    ai_power_w = load_budget_w - platform_power_w
    if ai_power_w <= 0.0:
        raise ValueError(
            f"platform_power_w: {platform_power_w!r} W leaves no power for AI; the battery supports "
            f"{load_budget_w:.6g} W of load for {life_h!r} h"
        )
    return efficiency_ops_per_j * ai_power_w


def battery_life_h(capacity_wh: float, average_power_w: float, usable_fraction: float = 1.0) -> float:
    """Battery life ``usable_fraction x capacity_wh / average_power_w``, h.

    The white paper's laptop: 50 Wh at 25 W lasts 2 h; cutting power by a third gives 3 h.

    Parameters
    ----------
    capacity_wh : float
        Battery energy, Wh (> 0).
    average_power_w : float
        Average power drawn from the battery, W (> 0).
    usable_fraction : float
        Fraction of the energy that can be used, in (0, 1].
    """
    _positive("capacity_wh", capacity_wh)
    _positive("average_power_w", average_power_w)
    if not 0.0 < usable_fraction <= 1.0:
        raise ValueError(f"usable_fraction: must be in (0, 1], got {usable_fraction!r}")
    return usable_fraction * capacity_wh / average_power_w
