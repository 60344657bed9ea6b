"""A Li-ion cell as a Thevenin equivalent circuit: its open-circuit voltage curve, its RC pairs and its constants,
and the current a constant-power load draws from it (the equations are in :mod:`edgesim.physics.liion`).

Pure numpy; no SimPy.
"""
from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np

__all__ = ["LiIonCell", "OcvCurve", "RcPair", "terminal_current_a"]

_GAS_J_PER_MOL_K = 8.314462618
_ZERO_C_IN_K = 273.15


def terminal_current_a(emf_v: float, r0_ohm: float, power_w: float) -> float:
    """Current, A, that delivers ``power_w`` (W) from a source ``emf_v`` (V) behind ``r0_ohm`` (Ohm).

    The smaller root of ``R0 I^2 - E I + P = 0``: ``I = 2 P / (E + sqrt(E^2 - 4 R0 P))``; ``P / E`` when
    ``R0 = 0``. Returns ``nan`` when ``P > E^2 / (4 R0)`` (no current delivers that power).
    """
    if power_w == 0.0:
        return 0.0
    disc = emf_v * emf_v - 4.0 * r0_ohm * power_w
    if disc < 0.0 or emf_v <= 0.0:
        return math.nan
    return 2.0 * power_w / (emf_v + math.sqrt(disc))


@dataclass(frozen=True)
class OcvCurve:
    """Open-circuit voltage of one cell vs state of charge, piecewise linear between points.

    Parameters
    ----------
    soc : sequence of float
        State-of-charge breakpoints, strictly increasing, within [0, 1] and covering both ends.
    ocv_v : sequence of float
        Open-circuit voltage at each breakpoint, V (non-decreasing).
    """

    soc: tuple[float, ...]
    ocv_v: tuple[float, ...]

    def __post_init__(self) -> None:
        soc = np.asarray(self.soc, dtype=float)
        v = np.asarray(self.ocv_v, dtype=float)
        if soc.ndim != 1 or soc.shape != v.shape or soc.size < 2:
            raise ValueError("ocv: soc and ocv_v must be 1-D of the same length >= 2")
        if not np.all(np.diff(soc) > 0.0) or soc[0] > 0.0 or soc[-1] < 1.0:
            raise ValueError("ocv.soc: must increase strictly and cover [0, 1]")
        if not np.all(np.diff(v) >= 0.0) or not np.all(v > 0.0):
            raise ValueError("ocv.ocv_v: must be positive and non-decreasing in soc")
        object.__setattr__(self, "soc", tuple(float(x) for x in soc))
        object.__setattr__(self, "ocv_v", tuple(float(x) for x in v))

    @classmethod
    def linear(cls, ocv_empty_v: float, ocv_full_v: float) -> OcvCurve:
        """``OCV(z) = V_empty + (V_full - V_empty) z``."""
        return cls((0.0, 1.0), (ocv_empty_v, ocv_full_v))

    def voltage_v(self, soc: float) -> float:
        """OCV at ``soc``, V (held at the end values outside [0, 1])."""
        xs, vs = self.soc, self.ocv_v
        if soc <= xs[0]:
            return vs[0]
        if soc >= xs[-1]:
            return vs[-1]
        k = bisect.bisect_right(xs, soc)
        return vs[k - 1] + (vs[k] - vs[k - 1]) * (soc - xs[k - 1]) / (xs[k] - xs[k - 1])


@dataclass(frozen=True)
class RcPair:
    """One parallel RC element: resistance ``resistance_ohm`` (Ohm), capacitance ``capacitance_f`` (F)."""

    resistance_ohm: float
    capacitance_f: float

    def __post_init__(self) -> None:
        if not (self.resistance_ohm > 0.0 and math.isfinite(self.resistance_ohm)):
            raise ValueError(f"resistance_ohm: must be finite and > 0, got {self.resistance_ohm!r}")
        if not (self.capacitance_f > 0.0 and math.isfinite(self.capacitance_f)):
            raise ValueError(f"capacitance_f: must be finite and > 0, got {self.capacitance_f!r}")

    @property
    def tau_s(self) -> float:
        """Time constant ``R C``, s."""
        return self.resistance_ohm * self.capacitance_f


