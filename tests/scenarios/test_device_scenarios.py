"""The device scenarios load, run, and show what their comments claim.

* ip_camera_4w: a Hailo-8L running YOLOv8n at 30 FPS fits a sub-4 W IP camera (1-s averages); the same camera
  doing detection on full 1080p frames with 3 W electronics does not.
* poe_camera_class3: a Hailo-8 running a 2 MP 30 FPS detector + pose keeps up and fits 802.3af class 3.
* passive_box_45c: a Pi 5 in a passive box at 45 C throttles after some minutes and its FPS sags; no shutdown.
"""
from __future__ import annotations

import copy
import json
import time

import pytest

import edgesim
from edgesim.cli import main
from edgesim.model.compile import compile_system
from edgesim.spec.load import read_scenario_dict
from tests.helpers import SCENARIOS

IP_CAMERA = SCENARIOS / "ip_camera_4w.yaml"
POE_CAMERA = SCENARIOS / "poe_camera_class3.yaml"
PASSIVE_BOX = SCENARIOS / "passive_box_45c.yaml"


def run_json(capsys, path, *argv) -> dict:
    code = main(["run", str(path), "--json", *map(str, argv)])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize("path", [IP_CAMERA, POE_CAMERA, PASSIVE_BOX], ids=lambda p: p.stem)
def test_scenario_loads_and_runs_shortened(capsys, path):
    spec = edgesim.load_scenario(path)
    assert spec.name == path.stem
    summary = run_json(capsys, path, "--duration", 10)
    assert summary["duration_s"] == 10.0
    for s in summary["streams"]:
        assert s["offered"] == s["completed"] + s["dropped"] + s["in_flight"]


# -- IP camera, 4 W -----------------------------------------------------------------------------------------


def test_ip_camera_fits_under_4_w(capsys):
    summary = run_json(capsys, IP_CAMERA, "--duration", 10)
    system, stream, unit = summary["system"], summary["streams"][0], summary["units"][0]
    assert system["power_budget_w"] == 4.0
    assert system["within_power_budget"] is True
    assert system["device_max_interval_power_w"] < 4.0 - 1.0  # about 2.9 W: more than 1 W of headroom
    assert system["device_max_interval_power_w"] == pytest.approx(2.5 + unit["avg_power_w"], rel=1e-6)
    assert stream["achieved_fps"] == pytest.approx(30.0) and stream["dropped"] == 0  # keeps up with every frame
    assert stream["service_source"] == "measured"  # Hailo's own 181 FPS point for yolov8n on the Hailo-8L
    assert unit["utilization"] == pytest.approx(30.0 / 181.0, rel=1e-3)
    # the documented caveat: while an inference runs the instantaneous draw (2.5 W + 1.6 W) exceeds 4 W
    spec = edgesim.load_scenario(IP_CAMERA)
    assert spec.platform_loads[0].power_w + spec.compute_units[0].max_power_w > 4.0


def test_ip_camera_with_1080p_detection_and_3_w_electronics_does_not_fit():
    data = read_scenario_dict(IP_CAMERA)
    data["cameras"][0].update(width_px=1920, height_px=1080)  # detection on the full frame: 5.06x the ops
    data["platform_loads"][0]["power_w"] = 3.0  # the white paper's upper 3 W
    data["duration_s"] = 10
    spec = edgesim.scenario_from_dict(data, source=str(IP_CAMERA), base_dir=IP_CAMERA.parent)
    system = edgesim.simulate(spec).summary["system"]
    assert system["within_power_budget"] is False
    assert system["device_max_interval_power_w"] > 4.0


# -- PoE class 3 --------------------------------------------------------------------------------------------


