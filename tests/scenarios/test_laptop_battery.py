"""The white paper's laptop: 50 Wh, ~2 h with neural work on CPU+GPU, longer when offloaded (Figure 3).

The battery lives come out of the simulator (unit powers are simulated), not typed in."""
from __future__ import annotations

import sys

import pytest

import edgesim
from tests.helpers import ROOT, SCENARIOS

sys.path.insert(0, str(ROOT / "experiments"))


def laptop(file: str, **battery):
    data = edgesim.spec.read_scenario_dict(SCENARIOS / file)
    data["battery"].update(battery)
    return edgesim.scenario_from_dict(data, source=file)


def test_cpu_gpu_laptop_lasts_two_hours_and_offloaded_about_2_7():
    before = edgesim.simulate(laptop("laptop_battery_cpu_gpu.yaml"), duration_s=300).summary["system"]
    after = edgesim.simulate(laptop("laptop_battery_npu.yaml"), duration_s=300).summary["system"]
    assert before["battery_life_is_projection"] and after["battery_life_is_projection"]
    assert before["battery_life_h"] == pytest.approx(2.0, rel=2e-3)
    # 10 + 7.5 + 0.5 + 3.75 / 10 + 3.25 / 60 W from the white paper's shares -> 50 / 18.429 h
    assert after["battery_life_h"] == pytest.approx(50.0 / (18.0 + 0.375 + 3.25 / 60), rel=2e-3)
    assert 2.6 < after["battery_life_h"] < 3.1  # the white paper's "~3 h"
    assert before["device_avg_power_w"] == pytest.approx(25.0, rel=2e-3)


def test_projection_agrees_with_a_battery_drained_in_simulation():
    # a 0.2 Wh battery drains in ~29 s: simulated to the cut-off vs projected from 10 s of the 50 Wh one
    drained = edgesim.simulate(laptop("laptop_battery_cpu_gpu.yaml", capacity_wh=0.2)).summary["system"]
    assert drained["battery_life_is_projection"] is False
    projected = edgesim.simulate(laptop("laptop_battery_cpu_gpu.yaml", capacity_wh=0.2), duration_s=10).summary["system"]
    assert projected["battery_life_is_projection"] is True
    assert drained["battery_life_h"] == pytest.approx(projected["battery_life_h"], rel=5e-3)


def test_figure3_experiment_breakdown(tmp_path):
    import figure3_laptop

    result = figure3_laptop.run(fast=True, out_dir=tmp_path)
    before, after = result["rows"]
    assert before["compute_share"] == pytest.approx(0.60, rel=2e-3)  # white paper: compute = 60% of active power
    assert before["total_power_w"] / after["total_power_w"] == pytest.approx(25.0 / 18.429, rel=2e-3)
    assert after["battery_life_h"] / before["battery_life_h"] > 1.3
    assert all(p.exists() for p in result["files"])
