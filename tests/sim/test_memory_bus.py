"""The roofline and a shared memory bus on a unit: memory-bound service times, bandwidth shared between running jobs, and remaining work carried exactly."""
from __future__ import annotations

import numpy as np
import pytest

import edgesim
from edgesim.physics.roofline import memory_traffic, roofline_service_s


def base(units, streams, cameras, duration_s=1.0, **extra):
    return {"name": "t", "duration_s": duration_s, "seed": 0, "cameras": cameras,
            "models": [{"name": "mem_net", "ops_per_pixel": 1.0, "weight_bytes": 1.0e6, "input_bytes_per_pixel": 0.0},
                       {"name": "mem_net2", "ops_per_pixel": 1.0, "weight_bytes": 1.0e6, "input_bytes_per_pixel": 0.0},
                       {"name": "cpu_net", "ops_per_pixel": 1.0e4, "input_bytes_per_pixel": 0.0, "weight_bytes": 0.0}],
            "compute_units": units, "streams": streams, **extra}


def unit(name, **kw):
    return {"name": name, "kind": "npu", "idle_power_w": 0.5, "max_power_w": 2.0, "peak_ops_per_s": {"int8": 1.0e9},
            "efficiency": 1.0, **kw}


def test_roofline_formula():
    t = memory_traffic(pixels=100, input_bytes_per_pixel=3, activation_bytes_at_ref=1000, ref_pixels=50, weight_bytes=5000,
                       on_chip_memory_bytes=None)
    assert (t.input_bytes, t.activation_bytes, t.weight_bytes) == (300, 2000, 5000)
    assert memory_traffic(100, 3, None, None, 5000, on_chip_memory_bytes=8000).weight_bytes == 0  # weights fit on chip
    assert roofline_service_s(1e-3, 1e6, 1e8, 2e-4) == pytest.approx(1e-2 + 2e-4)
    assert roofline_service_s(1e-1, 1e6, 1e8) == pytest.approx(1e-1)


def test_roofline_service_time_in_a_run_is_memory_bound():
    # 1 MB of weights over 1 GB/s = 1 ms; compute 100 px x 1 op / 1e9 = 0.1 us: memory-bound
    data = base([unit("u", memory_bandwidth_bytes_per_s=1.0e9)],
                [{"camera": "c", "model": "mem_net", "unit": "u"}],
                [{"name": "c", "width_px": 10, "height_px": 10, "fps": 10}])
    s = edgesim.simulate(edgesim.scenario_from_dict(data)).summary["streams"][0]
    assert s["service_ms"]["estimate"] == pytest.approx(1.0, rel=1e-12)
    assert "memory-bound" in s["service_detail"]


def two_on_a_bus(second_model="mem_net2"):
    # both units' jobs start at t = 0 on a 1 GB/s bus; each alone would take 1 ms (memory-bound)
    return base([unit("a", memory_bus="dram"), unit("b", memory_bus="dram")],
                [{"camera": "c", "model": "mem_net", "unit": "a"}, {"camera": "c", "model": second_model, "unit": "b"}],
                [{"name": "c", "width_px": 10, "height_px": 10, "fps": 1}],
                memory_buses=[{"name": "dram", "bandwidth_bytes_per_s": 1.0e9}])


def test_two_memory_bound_jobs_sharing_a_bus_each_run_at_half_bandwidth():
    trace = edgesim.simulate(edgesim.scenario_from_dict(two_on_a_bus()), trace=True).trace
    first = trace[trace["frame"] == 0]
    durations = (first["end_s"] - first["start_s"]).to_numpy()
    assert np.allclose(durations, 2e-3, rtol=1e-9)  # 1 MB each at 0.5 GB/s


def test_compute_bound_job_is_unaffected_by_a_shared_bus():
    # cpu_net: 100 px x 1e4 ops / 1e9 ops/s = 1 ms of compute, 0 bytes: unaffected; the memory job then runs alone
    trace = edgesim.simulate(edgesim.scenario_from_dict(two_on_a_bus("cpu_net")), trace=True).trace
    first = trace[trace["frame"] == 0].set_index("unit")
    assert first.loc["b", "end_s"] - first.loc["b", "start_s"] == pytest.approx(1e-3, rel=1e-9)
    assert first.loc["a", "end_s"] - first.loc["a", "start_s"] == pytest.approx(1e-3, rel=1e-9)


def test_bus_sharing_carries_remaining_work_exactly():
    # b starts 0.5 ms after a: a runs alone for 0.5 ms (half its job), then both at half bandwidth:
    # a's second half takes 1 ms (ends 1.5 ms); b did 0.5 MB by then, its rest alone takes 0.5 ms (ends 2.0 ms)
    data = two_on_a_bus()
    data["cameras"] = [{"name": "c", "width_px": 10, "height_px": 10, "fps": 1},
                       {"name": "d", "width_px": 10, "height_px": 10, "fps": 1, "arrival": {"phase_s": 0.0005}}]
    data["streams"][1]["camera"] = "d"
    trace = edgesim.simulate(edgesim.scenario_from_dict(data), trace=True).trace
    first = trace[trace["frame"] == 0].set_index("unit")
    assert first.loc["a", "end_s"] == pytest.approx(1.5e-3, rel=1e-9)
    assert first.loc["b", "end_s"] == pytest.approx(2.0e-3, rel=1e-9)
