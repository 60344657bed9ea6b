"""docs/architecture.md, "How to add ...": a battery model, and a throttle kind, each touch two files besides tests and docs.

Each patch in ``tests/architecture/how_to_add/`` is applied to a copy of the package, and a scenario that uses the new kind runs:

* ``battery_model.patch``: a toy model (an energy bucket that also loses a constant self-discharge power): its class
  and one ``BATTERY_MODELS`` line in ``physics/battery.py``, its spec in ``spec/battery.py``. The battery life is the
  bucket's closed form.
* ``throttle_kind.patch``: a toy throttle (one step around a centre temperature): its spec and field in
  ``spec/unit.py``, its compilation into the one throttle ladder in ``model/platform.py``. The unit throttles at
  the exact instant its RC node reaches the band's top.
"""
from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "architecture" / "how_to_add"
PATCH = DATA / "battery_model.patch"

SCRIPT = """
import json, sys
import edgesim
data = json.loads(sys.argv[1])
result = edgesim.simulate(edgesim.scenario_from_dict(data))
print(json.dumps(result.summary))
"""


def _scenario(unit_w: float, load_w: float, self_discharge_w: float, capacity_wh: float) -> dict:
    return {
        "name": "toy_battery", "duration_s": 100000.0, "seed": 0,
        "cameras": [{"name": "cam", "width_px": 10, "height_px": 10, "fps": 1.0}],
        "models": [{"name": "net", "ops_per_pixel": 1.0}],
        "compute_units": [{"name": "npu", "kind": "npu", "idle_power_w": unit_w, "max_power_w": unit_w,
                           "measured": [{"model": "net", "fps": 100.0, "power_w": unit_w, "width_px": 10, "height_px": 10,
                                         "source": "test"}]}],
        "streams": [{"camera": "cam", "model": "net", "unit": "npu"}],
        "platform_loads": [{"name": "rest", "power_w": load_w}],
        "battery": {"model": "self_discharge", "capacity_wh": capacity_wh, "self_discharge_w": self_discharge_w},
        "record": {"interval_s": 600.0},
    }


def _patched_run(tmp_path: Path, patch: Path, scenario: dict) -> dict:
    """Apply ``patch`` to a copy of the package (after checking it touches at most two files) and run ``scenario``."""
    touched = re.findall(r"^\+\+\+ b/(\S+)", patch.read_text(), flags=re.M)
    assert len(touched) <= 2, touched  # the promise: at most two files besides tests and docs
    assert all(f.startswith("edgesim/") for f in touched)
    shutil.copytree(ROOT / "edgesim", tmp_path / "edgesim", ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(["patch", "-p1", "-s", "-i", str(patch)], cwd=tmp_path, check=True)
    out = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(scenario)],
                         cwd=tmp_path, env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, check=True)
    summary: dict = json.loads(out.stdout.strip().splitlines()[-1])
    return summary


@pytest.mark.skipif(shutil.which("patch") is None, reason="needs the patch tool")
def test_a_battery_model_touches_two_files_and_runs(tmp_path):
    unit_w, load_w, leak_w, capacity_wh = 2.0, 1.0, 0.5, 1.0
    system = _patched_run(tmp_path, PATCH, _scenario(unit_w, load_w, leak_w, capacity_wh))["system"]
    assert system["battery_model"] == "self_discharge"
    # the bucket empties at E / (P_load + P_self): 1 Wh over 3.5 W (the units' and the platform load's draw plus the loss)
    assert system["battery_life_is_projection"] is False
    assert system["battery_life_h"] == pytest.approx(capacity_wh / (unit_w + load_w + leak_w), rel=1e-9)


def _hot_box() -> dict:
    """A saturated unit, 10 W fast / 4 W slow, on one RC node (5 K/W, 20 J/K) to a 45 C ambient, with the toy
    throttle band 77.5 +- 2.5 C (trip at 80 C, release at 75 C)."""
    return {
        "name": "hot_box", "duration_s": 300.0, "seed": 0,
        "cameras": [{"name": "cam", "width_px": 10, "height_px": 10, "fps": 2000.0}],
        "models": [{"name": "net", "ops_per_pixel": 1.0}],
        "compute_units": [{
            "name": "npu", "kind": "npu", "idle_power_w": 1.0, "max_power_w": 10.0,
            "measured": [{"model": "net", "fps": 1000.0, "power_w": 10.0, "width_px": 10, "height_px": 10, "source": "test"}],
            "dvfs_states": [{"name": "fast", "frequency_hz": 1.0e9, "power_w": 10.0},
                            {"name": "slow", "frequency_hz": 0.5e9, "power_w": 4.0}],
            "thermal_node": "junction",
            "throttle_band": {"center_c": 77.5, "width_k": 5.0, "critical_c": 120.0},
        }],
        "streams": [{"camera": "cam", "model": "net", "unit": "npu", "queue_capacity": 1, "drop_policy": "drop_newest"}],
        "thermal": {"ambient_c": 45.0, "nodes": [{"name": "junction", "capacity_j_per_k": 20.0}],
                    "links": [{"between": ["junction", "ambient"], "resistance_k_per_w": 5.0}]},
        "record": {"interval_s": 1.0},
    }


@pytest.mark.skipif(shutil.which("patch") is None, reason="needs the patch tool")
def test_a_throttle_kind_touches_two_files_and_runs(tmp_path):
    unit = _patched_run(tmp_path, DATA / "throttle_kind.patch", _hot_box())["units"][0]
    # T(t) = Ta + P R (1 - exp(-t / RC)) reaches the band's top, 80 C, at t = -RC ln(1 - (80 - 45) / (10 x 5))
    expected_s = -5.0 * 20.0 * math.log(1.0 - (80.0 - 45.0) / (10.0 * 5.0))
    assert unit["first_throttle_s"] == pytest.approx(expected_s, rel=1e-9)
    assert unit["max_temp_c"] <= 80.0 + 1e-6  # throttled there, at half speed it cools (steady 65 C < 75 C)
    assert unit["throttle_count"] > 1  # and cycles through the band: released at 75 C, throttled again at 80 C
