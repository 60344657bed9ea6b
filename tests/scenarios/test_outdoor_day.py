"""Ambient profile and sun in the simulator: piecewise-constant steps at the exact mean vs the exactly forced response;
the outdoor box throttles in the afternoon (scenarios/intersection_outdoor_day.yaml's thermal section, constant load)."""
from __future__ import annotations

import numpy as np
import pytest
import yaml

import edgesim
from edgesim.model.compile import compile_system
from edgesim.physics.ambient import DailySineAmbient, SolarLoad, step_with_forcing
from edgesim.physics.thermal import ThermalNetwork
from edgesim.sim.engine import run_simulation


def _day(power_w: float, duration_s: float = 86400.0, throttle: bool = True) -> dict:
    """The outdoor scenario's box and day with one constant-power unit (idle = max: no per-job power changes)."""
    with open("scenarios/intersection_outdoor_day.yaml") as fh:
        scenario = yaml.safe_load(fh)
    unit = {"name": "npu", "kind": "npu", "idle_power_w": power_w, "max_power_w": power_w,
            "measured": [{"model": "net", "fps": 100.0, "power_w": power_w, "width_px": 10, "height_px": 10, "source": "test"}],
            "dvfs_states": [{"name": "full", "frequency_hz": 1e9}, {"name": "half", "frequency_hz": 0.5e9}],
            "thermal_node": "junction"}
    if throttle:
        unit["throttle_steps"] = {"steps": [{"threshold_c": 85.0, "hysteresis_c": 5.0, "state": "half"}]}
    return {"name": "day", "duration_s": duration_s, "cameras": [{"name": "cam", "width_px": 10, "height_px": 10, "fps": 0.01}],
            "models": [{"name": "net", "ops_per_pixel": 1.0}], "compute_units": [unit],
            "streams": [{"camera": "cam", "model": "net", "unit": "npu"}], "platform_loads": scenario["platform_loads"],
            "thermal": scenario["thermal"], "record": {"interval_s": 600.0}}


def test_ambient_steps_track_the_exactly_forced_response():
    state = run_simulation(compile_system(edgesim.scenario_from_dict(_day(3.2, throttle=False))))
    p = state.platform
    assert p is not None
    net = ThermalNetwork(["junction", "box"], [10.0, 3000.0], 30.0, {("junction", "box"): 8.0}, {"box": 1.5})
    amb, sun = DailySineAmbient(30.0, 8.0, 54000.0), SolarLoad(25.0, 21600.0, 64800.0)
    temp = np.array([30.0, 30.0])
    power = np.array([3.2, 5.0])
    t, step = 0.0, 600.0
    while t < 86400.0 - 1e-9:  # exact response, split at sunrise/sunset (the forcing's breakpoints)
        dt = min(step, sun.forcing(t).length_s, 86400.0 - t)
        temp = step_with_forcing(net, temp, power, dt, amb.forcing(t), sun.forcing(t), [0.0, 1.0])
        t += dt
    # 60 s steps at the exact mean: within 0.05 K of the exact response after a whole day
    assert np.max(np.abs(p.temp_c - temp)) < 0.05
    assert np.max(np.abs(p.temp_c - temp)) > 0.0  # (not the same computation)


def test_outdoor_box_throttles_in_the_afternoon_only():
    result = edgesim.simulate(edgesim.scenario_from_dict(_day(3.2)))
    unit = result.summary["units"][0]
    assert unit["shutdown_at_s"] is None
    assert 6 * 3600 < unit["first_throttle_s"] < 15 * 3600  # by day, under the sun and the warming ambient
    dev = result.device_timeseries
    night = dev[(dev["time_s"] < 5 * 3600)]
    assert night["temp_junction_c"].max() < 85.0 - 10.0
    assert unit["throttled_s"] > 3600.0


def test_csv_ambient_profile(tmp_path):
    csv = tmp_path / "site.csv"
    csv.write_text("time_s,temp_c\n0,20\n3600,30\n7200,20\n")
    data = _day(1.0, duration_s=7200.0, throttle=False)
    data["thermal"]["ambient_profile"] = {"kind": "csv", "path": str(csv), "step_s": 60.0}
    data["thermal"].pop("sun")
    state = run_simulation(compile_system(edgesim.scenario_from_dict(data)))
    p = state.platform
    assert p is not None
    # box: ambient + (1 W unit + 5 W load) x 1.5 K/W at most 30 + 9 C; it lags the 1 h triangle peak
    assert 25.0 < float(p.temp_c[1]) < 39.0
    assert p.ambient_now_c() == pytest.approx(20.0 + 10.0 * (30.0 / 3600.0), abs=1e-9)  # last step's mean
