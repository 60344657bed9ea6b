"""Time-varying ambient: a daily sine and piecewise-linear CSV with solar forcing against solve_ivp and the textbook amplitude."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from edgesim.physics.ambient import DailySineAmbient, Forcing, PiecewiseLinearAmbient, SolarLoad, step_with_forcing
from edgesim.physics.thermal import ThermalNetwork

R_K_PER_W, C_J_PER_K = 2.0, 5000.0  # tau = 10000 s, a sealed box


def _reference_one_node(temp0, power_w, dt, ambient_fn, sun_fn=None, t0=0.0):
    def rhs(t, y):
        sun = sun_fn(t) if sun_fn else 0.0
        return [(power_w + sun - (y[0] - ambient_fn(t)) / R_K_PER_W) / C_J_PER_K]
    return solve_ivp(rhs, (t0, t0 + dt), [temp0], method="DOP853", rtol=1e-12, atol=1e-12).y[0, -1]


def test_daily_sine_response_matches_solve_ivp_and_textbook_amplitude():
    net = ThermalNetwork.single_node(R_K_PER_W, C_J_PER_K, 0.0)
    amb = DailySineAmbient(mean_c=25.0, amplitude_c=8.0)
    temp = np.array([30.0])
    # exact over 6 h pieces (any split gives the same answer)
    for k in range(4):
        temp = step_with_forcing(net, temp, [3.0], 6 * 3600.0, amb.forcing(k * 6 * 3600.0))
    ref = _reference_one_node(30.0, 3.0, 86400.0, amb.temp_c)
    assert temp[0] == pytest.approx(ref, abs=1e-8)
    # Periodic steady state: amplitude A / sqrt(1 + (w R C)^2) around mean + P R.
    w = 2 * math.pi / 86400.0
    temps = []
    state = np.array([25.0 + 6.0])
    for k in range(39 * 24):  # 39 days in hours, then one day in 5 min samples
        state = step_with_forcing(net, state, [3.0], 3600.0, amb.forcing(k * 3600.0))
    for k in range(288):
        state = step_with_forcing(net, state, [3.0], 300.0, amb.forcing(39 * 86400.0 + k * 300.0))
        temps.append(state[0])
    swing = (max(temps) - min(temps)) / 2.0
    assert swing == pytest.approx(8.0 / math.sqrt(1.0 + (w * R_K_PER_W * C_J_PER_K) ** 2), rel=1e-4)
    assert np.mean(temps) == pytest.approx(25.0 + 3.0 * R_K_PER_W, abs=1e-3)


def test_piecewise_linear_csv_and_solar_on_a_two_node_network(tmp_path):
    csv_path = tmp_path / "weather.csv"
    csv_path.write_text("time_s,temp_c\n0,15\n21600,14\n50400,31\n86400,16\n")
    amb = PiecewiseLinearAmbient.from_csv(csv_path)
    assert amb.temp_c(50400.0) == 31.0 and amb.temp_c(36000.0) == pytest.approx(14.0 + 17.0 * 0.5)
    sun = SolarLoad(peak_w=20.0, sunrise_s=6 * 3600.0, sunset_s=19 * 3600.0)
    net = ThermalNetwork(["board", "box"], [200.0, 8000.0], 0.0, resistance_k_per_w={("board", "box"): 1.5},
                         ambient_resistance_k_per_w={"box": 0.8})
    share = np.array([0.0, 1.0])  # the sun heats the enclosure
    p = np.array([6.0, 0.0])
    # advance to each next breakpoint (CSV point, sunrise, sunset)
    t, temp = 0.0, np.array([20.0, 20.0])
    while t < 86400.0:
        fa, fs = amb.forcing(t), sun.forcing(t)
        dt = min(fa.length_s, fs.length_s, 86400.0 - t, 3 * 3600.0)
        temp = step_with_forcing(net, temp, p, dt, fa, fs, share)
        t += dt

    g = net.conductance_w_per_k
    cap = net.capacity_j_per_k
    g_amb = net.ambient_conductance_w_per_k

    def rhs(tt, y):
        heat = p + g_amb * amb.temp_c(tt) + share * sun.power_w(tt) - g @ y
        return heat / cap

    ref = solve_ivp(rhs, (0.0, 86400.0), [20.0, 20.0], method="DOP853", rtol=1e-12, atol=1e-10,
                    max_step=600.0).y[:, -1]
    np.testing.assert_allclose(temp, ref, atol=1e-6)
    # the sun and the afternoon heat the box above the no-sun case
    t, cool = 0.0, np.array([20.0, 20.0])
    while t < 86400.0:
        fa = amb.forcing(t)
        dt = min(fa.length_s, 86400.0 - t, 3 * 3600.0)
        cool = step_with_forcing(net, cool, p, dt, fa)
        t += dt
    assert temp[1] > cool[1]


def test_forcing_interval_may_not_cross_a_breakpoint():
    net = ThermalNetwork.single_node(1.0, 1.0, 0.0)
    with pytest.raises(ValueError, match="breakpoint"):
        step_with_forcing(net, [20.0], [0.0], 10.0, Forcing(20.0, length_s=5.0))
    assert SolarLoad(10.0).power_w(3 * 3600.0) == 0.0
    assert SolarLoad(10.0).power_w(12 * 3600.0) == pytest.approx(10.0)
