"""In the simulator: Li-ion pack, fan, clamped leakage, multi-step throttle, exponential leakage."""
from __future__ import annotations

import copy
import math

import numpy as np
import pytest

import edgesim
from edgesim.catalog.cells import load_cell
from edgesim.errors import ScenarioError, ScenarioErrors
from edgesim.model.compile import compile_system
from edgesim.physics.liion import LiIonPack
from edgesim.sim.engine import RunState, run_simulation


def _box(**unit_extra) -> dict:
    """One saturated unit (5 W busy, 1 W idle; fast 1 GHz / slow 0.5 GHz at 2 W) on a two-node network: steady
    state fast 30 + 5 x 10 = 80 C, slow 30 + 2 x 10 = 50 C."""
    unit = {"name": "npu", "kind": "npu", "idle_power_w": 1.0, "max_power_w": 5.0,
            "measured": [{"model": "net", "fps": 10.0, "power_w": 5.0, "width_px": 10, "height_px": 10, "source": "test"}],
            "dvfs_states": [{"name": "fast", "frequency_hz": 1.0e9, "power_w": 5.0},
                            {"name": "slow", "frequency_hz": 0.5e9, "power_w": 2.0}],
            "thermal_node": "junction"}
    unit.update(unit_extra)
    return {
        "name": "box", "duration_s": 600.0, "seed": 0,
        "cameras": [{"name": "cam", "width_px": 10, "height_px": 10, "fps": 20.0}],  # saturates the unit
        "models": [{"name": "net", "ops_per_pixel": 1.0}],
        "compute_units": [unit],
        "streams": [{"camera": "cam", "model": "net", "unit": "npu", "queue_capacity": 1, "drop_policy": "drop_newest"}],
        "thermal": {"ambient_c": 30.0, "nodes": [{"name": "junction", "capacity_j_per_k": 5.0},
                                                 {"name": "sink", "capacity_j_per_k": 40.0}],
                    "links": [{"between": ["junction", "sink"], "resistance_k_per_w": 2.0},
                              {"between": ["sink", "ambient"], "resistance_k_per_w": 8.0}]},
        "record": {"interval_s": 10.0},
    }


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


def _everything_on() -> dict:
    """Li-ion + fan + clamped leakage (crossing T_ref) + daily ambient with sun + two throttle steps."""
    data = _box(leakage_w_per_k=0.02, leakage_ref_temp_c=40.0,
                throttle_steps={"steps": [{"threshold_c": 50.0, "hysteresis_c": 3.0, "state": "slow"},
                                          {"threshold_c": 60.0, "hysteresis_c": 3.0, "state": "slow"}]})
    # 5 frames/s of 0.167 s jobs: few power changes (every crossing is planned exactly at each one)
    data["cameras"][0]["fps"] = 5.0
    data["compute_units"][0]["measured"][0]["fps"] = 6.0  # 83 % busy
    data["duration_s"] = 1500.0
    data["thermal"]["ambient_c"] = 25.0
    data["thermal"]["nodes"][1]["capacity_j_per_k"] = 10.0
    data["thermal"]["fan"] = {"node": "sink", "watch_node": "junction", "curve": "custom", "trips_c": [45.0, 58.0],
                              "duty": [0.0, 0.5, 1.0], "hysteresis_c": 4.0, "full_resistance_k_per_w": 3.0, "full_power_w": 0.4}
    data["thermal"]["ambient_profile"] = {"kind": "daily_sine", "mean_c": 25.0, "amplitude_c": 10.0, "peak_time_s": 1500.0,
                                          "step_s": 30.0}
    data["thermal"]["sun"] = {"peak_w": 2.0, "sunrise_s": 0.0, "sunset_s": 43200.0, "share": {"sink": 1.0}}
    data["platform_loads"] = [{"name": "radio", "power_w": 1.5, "thermal_node": "sink"}]
    data["battery"] = {"model": "liion", "cell": "a123_anr26650_lfp", "series": 2, "parallel": 1, "capacity_wh": 15.1,
                       "dcdc_efficiency": 0.85}
    return data


def _run(data: dict) -> RunState:
    return run_simulation(compile_system(edgesim.scenario_from_dict(data)))


