"""Throttle steps and trip points: the step controller's crossing times against the thermal network, and where a trip shuts down."""
from __future__ import annotations

import math

import numpy as np
import pytest

from edgesim.physics.thermal import ThermalNetwork
from edgesim.physics.throttle import StepController, ThrottleLadder, TripPoint


def test_throttle_steps_without_critical_trip_never_shut_down():
    # the Raspberry Pi's published trips (80 C Arm, 85 C Arm + GPU), no shutdown temperature: hysteresis 2 K
    pi = ThrottleLadder(StepController((TripPoint(80.0, 2.0), TripPoint(85.0, 2.0))))
    level, levels = 0, []
    for t in [70.0, 80.0, 84.9, 85.0, 95.0, 83.1, 83.0, 78.1, 78.0]:
        nxt = pi.next_level(level, t)
        assert nxt is not None  # no critical trip: never a shutdown
        level = nxt
        levels.append(level)
    assert levels == [0, 1, 1, 2, 2, 2, 1, 1, 0]
    assert pi.watch_c(0) == (80.0, -math.inf)
    assert pi.watch_c(2) == (math.inf, 83.0)


def test_critical_trip_shuts_down_and_only_there():
    # NVIDIA Tegra's "hot" 98.5 C trip and "critical" 102.5 C shutdown
    tegra = ThrottleLadder(StepController((TripPoint(98.5),)), critical_c=102.5)
    assert tegra.next_level(0, 98.5) == 1
    assert tegra.next_level(1, 102.4) == 1
    assert tegra.watch_c(1) == (102.5, 98.5)
    assert tegra.next_level(1, 102.5) is None
    # a single throttle is the one-step ladder; a unit with nothing to throttle to keeps only its critical trip
    only_critical = ThrottleLadder(StepController(()), critical_c=90.0)
    assert only_critical.watch_c(0) == (90.0, -math.inf)
    assert only_critical.next_level(0, 89.9) == 0 and only_critical.next_level(0, 90.0) is None


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
