"""`edgesim budget ...`: the white paper's formulas as a tool, checked against the simulator.

* capacity: the white paper's worked examples, and the simulator's required TOPS for a scenario;
* thermal: R = (Tj - Tc) / P and its efficiency form agree;
* scenario: R = (Tj - Tc) / P and eff = C / P from the SIMULATED power and throughput;
* fit: the largest capacity for a power budget / thermal resistance / battery life, simulated at exactly that
  capacity, draws that power, settles at Tj, lasts that long;
* bad values: one message naming the option, exit 2.
"""
from __future__ import annotations

import json

import pytest
import yaml

import edgesim
from edgesim.budget import scenario_report
from tests.helpers import SCENARIOS
from tests.helpers import run_cli as run

TOPS = 1e12



def run_json(capsys, *argv) -> dict:
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


# A unit whose efficiency is the same at every load: idle 0 W, 4 W while busy, 100 inferences/s of 1e10 ops
# (100 x 100 px x 1e6 ops/px) -> 1e12 ops/s at 4 W, eff = 0.25 TOPS/W; P = 4 W x busy = C / eff exactly.
FULL_FPS, ACTIVE_W, OPS_PER_PIXEL, SIDE_PX = 100.0, 4.0, 1.0e6, 100
EFF_TOPS_PER_W = FULL_FPS * OPS_PER_PIXEL * SIDE_PX**2 / ACTIVE_W / TOPS  # 0.25


def linear_box(fps: float, duration_s: float = 10.0, **extra) -> dict:
    data = {
        "name": "linear_box", "duration_s": duration_s, "seed": 0,
        "cameras": [{"name": "cam", "width_px": SIDE_PX, "height_px": SIDE_PX, "fps": fps}],
        "models": [{"name": "net", "ops_per_pixel": OPS_PER_PIXEL}],
        "compute_units": [{
            "name": "npu", "kind": "npu", "idle_power_w": 0.0, "max_power_w": ACTIVE_W,
            "measured": [{"model": "net", "fps": FULL_FPS, "power_w": ACTIVE_W, "width_px": SIDE_PX, "height_px": SIDE_PX,
                          "source": "test fixture"}],
        }],
        "streams": [{"camera": "cam", "model": "net", "unit": "npu", "queue_capacity": 1}],
    }
    data.update(extra)
    return data


FRAME = ("--width", SIDE_PX, "--height", SIDE_PX, "--ops-per-pixel", OPS_PER_PIXEL)


# -- capacity ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("argv,tops", [
    (("--fps", 30, "--width", 2000, "--height", 1000), 9.0),                   # white paper footnote i, 2 MP
    (("--fps", 30, "--width", 2500, "--height", 2000), 22.5),                  # 5 MP
    (("--fps", 30, "--width", 1000, "--height", 300, "--streams", 9), 12.15),  # footnote ii: 3 cams x 3 NNs, 300k px
    (("--fps", 30, "--width", 640, "--height", 480, "--streams", 9), 12.4416),  # 640 x 480 as named
])
def test_capacity_reproduces_the_white_paper(capsys, argv, tops):
    report = run_json(capsys, "budget", "capacity", *argv)
    assert report["required_tops"] == pytest.approx(tops, rel=1e-12)
    assert report["ops_per_pixel"] == 150000.0
    code, out, _ = run(capsys, "budget", "capacity", *argv)
    assert code == 0 and "TOPS" in out and "ops/s" in out and "frames/s" in out and "ops/px" in out
    assert all(any(u in line for u in ("TOPS", "ops/s", "px/s", "ops/px")) for line in out.strip().splitlines())


def test_capacity_with_catalog_models_equals_the_simulators_required_tops(capsys):
    det = run_json(capsys, "budget", "capacity", "--fps", 30, "--width", 1920, "--height", 1080, "--model", "yolov8s")
    pose = run_json(capsys, "budget", "capacity", "--fps", 30, "--width", 1920, "--height", 1080, "--model", "yolov8s_pose")
    sim = edgesim.simulate(SCENARIOS / "poe_camera_class3.yaml", duration_s=2.0).summary
    assert det["required_tops"] + pose["required_tops"] == pytest.approx(sim["system"]["required_tops"], rel=1e-12)


# -- thermal -------------------------------------------------------------------------------------------------


