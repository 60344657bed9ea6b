"""In the simulator: throttling at the exact crossing time, shutdown, battery life, conservation."""
from __future__ import annotations

import math

import numpy as np
import pytest
import yaml

import edgesim
from edgesim.cli import main

SERVICE_S = 1e-3  # at the reference (fast) state


def hot_box(p_high_w=10.0, p_low_w=4.0, idle_w=1.0, r_k_per_w=5.0, c_j_per_k=20.0, ambient_c=45.0, threshold_c=80.0,
            hysteresis_c=5.0, critical_c=120.0, duration_s=600.0, fps=2000.0, service_s=SERVICE_S) -> dict:
    """A unit kept saturated (camera far faster than the unit), one RC node to ambient.

    Full-load power: 10 W at 1 GHz (fast), 4 W at 0.5 GHz (slow; half speed). Steady state at full speed:
    45 + 10 x 5 = 95 C > threshold 80 C; at half speed 45 + 4 x 5 = 65 C < 75 C release point.
    """
    return {
        "name": "hot_box", "duration_s": duration_s, "seed": 0,
        "cameras": [{"name": "cam", "width_px": 10, "height_px": 10, "fps": fps}],
        "models": [{"name": "net", "ops_per_pixel": 1.0}],
        "compute_units": [{
            "name": "npu", "kind": "npu", "idle_power_w": idle_w, "max_power_w": p_high_w,
            "measured": [{"model": "net", "fps": 1.0 / service_s, "power_w": p_high_w, "width_px": 10, "height_px": 10, "source": "test"}],
            "dvfs_states": [{"name": "fast", "frequency_hz": 1.0e9, "power_w": p_high_w},
                            {"name": "slow", "frequency_hz": 0.5e9, "power_w": p_low_w}],
            "thermal_node": "junction",
            "throttle": {"threshold_c": threshold_c, "hysteresis_c": hysteresis_c, "critical_c": critical_c},
        }],
        "streams": [{"camera": "cam", "model": "net", "unit": "npu", "queue_capacity": 1, "drop_policy": "drop_newest"}],
        "thermal": {"ambient_c": ambient_c, "nodes": [{"name": "junction", "capacity_j_per_k": c_j_per_k}],
                    "links": [{"between": ["junction", "ambient"], "resistance_k_per_w": r_k_per_w}]},
        "record": {"interval_s": 1.0},
    }


def rc_crossing_s(p_w, r, c, ambient_c, target_c):
    return -r * c * math.log(1.0 - (target_c - ambient_c) / (p_w * r))


def test_throttle_at_exact_crossing_then_fps_drops_and_temperature_stays_in_band():
    data = hot_box()
    result = edgesim.simulate(edgesim.scenario_from_dict(data))
    unit = result.summary["units"][0]
    expected_s = rc_crossing_s(10.0, 5.0, 20.0, 45.0, 80.0)  # T(t) = Ta + P R (1 - e^(-t/RC))
    assert unit["first_throttle_s"] == pytest.approx(expected_s, rel=1e-9)
    # the junction never exceeds the threshold, and after the first throttle it stays within the hysteresis band
    assert unit["max_temp_c"] <= 80.0 + 1e-6
    temps = result.extra["series"]["temperature (C)"]
    later = temps[temps["time_s"] > expected_s + 1.0]["value"]
    assert later.min() >= 75.0 - 1e-6 and later.max() <= 80.0 + 1e-6
    assert unit["throttle_count"] > 1  # it cycles: throttle, cool to 75 C, release, heat to 80 C, ...
    # FPS: 1000/s before the crossing; afterwards a mix of 1000/s and 500/s, so the average sags
    fps = result.timeseries.set_index("time_s")["achieved_fps"]
    assert fps.iloc[0] == pytest.approx(1000.0, rel=1e-3)
    assert fps[fps.index > expected_s + 1].mean() < 950.0
    assert 0 < unit["throttled_s"] < 600.0
    assert sum(unit["dvfs_state_s"].values()) == pytest.approx(600.0, rel=1e-12)
    assert unit["dvfs_state_s"]["slow"] == pytest.approx(unit["throttled_s"], rel=1e-9)


def test_release_happens_exactly_at_threshold_minus_hysteresis():
    # with a permanently slow state cooler than the release point, the first release comes when the junction,
    # cooling from 80 C toward 65 C, reaches 75 C: t = RC ln((80 - 65) / (75 - 65)) after the throttle
    result = edgesim.simulate(edgesim.scenario_from_dict(hot_box(duration_s=200.0)), trace=True)
    trace = result.trace
    t_throttle = rc_crossing_s(10.0, 5.0, 20.0, 45.0, 80.0)
    t_release = t_throttle + 5.0 * 20.0 * math.log((80.0 - 65.0) / (75.0 - 65.0))
    durations = (trace["end_s"] - trace["start_s"]).to_numpy()
    starts = trace["start_s"].to_numpy()
    slow = (durations > 1.5e-3) & (starts > t_throttle) & (starts < t_release - 2e-3)
    assert slow.sum() > 1000  # jobs in between ran at half speed (2 ms each)
    fast_after = (starts > t_release + 1e-9) & (starts < t_release + 0.5)
    assert np.allclose(durations[fast_after], SERVICE_S, rtol=1e-6)


