"""Throttling in the simulator: at the exact crossing time, release at threshold minus hysteresis, the critical
shutdown, throttle steps that never shut down without a critical trip, and the passive box."""
from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import yaml

import edgesim
from edgesim.cli import main
from tests.sim.builders import HOT_BOX_SERVICE_S as SERVICE_S
from tests.sim.builders import constant_load, hot_box
from tests.sim.builders import two_node_box as _box


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


def test_dvfs_initial_slow_state_halves_throughput_and_uses_mode_power():
    data = hot_box(duration_s=10.0)
    unit = data["compute_units"][0]
    unit.pop("throttle")
    unit["initial_dvfs_state"] = "slow"
    result = edgesim.simulate(edgesim.scenario_from_dict(data))
    assert result.summary["streams"][0]["achieved_fps"] == pytest.approx(500.0, rel=1e-3)
    assert result.summary["units"][0]["avg_power_w"] == pytest.approx(4.0, rel=1e-6)


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


def test_passive_box_throttles_and_never_shuts_down():
    unit = edgesim.simulate(edgesim.load_scenario("scenarios/passive_box_45c.yaml")).summary["units"][0]
    assert unit["throttle_count"] >= 1 and unit["shutdown_at_s"] is None
