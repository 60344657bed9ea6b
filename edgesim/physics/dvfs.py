"""DVFS with a voltage-frequency table: energy per inference per state, transition latency and energy.

Dynamic energy of ``N`` cycles at supply ``V`` is ``E_dyn = C_eff V^2 N`` (switched capacitance ``C_eff``,
F per cycle), independent of the clock; at frequency ``f`` they take ``t = N / f`` during which the static
(leakage) power ``P_static(V) = P_static,ref (V / V_ref)^gamma`` is also paid (``gamma ~ 1`` to 3 from the
drain-induced barrier lowering of leakage; a parameter). So::

    E(f, V) = C_eff V^2 N + P_static(V) N / f

Scaling ``f`` alone (``V`` fixed) never lowers ``E_dyn`` and raises the static share; lowering ``V`` with
``f`` (a V(f) table) is what saves energy per inference, until the static term dominates at low ``f``.
:func:`most_efficient_state` picks the minimum.

Transitions (Burd and Brodersen, "Design issues for dynamic voltage scaling", ISLPED 2000, eqs. for a
buck regulator charging the supply's decoupling capacitance ``C_DD`` at its maximum current ``I_max`` with
efficiency ``eta``)::

    t_transition = 2 C_DD |V2 - V1| / I_max
    E_transition = (1 - eta) C_DD |V2^2 - V1^2|

plus, where published, a PLL relock time at constant voltage (a parameter). No V(f) table, ``C_DD`` or
``I_max`` of a catalog part is published in the references read: every number is the caller's.

Pure Python; no SimPy.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["VfPoint", "DvfsEnergyModel", "VoltageRegulator", "Transition", "most_efficient_state"]


@dataclass(frozen=True)
class VfPoint:
    """One operating point: clock ``freq_hz`` (Hz) at supply ``voltage_v`` (V)."""

    freq_hz: float
    voltage_v: float

    def __post_init__(self) -> None:
        if not (self.freq_hz > 0.0 and math.isfinite(self.freq_hz)):
            raise ValueError(f"freq_hz: must be finite and > 0, got {self.freq_hz!r}")
        if not (self.voltage_v > 0.0 and math.isfinite(self.voltage_v)):
            raise ValueError(f"voltage_v: must be finite and > 0, got {self.voltage_v!r}")


@dataclass(frozen=True)
class DvfsEnergyModel:
    """Energy and time of a job of ``cycles`` clock cycles at an operating point.

    Parameters
    ----------
    switched_capacitance_f : float
        ``C_eff``, F per cycle (>= 0).
    static_power_ref_w : float
        Static power at ``ref_voltage_v``, W (>= 0).
    ref_voltage_v : float
        Voltage of ``static_power_ref_w``, V (> 0).
    static_voltage_exponent : float
        ``gamma`` in ``P_static ~ V^gamma`` (>= 0).
    """

    switched_capacitance_f: float
    static_power_ref_w: float
    ref_voltage_v: float
    static_voltage_exponent: float = 1.0

    def __post_init__(self) -> None:
        if not (self.switched_capacitance_f >= 0.0 and self.static_power_ref_w >= 0.0):
            raise ValueError("switched_capacitance_f, static_power_ref_w: must be >= 0")
        if not self.ref_voltage_v > 0.0:
            raise ValueError(f"ref_voltage_v: must be > 0, got {self.ref_voltage_v!r}")
        if not self.static_voltage_exponent >= 0.0:
            raise ValueError("static_voltage_exponent: must be >= 0")

    def static_power_w(self, point: VfPoint) -> float:
        """``P_static,ref (V / V_ref)^gamma``, W (``inf`` where the power overflows a double, not OverflowError)."""
        try:
            return self.static_power_ref_w * (point.voltage_v / self.ref_voltage_v) ** self.static_voltage_exponent
        except OverflowError:
            return math.inf if self.static_power_ref_w > 0.0 else 0.0

    def dynamic_power_w(self, point: VfPoint) -> float:
        """``C_eff V^2 f``, W, while busy."""
        return self.switched_capacitance_f * point.voltage_v ** 2 * point.freq_hz

    def time_s(self, cycles: float, point: VfPoint) -> float:
        """``N / f``, s."""
        return cycles / point.freq_hz

    def energy_j(self, cycles: float, point: VfPoint) -> float:
        """``C_eff V^2 N + P_static(V) N / f``, J."""
        if not cycles >= 0.0:
            raise ValueError(f"cycles: must be >= 0, got {cycles!r}")
        return (self.switched_capacitance_f * point.voltage_v ** 2 * cycles
                + self.static_power_w(point) * cycles / point.freq_hz)


def most_efficient_state(model: DvfsEnergyModel, cycles: float, table: Sequence[VfPoint],
                         deadline_s: float = math.inf) -> int:
    """Index of the point of ``table`` with the least energy for ``cycles`` among those meeting ``deadline_s``.

    Raises ValueError if none meets the deadline.
    """
    best, best_j = -1, math.inf
    for k, point in enumerate(table):
        if model.time_s(cycles, point) <= deadline_s:
            e = model.energy_j(cycles, point)
            if e < best_j:
                best, best_j = k, e
    if best < 0:
        raise ValueError(f"deadline_s: no operating point finishes {cycles} cycles within {deadline_s} s")
    return best


@dataclass(frozen=True)
class Transition:
    """Cost of one DVFS switch: ``latency_s`` (s, the unit stalls) and ``energy_j`` (J)."""

    latency_s: float
    energy_j: float


@dataclass(frozen=True)
class VoltageRegulator:
    """Supply regulator of a DVFS domain (Burd and Brodersen 2000).

    Parameters
    ----------
    decoupling_capacitance_f : float
        ``C_DD``, F (> 0).
    max_current_a : float
        ``I_max``, A (> 0).
    efficiency : float
        ``eta`` in (0, 1].
    relock_s : float
        Extra stall of a frequency change (PLL relock), s (>= 0).
    """

    decoupling_capacitance_f: float
    max_current_a: float
    efficiency: float
    relock_s: float = 0.0

    def __post_init__(self) -> None:
        if not (self.decoupling_capacitance_f > 0.0 and self.max_current_a > 0.0):
            raise ValueError("decoupling_capacitance_f, max_current_a: must be > 0")
        if not 0.0 < self.efficiency <= 1.0:
            raise ValueError(f"efficiency: must be in (0, 1], got {self.efficiency!r}")
        if not self.relock_s >= 0.0:
            raise ValueError("relock_s: must be >= 0")

    def transition(self, start: VfPoint, end: VfPoint) -> Transition:
        """``t = 2 C_DD |V2 - V1| / I_max (+ relock if f changes)``, ``E = (1 - eta) C_DD |V2^2 - V1^2|``."""
        dv = abs(end.voltage_v - start.voltage_v)
        latency = 2.0 * self.decoupling_capacitance_f * dv / self.max_current_a
        if end.freq_hz != start.freq_hz:
            latency += self.relock_s
        energy = (1.0 - self.efficiency) * self.decoupling_capacitance_f * abs(end.voltage_v ** 2 - start.voltage_v ** 2)
        return Transition(latency, energy)
