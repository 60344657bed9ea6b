"""Fast-forward (edgesim/sim/fastforward.py) against the exact event-by-event run: within the bounds it reports.

The exact run (``simulate(..., exact=True)``) is the reference; the golden tests run it, so it is unchanged. Here:
the period of the arrival pattern; which runs may fast-forward; an exactly periodic battery camera to cut-off
(life against energy / average power of the exact run); random scenarios with platforms, throttling and
batteries, fast-forwarded against exact on short horizons, every stream's completions and the energy within the
reported bounds; the run budget counting simulated events only.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import edgesim
from edgesim.cli import main
from edgesim.errors import ScenarioError
from edgesim.model.compile import compile_system
from edgesim.model.cycles import fast_forward_period_s

ROOT = Path(__file__).resolve().parents[2]


def _scenario(name: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / "scenarios" / f"{name}.yaml").read_text())


def _spec(data: dict[str, Any]) -> edgesim.ScenarioSpec:
    return edgesim.scenario_from_dict(data, "test.yaml", ROOT / "scenarios")


def _box(rng: np.random.Generator) -> dict[str, Any]:
    """A random variant of passive_box_45c: frame rate, ambient, thermal network, throttle point, battery, load."""
    data = _scenario("passive_box_45c")
    data["cameras"][0]["fps"] = float(rng.choice([5.0, 8.0, 10.0, 12.5, 15.0, 20.0]))
    data["thermal"]["ambient_c"] = data["thermal"]["initial_temp_c"] = float(rng.uniform(30.0, 50.0))
    data["thermal"]["nodes"][0]["capacity_j_per_k"] = float(rng.uniform(2.0, 10.0))
    data["thermal"]["nodes"][1]["capacity_j_per_k"] = float(rng.uniform(30.0, 120.0))
    data["thermal"]["links"][1]["resistance_k_per_w"] = float(rng.uniform(3.0, 6.0))
    steps = data["compute_units"][0]["throttle_steps"]["steps"]
    steps[0]["threshold_c"] = float(rng.uniform(55.0, 80.0))
    steps[1]["threshold_c"] = steps[0]["threshold_c"] + 5.0
    data["streams"][0]["queue_capacity"] = int(rng.integers(1, 4))
    data["duration_s"] = float(rng.uniform(1200.0, 2400.0))
    if rng.random() < 0.6:
        data["battery"] = {"model": "ideal", "capacity_wh": float(rng.uniform(1.0, 8.0))}
    if rng.random() < 0.5:
        data["platform_loads"] = [{"name": "host", "power_w": float(rng.uniform(0.5, 3.0)), "thermal_node": "heatsink",
                                   "source": "test"}]
    data["record"] = {"interval_s": 10.0}
    return data


def _assert_within_bounds(ff: dict[str, Any], exact: dict[str, Any]) -> None:
    bounds = ff["fast_forward"]
    assert bounds["enabled"] and not exact["fast_forward"]["enabled"]
    completions_bound = bounds["completions_bound"] + 2.0  # a job in flight at the end either way
    for a, b in zip(ff["streams"], exact["streams"]):
        assert abs(a["completed"] - b["completed"]) <= completions_bound, (a["completed"], b["completed"], bounds)
        assert abs(a["offered"] - b["offered"]) <= completions_bound
    duration_s = exact["duration_s"]
    power_w = exact["system"]["device_avg_power_w"]
    # a cut-off moved by dt changes the energy by dt x power: the bound on energy bounds that too
    energy_slack_j = bounds["energy_bound_j"] + 1e-6 * exact["system"]["energy_j"] + 2.0 * bounds["period_s"] * power_w
    assert abs(ff["system"]["energy_j"] - exact["system"]["energy_j"]) <= energy_slack_j
    assert abs(ff["duration_s"] - duration_s) <= energy_slack_j / power_w + 2.0 * bounds["period_s"]


def test_period_is_the_lcm_of_the_frame_periods() -> None:
    data = _scenario("ip_camera_sleep")
    data["battery"] = {"model": "ideal", "capacity_wh": 1.0}
    data["cameras"].append({**copy.deepcopy(data["cameras"][0]), "name": "second", "fps": 3.0})
    data["streams"].append({**data["streams"][0], "camera": "second"})
    model = compile_system(_spec(data))
    assert fast_forward_period_s(model) == pytest.approx(1.0)  # lcm(1/5 s, 1/3 s)
    assert model.fast_forward_period_s == pytest.approx(1.0)
    assert compile_system(_spec(data), exact=True).fast_forward_period_s is None


def test_runs_that_cannot_fast_forward_are_exact() -> None:
    assert compile_system(_spec(_scenario("intersection_3cam"))).fast_forward_period_s is None  # no platform
    assert compile_system(_spec(_scenario("cascade_detector_classifier"))).fast_forward_period_s is None  # pipelines


def test_exactly_periodic_camera_to_cutoff_matches_exact_and_energy_over_power() -> None:
    data = _scenario("ip_camera_sleep")
    data["battery"] = {"model": "ideal", "capacity_wh": 0.5}
    data["duration_s"] = 7200.0
    spec = _spec(data)
    ff = edgesim.simulate(spec).summary
    exact = edgesim.simulate(spec, exact=True).summary
    assert ff["fast_forward"]["forwarded_s"] > 0.9 * ff["duration_s"]
    assert ff["fast_forward"]["ended_by"] == ["empty"]
    assert ff["system"]["battery_life_is_projection"] is False and exact["system"]["battery_life_is_projection"] is False
    _assert_within_bounds(ff, exact)
    # exactly periodic: the bounds are (numerically) zero, and the life is the exact one
    assert ff["fast_forward"]["completions_bound"] < 1e-3
    assert ff["duration_s"] == pytest.approx(exact["duration_s"], rel=1e-7)
    # life = capacity / the exact run's average device power (the camera's draw and the NPU's, sleep included)
    assert ff["duration_s"] == pytest.approx(0.5 * 3600.0 / exact["system"]["device_avg_power_w"], rel=1e-4)
    assert ff["streams"][0]["latency_ms"]["p50"] == pytest.approx(exact["streams"][0]["latency_ms"]["p50"], rel=1e-6)
    assert ff["units"][0]["sleep_s"] == pytest.approx(exact["units"][0]["sleep_s"], rel=1e-6) if "sleep_s" in ff["units"][0] else True


@pytest.mark.parametrize("seed", range(6))
def test_random_platform_scenarios_agree_within_reported_bounds(seed: int) -> None:
    spec = _spec(_box(np.random.default_rng(1000 + seed)))
    ff = edgesim.simulate(spec).summary
    exact = edgesim.simulate(spec, exact=True).summary
    _assert_within_bounds(ff, exact)
    for a, b in zip(ff["units"], exact["units"]):
        assert a["max_temp_c"] == pytest.approx(b["max_temp_c"], abs=0.05)
        assert abs(a["throttled_s"] - b["throttled_s"]) <= max(0.01 * b["throttled_s"], 30.0)


def test_outdoor_day_hour_matches_exact() -> None:
    spec = edgesim.load_scenario(ROOT / "scenarios" / "intersection_outdoor_day.yaml")
    ff = edgesim.simulate(spec, duration_s=1200.0).summary
    exact = edgesim.simulate(spec, duration_s=1200.0, exact=True).summary
    assert ff["fast_forward"]["segments"] >= 1
    _assert_within_bounds(ff, exact)
    for a, b in zip(ff["streams"], exact["streams"]):
        assert a["achieved_fps"] == pytest.approx(b["achieved_fps"], rel=0.01)
        assert a["latency_ms"]["p50"] == pytest.approx(b["latency_ms"]["p50"], rel=0.02)
    assert ff["units"][0]["max_temp_c"] == pytest.approx(exact["units"][0]["max_temp_c"], abs=0.01)


def test_run_budget_counts_simulated_events_only() -> None:
    data = _scenario("ip_camera_sleep")
    data["battery"] = {"model": "ideal", "capacity_wh": 2000.0}  # 32 days at 2.6 W
    data["duration_s"] = 30 * 86400.0
    spec = _spec(data)
    with pytest.raises(ScenarioError, match="duration_s"):
        edgesim.simulate(spec, exact=True, max_events=1e6)  # the whole month's events, refused before it starts
    result = edgesim.simulate(spec, max_events=1e6).summary  # forwarded: a minute or so is simulated
    assert result["duration_s"] == pytest.approx(30 * 86400.0)
    assert result["fast_forward"]["simulated_s"] < 600.0


def _scheduled_camera(capacity_wh: float = 5.0) -> dict[str, Any]:
    """ip_camera_sleep on a battery, its camera powered 06:00-18:00 only and a 1 W light on 18:00-24:00."""
    data = _scenario("ip_camera_sleep")
    data["battery"] = {"model": "ideal", "capacity_wh": capacity_wh}
    data["cameras"][0]["power"]["schedule"] = {"steps": [[0, 0.0], [21600, 1.0], [64800, 0.0]], "source": "test"}
    data["platform_loads"] = [{"name": "light", "power_w": 1.0, "schedule": {"steps": [[0, 0.0], [64800, 1.0]]},
                               "source": "test"}]
    data["warmup_s"] = 0.0
    return data


def test_schedules_draw_their_duty_cycle() -> None:
    data = _scheduled_camera(capacity_wh=1e4)
    data["duration_s"] = 2 * 86400.0
    result = edgesim.simulate(_spec(data))
    system = result.summary["system"]
    # the camera's 2.5 W for 12 h a day, the light's 1 W for 6 h: 1.25 + 0.25 W on average
    assert system["platform_load_w"] == pytest.approx(2.5 * 0.5 + 1.0 * 0.25, rel=1e-9)
    series = result.device_timeseries
    assert series is not None
    hour = (series["time_s"] // 3600) % 24
    loads_w = series["device_power_w"] - series["units_power_w"]
    assert loads_w[hour < 6].max() == pytest.approx(0.0, abs=1e-9)
    assert loads_w[(hour >= 6) & (hour < 18)].mean() == pytest.approx(2.5, rel=1e-9)
    assert loads_w[hour >= 18].mean() == pytest.approx(1.0, rel=1e-9)


def test_scheduled_loads_fast_forward_within_bounds() -> None:
    data = _scheduled_camera(capacity_wh=5.0)  # 0.5 Wh by 06:00 at ~0.09 W, then 2.6 W: cut-off near 07:45
    data["duration_s"] = 3 * 86400.0
    spec = _spec(data)
    ff = edgesim.simulate(spec).summary
    exact = edgesim.simulate(spec, exact=True).summary
    assert ff["fast_forward"]["forwarded_s"] > 0.9 * ff["duration_s"]
    _assert_within_bounds(ff, exact)
    assert ff["duration_s"] == pytest.approx(exact["duration_s"], rel=1e-6)


def test_battery_camera_week_runs_to_cutoff_in_days() -> None:
    summary = edgesim.simulate(ROOT / "scenarios" / "battery_camera_week.yaml").summary
    system = summary["system"]
    assert system["battery_life_is_projection"] is False and summary["fast_forward"]["ended_by"][-1:] == ["empty"]
    assert 5.0 < system["battery_life_h"] / 24.0 < 10.0
    assert system["final_voltage_v"] == pytest.approx(2 * 2.5, abs=0.01)  # 2s of LG M50 at its 2.5 V cut-off
    # the energy the pack delivered (device energy / converter efficiency) is within its 148.8 Wh open-circuit energy
    delivered_wh = system["device_avg_power_w"] * system["battery_life_h"] / 0.9
    assert 0.85 * 148.8 < delivered_wh < 148.8


def test_ip_camera_on_200wh_lasts_energy_over_exact_power() -> None:
    """ip_camera_sleep.yaml on an ideal 200 Wh battery runs to cut-off (days, forwarded), and its life is
    within 0.5% of 200 Wh over the average device power of a 1-h exact run."""
    data = _scenario("ip_camera_sleep")
    data["battery"] = {"model": "ideal", "capacity_wh": 200.0}
    data["duration_s"] = 10 * 86400.0
    spec = _spec(data)
    ff = edgesim.simulate(spec).summary
    hour = edgesim.simulate(spec, duration_s=3600.0, exact=True).summary
    assert ff["system"]["battery_life_is_projection"] is False
    assert ff["fast_forward"]["simulated_s"] < 0.01 * ff["duration_s"]
    assert ff["duration_s"] / 3600.0 == pytest.approx(200.0 / hour["system"]["device_avg_power_w"], rel=0.005)


@pytest.mark.parametrize("name", ["passive_box_45c", "battery_camera_yolov8n", "laptop_battery_cpu_gpu"])
def test_shipped_scenarios_fast_forward_within_bounds(name: str) -> None:
    """Throttle steps (passive box), a resize on the host CPU (battery camera), two units to a battery's cut-off."""
    spec = edgesim.load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    ff = edgesim.simulate(spec).summary
    exact = edgesim.simulate(spec, exact=True).summary
    assert ff["fast_forward"]["forwarded_s"] > 0.5 * ff["duration_s"]
    _assert_within_bounds(ff, exact)
    for a, b in zip(ff["units"], exact["units"]):
        assert abs(a["throttled_s"] - b["throttled_s"]) <= max(0.01 * b["throttled_s"], 30.0)


