"""Dynamic batching on a unit: a saturated unit runs at t(b), max_wait bounds the added latency, and a batch of zero is bad input."""
from __future__ import annotations

import pytest

import edgesim


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
