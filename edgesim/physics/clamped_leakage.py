"""Linear leakage clamped at zero below its reference temperature, on a thermal RC network, solved exactly.

``P_leak(T) = b max(0, T - T_ref)`` per heat source. In each region (the fixed set of terms above their ``T_ref``)
the leakage folds into the conductance matrix of :class:`~edgesim.physics.thermal.ThermalNetwork` and the network
stays linear and exact; :class:`ClampedLeakageNetwork` finds the instants a term crosses its ``T_ref`` and steps
region by region. It meets the :class:`~edgesim.physics.thermal.ThermalSystem` protocol.

Pure Python/numpy; no SimPy. Temperatures in degC, power in W, time in s.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from edgesim.physics.thermal import ThermalNetwork, ThermalStep

__all__ = ["ClampedLeakageNetwork", "LeakyStep", "LinearLeakage"]


@dataclass(frozen=True)
class LinearLeakage:
    """Leakage of one heat source that rises linearly above a reference temperature, clamped at zero below it.

    ``P_leak(T) = b * max(0, T - T_ref)``: above ``T_ref`` the source's power rises by ``b`` per kelvin; below
    it the leakage term is zero, so the source draws its reference (measured) static power and never less.
    The unclamped linear form would go negative below ``T_ref`` (e.g. -0.9 W for b = 0.1 W/K at 16 degC
    against T_ref = 25 degC) and make a cold device cheaper than its measured idle power.

    Parameters
    ----------
    node : str
        Thermal node that the source heats.
    w_per_k : float
        Slope ``b`` above the reference temperature, W/K (>= 0).
    ref_temp_c : float
        Reference temperature ``T_ref`` of the source's static power, degC.
    """

    node: str
    w_per_k: float
    ref_temp_c: float = 25.0

    def __post_init__(self) -> None:
        if not (self.w_per_k >= 0.0 and math.isfinite(self.w_per_k)):
            raise ValueError(f"w_per_k: must be finite and >= 0, got {self.w_per_k!r}")
        if not math.isfinite(self.ref_temp_c):
            raise ValueError(f"ref_temp_c: must be finite, got {self.ref_temp_c!r}")

    def power_w(self, temp_c: float) -> float:
        """Leakage power at node temperature ``temp_c`` (degC), W: ``b max(0, T - T_ref)``."""
        return self.w_per_k * max(0.0, temp_c - self.ref_temp_c)


LeakyStep = ThermalStep
"""What :meth:`ClampedLeakageNetwork.advance` returns (a :class:`ThermalStep`; the name predates it)."""


# Crossing of T_ref is located this close (K, relative to 1 + |T_ref|) so that a term sitting at its
# reference temperature is not found "already crossed" at t = 0.
_REF_BAND = 1e-9


class ClampedLeakageNetwork:
    """Thermal network with clamped linear leakage ``b max(0, T - T_ref)``, solved exactly between switches.

    ``C dT/dt = -G (T - T_amb) + P + sum_k e_k b_k max(0, T_node(k) - T_ref,k)``.

    The right-hand side is continuous and piecewise linear: within a region where the set of terms above
    their reference temperature is fixed, it is the linear network of :class:`ThermalNetwork` with those
    terms folded in (``G - diag(b)`` and a constant ``b (T_amb - T_ref)`` added to ``P``), solved in closed
    form. :meth:`advance` finds the exact instant (``brentq`` on the closed form, to about 1e-9 K) at which
    a term crosses its ``T_ref`` and switches network there. The networks of the active sets are built on
    first use and cached (at most ``2^k`` for ``k`` terms; in practice two or three).

    Parameters
    ----------
    node_names, capacity_j_per_k, ambient_c, resistance_k_per_w, ambient_resistance_k_per_w
        As for :class:`ThermalNetwork`.
    leakage : sequence of LinearLeakage
        Leakage terms; several may heat the same node.

    Raises
    ------
    ValueError
        As :class:`ThermalNetwork`; and on thermal runaway with every term active (``G - diag(b)`` not
        positive definite), which is the worst case: any smaller active set is then stable too.
    """

    def __init__(
        self,
        node_names: Sequence[str],
        capacity_j_per_k: Sequence[float],
        ambient_c: float,
        resistance_k_per_w: Mapping[tuple[str, str], float] | None = None,
        ambient_resistance_k_per_w: Mapping[str, float] | None = None,
        leakage: Sequence[LinearLeakage] = (),
    ) -> None:
        self._args = (tuple(node_names), tuple(capacity_j_per_k), float(ambient_c),
                      dict(resistance_k_per_w or {}), dict(ambient_resistance_k_per_w or {}))
        self._base = ThermalNetwork(*self._args)
        self._terms = tuple(leakage)
        self._term_node = np.array([self._base.index(term.node) for term in self._terms], dtype=int)
        self._term_b = np.array([term.w_per_k for term in self._terms], dtype=float)
        self._term_ref_c = np.array([term.ref_temp_c for term in self._terms], dtype=float)
        self._cache: dict[tuple[bool, ...], ThermalNetwork] = {(False,) * len(self._terms): self._base}
        self._network(tuple(True for _ in self._terms))  # validates the worst case (runaway)

    @property
    def base(self) -> ThermalNetwork:
        """The network without leakage."""
        return self._base

    @property
    def leakage(self) -> tuple[LinearLeakage, ...]:
        """The leakage terms, in the order given."""
        return self._terms

    @property
    def node_names(self) -> tuple[str, ...]:
        return self._base.node_names

    @property
    def n_leakage_terms(self) -> int:
        return len(self._terms)

    def all_terms_network(self) -> ThermalNetwork:
        """The linear network with every term folded in (conductance ``G - diag(b)``; its constant part is the
        caller's: ``b (T_amb - L)`` for a chosen reference ``L``)."""
        return self._network(tuple(True for _ in self._terms))

    def region(self, temp_c: np.ndarray, power_w: np.ndarray) -> tuple[ThermalNetwork, np.ndarray]:
        """The region in force for the motion from ``temp_c`` under source powers ``power_w`` (W): its linear
        network (the active terms folded in) and node heat (``power_w`` plus the terms' constant ``b (T_amb -
        T_ref)``). It holds until :meth:`region_change_s`."""
        active = self._active(temp_c, power_w)
        return self._network(active), power_w + self._constant_w(active)

    def time_to_reach_s(self, temp_c: np.ndarray, power_w: np.ndarray, node: int, target_c: float,
                        horizon_s: float = math.inf, direction: Literal["up", "down"] = "up") -> float:
        """First time (s) ``node`` reaches ``target_c`` (degC) under the region in force now (exact until
        :meth:`region_change_s`; a caller watching both re-plans at the region change)."""
        net, p = self.region(temp_c, power_w)
        return net.time_to_reach_s(temp_c, p, node, target_c, horizon_s, direction)

    def region_change_s(self, temp_c: np.ndarray, power_w: np.ndarray, horizon_s: float, margin_k: float = 0.0) -> float:
        """Time (s) until a term crosses its reference temperature (the band ``1e-9 (1 + |T_ref|)`` K plus
        ``margin_k`` K short of it); ``math.inf`` when none does within ``horizon_s``."""
        active = self._active(temp_c, power_w)
        net = self._network(active)
        p = power_w + self._constant_w(active)
        first = math.inf
        for k, on in enumerate(active):
            ref = float(self._term_ref_c[k])
            band = _REF_BAND * (1.0 + abs(ref)) + margin_k
            target = ref - band if on else ref + band
            t = net.time_to_reach_s(temp_c, p, int(self._term_node[k]), target, horizon_s, "down" if on else "up")
            if t > 0.0:
                first = min(first, t)
        return first

    def _network(self, active: tuple[bool, ...]) -> ThermalNetwork:
        net = self._cache.get(active)
        if net is None:
            leak: dict[str, float] = {}
            for on, term in zip(active, self._terms):
                if on:
                    leak[term.node] = leak.get(term.node, 0.0) + term.w_per_k
            net = ThermalNetwork(*self._args, leakage_w_per_k=leak)
            self._cache[active] = net
        return net

    def _constant_w(self, active: tuple[bool, ...]) -> np.ndarray:
        """Constant part ``b (T_amb - T_ref)`` of the active terms, per node, W."""
        p = np.zeros(self._base.n_nodes)
        amb = self._base.ambient_c
        for k, on in enumerate(active):
            if on:
                p[self._term_node[k]] += self._term_b[k] * (amb - self._term_ref_c[k])
        return p

    def leakage_power_w(self, temp_c: np.ndarray | Sequence[float]) -> np.ndarray:
        """Leakage power of each term at node temperatures ``temp_c`` (degC), W."""
        t = np.asarray(temp_c, dtype=float)
        return self._term_b * np.maximum(0.0, t[self._term_node] - self._term_ref_c)

    def derivative_k_per_s(self, temp_c: np.ndarray | Sequence[float], power_w: np.ndarray | Sequence[float]
                           ) -> np.ndarray:
        """``dT/dt`` in K/s at ``temp_c`` under source powers ``power_w`` (leakage included)."""
        t = np.asarray(temp_c, dtype=float)
        heat_w = np.asarray(power_w, dtype=float).copy()
        np.add.at(heat_w, self._term_node, self.leakage_power_w(t))
        g = self._base.conductance_w_per_k
        return (heat_w - g @ (t - self._base.ambient_c)) / self._base.capacity_j_per_k

    def _active(self, temp_c: np.ndarray, power_w: np.ndarray) -> tuple[bool, ...]:
        """Which terms are in their linear region for the motion starting at ``temp_c``."""
        band = 2.0 * _REF_BAND * (1.0 + np.abs(self._term_ref_c))
        excess = temp_c[self._term_node] - self._term_ref_c
        slope = None
        active = []
        for k in range(len(self._terms)):
            if abs(excess[k]) > band[k]:
                active.append(bool(excess[k] > 0.0))
            else:  # at T_ref: leakage is ~0 either way, so the direction of motion decides
                if slope is None:
                    slope = self.derivative_k_per_s(temp_c, power_w)
                active.append(bool(slope[self._term_node[k]] > 0.0))
        return tuple(active)

    def advance(self, temp_c: np.ndarray | Sequence[float], power_w: np.ndarray | Sequence[float],
                dt_s: float) -> LeakyStep:
        """Temperatures, mean temperatures and leakage energy after ``dt_s`` at constant source powers (exact).

        Parameters
        ----------
        temp_c : array of float
            Node temperatures at the start, degC.
        power_w : array of float
            Heat of each node's sources without their leakage, W.
        dt_s : float
            Interval length, s (>= 0).
        """
        if not dt_s >= 0.0:
            raise ValueError(f"dt_s: must be >= 0, got {dt_s!r}")
        t = np.asarray(temp_c, dtype=float).copy()
        p = np.asarray(power_w, dtype=float)
        n = self._base.n_nodes
        if t.shape != (n,) or p.shape != (n,):
            raise ValueError(f"temp_c, power_w: expected shape ({n},), got {t.shape} and {p.shape}")
        area = np.zeros(n)
        energy_j = np.zeros(len(self._terms))
        left_s = float(dt_s)
        switches = 0
        while left_s > 0.0:
            active = self._active(t, p)
            net = self._network(active)
            p_eff = p + self._constant_w(active)
            span_s = left_s
            for k, on in enumerate(active):
                ref = self._term_ref_c[k]
                band = _REF_BAND * (1.0 + abs(ref))
                target = ref - band if on else ref + band
                hit = net.time_to_reach_s(t, p_eff, int(self._term_node[k]), target, horizon_s=span_s,
                                          direction="down" if on else "up")
                if hit > 0.0:  # 0: sitting on the target while moving away from it (decided by _active)
                    span_s = min(span_s, hit)
            mean_c = net.mean_temp_c(t, p_eff, span_s)
            for k, on in enumerate(active):
                if on:
                    energy_j[k] += self._term_b[k] * (mean_c[self._term_node[k]] - self._term_ref_c[k]) * span_s
            area += mean_c * span_s
            t = net.step(t, p_eff, span_s)
            left_s -= span_s
            if left_s > 0.0:
                switches += 1
                if switches > 10_000:  # pragma: no cover - a continuous RHS cannot chatter; guard only
                    raise RuntimeError("ClampedLeakageNetwork.advance: more than 10000 regime switches")
        mean = area / dt_s if dt_s > 0.0 else t.copy()
        return LeakyStep(temp_c=t, mean_temp_c=mean, leakage_energy_j=energy_j, switches=switches)

    def step(self, temp_c: np.ndarray | Sequence[float], power_w: np.ndarray | Sequence[float],
             dt_s: float) -> np.ndarray:
        """Node temperatures after ``dt_s`` (s) at constant source powers ``power_w`` (W), degC (exact)."""
        return self.advance(temp_c, power_w, dt_s).temp_c
