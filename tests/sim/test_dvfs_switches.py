"""DVFS transitions in the simulator: latency and energy (with DRAM energy on, in the everything-on case).

A switch stalls the running job by exactly ``latency_s`` and adds exactly ``energy_j``.
"""
from __future__ import annotations

from typing import Any

import pytest

import edgesim
from edgesim.errors import ScenarioError
from edgesim.model.compile import compile_system
from edgesim.results.result import build_result
from edgesim.sim.engine import RunState, run_simulation
from edgesim.sim.events import Wake, scheduler_of
from tests.sim.builders import bus_scenario, run, trace_energy_j, units_by_name

# -- DVFS transitions ------------------------------------------------------------------------------------------
SERVICE_S = 0.010  # at the fast state
LATENCY_S, ENERGY_J = 0.002, 0.003  # ILLUSTRATIVE: a 1.5 W pulse


def dvfs_scenario(transition: bool, regulator: dict[str, Any] | None = None) -> dict[str, Any]:
    u: dict[str, Any] = {
        "name": "npu", "kind": "npu", "idle_power_w": 0.5, "max_power_w": 2.0,
        "measured": [{"model": "net", "fps": 1.0 / SERVICE_S, "power_w": 2.0, "width_px": 8, "height_px": 8, "source": "test"}],
        "dvfs_states": [{"name": "fast", "frequency_hz": 1e9, "power_w": 2.0},
                        {"name": "slow", "frequency_hz": 5e8, "power_w": 1.0}]}
    # without cost: a free transition (the run then takes the same event-driven path as with one)
    latency_s, energy_j = (LATENCY_S, ENERGY_J) if transition else (0.0, 0.0)
    u["dvfs_transition"] = {"latency_s": latency_s, "energy_j": energy_j, "source": "ILLUSTRATIVE"}
    if regulator is not None:  # a cost per pair of states from their voltages
        u["dvfs_transition"] = {"regulator": regulator, "source": "ILLUSTRATIVE"}
        u["dvfs_states"][0]["voltage_v"], u["dvfs_states"][1]["voltage_v"] = 1.0, 0.7
    return {"name": "dvfs", "duration_s": 0.1, "seed": 0,
            "cameras": [{"name": "cam", "width_px": 8, "height_px": 8, "fps": 1.0}],
            "models": [{"name": "net", "ops_per_pixel": 1.0}], "compute_units": [u],
            "streams": [{"camera": "cam", "model": "net", "unit": "npu"}]}


def run_with_switches(transition: bool, switches: list[tuple[float, bool]],
                      regulator: dict[str, Any] | None = None) -> edgesim.SimulationResult:
    """Run the one-frame scenario, switching to the slow state (True) or back to the fast one (False) at the given
    times, as a throttle and a release do."""
    model = compile_system(edgesim.scenario_from_dict(dvfs_scenario(transition, regulator)), trace=True)

    def on_build(state: RunState) -> None:
        npu = state.units[0]
        schedule = scheduler_of(npu.env)
        for at_s, throttled in switches:
            state_name = "slow" if throttled else "fast"
            schedule(Wake(lambda _e, name=state_name: npu.set_state(name, npu.env.now)), 0, at_s)

    return build_result(run_simulation(model, on_build=on_build))


def job_end_s(result: edgesim.SimulationResult) -> float:
    return float(result.trace["end_s"].iloc[0])


def test_a_throttle_delays_the_running_job_by_exactly_its_latency_and_adds_exactly_its_energy() -> None:
    # the 10 ms job: 4 ms of work at full speed, the switch, then its 6 ms of work at half speed (12 ms)
    free, costly = run_with_switches(False, [(0.004, True)]), run_with_switches(True, [(0.004, True)])
    assert job_end_s(free) == pytest.approx(0.004 + 2 * (SERVICE_S - 0.004), rel=1e-12)
    assert job_end_s(costly) == pytest.approx(job_end_s(free) + LATENCY_S, rel=1e-12)
    row, ref = costly.summary["units"][0], free.summary["units"][0]
    assert row["energy_j"] - ref["energy_j"] == pytest.approx(ENERGY_J, rel=1e-9)


# (switches, end of the job, busy seconds at fast, at slow), by hand: a stall holds the job, a switch during a stall
# extends it to the new switch's end, and the job resumes in the latest state
CASES = [
    ([(0.004, True)], 0.018, 0.004, 0.012),
    ([(0.004, True), (0.009, False)], 0.0155, 0.004 + 0.0045, 0.003),  # stalls 4-6 and 9-11 ms; 1.5 ms of work slow
    ([(0.004, True), (0.005, False)], 0.013, 0.004 + 0.006, 0.0),  # the release at 5 ms, in the stall: it ends at 7 ms
]


@pytest.mark.parametrize(("switches", "end_s", "fast_s", "slow_s"), CASES)
def test_switches_stall_the_job_and_draw_their_pulses(switches: list[tuple[float, bool]], end_s: float, fast_s: float,
                                                      slow_s: float) -> None:
    result = run_with_switches(True, switches)
    n = len(switches)
    assert job_end_s(result) == pytest.approx(end_s, rel=1e-12)
    row = result.summary["units"][0]
    assert row["dvfs_transitions"] == n
    # idle 0.5 W throughout; dynamic 1.5 W busy at fast, 0.5 W at slow, none while stalled; plus n pulses
    duration_s = result.summary["duration_s"]
    assert row["energy_j"] == pytest.approx(0.5 * duration_s + 1.5 * fast_s + 0.5 * slow_s + n * ENERGY_J, rel=1e-9)
    assert row["energy_j"] == pytest.approx(trace_energy_j(result.extra["power_trace"], "npu", duration_s), rel=1e-9)