def test_thermal_power_and_efficiency_forms_agree(capsys):
    by_power = run_json(capsys, "budget", "thermal", "--tj", 105, "--tc", 85, "--power", 3.0)
    assert by_power["required_resistance_k_per_w"] == pytest.approx(20.0 / 3.0, rel=1e-15)
    by_eff = run_json(capsys, "budget", "thermal", "--tj", 105, "--tc", 85, "--capacity-tops", 9, "--efficiency-tops-per-w", 3)
    assert by_eff["required_resistance_k_per_w"] == pytest.approx(20.0 / 3.0, rel=1e-12)
    assert by_eff["power_w"] == pytest.approx(3.0, rel=1e-12)
    code, out, _ = run(capsys, "budget", "thermal", "--tj", 105, "--tc", 85, "--power", 3.0)
    assert "6.667 K/W" in out and "3 W" in out and "20 K" in out


# -- scenario: the formulas on simulated power ---------------------------------------------------------------


def test_budget_scenario_uses_the_simulated_power(capsys):
    path = SCENARIOS / "poe_camera_class3.yaml"
    report = run_json(capsys, "budget", "scenario", path, "--duration", 5, "--tj", 100, "--tc", 40)
    summary = edgesim.simulate(path, duration_s=5.0).summary
    unit, system = summary["units"][0], summary["system"]
    npu = report["units"][0]
    assert npu["avg_power_w"] == pytest.approx(unit["avg_power_w"], rel=1e-12)
    assert npu["required_resistance_k_per_w"] == pytest.approx(60.0 / unit["avg_power_w"], rel=1e-12)
    assert report["ai"]["required_resistance_k_per_w"] == pytest.approx(60.0 / system["avg_power_w"], rel=1e-12)
    assert report["device"]["required_resistance_k_per_w"] == pytest.approx(60.0 / system["device_avg_power_w"], rel=1e-12)
    # eff = C / P with C the achieved ops/s; the white paper's R = (Tj - Tc) x eff / C is the same number
    eff = report["ai"]["efficiency_ops_per_j"]
    assert eff == pytest.approx(system["achieved_tops"] * TOPS / system["avg_power_w"], rel=1e-12)
    assert 60.0 * eff / (system["achieved_tops"] * TOPS) == pytest.approx(report["ai"]["required_resistance_k_per_w"], rel=1e-12)
    assert report["device"]["within_power_budget"] is True and report["device"]["power_budget_w"] == 12.95


def test_budget_scenario_on_a_known_power(capsys, tmp_path):
    # 75 FPS on the linear box: busy 75 %, P = 3 W exactly, C = 0.75 TOPS, eff 0.25 TOPS/W, R = 20 K / 3 W
    path = tmp_path / "box.yaml"
    path.write_text(yaml.safe_dump(linear_box(75.0)))
    report = run_json(capsys, "budget", "scenario", path)
    assert (report["tj_c"], report["tc_c"]) == (105.0, 85.0)  # the reference defaults
    assert report["ai"]["avg_power_w"] == pytest.approx(3.0, rel=1e-3)
    assert report["ai"]["efficiency_tops_per_w"] == pytest.approx(EFF_TOPS_PER_W, rel=1e-9)
    assert report["ai"]["required_resistance_k_per_w"] == pytest.approx(20.0 / 3.0, rel=1e-3)
    code, out, _ = run(capsys, "budget", "scenario", path)
    assert code == 0 and "K/W" in out and "TOPS/W" in out and "avg W" in out


# -- fit, then simulate at exactly that capacity --------------------------------------------------------------


def test_fit_power_budget_simulated_at_that_capacity_draws_the_budget(capsys):
    report = run_json(capsys, "budget", "fit", "--efficiency-tops-per-w", EFF_TOPS_PER_W, "--power-budget", 4.0,
                      "--platform-w", 1.0, *FRAME)
    assert report["ai_power_w"] == 3.0 and report["max_tops"] == pytest.approx(0.75, rel=1e-12)
    fps = report["max_fps_per_stream"]
    assert fps == pytest.approx(75.0, rel=1e-12)
    data = linear_box(fps, platform_loads=[{"name": "rest", "power_w": 1.0, "source": "test"}], power_budget_w=4.0)
    system = edgesim.simulate(edgesim.scenario_from_dict(data)).summary["system"]
    assert system["achieved_tops"] == pytest.approx(report["max_tops"], rel=2e-3)
    assert system["avg_power_w"] == pytest.approx(3.0, rel=2e-3)
    assert system["device_avg_power_w"] == pytest.approx(4.0, rel=2e-3)


