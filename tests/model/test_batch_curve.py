"""``batching: {max_batch: N}`` without ``batch_time`` follows the performance model's batch curve t(b) = fixed + b x
per_item: on a catalog NPU a network whose weights do not fit on chip (reloaded once per batch) gains from batching,
one that fits does not; the simulator's saturated throughput is the model's b / t(b)."""
from __future__ import annotations

import pytest

import edgesim
from edgesim.catalog import load_catalog
from edgesim.model.service import model_batch_line

CATALOG = load_catalog()


def _scenario(model: str, max_batch: int | None) -> edgesim.spec.ScenarioSpec:
    ref = CATALOG.models[model]
    unit: dict = {"name": "npu", "device": "hailo8"}
    if max_batch is not None:
        unit["batching"] = {"max_batch": max_batch}
    data = {"name": "t", "duration_s": 4.0, "warmup_s": 0.5,
            "cameras": [{"name": "cam", "width_px": ref.ref_width_px, "height_px": ref.ref_height_px, "fps": 5000}],
            "models": [{"name": "net", "catalog": model}], "compute_units": [unit],
            "streams": [{"camera": "cam", "model": "net", "unit": "npu", "queue_capacity": 64, "drop_policy": "drop_oldest"}]}
    return edgesim.scenario_from_dict(data)


def _achieved_fps(model: str, max_batch: int | None) -> float:
    return edgesim.simulate(_scenario(model, max_batch)).summary["streams"][0]["achieved_fps"]


def _line(model: str) -> tuple[float, float]:
    spec = _scenario(model, None)
    m = spec.models[0]
    line = model_batch_line(spec.compute_units[0], m, {m.name: m}, spec.cameras[0].width_px, spec.cameras[0].height_px)
    assert line is not None
    return line


def test_batch_8_follows_the_model_where_the_weights_do_not_fit_on_chip():
    fixed_s, per_item_s = _line("resnet101")  # 44.5 M parameters: beyond the Hailo-8's on-chip memory
    assert fixed_s > per_item_s > 0  # the weight reload dominates one inference
    batch_1, batch_8 = _achieved_fps("resnet101", None), _achieved_fps("resnet101", 8)
    assert batch_1 == pytest.approx(1.0 / (fixed_s + per_item_s), rel=0.01)
    assert batch_8 == pytest.approx(8.0 / (fixed_s + 8.0 * per_item_s), rel=0.01)
    assert batch_8 > 2.0 * batch_1


def test_batching_gains_nothing_where_the_weights_fit():
    fixed_s, per_item_s = _line("mobilenet_v2")  # 3.5 M parameters: resident on chip
    assert fixed_s < 0.1 * per_item_s
    batch_1, batch_8 = _achieved_fps("mobilenet_v2", None), _achieved_fps("mobilenet_v2", 8)
    assert batch_8 == pytest.approx(8.0 / (fixed_s + 8.0 * per_item_s), rel=0.01)
    assert batch_8 == pytest.approx(batch_1, rel=0.1)
