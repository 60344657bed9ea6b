"""DRAM energy per byte on a memory bus: one job alone, jobs sharing the bus, the trace conserving energy."""
from __future__ import annotations

import pytest

import edgesim
from edgesim.errors import ScenarioError
from edgesim.physics.camera_power import dram_energy_j
from tests.sim.builders import E_BYTE, WEIGHT_BYTES, bus_scenario, run, trace_energy_j, units_by_name


def test_one_job_alone_on_the_bus_adds_exactly_bytes_times_energy_per_byte() -> None:
    with_dram, without = units_by_name(run(bus_scenario(False))), units_by_name(run(bus_scenario(False, energy=None)))
    expected_j = WEIGHT_BYTES * E_BYTE
    assert expected_j == pytest.approx(dram_energy_j(WEIGHT_BYTES, E_BYTE / 8.0), rel=1e-15)
    assert with_dram["a"]["dram_energy_j"] == pytest.approx(expected_j, rel=1e-12)
    assert with_dram["a"]["energy_j"] - without["a"]["energy_j"] == pytest.approx(expected_j, rel=1e-9)
    assert with_dram["b"]["dram_energy_j"] == 0.0 and without["a"]["dram_energy_j"] is None


@pytest.mark.parametrize("phase_b_s", [0.0, 0.0005])
def test_two_jobs_sharing_the_bus_add_the_sum_and_the_trace_conserves_energy(phase_b_s: float) -> None:
    # with phase 0.5 ms, b joins while a is half done: both rates change mid-job, and each unit's DRAM power with them
    result = run(bus_scenario(True, phase_b_s=phase_b_s), trace=True)
    ref = units_by_name(run(bus_scenario(True, energy=None, phase_b_s=phase_b_s)))
    units = units_by_name(result)
    for name in ("a", "b"):
        assert units[name]["dram_energy_j"] == pytest.approx(WEIGHT_BYTES * E_BYTE, rel=1e-9)
        assert units[name]["energy_j"] - ref[name]["energy_j"] == pytest.approx(WEIGHT_BYTES * E_BYTE, rel=1e-9)
        end_s = result.summary["duration_s"]
        assert units[name]["energy_j"] == pytest.approx(trace_energy_j(result.extra["power_trace"], name, end_s), rel=1e-9)
    (bus,) = result.summary["memory_buses"]
    assert bus["name"] == "dram" and bus["peak_sharers"] == 2
    assert bus["dram_energy_j"] == pytest.approx(2 * WEIGHT_BYTES * E_BYTE, rel=1e-9)
    # while both share the bus each moves 0.5 GB/s: DRAM power 0.5e9 x E_BYTE on top of the busy power
    trace = result.extra["power_trace"]
    a_rows = trace[(trace["unit"] == "a") & (trace["time_s"] == phase_b_s)]
    assert a_rows["power_w"].iloc[-1] == pytest.approx(2.0 + 0.5e9 * E_BYTE, rel=1e-12)


def test_many_overlapping_jobs_conserve_energy_with_a_warmup() -> None:
    data = bus_scenario(True, duration_s=3.0, fps=97.0, phase_b_s=0.0013)
    data["warmup_s"] = 0.5
    data["cameras"][0]["arrival"] = {"kind": "poisson"}
    result = run(data)
    units = units_by_name(result)
    completed = sum(u["inferences"] for u in units.values())
    # bytes moved in the window: whole jobs, plus or minus the partial ones at the window's edges (< 2 per unit)
    total_j = result.summary["memory_buses"][0]["dram_energy_j"]
    assert abs(total_j - completed * WEIGHT_BYTES * E_BYTE) < 4 * WEIGHT_BYTES * E_BYTE
    assert total_j == pytest.approx(units["a"]["dram_energy_j"] + units["b"]["dram_energy_j"], rel=1e-12)


def test_a_bus_without_energy_reports_none_and_energy_needs_a_source() -> None:
    result = run(bus_scenario(True, energy=None))
    assert result.summary["memory_buses"][0]["dram_energy_j"] is None
    data = bus_scenario(False)
    data["memory_buses"][0]["source"] = ""
    with pytest.raises((ScenarioError, ValueError), match="source"):
        edgesim.scenario_from_dict(data)