def test_fit_thermal_resistance_simulated_at_that_capacity_settles_at_tj(capsys):
    r_k_per_w, tj_c, tc_c = 10.0, 60.0, 30.0
    report = run_json(capsys, "budget", "fit", "--efficiency-tops-per-w", EFF_TOPS_PER_W, "--resistance", r_k_per_w,
                      "--tj", tj_c, "--tc", tc_c, *FRAME)
    assert report["ai_power_w"] == pytest.approx(3.0) and report["max_fps_per_stream"] == pytest.approx(75.0)
    thermal = {"ambient_c": tc_c, "nodes": [{"name": "j", "capacity_j_per_k": 1.0}],
               "links": [{"between": ["j", "ambient"], "resistance_k_per_w": r_k_per_w}]}
    data = linear_box(report["max_fps_per_stream"], duration_s=200.0, thermal=thermal)
    data["compute_units"][0]["thermal_node"] = "j"
    result = edgesim.simulate(edgesim.scenario_from_dict(data))
    temps = result.extra["series"]["temperature (C)"]["value"].to_numpy()
    assert temps[-1] == pytest.approx(tj_c, abs=0.05)  # 20 time constants: the junction sits at Tj = Tc + P R
    assert result.summary["units"][0]["max_temp_c"] <= tj_c + 0.1


def test_fit_battery_life_simulated_at_that_capacity_lasts_that_long(capsys):
    report = run_json(capsys, "budget", "fit", "--efficiency-tops-per-w", EFF_TOPS_PER_W, "--battery-wh", 10.0,
                      "--life-h", 2.0, "--platform-w", 1.0, "--dcdc-efficiency", 0.8, *FRAME)
    assert report["ai_power_w"] == pytest.approx(0.8 * 10.0 / 2.0 - 1.0)  # 3 W
    data = linear_box(report["max_fps_per_stream"], duration_s=20.0,
                      platform_loads=[{"name": "rest", "power_w": 1.0, "source": "test"}],
                      battery={"model": "ideal", "capacity_wh": 10.0, "dcdc_efficiency": 0.8})
    system = edgesim.simulate(edgesim.scenario_from_dict(data)).summary["system"]
    assert system["battery_life_is_projection"] is True
    assert system["battery_life_h"] == pytest.approx(2.0, rel=2e-3)


def test_fit_text_output_names_units(capsys):
    code, out, _ = run(capsys, "budget", "fit", "--efficiency-tops-per-w", 3, "--power-budget", 12.95, "--platform-w", 8.26,
                       "--width", 1920, "--height", 1080)
    assert code == 0
    lines = out.strip().splitlines()
    assert "TOPS" in lines[0] and "W" in lines[0] and "frames/s" in lines[-1]
    assert all(any(u in line for u in ("TOPS", " W", "frames/s")) for line in lines)


# -- bad values: one message naming the option, exit 2 ---------------------------------------------------------

