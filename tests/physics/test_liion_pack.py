"""Li-ion packs of series and parallel cells: an ``s x p`` pack against the theory of identical, balanced
cells (the ``p`` cells of a group share the current equally), in physics, the schema and the command line."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy.integrate import quad

import edgesim
from edgesim.catalog.cells import load_cell
from edgesim.cli import main
from edgesim.physics.liion import LiIonPack, LiIonStep

ROOT = Path(__file__).resolve().parents[2]
LAPTOP = ROOT / "scenarios" / "laptop_battery_liion.yaml"
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


# ------------------------------------------------------------------------------------- simulator and CLI
def _constant_power(series: int, parallel: int, load_w: float) -> dict:
    """One unit drawing a constant 2 W and a constant platform load: the pack sees one constant power."""
    return {
        "name": "pack_const", "duration_s": 40000.0, "seed": 0,
        "cameras": [{"name": "cam", "width_px": 10, "height_px": 10, "fps": 1.0}],
        "models": [{"name": "net", "ops_per_pixel": 1.0}],
        "compute_units": [{"name": "npu", "kind": "npu", "idle_power_w": 2.0, "max_power_w": 2.0,
                           "measured": [{"model": "net", "fps": 100.0, "power_w": 2.0, "width_px": 10,
                                         "height_px": 10, "source": "test"}]}],
        "streams": [{"camera": "cam", "model": "net", "unit": "npu"}],
        "platform_loads": [{"name": "rest", "power_w": load_w - 2.0}],
        "battery": {"model": "liion", "cell": CELL, "series": series, "parallel": parallel,
                    "capacity_wh": round(_pack(series, parallel).energy_wh(), 1)},
        "record": {"interval_s": 600.0},
    }


def test_simulated_3s2p_lasts_as_long_as_3s1p_at_half_the_power():
    two = edgesim.simulate(edgesim.scenario_from_dict(_constant_power(3, 2, 40.0))).summary["system"]
    one = edgesim.simulate(edgesim.scenario_from_dict(_constant_power(3, 1, 20.0))).summary["system"]
    assert two["battery_life_is_projection"] is False and one["battery_life_is_projection"] is False
    assert two["battery_life_h"] == pytest.approx(one["battery_life_h"], rel=1e-7)
    assert two["battery_life_h"] * 3600.0 == pytest.approx(_pack(3, 2).time_to_cutoff_s(_pack(3, 2).initial_state(), 40.0),
                                                          rel=1e-7)
    assert two["final_voltage_v"] == pytest.approx(one["final_voltage_v"], abs=1e-6)
    assert two["final_soc"] == pytest.approx(one["final_soc"], rel=1e-5)
    for key in ("battery_heat_j", "battery_ocv_energy_j", "battery_energy_wh_at_ocv", "battery_capacity_ah"):
        assert two[key] == pytest.approx(2.0 * one[key], rel=1e-6), key
    assert (two["battery_series"], two["battery_parallel"]) == (3, 2)
    assert (one["battery_series"], one["battery_parallel"]) == (3, 1)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_runs_the_laptop_on_a_3s2p_pack_and_shows_it(capsys: pytest.CaptureFixture[str]):
    sets = ("--set", "battery.parallel=2", "--set", "battery.capacity_wh=111.5", "--duration", "120")
    code, out, err = _run(capsys, "run", str(LAPTOP), *sets)
    assert code == 0, err
    assert "battery pack: Li-ion 3s2p (6 cells), 10 Ah, 111.5 Wh at open circuit" in out
    assert "battery: projected life" in out
    code, out, err = _run(capsys, "run", str(LAPTOP), *sets, "--json")
    assert code == 0, err
    system = json.loads(out)["system"]
    cell = load_cell(CELL)
    assert (system["battery_series"], system["battery_parallel"]) == (3, 2)
    assert system["battery_capacity_ah"] == pytest.approx(2 * cell.capacity_ah)
    assert system["battery_energy_wh_at_ocv"] == pytest.approx(6 * _pack(1, 1).energy_wh(), rel=1e-12)
    # near the ideal battery of the same open-circuit energy, and a little below it (R and the OCV curve)
    ideal_h = system["battery_energy_wh_at_ocv"] / system["device_avg_power_w"]
    assert 0.98 * ideal_h < system["battery_life_h"] < ideal_h


@pytest.mark.parametrize("battery, field", [
    ({"model": "ideal", "capacity_wh": 50.0, "parallel": 2}, "battery.parallel"),
    ({"model": "kibam", "capacity_wh": 50.0, "kibam_k_per_s": 1e-4, "series": 3}, "battery.series"),
    ({"model": "peukert", "capacity_wh": 50.0, "cell": CELL}, "battery.cell"),
    ({"model": "liion", "cell": CELL, "series": 3, "parallel": 0, "capacity_wh": 55.8}, "battery.parallel"),
    ({"model": "liion", "cell": CELL, "series": 3, "parallel": 1.5, "capacity_wh": 55.8}, "battery.parallel"),
    ({"model": "liion", "cell": CELL, "series": 3, "parallel": True, "capacity_wh": 55.8}, "battery.parallel"),
    ({"model": "liion", "cell": CELL, "series": 3, "parallel": 10_001, "capacity_wh": 55.8}, "battery.parallel"),
    ({"model": "liion", "cell": CELL, "series": 3, "parallel": 2, "capacity_wh": 55.8}, "battery.capacity_wh"),
])
def test_bad_pack_is_one_line_naming_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str], battery, field):
    data = yaml.safe_load(LAPTOP.read_text())
    data["battery"] = battery
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    code, _, err = _run(capsys, "run", str(path), "--duration", "1")
    assert code == 2, err
    assert "Traceback" not in err and err.count("\n") == 1 and err.startswith("edgesim: error: "), err
    assert f"{field}:" in err, err
    if field == "battery.capacity_wh":  # the message says what the cells hold and how many would fit
        assert "3s2p" in err and "111.5 Wh" in err
    elif battery["model"] != "liion":
        assert "only for model liion" in err


def test_a_20_wh_pack_of_18_6_wh_cells_is_refused_with_the_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    # the example: no whole number of 18.59 Wh cells makes 20 Wh within the 3 % check
    data = yaml.safe_load(LAPTOP.read_text())
    data["battery"].update({"series": 1, "parallel": 1, "capacity_wh": 20.0})
    path = tmp_path / "pack20.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    code, _, err = _run(capsys, "run", str(path), "--duration", "1")
    assert code == 2 and "battery.capacity_wh:" in err and "no whole number of cells" in err, err
    assert f"{_pack(1, 1).energy_wh():.4g} Wh a cell" in err
