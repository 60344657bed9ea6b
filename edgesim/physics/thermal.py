"""Lumped thermal RC networks, solved exactly over an interval at constant power.

One node (junction to ambient through ``R``, heat capacity ``C``)::

    C dT/dt = P - (T - T_amb) / R
    T(t)    = T_amb + P R + (T0 - T_amb - P R) exp(-t / (R C))

Several nodes (junction, case, heatsink, ...) with heat capacities ``C = diag(C_i)`` and a conductance matrix
``G`` (node-to-node conductances as a weighted graph Laplacian plus node-to-ambient conductances on the
diagonal)::

    C dT/dt = -G (T - T_amb) + P

With ``theta = T - T_amb`` and ``x = C^(1/2) theta`` this becomes ``dx/dt = -S x + C^(-1/2) P`` with the
symmetric positive definite ``S = C^(-1/2) G C^(-1/2) = V diag(lambda) V^T``, so::

    theta(t) = theta_ss + C^(-1/2) V exp(-lambda t) V^T C^(1/2) (theta0 - theta_ss),   theta_ss = G^(-1) P

The eigen-decomposition is done once at construction; a step is then two small mat-vec products.
The time constants of the network are ``1 / lambda_i``.

Pure Python/numpy/scipy; no SimPy. Temperatures in degC, power in W, R in K/W, C in J/K, time in s.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Literal, NamedTuple, Protocol

import numpy as np

from edgesim.physics.numerics import bracketed_root
from edgesim.physics.rc import rc_step_temp_c, rc_time_to_reach_s

__all__ = [
    "rc_step_temp_c",
    "rc_time_to_reach_s",
    "ThermalStep",
    "ThermalSystem",
    "ThermalNetwork",
]


class ThermalStep(NamedTuple):
    """What one interval at constant source power did (:meth:`ThermalSystem.advance`).

    Attributes
    ----------
    temp_c : numpy.ndarray
        Node temperatures at the end, degC.
    mean_temp_c : numpy.ndarray
        Time-averaged node temperatures over the interval, degC.
    leakage_energy_j : numpy.ndarray
        Leakage energy of each leakage term of the system over the interval, J (empty without leakage).
    switches : int
        Number of times a leakage term changed region inside the interval (0 for a linear network).
    """

    temp_c: np.ndarray
    mean_temp_c: np.ndarray
    leakage_energy_j: np.ndarray
    switches: int = 0


_NO_TERMS = np.zeros(0)
_NO_TERMS.setflags(write=False)


class ThermalSystem(Protocol):
    """What the simulator needs of a thermal model: exact steps and exact crossing times at constant power.

    Met by :class:`ThermalNetwork` (linear), :class:`~edgesim.physics.clamped_leakage.ClampedLeakageNetwork` (clamped linear leakage) and
    :class:`edgesim.physics.leakage.ExpLeakageSystem` (exponential leakage on one node). ``power_w`` is always the
    heat of each node's sources *without* their leakage; a system adds its own leakage terms, in a fixed order
    (``n_leakage_terms``), and reports their energy.
    """

    @property
    def node_names(self) -> tuple[str, ...]: ...

    @property
    def n_leakage_terms(self) -> int: ...

    def advance(self, temp_c: np.ndarray, power_w: np.ndarray, dt_s: float) -> ThermalStep:
        """Temperatures, mean temperatures and leakage energy per term after ``dt_s`` (s) at constant ``power_w`` (W)."""
        ...

    def time_to_reach_s(self, temp_c: np.ndarray, power_w: np.ndarray, node: int, target_c: float,
                        horizon_s: float = math.inf, direction: Literal["up", "down"] = "up") -> float:
        """First time (s) ``node`` reaches ``target_c`` (degC) at constant ``power_w``, within the current region
        (see :meth:`region_change_s`); 0 if it already has, ``math.inf`` if not within ``horizon_s``."""
        ...

    def region(self, temp_c: np.ndarray, power_w: np.ndarray) -> tuple[ThermalNetwork, np.ndarray] | None:
        """The linear network and node heat (W) that hold from ``temp_c`` on until the region changes; None for
        a system with no linear region (exponential leakage)."""
        ...

    def region_change_s(self, temp_c: np.ndarray, power_w: np.ndarray, horizon_s: float, margin_k: float = 0.0) -> float:
        """Time (s) until the region in force changes (a leakage term crosses its reference temperature, located
        ``margin_k`` K early); ``math.inf`` when it never does."""
        ...

    def leakage_power_w(self, temp_c: np.ndarray) -> np.ndarray:
        """Leakage power of each term at node temperatures ``temp_c`` (degC), W."""
        ...


class ThermalNetwork:
    """Linear lumped thermal network ``C dT/dt = -G (T - T_amb) + P``, solved exactly.

    Parameters
    ----------
    node_names : sequence of str
        Names of the nodes, e.g. ``["junction", "case"]``; indices follow this order.
    capacity_j_per_k : sequence of float
        Heat capacity of each node, J/K (each > 0).
    ambient_c : float
        Ambient temperature, degC.
    resistance_k_per_w : mapping of (str, str) to float
        Thermal resistance between two nodes, K/W (> 0); each unordered pair at most once.
    ambient_resistance_k_per_w : mapping of str to float
        Thermal resistance from a node to ambient, K/W (> 0). Nodes without an entry have no direct path to
        ambient, but every node must reach ambient through the network.
    leakage_w_per_k : mapping of str to float, optional
        Linear temperature-dependent leakage ``b`` (W/K, >= 0) of the heat source on a node: its power rises by
        ``b`` per kelvin. It acts as a negative conductance, so the system stays linear and exact:
        ``C dT/dt = -(G - diag(b)) (T - T_amb) + P``, where ``P`` must then include ``b (T_amb - T_ref)``.
        If leakage outgrows the cooling (``G - diag(b)`` not positive definite) the node runs away thermally
        and a ValueError says so. This form is linear for every temperature, so below ``T_ref`` the leakage
        term is negative; :class:`~edgesim.physics.clamped_leakage.ClampedLeakageNetwork` clamps it at zero there and stays exact.

    Raises
    ------
    ValueError
        On a non-positive or non-finite R or C, an unknown or duplicate node, or a node with no path to
        ambient (its temperature would grow without bound).
    """

    def __init__(
        self,
        node_names: Sequence[str],
        capacity_j_per_k: Sequence[float],
        ambient_c: float,
        resistance_k_per_w: Mapping[tuple[str, str], float] | None = None,
        ambient_resistance_k_per_w: Mapping[str, float] | None = None,
        leakage_w_per_k: Mapping[str, float] | None = None,
    ) -> None:
        names = tuple(node_names)
        n = len(names)
        if n == 0:
            raise ValueError("node_names: at least one node is required")
        if len(set(names)) != n:
            raise ValueError(f"node_names: duplicate names in {names!r}")
        index = {name: i for i, name in enumerate(names)}
        cap = np.array(capacity_j_per_k, dtype=float)
        if cap.shape != (n,):
            raise ValueError(f"capacity_j_per_k: expected {n} values (one per node), got {cap.shape}")
        for name, c in zip(names, cap):
            if not (c > 0.0 and math.isfinite(c)):
                raise ValueError(f"capacity_j_per_k[{name!r}]: must be finite and > 0, got {c!r}")
        if not math.isfinite(ambient_c):
            raise ValueError(f"ambient_c: must be finite, got {ambient_c!r}")

        def _resistance(field: str, r: float) -> float:
            r = float(r)
            if not (r > 0.0 and math.isfinite(r)):
                raise ValueError(f"{field}: must be finite and > 0, got {r!r}")
            return r

        def _node(field: str, name: str) -> int:
            if name not in index:
                raise ValueError(f"{field}: unknown node {name!r}; nodes are {list(names)}")
            return index[name]

        g = np.zeros((n, n))
        neighbours: list[set[int]] = [set() for _ in range(n)]
        for (a, b), r in (resistance_k_per_w or {}).items():
            field = f"resistance_k_per_w[{a!r}, {b!r}]"
            i, j = _node(field, a), _node(field, b)
            if i == j:
                raise ValueError(f"{field}: a resistance must join two different nodes")
            if j in neighbours[i]:
                raise ValueError(f"{field}: pair given twice")
            conductance_w_per_k = 1.0 / _resistance(field, r)
            # Weighted graph Laplacian: heat flows from i to j at (T_i - T_j) / R.
            g[i, i] += conductance_w_per_k
            g[j, j] += conductance_w_per_k
            g[i, j] -= conductance_w_per_k
            g[j, i] -= conductance_w_per_k
            neighbours[i].add(j)
            neighbours[j].add(i)
        ambient_g = np.zeros(n)
        for a, r in (ambient_resistance_k_per_w or {}).items():
            field = f"ambient_resistance_k_per_w[{a!r}]"
            ambient_g[_node(field, a)] = 1.0 / _resistance(field, r)
        g += np.diag(ambient_g)
        leak = np.zeros(n)
        for a, b_w_per_k in (leakage_w_per_k or {}).items():
            field = f"leakage_w_per_k[{a!r}]"
            b_w_per_k = float(b_w_per_k)
            if not (b_w_per_k >= 0.0 and math.isfinite(b_w_per_k)):
                raise ValueError(f"{field}: must be finite and >= 0, got {b_w_per_k!r}")
            leak[_node(field, a)] += b_w_per_k
        g -= np.diag(leak)

        # Every node must drain to ambient, else G is singular and that island heats without bound.
        reached = {i for i in range(n) if ambient_g[i] > 0.0}
        frontier = list(reached)
        while frontier:
            for j in neighbours[frontier.pop()]:
                if j not in reached:
                    reached.add(j)
                    frontier.append(j)
        if len(reached) != n:
            stranded = [names[i] for i in range(n) if i not in reached]
            raise ValueError(f"ambient_resistance_k_per_w: nodes {stranded} have no thermal path to ambient")

        inv_sqrt_c = 1.0 / np.sqrt(cap)
        s = inv_sqrt_c[:, None] * g * inv_sqrt_c[None, :]  # C^-1/2 G C^-1/2, symmetric
        rates_per_s, v = np.linalg.eigh(s)
        if not np.all(rates_per_s > 0.0):
            if leak.any():
                raise ValueError("leakage_w_per_k: leakage grows faster with temperature than the network can shed "
                                 "heat (thermal runaway: G - diag(b) is not positive definite)")
            raise ValueError("ThermalNetwork: conductance matrix is not positive definite")  # pragma: no cover

        self._names = names
        self._index = index
        self._capacity_j_per_k = cap
        self._ambient_c = float(ambient_c)
        self._g_w_per_k = g
        self._ambient_g_w_per_k = ambient_g
        self._rates_per_s = rates_per_s
        self._to_temp = inv_sqrt_c[:, None] * v  # C^-1/2 V: modal amplitudes -> theta
        self._to_modes = v.T * np.sqrt(cap)[None, :]  # V^T C^1/2: theta -> modal amplitudes
        self._g_inv_k_per_w = np.linalg.inv(g)
        # Single node: keep R and C for the closed-form crossing time.
        self._single_rc = (1.0 / g[0, 0], float(cap[0])) if n == 1 else None

    @classmethod
    def single_node(
        cls, resistance_k_per_w: float, capacity_j_per_k: float, ambient_c: float, name: str = "junction"
    ) -> ThermalNetwork:
        """One node connected to ambient through ``resistance_k_per_w`` (K/W) with ``capacity_j_per_k`` (J/K)."""
        return cls([name], [capacity_j_per_k], ambient_c, ambient_resistance_k_per_w={name: resistance_k_per_w})

    # ----------------------------------------------------------------- properties
    @property
    def node_names(self) -> tuple[str, ...]:
        """Node names, in index order."""
        return self._names

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self._names)

    @property
    def ambient_c(self) -> float:
        """Ambient temperature, degC."""
        return self._ambient_c

    @property
    def capacity_j_per_k(self) -> np.ndarray:
        """Heat capacity of each node, J/K (copy)."""
        return self._capacity_j_per_k.copy()

    @property
    def conductance_w_per_k(self) -> np.ndarray:
        """Conductance matrix ``G`` in W/K (copy)."""
        return self._g_w_per_k.copy()

    @property
    def ambient_conductance_w_per_k(self) -> np.ndarray:
        """Conductance of each node's direct path to ambient, W/K (0 where none; copy)."""
        return self._ambient_g_w_per_k.copy()

    @property
    def time_constants_s(self) -> np.ndarray:
        """Time constants ``1 / lambda_i`` of the network's modes, s, longest first.

        ``eigh`` returns the rates ``lambda_i`` ascending, so their reciprocals are already descending.
        """
        return 1.0 / self._rates_per_s

    def index(self, node: int | str) -> int:
        """Index of ``node`` given by name or index."""
        if isinstance(node, str):
            try:
                return self._index[node]
            except KeyError:
                raise ValueError(f"node: unknown node {node!r}; nodes are {list(self._names)}") from None
        i = int(node)
        if not 0 <= i < len(self._names):
            raise ValueError(f"node: index {node!r} out of range for {len(self._names)} nodes")
        return i

    def ambient_temps_c(self) -> np.ndarray:
        """All nodes at ambient temperature, degC (the natural initial state)."""
        return np.full(len(self._names), self._ambient_c)

    def __repr__(self) -> str:
        taus = ", ".join(f"{t:.4g}" for t in self.time_constants_s)
        return f"ThermalNetwork(nodes={list(self._names)}, ambient_c={self._ambient_c}, time_constants_s=[{taus}])"

    # ----------------------------------------------------------------- solution
    def _power(self, power_w: np.ndarray | Sequence[float]) -> np.ndarray:
        p = np.asarray(power_w, dtype=float)
        if p.shape != (len(self._names),):
            raise ValueError(f"power_w: expected shape ({len(self._names)},), got {p.shape}")
        return p

    def _modal(self, temp_c: np.ndarray | Sequence[float], power_w: np.ndarray | Sequence[float]):
        """Steady-state rise ``theta_ss`` (K) and modal amplitudes of ``theta0 - theta_ss``."""
        theta_ss_k = self._g_inv_k_per_w @ self._power(power_w)
        t0 = np.asarray(temp_c, dtype=float)
        if t0.shape != theta_ss_k.shape:
            raise ValueError(f"temp_c: expected shape {theta_ss_k.shape}, got {t0.shape}")
        return theta_ss_k, self._to_modes @ (t0 - self._ambient_c - theta_ss_k)

    def steady_state_c(self, power_w: np.ndarray | Sequence[float]) -> np.ndarray:
        """Steady-state temperatures, degC, under constant node powers ``power_w`` (W): ``T_amb + G^-1 P``."""
        return self._ambient_c + self._g_inv_k_per_w @ self._power(power_w)

    def step(
        self, temp_c: np.ndarray | Sequence[float], power_w: np.ndarray | Sequence[float], dt_s: float
    ) -> np.ndarray:
        """Node temperatures after ``dt_s`` seconds at constant node powers (exact).

        Parameters
        ----------
        temp_c : array of float
            Node temperatures at the start, degC.
        power_w : array of float
            Heat dissipated in each node, W.
        dt_s : float
            Interval length, s (>= 0).

        Returns
        -------
        numpy.ndarray
            Node temperatures at the end, degC.
        """
        if dt_s < 0.0:
            raise ValueError(f"dt_s: must be >= 0, got {dt_s!r}")
        theta_ss_k, modes_k = self._modal(temp_c, power_w)
        return self._ambient_c + theta_ss_k + self._to_temp @ (np.exp(-self._rates_per_s * dt_s) * modes_k)

    def mean_temp_c(
        self, temp_c: np.ndarray | Sequence[float], power_w: np.ndarray | Sequence[float], dt_s: float
    ) -> np.ndarray:
        """Time-averaged node temperatures over ``[0, dt_s]`` at constant power, degC (exact).

        Each mode contributes ``a_i (1 - exp(-lambda_i dt)) / (lambda_i dt)``; at ``dt_s == 0`` this is
        the start temperature.
        """
        if dt_s < 0.0:
            raise ValueError(f"dt_s: must be >= 0, got {dt_s!r}")
        theta_ss_k, modes_k = self._modal(temp_c, power_w)
        x = self._rates_per_s * dt_s
        # (1 - e^-x) / x, with its limit 1 at x -> 0 (expm1 keeps precision for small x).
        with np.errstate(invalid="ignore", divide="ignore"):
            weight = np.where(x > 0.0, -np.expm1(-x) / np.where(x > 0.0, x, 1.0), 1.0)
        return self._ambient_c + theta_ss_k + self._to_temp @ (weight * modes_k)

    def time_to_reach_s(
        self,
        temp_c: np.ndarray | Sequence[float],
        power_w: np.ndarray | Sequence[float],
        node: int | str,
        target_c: float,
        horizon_s: float = math.inf,
        direction: Literal["up", "down"] = "up",
    ) -> float:
        """First time at which ``node`` reaches ``target_c`` at constant power, exact.

        Parameters
        ----------
        temp_c : array of float
            Node temperatures now, degC.
        power_w : array of float
            Constant heat input of each node, W.
        node : int or str
            The watched node.
        target_c : float
            Threshold temperature, degC.
        horizon_s : float
            Look no further than this, s (may be ``math.inf``).
        direction : {"up", "down"}
            ``"up"``: first time ``T >= target_c`` (e.g. a throttle trip). ``"down"``: first time
            ``T <= target_c`` (e.g. the release point ``threshold - hysteresis``).

        Returns
        -------
        float
            Time in s; 0 if the condition already holds, ``math.inf`` if it does not happen within
            ``horizon_s``.

        Notes
        -----
        The node temperature is ``T_ss + sum_i a_i exp(-lambda_i t)``. For one node the closed form of
        :func:`rc_time_to_reach_s` is used. Otherwise the sum of exponentials is split into intervals on
        which it is monotone (its turning points are found recursively: multiplying by ``exp(lambda_1 t)``
        and differentiating removes one exponential), so no crossing can be missed, and the crossing is
        refined with :func:`scipy.optimize.brentq` to about machine precision.
        """
        if direction not in ("up", "down"):
            raise ValueError(f"direction: must be 'up' or 'down', got {direction!r}")
        if not horizon_s >= 0.0:
            raise ValueError(f"horizon_s: must be >= 0, got {horizon_s!r}")
        i = self.index(node)
        theta_ss_k, modes_k = self._modal(temp_c, power_w)
        sign = 1.0 if direction == "up" else -1.0
        # f(t) = sign * (T_i(t) - target): the condition holds where f >= 0.
        const = sign * (self._ambient_c + theta_ss_k[i] - target_c)
        amps = sign * self._to_temp[i] * modes_k
        if const + amps.sum() >= 0.0:
            return 0.0

        if self._single_rc is not None:
            # Closed form, but only if the node is moving towards the target (else it never gets there).
            temp0_c = float(np.asarray(temp_c, dtype=float)[0])
            if sign * (self._ambient_c + theta_ss_k[0] - temp0_c) <= 0.0:
                return math.inf
            r, c = self._single_rc
            t = rc_time_to_reach_s(temp0_c, self._ambient_c, float(self._power(power_w)[0]), r, c, target_c)
            return t if t <= horizon_s else math.inf

        rates = np.concatenate(([0.0], self._rates_per_s))
        coeffs = np.concatenate(([const], amps))
        roots = _exp_sum_roots(coeffs, rates, 0.0, float(horizon_s))
        return roots[0] if roots else math.inf

    # -- the ThermalSystem protocol (no leakage terms of its own: a folded ``leakage_w_per_k`` is linear) --------
    n_leakage_terms = 0

    def advance(self, temp_c: np.ndarray | Sequence[float], power_w: np.ndarray | Sequence[float], dt_s: float
                ) -> ThermalStep:
        """End and mean temperatures after ``dt_s`` at constant node powers (exact; :meth:`step` and
        :meth:`mean_temp_c` from one modal decomposition)."""
        if dt_s < 0.0:
            raise ValueError(f"dt_s: must be >= 0, got {dt_s!r}")
        theta_ss_k, modes_k = self._modal(temp_c, power_w)
        base_c = self._ambient_c + theta_ss_k
        x = self._rates_per_s * dt_s
        with np.errstate(invalid="ignore", divide="ignore"):
            weight = np.where(x > 0.0, -np.expm1(-x) / np.where(x > 0.0, x, 1.0), 1.0)
        return ThermalStep(base_c + self._to_temp @ (np.exp(-x) * modes_k), base_c + self._to_temp @ (weight * modes_k),
                           _NO_TERMS)

    def region(self, temp_c: np.ndarray, power_w: np.ndarray) -> tuple[ThermalNetwork, np.ndarray]:
        """Itself and ``power_w``: a linear network is one region."""
        return self, power_w

    def region_change_s(self, temp_c: np.ndarray, power_w: np.ndarray, horizon_s: float, margin_k: float = 0.0) -> float:
        """``math.inf``: a linear network never changes region."""
        return math.inf

    def leakage_power_w(self, temp_c: np.ndarray | Sequence[float]) -> np.ndarray:
        """No leakage terms: an empty array."""
        return _NO_TERMS


