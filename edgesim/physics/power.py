"""Electrical power of a compute unit: utilization, DVFS state and temperature.

The model is the usual CMOS split into a static (leakage) part and a dynamic (switching) part::

    P(u, s, T) = P_static(T) + P_dyn(s) * g(u)

    P_static(T) = P_static,ref * exp(alpha * (T - T_ref))          exponential leakage
    P_dyn(s)    = P_dyn,ref * (f_s * V_s**2) / (f_ref * V_ref**2)   switching power ~ f V^2
    g(u)        = u  or  u**gamma                                   utilization curve

A DVFS state may instead carry a measured maximum power (e.g. a Jetson ``nvpmodel`` mode budget); then
``P_dyn(s) = P_s,measured - P_static,ref`` so that ``P(1, s, T_ref)`` equals the measured value exactly.

Service time in a state scales with ``1 / speed_factor(s)`` where ``speed_factor(s) = f_s / f_ref``.

Pure Python; no SimPy. All quantities SI (W, Hz, V, degC).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from edgesim.physics.numerics import exp_or_inf

__all__ = ["UtilizationCurve", "DvfsState", "PowerModel", "unit_power_w"]


def _finite(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name}: must be finite, got {value!r}")
    return value


@dataclass(frozen=True)
class UtilizationCurve:
    """Fraction of full dynamic power drawn at utilization ``u``.

    Parameters
    ----------
    kind : {"linear", "power_law"}
        ``"linear"``: ``g(u) = u``. ``"power_law"``: ``g(u) = u ** exponent``.
    exponent : float
        Exponent of the power law (dimensionless, > 0). Must be 1.0 for ``"linear"``.
    """

    kind: Literal["linear", "power_law"] = "linear"
    exponent: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in ("linear", "power_law"):
            raise ValueError(f"kind: must be 'linear' or 'power_law', got {self.kind!r}")
        exponent = _finite("exponent", self.exponent)
        if exponent <= 0.0:
            raise ValueError(f"exponent: must be > 0, got {exponent!r}")
        if self.kind == "linear" and exponent != 1.0:
            raise ValueError(f"exponent: must be 1.0 for kind 'linear' (use 'power_law'), got {exponent!r}")

    def fraction(self, utilization: float) -> float:
        """Fraction ``g(u)`` in [0, 1] of the full-utilization dynamic power.

        Parameters
        ----------
        utilization : float
            Busy fraction ``u`` of the unit, in [0, 1] (dimensionless).
        """
        u = float(utilization)
        if not 0.0 <= u <= 1.0:  # also rejects NaN
            raise ValueError(f"utilization: must be in [0, 1], got {utilization!r}")
        return u if self.kind == "linear" else u**self.exponent


@dataclass(frozen=True)
class DvfsState:
    """One dynamic voltage and frequency scaling operating point.

    Parameters
    ----------
    name : str
        Name of the state, e.g. ``"MAXN"`` or ``"15W"``.
    frequency_hz : float
        Clock frequency in Hz (> 0).
    voltage_v : float or None
        Supply voltage in V (> 0). Give it for every state of a model or for none (then voltage is constant
        and dynamic power scales with frequency alone).
    power_w : float or None
        Measured total power at full utilization in this state, at the model's reference temperature, in W.
        Overrides the ``f V^2`` scaling for this state.
    """

    name: str
    frequency_hz: float
    voltage_v: float | None = None
    power_w: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name: must be a non-empty string, got {self.name!r}")
        if _finite("frequency_hz", self.frequency_hz) <= 0.0:
            raise ValueError(f"frequency_hz: must be > 0 (state {self.name!r}), got {self.frequency_hz!r}")
        if self.voltage_v is not None and _finite("voltage_v", self.voltage_v) <= 0.0:
            raise ValueError(f"voltage_v: must be > 0 (state {self.name!r}), got {self.voltage_v!r}")
        if self.power_w is not None and _finite("power_w", self.power_w) < 0.0:
            raise ValueError(f"power_w: must be >= 0 (state {self.name!r}), got {self.power_w!r}")

    @property
    def switching_factor_hz_v2(self) -> float:
        """``f * V**2`` in Hz V^2 (``f`` alone when no voltage is given)."""
        v = 1.0 if self.voltage_v is None else self.voltage_v
        return self.frequency_hz * v * v


@dataclass(frozen=True)
class PowerModel:
    """Power drawn by a compute unit as a function of utilization, DVFS state and temperature.

    Parameters
    ----------
    static_power_w : float
        Static (idle, leakage) power at ``leakage_ref_temp_c`` in W (>= 0).
    dynamic_power_w : float
        Dynamic power at full utilization in the reference DVFS state, in W (>= 0).
    curve : UtilizationCurve
        How dynamic power grows with utilization.
    states : tuple of DvfsState
        DVFS operating points; empty means a single fixed state.
    reference_state : str or None
        Name of the state in which ``dynamic_power_w`` was measured and whose frequency gives
        ``speed_factor == 1``. ``None`` picks the highest-frequency state.
    leakage_coeff_per_k : float
        ``alpha`` of the exponential leakage model ``P_static(T) = static_power_w * exp(alpha (T - T_ref))``,
        in 1/K (>= 0). 0 disables the temperature dependence. A linearized leakage model is not provided.
    leakage_ref_temp_c : float
        ``T_ref`` of the leakage model in degC.
    """

    static_power_w: float
    dynamic_power_w: float
    curve: UtilizationCurve = field(default_factory=UtilizationCurve)
    states: tuple[DvfsState, ...] = ()
    reference_state: str | None = None
    leakage_coeff_per_k: float = 0.0
    leakage_ref_temp_c: float = 25.0
    _by_name: dict[str, DvfsState] = field(init=False, repr=False, compare=False, hash=False)
    _ref: DvfsState | None = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if _finite("static_power_w", self.static_power_w) < 0.0:
            raise ValueError(f"static_power_w: must be >= 0, got {self.static_power_w!r}")
        if _finite("dynamic_power_w", self.dynamic_power_w) < 0.0:
            raise ValueError(f"dynamic_power_w: must be >= 0, got {self.dynamic_power_w!r}")
        if not isinstance(self.curve, UtilizationCurve):
            raise ValueError(f"curve: must be a UtilizationCurve, got {type(self.curve).__name__}")
        if _finite("leakage_coeff_per_k", self.leakage_coeff_per_k) < 0.0:
            raise ValueError(f"leakage_coeff_per_k: must be >= 0, got {self.leakage_coeff_per_k!r}")
        _finite("leakage_ref_temp_c", self.leakage_ref_temp_c)

        states = tuple(self.states)
        object.__setattr__(self, "states", states)
        by_name: dict[str, DvfsState] = {}
        for s in states:
            if not isinstance(s, DvfsState):
                raise ValueError(f"states: every entry must be a DvfsState, got {type(s).__name__}")
            if s.name in by_name:
                raise ValueError(f"states: duplicate state name {s.name!r}")
            by_name[s.name] = s
            if s.power_w is not None and s.power_w < self.static_power_w:
                raise ValueError(
                    f"states[{s.name!r}].power_w: measured power {s.power_w!r} W is below "
                    f"static_power_w {self.static_power_w!r} W"
                )
        # f V^2 needs V on both sides of the ratio: all states carry a voltage or none does.
        with_v = {s.voltage_v is not None for s in states}
        if len(with_v) > 1:
            raise ValueError("states: voltage_v must be given for every state or for none")

        if not states:
            if self.reference_state is not None:
                raise ValueError(f"reference_state: {self.reference_state!r} given but states is empty")
            ref = None
        elif self.reference_state is None:
            ref = max(states, key=lambda s: s.frequency_hz)
        elif self.reference_state in by_name:
            ref = by_name[self.reference_state]
        else:
            raise ValueError(
                f"reference_state: {self.reference_state!r} is not one of the states {sorted(by_name)}"
            )
        object.__setattr__(self, "_by_name", by_name)
        object.__setattr__(self, "_ref", ref)

    def _state(self, state: str | DvfsState | None) -> DvfsState | None:
        if state is None:
            return self._ref
        name = state.name if isinstance(state, DvfsState) else state
        try:
            found = self._by_name[name]
        except KeyError:
            raise ValueError(f"state: unknown DVFS state {name!r}; known: {sorted(self._by_name)}") from None
        if isinstance(state, DvfsState) and state != found:
            raise ValueError(f"state: {state!r} differs from the model's state of the same name")
        return found

    def static_power_at_temp_w(self, temp_c: float | None = None) -> float:
        """Static power in W at temperature ``temp_c`` in degC (reference temperature when ``None``).

        Exponential leakage: ``static_power_w * exp(leakage_coeff_per_k * (temp_c - leakage_ref_temp_c))``.
        """
        if temp_c is None or self.leakage_coeff_per_k == 0.0:
            return self.static_power_w
        return self.static_power_w * exp_or_inf(self.leakage_coeff_per_k * (temp_c - self.leakage_ref_temp_c))

    def dynamic_full_power_w(self, state: str | DvfsState | None = None) -> float:
        """Dynamic power in W at full utilization in ``state`` (reference state when ``None``)."""
        s = self._state(state)
        if s is None:
            return self.dynamic_power_w
        if s.power_w is not None:
            # Measured mode power is total power at u = 1 and T_ref.
            return s.power_w - self.static_power_w
        assert self._ref is not None
        return self.dynamic_power_w * s.switching_factor_hz_v2 / self._ref.switching_factor_hz_v2

    def power_w(
        self, utilization: float, state: str | DvfsState | None = None, temp_c: float | None = None
    ) -> float:
        """Total electrical power in W.

        Parameters
        ----------
        utilization : float
            Busy fraction in [0, 1] (dimensionless).
        state : str or DvfsState or None
            DVFS state (by name or object); ``None`` is the reference state.
        temp_c : float or None
            Die temperature in degC for the leakage term; ``None`` means the leakage reference temperature.

        Returns
        -------
        float
            ``P_static(T) + P_dyn(state) * curve.fraction(utilization)`` in W.
        """
        return self.static_power_at_temp_w(temp_c) + self.dynamic_full_power_w(state) * self.curve.fraction(
            utilization
        )

    def speed_factor(self, state: str | DvfsState | None = None) -> float:
        """Speed relative to the reference state, ``f_state / f_ref`` (dimensionless).

        A job's service time in ``state`` is its reference service time divided by this factor.
        """
        s = self._state(state)
        if s is None:
            return 1.0
        assert self._ref is not None
        return s.frequency_hz / self._ref.frequency_hz


def unit_power_w(static_w: float, dyn_scale: float, running_dyn_w_sum: float, n_busy: int, servers: int,
                 curve: UtilizationCurve) -> float:
    """Electrical power of a unit with ``servers`` parallel slots while ``n_busy`` jobs run, in W.

    Each running job ``j`` brings its own dynamic power at full speed ``P_dyn,j`` (a measured model may draw more or
    less than the unit's datasheet figure), so the law above reads, with ``n = n_busy`` and ``N = servers``::

        P = P_static + s * (sum_j P_dyn,j / n) * g(n / N)

    the mean dynamic power of the running jobs at utilization ``u = n / N``, scaled by the DVFS state's ``s``
    (:meth:`PowerModel.dynamic_full_power_w` relative to the reference state). For the linear curve this is
    ``P_static + s * sum_j P_dyn,j / N``: each job adds ``s * P_dyn,j / N``, and that is how it is computed.
    With one server (``n`` is 0 or 1) every curve gives ``P_static + s * P_dyn,j``.

    Parameters
    ----------
    static_w : float
        Static power ``P_static`` in W (the unit's idle power, at the leakage reference temperature).
    dyn_scale : float
        ``s``: dynamic power in the current DVFS state over that in the reference state (dimensionless).
    running_dyn_w_sum : float
        ``sum_j P_dyn,j`` over the running jobs, W.
    n_busy : int
        Jobs running (a batch counts one), 0 to ``servers``.
    servers : int
        Parallel job slots of the unit (>= 1).
    curve : UtilizationCurve
        The unit's utilization curve ``g``.

    Returns
    -------
    float
        ``P`` in W; ``static_w`` when nothing runs.
    """
    if n_busy == 0:
        return static_w
    if curve.kind == "linear":
        return static_w + dyn_scale * running_dyn_w_sum / servers
    return static_w + dyn_scale * (running_dyn_w_sum / n_busy) * curve.fraction(n_busy / servers)
