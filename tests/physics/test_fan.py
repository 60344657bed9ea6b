"""Fan curve with hysteresis: levels, resistance and power vs duty, and an event-driven run against solve_ivp."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from edgesim.physics.fan import PI5_FAN_DUTY, FanCooling, FanCurve, raspberry_pi5_fan_curve
from edgesim.physics.thermal import rc_step_temp_c, rc_time_to_reach_s

# Illustrative cooling (NOT Pi 5 figures: none are published in the references): 12 K/W passive, 4 K/W at
# full duty, 1.0 W fan at full duty.
COOLING = FanCooling(passive_resistance_k_per_w=12.0, full_resistance_k_per_w=4.0, full_power_w=1.0)


def test_pi5_curve_levels_with_hysteresis():
    fan = raspberry_pi5_fan_curve(COOLING)
    assert fan.duty == PI5_FAN_DUTY
    level = 0
    trace = []
    for t in [40, 49.9, 50, 55, 59.9, 60, 67.5, 74, 75, 80, 70.1, 70, 62.6, 62.5, 40]:
        level = fan.level_for(level, t)
        trace.append(level)
    #          40 49.9 50 55 59.9 60 67.5 74 75 80 70.1 70 62.6 62.5 40
    assert trace == [0, 0, 1, 1, 1, 2, 3, 3, 4, 4, 4, 3, 3, 2, 0]
    assert fan.thresholds_c(0) == (50.0, -math.inf)
    assert fan.thresholds_c(2) == (67.5, 55.0)
    assert fan.thresholds_c(4) == (math.inf, 70.0)
    # A jump straight past several trips lands on the highest one reached.
    assert fan.level_for(0, 90.0) == 4


def test_resistance_and_power_vs_duty():
    assert COOLING.resistance_k_per_w(0.0) == pytest.approx(12.0, rel=1e-15)
    assert COOLING.resistance_k_per_w(1.0) == pytest.approx(4.0, rel=1e-15)
    # G(d) = 1/12 + (1/4 - 1/12) d^0.8
    assert COOLING.resistance_k_per_w(0.5) == pytest.approx(1.0 / (1.0 / 12.0 + (1.0 / 6.0) * 0.5 ** 0.8), rel=1e-14)
    duties = np.linspace(0.0, 1.0, 11)
    assert np.all(np.diff([COOLING.resistance_k_per_w(d) for d in duties]) < 0.0)
    assert COOLING.power_w(0.5) == pytest.approx(0.125, rel=1e-15)  # affinity law: P ~ speed^3
    assert COOLING.power_w(0.0) == 0.0
    with pytest.raises(ValueError, match="cannot cool worse"):
        FanCooling(4.0, 12.0, 1.0)
    with pytest.raises(ValueError, match="duty"):
        FanCurve.from_steps([50.0, 60.0], [0.0, 0.5], 5.0, COOLING)


def _event_driven(fan: FanCurve, power_w: float, capacity_j_per_k: float, ambient_c: float, horizon_s: float):
    """What a simulator does: exact RC steps between the exact instants at which the level changes."""
    t, temp, level, fan_j = 0.0, ambient_c, 0, 0.0
    changes = []
    while t < horizon_s:
        r = fan.resistance_k_per_w(level)
        up_c, down_c = fan.thresholds_c(level)
        t_up = rc_time_to_reach_s(temp, ambient_c, power_w, r, capacity_j_per_k, up_c) if math.isfinite(up_c) else math.inf
        steady = ambient_c + power_w * r
        t_down = (rc_time_to_reach_s(temp, ambient_c, power_w, r, capacity_j_per_k, down_c)
                  if math.isfinite(down_c) and steady < temp else math.inf)
        t_up = t_up if steady > temp or temp >= up_c else math.inf
        dt = min(t_up, t_down, horizon_s - t)
        temp = rc_step_temp_c(temp, ambient_c, power_w, r, capacity_j_per_k, dt)
        fan_j += fan.power_w(level) * dt
        t += dt
        if t < horizon_s:
            # at the crossing itself: the exact threshold decides (rounding must not hide it)
            temp = up_c if dt == t_up else down_c
            level = fan.level_for(level, temp)
            changes.append((t, level))
    return temp, level, fan_j, changes


def _reference(fan: FanCurve, power_w, capacity_j_per_k, ambient_c, horizon_s):
    """solve_ivp of the switched ODE with the level changed at solver events."""
    t, temp, level, fan_j = 0.0, ambient_c, 0, 0.0
    while t < horizon_s:
        r = fan.resistance_k_per_w(level)
        up_c, down_c = fan.thresholds_c(level)

        def up(_t, y, up_c=up_c):
            return y[0] - up_c

        def down(_t, y, down_c=down_c):
            return y[0] - down_c

        up.terminal, up.direction = True, 1.0
        down.terminal, down.direction = True, -1.0
        sol = solve_ivp(lambda _t, y, r=r: [(power_w - (y[0] - ambient_c) / r) / capacity_j_per_k],
                        (t, horizon_s), [temp], method="DOP853", rtol=1e-12, atol=1e-12,
                        events=[up, down] if math.isfinite(down_c) else [up])
        fan_j += fan.power_w(level) * (sol.t[-1] - t)
        t, temp = sol.t[-1], sol.y[0, -1]
        if t < horizon_s:
            level = fan.level_for(level, up_c if sol.t_events[0].size else down_c)
    return temp, level, fan_j


@pytest.mark.parametrize("power_w", [5.0, 5.25, 5.5, 8.0])
def test_event_driven_fan_matches_solve_ivp(power_w):
    # Pi 5 curve on one node (C = 60 J/K) in a 25 C ambient; passive steady state 25 + 12 P is far above 75 C.
    fan = raspberry_pi5_fan_curve(COOLING)
    ours = _event_driven(fan, power_w, 60.0, 25.0, 3000.0)
    ref = _reference(fan, power_w, 60.0, 25.0, 3000.0)
    assert ours[0] == pytest.approx(ref[0], abs=1e-6)
    assert ours[1] == ref[1]
    assert ours[2] == pytest.approx(ref[2], rel=1e-6)
    # The fan holds the node well below the passive steady state, and below the Pi's 80 C throttle.
    assert ours[0] < 80.0 < 25.0 + 12.0 * power_w


def test_fan_limit_cycle_between_two_levels():
    # 5.25 W: at 30 % duty the steady state (25 + P R(0.3) = 60.7 C) is above the 60 C trip, at 50 % duty
    # (54.3 C) below the 55 C release: the fan cycles between levels 1 and 2 forever.
    fan = raspberry_pi5_fan_curve(COOLING)
    r1, r2 = fan.resistance_k_per_w(1), fan.resistance_k_per_w(2)
    assert 25.0 + 5.25 * r1 > 60.0 and 25.0 + 5.25 * r2 < 55.0
    temp, _, fan_j, changes = _event_driven(fan, 5.25, 60.0, 25.0, 8000.0)
    levels = [lvl for _, lvl in changes]
    assert levels[:5] == [1, 2, 1, 2, 1]
    assert 54.9 < temp < 60.1
    # Fan energy lies between always-30 % and always-50 % after the first trip.
    t_first = changes[0][0]
    assert fan.power_w(1) * (8000.0 - t_first) < fan_j < fan.power_w(2) * (8000.0 - t_first)
    # The period of the cycle is constant (same thresholds, same exponentials): compare two periods.
    times = [t for t, _ in changes]
    assert times[3] - times[1] == pytest.approx(times[5] - times[3], rel=1e-9)