def test_poe_camera_hailo8_keeps_up_and_fits_class_3(capsys):
    summary = run_json(capsys, POE_CAMERA, "--duration", 10)
    system, unit = summary["system"], summary["units"][0]
    assert system["power_budget_w"] == 12.95
    assert system["within_power_budget"] is True
    assert 10.0 < system["device_max_interval_power_w"] < 12.95 - 2.0  # ~10.6 W, > 2 W headroom
    assert system["required_tops"] == pytest.approx(8.93025, rel=1e-9)  # 2 x 1920 x 1080 x 30 x (28.6e9, 30.2e9)/640^2
    assert system["achieved_tops"] == pytest.approx(system["required_tops"], rel=1e-9)
    for stream in summary["streams"]:
        assert stream["dropped"] == 0 and stream["achieved_fps"] == pytest.approx(30.0)
        assert stream["service_source"] == "calibrated"  # the 640 x 640 points condition the model; 1080p goes through it
    assert 0.6 < unit["utilization"] < 0.8
    # even at full load all the time the Hailo-8 fits: platform loads + its 3.2 W full-load power
    spec = edgesim.load_scenario(POE_CAMERA)
    assert sum(load.power_w for load in spec.platform_loads) + spec.compute_units[0].max_power_w < 12.95


# -- passive box at 45 C ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def passive_box():
    start = time.perf_counter()
    result = edgesim.simulate(PASSIVE_BOX)  # the full 1800 s: about a second of wall time
    return result, time.perf_counter() - start


def test_passive_box_runs_its_full_duration_quickly(passive_box):
    result, wall_s = passive_box
    assert result.summary["duration_s"] == 1800.0
    assert wall_s < 15.0


def test_passive_box_throttles_after_minutes_and_fps_sags(passive_box):
    result, _ = passive_box
    unit, stream = result.summary["units"][0], result.summary["streams"][0]
    assert unit["throttle_count"] >= 1
    assert 5 * 60 < unit["first_throttle_s"] < 15 * 60  # "after some minutes" (~9 min)
    assert unit["shutdown_at_s"] is None and unit["max_temp_c"] <= 85.0  # throttled, never at the hard limit
    assert unit["max_temp_c"] == pytest.approx(80.0, abs=1e-6)  # the throttle point is the hottest it gets
    assert unit["dvfs_state_s"]["arm_1500MHz"] == pytest.approx(unit["throttled_s"], rel=1e-9)
    fps = result.timeseries.set_index("time_s")["achieved_fps"]
    first, last = fps[fps.index < 300].mean(), fps[fps.index >= 1500].mean()
    assert last < first
    camera_fps = edgesim.load_scenario(PASSIVE_BOX).cameras[0].fps
    assert first == pytest.approx(camera_fps, rel=1e-3)  # cool: keeps up with the camera
    # throttled: saturated at 1.5 / 2.4 of the cool capacity (1 / the service time the compile derives at 2.4 GHz)
    service_s = compile_system(edgesim.load_scenario(PASSIVE_BOX)).streams[0].estimate.service_s
    assert 1.0 / service_s > camera_fps > 1.5 / 2.4 / service_s  # the camera sits between the two capacities
    throttled_capacity_fps = (1.0 / service_s) * 1.5 / 2.4
    assert last == pytest.approx(throttled_capacity_fps, rel=0.02)
    assert stream["dropped"] > 0


def test_passive_box_settles_at_the_throttled_steady_state(passive_box):
    # throttled and saturated: P = 2.4 W + (8.5 - 2.4) W x 1.5 / 2.4 = 6.2125 W; T -> 45 + 6.2125 x (1.0 + 4.5)
    result, _ = passive_box
    steady_c = 45.0 + (2.4 + 6.1 * 1.5 / 2.4) * 5.5
    assert steady_c < 85.0 and steady_c > 75.0  # below the hard limit, above the release point: stays throttled
    assert result.summary["units"][0]["final_temp_c"] == pytest.approx(steady_c, abs=0.3)
    assert result.summary["units"][0]["throttle_count"] == 1


def test_passive_box_with_a_bigger_heatsink_never_throttles():
    # the comment's claim: below R_total = 35 K / 7.3 W = 4.8 K/W it would never throttle
    data = copy.deepcopy(read_scenario_dict(PASSIVE_BOX))
    data["thermal"]["links"][1]["resistance_k_per_w"] = 3.5  # total 4.5 K/W
    spec = edgesim.scenario_from_dict(data, source=str(PASSIVE_BOX), base_dir=PASSIVE_BOX.parent)
    unit = edgesim.simulate(spec).summary["units"][0]
    assert unit["throttle_count"] == 0 and unit["max_temp_c"] < 80.0
