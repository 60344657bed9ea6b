"""Camera power reached from a scenario: it scales with the pixel rate and joins the device power."""
from __future__ import annotations

from typing import Any

import pytest

import edgesim
from edgesim.errors import ScenarioError
from tests.sim.builders import sleepy_scenario as scenario


def run(data: dict[str, Any], trace: bool = False) -> edgesim.SimulationResult:
    return edgesim.simulate(edgesim.scenario_from_dict(data), trace=trace)


def test_camera_power_scales_with_pixel_rate_and_joins_the_device_power() -> None:
    data = scenario(fps=20.0, sleep=None, duration_s=1.0)
    data["cameras"][0].update({"width_px": 100, "height_px": 50, "count": 2,
                               "power": {"static_w": 0.1, "energy_per_pixel_j": 2e-6, "source": "ILLUSTRATIVE"}})
    data["compute_units"][0]["measured"][0].update({"width_px": 100, "height_px": 50})
    summary = run(data).summary
    per_camera_w = 0.1 + 2e-6 * 100 * 50 * 20.0
    system = summary["system"]
    assert system["camera_power_w"] == {"cam_0": pytest.approx(per_camera_w), "cam_1": pytest.approx(per_camera_w)}
    assert system["platform_load_w"] == pytest.approx(2 * per_camera_w, rel=1e-12)
    assert system["device_avg_power_w"] == pytest.approx(system["avg_power_w"] + 2 * per_camera_w, rel=1e-12)
    total = dict(data)
    total["cameras"] = [dict(data["cameras"][0], power={"power_w": 1.25, "source": "Pi camera module 250 mA at 5 V"})]
    assert run(total).summary["system"]["camera_power_w"]["cam_0"] == 1.25


def test_camera_power_needs_one_form_and_a_known_node() -> None:
    for power in ({"power_w": 1.0, "static_w": 0.1, "energy_per_pixel_j": 1e-9, "source": "x"},
                  {"static_w": 0.1, "source": "x"}, {"power_w": 1.0}):
        data = scenario(sleep=None)
        data["cameras"][0]["power"] = power
        with pytest.raises((ScenarioError, ValueError)):
            edgesim.scenario_from_dict(data)
    data = scenario(sleep=None)
    data["cameras"][0]["power"] = {"power_w": 1.0, "thermal_node": "nowhere", "source": "x"}
    with pytest.raises(ScenarioError, match="nowhere"):
        run(data)
