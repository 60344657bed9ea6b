"""The text of `edgesim run`: battery life in days beside hours above 48 h, in hours below, none without a battery; platform loads shown."""
from __future__ import annotations

import json
import re

import pytest

from edgesim.cli import main
from tests.helpers import SCENARIOS, run_cli

INTERSECTION = SCENARIOS / "intersection_3cam.yaml"



def test_battery_life_days_beside_hours_and_in_the_text_above_48_h(capsys):
    battery = SCENARIOS / "battery_camera_yolov8n.yaml"
    code, out, err = run_cli(capsys, "run", battery, "--set", "battery.capacity_wh=500", "--duration", 20, "--json")
    assert code == 0, err
    system = json.loads(out)["system"]
    assert system["battery_life_h"] > 48
    assert system["battery_life_days"] == pytest.approx(system["battery_life_h"] / 24.0, rel=1e-12)
    code, out, err = run_cli(capsys, "run", battery, "--set", "battery.capacity_wh=500", "--duration", 20)
    line = next(x for x in out.splitlines() if x.startswith("battery:"))
    assert f"({system['battery_life_days']:.2f} days)" in line, line


def test_battery_life_under_48_h_stays_in_hours(capsys):
    code, out, err = run_cli(capsys, "run", SCENARIOS / "battery_camera_yolov8n.yaml", "--duration", 20)
    assert code == 0, err
    line = next(x for x in out.splitlines() if x.startswith("battery:"))
    assert " h," in line and "days" not in line


def test_no_battery_no_battery_life_days(capsys):
    code, out, _ = run_cli(capsys, "run", INTERSECTION, "--duration", 2, "--json")
    system = json.loads(out)["system"]
    assert system["battery_life_h"] is None and system["battery_life_days"] is None


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_laptop_text_shows_platform_loads(capsys):
    code, out, err = run(capsys, "run", SCENARIOS / "laptop_battery_cpu_gpu.yaml", "--duration", 2)
    assert code == 0, err
    for name, watts in (("rest_of_system", "10.000"), ("cpu_other", "7.500"), ("gpu_other", "0.500")):
        assert re.search(rf"^{name}\s+platform\s+-\s+{re.escape(watts)}\s", out, re.M), out
    assert re.search(r"^device total\s+-\s+25\.000\s", out, re.M), out
    assert "7.000 W average in the compute units + 18.000 W platform loads = 25.000 W device" in out
    assert "battery: projected life 2.000 h" in out