def test_critical_temperature_shuts_the_unit_down_at_the_exact_time():
    # no lower DVFS state: only the critical trip acts. P R = 50 K: T -> 95 C; critical 90 C
    data = hot_box(critical_c=90.0, threshold_c=85.0, service_s=0.01, fps=200.0)
    data["compute_units"][0]["dvfs_states"] = []
    result = edgesim.simulate(edgesim.scenario_from_dict(data))
    unit, stream = result.summary["units"][0], result.summary["streams"][0]
    assert unit["shutdown_at_s"] == pytest.approx(rc_crossing_s(10.0, 5.0, 20.0, 45.0, 90.0), rel=1e-9)
    assert stream["offered"] == stream["completed"] + stream["dropped"] + stream["in_flight"]
    assert stream["completed"] == pytest.approx(unit["shutdown_at_s"] / 0.01, abs=2)
    assert unit["final_temp_c"] < 90.0  # cooling after shutdown (0 W)


def constant_load(capacity_wh=0.01, model="ideal", efficiency=0.8, platform_w=2.0, duration_s=100.0, **battery) -> dict:
    """A saturated unit at a constant 5 W plus a 2 W platform load on a battery."""
    data = hot_box(p_high_w=5.0, idle_w=1.0, duration_s=duration_s)
    unit = data["compute_units"][0]
    for key in ("dvfs_states", "throttle", "thermal_node"):
        unit.pop(key)
    del data["thermal"]
    data["platform_loads"] = [{"name": "display", "power_w": platform_w, "source": "test"}]
    data["battery"] = {"model": model, "capacity_wh": capacity_wh, "dcdc_efficiency": efficiency, "nominal_voltage_v": 3.7, **battery}
    return data


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


def test_dvfs_initial_slow_state_halves_throughput_and_uses_mode_power():
    data = hot_box(duration_s=10.0)
    unit = data["compute_units"][0]
    unit.pop("throttle")
    unit["initial_dvfs_state"] = "slow"
    result = edgesim.simulate(edgesim.scenario_from_dict(data))
    assert result.summary["streams"][0]["achieved_fps"] == pytest.approx(500.0, rel=1e-3)
    assert result.summary["units"][0]["avg_power_w"] == pytest.approx(4.0, rel=1e-6)


def test_linear_leakage_shifts_steady_state_exactly():
    # P = P0 + b (T - Tref) on a single node: steady state T = Ta + R (P0 + b (Ta - Tref)) / (1 - b R)
    data = hot_box(duration_s=2000.0, service_s=0.1, fps=20.0)
    unit = data["compute_units"][0]
    for key in ("dvfs_states", "throttle"):
        unit.pop(key)
    unit.update(leakage_w_per_k=0.02, leakage_ref_temp_c=45.0)
    result = edgesim.simulate(edgesim.scenario_from_dict(data))
    final = result.summary["units"][0]["final_temp_c"]
    r = 5.0
    steady_c = 45.0 + r * 10.0 / (1 - 0.02 * r)
    tau_s = r * 20.0 / (1 - 0.02 * r)  # leakage slows the approach: RC / (1 - bR)
    expected = steady_c - (steady_c - 45.0) * math.exp(-2000.0 / tau_s)
    assert final == pytest.approx(expected, rel=1e-9)
    # leakage energy is in the unit's energy: average power above the 10 W of dynamic+static
    assert result.summary["units"][0]["avg_power_w"] > 10.0


BAD = [
    (("thermal", "links", 0, "resistance_k_per_w"), -1.0, "thermal.links[0].resistance_k_per_w"),
    (("thermal", "nodes", 0, "capacity_j_per_k"), 0.0, "thermal.nodes[0].capacity_j_per_k"),
    (("compute_units", 0, "throttle", "critical_c"), 70.0, "compute_units[0].throttle"),
    (("compute_units", 0, "efficiency"), 1.5, "compute_units[0].efficiency"),
    (("compute_units", 0, "efficiency"), 0.0, "compute_units[0].efficiency"),
    (("compute_units", 0, "thermal_node"), "nowhere", "compute_units[0].thermal_node"),
]


@pytest.mark.parametrize("path,value,field", BAD, ids=[b[2] + "=" + str(b[1]) for b in BAD])
def test_bad_physics_input_exits_2_naming_the_field(tmp_path, capsys, path, value, field):
    data = hot_box()
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    assert main(["run", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and field in err and "Traceback" not in err


@pytest.mark.parametrize("battery,field", [
    ({"dcdc_efficiency": 1.2}, "battery.dcdc_efficiency"),
    ({"dcdc_efficiency": 0.0}, "battery.dcdc_efficiency"),
    ({"model": "kibam", "kibam_c": 1.0, "kibam_k_per_s": 0.01}, "battery.kibam_c"),
    ({"model": "kibam", "kibam_c": 0.0, "kibam_k_per_s": 0.01}, "battery.kibam_c"),
    ({"capacity_wh": -5}, "battery.capacity_wh"),
])
def test_bad_battery_input_exits_2(tmp_path, capsys, battery, field):
    data = constant_load()
    data["battery"].update(battery)
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    assert main(["run", str(bad)]) == 2
    err = capsys.readouterr().err
    assert field in err and "Traceback" not in err


def test_trace_records_every_power_change_and_the_device_state_then():
    result = edgesim.simulate(edgesim.scenario_from_dict(hot_box(duration_s=200.0, service_s=0.01, fps=200.0)), trace=True)
    power = result.extra["power_trace"]
    device = result.extra["device_trace"]
    assert set(power["dvfs_state"]) == {"fast", "slow"}
    assert (power["time_s"].diff().dropna() >= 0).all()
    # the recorded temperature at each change follows the exact solution: never above the throttle threshold
    assert device["temp_junction_c"].max() <= 80.0 + 1e-6
    # energy from the change log (power held between changes) equals the unit's exact energy
    t = np.append(power["time_s"].to_numpy(), 200.0)
    energy_j = float(np.sum(power["power_w"].to_numpy() * np.diff(t)))
    assert energy_j == pytest.approx(result.summary["units"][0]["energy_j"], rel=1e-9)
