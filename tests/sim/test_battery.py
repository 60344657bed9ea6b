"""Batteries in the simulator: life against usable energy over power, the projection of a run the battery outlasts,
energy conservation through the converter, Peukert, KiBaM and the Li-ion pack."""
from __future__ import annotations

import pytest

import edgesim
from edgesim.catalog.cells import load_cell
from edgesim.errors import ScenarioError, ScenarioErrors
from edgesim.physics.liion import LiIonPack
from tests.sim.builders import constant_load


def test_ideal_battery_life_is_usable_energy_over_power():
    result = edgesim.simulate(edgesim.scenario_from_dict(constant_load()))
    system = result.summary["system"]
    # 0.01 Wh = 36 J at (5 + 2) W / 0.8 = 8.75 W -> 4.114285... s; the unit is busy from t = 0
    assert system["battery_life_is_projection"] is False
    assert system["battery_life_h"] * 3600 == pytest.approx(36.0 / 8.75, rel=1e-9)
    assert result.summary["duration_s"] == pytest.approx(36.0 / 8.75, rel=1e-9)
    assert system["final_soc"] == pytest.approx(0.0, abs=1e-9)


def test_battery_that_outlasts_the_run_is_projected_and_says_so():
    result = edgesim.simulate(edgesim.scenario_from_dict(constant_load(capacity_wh=50.0, duration_s=10.0, cutoff_soc=0.1)))
    system = result.summary["system"]
    assert system["battery_life_is_projection"] is True
    assert system["battery_life_h"] == pytest.approx(50.0 * 0.9 / 8.75, rel=1e-6)


def test_energy_conservation_battery_times_efficiency_equals_loads():
    data = constant_load(capacity_wh=50.0, duration_s=20.0)
    data["cameras"][0]["fps"] = 300.0  # busy 30%: the power switches often
    data["cameras"][0]["arrival"] = {"kind": "poisson"}
    result = edgesim.simulate(edgesim.scenario_from_dict(data))
    system = result.summary["system"]
    units_j = sum(u["energy_j"] for u in result.summary["units"])
    platform_j = 2.0 * 20.0
    assert system["battery_energy_j"] * 0.8 == pytest.approx(units_j + platform_j, rel=1e-12)
    assert system["load_energy_j"] == pytest.approx(units_j + platform_j, rel=1e-12)


def test_peukert_exponent_one_equals_ideal_and_above_one_shortens_life_at_high_current():
    ideal = edgesim.simulate(edgesim.scenario_from_dict(constant_load(model="ideal"))).summary["system"]["battery_life_h"]
    peukert1 = edgesim.simulate(edgesim.scenario_from_dict(constant_load(model="peukert", peukert_exponent=1.0))).summary["system"]["battery_life_h"]
    assert peukert1 == pytest.approx(ideal, rel=1e-12)
    # Peukert's law: life = H (P_rated / P)^k with P_rated = capacity / H, for a draw of 8.75 W
    for rated_hours in (1e-4, 0.01):  # rated at 100 W (we draw less: longer life), at 1 W (we draw more: shorter)
        spec = edgesim.scenario_from_dict(constant_load(model="peukert", peukert_exponent=1.2, rated_hours=rated_hours))
        life = edgesim.simulate(spec).summary["system"]["battery_life_h"]
        assert life == pytest.approx(rated_hours * (0.01 / rated_hours / 8.75) ** 1.2, rel=1e-9)
        assert (life > ideal) == (rated_hours == 1e-4)


def test_kibam_battery_dies_earlier_than_ideal_under_heavy_load():
    ideal = edgesim.simulate(edgesim.scenario_from_dict(constant_load(model="ideal"))).summary["system"]
    kibam = edgesim.simulate(edgesim.scenario_from_dict(constant_load(model="kibam", kibam_c=0.5, kibam_k_per_s=0.01))).summary["system"]
    assert kibam["battery_life_is_projection"] is False
    assert kibam["battery_life_h"] < ideal["battery_life_h"]
    assert kibam["final_soc"] > 0.0  # bound charge is left behind: the rate-capacity effect


def _constant_power_liion(load_w: float, eff: float, duration_s: float = 30000.0) -> dict:
    """A unit drawing a constant 2 W (idle = max) and constant platform loads: the pack sees one constant power."""
    return {
        "name": "liion_const", "duration_s": duration_s, "seed": 0,
        "cameras": [{"name": "cam", "width_px": 10, "height_px": 10, "fps": 1.0}],
        "models": [{"name": "net", "ops_per_pixel": 1.0}],
        "compute_units": [{"name": "npu", "kind": "npu", "idle_power_w": 2.0, "max_power_w": 2.0,
                           "measured": [{"model": "net", "fps": 100.0, "power_w": 2.0, "width_px": 10, "height_px": 10, "source": "test"}]}],
        "streams": [{"camera": "cam", "model": "net", "unit": "npu"}],
        "platform_loads": [{"name": "rest", "power_w": load_w - 2.0}],
        "battery": {"model": "liion", "cell": "lg_m50_nmc811", "series": 3, "capacity_wh": 55.8, "dcdc_efficiency": eff},
        "record": {"interval_s": 60.0},
    }


def test_liion_life_matches_time_to_cutoff_at_constant_power():
    load_w, eff = 20.0, 0.9
    result = edgesim.simulate(edgesim.scenario_from_dict(_constant_power_liion(load_w, eff)))
    system = result.summary["system"]
    pack = LiIonPack(load_cell("lg_m50_nmc811"), 3, 1, eff)
    expected_s = pack.time_to_cutoff_s(pack.initial_state(), load_w)
    assert system["battery_life_is_projection"] is False
    assert system["battery_life_h"] * 3600.0 == pytest.approx(expected_s, rel=1e-7)
    assert system["final_voltage_v"] == pytest.approx(3 * 2.5, abs=1e-6)  # ends at the cut-off voltage
    # below the ideal battery of the same open-circuit energy: resistive heat and charge left at cut-off
    ideal_s = pack.energy_wh() * 3600.0 * eff / load_w
    assert 0.9 * ideal_s < expected_s < ideal_s


def test_liion_projection_when_the_run_is_short():
    result = edgesim.simulate(edgesim.scenario_from_dict(_constant_power_liion(20.0, 1.0, duration_s=600.0)))
    system = result.summary["system"]
    pack = LiIonPack(load_cell("lg_m50_nmc811"), 3, 1, 1.0)
    assert system["battery_life_is_projection"] is True
    # the projection holds the average draw from the simulated state on: the same life as the full run
    assert system["battery_life_h"] * 3600.0 == pytest.approx(pack.time_to_cutoff_s(pack.initial_state(), 20.0), rel=1e-6)
    assert 3 * 2.5 < system["final_voltage_v"] < pack.ocv_v(1.0)


def test_liion_capacity_must_match_the_pack():
    data = _constant_power_liion(20.0, 1.0)
    data["battery"]["capacity_wh"] = 50.0
    with pytest.raises((ScenarioError, ScenarioErrors), match="capacity_wh"):
        edgesim.simulate(edgesim.scenario_from_dict(data))


CELL = "lg_m50_nmc811"


def _pack(series: int, parallel: int, **kw: float) -> LiIonPack:
    return LiIonPack(load_cell(CELL), series, parallel, **kw)


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
