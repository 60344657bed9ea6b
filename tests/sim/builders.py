"""Scenario builders shared by the sim's behaviour tests: a saturated unit in a hot box (throttling, heat, battery),
two units on one memory bus (DRAM energy, DVFS switches), a unit that sleeps between frames (sleep, camera power)."""
from __future__ import annotations

from typing import Any

import numpy as np

import edgesim

# -- a saturated unit in a hot box ------------------------------------------------------------------------------
HOT_BOX_SERVICE_S = 1e-3  # at the reference (fast) state


def hot_box(p_high_w=10.0, p_low_w=4.0, idle_w=1.0, r_k_per_w=5.0, c_j_per_k=20.0, ambient_c=45.0, threshold_c=80.0,
            hysteresis_c=5.0, critical_c=120.0, duration_s=600.0, fps=2000.0, service_s=HOT_BOX_SERVICE_S) -> dict:
    """A unit kept saturated (camera far faster than the unit), one RC node to ambient.

    Full-load power: 10 W at 1 GHz (fast), 4 W at 0.5 GHz (slow; half speed). Steady state at full speed:
    45 + 10 x 5 = 95 C > threshold 80 C; at half speed 45 + 4 x 5 = 65 C < 75 C release point.
    """
    return {
        "name": "hot_box", "duration_s": duration_s, "seed": 0,
        "cameras": [{"name": "cam", "width_px": 10, "height_px": 10, "fps": fps}],
        "models": [{"name": "net", "ops_per_pixel": 1.0}],
        "compute_units": [{
            "name": "npu", "kind": "npu", "idle_power_w": idle_w, "max_power_w": p_high_w,
            "measured": [{"model": "net", "fps": 1.0 / service_s, "power_w": p_high_w, "width_px": 10, "height_px": 10, "source": "test"}],
            "dvfs_states": [{"name": "fast", "frequency_hz": 1.0e9, "power_w": p_high_w},
                            {"name": "slow", "frequency_hz": 0.5e9, "power_w": p_low_w}],
            "thermal_node": "junction",
            "throttle": {"threshold_c": threshold_c, "hysteresis_c": hysteresis_c, "critical_c": critical_c},
        }],
        "streams": [{"camera": "cam", "model": "net", "unit": "npu", "queue_capacity": 1, "drop_policy": "drop_newest"}],
        "thermal": {"ambient_c": ambient_c, "nodes": [{"name": "junction", "capacity_j_per_k": c_j_per_k}],
                    "links": [{"between": ["junction", "ambient"], "resistance_k_per_w": r_k_per_w}]},
        "record": {"interval_s": 1.0},
    }


def two_node_box(**unit_extra) -> dict:
    """One saturated unit (5 W busy, 1 W idle; fast 1 GHz / slow 0.5 GHz at 2 W) on a two-node network: steady
    state fast 30 + 5 x 10 = 80 C, slow 30 + 2 x 10 = 50 C."""
    unit = {"name": "npu", "kind": "npu", "idle_power_w": 1.0, "max_power_w": 5.0,
            "measured": [{"model": "net", "fps": 10.0, "power_w": 5.0, "width_px": 10, "height_px": 10, "source": "test"}],
            "dvfs_states": [{"name": "fast", "frequency_hz": 1.0e9, "power_w": 5.0},
                            {"name": "slow", "frequency_hz": 0.5e9, "power_w": 2.0}],
            "thermal_node": "junction"}
    unit.update(unit_extra)
    return {
        "name": "box", "duration_s": 600.0, "seed": 0,
        "cameras": [{"name": "cam", "width_px": 10, "height_px": 10, "fps": 20.0}],  # saturates the unit
        "models": [{"name": "net", "ops_per_pixel": 1.0}],
        "compute_units": [unit],
        "streams": [{"camera": "cam", "model": "net", "unit": "npu", "queue_capacity": 1, "drop_policy": "drop_newest"}],
        "thermal": {"ambient_c": 30.0, "nodes": [{"name": "junction", "capacity_j_per_k": 5.0},
                                                 {"name": "sink", "capacity_j_per_k": 40.0}],
                    "links": [{"between": ["junction", "sink"], "resistance_k_per_w": 2.0},
                              {"between": ["sink", "ambient"], "resistance_k_per_w": 8.0}]},
        "record": {"interval_s": 10.0},
    }


def constant_load(capacity_wh=0.01, model="ideal", efficiency=0.8, platform_w=2.0, duration_s=100.0, **battery) -> dict:
    """A saturated unit at a constant 5 W plus a 2 W platform load on a battery."""
    data = hot_box(p_high_w=5.0, idle_w=1.0, duration_s=duration_s)
    unit = data["compute_units"][0]
    for key in ("dvfs_states", "throttle", "thermal_node"):
        unit.pop(key)
    del data["thermal"]
    data["platform_loads"] = [{"name": "display", "power_w": platform_w, "source": "test"}]
    data["battery"] = {"model": model, "capacity_wh": capacity_wh, "dcdc_efficiency": efficiency, "nominal_voltage_v": 3.7, **battery}
    return data