def _merge_rates(coeffs: np.ndarray, rates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Combine terms of (numerically) equal rate and drop zero terms; rates ascending."""
    order = np.argsort(rates, kind="stable")
    out_c: list[float] = []
    out_r: list[float] = []
    for c, r in zip(coeffs[order], rates[order]):
        if out_r and r - out_r[-1] <= 1e-12 * max(r, 1e-300):
            out_c[-1] += c
        else:
            out_c.append(float(c))
            out_r.append(float(r))
    keep = [k for k, c in enumerate(out_c) if c != 0.0]
    return np.array([out_c[k] for k in keep]), np.array([out_r[k] for k in keep])


def _exp_sum_roots(coeffs: np.ndarray, rates: np.ndarray, lo: float, hi: float) -> list[float]:
    """Sorted zeros in ``[lo, hi]`` of ``f(t) = sum_j coeffs_j exp(-rates_j t)`` (``hi`` may be inf).

    ``g(t) = exp(r_0 t) f(t)`` (``r_0`` the slowest rate) has the same zeros, a constant term and no
    underflow at large t; ``g'`` has one term fewer, so its zeros (found recursively) cut ``[lo, hi]`` into
    pieces on which ``g`` is monotone and holds at most one zero each.
    """
    coeffs, rates = _merge_rates(coeffs, rates)
    if len(coeffs) <= 1:
        return []  # a single exponential (or nothing) never changes sign
    shifted = rates - rates[0]  # shifted[0] == 0
    scale = float(np.abs(coeffs).sum())

    def g(t: float) -> float:
        return float(coeffs @ np.exp(-shifted * t))

    turning = _exp_sum_roots(-coeffs[1:] * shifted[1:], shifted[1:], lo, hi)
    points = [lo, *[t for t in turning if lo < t < hi]]
    roots: list[float] = []
    g_lo = g(lo)
    if abs(g_lo) <= 1e-14 * scale:
        roots.append(lo)
    for k, p in enumerate(points):
        q = points[k + 1] if k + 1 < len(points) else hi
        g_p = g(p)
        if math.isinf(q):
            # g tends monotonically to coeffs[0] on the last piece: find a finite end of opposite sign.
            if g_p * coeffs[0] >= 0.0:
                break
            step_s = 1.0 / shifted[1]
            q = p + step_s
            for _ in range(2000):
                if g(q) * coeffs[0] >= 0.0:
                    break
                step_s *= 2.0
                q = p + step_s
            else:  # pragma: no cover - g converges to coeffs[0] exponentially
                break
        g_q = g(q)
        if abs(g_q) <= 1e-14 * scale:
            if not roots or roots[-1] < q:
                roots.append(q)  # touches or ends at zero (turning point or interval end)
        elif g_p * g_q < 0.0 and abs(g_p) > 1e-14 * scale:
            # xtol tiny: the tolerance must be relative to the root, not to the bracket (which may reach a long
            # horizon while the root is milliseconds away on a fast node).
            roots.append(bracketed_root(g, p, q, xtol=1e-300, rtol=4.0 * float(np.finfo(float).eps), maxiter=400))
    return sorted(set(roots))
