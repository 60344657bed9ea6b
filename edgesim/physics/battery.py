"""Battery state under a constant power draw, solved exactly over an interval.

Three models of increasing detail, all with the same interface (:class:`BatteryModel`):

- :class:`IdealBattery`: an energy bucket, ``E(t) = E0 - P t``.
- :class:`PeukertBattery`: the bucket drains faster at high current, ``I_eff = I (I / I_rated)^(k - 1)``.
- :class:`KiBaMBattery`: the Kinetic Battery Model (two charge wells), which captures the rate-capacity
  effect and recovery during rest.

``power_w`` is always the electrical power at the battery terminals. The load's power divided by the DC-DC
converter's efficiency is done once, by the caller, with :func:`battery_draw_w`.

A model is immutable parameters; its state is a small frozen dataclass returned by ``initial_state()`` and
``step()``. Capacities are given in Wh and held in J (or C) inside. Discharge only: ``power_w >= 0``.

Cut-off: each model has ``cutoff_soc``, the state of charge (fraction of total capacity) at which the battery
counts as empty (``is_empty``) and ``time_to_cutoff_s`` ends. Stepping past the cut-off keeps following the
same equations; if the charge that feeds the load is exhausted inside a step, the load is cut at that instant
(the battery delivers nothing more during the rest of the step).

- :class:`LiIonSupply`: a Li-ion pack (:class:`edgesim.physics.liion.LiIonPack`) as a battery model, its ODE
  integrated at the mean power of each span of up to ``LIION_STEP_S``.

Pure Python; no SimPy.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from edgesim.physics.liion import LiIonPack, LiIonState
from edgesim.physics.numerics import bracketed_root

__all__ = [
    "BATTERY_MODELS",
    "battery_draw_w",
    "BatteryBase",
    "BatteryModel",
    "EnergyState",
    "KiBaMState",
    "IdealBattery",
    "PeukertBattery",
    "KiBaMBattery",
    "LIION_STEP_S",
    "LiIonSupply",
    "LiIonSupplyState",
]

_J_PER_WH = 3600.0
# A battery within this fraction of total capacity of its cut-off counts as empty, so that stepping by
# exactly time_to_cutoff_s() lands on "empty" despite rounding.
_EMPTY_TOL = 1e-9


def battery_draw_w(load_power_w: float, dcdc_efficiency: float) -> float:
    """Power drawn at the battery terminals, W, to supply ``load_power_w`` through a DC-DC converter.

    ``P_battery = P_load / eta``.

    Parameters
    ----------
    load_power_w : float
        Power delivered to the load, W (>= 0).
    dcdc_efficiency : float
        Converter efficiency ``eta`` in (0, 1] (dimensionless).
    """
    if not 0.0 < dcdc_efficiency <= 1.0:
        raise ValueError(f"dcdc_efficiency: must be in (0, 1], got {dcdc_efficiency!r}")
    if not load_power_w >= 0.0 or not math.isfinite(load_power_w):
        raise ValueError(f"load_power_w: must be finite and >= 0, got {load_power_w!r}")
    return load_power_w / dcdc_efficiency


S = TypeVar("S")


class BatteryModel(Protocol[S]):
    """What the simulation engine needs from a battery model (state type ``S``): every model meets it, the Li-ion
    pack too (:class:`LiIonSupply`).

    ``power_w`` is the power at the battery terminals (W), constant over each ``step``. A model may buffer steps
    (the Li-ion pack integrates its ODE once per span of up to ``LIION_STEP_S``); ``settle`` integrates whatever
    is buffered, and the engine calls it before it reads ``soc``, ``time_to_cutoff_s``, the voltage or the report.
    ``cutoff_replan_s`` is how long a cut-off planned under a varying (leakage) draw may be trusted: 0 means re-plan at
    every power change. :class:`BatteryBase` gives the defaults of an unbuffered model without a voltage.
    """

    @property
    def cutoff_replan_s(self) -> float: ...

    @property
    def has_terminal_voltage(self) -> bool: ...

    @property
    def cheap_cutoff(self) -> bool: ...

    def initial_state(self, soc: float = 1.0) -> S: ...

    def step(self, state: S, power_w: float, dt_s: float) -> S: ...

    def settle(self, state: S) -> S: ...

    def soc(self, state: S) -> float: ...

    def time_to_cutoff_s(self, state: S, power_w: float) -> float: ...

    def is_empty(self, state: S) -> bool: ...

    def terminal_voltage_v(self, state: S, power_w: float) -> float: ...

    def report(self, state: S, power_w: float) -> dict[str, Any]: ...


class BatteryBase(Generic[S]):
    """Defaults of :class:`BatteryModel` for a model that integrates every step at once and has no voltage."""

    cutoff_replan_s = 0.0
    has_terminal_voltage = False
    cheap_cutoff = True  # time_to_cutoff_s is a closed form (or a cheap root): plan it as often as needed

    def settle(self, state: S) -> S:
        """Nothing buffered: the state itself."""
        return state

    def terminal_voltage_v(self, state: S, power_w: float) -> float:
        """Not modelled: ``nan``."""
        return math.nan

    def report(self, state: S, power_w: float) -> dict[str, Any]:
        """No model-specific figures for the summary: an empty dict."""
        return {}


@dataclass(frozen=True)
class EnergyState:
    """State of a bucket battery: remaining energy ``energy_j`` in J (at nominal voltage for Peukert)."""

    energy_j: float


@dataclass(frozen=True)
class KiBaMState:
    """State of a KiBaM battery: charge in the available well ``y1`` and bound well ``y2``, coulombs."""

    y1_coulomb: float
    y2_coulomb: float


def _check_capacity(capacity_wh: float, cutoff_soc: float) -> None:
    if not capacity_wh > 0.0 or not math.isfinite(capacity_wh):
        raise ValueError(f"capacity_wh: must be finite and > 0, got {capacity_wh!r}")
    if not 0.0 <= cutoff_soc < 1.0:
        raise ValueError(f"cutoff_soc: must be in [0, 1), got {cutoff_soc!r}")


def _check_voltage(nominal_voltage_v: float) -> None:
    if not nominal_voltage_v > 0.0 or not math.isfinite(nominal_voltage_v):
        raise ValueError(f"nominal_voltage_v: must be finite and > 0, got {nominal_voltage_v!r}")


def _check_draw(power_w: float, dt_s: float = 0.0) -> None:
    if not power_w >= 0.0 or not math.isfinite(power_w):
        raise ValueError(f"power_w: must be finite and >= 0 (discharge only), got {power_w!r}")
    if not dt_s >= 0.0 or not math.isfinite(dt_s):
        raise ValueError(f"dt_s: must be finite and >= 0, got {dt_s!r}")


# ---------------------------------------------------------------------------------------------- buckets
class _Bucket(BatteryBase[EnergyState]):
    """Shared exact solution of a bucket that drains at a constant rate under constant power."""

    capacity_wh: float
    cutoff_soc: float

    @property
    def capacity_j(self) -> float:
        """Total energy when full, J."""
        return self.capacity_wh * _J_PER_WH

    def _drain_power_w(self, power_w: float) -> float:
        """Rate at which the bucket empties, W, at terminal power ``power_w``."""
        raise NotImplementedError

    def initial_state(self, soc: float = 1.0) -> EnergyState:
        """At state of charge ``soc`` (fraction; 1: fully charged)."""
        full = EnergyState(self.capacity_j)
        return full if soc == 1.0 else EnergyState(full.energy_j * soc)

    def step(self, state: EnergyState, power_w: float, dt_s: float) -> EnergyState:
        """State after drawing ``power_w`` (W) for ``dt_s`` (s); the bucket stops at 0 J."""
        _check_draw(power_w, dt_s)
        if dt_s == 0.0:
            return state  # a zero-length interval changes nothing (also at a drain rate too large for a double)
        return EnergyState(max(state.energy_j - self._drain_power_w(power_w) * dt_s, 0.0))

    def soc(self, state: EnergyState) -> float:
        """State of charge, fraction of total capacity in [0, 1]."""
        return state.energy_j / self.capacity_j

    def is_empty(self, state: EnergyState) -> bool:
        """True once the state of charge is at (or within 1e-9 of) ``cutoff_soc``."""
        return state.energy_j <= (self.cutoff_soc + _EMPTY_TOL) * self.capacity_j

    def time_to_cutoff_s(self, state: EnergyState, power_w: float) -> float:
        """Time in s until the cut-off at constant ``power_w`` (W): usable energy / drain rate."""
        _check_draw(power_w)
        if self.is_empty(state):
            return 0.0
        drain_w = self._drain_power_w(power_w)
        if drain_w == 0.0:
            return math.inf  # zero power, or a drain that underflows: never empties (energy / 0+ overflows to inf)
        return (state.energy_j - self.cutoff_soc * self.capacity_j) / drain_w


@dataclass(frozen=True)
class IdealBattery(_Bucket):
    """Energy bucket: ``E(t) = E0 - P t``; empty at ``cutoff_soc`` of the capacity.

    Parameters
    ----------
    capacity_wh : float
        Total energy when full, Wh (> 0).
    cutoff_soc : float
        State of charge in [0, 1) at which the battery counts as empty.
    """

    capacity_wh: float
    cutoff_soc: float = 0.0

    def __post_init__(self) -> None:
        _check_capacity(self.capacity_wh, self.cutoff_soc)

    def _drain_power_w(self, power_w: float) -> float:
        return power_w


@dataclass(frozen=True)
class PeukertBattery(_Bucket):
    """Bucket with Peukert's rate-capacity effect.

    Charge drains at the effective current ``I_eff = I (I / I_rated)^(k - 1)`` with ``I = P / V_nominal`` and
    ``I_rated = capacity_Ah / rated_hours``, so a full battery lasts ``H (I_rated / I)^k`` hours (Peukert's
    law). The state is held as nominal energy ``Q V_nominal`` in J, hence with ``k = 1`` the model is
    :class:`IdealBattery` exactly. Below the rated current ``k > 1`` gives *more* than the rated capacity,
    as Peukert's law does.

    Parameters
    ----------
    capacity_wh : float
        Rated energy, Wh (> 0), at the ``rated_hours`` discharge rate.
    nominal_voltage_v : float
        Nominal terminal voltage, V (> 0), converting power to current.
    peukert_exponent : float
        Peukert exponent ``k`` (>= 1; lead-acid 1.1-1.3, Li-ion about 1.0-1.05).
    rated_hours : float
        Discharge time of the rated capacity, h (> 0), e.g. 20 for a C/20 rating.
    cutoff_soc : float
        State of charge in [0, 1) at which the battery counts as empty.
    """

    capacity_wh: float
    nominal_voltage_v: float
    peukert_exponent: float
    rated_hours: float
    cutoff_soc: float = 0.0

    def __post_init__(self) -> None:
        _check_capacity(self.capacity_wh, self.cutoff_soc)
        _check_voltage(self.nominal_voltage_v)
        if not self.peukert_exponent >= 1.0 or not math.isfinite(self.peukert_exponent):
            raise ValueError(f"peukert_exponent: must be finite and >= 1, got {self.peukert_exponent!r}")
        if not self.rated_hours > 0.0 or not math.isfinite(self.rated_hours):
            raise ValueError(f"rated_hours: must be finite and > 0, got {self.rated_hours!r}")

    @property
    def rated_current_a(self) -> float:
        """``I_rated = capacity_Ah / rated_hours``, A."""
        return self.capacity_wh / self.nominal_voltage_v / self.rated_hours

    def effective_current_a(self, power_w: float) -> float:
        """Peukert effective current ``I (I / I_rated)^(k - 1)``, A, for terminal power ``power_w`` (W)."""
        current_a = power_w / self.nominal_voltage_v
        try:
            return current_a * (current_a / self.rated_current_a) ** (self.peukert_exponent - 1.0)
        except OverflowError:
            return math.inf

    def _drain_power_w(self, power_w: float) -> float:
        # Nominal energy drains at V_nominal I_eff = P (I / I_rated)^(k - 1); x ** 0.0 == 1.0 exactly.
        current_a = power_w / self.nominal_voltage_v
        try:
            return power_w * (current_a / self.rated_current_a) ** (self.peukert_exponent - 1.0)
        except OverflowError:  # beyond the largest double: drains at once (time to cut-off 0, never negative)
            return math.inf


# ---------------------------------------------------------------------------------------------- KiBaM
def _ramp(x: float) -> float:
    """``x - 1 + exp(-x)`` without cancellation at small ``x``."""
    if x < 1e-3:
        return x * x * (0.5 - x * (1.0 / 6.0 - x * (1.0 / 24.0 - x / 120.0)))
    return x + math.expm1(-x)


@dataclass(frozen=True)
class KiBaMBattery(BatteryBase[KiBaMState]):
    """Kinetic Battery Model (Manwell & McGowan 1993) under piecewise-constant current.

    Charge sits in two wells: the *available* well ``y1`` (fraction ``c`` of capacity) feeds the load; the
    *bound* well ``y2`` refills it through a valve with rate constant ``k``. With heights ``h1 = y1 / c``
    and ``h2 = y2 / (1 - c)``::

        dy1/dt = -I + k (h2 - h1)
        dy2/dt =    - k (h2 - h1)

    Under constant current ``I = P / V_nominal``, with ``k' = k / (c (1 - c))``, ``y0 = y1,0 + y2,0`` and
    ``x = k' t``, the exact solution is (Manwell & McGowan, Solar Energy 50(5):399-405, 1993; as written in
    Jongerden & Haverkort, "Which battery model to use?", IET Software 3(6), 2009, and the HOMER
    documentation)::

        y1(t) = y1,0 e^-x + (y0 k' c - I)(1 - e^-x) / k' - I c (x - 1 + e^-x) / k'
        y2(t) = y2,0 e^-x + y0 (1 - c)(1 - e^-x)         - I (1 - c)(x - 1 + e^-x) / k'

    A full battery starts with equal heights: ``y1 = c Q``, ``y2 = (1 - c) Q``.

    Cut-off: the battery is empty when the available well's height falls to ``cutoff_soc`` of full, i.e.
    ``y1 <= cutoff_soc * c * Q``; with ``cutoff_soc = 0`` when the available well is dry. Bound charge left
    at that moment is what the rate-capacity effect makes unavailable at this load; at rest it flows back
    (recovery). As ``k -> inf`` the heights stay equal and the model becomes :class:`IdealBattery`.

    Parameters
    ----------
    capacity_wh : float
        Total energy when full (both wells), Wh (> 0).
    nominal_voltage_v : float
        Nominal terminal voltage, V (> 0), converting power to current.
    c : float
        Capacity fraction of the available well, in (0, 1).
    k_per_s : float
        Valve rate constant ``k`` of the height form above, 1/s (> 0). Note: published values are often
        per minute (divide by 60) or are ``k'``.
    cutoff_soc : float
        Height fraction in [0, 1) of the available well at which the battery counts as empty.
    """

    capacity_wh: float
    nominal_voltage_v: float
    c: float
    k_per_s: float
    cutoff_soc: float = 0.0

    def __post_init__(self) -> None:
        _check_capacity(self.capacity_wh, self.cutoff_soc)
        _check_voltage(self.nominal_voltage_v)
        if not 0.0 < self.c < 1.0:
            raise ValueError(f"c: must be in (0, 1), got {self.c!r}")
        if not self.k_per_s > 0.0 or not math.isfinite(self.k_per_s):
            raise ValueError(f"k_per_s: must be finite and > 0, got {self.k_per_s!r}")

    @property
    def capacity_coulomb(self) -> float:
        """Total charge when full, ``Q = E / V_nominal``, C."""
        return self.capacity_wh * _J_PER_WH / self.nominal_voltage_v

    @property
    def k_prime_per_s(self) -> float:
        """``k' = k / (c (1 - c))``, 1/s."""
        return self.k_per_s / (self.c * (1.0 - self.c))

    @property
    def _cutoff_coulomb(self) -> float:
        return self.cutoff_soc * self.c * self.capacity_coulomb

    def initial_state(self, soc: float = 1.0) -> KiBaMState:
        """At rest (equal well heights) at state of charge ``soc`` (fraction; 1: fully charged)."""
        q = self.capacity_coulomb
        full = KiBaMState(self.c * q, (1.0 - self.c) * q)
        return full if soc == 1.0 else KiBaMState(full.y1_coulomb * soc, full.y2_coulomb * soc)

    def evolve(self, state: KiBaMState, current_a: float, t_s: float) -> KiBaMState:
        """Closed-form wells after ``t_s`` (s) at constant ``current_a`` (A), with no cut at an empty well."""
        c, kp = self.c, self.k_prime_per_s
        y1_0, y2_0 = state.y1_coulomb, state.y2_coulomb
        y0 = y1_0 + y2_0
        x = kp * t_s
        decay = math.exp(-x)
        filled = -math.expm1(-x)  # 1 - e^-x
        y1 = y1_0 * decay + (y0 * kp * c - current_a) * filled / kp
        y2 = y2_0 * decay + y0 * (1.0 - c) * filled
        if current_a != 0.0:  # the ramp term x - 1 + e^-x; skipped at zero current (0 * inf is nan at t = inf)
            ramp = _ramp(x)
            y1 -= current_a * c * ramp / kp
            y2 -= current_a * (1.0 - c) * ramp / kp
        return KiBaMState(y1, y2)

    def _first_time_y1_at(self, state: KiBaMState, current_a: float, level_coulomb: float) -> float:
        """First ``t > 0`` with ``y1(t) = level`` at constant current ``current_a > 0``, given ``y1(0) > level``.

        ``math.inf`` when the crossing lies beyond the largest double (a load too small to drain the battery
        within representable time, e.g. 1e-311 W).
        """
        c, kp = self.c, self.k_prime_per_s
        # Regrouping the closed form: y1(t) = c (y0 - I t) - I (1 - c) / k' + A e^{-k't},
        # A = y1,0 - c y0 + I (1 - c) / k'. So the crossing solves t = t_late + A e^{-k't} / (c I), with
        # t_late the crossing of the long-time line (the transient gone):
        y0 = state.y1_coulomb + state.y2_coulomb
        rate_a = c * current_a
        if rate_a == 0.0:
            return math.inf  # c I underflows: the load is below the smallest effect representable in time
        lag_coulomb = current_a * (1.0 - c) / kp
        t_late_s = (c * y0 - level_coulomb - lag_coulomb) / rate_a
        if t_late_s == math.inf:
            return math.inf  # beyond every double: the load is below the smallest effect representable in time
        if 0.0 < t_late_s < math.inf:
            amplitude = abs(state.y1_coulomb - c * y0 + lag_coulomb)
            # the transient moves the crossing by at most A e^{-k' t_late} / (c I) (while t >= t_late, and it is
            # below one ulp of t_late here); in logs, so that neither a tiny current nor a long time overflows
            if amplitude == 0.0 or (math.log(amplitude) - kp * t_late_s - math.log(c) - math.log(current_a)
                                    < math.log(t_late_s) - 40.0):
                return t_late_s
        # y1'(t) = a e^{-k't} - c I (a constant): y1 may first rise (the bound well refilling it) but then
        # falls monotonically, so from y1(0) > level there is exactly one crossing in [0, hi].
        # y2 >= 0 while y1 >= 0, so y1 <= y0 - I t: the level is reached by hi = (y0 - level) / I.
        hi = (y0 - level_coulomb) / current_a
        if not math.isfinite(hi):
            return math.inf

        def excess(t: float) -> float:
            return self.evolve(state, current_a, t).y1_coulomb - level_coulomb

        widen_s = 1e-12 * hi
        while excess(hi) > 0.0:  # only rounding can leave y1(hi) above the level
            hi += widen_s
            widen_s *= 2.0
            if not math.isfinite(hi):
                return math.inf
        xtol = 1e-12 * self.capacity_coulomb / current_a  # 1e-12 of a full drain at this current
        if not math.isfinite(xtol):
            xtol = 1e-12 * hi
        return bracketed_root(excess, 0.0, hi, xtol=xtol, maxiter=200)

    def step(self, state: KiBaMState, power_w: float, dt_s: float) -> KiBaMState:
        """State after drawing ``power_w`` (W) for ``dt_s`` (s), exact.

        If the available well runs dry inside the step, the load is cut at that instant and the wells relax
        at zero current for the rest of the step.
        """
        _check_draw(power_w, dt_s)
        current_a = power_w / self.nominal_voltage_v
        if current_a > 0.0:
            if state.y1_coulomb <= 0.0:
                current_a = 0.0  # nothing available: the load gets nothing
            else:
                end = self.evolve(state, current_a, dt_s)
                if end.y1_coulomb >= 0.0:
                    return end
                t_dry_s = min(self._first_time_y1_at(state, current_a, 0.0), dt_s)  # dry inside the step
                dry = self.evolve(state, current_a, t_dry_s)
                state = KiBaMState(0.0, dry.y2_coulomb)
                dt_s = max(dt_s - t_dry_s, 0.0)
                current_a = 0.0
        return self.evolve(state, current_a, dt_s)

    def soc(self, state: KiBaMState) -> float:
        """State of charge, total charge in both wells as a fraction of capacity."""
        return (state.y1_coulomb + state.y2_coulomb) / self.capacity_coulomb

    def available_soc(self, state: KiBaMState) -> float:
        """Height of the available well as a fraction of full, ``y1 / (c Q)``."""
        return state.y1_coulomb / (self.c * self.capacity_coulomb)

    def is_empty(self, state: KiBaMState) -> bool:
        """True once ``y1`` is at (or within 1e-9 Q of) the cut-off ``cutoff_soc * c * Q``."""
        return state.y1_coulomb <= self._cutoff_coulomb + _EMPTY_TOL * self.capacity_coulomb

    def time_to_cutoff_s(self, state: KiBaMState, power_w: float) -> float:
        """Time in s until ``y1`` falls to the cut-off at constant ``power_w`` (W), exact.

        0 when already empty; ``math.inf`` at zero power and at a load whose current underflows or whose
        cut-off lies beyond the largest double. Once the transient has decayed below one ulp the crossing is
        the closed form ``t = (c y0 - level - I (1 - c) / k') / (c I)``, which tends to the ideal battery's
        ``usable energy / P`` as ``P -> 0``; otherwise a checked-bracket Brent root of the closed form.
        """
        _check_draw(power_w)
        if self.is_empty(state):
            return 0.0
        current_a = power_w / self.nominal_voltage_v
        if current_a == 0.0:
            return math.inf  # zero power, or so little that the current underflows
        return self._first_time_y1_at(state, current_a, self._cutoff_coulomb)


BATTERY_MODELS: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "ideal": lambda f: IdealBattery(f["capacity_wh"], f["cutoff_soc"]),
    "peukert": lambda f: PeukertBattery(f["capacity_wh"], f["nominal_voltage_v"], f["peukert_exponent"], f["rated_hours"],
                                        f["cutoff_soc"]),
    "kibam": lambda f: KiBaMBattery(f["capacity_wh"], f["nominal_voltage_v"], f["kibam_c"], f["kibam_k_per_s"], f["cutoff_soc"]),
}
"""Battery models by the scenario's ``battery.model`` name, each built from the battery section's fields (a plain
mapping; units in the names). A new model: its class here (a :class:`BatteryBase` with ``initial_state``, ``soc``, ``step``,
``is_empty``, ``time_to_cutoff_s``) and one line in this table, plus its spec class in ``edgesim/spec/battery.py``.
(The Li-ion pack is built by the compile step, which reads its cell from the catalog.)"""