# -- two units on one memory bus --------------------------------------------------------------------------------
E_BYTE = 2.5e-11  # J/byte (ILLUSTRATIVE: about 3 pJ/bit)


WEIGHT_BYTES = 1.0e6  # each job moves 1 MB: 1 ms alone on the 1 GB/s bus


def unit(name: str, **kw: Any) -> dict[str, Any]:
    return {"name": name, "kind": "npu", "idle_power_w": 0.5, "max_power_w": 2.0, "peak_ops_per_s": {"int8": 1.0e9},
            "efficiency": 1.0, **kw}


def bus_scenario(both: bool, energy: float | None = E_BYTE, duration_s: float = 1.0, fps: float = 1.0,
                 phase_b_s: float = 0.0) -> dict[str, Any]:
    """Units a and b on one 1 GB/s bus; a memory-bound 1 MB job per frame on a (and on b when ``both``)."""
    bus: dict[str, Any] = {"name": "dram", "bandwidth_bytes_per_s": 1.0e9}
    if energy is not None:
        bus.update(energy_j_per_byte=energy, source="ILLUSTRATIVE")
    streams = [{"camera": "c", "model": "mem_net", "unit": "a"}]
    if both:
        streams.append({"camera": "d", "model": "mem_net", "unit": "b"})
    return {"name": "dram", "duration_s": duration_s, "seed": 0,
            "cameras": [{"name": "c", "width_px": 10, "height_px": 10, "fps": fps},
                        {"name": "d", "width_px": 10, "height_px": 10, "fps": fps, "arrival": {"phase_s": phase_b_s}}],
            "models": [{"name": "mem_net", "ops_per_pixel": 1.0, "weight_bytes": WEIGHT_BYTES, "input_bytes_per_pixel": 0.0}],
            "compute_units": [unit("a", memory_bus="dram"), unit("b", memory_bus="dram")],
            "streams": streams, "memory_buses": [bus]}


def run(data: dict[str, Any], trace: bool = False) -> edgesim.SimulationResult:
    return edgesim.simulate(edgesim.scenario_from_dict(data), trace=trace)


def trace_energy_j(trace: Any, unit_name: str, end_s: float) -> float:
    rows = trace[trace["unit"] == unit_name]
    times = np.append(rows["time_s"].to_numpy(), end_s)
    return float(np.sum(rows["power_w"].to_numpy() * np.diff(times)))


def units_by_name(result: edgesim.SimulationResult) -> dict[str, dict[str, Any]]:
    return {u["name"]: u for u in result.summary["units"]}


# -- a unit that sleeps between frames --------------------------------------------------------------------------
SLEEPY_SERVICE_S = 0.010  # 100 inferences/s measured
IDLE_W, BUSY_W = 0.5, 2.0
SLEEP = {"power_w": 0.05, "timeout_s": 0.020, "entry_latency_s": 0.004, "entry_energy_j": 0.0012,
         "wake_latency_s": 0.006, "wake_energy_j": 0.0036, "source": "test"}  # pulses 0.3 W, 0.6 W


def sleepy_scenario(fps: float = 10.0, phase_s: float = 0.0, duration_s: float = 2.0, sleep: dict[str, Any] | None = SLEEP,
             arrival: str = "periodic", **extra: Any) -> dict[str, Any]:
    """One camera, one unit with a measured service time (SLEEPY_SERVICE_S) and busy power (BUSY_W), no warm-up."""
    unit: dict[str, Any] = {
        "name": "npu", "kind": "npu", "idle_power_w": IDLE_W, "max_power_w": BUSY_W,
        "measured": [{"model": "net", "fps": 1.0 / SLEEPY_SERVICE_S, "power_w": BUSY_W, "width_px": 8, "height_px": 8, "source": "test"}]}
    if sleep is not None:
        unit["sleep"] = sleep
    data: dict[str, Any] = {
        "name": "sleepy", "duration_s": duration_s, "seed": 3,
        "cameras": [{"name": "cam", "width_px": 8, "height_px": 8, "fps": fps, "arrival": {"kind": arrival, "phase_s": phase_s}}],
        "models": [{"name": "net", "ops_per_pixel": 1.0}],
        "compute_units": [unit],
        "streams": [{"camera": "cam", "model": "net", "unit": "npu", "queue_capacity": 8, "drop_policy": "drop_newest"}],
    }
    data.update(extra)
    return data
