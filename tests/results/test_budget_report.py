"""edgesim.budget reads a finished run alone: the result carries each unit's required and achieved ops/s."""
from __future__ import annotations

import math
from pathlib import Path

import pytest

import edgesim
from edgesim.budget import scenario_report

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("stem", ["intersection_3cam", "cascade_detector_classifier", "mlperf_resnet50_hailo8"])
def test_units_required_and_achieved_sum_to_the_system_figures(stem):
    s = edgesim.simulate(str(ROOT / "scenarios" / f"{stem}.yaml"), duration_s=3, seed=1).summary
    required = sum(u["required_ops_per_s"] for u in s["units"])
    achieved = sum(u["achieved_ops_per_s"] for u in s["units"])
    assert math.isclose(required / 1e12, s["system"]["required_tops"], rel_tol=1e-12)
    assert math.isclose(achieved / 1e12, s["system"]["achieved_tops"], rel_tol=1e-12)
    assert s["window_s"] == pytest.approx(s["duration_s"] - s["warmup_s"])


def test_streams_require_camera_rate_times_ops():
    s = edgesim.simulate(str(ROOT / "scenarios" / "intersection_3cam.yaml"), duration_s=3, seed=1).summary
    for u in s["units"]:
        expected = sum(st["nominal_fps"] * st["ops_per_inference"] for st in s["streams"] if st["unit"] == u["name"])
        assert u["required_ops_per_s"] == pytest.approx(expected, rel=1e-12)


def test_a_server_load_requires_its_target_rate_and_closed_loops_none():
    s = edgesim.simulate(str(ROOT / "scenarios" / "mlperf_resnet50_hailo8.yaml"), duration_s=3, seed=1).summary
    for load in s["loads"]:
        unit = next(u for u in s["units"] if u["name"] == load["unit"])
        if load["scenario"] == "server":
            assert unit["required_ops_per_s"] == pytest.approx(load["target_qps"] * load["ops_per_sample"], rel=1e-12)
        else:
            assert load["name"] in unit["closed_loop_loads"]


def test_scenario_report_from_a_result_equals_the_report_from_its_scenario():
    path = str(ROOT / "scenarios" / "laptop_battery_npu.yaml")
    result = edgesim.simulate(path, duration_s=5, seed=2)
    assert scenario_report(result) == scenario_report(path, duration_s=5, seed=2)


def test_platform_loads_are_in_the_summary():
    s = edgesim.simulate(str(ROOT / "scenarios" / "laptop_battery_npu.yaml"), duration_s=2, seed=1).summary
    loads = s["system"]["platform_loads_w"]
    assert loads and sum(loads.values()) == pytest.approx(s["system"]["platform_load_w"], rel=1e-12)
