"""Invariants every valid scenario keeps, over random scenarios mixing every feature (hypothesis).

Each example draws a small scenario (a few simulated seconds) with any of: the four schedulers, several servers,
batching, a shared memory bus, DVFS with throttling and temperature-dependent leakage, a battery (ideal, Peukert,
KiBaM), a PCIe link and a pipeline with Poisson fan-out, and an MLPerf load driver. Every run must keep:

- frame accounting: offered = completed + dropped + in flight (streams and pipelines);
- ordered latency statistics: p50 <= p95 <= p99 <= max;
- 0 <= utilization <= 1;
- energy >= 0 for every unit and the system;
- energy conservation: a unit's energy equals its power-change log (``--trace``) integrated over the statistics
  window, to 1e-9 relative (units without leakage: leakage follows the temperature continuously between changes);
  the system's energy is the sum of its units'; a battery delivers the load's energy divided by the converter's
  efficiency;
- a JSON-clean summary: no NaN or infinity anywhere (``json.dumps(..., allow_nan=False)``);
- determinism: the same seed gives byte-identical JSON.

In a cold ambient (below the leakage reference), linear leakage ``b max(0, T - T_ref)`` adds to a unit's energy at
least nothing and at most ``b (T_max - T_ref) x window``: its energy is checked against the same run without leakage.
"""
from __future__ import annotations

import json
import os
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import edgesim