def test_a_switch_while_idle_costs_its_energy_and_a_job_arriving_in_the_stall_waits() -> None:
    # the switch at t = 0 (before the frame, which arrives then): the stall (0 .. 2 ms) holds the job
    costly, free = run_with_switches(True, [(0.0, True)]), run_with_switches(False, [(0.0, True)])
    assert job_end_s(costly) == pytest.approx(job_end_s(free) + LATENCY_S, rel=1e-12)
    assert costly.summary["units"][0]["energy_j"] - free.summary["units"][0]["energy_j"] == pytest.approx(ENERGY_J, rel=1e-9)


def test_a_pulse_without_a_latency_is_refused() -> None:
    data = dvfs_scenario(True)
    data["compute_units"][0]["dvfs_transition"] = {"latency_s": 0.0, "energy_j": 1.0, "source": "x"}
    with pytest.raises((ScenarioError, ValueError), match="latency"):
        edgesim.scenario_from_dict(data)


def test_everything_on_conserves_energy_against_the_trace_and_the_battery() -> None:
    # Poisson frames on two units sharing a DRAM bus with energy per byte; unit a throttles and releases on its
    # thermal node many times, each switch a stall and a pulse; a battery integrates the whole device's draw
    data = bus_scenario(True, duration_s=6.0, fps=150.0, phase_b_s=0.0013)
    data["warmup_s"] = 0.0
    for cam in data["cameras"]:
        cam["arrival"] = {"kind": "poisson"}
    a = data["compute_units"][0]
    a.update({"dvfs_states": [{"name": "fast", "frequency_hz": 1e9}, {"name": "slow", "frequency_hz": 5e8}],
              "thermal_node": "j", "throttle": {"threshold_c": 25.3, "hysteresis_c": 0.05, "critical_c": 200.0},
              "dvfs_transition": {"latency_s": 3e-4, "energy_j": 2e-4, "source": "ILLUSTRATIVE"}})
    data["thermal"] = {"ambient_c": 25.0, "nodes": [{"name": "j", "capacity_j_per_k": 0.05}],
                       "links": [{"between": ["j", "ambient"], "resistance_k_per_w": 0.3}]}
    data["battery"] = {"capacity_wh": 1.0, "dcdc_efficiency": 0.9}
    data["memory_buses"][0]["energy_j_per_byte"] = 2e-9  # large, so that the DRAM power heats the node visibly
    result = run(data, trace=True)
    summary = result.summary
    units = units_by_name(result)
    assert units["a"]["dvfs_transitions"] > 10 and units["a"]["throttled_s"] > 0.0
    end_s = summary["duration_s"]
    for name in ("a", "b"):
        assert units[name]["energy_j"] == pytest.approx(trace_energy_j(result.extra["power_trace"], name, end_s), rel=1e-9)
        assert units[name]["dram_energy_j"] > 0.0
    system = summary["system"]
    assert system["load_energy_j"] == pytest.approx(units["a"]["energy_j"] + units["b"]["energy_j"], rel=1e-9)
    assert system["battery_energy_j"] * 0.9 == pytest.approx(system["load_energy_j"], rel=1e-9)
    assert summary["memory_buses"][0]["dram_energy_j"] == pytest.approx(
        units["a"]["dram_energy_j"] + units["b"]["dram_energy_j"], rel=1e-12)


def test_a_regulator_gives_each_switch_the_burd_brodersen_latency_and_energy() -> None:
    # fast 1.0 V -> slow 0.7 V: t = 2 C |dV| / I + relock, E = (1 - eta) C |V2^2 - V1^2|; back up: the same magnitudes
    c_f, i_a, eta, relock_s = 1.0e-3, 0.5, 0.85, 1.0e-4
    latency_s = 2 * c_f * 0.3 / i_a + relock_s
    energy_j = (1 - eta) * c_f * (1.0 ** 2 - 0.7 ** 2)
    regulator = {"decoupling_capacitance_f": c_f, "max_current_a": i_a, "efficiency": eta, "relock_s": relock_s}
    switches = [(0.004, True), (0.008, False)]
    free, costly = run_with_switches(False, switches), run_with_switches(False, switches, regulator)
    # stall 4 .. 4 + L; slow until 8 ms (8 - 4 - L of time, half that of work); stall; the rest at full speed
    work_done_s = 0.004 + (0.008 - 0.004 - latency_s) / 2
    assert job_end_s(costly) == pytest.approx(0.008 + latency_s + (SERVICE_S - work_done_s), rel=1e-12)
    row, ref = costly.summary["units"][0], free.summary["units"][0]
    slow_s = 0.008 - 0.004 - latency_s
    fast_s = 0.004 + (SERVICE_S - work_done_s)
    duration_s = costly.summary["duration_s"]
    assert row["energy_j"] == pytest.approx(0.5 * duration_s + 1.5 * fast_s + 0.5 * slow_s + 2 * energy_j, rel=1e-9)
    assert ref["dvfs_transitions"] == row["dvfs_transitions"] == 2


def test_a_regulator_needs_the_states_voltages() -> None:
    data = dvfs_scenario(False, {"decoupling_capacitance_f": 1e-3, "max_current_a": 0.5, "efficiency": 0.9})
    del data["compute_units"][0]["dvfs_states"][1]["voltage_v"]
    with pytest.raises((ScenarioError, ValueError), match="voltage_v"):
        edgesim.scenario_from_dict(data)
