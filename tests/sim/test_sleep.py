"""Sleep states reached from a scenario.

Sleep: the simulator's energy, latency and sleep time against the closed form of
:meth:`edgesim.physics.sleep.SleepState.idle_gap`; energy conserved against the power trace and the battery.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import edgesim
from edgesim.errors import ScenarioError
from edgesim.physics.sleep import SleepState
from tests.sim.builders import BUSY_W, IDLE_W, SLEEP
from tests.sim.builders import SLEEPY_SERVICE_S as SERVICE_S
from tests.sim.builders import sleepy_scenario as scenario

ROOT = Path(__file__).resolve().parents[2]



def state_of(data: dict[str, Any]) -> SleepState:
    s = data["compute_units"][0]["sleep"]
    return SleepState(IDLE_W, s["power_w"], s["timeout_s"], s.get("entry_latency_s", 0.0), s.get("entry_energy_j", 0.0),
                      s["wake_latency_s"], s["wake_energy_j"])


def run(data: dict[str, Any], trace: bool = False) -> edgesim.SimulationResult:
    return edgesim.simulate(edgesim.scenario_from_dict(data), trace=trace)


@pytest.mark.parametrize("entry", [True, False])
def test_periodic_load_energy_and_sleep_time_match_the_idle_gap_closed_form(entry: bool) -> None:
    sleep = dict(SLEEP) if entry else {k: v for k, v in SLEEP.items() if not k.startswith("entry")}
    fps, phase_s, n = 10.0, 0.05, 20
    data = scenario(fps=fps, phase_s=phase_s, duration_s=phase_s + n / fps, sleep=sleep)
    st = state_of(data)
    period_s = 1.0 / fps
    first = st.idle_gap(phase_s)  # idle from t = 0 until the first frame
    assert first.slept
    gap_s = period_s - st.wake_s - SERVICE_S  # each frame starts wake_s late, so every gap is this long
    gap = st.idle_gap(gap_s)
    assert gap.slept and gap.wake_delay_s == pytest.approx(st.wake_s)
    last_end_s = phase_s + (n - 1) * period_s + st.wake_s + SERVICE_S
    tail_s = data["duration_s"] - last_end_s  # the run ends asleep: no wake in the tail
    tail_j = IDLE_W * st.timeout_s + st.entry_energy_j + st.sleep_power_w * (tail_s - st.timeout_s - st.entry_s)
    expected_j = first.energy_j + n * BUSY_W * SERVICE_S + (n - 1) * gap.energy_j + tail_j
    unit = run(data).summary["units"][0]
    assert unit["energy_j"] == pytest.approx(expected_j, rel=1e-9)
    assert unit["inferences"] == n and unit["wakes"] == n
    expected_sleep_s = first.sleep_s + (n - 1) * gap.sleep_s + tail_s - st.timeout_s - st.entry_s
    assert unit["sleep_s"] == pytest.approx(expected_sleep_s, rel=1e-9)
    no_sleep = run(scenario(fps=fps, phase_s=phase_s, duration_s=data["duration_s"], sleep=None)).summary["units"][0]
    assert unit["energy_j"] < no_sleep["energy_j"]  # the gap (94 ms) is far above the break-even time
    assert st.break_even_s() < gap_s


def test_a_frame_arriving_at_a_sleeping_unit_waits_the_wake_latency() -> None:
    data = scenario(fps=5.0, phase_s=0.1)
    result = run(data)
    stream = result.summary["streams"][0]
    expected_ms = (SLEEP["wake_latency_s"] + SERVICE_S) * 1e3
    for key in ("mean", "p50", "max"):
        assert stream["latency_ms"][key] == pytest.approx(expected_ms, rel=1e-9)
    assert stream["completed"] == stream["offered"] == 10


def test_an_arrival_during_entry_waits_for_the_entry_then_the_wake() -> None:
    # idle from t = 0: entry runs 20-24 ms; the only frame arrives at 22 ms and starts at 24 + 6 = 30 ms
    data = scenario(fps=0.5, phase_s=0.022, duration_s=1.0)
    st = state_of(data)
    result = run(data, trace=True)
    latency_ms = result.summary["streams"][0]["latency_ms"]["max"]
    delay_s = st.idle_gap(0.022).wake_delay_s
    assert delay_s == pytest.approx(0.008)
    assert latency_ms == pytest.approx((delay_s + SERVICE_S) * 1e3, rel=1e-9)
    unit = result.summary["units"][0]
    assert unit["wakes"] == 1
    trace = result.extra["power_trace"]
    assert trace["power_w"].tolist() == pytest.approx([IDLE_W, 0.3, 0.6, BUSY_W, IDLE_W, 0.3, SLEEP["power_w"]])


def test_a_timeout_longer_than_the_frame_gap_never_sleeps() -> None:
    sleep = dict(SLEEP, timeout_s=0.5)  # gaps are 90 ms
    data = scenario(fps=10.0, sleep=sleep, duration_s=3.0)
    data["warmup_s"] = 0.2  # the unit may sleep before the first frame; it must never sleep between frames
    data["cameras"][0]["arrival"]["phase_s"] = 0.1
    result = run(data).summary
    plain = scenario(fps=10.0, sleep=None, duration_s=3.0)
    plain["warmup_s"] = 0.2
    plain["cameras"][0]["arrival"]["phase_s"] = 0.1
    reference = run(plain).summary
    unit, ref = result["units"][0], reference["units"][0]
    assert unit["sleep_s"] == 0.0 and unit["wakes"] == 0
    assert unit["energy_j"] == pytest.approx(ref["energy_j"], rel=1e-12)
    assert result["streams"][0]["latency_ms"]["max"] == pytest.approx(SERVICE_S * 1e3, rel=1e-9)
    assert ref["sleep_s"] is None and ref["wakes"] is None


def trace_energy_j(trace: Any, unit: str, end_s: float) -> float:
    rows = trace[trace["unit"] == unit]
    times = np.append(rows["time_s"].to_numpy(), end_s)
    return float(np.sum(rows["power_w"].to_numpy() * np.diff(times)))


def test_energy_is_conserved_against_the_trace_and_the_battery_with_random_arrivals() -> None:
    # Poisson frames: gaps below and above the timeout, arrivals during entry and during the wake, queueing;
    # a thermal node, a battery, a camera load and DVFS throttling all on
    data = scenario(fps=40.0, duration_s=20.0, arrival="poisson")
    unit = data["compute_units"][0]
    unit.update({"dvfs_states": [{"name": "fast", "frequency_hz": 1e9, "power_w": BUSY_W},
                                 {"name": "slow", "frequency_hz": 5e8, "power_w": 1.0}],
                 "thermal_node": "j", "throttle": {"threshold_c": 30.0, "hysteresis_c": 0.5, "critical_c": 200.0}})
    data["cameras"][0]["power"] = {"static_w": 0.2, "energy_per_pixel_j": 1e-4, "thermal_node": "j", "source": "test"}
    data["thermal"] = {"ambient_c": 25.0, "nodes": [{"name": "j", "capacity_j_per_k": 0.5}],
                       "links": [{"between": ["j", "ambient"], "resistance_k_per_w": 8.0}]}
    data["battery"] = {"capacity_wh": 1.0, "dcdc_efficiency": 0.9}
    data["warmup_s"] = 0.0
    result = run(data, trace=True)
    summary = result.summary
    row = summary["units"][0]
    assert row["wakes"] > 50 and row["sleep_s"] > 1.0 and row["throttled_s"] > 0.0
    end_s = summary["duration_s"]
    assert row["energy_j"] == pytest.approx(trace_energy_j(result.extra["power_trace"], "npu", end_s), rel=1e-9)
    camera_w = 0.2 + 1e-4 * 64 * 40.0
    system = summary["system"]
    assert system["camera_power_w"] == {"cam": pytest.approx(camera_w, rel=1e-12)}
    assert system["load_energy_j"] == pytest.approx(row["energy_j"] + camera_w * end_s, rel=1e-9)
    assert system["battery_energy_j"] * 0.9 == pytest.approx(system["load_energy_j"], rel=1e-9)
    s = summary["streams"][0]
    assert s["offered"] == s["completed"] + s["dropped"] + s["in_flight"]


@pytest.mark.parametrize("change,message", [
    ({"power_w": 0.9}, "must not exceed idle_power_w"),
    ({"wake_latency_s": 0.0}, "wake_energy_j > 0 needs wake_latency_s > 0"),
    ({"entry_latency_s": 0.0}, "entry_energy_j > 0 needs entry_latency_s > 0"),
    ({"source": ""}, "source"),
])
def test_bad_sleep_blocks_are_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises((ScenarioError, ValueError), match=message):
        edgesim.scenario_from_dict(scenario(sleep=dict(SLEEP, **change)))


def test_shipped_scenario_saves_power_at_low_fps_and_pays_the_wake_in_latency(tmp_path: Path) -> None:
    path = ROOT / "scenarios" / "ip_camera_sleep.yaml"
    asleep = edgesim.simulate(edgesim.load_scenario(path), duration_s=10.0).summary
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["compute_units"][0]["sleep"]
    (tmp_path / "awake.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    awake = edgesim.simulate(edgesim.load_scenario(tmp_path / "awake.yaml"), duration_s=10.0).summary
    assert asleep["system"]["device_avg_power_w"] < awake["system"]["device_avg_power_w"] - 0.1
    assert asleep["system"]["camera_power_w"] == {"ipcam": 2.5}
    wake_ms = asleep["streams"][0]["latency_ms"]["mean"] - awake["streams"][0]["latency_ms"]["mean"]
    assert wake_ms == pytest.approx(5.0, rel=1e-9)
    assert asleep["units"][0]["wakes"] == asleep["units"][0]["inferences"]


@pytest.mark.parametrize("variant", ["two_servers", "batching", "pipeline"])
def test_general_paths_conserve_energy_and_serve_every_frame(variant: str) -> None:
    """Sleep on the general completion path (two servers), with dynamic batching, and under a pipeline stage."""
    data = scenario(fps=30.0, duration_s=10.0, arrival="poisson")
    unit = data["compute_units"][0]
    if variant == "two_servers":
        unit["servers"] = 2
    elif variant == "batching":
        unit["batching"] = {"max_batch": 4, "max_wait_s": 0.015}
    else:
        del data["streams"]
        data["pipelines"] = [{"name": "p", "camera": "cam", "stages": [{"name": "det", "unit": "npu", "model": "net"}]}]
    result = run(data, trace=True)
    row = result.summary["units"][0]
    assert row["wakes"] > 20 and row["sleep_s"] > 1.0
    assert row["energy_j"] == pytest.approx(trace_energy_j(result.extra["power_trace"], "npu", 10.0), rel=1e-9)
    group = result.summary["pipelines" if variant == "pipeline" else "streams"][0]
    assert group["dropped"] == 0 and group["completed"] + group["in_flight"] == group["offered"]
    assert group["latency_ms"]["p50"] >= SERVICE_S * 1e3 - 1e-9