def test_energy_is_conserved_with_every_new_model_on():
    data = _everything_on()
    state = _run(data)
    p = state.platform
    assert p is not None and p.fan is not None and p.leaky is not None and p.liion
    t = state.duration_s
    units_j = sum(u.energy_j for u in state.units) + float(p.leak_energy_j.sum())
    delivered_j = units_j + 1.5 * t + p.fan_energy_j
    assert p.load_energy_j == pytest.approx(delivered_j, rel=1e-9)
    assert p.battery_energy_j * 0.85 == pytest.approx(p.load_energy_j, rel=1e-9)
    # inside the pack: energy from the open-circuit source = terminal energy + heat in R0, R1 + energy left in C1
    pack = p.battery
    c_f = pack.rc_tau_s / pack.rc_resistance_ohm
    cap_j = 0.5 * float(np.sum(c_f * np.asarray(p.battery_state.rc_voltage_v) ** 2))
    assert p.battery_ocv_energy_j == pytest.approx(p.battery_energy_j + p.battery_heat_j + cap_j, rel=1e-9)
    # the run exercised what it claims: fan steps, throttle steps, leakage regime switches (T crossed 40 C)
    kinds = {name for _, name, _ in p.level_events}
    assert {"fan", "npu"} <= kinds
    assert p.leak_energy_j[0] > 0.0 and float(p.temp_c.min()) < 40.0 + 30.0
    assert state.units[0].throttled_s > 0.0


def test_cold_ambient_leakage_is_never_negative():
    data = _box(leakage_w_per_k=0.05, leakage_ref_temp_c=25.0)
    data["thermal"]["ambient_c"] = 16.0
    data["cameras"][0]["fps"] = 1.0  # nearly idle: the junction stays below 25 C
    data["compute_units"][0]["idle_power_w"] = 0.1
    state = _run(data)
    p = state.platform
    assert p is not None
    assert float(p.max_temp_c[0]) < 25.0
    assert p.leak_energy_j[0] == 0.0
    assert state.units[0].energy_j > 0.0


def test_clamped_leakage_switches_on_at_its_reference_temperature():
    """Saturated unit heating past T_ref: leakage energy equals b x integral of max(0, T - T_ref) (brute force)."""
    data = _box(leakage_w_per_k=0.05, leakage_ref_temp_c=45.0)
    data["duration_s"] = 300.0
    data["record"]["interval_s"] = 0.5
    state = _run(data)
    p = state.platform
    assert p is not None and float(p.max_temp_c[0]) > 45.0
    # reference: the exact interval means (0.5 s bins) of T bound the integral from below (Jensen on max(0, .))
    edges = np.array([e.temp_area for e in p.edges])
    mean_t = np.diff(edges[:, 0]) / 0.5
    lower_j = 0.05 * float(np.sum(np.maximum(0.0, mean_t - 45.0))) * 0.5
    assert p.leak_energy_j[0] >= lower_j * (1 - 1e-9)
    assert p.leak_energy_j[0] <= lower_j + 0.05 * 0.5 * 2.0 * 300.0  # the gap is tiny: T barely moves in 0.5 s


def test_throttle_steps_climb_and_never_shut_down_without_a_critical_trip():
    # steady state fast: 30 + 5 x 10 = 80 C; slow (2 W): 30 + 2 x 10 = 50 C
    data = _box(throttle_steps={"steps": [{"threshold_c": 60.0, "hysteresis_c": 5.0, "state": "slow"},
                                          {"threshold_c": 65.0, "hysteresis_c": 5.0, "state": "slow"}]})
    result = edgesim.simulate(edgesim.scenario_from_dict(data))
    unit = result.summary["units"][0]
    assert unit["shutdown_at_s"] is None and unit["throttle_count"] >= 1
    assert unit["max_temp_c"] <= 60.0 + 1e-6  # the first step holds it: the second is never needed
    crit = copy.deepcopy(data)
    crit["compute_units"][0]["throttle_steps"]["steps"][0]["state"] = "fast"  # a useless first step
    crit["compute_units"][0]["throttle_steps"]["steps"][1]["threshold_c"] = 75.0
    crit["compute_units"][0]["throttle_steps"]["steps"][1]["state"] = "fast"
    crit["compute_units"][0]["throttle_steps"]["critical_c"] = 78.0
    crit["duration_s"] = 3000.0  # the sink's 320 s time constant: 78 C is reached after ~15 minutes
    unit = edgesim.simulate(edgesim.scenario_from_dict(crit)).summary["units"][0]
    assert unit["shutdown_at_s"] is not None  # only the true critical trip shuts down
    assert unit["max_temp_c"] == pytest.approx(78.0, abs=1e-6)