EXAMPLES = 200
REL = 1e-9


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """A random valid scenario mixing every feature, small enough to run in a few tens of milliseconds."""
    scheduler = draw(st.sampled_from(["fifo", "priority", "edf", "fair"]))
    servers = draw(st.sampled_from([1, 1, 2, 3]))
    batching = servers == 1 and draw(st.booleans())
    bus = draw(st.booleans())
    thermal = draw(st.booleans())
    leakage = thermal and draw(st.booleans())
    battery = draw(st.booleans())
    distribution = draw(st.sampled_from(["deterministic", "exponential"]))
    units = []
    for name in ("u1", "u2"):
        unit: dict[str, Any] = {
            "name": name, "kind": "npu", "idle_power_w": draw(st.floats(0.0, 1.0)), "max_power_w": draw(st.floats(1.0, 5.0)),
            "peak_ops_per_s": {"int8": 1e10}, "efficiency": draw(st.floats(0.1, 1.0)), "scheduler": scheduler,
            "servers": servers, "service_time_distribution": distribution,
            "power_curve": draw(st.sampled_from([{"kind": "linear"}, {"kind": "power_law", "exponent": 1.7}])),
        }
        if batching:
            unit["batching"] = {"max_batch": draw(st.integers(1, 6)), "max_wait_s": draw(st.sampled_from([0.0, 0.002, 0.01]))}
        if bus:
            unit["memory_bus"] = "dram"
        if thermal:
            unit["thermal_node"] = "j"
            unit["dvfs_states"] = [{"name": "hi", "frequency_hz": 1e9, "voltage_v": 1.0}, {"name": "lo", "frequency_hz": 5e8, "voltage_v": 0.8}]
            threshold_c = draw(st.floats(30.0, 60.0))
            unit["throttle"] = {"threshold_c": threshold_c, "hysteresis_c": draw(st.floats(0.5, 5.0)), "critical_c": draw(st.floats(61.0, 90.0))}
            if leakage:
                unit["leakage_w_per_k"] = draw(st.floats(0.001, 0.02))
        units.append(unit)
    fps = draw(st.floats(5.0, 150.0))
    data: dict[str, Any] = {
        "name": "prop", "duration_s": draw(st.floats(0.5, 2.0)), "warmup_s": 0.0 if battery else draw(st.sampled_from([0.0, 0.2])),
        "seed": draw(st.integers(0, 2**32)),
        "cameras": [{"name": "c", "width_px": draw(st.sampled_from([64, 224])), "height_px": 64, "fps": fps,
                     "count": draw(st.integers(1, 3)), "stagger": draw(st.booleans()),
                     "arrival": {"kind": draw(st.sampled_from(["periodic", "poisson", "jitter"])), "jitter_s": 0.2 / fps}}],
        "models": [{"name": "m1", "ops_per_pixel": draw(st.floats(1e3, 1e5)), "weight_bytes": 1e6},
                   {"name": "m2", "ops_per_pixel": draw(st.floats(1e3, 1e5))}],
        "compute_units": units,
        "streams": [{"camera": "c", "model": "m1", "unit": "u1", "priority": 1,
                     "drop_policy": draw(st.sampled_from(["drop_oldest", "drop_newest", "never_drop"])),
                     "queue_capacity": draw(st.integers(1, 4))},
                    {"camera": "c", "model": "m2", "unit": draw(st.sampled_from(["u1", "u2"])),
                     "drop_policy": draw(st.sampled_from(["drop_oldest", "drop_newest"])), "deadline_s": 0.01}],
    }
    if draw(st.booleans()):
        data["links"] = [{"name": "pcie", "bandwidth_bytes_per_s": 5e8, "latency_s": 1e-4, "energy_j_per_byte": 1e-10}]
        data["pipelines"] = [{"name": "p", "camera": "c", "stages": [
            {"name": "pre", "unit": "u2", "ops_per_pixel": 1e3},
            {"name": "xfer", "link": "pcie", "bytes_per_pixel": 3, "after": ["pre"]},
            {"name": "inf", "unit": "u1", "model": "m1", "after": ["xfer"]},
            {"name": "cls", "unit": "u2", "model": "m2", "count": {"kind": "poisson", "mean": draw(st.floats(0.0, 3.0))},
             "after": ["inf"], "width_px": 32, "height_px": 32}]}]
    if bus:
        data["memory_buses"] = [{"name": "dram", "bandwidth_bytes_per_s": draw(st.sampled_from([1e8, 1e9, 1e10]))}]
    if thermal:
        data["thermal"] = {"ambient_c": draw(st.floats(25.0, 40.0)), "nodes": [{"name": "j", "capacity_j_per_k": draw(st.floats(0.05, 5.0))}],
                           "links": [{"between": ["j", "ambient"], "resistance_k_per_w": draw(st.floats(2.0, 20.0))}]}
        # two units of leakage b on one node: b x 2 x R <= 0.8 < 1, so no thermal runaway
    if battery:
        data["battery"] = {"model": draw(st.sampled_from(["ideal", "peukert", "kibam"])), "capacity_wh": draw(st.sampled_from([0.001, 0.01, 1.0])),
                           "dcdc_efficiency": draw(st.floats(0.5, 1.0))}
        data["battery"].update({"peukert": {"peukert_exponent": 1.1}, "kibam": {"kibam_k_per_s": 0.01}}.get(data["battery"]["model"], {}))
        data["platform_loads"] = [{"name": "radio", "power_w": draw(st.floats(0.0, 1.0))}]
    if draw(st.booleans()):
        data["loads"] = [{"name": "l", "scenario": draw(st.sampled_from(["single_stream", "multi_stream", "server", "offline"])),
                          "model": "m2", "unit": "u2", "width_px": 64, "height_px": 64, "samples_per_query": 4, "target_qps": 50.0,
                          "offline_samples": 200}]
    data["record"] = {"interval_s": draw(st.sampled_from([0.1, 0.25, 1.0]))}
    return data


def _latency_ordered(latency_ms: dict[str, Any]) -> bool:
    values = [latency_ms.get(k) for k in ("p50", "p95", "p99", "max")]
    if any(v is None for v in values):
        return True
    return bool(values[0] <= values[1] <= values[2] <= values[3])


def _trace_energy_j(power_trace: Any, unit: str, start_s: float, end_s: float) -> float:
    """A unit's power-change log integrated over [start_s, end_s] (power held between changes)."""
    rows = power_trace[power_trace["unit"] == unit]
    times = np.clip(np.append(rows["time_s"].to_numpy(), end_s), start_s, end_s)
    return float(np.sum(rows["power_w"].to_numpy() * np.diff(times)))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(scenarios())
