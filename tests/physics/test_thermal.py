"""Thermal RC networks against their analytic solutions, an ODE solver and energy conservation."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.integrate import quad, solve_ivp

from edgesim.physics.clamped_leakage import ClampedLeakageNetwork, LinearLeakage
from edgesim.physics.thermal import ThermalNetwork, rc_step_temp_c, rc_time_to_reach_s

AMBIENT_C = 25.0
# Junction -> case -> ambient: a small die on a big case (time constants ~0.7 s and ~140 s).
C1_J_PER_K, C2_J_PER_K = 0.5, 20.0
R1_K_PER_W, R2_K_PER_W = 2.0, 5.0


def two_node() -> ThermalNetwork:
    return ThermalNetwork(
        ["junction", "case"],
        [C1_J_PER_K, C2_J_PER_K],
        AMBIENT_C,
        resistance_k_per_w={("junction", "case"): R1_K_PER_W},
        ambient_resistance_k_per_w={"case": R2_K_PER_W},
    )


def two_node_analytic(temp0_c, power_w, t_s):
    """Independent 2x2 solution: closed-form eigenvalues/eigenvectors of A = C^-1 G."""
    g1, g2 = 1.0 / R1_K_PER_W, 1.0 / R2_K_PER_W
    a11, a12 = g1 / C1_J_PER_K, -g1 / C1_J_PER_K
    a21, a22 = -g1 / C2_J_PER_K, (g1 + g2) / C2_J_PER_K
    tr, det = a11 + a22, a11 * a22 - a12 * a21
    disc = math.sqrt(tr * tr - 4.0 * det)
    lam = [(tr + disc) / 2.0, (tr - disc) / 2.0]
    vecs = [(1.0, (a11 - lm) / -a12) for lm in lam]  # (A - lam I) v = 0, first row
    p1, p2 = power_w
    # Steady state: case carries all heat to ambient through R2; junction adds p1 through R1.
    theta_ss = ((p1 + p2) * R2_K_PER_W + p1 * R1_K_PER_W, (p1 + p2) * R2_K_PER_W)
    d = (temp0_c[0] - AMBIENT_C - theta_ss[0], temp0_c[1] - AMBIENT_C - theta_ss[1])
    # Solve d = alpha_0 v_0 + alpha_1 v_1 (Cramer).
    m = vecs[0][0] * vecs[1][1] - vecs[1][0] * vecs[0][1]
    alpha0 = (d[0] * vecs[1][1] - vecs[1][0] * d[1]) / m
    alpha1 = (vecs[0][0] * d[1] - d[0] * vecs[0][1]) / m
    e0, e1 = math.exp(-lam[0] * t_s), math.exp(-lam[1] * t_s)
    return np.array([
        AMBIENT_C + theta_ss[i] + alpha0 * vecs[0][i] * e0 + alpha1 * vecs[1][i] * e1 for i in range(2)
    ]), lam


# ------------------------------------------------------------------------------------------- one node
@pytest.mark.parametrize("t_s", [0.0, 1e-6, 0.1, 1.0, 7.3, 20.0, 60.0, 200.0, 1e4])
def test_rc_step_matches_power_step_response(t_s):
    r, c, p = 4.0, 12.5, 6.0
    expected = AMBIENT_C + p * r * (1.0 - math.exp(-t_s / (r * c)))
    got = rc_step_temp_c(AMBIENT_C, AMBIENT_C, p, r, c, t_s)
    assert got == pytest.approx(expected, rel=1e-12, abs=0.0)
    net = ThermalNetwork.single_node(r, c, AMBIENT_C)
    assert net.step([AMBIENT_C], [p], t_s)[0] == pytest.approx(expected, rel=1e-12)


def test_rc_steady_state_is_ambient_plus_p_r():
    r, c, p = 4.0, 12.5, 6.0
    assert rc_step_temp_c(40.0, AMBIENT_C, p, r, c, 1e6) == pytest.approx(AMBIENT_C + p * r, rel=1e-15)
    net = ThermalNetwork.single_node(r, c, AMBIENT_C)
    assert net.steady_state_c([p])[0] == pytest.approx(AMBIENT_C + p * r, rel=1e-15)
    assert net.time_constants_s[0] == pytest.approx(r * c, rel=1e-14)


def test_rc_cooling_from_hot_start():
    r, c = 2.0, 3.0
    t = 5.0
    assert rc_step_temp_c(90.0, AMBIENT_C, 0.0, r, c, t) == pytest.approx(
        AMBIENT_C + 65.0 * math.exp(-t / 6.0), rel=1e-14
    )


@pytest.mark.parametrize("target_c", [26.0, 30.0, 40.0, 48.9, 48.999999])
def test_rc_time_to_reach_is_exact(target_c):
    r, c, p = 4.0, 12.5, 6.0  # T_ss = 49 C
    t = rc_time_to_reach_s(AMBIENT_C, AMBIENT_C, p, r, c, target_c)
    assert t == pytest.approx(-r * c * math.log((49.0 - target_c) / (49.0 - AMBIENT_C)), rel=1e-12)
    assert rc_step_temp_c(AMBIENT_C, AMBIENT_C, p, r, c, t) == pytest.approx(target_c, rel=1e-12)
    net = ThermalNetwork.single_node(r, c, AMBIENT_C)
    assert net.time_to_reach_s([AMBIENT_C], [p], 0, target_c) == pytest.approx(t, rel=1e-14)
    assert net.time_to_reach_s([AMBIENT_C], [p], "junction", target_c, horizon_s=0.999 * t) == math.inf


def test_rc_time_to_reach_edges():
    r, c, p = 4.0, 12.5, 6.0  # heating from 30 C towards 49 C
    assert rc_time_to_reach_s(30.0, AMBIENT_C, p, r, c, 30.0) == 0.0  # already there
    assert rc_time_to_reach_s(30.0, AMBIENT_C, p, r, c, 28.0) == 0.0  # behind, in the direction of travel
    assert rc_time_to_reach_s(30.0, AMBIENT_C, p, r, c, 49.0) == math.inf  # asymptote
    assert rc_time_to_reach_s(30.0, AMBIENT_C, p, r, c, 60.0) == math.inf
    assert rc_time_to_reach_s(49.0, AMBIENT_C, p, r, c, 50.0) == math.inf  # stationary
    # Cooling: 80 C with no power falls towards 25 C.
    t = rc_time_to_reach_s(80.0, AMBIENT_C, 0.0, r, c, 75.0)
    assert rc_step_temp_c(80.0, AMBIENT_C, 0.0, r, c, t) == pytest.approx(75.0, rel=1e-13)


def test_single_node_network_direction():
    net = ThermalNetwork.single_node(4.0, 12.5, AMBIENT_C)
    # Heating node never goes down to a lower target; a cooling node never goes up.
    assert net.time_to_reach_s([30.0], [6.0], 0, 28.0, direction="down") == math.inf
    assert net.time_to_reach_s([80.0], [0.0], 0, 90.0, direction="up") == math.inf
    # Hysteresis release: cool from 85 C to 80 C (threshold 85, hysteresis 5).
    t = net.time_to_reach_s([85.0], [1.0], 0, 80.0, direction="down")
    assert t == pytest.approx(rc_time_to_reach_s(85.0, AMBIENT_C, 1.0, 4.0, 12.5, 80.0), rel=1e-14)
    assert net.step([85.0], [1.0], t)[0] == pytest.approx(80.0, rel=1e-13)
    assert net.time_to_reach_s([79.0], [1.0], 0, 80.0, direction="down") == 0.0


# ------------------------------------------------------------------------------------------- two nodes
@pytest.mark.parametrize("t_s", [0.0, 0.01, 0.3, 0.7, 2.0, 10.0, 140.0, 500.0, 5000.0])
@pytest.mark.parametrize("temp0_c, power_w", [((25.0, 25.0), (3.0, 0.0)), ((70.0, 40.0), (0.5, 1.5))])
def test_two_node_matches_closed_form_eigen_solution(t_s, temp0_c, power_w):
    expected, lam = two_node_analytic(temp0_c, power_w, t_s)
    got = two_node().step(np.array(temp0_c), np.array(power_w), t_s)
    np.testing.assert_allclose(got, expected, rtol=1e-11, atol=0.0)
    np.testing.assert_allclose(np.sort(1.0 / two_node().time_constants_s), np.sort(lam), rtol=1e-12)


def test_two_node_matches_ode_solver():
    net = two_node()
    p = np.array([3.0, 0.5])
    cap = np.array([C1_J_PER_K, C2_J_PER_K])
    g = net.conductance_w_per_k

    def rhs(_t, temp):
        return (p - g @ (temp - AMBIENT_C)) / cap

    times = np.array([0.05, 0.5, 3.0, 30.0, 300.0, 1000.0])
    sol = solve_ivp(rhs, (0.0, times[-1]), [30.0, 26.0], method="Radau", t_eval=times, rtol=1e-11, atol=1e-11)
    for k, t in enumerate(times):
        np.testing.assert_allclose(net.step([30.0, 26.0], p, t), sol.y[:, k], rtol=1e-8)


def test_two_node_steady_state_is_series_resistance():
    net = two_node()
    ss = net.steady_state_c([3.0, 0.0])
    assert ss[0] == pytest.approx(AMBIENT_C + 3.0 * (R1_K_PER_W + R2_K_PER_W), rel=1e-14)
    assert ss[1] == pytest.approx(AMBIENT_C + 3.0 * R2_K_PER_W, rel=1e-14)
    np.testing.assert_allclose(net.step([25.0, 25.0], [3.0, 0.0], 1e7), ss, rtol=1e-13)


temps = st.floats(min_value=-20.0, max_value=120.0)
powers = st.floats(min_value=0.0, max_value=50.0)
durations = st.floats(min_value=0.0, max_value=500.0)


@settings(max_examples=150, deadline=None)
@given(t1=temps, t2=temps, t3=temps, p1=powers, p2=powers, p3=powers, dt1=durations, dt2=durations)
def test_step_composes(t1, t2, t3, p1, p2, p3, dt1, dt2):
    net = ThermalNetwork(
        ["die", "package", "sink"],
        [0.2, 5.0, 80.0],
        AMBIENT_C,
        resistance_k_per_w={("die", "package"): 0.8, ("package", "sink"): 1.5, ("die", "sink"): 9.0},
        ambient_resistance_k_per_w={"sink": 2.0, "package": 30.0},
    )
    t0, p = np.array([t1, t2, t3]), np.array([p1, p2, p3])
    two_steps = net.step(net.step(t0, p, dt1), p, dt2)
    one_step = net.step(t0, p, dt1 + dt2)
    np.testing.assert_allclose(two_steps, one_step, rtol=0.0, atol=1e-10 * (200.0 + 100.0 * (p1 + p2 + p3)))


def test_energy_balance_heat_stored_plus_heat_to_ambient():
    net = two_node()
    p = np.array([3.0, 1.0])
    t0 = np.array([40.0, 30.0])
    cap = net.capacity_j_per_k
    g_amb = net.ambient_conductance_w_per_k
    for dt in (0.2, 5.0, 100.0, 3000.0):
        t1 = net.step(t0, p, dt)
        stored_j = float(cap @ (t1 - t0))
        to_ambient_j = float(g_amb @ (net.mean_temp_c(t0, p, dt) - AMBIENT_C)) * dt
        assert stored_j + to_ambient_j == pytest.approx(p.sum() * dt, rel=1e-11)
        # mean_temp_c is the true time average (checked by quadrature).
        for i in range(2):
            avg, _ = quad(lambda s, i=i: net.step(t0, p, s)[i], 0.0, dt, epsabs=0.0, epsrel=1e-12, limit=200)
            assert net.mean_temp_c(t0, p, dt)[i] == pytest.approx(avg / dt, rel=1e-10)
    np.testing.assert_allclose(net.mean_temp_c(t0, p, 0.0), t0, rtol=1e-14)


# ------------------------------------------------------------------------------------------- crossings
def _brute_first_crossing(net, t0, p, node, target, horizon, direction="up", n=50_001):
    ts = np.linspace(0.0, horizon, n)
    vals = np.array([net.step(t0, p, t)[node] for t in ts])
    hit = vals >= target if direction == "up" else vals <= target
    idx = np.flatnonzero(hit)
    return ts[idx[0]] if idx.size else math.inf


@pytest.mark.parametrize("target_c", [30.0, 35.0, 40.0, 45.0, 45.9])
def test_two_node_time_to_reach_is_exact(target_c):
    net = two_node()
    t0, p = np.array([25.0, 25.0]), np.array([3.0, 0.0])  # junction heads for 46 C
    t = net.time_to_reach_s(t0, p, 0, target_c, horizon_s=1e5)
    assert 0.0 < t < math.inf
    assert net.step(t0, p, t)[0] == pytest.approx(target_c, rel=1e-12)
    assert net.step(t0, p, t * (1.0 - 1e-7))[0] < target_c
    expected, _ = two_node_analytic(t0, p, t)
    assert expected[0] == pytest.approx(target_c, rel=1e-11)


def test_time_to_reach_horizon_and_unreachable():
    net = two_node()
    t0, p = np.array([25.0, 25.0]), np.array([3.0, 0.0])
    t = net.time_to_reach_s(t0, p, "junction", 40.0)
    assert net.time_to_reach_s(t0, p, "junction", 40.0, horizon_s=t * 0.99) == math.inf
    assert net.time_to_reach_s(t0, p, "junction", 40.0, horizon_s=t * 1.01) == pytest.approx(t, rel=1e-13)
    assert net.time_to_reach_s(t0, p, "junction", 46.0) == math.inf  # steady state: only approached
    assert net.time_to_reach_s(t0, p, "junction", 50.0) == math.inf
    assert net.time_to_reach_s(np.array([47.0, 25.0]), p, 0, 46.0) == 0.0  # already over


def test_time_to_reach_non_monotone_trajectory_finds_first_crossing():
    # Cold die on a hot case: the die first warms (heat from the case), peaks, then both cool.
    net = two_node()
    t0, p = np.array([25.0, 80.0]), np.array([0.0, 0.0])
    peak = max(net.step(t0, p, s)[0] for s in np.linspace(0, 20, 4001))
    assert 70.0 < peak < 80.0
    target = 60.0
    t_up = net.time_to_reach_s(t0, p, 0, target, horizon_s=1e4)
    assert net.step(t0, p, t_up)[0] == pytest.approx(target, rel=1e-12)
    assert t_up == pytest.approx(_brute_first_crossing(net, t0, p, 0, target, 5.0, n=50_001), abs=5.0 / 50_000)
    # Going down through the same level happens later, after the peak.
    start = net.step(t0, p, t_up + 1e-3)
    t_down = net.time_to_reach_s(start, p, 0, target, horizon_s=1e4, direction="down")
    assert net.step(start, p, t_down)[0] == pytest.approx(target, rel=1e-12)
    assert net.step(start, p, t_down * 0.999)[0] > target
    # A target above the peak is never reached, however long we look.
    assert net.time_to_reach_s(t0, p, 0, peak + 0.01) == math.inf
    assert 0.0 < net.time_to_reach_s(t0, p, 0, peak - 0.01) < math.inf


def test_time_to_reach_narrow_peak_is_not_missed():
    # Very fast die (tau ~ 2 ms) on a slow case: a sharp early peak that a coarse grid would step over.
    net = ThermalNetwork(
        ["die", "case"], [0.001, 50.0], AMBIENT_C,
        resistance_k_per_w={("die", "case"): 2.0}, ambient_resistance_k_per_w={"case": 1.0},
    )
    t0, p = np.array([90.0, 25.0]), np.array([0.0, 0.0])
    # Die drops fast from 90 C to the case's ~25 C; check it crosses 30 C going down within milliseconds.
    t = net.time_to_reach_s(t0, p, "die", 30.0, horizon_s=100.0, direction="down")
    assert 0.0 < t < 0.05
    assert net.step(t0, p, t)[0] == pytest.approx(30.0, rel=1e-12)


def test_three_node_crossing_matches_brute_force():
    net = ThermalNetwork(
        ["die", "package", "sink"], [0.05, 2.0, 60.0], AMBIENT_C,
        resistance_k_per_w={("die", "package"): 1.0, ("package", "sink"): 2.0},
        ambient_resistance_k_per_w={"sink": 1.5},
    )
    t0, p = np.array([25.0, 25.0, 25.0]), np.array([4.0, 0.0, 0.0])
    for target in (30.0, 36.0, 42.0):  # die steady state: 25 + 4 x 4.5 = 43 C
        t = net.time_to_reach_s(t0, p, "die", target, horizon_s=1e4)
        assert net.step(t0, p, t)[0] == pytest.approx(target, rel=1e-12)
        brute = _brute_first_crossing(net, t0, p, 0, target, 1.2 * t, n=30_001)
        assert t == pytest.approx(brute, abs=1.2 * t / 30_000)


# ------------------------------------------------------------------------------------------- validation
def test_node_without_ambient_path_is_fine_when_connected():
    net = ThermalNetwork(
        ["die", "package", "sink"], [0.05, 2.0, 60.0], AMBIENT_C,
        resistance_k_per_w={("die", "package"): 1.0, ("sink", "package"): 2.0},
        ambient_resistance_k_per_w={"sink": 1.5},
    )
    np.testing.assert_allclose(net.steady_state_c([2.0, 0.0, 0.0]), AMBIENT_C + 2.0 * np.array([4.5, 3.5, 1.5]))


def test_island_without_ambient_path_raises():
    with pytest.raises(ValueError, match=r"nodes \['b'\] have no thermal path to ambient"):
        ThermalNetwork(["a", "b"], [1.0, 1.0], AMBIENT_C, ambient_resistance_k_per_w={"a": 1.0})
    with pytest.raises(ValueError, match="no thermal path"):
        ThermalNetwork(["a"], [1.0], AMBIENT_C)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(capacity_j_per_k=[0.0, 1.0]), r"capacity_j_per_k\['a'\]"),
        (dict(capacity_j_per_k=[1.0, -2.0]), r"capacity_j_per_k\['b'\]"),
        (dict(capacity_j_per_k=[1.0]), "capacity_j_per_k: expected 2"),
        (dict(resistance_k_per_w={("a", "b"): 0.0}), r"resistance_k_per_w\['a', 'b'\]"),
        (dict(resistance_k_per_w={("a", "b"): -1.0}), r"resistance_k_per_w\['a', 'b'\]"),
        (dict(resistance_k_per_w={("a", "a"): 1.0}), "two different nodes"),
        (dict(resistance_k_per_w={("a", "b"): 1.0, ("b", "a"): 2.0}), "pair given twice"),
        (dict(resistance_k_per_w={("a", "z"): 1.0}), "unknown node 'z'"),
        (dict(ambient_resistance_k_per_w={"a": 0.0}), r"ambient_resistance_k_per_w\['a'\]"),
        (dict(ambient_resistance_k_per_w={"a": math.inf}), r"ambient_resistance_k_per_w\['a'\]"),
    ],
)
def test_bad_network_parameters_raise(kwargs, match):
    args = dict(
        node_names=["a", "b"], capacity_j_per_k=[1.0, 1.0], ambient_c=AMBIENT_C,
        resistance_k_per_w={("a", "b"): 1.0}, ambient_resistance_k_per_w={"b": 1.0},
    )
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        ThermalNetwork(**args)


def test_bad_rc_arguments_raise():
    with pytest.raises(ValueError, match="resistance_k_per_w"):
        rc_step_temp_c(25.0, 25.0, 1.0, 0.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="capacity_j_per_k"):
        rc_time_to_reach_s(25.0, 25.0, 1.0, 1.0, -1.0, 30.0)
    with pytest.raises(ValueError, match="dt_s"):
        rc_step_temp_c(25.0, 25.0, 1.0, 1.0, 1.0, -1.0)
    net = two_node()
    with pytest.raises(ValueError, match="dt_s"):
        net.step([25.0, 25.0], [1.0, 0.0], -0.1)
    with pytest.raises(ValueError, match="power_w"):
        net.step([25.0, 25.0], [1.0], 1.0)
    with pytest.raises(ValueError, match="direction"):
        net.time_to_reach_s([25.0, 25.0], [1.0, 0.0], 0, 30.0, direction="sideways")
    with pytest.raises(ValueError, match="node"):
        net.time_to_reach_s([25.0, 25.0], [1.0, 0.0], "heatsink", 30.0)


@settings(max_examples=60, deadline=None)
@given(
    c1=st.floats(0.01, 10.0), c2=st.floats(1.0, 200.0), r1=st.floats(0.1, 10.0), r2=st.floats(0.1, 10.0),
    r_die_amb=st.one_of(st.none(), st.floats(1.0, 100.0)),
    t1=st.floats(0.0, 100.0), t2=st.floats(0.0, 100.0), p1=st.floats(0.0, 10.0), p2=st.floats(0.0, 10.0),
    target=st.floats(10.0, 90.0), up=st.booleans(),
)
# A fast die (tau ~ 8 ms) crossing within milliseconds of a ~1500 s horizon (5 x the longest time constant):
# the root must be refined relative to itself, not to the bracket.
@example(c1=0.015625, c2=37.0, r1=0.5, r2=7.0, r_die_amb=None, t1=0.0, t2=74.0, p1=6.0, p2=4.0, target=18.0,
         up=True)
def test_crossing_is_first_and_exact_on_random_networks(c1, c2, r1, r2, r_die_amb, t1, t2, p1, p2, target, up):
    ambient_r = {"case": r2} if r_die_amb is None else {"case": r2, "die": r_die_amb}
    net = ThermalNetwork(["die", "case"], [c1, c2], AMBIENT_C,
                         resistance_k_per_w={("die", "case"): r1}, ambient_resistance_k_per_w=ambient_r)
    t0, p = np.array([t1, t2]), np.array([p1, p2])
    direction = "up" if up else "down"
    sign = 1.0 if up else -1.0
    horizon = 5.0 * net.time_constants_s[0]
    t = net.time_to_reach_s(t0, p, "die", target, horizon_s=horizon, direction=direction)
    grid = np.linspace(0.0, horizon, 3001)
    before = grid[grid < t] if t < math.inf else grid
    excess = np.array([sign * (net.step(t0, p, s)[0] - target) for s in before])
    assert np.all(excess < 1e-9 * (1.0 + abs(target)))  # no earlier crossing
    if t == 0.0:
        assert sign * (t1 - target) >= 0.0
    elif t < math.inf:
        assert net.step(t0, p, t)[0] == pytest.approx(target, rel=1e-10)


# ------------------------------------------------------------------------------------------- time constants
def test_time_constants_are_longest_first_and_match_eigenvalues():
    net = ThermalNetwork(
        ["die", "package", "sink"], [0.05, 2.0, 60.0], AMBIENT_C,
        resistance_k_per_w={("die", "package"): 1.0, ("package", "sink"): 2.0},
        ambient_resistance_k_per_w={"sink": 1.5},
    )
    taus = net.time_constants_s
    assert np.all(np.diff(taus) < 0.0)  # strictly longest first
    # Reference: eigenvalues of C^-1 G (not symmetric; same spectrum as the symmetric form).
    a = net.conductance_w_per_k / net.capacity_j_per_k[:, None]
    lam = np.sort(np.linalg.eigvals(a).real)
    np.testing.assert_allclose(taus, 1.0 / lam, rtol=1e-12)
    # The slowest mode is the sink's: ~ C_sink x R_sink_amb plus the others, far above the die's.
    assert taus[0] > 60.0 * 1.5
    assert taus[-1] < 0.05 * 1.0


# ------------------------------------------------------------------------------------------- clamped leakage
def _clamped_reference(net: ClampedLeakageNetwork, t0, p, dt):
    """solve_ivp of the same piecewise-linear ODE (max(0, ...) written out), with the leakage energy."""
    n = net.base.n_nodes
    terms = net.leakage

    def rhs(_t, y):
        temp = y[:n]
        leak = np.array([term.power_w(temp[net.base.index(term.node)]) for term in terms])
        return np.concatenate((net.derivative_k_per_s(temp, p), leak))

    sol = solve_ivp(rhs, (0.0, dt), np.concatenate((t0, np.zeros(len(terms)))), method="DOP853",
                    rtol=1e-12, atol=1e-12)
    return sol.y[:n, -1], sol.y[n:, -1]


def leaky_two_node(ambient_c: float, b: float = 0.1) -> ClampedLeakageNetwork:
    return ClampedLeakageNetwork(
        ["junction", "case"], [C1_J_PER_K, C2_J_PER_K], ambient_c,
        resistance_k_per_w={("junction", "case"): R1_K_PER_W},
        ambient_resistance_k_per_w={"case": R2_K_PER_W},
        leakage=[LinearLeakage("junction", b, 25.0)],
    )


def test_clamped_leakage_is_zero_below_reference_in_a_cold_ambient():
    net = leaky_two_node(ambient_c=16.0)
    assert net.leakage_power_w([16.0, 16.0])[0] == 0.0  # the unclamped form would give -0.9 W
    # No source power: the network stays at a 16 C ambient, the leakage never goes negative.
    step = net.advance([16.0, 16.0], [0.0, 0.0], 1000.0)
    np.testing.assert_allclose(step.temp_c, [16.0, 16.0], atol=1e-12)
    assert step.leakage_energy_j[0] == 0.0
    assert step.switches == 0


@pytest.mark.parametrize("power_w, dt", [(1.5, 400.0), (0.8, 2000.0), (3.0, 50.0)])
def test_clamped_leakage_crossing_reference_matches_solve_ivp(power_w, dt):
    # 16 C ambient: the junction warms through its 25 C reference, where the leakage term switches on.
    net = leaky_two_node(ambient_c=16.0)
    t0, p = np.array([16.0, 16.0]), np.array([power_w, 0.0])
    step = net.advance(t0, p, dt)
    ref_temp, ref_energy = _clamped_reference(net, t0, p, dt)
    np.testing.assert_allclose(step.temp_c, ref_temp, atol=1e-8)
    assert step.leakage_energy_j[0] == pytest.approx(ref_energy[0], rel=1e-7, abs=1e-9)
    assert step.switches >= (1 if step.temp_c[0] > 25.0 else 0)
    # Splitting the interval anywhere changes nothing (the solution is exact, not stepped).
    half = net.advance(net.advance(t0, p, dt / 3.0).temp_c, p, 2.0 * dt / 3.0)
    np.testing.assert_allclose(half.temp_c, step.temp_c, atol=1e-9)


def test_clamped_leakage_cooling_back_below_reference_switches_off():
    net = leaky_two_node(ambient_c=16.0)
    hot = np.array([60.0, 40.0])
    step = net.advance(hot, [0.0, 0.0], 3000.0)
    ref_temp, ref_energy = _clamped_reference(net, hot, np.zeros(2), 3000.0)
    np.testing.assert_allclose(step.temp_c, ref_temp, atol=1e-8)
    assert step.leakage_energy_j[0] == pytest.approx(ref_energy[0], rel=1e-7)
    assert step.switches == 1
    assert step.temp_c[0] < 25.0


def test_clamped_leakage_conserves_energy():
    net = leaky_two_node(ambient_c=16.0)
    t0, p, dt = np.array([16.0, 16.0]), np.array([2.0, 0.5]), 700.0
    step = net.advance(t0, p, dt)
    stored_j = float(net.base.capacity_j_per_k @ (step.temp_c - t0))
    to_ambient_j = float(net.base.ambient_conductance_w_per_k @ (step.mean_temp_c - 16.0)) * dt
    supplied_j = float(p.sum()) * dt + float(step.leakage_energy_j.sum())
    assert stored_j + to_ambient_j == pytest.approx(supplied_j, rel=1e-10)


def test_clamped_leakage_agrees_with_linear_form_above_reference():
    # Always above T_ref the clamp never acts: same as ThermalNetwork's folded linear leakage.
    net = leaky_two_node(ambient_c=30.0)
    linear = ThermalNetwork(["junction", "case"], [C1_J_PER_K, C2_J_PER_K], 30.0,
                            resistance_k_per_w={("junction", "case"): R1_K_PER_W},
                            ambient_resistance_k_per_w={"case": R2_K_PER_W},
                            leakage_w_per_k={"junction": 0.1})
    t0, p = np.array([30.0, 30.0]), np.array([2.0, 0.0])
    p_lin = p + np.array([0.1 * (30.0 - 25.0), 0.0])
    np.testing.assert_allclose(net.step(t0, p, 500.0), linear.step(t0, p_lin, 500.0), rtol=1e-13)


def test_clamped_leakage_runaway_raises():
    with pytest.raises(ValueError, match="thermal runaway"):
        leaky_two_node(ambient_c=16.0, b=0.2)  # 1 / (R1 + R2) = 0.143 W/K < b
    with pytest.raises(ValueError, match="w_per_k"):
        LinearLeakage("junction", -0.1)
