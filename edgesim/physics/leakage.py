"""Exponential leakage on one thermal RC node: bounded-error steps, fixed points and thermal runaway.

The node (junction to ambient through ``R``, heat capacity ``C``) dissipates a constant power ``P`` plus
leakage that grows exponentially with temperature::

    C dT/dt = f(T) = P + P0 exp(k (T - T_ref)) - (T - T_amb) / R

``f`` is convex in ``T``, so it has two, one or no zeros:

* fixed points: with ``a = R P0 exp(k (T_amb + P R - T_ref))`` and Lambert's ``W``,
  ``T = T_amb + P R - W(-k a) / k``; the principal branch ``W_0`` gives the stable point, ``W_-1`` the
  unstable one above it. They exist while ``k a <= 1/e``.
* thermal runaway: ``k a > 1/e`` (no fixed point); the temperature rises without bound (in finite time).
  Equivalently ``P > P_crit = (ln(1 / (e R P0 k)) / k - T_amb + T_ref) / R`` (:meth:`critical_power_w`).
  Above the unstable point the node also runs away.

Integration with a rigorous error bound (:meth:`ExpLeakageNode.advance`): by convexity the tangent of
``f`` at ``T0`` lies below ``f`` everywhere and the chord over the range the node sweeps lies above ``f``
on that range. Each replaces the ODE by a linear one, solved exactly, and by the comparison theorem for
scalar ODEs the true temperature lies between the two solutions. The interval is halved until the two
bounds are within ``2 x tol_k``; the result is their midpoint, so ``|error| <= tol_k`` (K). Chaining
intervals keeps the bracket (a scalar flow preserves order). The leakage energy follows from the energy
balance ``E_leak = C (T1 - T0) + int (T - T_amb) / R dt - P dt`` with the bracketed mean temperature.

:meth:`ExpLeakageNode.time_to_reach_s` is ``C int_{T0}^{T*} dT / f(T)`` by adaptive quadrature (the
integrand is finite between ``T0`` and a target short of the next fixed point).

Pure numpy/scipy; no SimPy.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from edgesim.physics.numerics import exp_or_inf
from edgesim.physics.thermal import ThermalNetwork, ThermalStep

__all__ = ["ExpLeakageNode", "ExpLeakageSystem", "FixedPoints", "LeakageStep"]


def _phi1(x: float) -> float:
    """``(e^x - 1) / x`` with its limit 1 at 0."""
    if abs(x) < 1e-5:
        return 1.0 + x / 2.0 + x * x / 6.0
    if x > 700.0:
        return math.inf
    return math.expm1(x) / x


def _phi2(x: float) -> float:
    """``(e^x - 1 - x) / x^2`` with its limit 1/2 at 0."""
    if abs(x) < 1e-3:
        return 0.5 + x / 6.0 + x * x / 24.0 + x ** 3 / 120.0
    if x > 700.0:
        return math.inf
    return (math.expm1(x) - x) / (x * x)


@dataclass(frozen=True)
class FixedPoints:
    """Equilibria at one power: ``stable_c`` (attracting) and ``unstable_c`` (repelling), degC."""

    stable_c: float
    unstable_c: float


@dataclass(frozen=True)
class LeakageStep:
    """Result of :meth:`ExpLeakageNode.advance`.

    Attributes
    ----------
    temp_c : float
        Temperature at the end, degC (``inf`` if the node ran away within the interval).
    error_bound_k : float
        Half the width of the rigorous bracket around ``temp_c``, K.
    mean_temp_c : float
        Mean temperature over the interval, degC.
    leakage_energy_j : float
        Leakage energy over the interval, J (from the energy balance).
    substeps : int
        Number of linearized sub-intervals used.
    """

    temp_c: float
    error_bound_k: float
    mean_temp_c: float
    leakage_energy_j: float
    substeps: int


@dataclass(frozen=True)
class ExpLeakageNode:
    """One RC node with exponential leakage ``P0 exp(k (T - T_ref))`` (see the module docstring).

    Parameters
    ----------
    resistance_k_per_w : float
        Node to ambient, K/W (> 0).
    capacity_j_per_k : float
        Heat capacity, J/K (> 0).
    ambient_c : float
        Ambient temperature, degC.
    leakage_ref_w : float
        Leakage power ``P0`` at ``leakage_ref_temp_c``, W (>= 0).
    leakage_coeff_per_k : float
        ``k``, 1/K (>= 0). Leakage doubles every ``ln 2 / k`` kelvin.
    leakage_ref_temp_c : float
        ``T_ref``, degC.
    """

    resistance_k_per_w: float
    capacity_j_per_k: float
    ambient_c: float
    leakage_ref_w: float
    leakage_coeff_per_k: float
    leakage_ref_temp_c: float = 25.0

    def __post_init__(self) -> None:
        for name in ("resistance_k_per_w", "capacity_j_per_k"):
            v = getattr(self, name)
            if not (v > 0.0 and math.isfinite(v)):
                raise ValueError(f"{name}: must be finite and > 0, got {v!r}")
        for name in ("leakage_ref_w", "leakage_coeff_per_k"):
            v = getattr(self, name)
            if not (v >= 0.0 and math.isfinite(v)):
                raise ValueError(f"{name}: must be finite and >= 0, got {v!r}")

    # ------------------------------------------------------------------ the right-hand side
    def leakage_power_w(self, temp_c: float) -> float:
        """``P0 exp(k (T - T_ref))``, W."""
        # inf (not OverflowError) far above T_ref: a runaway temperature, which the callers test for
        return self.leakage_ref_w * exp_or_inf(self.leakage_coeff_per_k * (temp_c - self.leakage_ref_temp_c))

    def net_heat_w(self, temp_c: float, power_w: float) -> float:
        """``f(T) = P + leakage(T) - (T - T_amb) / R``, W (``C dT/dt``)."""
        return power_w + self.leakage_power_w(temp_c) - (temp_c - self.ambient_c) / self.resistance_k_per_w

    def _slope_w_per_k(self, temp_c: float) -> float:
        return self.leakage_coeff_per_k * self.leakage_power_w(temp_c) - 1.0 / self.resistance_k_per_w

    # ------------------------------------------------------------------ equilibria
    def fixed_points(self, power_w: float) -> FixedPoints | None:
        """Equilibria at constant ``power_w`` (W), or ``None`` in thermal runaway (no equilibrium)."""
        r, k = self.resistance_k_per_w, self.leakage_coeff_per_k
        base_c = self.ambient_c + power_w * r
        if k == 0.0 or self.leakage_ref_w == 0.0:
            return FixedPoints(base_c + self.leakage_ref_w * r, math.inf)
        a = r * self.leakage_ref_w * exp_or_inf(k * (base_c - self.leakage_ref_temp_c))
        z = -k * a
        if z < -1.0 / math.e:
            return None  # (also a = inf: a power so large that the leakage at T_amb + P R overflows)
        from scipy.special import lambertw  # noqa: PLC0415 (deferred: scipy.special adds ~0.3 s to start-up; docs/architecture.md)
        stable = base_c - float(lambertw(z, 0).real) / k
        unstable = base_c - float(lambertw(z, -1).real) / k
        return FixedPoints(stable, unstable)

    def is_runaway(self, power_w: float, temp_c: float | None = None) -> bool:
        """True if no equilibrium exists at ``power_w`` (W), or ``temp_c`` (degC) lies above the unstable one."""
        fp = self.fixed_points(power_w)
        if fp is None:
            return True
        return temp_c is not None and temp_c > fp.unstable_c

    def critical_power_w(self) -> float:
        """Largest constant power with an equilibrium, W: ``(ln(1/(e R P0 k)) / k - T_amb + T_ref) / R``."""
        r, k, p0 = self.resistance_k_per_w, self.leakage_coeff_per_k, self.leakage_ref_w
        if k == 0.0 or p0 == 0.0:
            return math.inf
        product = math.e * r * p0 * k
        if 0.0 < product < math.inf:
            log_inverse = math.log(1.0 / product)
        else:  # the product under- or overflows a double: the same logarithm as a sum
            log_inverse = -(1.0 + math.log(r) + math.log(p0) + math.log(k))
        return (log_inverse / k - self.ambient_c + self.leakage_ref_temp_c) / r

    # ------------------------------------------------------------------ linear comparison solutions
    def _linear_end_and_mean(self, temp0_c: float, heat0_w: float, slope_w_per_k: float, dt_s: float
                             ) -> tuple[float, float]:
        """End and mean of ``C dT/dt = heat0 + slope (T - T0)`` over ``dt`` (exact)."""
        x = slope_w_per_k * dt_s / self.capacity_j_per_k
        drift_k = heat0_w * dt_s / self.capacity_j_per_k
        return temp0_c + drift_k * _phi1(x), temp0_c + drift_k * _phi2(x)

    def _bounds(self, lo_c: float, hi_c: float, power_w: float, dt_s: float
                ) -> tuple[float, float, float, float] | None:
        """Lower (tangent at ``lo``) and upper (chord from ``hi``) end and mean temperatures, or ``None``
        if the chord cannot be closed (the node runs away faster than the bound converges)."""
        f_lo = self.net_heat_w(lo_c, power_w)
        lo_end, lo_mean = self._linear_end_and_mean(lo_c, f_lo, self._slope_w_per_k(lo_c), dt_s)
        f_hi = self.net_heat_w(hi_c, power_w)
        # Chord of f over [min(hi, lo_end) , max(hi, lo_end)] anchored at hi; widen until it contains the
        # upper solution's path (monotone, so its end suffices).
        far_c = lo_end if abs(lo_end - hi_c) > 0.0 else hi_c + math.copysign(1e-9, f_hi if f_hi else 1.0)
        for _ in range(60):
            if far_c == hi_c:
                slope = self._slope_w_per_k(hi_c)
            else:
                slope = (self.net_heat_w(far_c, power_w) - f_hi) / (far_c - hi_c)
            hi_end, hi_mean = self._linear_end_and_mean(hi_c, f_hi, slope, dt_s)
            if not math.isfinite(hi_end):
                return None
            inside = (min(hi_c, far_c) - 1e-12 <= hi_end <= max(hi_c, far_c) + 1e-12)
            if inside:
                return lo_end, lo_mean, hi_end, hi_mean
            far_c = hi_end + (hi_end - hi_c) * 0.01
        return None

    def _bracket(self, temp_c: float, power_w: float, dt_s: float, budget_k: float
                 ) -> tuple[float, float, float, float, int] | None:
        """Chain of linear bounds over ``dt_s``: each substep may widen the bracket by at most
        ``2 budget_k h / dt``. Returns (lower end, upper end, lower area, upper area, substeps), or ``None``
        on runaway within the interval."""
        lo_c = hi_c = temp_c
        area_lo = area_hi = 0.0
        pending = [dt_s]
        substeps = 0
        while pending:
            h = pending.pop()
            if h == 0.0:
                continue
            b = self._bounds(lo_c, hi_c, power_w, h)
            if b is not None and (b[2] - b[0]) <= (hi_c - lo_c) + 2.0 * budget_k * h / dt_s:
                lo_c, hi_c = b[0], b[2]
                area_lo += b[1] * h
                area_hi += b[3] * h
                substeps += 1
                continue
            if h < 1e-12 * max(dt_s, 1.0) or substeps > 1_000_000:
                if self.is_runaway(power_w, hi_c):
                    return None
                raise RuntimeError("ExpLeakageNode.advance: the bracket does not converge")  # pragma: no cover
            pending.extend((h / 2.0, h / 2.0))
        return lo_c, hi_c, area_lo, area_hi, substeps

    def advance(self, temp_c: float, power_w: float, dt_s: float, tol_k: float = 1e-6) -> LeakageStep:
        """Temperature after ``dt_s`` at constant ``power_w``, within ``tol_k`` (K) of the exact solution.

        Parameters
        ----------
        temp_c : float
            Temperature at the start, degC.
        power_w : float
            Constant power besides the leakage, W.
        dt_s : float
            Interval, s (>= 0).
        tol_k : float
            Bound on the error of the returned temperature, K (> 0).
        """
        if not dt_s >= 0.0:
            raise ValueError(f"dt_s: must be >= 0, got {dt_s!r}")
        if not tol_k > 0.0:
            raise ValueError(f"tol_k: must be > 0, got {tol_k!r}")
        budget_k = tol_k
        for _ in range(8):
            result = self._bracket(float(temp_c), power_w, dt_s, budget_k)
            if result is None:
                return LeakageStep(math.inf, math.inf, math.inf, math.inf, 0)
            lo_c, hi_c, area_lo, area_hi, substeps = result
            if hi_c - lo_c <= 2.0 * tol_k:
                break
            budget_k /= 4.0  # widths were amplified (unstable region): spend less per substep
        else:  # pragma: no cover - amplification over one interval is bounded
            raise RuntimeError("ExpLeakageNode.advance: the bracket does not converge")
        end_c = 0.5 * (lo_c + hi_c)
        mean_c = 0.5 * (area_lo + area_hi) / dt_s if dt_s > 0.0 else end_c
        r = self.resistance_k_per_w
        leak_j = (self.capacity_j_per_k * (end_c - temp_c) + (mean_c - self.ambient_c) / r * dt_s
                  - power_w * dt_s)
        return LeakageStep(end_c, 0.5 * (hi_c - lo_c), mean_c, leak_j, substeps)

    # ------------------------------------------------------------------ crossings
    def time_to_reach_s(self, temp_c: float, power_w: float, target_c: float) -> float:
        """First time, s, at which the node reaches ``target_c`` (degC) at constant ``power_w`` (W).

        0 if already there; ``math.inf`` if the node moves away from it or settles at an equilibrium short
        of it. Otherwise ``C int dT / f(T)`` by adaptive quadrature (relative error ~1e-10).
        """
        if target_c == temp_c:
            return 0.0
        f0 = self.net_heat_w(temp_c, power_w)
        if f0 == 0.0 or (target_c - temp_c) * f0 < 0.0:
            return math.inf
        fp = self.fixed_points(power_w)
        if fp is not None:
            # Next equilibrium in the direction of travel stops the node short of it.
            if f0 > 0.0 and temp_c < fp.stable_c <= target_c:
                return math.inf
            if f0 < 0.0 and temp_c > fp.stable_c >= target_c:
                return math.inf
        from scipy.integrate import quad  # noqa: PLC0415 (deferred: scipy.integrate adds ~0.3 s to start-up; docs/architecture.md)
        t, _ = quad(lambda x: self.capacity_j_per_k / self.net_heat_w(x, power_w), temp_c, target_c,
                    epsabs=0.0, epsrel=1e-11, limit=200)
        return float(t)


@dataclass(frozen=True)
class ExpLeakageSystem:
    """An :class:`ExpLeakageNode` as a :class:`~edgesim.physics.thermal.ThermalSystem`: one node, one leakage term.

    Steps carry the node's rigorous 1e-6 K bound (:meth:`ExpLeakageNode.advance`); crossing times are its
    quadrature. There is no linear region (:meth:`region` is None): the exponential never folds into a network.

    Parameters
    ----------
    node : ExpLeakageNode
        The node and its leakage.
    node_name : str
        The thermal node's name.
    """

    node: ExpLeakageNode
    node_name: str
    n_leakage_terms = 1

    @property
    def node_names(self) -> tuple[str, ...]:
        return (self.node_name,)

    def advance(self, temp_c: np.ndarray, power_w: np.ndarray, dt_s: float) -> ThermalStep:
        """End and mean temperature and the leakage energy after ``dt_s`` (s) at constant ``power_w`` (W)."""
        step = self.node.advance(float(temp_c[0]), float(power_w[0]), dt_s)
        return ThermalStep(np.array([step.temp_c]), np.array([step.mean_temp_c]), np.array([step.leakage_energy_j]))

    def time_to_reach_s(self, temp_c: np.ndarray, power_w: np.ndarray, node: int, target_c: float,
                        horizon_s: float = math.inf, direction: Literal["up", "down"] = "up") -> float:
        """First time (s) the node reaches ``target_c`` (0 if it is there or past it in ``direction``; inf if
        not within ``horizon_s``)."""
        temp = float(temp_c[0])
        if (direction == "up" and temp >= target_c) or (direction == "down" and temp <= target_c):
            return 0.0
        t = self.node.time_to_reach_s(temp, float(power_w[0]), target_c)
        return t if t <= horizon_s else math.inf

    def region(self, temp_c: np.ndarray, power_w: np.ndarray) -> tuple[ThermalNetwork, np.ndarray] | None:
        """None: no linear region."""
        return None

    def region_change_s(self, temp_c: np.ndarray, power_w: np.ndarray, horizon_s: float, margin_k: float = 0.0) -> float:
        """``math.inf``: one smooth regime."""
        return math.inf

    def leakage_power_w(self, temp_c: np.ndarray) -> np.ndarray:
        """The one term's leakage at the node's temperature, W."""
        return np.array([self.node.leakage_power_w(float(temp_c[0]))])
