"""One thermal RC node, solved exactly: a junction to ambient through ``R`` with heat capacity ``C`` at constant power::

    C dT/dt = P - (T - T_amb) / R
    T(t)    = T_amb + P R + (T0 - T_amb - P R) exp(-t / (R C))

Pure Python; no SimPy. Temperatures in degC, power in W, R in K/W, C in J/K, time in s.
"""
from __future__ import annotations

import math

__all__ = ["rc_step_temp_c", "rc_time_to_reach_s"]


def _check_rc(resistance_k_per_w: float, capacity_j_per_k: float) -> None:
    if not resistance_k_per_w > 0.0 or not math.isfinite(resistance_k_per_w):
        raise ValueError(f"resistance_k_per_w: must be finite and > 0, got {resistance_k_per_w!r}")
    if not capacity_j_per_k > 0.0 or not math.isfinite(capacity_j_per_k):
        raise ValueError(f"capacity_j_per_k: must be finite and > 0, got {capacity_j_per_k!r}")


def rc_step_temp_c(
    temp0_c: float,
    ambient_c: float,
    power_w: float,
    resistance_k_per_w: float,
    capacity_j_per_k: float,
    dt_s: float,
) -> float:
    """Temperature of one RC node after ``dt_s`` at constant power (exact).

    ``T(t) = T_amb + P R + (T0 - T_amb - P R) exp(-t / (R C))``.

    Parameters
    ----------
    temp0_c : float
        Node temperature at the start of the interval, degC.
    ambient_c : float
        Ambient temperature, degC.
    power_w : float
        Heat dissipated in the node, W (constant over the interval).
    resistance_k_per_w : float
        Thermal resistance node to ambient, K/W (> 0).
    capacity_j_per_k : float
        Heat capacity of the node, J/K (> 0).
    dt_s : float
        Interval length, s (>= 0).

    Returns
    -------
    float
        Temperature at the end of the interval, degC.
    """
    _check_rc(resistance_k_per_w, capacity_j_per_k)
    if dt_s < 0.0:
        raise ValueError(f"dt_s: must be >= 0, got {dt_s!r}")
    steady_c = ambient_c + power_w * resistance_k_per_w
    return steady_c + (temp0_c - steady_c) * math.exp(-dt_s / (resistance_k_per_w * capacity_j_per_k))


def rc_time_to_reach_s(
    temp0_c: float,
    ambient_c: float,
    power_w: float,
    resistance_k_per_w: float,
    capacity_j_per_k: float,
    target_c: float,
) -> float:
    """First time at which one RC node at constant power reaches ``target_c`` (exact).

    ``t = -R C ln((T_ss - T_target) / (T_ss - T0))`` with ``T_ss = T_amb + P R``.

    The node moves monotonically from ``T0`` towards ``T_ss``. Returns 0 when ``target_c`` is at or behind
    ``T0`` in the direction of travel (already reached), and ``math.inf`` when it is at or beyond ``T_ss``
    (approached only asymptotically) or the node is stationary at another temperature.

    Parameters
    ----------
    temp0_c, ambient_c, target_c : float
        Start, ambient and target temperatures, degC.
    power_w : float
        Constant heat input, W.
    resistance_k_per_w : float
        Thermal resistance to ambient, K/W (> 0).
    capacity_j_per_k : float
        Heat capacity, J/K (> 0).

    Returns
    -------
    float
        Time in s.
    """
    _check_rc(resistance_k_per_w, capacity_j_per_k)
    steady_c = float(ambient_c + power_w * resistance_k_per_w)  # Python floats: an overflow below is inf, silently
    travel_k = steady_c - float(temp0_c)
    if travel_k == 0.0:
        return 0.0 if target_c == temp0_c else math.inf
    # Fraction of the way from T0 to T_ss that the target lies at: <= 0 passed, >= 1 never reached.
    fraction = (float(target_c) - float(temp0_c)) / travel_k  # a denormal travel: inf, "never reached"
    if fraction <= 0.0:
        return 0.0
    if fraction >= 1.0:
        return math.inf
    # ln((T_ss - T_target) / (T_ss - T0)) = ln(1 - fraction); log1p keeps precision for nearby targets.
    return -resistance_k_per_w * capacity_j_per_k * math.log1p(-fraction)