def test_fan_keeps_rpi5_below_throttle_where_the_passive_box_throttles():
    fan = edgesim.simulate(edgesim.load_scenario("scenarios/rpi5_fan.yaml")).summary
    passive = edgesim.load_scenario("scenarios/rpi5_fan.yaml")
    passive_data = passive.model_dump(exclude_none=True)
    passive_data["thermal"].pop("fan")
    passive_result = edgesim.simulate(edgesim.scenario_from_dict(passive_data)).summary
    assert fan["units"][0]["max_temp_c"] < 80.0 - 10.0
    assert fan["units"][0]["throttled_s"] == 0.0
    assert passive_result["units"][0]["throttled_s"] > 600.0
    assert passive_result["units"][0]["shutdown_at_s"] is None
    assert fan["streams"][0]["achieved_fps"] > passive_result["streams"][0]["achieved_fps"]


def test_fan_energy_is_duty_cubed_power_over_time():
    state = run_simulation(compile_system(edgesim.load_scenario("scenarios/rpi5_fan.yaml")))
    p = state.platform
    assert p is not None and p.fan is not None
    duty_s = np.diff([e.fan_level_area for e in p.edges])
    fan_j = np.diff([e.fan_energy_j for e in p.edges])
    # within a bin the duty takes values of the curve; at a constant duty d the energy is 0.5 W d^3 x 10 s
    levels = [round(float(x), 9) for x in duty_s / 10.0]
    duty = max(set(levels), key=levels.count)  # the curve level it settles at (0.5 or 0.7 with this load)
    steady = np.isclose(duty_s / 10.0, duty)
    assert any(np.isclose(duty, d) for d in (0.3, 0.5, 0.7, 1.0)) and steady.sum() > 100
    assert np.allclose(fan_j[steady], 0.5 * duty ** 3 * 10.0, rtol=1e-9)
    assert p.summary(state.duration_s)["fan_energy_j"] == pytest.approx(float(np.sum(fan_j)), rel=1e-12)


def test_passive_box_throttles_and_never_shuts_down():
    unit = edgesim.simulate(edgesim.load_scenario("scenarios/passive_box_45c.yaml")).summary["units"][0]
    assert unit["throttle_count"] >= 1 and unit["shutdown_at_s"] is None


def test_exponential_leakage_runaway_is_a_field_error():
    data = _box(leakage={"kind": "exponential", "p0_w": 0.5, "k_per_k": 0.2, "ref_temp_c": 25.0})
    data["thermal"] = {"ambient_c": 30.0, "nodes": [{"name": "junction", "capacity_j_per_k": 5.0}],
                       "links": [{"between": ["junction", "ambient"], "resistance_k_per_w": 10.0}]}
    with pytest.raises((ScenarioError, ScenarioErrors), match=r"compute_units\[0\]\.leakage.*runaway"):
        edgesim.simulate(edgesim.scenario_from_dict(data))


def test_exponential_leakage_energy_follows_the_node():
    from edgesim.physics.leakage import ExpLeakageNode  # noqa: PLC0415 - only this test needs it
    data = _box(leakage={"kind": "exponential", "p0_w": 0.05, "k_per_k": 0.03, "ref_temp_c": 25.0})
    data["thermal"] = {"ambient_c": 30.0, "nodes": [{"name": "junction", "capacity_j_per_k": 5.0}],
                       "links": [{"between": ["junction", "ambient"], "resistance_k_per_w": 4.0}]}
    data["compute_units"][0]["idle_power_w"] = 5.0  # constant power: one closed reference
    data["compute_units"][0].pop("dvfs_states")
    data["duration_s"] = 200.0
    state = _run(data)
    p = state.platform
    assert p is not None
    node = ExpLeakageNode(4.0, 5.0, 30.0, 0.05, 0.03, 25.0)
    ref = node.advance(30.0, 5.0, 200.0, tol_k=1e-9)
    assert float(p.temp_c[0]) == pytest.approx(ref.temp_c, abs=1e-5)
    assert p.leak_energy_j[0] == pytest.approx(ref.leakage_energy_j, rel=1e-5)
    assert not math.isnan(p.leak_energy_j[0])
