"""Heat in the simulator: linear and clamped leakage, exponential leakage (runaway refused, energy following the
node), and energy conserved with every thermal model on."""
from __future__ import annotations

import math

import numpy as np
import pytest

import edgesim
from edgesim.errors import ScenarioError, ScenarioErrors
from edgesim.model.compile import compile_system
from edgesim.physics.battery import LiIonSupply
from edgesim.sim.engine import RunState, run_simulation
from tests.sim.builders import hot_box
from tests.sim.builders import two_node_box as _box


def _everything_on() -> dict:
    """Li-ion + fan + clamped leakage (crossing T_ref) + daily ambient with sun + two throttle steps."""
    data = _box(leakage_w_per_k=0.02, leakage_ref_temp_c=40.0,
                throttle_steps={"steps": [{"threshold_c": 50.0, "hysteresis_c": 3.0, "state": "slow"},
                                          {"threshold_c": 60.0, "hysteresis_c": 3.0, "state": "slow"}]})
    # 5 frames/s of 0.167 s jobs: few power changes (every crossing is planned exactly at each one)
    data["cameras"][0]["fps"] = 5.0
    data["compute_units"][0]["measured"][0]["fps"] = 6.0  # 83 % busy
    data["duration_s"] = 1500.0
    data["thermal"]["ambient_c"] = 25.0
    data["thermal"]["nodes"][1]["capacity_j_per_k"] = 10.0
    data["thermal"]["fan"] = {"node": "sink", "watch_node": "junction", "curve": "custom", "trips_c": [45.0, 58.0],
                              "duty": [0.0, 0.5, 1.0], "hysteresis_c": 4.0, "full_resistance_k_per_w": 3.0, "full_power_w": 0.4}
    data["thermal"]["ambient_profile"] = {"kind": "daily_sine", "mean_c": 25.0, "amplitude_c": 10.0, "peak_time_s": 1500.0,
                                          "step_s": 30.0}
    data["thermal"]["sun"] = {"peak_w": 2.0, "sunrise_s": 0.0, "sunset_s": 43200.0, "share": {"sink": 1.0}}
    data["platform_loads"] = [{"name": "radio", "power_w": 1.5, "thermal_node": "sink"}]
    data["battery"] = {"model": "liion", "cell": "a123_anr26650_lfp", "series": 2, "parallel": 1, "capacity_wh": 15.1,
                       "dcdc_efficiency": 0.85}
    return data


def _run(data: dict) -> RunState:
    return run_simulation(compile_system(edgesim.scenario_from_dict(data)))


def test_energy_is_conserved_with_every_new_model_on():
    data = _everything_on()
    state = _run(data)
    p = state.platform
    assert p is not None and p.fan is not None and p.leaky is not None and isinstance(p.battery, LiIonSupply)
    t = state.duration_s
    units_j = sum(u.energy_j for u in state.units) + float(p.leak_energy_j.sum())
    delivered_j = units_j + 1.5 * t + p.fan_energy_j
    assert p.load_energy_j == pytest.approx(delivered_j, rel=1e-9)
    assert p.battery_energy_j * 0.85 == pytest.approx(p.load_energy_j, rel=1e-9)
    # inside the pack: energy from the open-circuit source = terminal energy + heat in R0, R1 + energy left in C1
    pack = p.battery.pack
    pstate = p.battery_state  # settled at the end of the run: nothing buffered
    assert pstate.pending_s == 0.0
    c_f = pack.rc_tau_s / pack.rc_resistance_ohm
    cap_j = 0.5 * float(np.sum(c_f * np.asarray(pstate.pack.rc_voltage_v) ** 2))
    assert pstate.ocv_energy_j == pytest.approx(p.battery_energy_j + pstate.heat_j + cap_j, rel=1e-9)
    # the run exercised what it claims: fan steps, throttle steps, leakage regime switches (T crossed 40 C)
    kinds = {name for _, name, _ in p.level_events}
    assert {"fan", "npu"} <= kinds
    assert p.leak_energy_j[0] > 0.0 and float(p.temp_c.min()) < 40.0 + 30.0
    assert state.units[0].throttled_s > 0.0