def test_every_valid_scenario_keeps_the_invariants(data: dict[str, Any]) -> None:
    spec = edgesim.scenario_from_dict(data)
    result = edgesim.simulate(spec, trace=True)
    summary = result.summary
    json.dumps(summary, allow_nan=False)
    for group in ("streams", "pipelines"):
        for entry in summary.get(group) or []:
            assert entry["offered"] == entry["completed"] + entry["dropped"] + entry["in_flight"], entry
            assert _latency_ordered(entry["latency_ms"]), entry["latency_ms"]
    for unit in summary["units"]:
        assert 0.0 <= unit["utilization"] <= 1.0, unit
        assert unit["energy_j"] >= 0.0, unit
    system = summary["system"]
    assert system["energy_j"] >= 0.0
    assert system["energy_j"] == pytest.approx(sum(u["energy_j"] for u in summary["units"]), rel=REL, abs=1e-12)
    end_s = summary["duration_s"]
    leaky = {u.name for u in spec.compute_units if u.leakage_w_per_k > 0}
    for unit in summary["units"]:
        if unit["name"] in leaky:
            continue
        expected_j = _trace_energy_j(result.extra["power_trace"], unit["name"], spec.warmup_s, end_s)
        assert unit["energy_j"] == pytest.approx(expected_j, rel=REL, abs=1e-12), unit["name"]
    if spec.battery is not None:
        assert system["battery_energy_j"] * spec.battery.dcdc_efficiency == pytest.approx(system["load_energy_j"], rel=REL)
    again = edgesim.simulate(spec, trace=True)
    assert again.to_json() == result.to_json()


@st.composite
def cold_leaky_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """Scenarios whose units leak (linear in temperature) and sit in an ambient below the 25 C leakage reference
    (b <= 0.05 W/K, two units, R <= 5 K/W: b x 2 x R <= 0.5, no thermal runaway)."""
    data = draw(scenarios())
    data["thermal"] = {"ambient_c": draw(st.floats(-20.0, 24.0)), "nodes": [{"name": "j", "capacity_j_per_k": draw(st.floats(0.05, 5.0))}],
                       "links": [{"between": ["j", "ambient"], "resistance_k_per_w": draw(st.floats(2.0, 5.0))}]}
    for unit in data["compute_units"]:
        unit.update(thermal_node="j", leakage_w_per_k=draw(st.floats(0.01, 0.05)), idle_power_w=0.0, max_power_w=draw(st.floats(0.1, 1.0)))
        unit.pop("throttle", None)
        unit.pop("dvfs_states", None)
    return data


# linear leakage is b max(0, T - T_ref) (the clamped network): a unit in a cold ambient never reports negative energy
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(cold_leaky_scenarios())
def test_energy_is_never_negative_in_a_cold_ambient(data: dict[str, Any]) -> None:
    summary = edgesim.simulate(edgesim.scenario_from_dict(data)).summary
    for unit in summary["units"]:
        assert unit["energy_j"] >= 0.0, unit
    assert summary["system"]["energy_j"] >= 0.0
    # the value, on exact runs without the battery (its cut-off would end the two runs at different times): with no
    # throttle and no DVFS the jobs run the same without leakage, and leakage b max(0, T - T_ref) adds between nothing
    # and b (T_max - T_ref) x window
    plain = {key: value for key, value in data.items() if key not in ("battery", "platform_loads")}
    spec = edgesim.scenario_from_dict(plain)
    leaky = edgesim.simulate(spec, exact=True).summary
    no_leak = edgesim.simulate(edgesim.scenario_from_dict(
        {**plain, "compute_units": [{**u, "leakage_w_per_k": 0.0} for u in plain["compute_units"]]}), exact=True).summary
    for unit, unit_spec, base in zip(leaky["units"], spec.compute_units, no_leak["units"]):
        leak_j = unit["energy_j"] - base["energy_j"]
        most_j = unit_spec.leakage_w_per_k * max(0.0, unit["max_temp_c"] - unit_spec.leakage_ref_temp_c) * leaky["window_s"]
        slack_j = 1e-9 * (1.0 + unit["energy_j"])
        assert -slack_j <= leak_j <= most_j + slack_j, (unit["name"], leak_j, most_j)


def test_hypothesis_runs_the_same_examples_everywhere_with_no_database() -> None:
    """tests/conftest.py loads the 'deterministic' profile (unless EDGESIM_HYPOTHESIS=explore): a failure found on
    one machine is found on every machine, and is reported, never replayed silently from a local .hypothesis/."""
    current = settings()
    assert current.database is None
    assert current.derandomize is (os.environ.get("EDGESIM_HYPOTHESIS", "deterministic") == "deterministic")
