"""Sleep states: idle-gap energy against its timeline, the break-even time and the 2-competitive timeout."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

from edgesim.physics.sleep import SleepState

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
