"""Scheduling on a unit: EDF meets a deadline FIFO misses; the fair scheduler shares an overloaded unit equally."""
from __future__ import annotations

import pytest

import edgesim


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