@dataclass(frozen=True)
class LiIonCell:
    """Parameters of one Li-ion cell (Thevenin model) at the reference temperature.

    Parameters
    ----------
    capacity_ah : float
        Capacity at ``ref_temp_c`` between ``soc`` 0 and 1, Ah.
    ocv : OcvCurve
        Open-circuit voltage vs state of charge.
    r0_ohm : float
        Series (ohmic) resistance at ``ref_temp_c``, Ohm (>= 0).
    rc_pairs : sequence of RcPair
        RC elements at ``ref_temp_c`` (zero or more).
    cutoff_v : float
        Discharge cut-off voltage, V.
    ref_temp_c : float
        Reference temperature of the parameters, degC.
    resistance_activation_j_per_mol : float
        Arrhenius activation energy ``Ea`` of every resistance, J/mol (0: no temperature dependence).
    capacity_temp_c, capacity_factor : sequence of float
        Table of usable-capacity fraction ``f(T)`` vs temperature, degC (piecewise linear, held at the
        ends); empty means ``f = 1``.
    """

    capacity_ah: float
    ocv: OcvCurve
    r0_ohm: float
    rc_pairs: tuple[RcPair, ...] = ()
    cutoff_v: float = 3.0
    ref_temp_c: float = 25.0
    resistance_activation_j_per_mol: float = 0.0
    capacity_temp_c: tuple[float, ...] = ()
    capacity_factor: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if not (self.capacity_ah > 0.0 and math.isfinite(self.capacity_ah)):
            raise ValueError(f"capacity_ah: must be finite and > 0, got {self.capacity_ah!r}")
        if not (self.r0_ohm >= 0.0 and math.isfinite(self.r0_ohm)):
            raise ValueError(f"r0_ohm: must be finite and >= 0, got {self.r0_ohm!r}")
        if not (0.0 < self.cutoff_v < self.ocv.ocv_v[-1]):
            raise ValueError(f"cutoff_v: must be in (0, OCV at full = {self.ocv.ocv_v[-1]}), got {self.cutoff_v!r}")
        if not self.resistance_activation_j_per_mol >= 0.0:
            raise ValueError("resistance_activation_j_per_mol: must be >= 0")
        object.__setattr__(self, "rc_pairs", tuple(self.rc_pairs))
        if len(self.capacity_temp_c) != len(self.capacity_factor):
            raise ValueError("capacity_temp_c, capacity_factor: must have the same length")
        if self.capacity_temp_c and (not np.all(np.diff(self.capacity_temp_c) > 0.0)
                                     or not all(f > 0.0 for f in self.capacity_factor)):
            raise ValueError("capacity_temp_c must increase strictly and capacity_factor be > 0")
        object.__setattr__(self, "capacity_temp_c", tuple(self.capacity_temp_c))
        object.__setattr__(self, "capacity_factor", tuple(self.capacity_factor))

    def resistance_factor(self, temp_c: float) -> float:
        """Arrhenius factor ``exp(Ea / R_gas (1/T - 1/T_ref))`` on every resistance at ``temp_c`` (degC)."""
        if self.resistance_activation_j_per_mol == 0.0:
            return 1.0
        t_k, ref_k = temp_c + _ZERO_C_IN_K, self.ref_temp_c + _ZERO_C_IN_K
        return math.exp(self.resistance_activation_j_per_mol / _GAS_J_PER_MOL_K * (1.0 / t_k - 1.0 / ref_k))

    def capacity_fraction(self, temp_c: float) -> float:
        """Usable-capacity fraction ``f(T)`` at ``temp_c`` (degC)."""
        if not self.capacity_temp_c:
            return 1.0
        return float(np.interp(temp_c, self.capacity_temp_c, self.capacity_factor))
