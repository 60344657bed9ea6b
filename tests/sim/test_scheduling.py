"""On a unit: roofline and shared memory bandwidth, priority and EDF scheduling, dynamic batching."""
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


def edf_case(scheduler):
    """One unit, 3 ms jobs. Two relaxed frames (deadline 20 ms) arrive at 0 and 0.1 ms, an urgent one (deadline
    6 ms) at 0.2 ms. FIFO serves relaxed, relaxed, urgent: the urgent one ends at 9 ms (8.8 ms > 6 ms: late).
    EDF (and static priority) serve it second: it ends at 6 ms (5.8 ms: in time)."""
    meas = [{"model": m, "fps": 1 / 3e-3, "width_px": 1, "height_px": 1, "source": "test"} for m in ("m1", "m2")]
    cam = lambda name, phase: {"name": name, "width_px": 1, "height_px": 1, "fps": 10, "arrival": {"phase_s": phase}}  # noqa: E731
    return {"name": "edf", "duration_s": 0.05, "seed": 0,
            "cameras": [cam("relaxed_a", 0.0), cam("relaxed_b", 1e-4), cam("urgent", 2e-4)],
            "models": [{"name": "m1", "ops_per_pixel": 1}, {"name": "m2", "ops_per_pixel": 1}],
            "compute_units": [{"name": "u", "kind": "cpu", "idle_power_w": 0, "max_power_w": 1, "scheduler": scheduler, "measured": meas}],
            "streams": [{"camera": "relaxed_a", "model": "m1", "unit": "u", "deadline_s": 0.02},
                        {"camera": "relaxed_b", "model": "m1", "unit": "u", "deadline_s": 0.02},
                        {"camera": "urgent", "model": "m2", "unit": "u", "deadline_s": 0.006, "priority": 1}]}


def test_edf_meets_a_deadline_that_fifo_misses():
    def streams(scheduler):
        res = edgesim.simulate(edgesim.scenario_from_dict(edf_case(scheduler))).summary
        return {s["camera"]: s for s in res["streams"]}
    fifo, edf, prio = streams("fifo"), streams("edf"), streams("priority")
    assert fifo["urgent"]["late"] == 1 and fifo["urgent"]["latency_ms"]["max"] == pytest.approx(8.8, rel=1e-9)
    assert edf["urgent"]["late"] == 0 and edf["urgent"]["latency_ms"]["max"] == pytest.approx(5.8, rel=1e-9)
    assert prio["urgent"]["late"] == 0
    assert sum(s["late"] for s in edf.values()) == 0


def batching_unit(max_batch, max_wait_s, fixed_s=4e-3, per_item_s=1e-3):
    return {"name": "u", "kind": "gpu", "idle_power_w": 0, "max_power_w": 1,
            "measured": [{"model": "m", "fps": 1 / (fixed_s + per_item_s), "width_px": 1, "height_px": 1, "source": "test"}],
            "batching": {"max_batch": max_batch, "max_wait_s": max_wait_s,
                         "batch_time": {"m": {"fixed_s": fixed_s, "per_item_s": per_item_s, "source": "test"}}}}


def test_batching_on_a_saturated_unit_matches_t_of_b():
    # saturated: every batch is full (8): t(8) = 4 + 8 ms = 12 ms -> 8 / 12 ms = 666.7 inferences/s
    data = {"name": "b", "duration_s": 3.0, "warmup_s": 0.5, "seed": 0,
            "cameras": [{"name": "c", "width_px": 1, "height_px": 1, "fps": 5000}],
            "models": [{"name": "m", "ops_per_pixel": 1}],
            "compute_units": [batching_unit(8, 0.01)],
            "streams": [{"camera": "c", "model": "m", "unit": "u", "queue_capacity": 64, "drop_policy": "drop_newest"}]}
    s = edgesim.simulate(edgesim.scenario_from_dict(data)).summary
    assert s["units"][0]["inferences"] / 2.5 == pytest.approx(8 / 12e-3, rel=5e-3)  # completions in the window
    assert s["units"][0]["mean_batch_size"] == pytest.approx(8.0, rel=1e-3)


def test_batching_max_wait_bounds_the_added_latency():
    # 100 FPS, batch 8 never fills: each frame waits max_wait (3 ms) then runs alone: t(1) = 5 ms -> latency 8 ms
    data = {"name": "b", "duration_s": 2.0, "seed": 0,
            "cameras": [{"name": "c", "width_px": 1, "height_px": 1, "fps": 100}],
            "models": [{"name": "m", "ops_per_pixel": 1}],
            "compute_units": [batching_unit(8, 0.003)],
            "streams": [{"camera": "c", "model": "m", "unit": "u", "queue_capacity": 64}]}
    lat = edgesim.simulate(edgesim.scenario_from_dict(data)).summary["streams"][0]["latency_ms"]
    assert lat["max"] == pytest.approx(3.0 + 5.0, rel=1e-9)
    assert lat["mean"] == pytest.approx(8.0, rel=1e-9)


def test_batch_size_zero_is_bad_input(tmp_path, capsys):
    import yaml

    from edgesim.cli import main

    data = {"name": "b", "duration_s": 2.0, "seed": 0,
            "cameras": [{"name": "c", "width_px": 1, "height_px": 1, "fps": 100}],
            "models": [{"name": "m", "ops_per_pixel": 1}],
            "compute_units": [batching_unit(0, 0.003)],
            "streams": [{"camera": "c", "model": "m", "unit": "u"}]}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    assert main(["run", str(path)]) == 2
    assert "compute_units[0].batching.max_batch" in capsys.readouterr().err


def test_fair_scheduler_shares_an_overloaded_unit_equally_where_fifo_starves_the_last_stream():
    # one camera, three models arriving together, a unit that serves 2 of the 3 jobs per frame
    meas = [{"model": m, "fps": 1 / 15e-3, "width_px": 1, "height_px": 1, "source": "test"} for m in ("a", "b", "c")]

    def run(scheduler):
        data = {"name": "fair", "duration_s": 20.0, "warmup_s": 1.0, "seed": 0,
                "cameras": [{"name": "cam", "width_px": 1, "height_px": 1, "fps": 33.3}],
                "models": [{"name": m, "ops_per_pixel": 1} for m in ("a", "b", "c")],
                "compute_units": [{"name": "u", "kind": "npu", "idle_power_w": 0, "max_power_w": 1, "scheduler": scheduler, "measured": meas}],
                "streams": [{"camera": "cam", "model": m, "unit": "u", "queue_capacity": 2} for m in ("a", "b", "c")]}
        return [s["achieved_fps"] for s in edgesim.simulate(edgesim.scenario_from_dict(data)).summary["streams"]]

    fifo, fair = run("fifo"), run("fair")
    assert min(fifo) < 0.5 * max(fifo)  # the stream whose jobs come last in each frame starves
    assert max(fair) - min(fair) < 0.05 * max(fair)  # equal shares
    assert sum(fair) == pytest.approx(sum(fifo), rel=0.02)  # same total throughput: the unit is saturated either way
