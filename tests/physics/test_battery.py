"""Battery models against closed forms, an ODE solver and their limiting cases."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from edgesim.physics.battery import (
    EnergyState,
    IdealBattery,
    KiBaMBattery,
    KiBaMState,
    PeukertBattery,
    battery_draw_w,
)

J_PER_WH = 3600.0


# ---------------------------------------------------------------------------------------------- helpers
def test_battery_draw_divides_by_converter_efficiency():
    assert battery_draw_w(9.0, 0.9) == pytest.approx(10.0, rel=1e-15)
    assert battery_draw_w(5.0, 1.0) == 5.0
    with pytest.raises(ValueError, match="dcdc_efficiency"):
        battery_draw_w(5.0, 0.0)
    with pytest.raises(ValueError, match="dcdc_efficiency"):
        battery_draw_w(5.0, 1.1)
    with pytest.raises(ValueError, match="load_power_w"):
        battery_draw_w(-1.0, 0.9)


# ---------------------------------------------------------------------------------------------- ideal
def test_ideal_time_to_empty_is_usable_energy_over_power():
    bat = IdealBattery(capacity_wh=50.0, cutoff_soc=0.1)
    s = bat.initial_state()
    assert s.energy_j == 50.0 * J_PER_WH
    assert bat.soc(s) == 1.0
    t = bat.time_to_cutoff_s(s, 25.0)
    assert t == pytest.approx(0.9 * 50.0 * J_PER_WH / 25.0, rel=1e-15)  # 1.8 h of the 2 h at 25 W
    assert not bat.is_empty(bat.step(s, 25.0, t * (1.0 - 1e-6)))
    end = bat.step(s, 25.0, t)
    assert bat.is_empty(end)
    assert bat.soc(end) == pytest.approx(0.1, rel=1e-12)
    assert bat.time_to_cutoff_s(end, 25.0) == 0.0
    assert bat.time_to_cutoff_s(s, 0.0) == math.inf


def test_ideal_steps_are_energy_bookkeeping_and_stop_at_zero():
    bat = IdealBattery(capacity_wh=1.0)
    s = bat.step(bat.initial_state(), 2.0, 100.0)
    assert s == EnergyState(3600.0 - 200.0)
    s = bat.step(s, 0.0, 1e6)
    assert s.energy_j == 3400.0
    assert bat.step(s, 10.0, 1e6) == EnergyState(0.0)


# ---------------------------------------------------------------------------------------------- Peukert
@pytest.mark.parametrize("power_w", [0.0, 0.3, 1.0, 4.1666, 12.0, 80.0])
def test_peukert_exponent_one_is_ideal_exactly(power_w):
    ideal = IdealBattery(100.0, cutoff_soc=0.05)
    peuk = PeukertBattery(100.0, nominal_voltage_v=12.0, peukert_exponent=1.0, rated_hours=20.0, cutoff_soc=0.05)
    si, sp = ideal.initial_state(), peuk.initial_state()
    assert si == sp
    for dt in (10.0, 333.3, 1000.0):
        si, sp = ideal.step(si, power_w, dt), peuk.step(sp, power_w, dt)
        assert si == sp
        assert ideal.time_to_cutoff_s(si, power_w) == peuk.time_to_cutoff_s(sp, power_w)
        assert ideal.soc(si) == peuk.soc(sp)


def test_peukert_law_life_and_rate_effect():
    k, hours = 1.2, 20.0
    bat = PeukertBattery(100.0, nominal_voltage_v=12.0, peukert_exponent=k, rated_hours=hours)
    ideal = IdealBattery(100.0)
    rated_current_a = 100.0 / 12.0 / hours
    assert bat.rated_current_a == pytest.approx(rated_current_a, rel=1e-15)
    s = bat.initial_state()
    for current_a in (0.1 * rated_current_a, rated_current_a, 3.0 * rated_current_a, 10.0 * rated_current_a):
        power_w = current_a * 12.0
        life_s = bat.time_to_cutoff_s(s, power_w)
        # Peukert's law: t = H (I_rated / I)^k.
        assert life_s == pytest.approx(hours * J_PER_WH * (rated_current_a / current_a) ** k, rel=1e-12)
        ideal_s = ideal.time_to_cutoff_s(ideal.initial_state(), power_w)
        if current_a > rated_current_a:
            assert life_s < ideal_s  # shorter life at high current
        elif current_a == rated_current_a:
            assert life_s == pytest.approx(ideal_s, rel=1e-12)
        else:
            assert life_s > ideal_s
    assert bat.effective_current_a(10 * rated_current_a * 12.0) == pytest.approx(
        10 * rated_current_a * 10.0 ** (k - 1.0), rel=1e-12
    )


def test_peukert_higher_exponent_shorter_life_at_high_current():
    lives = [
        PeukertBattery(100.0, 12.0, k, 20.0).time_to_cutoff_s(EnergyState(360000.0), 60.0)
        for k in (1.0, 1.05, 1.15, 1.3)
    ]
    assert all(a > b for a, b in zip(lives, lives[1:]))


# ---------------------------------------------------------------------------------------------- KiBaM
def kibam(**kw) -> KiBaMBattery:
    args = dict(capacity_wh=10.0, nominal_voltage_v=3.7, c=0.625, k_per_s=2e-4, cutoff_soc=0.0)
    args.update(kw)
    return KiBaMBattery(**args)


def kibam_ode(bat: KiBaMBattery, state: KiBaMState, current_a: float, t_s: float, **kw):
    c, k = bat.c, bat.k_per_s

    def rhs(_t, y):
        flow = k * (y[1] / (1.0 - c) - y[0] / c)  # k (h2 - h1)
        return [-current_a + flow, -flow]

    return solve_ivp(rhs, (0.0, t_s), [state.y1_coulomb, state.y2_coulomb], method="Radau",
                     rtol=1e-11, atol=1e-9, **kw)


@pytest.mark.parametrize("power_w", [0.0, 1.0, 5.0, 12.0])
@pytest.mark.parametrize("start", ["full", "depleted"])
def test_kibam_closed_form_matches_ode_solver(power_w, start):
    bat = kibam()
    state = bat.initial_state() if start == "full" else KiBaMState(500.0, 3000.0)
    times = np.array([1.0, 60.0, 600.0, 1500.0])
    if start == "depleted":
        times = times[times < 300.0] if power_w >= 5.0 else times
    current_a = power_w / bat.nominal_voltage_v
    sol = kibam_ode(bat, state, current_a, float(times[-1]), t_eval=times)
    q = bat.capacity_coulomb
    for k, t in enumerate(times):
        got = bat.evolve(state, current_a, float(t))
        assert got.y1_coulomb == pytest.approx(sol.y[0, k], abs=1e-8 * q)
        assert got.y2_coulomb == pytest.approx(sol.y[1, k], abs=1e-8 * q)
        # Charge conservation: what left both wells is exactly I t.
        assert got.y1_coulomb + got.y2_coulomb == pytest.approx(
            state.y1_coulomb + state.y2_coulomb - current_a * t, abs=1e-12 * q
        )


def test_kibam_full_state_and_units():
    bat = kibam()
    q = 10.0 * J_PER_WH / 3.7
    assert bat.capacity_coulomb == pytest.approx(q, rel=1e-15)
    s = bat.initial_state()
    assert s.y1_coulomb == pytest.approx(0.625 * q) and s.y2_coulomb == pytest.approx(0.375 * q)
    assert bat.soc(s) == pytest.approx(1.0, rel=1e-15)
    assert bat.available_soc(s) == pytest.approx(1.0, rel=1e-15)
    assert bat.k_prime_per_s == pytest.approx(2e-4 / (0.625 * 0.375), rel=1e-15)
    # At rest with equal heights nothing moves.
    rest = bat.step(s, 0.0, 1e5)
    assert rest.y1_coulomb == pytest.approx(s.y1_coulomb, rel=1e-14)


def test_kibam_time_to_cutoff_matches_ode_event():
    bat = kibam(cutoff_soc=0.2)
    s = bat.initial_state()
    power_w = 8.0
    t = bat.time_to_cutoff_s(s, power_w)
    level = 0.2 * bat.c * bat.capacity_coulomb

    def hit(_t, y):
        return y[0] - level

    hit.terminal = True
    sol = kibam_ode(bat, s, power_w / bat.nominal_voltage_v, 10 * t, events=hit)
    assert t == pytest.approx(sol.t_events[0][0], rel=1e-7)
    end = bat.step(s, power_w, t)
    assert end.y1_coulomb == pytest.approx(level, abs=1e-9 * bat.capacity_coulomb)
    assert bat.is_empty(end)
    assert not bat.is_empty(bat.step(s, power_w, t * (1.0 - 1e-6)))
    # Rate-capacity effect: bound charge is stranded, so usable time is below the ideal bucket's.
    ideal = IdealBattery(10.0, cutoff_soc=0.2).time_to_cutoff_s(IdealBattery(10.0).initial_state(), power_w)
    assert t < ideal
    assert bat.soc(end) > 0.2


def test_kibam_rate_capacity_effect_delivers_less_energy_at_high_power():
    bat = kibam()
    s = bat.initial_state()
    delivered_j = [p * bat.time_to_cutoff_s(s, p) for p in (0.05, 0.5, 2.0, 8.0, 30.0)]
    assert all(a > b for a, b in zip(delivered_j, delivered_j[1:]))
    assert delivered_j[0] == pytest.approx(10.0 * J_PER_WH, rel=1e-2)  # slow drain empties both wells
    assert delivered_j[-1] < 0.75 * 10.0 * J_PER_WH


def test_kibam_recovery_effect():
    bat = kibam(cutoff_soc=0.05)
    s = bat.initial_state()
    heavy_w = 30.0
    empty = bat.step(s, heavy_w, bat.time_to_cutoff_s(s, heavy_w))
    assert bat.is_empty(empty)
    rested = bat.step(empty, 0.0, 600.0)
    assert rested.y1_coulomb > empty.y1_coulomb  # bound charge flowed back into the available well
    assert not bat.is_empty(rested)
    assert bat.time_to_cutoff_s(rested, heavy_w) > 0.0
    assert bat.soc(rested) == pytest.approx(bat.soc(empty), rel=1e-12)  # resting draws nothing
    # After a long rest the heights equalize: y1 = c (y1 + y2).
    settled = bat.step(empty, 0.0, 1e6)
    total = settled.y1_coulomb + settled.y2_coulomb
    assert settled.y1_coulomb == pytest.approx(bat.c * total, rel=1e-12)


def test_kibam_first_crossing_when_available_charge_rises_first():
    # Available well nearly dry, bound well high: at a light load y1 first rises, then falls.
    bat = kibam(cutoff_soc=0.1)
    state = KiBaMState(0.11 * bat.c * bat.capacity_coulomb, 0.6 * (1 - bat.c) * bat.capacity_coulomb)
    power_w = 1.0
    current_a = power_w / bat.nominal_voltage_v
    assert bat.evolve(state, current_a, 100.0).y1_coulomb > state.y1_coulomb
    t = bat.time_to_cutoff_s(state, power_w)
    level = 0.1 * bat.c * bat.capacity_coulomb

    def hit(_t, y):
        return y[0] - level

    hit.terminal = True
    hit.direction = -1
    sol = kibam_ode(bat, state, current_a, 1e6, events=hit)
    assert t == pytest.approx(sol.t_events[0][0], rel=1e-7)


def test_kibam_large_k_behaves_like_ideal():
    ideal = IdealBattery(10.0, cutoff_soc=0.1)
    bat = kibam(k_per_s=1e3, cutoff_soc=0.1)
    for power_w in (0.5, 5.0, 40.0):
        t_ideal = ideal.time_to_cutoff_s(ideal.initial_state(), power_w)
        assert bat.time_to_cutoff_s(bat.initial_state(), power_w) == pytest.approx(t_ideal, rel=1e-6)
        s = bat.step(bat.initial_state(), power_w, 0.5 * t_ideal)
        assert bat.soc(s) == pytest.approx(ideal.soc(ideal.step(ideal.initial_state(), power_w, 0.5 * t_ideal)))
        assert bat.available_soc(s) == pytest.approx(bat.soc(s), rel=1e-6)


def test_kibam_step_cuts_load_when_available_well_runs_dry():
    bat = kibam()
    s = bat.initial_state()
    power_w = 20.0
    current_a = power_w / bat.nominal_voltage_v
    t_dry = bat.time_to_cutoff_s(s, power_w)  # cutoff_soc = 0: the well is dry
    end = bat.step(s, power_w, t_dry + 500.0)
    # Only I t_dry left the battery; afterwards the wells relaxed at zero current.
    total = end.y1_coulomb + end.y2_coulomb
    assert total == pytest.approx(bat.capacity_coulomb - current_a * t_dry, rel=1e-9)
    assert end.y1_coulomb > 0.0
    expected = bat.evolve(KiBaMState(0.0, bat.evolve(s, current_a, t_dry).y2_coulomb), 0.0, 500.0)
    assert end.y1_coulomb == pytest.approx(expected.y1_coulomb, rel=1e-6)


@settings(max_examples=100, deadline=None)
@given(
    power_w=st.floats(min_value=0.0, max_value=10.0),
    dt1=st.floats(min_value=0.0, max_value=800.0),
    dt2=st.floats(min_value=0.0, max_value=800.0),
)
def test_kibam_steps_compose(power_w, dt1, dt2):
    bat = kibam()
    s = bat.initial_state()  # 10 W for 1600 s stays well clear of a dry available well
    a = bat.step(bat.step(s, power_w, dt1), power_w, dt2)
    b = bat.step(s, power_w, dt1 + dt2)
    assert a.y1_coulomb == pytest.approx(b.y1_coulomb, abs=1e-10 * bat.capacity_coulomb)
    assert a.y2_coulomb == pytest.approx(b.y2_coulomb, abs=1e-10 * bat.capacity_coulomb)


# ---------------------------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: IdealBattery(0.0), "capacity_wh"),
        (lambda: IdealBattery(10.0, cutoff_soc=1.0), "cutoff_soc"),
        (lambda: IdealBattery(10.0, cutoff_soc=-0.1), "cutoff_soc"),
        (lambda: PeukertBattery(10.0, 0.0, 1.1, 20.0), "nominal_voltage_v"),
        (lambda: PeukertBattery(10.0, 12.0, 0.9, 20.0), "peukert_exponent"),
        (lambda: PeukertBattery(10.0, 12.0, 1.1, 0.0), "rated_hours"),
        (lambda: kibam(c=0.0), "c: must be in"),
        (lambda: kibam(c=1.0), "c: must be in"),
        (lambda: kibam(k_per_s=0.0), "k_per_s"),
        (lambda: kibam(k_per_s=-1e-3), "k_per_s"),
        (lambda: kibam(capacity_wh=-5.0), "capacity_wh"),
        (lambda: kibam(nominal_voltage_v=0.0), "nominal_voltage_v"),
    ],
)
def test_bad_parameters_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize("bat", [IdealBattery(10.0), PeukertBattery(10.0, 12.0, 1.1, 20.0), kibam()])
def test_negative_power_or_time_raises(bat):
    with pytest.raises(ValueError, match="power_w"):
        bat.step(bat.initial_state(), -1.0, 1.0)
    with pytest.raises(ValueError, match="dt_s"):
        bat.step(bat.initial_state(), 1.0, -1.0)
    with pytest.raises(ValueError, match="power_w"):
        bat.time_to_cutoff_s(bat.initial_state(), math.nan)