def test_cold_ambient_leakage_is_never_negative():
    data = _box(leakage_w_per_k=0.05, leakage_ref_temp_c=25.0)
    data["thermal"]["ambient_c"] = 16.0
    data["cameras"][0]["fps"] = 1.0  # nearly idle: the junction stays below 25 C
    data["compute_units"][0]["idle_power_w"] = 0.1
    state = _run(data)
    p = state.platform
    assert p is not None
    assert float(p.max_temp_c[0]) < 25.0
    assert p.leak_energy_j[0] == 0.0
    assert state.units[0].energy_j > 0.0


def test_clamped_leakage_switches_on_at_its_reference_temperature():
    """Saturated unit heating past T_ref: leakage energy equals b x integral of max(0, T - T_ref) (brute force)."""
    data = _box(leakage_w_per_k=0.05, leakage_ref_temp_c=45.0)
    data["duration_s"] = 300.0
    data["record"]["interval_s"] = 0.5
    state = _run(data)
    p = state.platform
    assert p is not None and float(p.max_temp_c[0]) > 45.0
    # reference: the exact interval means (0.5 s bins) of T bound the integral from below (Jensen on max(0, .))
    edges = np.array([e.temp_area for e in p.edges])
    mean_t = np.diff(edges[:, 0]) / 0.5
    lower_j = 0.05 * float(np.sum(np.maximum(0.0, mean_t - 45.0))) * 0.5
    assert p.leak_energy_j[0] >= lower_j * (1 - 1e-9)
    assert p.leak_energy_j[0] <= lower_j + 0.05 * 0.5 * 2.0 * 300.0  # the gap is tiny: T barely moves in 0.5 s


def test_exponential_leakage_runaway_is_a_field_error():
    data = _box(leakage={"kind": "exponential", "p0_w": 0.5, "k_per_k": 0.2, "ref_temp_c": 25.0})
    data["thermal"] = {"ambient_c": 30.0, "nodes": [{"name": "junction", "capacity_j_per_k": 5.0}],
                       "links": [{"between": ["junction", "ambient"], "resistance_k_per_w": 10.0}]}
    with pytest.raises((ScenarioError, ScenarioErrors), match=r"compute_units\[0\]\.leakage.*runaway"):
        edgesim.simulate(edgesim.scenario_from_dict(data))


def test_exponential_leakage_energy_follows_the_node():
    from edgesim.physics.leakage import ExpLeakageNode  # noqa: PLC0415 - only this test needs it
    data = _box(leakage={"kind": "exponential", "p0_w": 0.05, "k_per_k": 0.03, "ref_temp_c": 25.0})
    data["thermal"] = {"ambient_c": 30.0, "nodes": [{"name": "junction", "capacity_j_per_k": 5.0}],
                       "links": [{"between": ["junction", "ambient"], "resistance_k_per_w": 4.0}]}
    data["compute_units"][0]["idle_power_w"] = 5.0  # constant power: one closed reference
    data["compute_units"][0].pop("dvfs_states")
    data["duration_s"] = 200.0
    state = _run(data)
    p = state.platform
    assert p is not None
    node = ExpLeakageNode(4.0, 5.0, 30.0, 0.05, 0.03, 25.0)
    ref = node.advance(30.0, 5.0, 200.0, tol_k=1e-9)
    assert float(p.temp_c[0]) == pytest.approx(ref.temp_c, abs=1e-5)
    assert p.leak_energy_j[0] == pytest.approx(ref.leakage_energy_j, rel=1e-5)
    assert not math.isnan(p.leak_energy_j[0])





def test_linear_leakage_shifts_steady_state_exactly():
    # P = P0 + b (T - Tref) on a single node: steady state T = Ta + R (P0 + b (Ta - Tref)) / (1 - b R)
    data = hot_box(duration_s=2000.0, service_s=0.1, fps=20.0)
    unit = data["compute_units"][0]
    for key in ("dvfs_states", "throttle"):
        unit.pop(key)
    unit.update(leakage_w_per_k=0.02, leakage_ref_temp_c=45.0)
    result = edgesim.simulate(edgesim.scenario_from_dict(data))
    final = result.summary["units"][0]["final_temp_c"]
    r = 5.0
    steady_c = 45.0 + r * 10.0 / (1 - 0.02 * r)
    tau_s = r * 20.0 / (1 - 0.02 * r)  # leakage slows the approach: RC / (1 - bR)
    expected = steady_c - (steady_c - 45.0) * math.exp(-2000.0 / tau_s)
    assert final == pytest.approx(expected, rel=1e-9)
    # leakage energy is in the unit's energy: average power above the 10 W of dynamic+static
    assert result.summary["units"][0]["avg_power_w"] > 10.0
