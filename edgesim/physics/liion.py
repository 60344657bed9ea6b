"""Li-ion cell and pack as a Thevenin equivalent circuit fed by a constant-POWER load.

The cell (Plett, *Battery Management Systems* vol. 1, ch. 2; PyBaMM's ``equivalent_circuit.Thevenin``)::

    V = OCV(z) - I R0 - sum_j V_j                 terminal voltage, V
    dz/dt   = -I / (3600 Q)                        state of charge z in [0, 1], Q in Ah
    dV_j/dt = -V_j / (R_j C_j) + I / C_j           one RC pair per diffusion/polarization time constant

with ``I > 0`` on discharge. A load drawing ``P_load`` through a DC-DC converter of efficiency ``eta`` takes
``P = P_load / eta`` from the terminals, and the current solves ``P = V I``, the smaller root of
``R0 I^2 - E I + P = 0`` with ``E = OCV(z) - sum_j V_j``::

    I = (E - sqrt(E^2 - 4 R0 P)) / (2 R0) = 2 P / (E + sqrt(E^2 - 4 R0 P))

(the second form has no cancellation at small ``R0 P``). Above ``P_max = E^2 / (4 R0)`` no current delivers
the power: the pack collapses, which ends the discharge like the voltage cut-off does.

Temperature (held constant over an interval, degC): ``R0`` and every ``R_j`` follow Arrhenius,
``R(T) = R_ref exp(Ea / R_gas (1/T - 1/T_ref))`` (``Ea = 0``: no dependence); the usable capacity is
``Q(T) = Q_ref f(T)`` with ``f`` a piecewise-linear table (default 1). ``C_j`` is scaled to keep each
``tau_j = R_j C_j`` fixed.

Pack of ``s`` cells in series and ``p`` in parallel (``s x p`` identical cells, balanced: every cell at the same
state): the ``p`` cells of a parallel group share the pack current equally, ``I_cell = I / p``, and the ``s``
groups in series add their voltages, so the pack is one Thevenin circuit with ``OCV x s``, ``R x s / p`` (``R0``
and every ``R_j``), ``C_j x p / s`` (``tau_j`` unchanged) and ``Q x p`` (Ah; energy ``x s x p``). The state is kept
at pack level (``soc`` is every cell's; the RC voltages are ``s x`` a cell's). The heat is
``I^2 R s / p = s p (I / p)^2 R`` in each resistor: ``s x p`` times a cell's. The cut-off applies per cell: the pack stops when
the terminal voltage reaches ``s x`` the cell's cut-off, i.e. when every (identical) cell reaches its own. So an
``s x p`` pack under ``P`` is, cell by cell, an ``s x 1`` pack under ``P / p``: same voltage and state of charge,
``p x`` the current and the heat.

Integration: no closed form exists for a nonlinear OCV at constant power, so every interval is integrated
with ``scipy.integrate.solve_ivp`` (DOP853, ``rtol`` 1e-10) with terminal events at the voltage cut-off, at
the power limit and at ``z = 0``; the event time is located by the solver's root finding on its dense output
(error well below 1e-6 of the discharge time). Short intervals (at most 1 % of the shortest RC time constant,
as between two inferences) take one RK4 step instead, accepted only if it agrees with an embedded Heun
estimate within the same tolerances and no event lies inside; otherwise ``solve_ivp`` runs. The integration carries the charge drawn, the energy taken
from the OCV source and the heat in each resistor, so energy conservation can be checked:
``int OCV I dt = int P dt + int I^2 R0 dt + sum_j (int V_j^2 / R_j dt + C_j (V_j(t)^2 - V_j(0)^2) / 2)``.

Pure numpy/scipy; no SimPy.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from edgesim.physics.liion_cell import LiIonCell, OcvCurve, RcPair, terminal_current_a

__all__ = [
    "OcvCurve",
    "RcPair",
    "LiIonCell",
    "LiIonPack",
    "LiIonState",
    "LiIonStep",
    "terminal_current_a",
]

_S_PER_H = 3600.0
EndReason = Literal["none", "cutoff_voltage", "power_limit", "empty"]


@dataclass(frozen=True)
class LiIonState:
    """State of a pack: state of charge ``soc`` (fraction) and the RC voltages ``rc_voltage_v`` (pack level, V)."""

    soc: float
    rc_voltage_v: tuple[float, ...] = ()


@dataclass(frozen=True)
class LiIonStep:
    """What happened over one interval of :meth:`LiIonPack.advance`.

    Attributes
    ----------
    state : LiIonState
        State at the end.
    elapsed_s : float
        Time simulated, s (the interval, or less if ``end`` stopped it with ``stop_at_end``).
    end : str
        ``"none"``, or why the load was cut: ``"cutoff_voltage"``, ``"power_limit"`` or ``"empty"``.
    end_time_s : float
        Time of that cut within the interval, s (``nan`` if none).
    charge_ah : float
        Charge drawn, Ah.
    delivered_j : float
        Energy at the pack terminals, J (``P x`` time under load).
    ocv_energy_j : float
        Energy taken from the open-circuit source, ``int OCV I dt``, J.
    heat_j : float
        Heat in ``R0`` and every ``R_j``, J.
    end_voltage_v : float
        Terminal voltage at the end under the load then applied (0 A after a cut), V.
    """

    state: LiIonState
    elapsed_s: float
    end: EndReason
    end_time_s: float
    charge_ah: float
    delivered_j: float
    ocv_energy_j: float
    heat_j: float
    end_voltage_v: float


@dataclass(frozen=True)
class LiIonPack:
    """``series`` x ``parallel`` identical cells behind a DC-DC converter, at temperature ``temp_c``.

    Parameters
    ----------
    cell : LiIonCell
        The cell.
    series, parallel : int
        Cells in series and cells in parallel (integers >= 1): ``series`` groups in series, each of ``parallel``
        cells in parallel sharing the current equally; ``series x parallel`` cells in all.
    dcdc_efficiency : float
        Converter efficiency in (0, 1]: the pack supplies ``P_load / eta``.
    temp_c : float
        Cell temperature, degC (constant; sets R and Q through the cell's tables).
    rtol : float
        Relative tolerance of ``solve_ivp``.
    """

    cell: LiIonCell
    series: int = 1
    parallel: int = 1
    dcdc_efficiency: float = 1.0
    temp_c: float = 25.0
    rtol: float = 1e-10
    _r_scale: float = field(init=False, repr=False, default=1.0)

    def __post_init__(self) -> None:
        for name in ("series", "parallel"):
            count = getattr(self, name)
            if isinstance(count, bool) or not isinstance(count, numbers.Integral) or count < 1:
                raise ValueError(f"{name}: must be an integer >= 1 (a count of cells), got {count!r}")
            object.__setattr__(self, name, int(count))
        if not 0.0 < self.dcdc_efficiency <= 1.0:
            raise ValueError(f"dcdc_efficiency: must be in (0, 1], got {self.dcdc_efficiency!r}")
        object.__setattr__(self, "_r_scale", self.series / self.parallel * self.cell.resistance_factor(self.temp_c))

    # ------------------------------------------------------------------ pack parameters
    @property
    def cell_count(self) -> int:
        """Number of cells, ``series x parallel``."""
        return self.series * self.parallel

    @property
    def configuration(self) -> str:
        """The usual label, e.g. ``"3s2p"``."""
        return f"{self.series}s{self.parallel}p"

    @property
    def capacity_ah(self) -> float:
        """Usable capacity at ``temp_c``, Ah."""
        return self.cell.capacity_ah * self.parallel * self.cell.capacity_fraction(self.temp_c)

    @property
    def r0_ohm(self) -> float:
        """Series resistance of the pack at ``temp_c``, Ohm."""
        return self.cell.r0_ohm * self._r_scale

    @property
    def rc_resistance_ohm(self) -> np.ndarray:
        """RC resistances of the pack at ``temp_c``, Ohm."""
        return np.array([rc.resistance_ohm for rc in self.cell.rc_pairs]) * self._r_scale

    @property
    def rc_tau_s(self) -> np.ndarray:
        """RC time constants, s (unchanged by pack size and temperature)."""
        return np.array([rc.tau_s for rc in self.cell.rc_pairs])

    @property
    def cutoff_v(self) -> float:
        """Pack cut-off voltage, V."""
        return self.cell.cutoff_v * self.series

    def ocv_v(self, soc: float) -> float:
        """Pack open-circuit voltage at ``soc``, V."""
        return self.cell.ocv.voltage_v(soc) * self.series

    def energy_wh(self) -> float:
        """Open-circuit energy from full to empty, ``Q int_0^1 OCV dz``, Wh (what an ideal battery would hold)."""
        soc = np.asarray(self.cell.ocv.soc)
        v = np.asarray(self.cell.ocv.ocv_v) * self.series
        inside = (soc >= 0.0) & (soc <= 1.0)
        return float(np.trapezoid(v[inside], soc[inside])) * self.capacity_ah

    def cell_energy_wh(self) -> float:
        """Open-circuit energy of one cell from full to empty, Wh (:meth:`energy_wh` over ``series x parallel``)."""
        return self.energy_wh() / self.cell_count

    # ------------------------------------------------------------------ state
    def initial_state(self, soc: float = 1.0) -> LiIonState:
        """At rest (RC voltages 0) at ``soc``."""
        if not 0.0 <= soc <= 1.0:
            raise ValueError(f"soc: must be in [0, 1], got {soc!r}")
        return LiIonState(float(soc), (0.0,) * len(self.cell.rc_pairs))

    def battery_power_w(self, load_power_w: float) -> float:
        """Power at the pack terminals, W, for ``load_power_w`` (W) behind the converter."""
        if not (load_power_w >= 0.0 and math.isfinite(load_power_w)):
            raise ValueError(f"load_power_w: must be finite and >= 0 (discharge only), got {load_power_w!r}")
        return load_power_w / self.dcdc_efficiency

    def current_a(self, state: LiIonState, load_power_w: float) -> float:
        """Pack current, A, under ``load_power_w`` (W); ``nan`` beyond the power limit."""
        emf_v = self.ocv_v(state.soc) - sum(state.rc_voltage_v)
        return terminal_current_a(emf_v, self.r0_ohm, self.battery_power_w(load_power_w))

    def terminal_voltage_v(self, state: LiIonState, load_power_w: float) -> float:
        """Terminal voltage under ``load_power_w`` (W), V; ``nan`` beyond the power limit."""
        i = self.current_a(state, load_power_w)
        return self.ocv_v(state.soc) - sum(state.rc_voltage_v) - i * self.r0_ohm

    def cell_current_a(self, state: LiIonState, load_power_w: float) -> float:
        """Current through each cell, A: the pack current shared by the ``parallel`` cells of a group."""
        return self.current_a(state, load_power_w) / self.parallel

    def cell_voltage_v(self, state: LiIonState, load_power_w: float) -> float:
        """Terminal voltage of each cell under ``load_power_w`` (W), V: the pack's over ``series``."""
        return self.terminal_voltage_v(state, load_power_w) / self.series

    def max_load_power_w(self, state: LiIonState) -> float:
        """Largest load power the pack can deliver now, ``eta E^2 / (4 R0)``, W (inf if ``R0 = 0``)."""
        emf_v = self.ocv_v(state.soc) - sum(state.rc_voltage_v)
        return math.inf if self.r0_ohm == 0.0 else self.dcdc_efficiency * emf_v * emf_v / (4.0 * self.r0_ohm)

    def is_empty(self, state: LiIonState, load_power_w: float) -> bool:
        """True at (or within 1e-9 V of) the cut-off under ``load_power_w``, beyond the power limit, or at ``soc = 0``."""
        v = self.terminal_voltage_v(state, load_power_w)
        return state.soc <= 0.0 or not (v > self.cutoff_v + 1e-9)

    # ------------------------------------------------------------------ integration
    def advance(
        self,
        state: LiIonState,
        dt_s: float,
        *,
        load_power_w: float | None = None,
        current_a: float | None = None,
        stop_at_end: bool = False,
    ) -> LiIonStep:
        """Integrate over ``dt_s`` at constant load power (or constant current), cutting the load at the end.

        Parameters
        ----------
        state : LiIonState
            State at the start.
        dt_s : float
            Interval, s (>= 0; may be ``math.inf`` with ``stop_at_end``).
        load_power_w : float, optional
            Constant power of the load behind the converter, W.
        current_a : float, optional
            Constant pack current instead, A (>= 0); the converter is then bypassed.
        stop_at_end : bool
            Stop at the cut-off instead of relaxing at 0 A for the rest of the interval.

        Returns
        -------
        LiIonStep
            End state, the cut-off instant if one was reached, and the energy accounts.
        """
        if (load_power_w is None) == (current_a is None):
            raise ValueError("advance: give exactly one of load_power_w or current_a")
        if not dt_s >= 0.0 or (math.isinf(dt_s) and not stop_at_end):
            raise ValueError(f"dt_s: must be >= 0 (inf only with stop_at_end), got {dt_s!r}")
        power_w = self.battery_power_w(load_power_w) if load_power_w is not None else math.nan
        fixed_a = float(current_a) if current_a is not None else math.nan
        if current_a is not None and not (fixed_a >= 0.0 and math.isfinite(fixed_a)):
            raise ValueError(f"current_a: must be finite and >= 0, got {current_a!r}")
        n_rc = len(self.cell.rc_pairs)
        r_rc = self.rc_resistance_ohm
        c_rc = self.rc_tau_s / r_rc if n_rc else np.zeros(0)
        r0 = self.r0_ohm
        q_c = self.capacity_ah * _S_PER_H
        y0 = np.concatenate(([state.soc], np.asarray(state.rc_voltage_v, dtype=float), np.zeros(4)))
        by_power = current_a is None

        def emf(y: np.ndarray) -> float:
            return self.ocv_v(y[0]) - float(y[1:1 + n_rc].sum())

        def current(y: np.ndarray) -> float:
            if not by_power:
                return fixed_a
            i = terminal_current_a(emf(y), r0, power_w)
            return 0.0 if math.isnan(i) else i  # beyond the limit: the power event stops the run

        def rhs(_t: float, y: np.ndarray) -> np.ndarray:
            i = current(y)
            v_rc = y[1:1 + n_rc]
            ocv = self.ocv_v(y[0])
            heat = i * i * r0 + float((v_rc * v_rc / r_rc).sum()) if n_rc else i * i * r0
            return np.concatenate(([-i / q_c], -v_rc / self.rc_tau_s + i / c_rc if n_rc else [],
                                   [i / _S_PER_H, ocv * i, heat, 0.0]))

        def cutoff_event(_t: float, y: np.ndarray) -> float:
            i = current(y)
            return emf(y) - i * r0 - self.cutoff_v

        def power_event(_t: float, y: np.ndarray) -> float:
            if not by_power or r0 == 0.0:
                return 1.0
            e = emf(y)
            return e * e - 4.0 * r0 * power_w

        def empty_event(_t: float, y: np.ndarray) -> float:
            return float(y[0])

        events = [cutoff_event, power_event, empty_event]
        for ev in events:
            ev.terminal = True  # type: ignore[attr-defined]
            ev.direction = -1.0  # type: ignore[attr-defined]
        reasons: tuple[EndReason, ...] = ("cutoff_voltage", "power_limit", "empty")

        loaded = by_power and power_w > 0.0 or (not by_power and fixed_a > 0.0)
        end: EndReason = "none"
        end_time = math.nan
        y = y0
        t_load = 0.0
        if loaded and (cutoff_event(0.0, y0) <= 0.0 or power_event(0.0, y0) < 0.0 or y0[0] <= 0.0):
            end, end_time = ("cutoff_voltage" if y0[0] > 0.0 else "empty"), 0.0
        elif loaded and dt_s > 0.0 and (fast := self._short_step(y0, dt_s, power_w, fixed_a)) is not None:
            y, t_load = fast, dt_s
        elif loaded and dt_s > 0.0:
            horizon = dt_s
            if math.isinf(horizon):  # the pack is empty by Q / I_min, I_min = P / OCV_max
                i_min = power_w / self.ocv_v(1.0) if by_power else fixed_a
                horizon = 2.0 * state.soc * q_c / i_min + 10.0 * float(self.rc_tau_s.max(initial=0.0)) + 1.0
            from scipy.integrate import solve_ivp  # noqa: PLC0415 (deferred: scipy.integrate adds ~0.3 s to start-up; docs/architecture.md)
            sol = solve_ivp(rhs, (0.0, horizon), y0, method="DOP853", rtol=self.rtol,
                            atol=self._atol(n_rc), events=events)
            y = sol.y[:, -1]
            t_load = float(sol.t[-1])
            for k, times in enumerate(sol.t_events):
                if len(times):
                    end, end_time = reasons[k], float(times[0])
                    y = sol.y_events[k][0]
                    t_load = end_time
                    break
        elif not loaded:
            t_load = dt_s
            y = y0.copy()
            if n_rc and dt_s > 0.0:
                y[1:1 + n_rc] = y0[1:1 + n_rc] * np.exp(-dt_s / self.rc_tau_s)
                # relaxation through R_j: the capacitor energy becomes heat
                y[-2] += 0.5 * float((c_rc * (y0[1:1 + n_rc] ** 2 - y[1:1 + n_rc] ** 2)).sum())
        delivered = (power_w if by_power else math.nan) * t_load if loaded else 0.0
        if loaded and not by_power:
            delivered = float(y[-3] - y[-2]) - 0.5 * float((c_rc * (y[1:1 + n_rc] ** 2 - y0[1:1 + n_rc] ** 2)).sum())
        elapsed = t_load
        after = LiIonState(float(max(y[0], 0.0)), tuple(float(v) for v in y[1:1 + n_rc]))
        heat = float(y[-2])
        if loaded and end != "none" and not stop_at_end and dt_s > t_load:
            rest = self.advance(after, dt_s - t_load, current_a=0.0)
            after, heat, elapsed = rest.state, heat + rest.heat_j, dt_s
        if loaded and end == "none":
            end_v = self.terminal_voltage_v(after, power_w * self.dcdc_efficiency) if by_power else (
                self.ocv_v(after.soc) - sum(after.rc_voltage_v) - fixed_a * r0)
        else:
            end_v = self.ocv_v(after.soc) - sum(after.rc_voltage_v)
        return LiIonStep(state=after, elapsed_s=elapsed, end=end, end_time_s=end_time,
                         charge_ah=float(y[-4]), delivered_j=float(delivered), ocv_energy_j=float(y[-3]),
                         heat_j=heat, end_voltage_v=float(end_v))

    def _short_step(self, y0: np.ndarray, dt_s: float, power_w: float, fixed_a: float) -> np.ndarray | None:
        """Classical RK4 over a short interval with step doubling, or ``None`` to fall back to ``solve_ivp``.

        Used when ``dt`` is at most 1 % of the shortest RC time constant and drains at most 1e-3 of the
        charge (as between two inferences). The two-half-steps result is accepted if its Richardson error
        estimate ``|y_2 - y_1| / 15`` is within ``atol + rtol x scale`` per component (scale: 1 for the state
        of charge, ``I R_j`` or the RC voltage for the RC pairs, the interval's increment for the accumulated
        charge, energy and heat) and the load stays above the cut-off and below the power limit at the end
        (else ``solve_ivp`` locates the event). Plain floats: about 20x cheaper than a ``solve_ivp`` call.
        """
        n_rc = len(self.cell.rc_pairs)
        taus = [rc.tau_s for rc in self.cell.rc_pairs]
        if not math.isfinite(dt_s) or (n_rc and dt_s > 0.01 * min(taus)):
            return None
        r0 = self.r0_ohm
        r_rc = [rc.resistance_ohm * self._r_scale for rc in self.cell.rc_pairs]
        c_rc = [t / r for t, r in zip(taus, r_rc)]
        q_c = self.capacity_ah * _S_PER_H
        series = self.series
        ocv = self.cell.ocv.voltage_v
        by_power = math.isnan(fixed_a)

        def rhs(y: list[float]) -> list[float] | None:
            v_oc = ocv(y[0]) * series
            if by_power:
                i = terminal_current_a(v_oc - sum(y[1:1 + n_rc]), r0, power_w)
                if i != i:  # nan: beyond the power limit
                    return None
            else:
                i = fixed_a
            out = [-i / q_c]
            heat = i * i * r0
            for j in range(n_rc):
                v = y[1 + j]
                out.append(-v / taus[j] + i / c_rc[j])
                heat += v * v / r_rc[j]
            out += [i / _S_PER_H, v_oc * i, heat, 0.0]
            return out

        def rk4(y: list[float], h: float) -> list[float] | None:
            a = rhs(y)
            b = rhs([u + 0.5 * h * k for u, k in zip(y, a)]) if a else None
            c = rhs([u + 0.5 * h * k for u, k in zip(y, b)]) if b else None
            d = rhs([u + h * k for u, k in zip(y, c)]) if c else None
            if not (a and b and c and d):
                return None
            return [u + h / 6.0 * (ka + 2.0 * kb + 2.0 * kc + kd) for u, ka, kb, kc, kd in zip(y, a, b, c, d)]

        start = [float(u) for u in y0]
        k1 = rhs(start)
        if k1 is None or dt_s * -k1[0] > 1e-3:
            return None
        full = rk4(start, dt_s)
        mid = rk4(start, 0.5 * dt_s)
        half = rk4(mid, 0.5 * dt_s) if mid else None
        if full is None or half is None:
            return None
        atol = self._atol(n_rc)
        current_a = k1[-4] * _S_PER_H
        for m, (a_val, b_val) in enumerate(zip(half, full)):
            if m == 0:
                scale = 1.0
            elif m <= n_rc:
                scale = max(abs(a_val), current_a * r_rc[m - 1])
            else:
                scale = abs(k1[m]) * dt_s
            if abs(a_val - b_val) / 15.0 > atol[m] + self.rtol * scale:
                return None
        end = np.array(half)
        i_end = fixed_a if not by_power else terminal_current_a(
            ocv(half[0]) * series - sum(half[1:1 + n_rc]), r0, power_w)
        if i_end != i_end or ocv(half[0]) * series - sum(half[1:1 + n_rc]) - i_end * r0 <= self.cutoff_v or half[0] <= 0.0:
            return None
        return end

    def _atol(self, n_rc: int) -> np.ndarray:
        # soc ~ 1, RC voltages ~ mV..V, charge ~ Ah, energies ~ J..MJ: absolute floors well below each scale.
        return np.concatenate(([1e-12], np.full(n_rc, 1e-12), [1e-12, 1e-6, 1e-6, 1.0]))

    def step(self, state: LiIonState, load_power_w: float, dt_s: float) -> LiIonState:
        """State after ``dt_s`` (s) at ``load_power_w`` (W); the load is cut at the cut-off, then the pack rests."""
        return self.advance(state, dt_s, load_power_w=load_power_w).state

    def time_to_cutoff_s(self, state: LiIonState, load_power_w: float) -> float:
        """Time, s, until the terminal voltage under ``load_power_w`` (W) reaches the cut-off (or the power
        limit, or ``soc = 0``); ``math.inf`` at zero load."""
        if self.battery_power_w(load_power_w) == 0.0:
            return math.inf
        run = self.advance(state, math.inf, load_power_w=load_power_w, stop_at_end=True)
        return run.end_time_s if run.end != "none" else math.inf

    def soc(self, state: LiIonState) -> float:
        """State of charge, fraction of the usable capacity at ``temp_c``."""
        return state.soc