BAD = [
    (("capacity", "--fps", 0, "--width", 640, "--height", 480), "--fps"),
    (("capacity", "--fps", "abc", "--width", 640, "--height", 480), "--fps"),
    (("capacity", "--fps", 30, "--width", -640, "--height", 480), "--width"),
    (("capacity", "--fps", 30, "--width", 640, "--height", "inf"), "--height"),
    (("capacity", "--fps", 30, "--width", 640, "--height", 480, "--streams", 0), "--streams"),
    (("capacity", "--fps", 30, "--width", 640, "--height", 480, "--ops-per-pixel", "nan"), "--ops-per-pixel"),
    (("capacity", "--fps", 30, "--width", 640, "--height", 480, "--model", "nosuch"), "--model"),
    (("thermal", "--tj", 80, "--tc", 85, "--power", 3), "--tj"),
    (("thermal", "--tj", 105, "--tc", 85, "--power", 0), "--power"),
    (("thermal", "--tj", 105, "--tc", 85, "--capacity-tops", 9), "--efficiency-tops-per-w"),
    (("thermal", "--tj", 105, "--tc", 85, "--power", 3, "--capacity-tops", 9, "--efficiency-tops-per-w", 3), "--power"),
    (("fit", "--efficiency-tops-per-w", 0, "--power-budget", 4), "--efficiency-tops-per-w"),
    (("fit", "--efficiency-tops-per-w", 3, "--power-budget", 4, "--platform-w", 5), "--platform-w"),
    (("fit", "--efficiency-tops-per-w", 3, "--power-budget", 4, "--platform-w", -1), "--platform-w"),
    (("fit", "--efficiency-tops-per-w", 3, "--battery-wh", 10), "--life-h"),
    (("fit", "--efficiency-tops-per-w", 3, "--battery-wh", 10, "--life-h", 2, "--dcdc-efficiency", 1.5), "--dcdc-efficiency"),
    (("fit", "--efficiency-tops-per-w", 3, "--resistance", 5), "--tj"),
    (("fit", "--efficiency-tops-per-w", 3, "--resistance", -1, "--tj", 105, "--tc", 85), "--resistance"),
    (("fit", "--efficiency-tops-per-w", 3), "--power-budget"),
    (("fit", "--efficiency-tops-per-w", 3, "--power-budget", 4, "--battery-wh", 10, "--life-h", 1), "--battery-wh"),
    (("fit", "--efficiency-tops-per-w", 3, "--power-budget", 4, "--width", 100), "--height"),
    (("scenario", str(SCENARIOS / "ip_camera_4w.yaml"), "--tj", 20), "--tj"),
    (("scenario", str(SCENARIOS / "ip_camera_4w.yaml"), "--duration", -1), "--duration"),
    (("scenario", str(SCENARIOS / "ip_camera_4w.yaml"), "--seed", "x"), "--seed"),
]


@pytest.mark.parametrize("argv,option", BAD, ids=[f"{b[0][0]}-{b[1]}-{i}" for i, b in enumerate(BAD)])
def test_bad_values_exit_2_with_one_message_naming_the_option(capsys, argv, option):
    code, out, err = run(capsys, "budget", *argv)
    assert code == 2 and out == ""
    assert err.startswith(f"edgesim: error: {option}:"), err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_missing_scenario_file_exits_2_naming_it(capsys, tmp_path):
    missing = tmp_path / "nope.yaml"
    code, out, err = run(capsys, "budget", "scenario", missing)
    assert code == 2 and str(missing) in err and "file not found" in err and "Traceback" not in err


@pytest.mark.parametrize("name", ["cascade_detector_classifier.yaml", "mlperf_resnet50_hailo8.yaml", "intersection_3cam.yaml"])
def test_budget_units_add_up_to_the_system(name):
    report = scenario_report(SCENARIOS / name, duration_s=2.0)
    achieved = sum(u["achieved_capacity_ops_per_s"] for u in report["units"])
    assert achieved == pytest.approx(report["achieved_tops"] * 1e12, rel=1e-9)
    busy = [u for u in report["units"] if u["utilization"] > 0 and u["kind"] != "link"]
    assert busy and all(u["achieved_tops"] > 0 for u in busy)


def test_budget_cascade_required_per_unit_sums_to_the_system():
    report = scenario_report(SCENARIOS / "cascade_detector_classifier.yaml", duration_s=2.0)
    system = edgesim.simulate(SCENARIOS / "cascade_detector_classifier.yaml", duration_s=2.0).summary["system"]
    units = {u["name"]: u for u in report["units"]}
    assert units["npu"]["required_tops"] > 1.0 and units["cpu"]["required_tops"] > 0
    assert sum(u["required_tops"] for u in report["units"]) == pytest.approx(system["required_tops"], rel=1e-12)


def test_budget_mlperf_requires_the_server_rate(capsys):
    spec = edgesim.load_scenario(SCENARIOS / "mlperf_resnet50_hailo8.yaml")
    server = next(load for load in spec.loads if load.scenario == "server")
    ops = spec.model(server.model).ops_for(server.width_px * server.height_px)
    report = scenario_report(spec, duration_s=2.0)
    assert report["required_tops"] == pytest.approx(server.target_qps * ops / 1e12, rel=1e-12)
    assert set(report["closed_loop_loads"]) == {"single_stream", "multi_stream", "offline"}
    code, out, _ = run(capsys, "budget", "scenario", SCENARIOS / "mlperf_resnet50_hailo8.yaml", "--duration", 2)
    assert code == 0 and "required 0 TOPS" not in out and "closed loop" in out
