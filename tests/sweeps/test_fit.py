""""What fits": the capacity search over cameras, frame rate and resolution."""
from __future__ import annotations

import numpy as np
import pytest

from edgesim.sweeps import (
    fit,
)
from tests.helpers import single_queue


def capacity_scenario() -> dict:
    """Cameras of 10 fps, staggered, on one unit of 10 ms per frame: exactly 10 cameras saturate it."""
    d = single_queue(fps=10, service_s=0.01, arrival="periodic", duration_s=10, drop_policy="drop_newest")
    d["cameras"][0]["stagger"] = True
    return d


@pytest.mark.parametrize("jobs", [1, 2])
def test_fit_finds_the_camera_count_capacity(jobs):
    result = fit(capacity_scenario(), "cameras.cam.count", 1, 40, jobs=jobs,
                 constraints=["drop_rate<=0.001", "max_p99_latency_ms<=50"])
    assert (result.value, result.first_infeasible) == (10, 11) and result.monotone and result.integer
    assert result.simulations <= 9


def test_fit_float_fps_boundary_and_edges():
    d = single_queue(fps=10, service_s=0.01, arrival="periodic", duration_s=10, drop_policy="drop_newest")
    result = fit(d, "cameras.cam.fps", 10.0, 200.0, integer=False, tol=0.5, constraints={"max_p99_latency_ms": 15})
    assert 99.5 <= result.value <= 100.0 < result.first_infeasible <= result.value + 0.5
    assert fit(d, "cameras.cam.fps", 1, 50, constraints={"max_p99_latency_ms": 15}).capped
    none = fit(d, "cameras.cam.fps", 150, 200, constraints={"max_p99_latency_ms": 15})
    assert none.value is None and "nothing fits" in none.message()


def test_fit_resolution_scales_width_and_height_together():
    d = single_queue(fps=50, service_s=0.01, arrival="periodic", duration_s=4)
    d["compute_units"][0]["measured"][0].update(width_px=100, height_px=100)  # 10 ms at 100 x 100
    # a datasheet peak at which the 10 MOPs network's 10 ms is compute (not per-call overhead): it scales with pixels
    d["compute_units"][0]["peak_ops_per_s"] = {"int8": 3.0e9}
    result = fit(d, ["cameras.cam.width_px", "cameras.cam.height_px"], 1.0, 3.0, integer=False, tol=0.01,
                 constraints=["drop_rate<=0", "max_p99_latency_ms<=25"])
    # 50 fps -> at most 20 ms a frame -> about 2x the pixels -> scale sqrt(2) (within the performance model's split of
    # the 10 ms between compute, which scales with the pixels, and the per-call overhead, which does not)
    assert result.value == pytest.approx(np.sqrt(2), rel=0.03)
