"""A stream's model runs at its own input size (``streams[].input``); a resize placed on a unit costs time and energy
there, before the model job, and latency still counts from the frame's arrival."""
from __future__ import annotations

import copy

import numpy as np
import pytest

import edgesim
from edgesim.errors import ScenarioError


def base() -> dict:
    return {
        "name": "input", "duration_s": 20.0, "warmup_s": 1.0,
        "cameras": [{"name": "cam", "width_px": 1920, "height_px": 1080, "fps": 10}],
        "models": [{"name": "det", "ops_per_pixel": 10000}],
        "compute_units": [
            {"name": "npu", "kind": "npu", "idle_power_w": 1.0, "max_power_w": 3.0, "peak_ops_per_s": {"int8": 26e12}, "efficiency": 0.4},
            {"name": "cpu", "kind": "cpu", "idle_power_w": 2.0, "max_power_w": 8.0, "peak_ops_per_s": {"int8": 2e11}, "efficiency": 0.2},
        ],
        "streams": [{"camera": "cam", "model": "det", "unit": "npu", "input": {"width_px": 640, "height_px": 640}}],
    }


def run(d: dict) -> dict:
    return edgesim.simulate(edgesim.scenario_from_dict(d)).summary


def test_the_model_costs_the_pixels_it_sees():
    s = run(base())
    # the white paper's C = FPS x W x H x ops/pixel, with W x H the model's input, not the camera's 1920 x 1080
    assert s["system"]["required_tops"] * 1e12 == pytest.approx(10 * 640 * 640 * 1e4, rel=1e-12)
    stream = s["streams"][0]
    assert stream["ops_per_inference"] == pytest.approx(640 * 640 * 1e4)
    assert stream["input"] == {"width_px": 640, "height_px": 640, "resize": "letterbox"}
    assert stream["service_ms"]["estimate"] == pytest.approx(640 * 640 * 1e4 / (26e12 * 0.4) * 1e3, rel=1e-12)
    assert stream["resize"] is None  # free: done before the frame reaches edgesim


def test_a_resize_on_the_cpu_costs_time_and_energy_there():
    d = base()
    d["streams"][0]["input"].update({"resize_unit": "cpu", "ops_per_pixel": 20.0, "resize": "stretch"})
    s = run(d)
    stream = s["streams"][0]
    resize_s = 20.0 * 1920 * 1080 / (2e11 * 0.2)
    model_s = 640 * 640 * 1e4 / (26e12 * 0.4)
    assert stream["resize"]["service_ms"] == pytest.approx(resize_s * 1e3, rel=1e-12)
    # a 10 FPS camera leaves both units idle between frames: latency = resize + model, exactly
    assert stream["latency_ms"]["max"] == pytest.approx((resize_s + model_s) * 1e3, rel=1e-9)
    assert stream["offered"] == stream["completed"] + stream["dropped"] + stream["in_flight"]
    cpu = next(u for u in s["units"] if u["name"] == "cpu")
    window_s = s["duration_s"] - s["warmup_s"]
    # energy at the CPU: idle all along, plus (max - idle) while each resize runs
    assert cpu["energy_j"] == pytest.approx(2.0 * window_s + (8.0 - 2.0) * resize_s * cpu["inferences"], rel=1e-9)


def test_frames_dropped_at_the_resize_are_dropped_for_the_stream():
    d = base()
    d["cameras"][0]["fps"] = 60.0  # the CPU resize (400 ops/pixel: 20.7 ms) cannot keep up with 60 FPS
    d["streams"][0]["input"].update({"resize_unit": "cpu", "ops_per_pixel": 400.0, "queue_capacity": 2})
    stream = run(d)["streams"][0]
    assert stream["dropped"] > 0
    assert stream["offered"] == stream["completed"] + stream["dropped"] + stream["in_flight"]
    assert stream["achieved_fps"] == pytest.approx(1.0 / (400.0 * 1920 * 1080 / (2e11 * 0.2)), rel=0.02)


@pytest.mark.parametrize("change,field", [
    ({"resize_unit": "gpu", "ops_per_pixel": 20.0}, "streams[0].input.resize_unit"),
    ({"resize_unit": "cpu"}, "streams[0].input"),
    ({"ops_per_pixel": 20.0}, "streams[0].input"),
])
def test_a_bad_input_names_the_field(change, field):
    d = base()
    d["streams"][0]["input"].update(change)
    with pytest.raises(ScenarioError) as info:
        edgesim.scenario_from_dict(d)
    assert field in str(info.value)


def test_summaries_hold_plain_python_numbers():
    d = copy.deepcopy(base())
    summary = run(d)

    def walk(x):
        if isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
        else:
            assert not isinstance(x, (np.generic,)), repr(x)
    walk(summary)