@pytest.mark.parametrize("arrival,capacity_wh", [({"kind": "jitter", "jitter_s": 0.05}, 5.0), ({"kind": "poisson"}, 50.0)])
def test_random_arrivals_fast_forward_within_their_confidence_bounds(arrival: dict[str, Any], capacity_wh: float) -> None:
    """Jittered or Poisson frames: the window's rates are tested by their 95% confidence interval (1% of the rate);
    the bounds are that interval over the forwarded time, so fast-forward and exact (different draws after the
    jump) agree within them."""
    data = _scenario("ip_camera_sleep")
    data["battery"] = {"model": "ideal", "capacity_wh": capacity_wh}
    data["duration_s"] = 30 * 86400.0
    data["cameras"][0]["arrival"] = arrival
    spec = _spec(data)
    ff = edgesim.simulate(spec).summary
    exact = edgesim.simulate(spec, exact=True, max_events=1e9).summary
    assert ff["fast_forward"]["segments"] >= 1 and ff["fast_forward"]["tolerance"] == pytest.approx(0.01)
    _assert_within_bounds(ff, exact)
    assert ff["streams"][0]["achieved_fps"] == pytest.approx(exact["streams"][0]["achieved_fps"], rel=0.01)


def test_cli_exact_flag(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(ROOT / "scenarios" / "passive_box_45c.yaml")
    assert main(["run", path, "--json", "--duration", "300", "--exact"]) == 0
    exact = json.loads(capsys.readouterr().out)
    assert main(["run", path, "--json", "--duration", "300"]) == 0
    default = json.loads(capsys.readouterr().out)
    assert exact["fast_forward"]["enabled"] is False and exact["fast_forward"]["forwarded_s"] == 0.0
    assert default["fast_forward"]["enabled"] is True and default["fast_forward"]["forwarded_s"] > 0.0