# ---------------------------------------------------------------------------------------------- Li-ion
LIION_STEP_S = 10.0
"""Longest span a :class:`LiIonSupply` buffers before integrating its pack at the span's mean power, s. Exact while
the power is constant over the span; otherwise the state at the span's end is that of the mean power (the same
charge and terminal energy; see ``docs/physics.md``)."""


@dataclass(frozen=True)
class LiIonSupplyState:
    """A Li-ion supply's state: the pack's (at the last integration), the terminal energy (J) and time (s) buffered
    since, and the heat (J) and open-circuit energy (J) of the pack so far."""

    pack: LiIonState
    pending_j: float = 0.0
    pending_s: float = 0.0
    heat_j: float = 0.0
    ocv_energy_j: float = 0.0


@dataclass(frozen=True)
class LiIonSupply(BatteryBase[LiIonSupplyState]):
    """A Li-ion pack as a :class:`BatteryModel`: steps are buffered and integrated once per ``step_s`` (or at
    :meth:`settle`) at their mean terminal power, one ODE solve instead of one per power change.

    Parameters
    ----------
    pack : LiIonPack
        The pack (its own ``dcdc_efficiency`` 1: the caller divides by the converter's efficiency).
    step_s : float
        Longest buffered span, s (> 0).
    """

    pack: LiIonPack
    step_s: float = LIION_STEP_S
    has_terminal_voltage = True
    cheap_cutoff = False  # a cut-off is an ODE solve

    @property
    def cutoff_replan_s(self) -> float:  # type: ignore[override]  # a property over BatteryBase's class default
        """A cut-off planned under a varying draw is re-planned at most every ``step_s``, s."""
        return self.step_s

    def initial_state(self, soc: float = 1.0) -> LiIonSupplyState:
        """At rest at state of charge ``soc``."""
        return LiIonSupplyState(self.pack.initial_state(soc))

    def step(self, state: LiIonSupplyState, power_w: float, dt_s: float) -> LiIonSupplyState:
        """Buffer ``dt_s`` (s) at terminal power ``power_w`` (W); integrate once the buffer spans ``step_s``."""
        new = LiIonSupplyState(state.pack, state.pending_j + power_w * dt_s, state.pending_s + dt_s, state.heat_j,
                               state.ocv_energy_j)
        return self.settle(new) if new.pending_s >= self.step_s else new

    def settle(self, state: LiIonSupplyState) -> LiIonSupplyState:
        """Integrate the buffered span at its mean terminal power."""
        if state.pending_s <= 0.0:
            return state
        step = self.pack.advance(state.pack, state.pending_s, load_power_w=state.pending_j / state.pending_s)
        return LiIonSupplyState(step.state, 0.0, 0.0, state.heat_j + step.heat_j, state.ocv_energy_j + step.ocv_energy_j)

    def soc(self, state: LiIonSupplyState) -> float:
        """State of charge at the last integration (fraction of the usable capacity)."""
        return state.pack.soc

    def is_empty(self, state: LiIonSupplyState) -> bool:
        """At ``soc = 0`` (the voltage cut-off depends on the load: :meth:`time_to_cutoff_s`)."""
        return state.pack.soc <= 0.0

    def time_to_cutoff_s(self, state: LiIonSupplyState, power_w: float) -> float:
        """Time, s, until the terminal voltage under ``power_w`` (W) reaches the cut-off (from the settled state)."""
        return self.pack.time_to_cutoff_s(self.settle(state).pack, power_w)

    def terminal_voltage_v(self, state: LiIonSupplyState, power_w: float) -> float:
        """Terminal voltage under ``power_w`` (W) at the last integration, V."""
        return self.pack.terminal_voltage_v(state.pack, power_w)

    def report(self, state: LiIonSupplyState, power_w: float) -> dict[str, Any]:
        """The pack's figures for the summary: voltage now and at cut-off, heat and open-circuit energy, its cells."""
        pack = self.pack
        return {"final_voltage_v": self.terminal_voltage_v(state, power_w), "cutoff_voltage_v": pack.cutoff_v,
                "battery_heat_j": state.heat_j, "battery_ocv_energy_j": state.ocv_energy_j,
                "battery_energy_wh_at_ocv": pack.energy_wh(), "battery_series": pack.series,
                "battery_parallel": pack.parallel, "battery_capacity_ah": pack.capacity_ah}
