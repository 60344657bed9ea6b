"""Li-ion packs of series and parallel cells: an ``s x p`` pack against the theory of identical, balanced
cells (the ``p`` cells of a group share the current equally), in physics and the schema (in a run:
tests/sim/test_battery.py; on the command line: tests/cli/test_battery_pack.py)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

from edgesim.catalog.cells import load_cell
from edgesim.physics.liion import LiIonPack, LiIonStep

CELL = "lg_m50_nmc811"


def _pack(series: int, parallel: int, **kw: float) -> LiIonPack:
    return LiIonPack(load_cell(CELL), series, parallel, **kw)


# ------------------------------------------------------------------------------------- pack parameters
def test_parallel_cells_double_capacity_and_halve_resistance():
    cell = load_cell(CELL)
    one, two = _pack(3, 1), _pack(3, 2)
    single = _pack(1, 1)
    assert two.cell_count == 6 and two.configuration == "3s2p"
    assert two.capacity_ah == pytest.approx(2.0 * one.capacity_ah, rel=1e-15)
    assert two.capacity_ah == pytest.approx(2.0 * cell.capacity_ah, rel=1e-15)
    assert two.energy_wh() == pytest.approx(2.0 * one.energy_wh(), rel=1e-14)
    assert two.energy_wh() == pytest.approx(6.0 * single.energy_wh(), rel=1e-14)  # Wh x s x p
    assert two.cell_energy_wh() == pytest.approx(single.energy_wh(), rel=1e-14)
    for z in (0.0, 0.13, 0.5, 0.97, 1.0):
        assert two.ocv_v(z) == pytest.approx(3.0 * cell.ocv.voltage_v(z), rel=1e-15)  # OCV x s, not x p
    assert two.cutoff_v == pytest.approx(3.0 * cell.cutoff_v)  # the cut-off is each cell's
    assert two.r0_ohm == pytest.approx(cell.r0_ohm * 3.0 / 2.0, rel=1e-15)
    np.testing.assert_allclose(two.rc_resistance_ohm, [rc.resistance_ohm * 1.5 for rc in cell.rc_pairs], rtol=1e-15)
    np.testing.assert_allclose(two.rc_tau_s / two.rc_resistance_ohm,
                               [rc.capacitance_f * 2.0 / 3.0 for rc in cell.rc_pairs], rtol=1e-14)  # C x p / s
    np.testing.assert_allclose(two.rc_tau_s, one.rc_tau_s, rtol=0)


@pytest.mark.parametrize("series, parallel", [(0, 1), (1, 0), (3, 2.5), (True, 1), (2, -1)])
def test_pack_counts_must_be_integers_of_at_least_one(series, parallel):
    with pytest.raises(ValueError, match="series|parallel"):
        LiIonPack(load_cell(CELL), series, parallel)


# ------------------------------------------------------------------------------------- current sharing
def _compare_steps(big: LiIonStep, small: LiIonStep, ratio: float) -> None:
    """``big`` is an ``s x p`` pack, ``small`` an ``s x 1`` pack at ``1 / p`` of the power: same state, ``p x`` the
    charge and every energy."""
    assert big.state.soc == pytest.approx(small.state.soc, rel=1e-9, abs=1e-12)
    np.testing.assert_allclose(big.state.rc_voltage_v, small.state.rc_voltage_v, rtol=1e-8, atol=1e-12)
    assert big.end == small.end
    assert big.end_voltage_v == pytest.approx(small.end_voltage_v, rel=1e-9)
    for key in ("charge_ah", "delivered_j", "ocv_energy_j", "heat_j"):
        assert getattr(big, key) == pytest.approx(ratio * getattr(small, key), rel=1e-8), key


def test_3s2p_under_p_is_3s1p_under_half_p_at_every_step():
    power_w = 40.0
    two, one = _pack(3, 2), _pack(3, 1)
    s2, s1 = two.initial_state(), one.initial_state()
    # short steps (the RK4 path: below 1 % of tau = 27 s), medium and long ones (solve_ivp), a rest
    intervals = [0.05] * 20 + [5.0] * 10 + [600.0] * 4 + [0.1] * 5 + [1800.0] * 3
    for k, dt in enumerate(intervals):
        load = 0.0 if k == 30 else power_w
        v2, v1 = two.terminal_voltage_v(s2, load), one.terminal_voltage_v(s1, load / 2.0)
        assert v2 == pytest.approx(v1, rel=1e-9)
        assert two.current_a(s2, load) == pytest.approx(2.0 * one.current_a(s1, load / 2.0), rel=1e-9)
        step2, step1 = two.advance(s2, dt, load_power_w=load), one.advance(s1, dt, load_power_w=load / 2.0)
        _compare_steps(step2, step1, 2.0)
        s2, s1 = step2.state, step1.state
    assert s2.soc < 0.6  # a real part of the discharge was covered
    # the life from here, and from full: equal
    assert two.time_to_cutoff_s(s2, power_w) == pytest.approx(one.time_to_cutoff_s(s1, power_w / 2.0), rel=1e-9)
    full2 = two.advance(two.initial_state(), math.inf, load_power_w=power_w, stop_at_end=True)
    full1 = one.advance(one.initial_state(), math.inf, load_power_w=power_w / 2.0, stop_at_end=True)
    assert full2.end == full1.end == "cutoff_voltage"
    assert full2.end_time_s == pytest.approx(full1.end_time_s, rel=1e-9)
    _compare_steps(full2, full1, 2.0)


@pytest.mark.parametrize("series, parallel", [(3, 2), (2, 4), (1, 3)])
def test_each_cell_of_an_s_by_p_pack_is_a_single_cell_at_its_share_of_the_power(series, parallel):
    # the pack under P is s x p single cells each under P / (s p): cell voltage V / s, cell current I / p
    pack, cell = _pack(series, parallel), _pack(1, 1)
    n = series * parallel
    power_w = 6.0 * n  # about 0.3 C per cell
    sp, sc = pack.initial_state(), cell.initial_state()
    for dt in (0.2, 30.0, 900.0, 900.0, 2400.0):
        assert pack.cell_voltage_v(sp, power_w) == pytest.approx(cell.terminal_voltage_v(sc, power_w / n), rel=1e-9)
        assert pack.cell_current_a(sp, power_w) == pytest.approx(cell.current_a(sc, power_w / n), rel=1e-9)
        step_p, step_c = pack.advance(sp, dt, load_power_w=power_w), cell.advance(sc, dt, load_power_w=power_w / n)
        assert step_p.state.soc == pytest.approx(step_c.state.soc, rel=1e-9)
        np.testing.assert_allclose(np.array(step_p.state.rc_voltage_v) / series, step_c.state.rc_voltage_v, rtol=1e-8)
        assert step_p.heat_j == pytest.approx(n * step_c.heat_j, rel=1e-8)  # s x p x the cell's I^2 R heat
        assert step_p.charge_ah == pytest.approx(parallel * step_c.charge_ah, rel=1e-8)
        sp, sc = step_p.state, step_c.state
    # heat = I_pack^2 R_pack: at constant current over a short interval with the RC at rest, I^2 R0 t
    i_a = 3.0 * parallel
    rest = pack.initial_state(0.5)
    short = pack.advance(rest, 1e-3, current_a=i_a)
    assert short.heat_j == pytest.approx(i_a * i_a * pack.r0_ohm * 1e-3, rel=1e-4)


# ------------------------------------------------------------------------------------- energy
def test_energy_conservation_of_a_3s2p_pack_over_a_whole_discharge():
    pack = _pack(3, 2, dcdc_efficiency=0.9)
    power_w = 36.0
    s0 = pack.initial_state()
    run = pack.advance(s0, math.inf, load_power_w=power_w, stop_at_end=True)
    c_f = pack.rc_tau_s / pack.rc_resistance_ohm
    stored_j = 0.5 * float((c_f * np.array(run.state.rc_voltage_v) ** 2).sum())
    assert run.delivered_j == pytest.approx(power_w / 0.9 * run.end_time_s, rel=1e-12)
    assert run.ocv_energy_j == pytest.approx(run.delivered_j + run.heat_j + stored_j, rel=1e-9)
    # OCV energy drawn = the open-circuit energy between the start and the end state of charge
    drawn_wh = pack.capacity_ah * quad(pack.ocv_v, run.state.soc, 1.0, points=pack.cell.ocv.soc, limit=200)[0]
    assert run.ocv_energy_j / 3600.0 == pytest.approx(drawn_wh, rel=1e-8)
    # then at rest the RC capacitors discharge into their resistors: OCV energy = delivered + heat
    rested = pack.advance(s0, run.end_time_s + 20.0 * float(pack.rc_tau_s.max()), load_power_w=power_w)
    assert rested.ocv_energy_j == pytest.approx(rested.delivered_j + rested.heat_j, rel=1e-9)


def test_life_at_small_load_approaches_the_ideal_battery_with_the_shortfall_from_r_and_the_ocv_curve():
    """t P -> E (the open-circuit energy, Wh x s x p) as P -> 0; the first-order shortfall E - t P is
    * the heat: I^2 R t with I = P / OCV and R = R0 + R1 (RC at steady state): P R Q int_0^1 dz / OCV(z);
    * the charge left: the loaded voltage reaches the cut-off V_c at z_end = I R / OCV'(0), I = P / V_c,
      where the OCV's steep bottom slope OCV'(0) sets z_end; left energy Q V_c z_end.
    """
    pack = _pack(3, 2)
    energy_j = pack.energy_wh() * 3600.0
    assert energy_j == pytest.approx(6 * _pack(1, 1).energy_wh() * 3600.0, rel=1e-14)
    r_ohm = pack.r0_ohm + float(pack.rc_resistance_ohm.sum())
    q_c = pack.capacity_ah * 3600.0
    soc_points = pack.cell.ocv.soc
    inv_ocv = quad(lambda z: 1.0 / pack.ocv_v(z), 0.0, 1.0, points=soc_points, limit=200)[0]
    slope_v = (pack.ocv_v(soc_points[1]) - pack.ocv_v(0.0)) / soc_points[1]
    v_c = pack.cutoff_v
    misses = []
    fractions = []
    for power_w in (5.0, 2.5, 1.25):
        run = pack.advance(pack.initial_state(), math.inf, load_power_w=power_w, stop_at_end=True)
        shortfall_j = energy_j - power_w * run.end_time_s
        heat_theory_j = power_w * r_ohm * q_c * inv_ocv
        z_end = power_w / v_c * r_ohm / slope_v
        left_theory_j = q_c * v_c * z_end
        assert run.state.soc == pytest.approx(z_end, rel=2e-3)
        assert run.heat_j == pytest.approx(heat_theory_j, rel=2e-3)
        misses.append(abs(shortfall_j / (heat_theory_j + left_theory_j) - 1.0))
        fractions.append(shortfall_j / energy_j)
    assert max(misses) < 2e-3
    assert misses[2] < 0.6 * misses[0]  # the first-order account gets better as the load falls
    assert fractions[0] > fractions[1] > fractions[2] > 0.0
    assert fractions[2] < 1e-3  # the life at 1.25 W is within 0.1 % of E / P
    # and the shortfall is linear in P at small load: halving the load halves it
    assert fractions[1] / fractions[0] == pytest.approx(0.5, rel=2e-3)
