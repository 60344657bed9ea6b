"""Exponential leakage on an RC node: bounded error against solve_ivp, fixed points, runaway, energy balance."""
from __future__ import annotations

import math

import pytest
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

from edgesim.physics.leakage import ExpLeakageNode

# Leakage 0.5 W at 25 C doubling every ln2/0.03 = 23 K; 5 K/W, 20 J/K (tau 100 s), 25 C ambient.
NODE = ExpLeakageNode(resistance_k_per_w=5.0, capacity_j_per_k=20.0, ambient_c=25.0, leakage_ref_w=0.5,
                      leakage_coeff_per_k=0.03, leakage_ref_temp_c=25.0)


def reference(node: ExpLeakageNode, temp0_c: float, power_w: float, dt_s: float):
    """solve_ivp of C dT/dt = f(T), with the leakage energy as a second state."""
    sol = solve_ivp(lambda _t, y: [node.net_heat_w(y[0], power_w) / node.capacity_j_per_k,
                                   node.leakage_power_w(y[0])],
                    (0.0, dt_s), [temp0_c, 0.0], method="DOP853", rtol=1e-12, atol=1e-12)
    return sol.y[0, -1], sol.y[1, -1]


@pytest.mark.parametrize("temp0_c, power_w, dt_s", [
    (25.0, 3.0, 10.0),      # warming, short interval
    (25.0, 3.0, 1000.0),    # settles at the stable point (44.5 C)
    (90.0, 0.0, 200.0),     # cooling
    (25.0, 7.0, 50.0),      # strong heating
    (140.0, 3.0, 30.0),     # between the fixed points: falls back towards 44.5 C
])
@pytest.mark.parametrize("tol_k", [1e-3, 1e-6])
def test_advance_within_its_error_bound_of_solve_ivp(temp0_c, power_w, dt_s, tol_k):
    step = NODE.advance(temp0_c, power_w, dt_s, tol_k=tol_k)
    ref_c, ref_leak_j = reference(NODE, temp0_c, power_w, dt_s)
    assert step.error_bound_k <= tol_k
    assert abs(step.temp_c - ref_c) <= step.error_bound_k + 1e-9
    # Leakage energy from the energy balance: error set by the bracket of the mean temperature.
    bound_j = (NODE.capacity_j_per_k + 2.0 * dt_s / NODE.resistance_k_per_w) * step.error_bound_k
    assert step.leakage_energy_j == pytest.approx(ref_leak_j, abs=bound_j + 1e-7)


def test_fixed_points_are_zeros_of_f_and_stability():
    fp = NODE.fixed_points(3.0)
    assert fp is not None
    f = lambda t: NODE.net_heat_w(t, 3.0)  # noqa: E731
    assert fp.stable_c == pytest.approx(brentq(f, 25.0, 100.0), abs=1e-9)
    assert fp.unstable_c == pytest.approx(brentq(f, 100.0, 400.0), abs=1e-9)
    # Stable: f falls through zero; unstable: f rises through zero.
    assert f(fp.stable_c - 1.0) > 0.0 > f(fp.stable_c + 1.0)
    assert f(fp.unstable_c - 1.0) < 0.0 < f(fp.unstable_c + 1.0)
    # A long run settles at the stable point.
    assert NODE.advance(25.0, 3.0, 5000.0, tol_k=1e-4).temp_c == pytest.approx(fp.stable_c, abs=1e-4)


def test_runaway_threshold_is_the_closed_form_critical_power():
    p_crit = NODE.critical_power_w()
    # At P_crit the two fixed points merge (f and f' vanish together).
    assert NODE.fixed_points(p_crit * (1.0 - 1e-9)) is not None
    assert NODE.fixed_points(p_crit * (1.0 + 1e-9)) is None
    assert not NODE.is_runaway(p_crit * 0.99)
    assert NODE.is_runaway(p_crit * 1.01)
    # Above the unstable point the node runs away even below P_crit.
    fp = NODE.fixed_points(3.0)
    assert NODE.is_runaway(3.0, temp_c=fp.unstable_c + 0.1) and not NODE.is_runaway(3.0, temp_c=fp.unstable_c - 0.1)


def test_runaway_reaches_a_critical_temperature_in_finite_time():
    p = 1.2 * NODE.critical_power_w()
    t_105 = NODE.time_to_reach_s(25.0, p, 105.0)
    assert 0.0 < t_105 < math.inf
    sol = solve_ivp(lambda _t, y: [NODE.net_heat_w(y[0], p) / NODE.capacity_j_per_k], (0.0, 10 * t_105), [25.0],
                    method="DOP853", rtol=1e-12, atol=1e-12,
                    events=lambda _t, y: y[0] - 105.0)
    assert t_105 == pytest.approx(sol.t_events[0][0], rel=1e-8)
    step = NODE.advance(25.0, p, t_105)
    assert step.temp_c == pytest.approx(105.0, abs=step.error_bound_k + 1e-9)


def test_time_to_reach_short_of_and_beyond_the_stable_point():
    fp = NODE.fixed_points(3.0)
    assert NODE.time_to_reach_s(25.0, 3.0, fp.stable_c + 0.01) == math.inf
    assert NODE.time_to_reach_s(25.0, 3.0, 20.0) == math.inf  # moving away
    t = NODE.time_to_reach_s(25.0, 3.0, 40.0)
    assert NODE.advance(25.0, 3.0, t, tol_k=1e-8).temp_c == pytest.approx(40.0, abs=1e-6)


def test_no_leakage_is_the_plain_rc_node():
    node = ExpLeakageNode(5.0, 20.0, 25.0, leakage_ref_w=0.0, leakage_coeff_per_k=0.03)
    step = node.advance(25.0, 3.0, 100.0, tol_k=1e-9)
    assert step.temp_c == pytest.approx(25.0 + 15.0 * (1.0 - math.exp(-1.0)), abs=1e-9)
    assert step.leakage_energy_j == pytest.approx(0.0, abs=1e-6)
    assert node.critical_power_w() == math.inf
