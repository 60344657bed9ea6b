"""Sleep states, throttle steps and time-varying ambient: closed forms, brute force and solve_ivp."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad, solve_ivp

from edgesim.physics.ambient import DailySineAmbient, Forcing, PiecewiseLinearAmbient, SolarLoad, step_with_forcing
from edgesim.physics.sleep import SleepState
from edgesim.physics.thermal import ThermalNetwork
from edgesim.physics.throttle import StepController, ThermalThrottle, ThrottleStep, TripPoint, raspberry_pi_throttle, tegra_throttle

# ------------------------------------------------------------------------------------------------ sleep
SLEEP = SleepState(idle_power_w=1.0, sleep_power_w=0.1, timeout_s=0.05, entry_s=0.002, entry_energy_j=0.004,
                   wake_s=0.005, wake_energy_j=0.01)


def _brute_gap_energy(state: SleepState, gap_s: float, n: int = 200_001) -> float:
    """Integrate the power timeline of the gap numerically (idle, entry, sleep) and add the wake energy."""
    if gap_s <= state.timeout_s:
        return state.idle_power_w * gap_s
    horizon = max(gap_s, state.timeout_s + state.entry_s)
    power = lambda t: state.power_w_at(t)  # noqa: E731
    e, _ = quad(power, 0.0, horizon, points=[state.timeout_s, state.timeout_s + state.entry_s], limit=200)
    return e + state.wake_energy_j


@pytest.mark.parametrize("gap_s", [0.0, 0.01, 0.05, 0.051, 0.0515, 0.052, 0.1, 1.0, 30.0])
def test_idle_gap_energy_matches_its_timeline(gap_s):
    g = SLEEP.idle_gap(gap_s)
    assert g.energy_j == pytest.approx(_brute_gap_energy(SLEEP, gap_s), rel=1e-9, abs=1e-15)
    if gap_s <= SLEEP.timeout_s:
        assert (g.slept, g.wake_delay_s) == (False, 0.0)
    else:
        # an arrival during the entry waits for it, then for the wake
        assert g.wake_delay_s == pytest.approx(max(0.0, SLEEP.timeout_s + SLEEP.entry_s - gap_s) + SLEEP.wake_s)


def test_break_even_time_closed_form_and_meaning():
    # T_tr = 7 ms, E_tr = 14 mJ: T_BE = (0.014 - 0.1 x 0.007) / (1.0 - 0.1) = 14.78 ms
    t_be = SLEEP.break_even_s()
    assert t_be == pytest.approx((0.014 - 0.1 * 0.007) / 0.9, rel=1e-15)
    # Benini's accounting (transitions inside the idle period): sleeping at once costs the same at T_BE.
    sleep_at_once = lambda t: 0.014 + 0.1 * (t - 0.007)  # noqa: E731
    assert sleep_at_once(t_be) == pytest.approx(1.0 * t_be, rel=1e-12)
    assert sleep_at_once(2 * t_be) < 2 * t_be and sleep_at_once(0.5 * t_be + 0.0035) > 0.5 * t_be + 0.0035
    # Free, instant transitions: break-even at the transition time (0).
    assert SleepState(1.0, 0.1, 0.0).break_even_s() == 0.0
    assert SleepState(1.0, 1.0, 0.0).break_even_s() == math.inf


def test_timeout_at_break_even_is_two_competitive():
    # Ski rental: with timeout = T_BE the energy of any gap is at most twice the better of "never sleep" and
    # "sleep at once" (transitions counted inside the gap, Benini's accounting, wake energy paid).
    base = dict(idle_power_w=1.0, sleep_power_w=0.1, entry_s=0.0, entry_energy_j=0.004, wake_s=0.0,
                wake_energy_j=0.01)
    t_be = SleepState(timeout_s=0.0, **base).break_even_s()
    policy = SleepState(timeout_s=t_be, **base)
    for gap in np.geomspace(1e-4, 10.0, 200):
        oracle = min(1.0 * gap, 0.014 + 0.1 * gap)
        assert policy.idle_gap(gap).energy_j <= 2.0 * oracle * (1.0 + 1e-12)


def test_sleep_validation():
    with pytest.raises(ValueError, match="sleep_power_w"):
        SleepState(1.0, 2.0, 0.1)
    with pytest.raises(ValueError, match="gap_s"):
        SLEEP.idle_gap(-1.0)


# ------------------------------------------------------------------------------------------------ throttle
def test_pi_throttle_steps_never_shut_down_at_85():
    pi = raspberry_pi_throttle(0.75, 0.6, 0.5, 0.3, hysteresis_c=2.0)
    level, states = 0, []
    for t in [70.0, 80.0, 84.9, 85.0, 95.0, 83.1, 83.0, 78.1, 78.0]:
        st = pi.next_state(level, t)
        level = st.level
        states.append((st.level, st.shutdown))
    assert states == [(0, False), (1, False), (1, False), (2, False), (2, False), (2, False), (1, False),
                      (1, False), (0, False)]
    assert pi.watch_c(0) == (80.0, -math.inf)
    assert pi.watch_c(2) == (math.inf, 83.0)
    assert pi.state(2).clock_fraction == 0.5


def test_tegra_critical_trip_shuts_down_and_only_there():
    tegra = tegra_throttle(power_fraction=0.7)
    st = tegra.next_state(0, 98.5)
    assert (st.level, st.clock_fraction, st.shutdown) == (1, 0.85, False)
    assert tegra.watch_c(1) == (102.5, 98.5)
    assert tegra.next_state(1, 102.5).shutdown
    with pytest.raises(ValueError, match="critical_c"):
        ThermalThrottle((ThrottleStep(TripPoint(90.0), 0.8, 0.7),), critical_c=85.0)


def test_step_controller_crossing_times_with_the_thermal_network():
    # A simulator's loop: watch the two thresholds with time_to_reach_s; the level changes exactly there.
    net = ThermalNetwork.single_node(10.0, 30.0, 25.0)
    ctl = StepController((TripPoint(60.0, 5.0), TripPoint(70.0, 5.0)))
    power_by_level = [6.0, 4.0, 3.5]  # throttling lowers the heat
    temp, level, t, changes = np.array([25.0]), 0, 0.0, []
    while t < 3000.0:
        up, down = ctl.thresholds_c(level)
        p = [power_by_level[level]]
        t_up = net.time_to_reach_s(temp, p, 0, up) if math.isfinite(up) else math.inf
        t_down = net.time_to_reach_s(temp, p, 0, down, direction="down") if math.isfinite(down) else math.inf
        dt = min(t_up, t_down, 3000.0 - t)
        temp = net.step(temp, p, dt)
        t += dt
        if dt in (t_up, t_down):
            level = ctl.level_for(level, up if dt == t_up else down)
            changes.append((t, level))
    # 6 W -> 85 C steady, trips at 60 C; 4 W -> 65 C steady: never reaches 70 C, never falls to 55 C.
    assert [lvl for _, lvl in changes] == [1]
    assert changes[0][0] == pytest.approx(-300.0 * math.log(1.0 - 35.0 / 60.0), rel=1e-12)
    assert temp[0] == pytest.approx(65.0, abs=1e-3)


def test_trip_validation():
    with pytest.raises(ValueError, match="increase strictly"):
        StepController((TripPoint(70.0), TripPoint(60.0)))
    with pytest.raises(ValueError, match="release points"):
        StepController((TripPoint(60.0, 1.0), TripPoint(62.0, 5.0)))


# ------------------------------------------------------------------------------------------------ ambient
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
