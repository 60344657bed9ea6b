"""One performance model for every unit. A datasheet-only unit predicts every catalog model with an
interval; its own measured points condition it for all its networks (the interval narrows with 0, 1, 3 points and
an exact point is reproduced); the same op count gets the same power with or without a model label; a part
without INT8 says it ran a wider precision."""
from __future__ import annotations

import pytest

import edgesim
from edgesim.catalog import load_catalog
from edgesim.model.compile import compile_system
from edgesim.model.records import ServiceEstimate

CATALOG = load_catalog()
DATASHEET = {"kind": "npu", "peak_ops_per_s": {"int8": 26e12}, "idle_power_w": 0.3, "max_power_w": 3.2}


def _stream(unit: dict, model: dict, w: int = 224, h: int = 224, extra_models: list | None = None) -> dict:
    data = {"name": "t", "duration_s": 60.0, "cameras": [{"name": "cam", "width_px": w, "height_px": h, "fps": 0.1}],
            "models": [model] + list(extra_models or []), "compute_units": [{"name": "u", **unit}],
            "streams": [{"camera": "cam", "model": model["name"], "unit": "u"}]}
    result = edgesim.simulate(edgesim.scenario_from_dict(data))
    return result.summary["streams"][0] | {"_units": result.summary["units"]}


def _ratio(ms: dict) -> float:
    return ms["high"] / ms["low"]


def test_a_datasheet_only_unit_runs_every_catalog_model_with_an_interval():
    for name, ref in CATALOG.models.items():
        s = _stream(DATASHEET, {"name": "net", "catalog": name}, ref.ref_width_px, ref.ref_height_px)
        ms = s["service_ms"]
        assert s["service_source"].startswith("prior"), (name, s["service_source"])
        assert 0 < ms["low"] < ms["estimate"] < ms["high"], (name, ms)


def _points(n: int) -> list[dict]:
    hailo = CATALOG.devices["hailo8"].units["npu"]
    pts = [p for p in hailo.measured if p.model in ("resnet50", "resnet18", "efficientnet_lite0")][:n]
    return [{"model": p.model, "fps": p.fps, "width_px": p.width_px, "height_px": p.height_px, "source": p.source} for p in pts]


def test_own_points_condition_every_network_and_narrow_its_interval():
    decl = [{"name": m, "catalog": m} for m in ("resnet50", "resnet18", "efficientnet_lite0")]
    ratios = []
    for n in (0, 1, 3):
        unit = {**DATASHEET, "measured": _points(n)}
        s = _stream(unit, {"name": "mobilenet_v2", "catalog": "mobilenet_v2"}, extra_models=decl)
        ratios.append(_ratio(s["service_ms"]))
        assert s["service_source"].startswith("prior" if n == 0 else "calibrated")
    # every point narrows the interval below the datasheet's; three points that all fit on chip do not narrow it below
    # one point's for MobileNetV2: they leave the on-chip memory as unknown as before, and the interval's sigma points
    # (fit.log_predict_variance) count the chance that its weights do not fit (a gradient on the flat side does not)
    assert ratios[0] > ratios[1] > 1.0 and ratios[0] > ratios[2] > 1.0, ratios
    # the point itself is reproduced exactly
    point = _points(1)[0]
    s = _stream({**DATASHEET, "measured": [point]}, {"name": "resnet50", "catalog": "resnet50"})
    assert s["service_source"].startswith("measured")
    assert s["service_ms"]["estimate"] == pytest.approx(1e3 / point["fps"], rel=1e-9)


def test_one_point_moves_the_prediction_of_another_network_toward_the_device():
    decl = [{"name": "resnet50", "catalog": "resnet50"}]
    slow = {**DATASHEET, "measured": [{"model": "resnet50", "fps": 100.0, "width_px": 224, "height_px": 224, "source": "test"}]}
    fast = {**DATASHEET, "measured": [{"model": "resnet50", "fps": 2000.0, "width_px": 224, "height_px": 224, "source": "test"}]}
    a = _stream(slow, {"name": "mobilenet_v2", "catalog": "mobilenet_v2"}, extra_models=decl)["service_ms"]["estimate"]
    b = _stream(fast, {"name": "mobilenet_v2", "catalog": "mobilenet_v2"}, extra_models=decl)["service_ms"]["estimate"]
    prior = _stream(DATASHEET, {"name": "mobilenet_v2", "catalog": "mobilenet_v2"})["service_ms"]["estimate"]
    assert a > prior > b  # a slow point slows the device's other networks, a fast one speeds them


def test_a_small_op_count_on_hailo8_has_an_interval_of_nonzero_width():
    s = _stream({"device": "hailo8"}, {"name": "tiny", "ops_per_inference": 0.118e9, "ref_width_px": 224, "ref_height_px": 224})
    ms = s["service_ms"]
    assert ms["high"] > 1.5 * ms["low"] > 0
    assert s["service_source"].startswith("calibrated")


def _estimate(unit: dict, model: dict, w: int, h: int) -> ServiceEstimate:
    data = {"name": "t", "duration_s": 10.0, "cameras": [{"name": "cam", "width_px": w, "height_px": h, "fps": 1.0}],
            "models": [model], "compute_units": [{"name": "u", **unit}], "streams": [{"camera": "cam", "model": model["name"], "unit": "u"}]}
    return compile_system(edgesim.scenario_from_dict(data)).streams[0].estimate


def _busy_power_w(unit: dict, model: dict, w: int, h: int) -> tuple[float, float, float, float]:
    est = _estimate(unit, model, w, h)
    low, high = est.interval_s
    return est.active_power_w, est.service_s, low, high


@pytest.mark.parametrize("device", ["jetson_agx_xavier", "hailo8", "jetson_orin_nano", "jetson_xavier_nx"])
@pytest.mark.parametrize("size", [(224, 224), (320, 320), (1920, 1080)])
def test_resnet50_with_or_without_the_label_gets_the_same_time_and_power(device, size):
    # an op-count-only network is costed like ResNet-50 (the white paper's "ResNet-50-class"): at ResNet-50's op count
    # it is ResNet-50 to the model, the unit's measured ResNet-50 point (time and power) included; only its interval
    # is wider, since the class is an assumption
    ref = CATALOG.models["resnet50"]
    bare_model = {"name": "net", "ops_per_inference": ref.ops_per_inference, "ref_width_px": ref.ref_width_px,
                  "ref_height_px": ref.ref_height_px}
    p_label, t_label, low_label, high_label = _busy_power_w({"device": device}, {"name": "net", "catalog": "resnet50"}, *size)
    p_bare, t_bare, low, high = _busy_power_w({"device": device}, bare_model, *size)
    assert t_bare == pytest.approx(t_label, rel=0.05)
    assert p_bare == pytest.approx(p_label, rel=0.05)
    latency = [_estimate({"device": device}, m, *size).latency_s for m in ({"name": "net", "catalog": "resnet50"}, bare_model)]
    assert latency[1] == pytest.approx(latency[0], rel=0.05)  # and the same latency (its result delay included)
    assert low <= t_label <= high
    assert high / low >= high_label / low_label  # the assumed class is no better known than the network itself


def test_an_op_count_model_is_costed_like_the_network_it_names():
    # like: mobilenet_v2 at MobileNetV2's op count is MobileNetV2 on the unit; like: generic is dense convolution
    ref = CATALOG.models["mobilenet_v2"]
    count = {"ops_per_inference": ref.ops_per_inference, "ref_width_px": ref.ref_width_px, "ref_height_px": ref.ref_height_px}
    _, t_mnv2, _, _ = _busy_power_w({"device": "hailo8"}, {"name": "net", "catalog": "mobilenet_v2"}, 224, 224)
    _, t_like, _, _ = _busy_power_w({"device": "hailo8"}, {"name": "net", "like": "mobilenet_v2", **count}, 224, 224)
    _, t_resnet_like, _, _ = _busy_power_w({"device": "hailo8"}, {"name": "net", **count}, 224, 224)
    _, t_generic, _, _ = _busy_power_w({"device": "hailo8"}, {"name": "net", "like": "generic", **count}, 224, 224)
    assert t_like == pytest.approx(t_mnv2, rel=0.05)
    assert len({round(t, 9) for t in (t_like, t_resnet_like, t_generic)}) == 3  # the assumed class matters


def test_an_unknown_like_is_one_clear_error(tmp_path, capsys):
    from tests.helpers import run_cli

    path = tmp_path / "s.yaml"
    path.write_text("name: t\nduration_s: 5\ncameras: [{name: cam, width_px: 224, height_px: 224, fps: 30}]\n"
                    "models: [{name: det, ops_per_pixel: 1000, like: resnet51}]\ncompute_units: [{name: npu, device: hailo8}]\n"
                    "streams: [{camera: cam, model: det, unit: npu}]\n")
    code, out, err = run_cli(capsys, "run", path)
    assert code == 2 and not out.strip()
    assert err.strip().count("\n") == 0 and "models[0].like" in err and "'resnet51'" in err and "resnet50" in err


def test_a_part_without_int8_states_its_fallback():
    from edgesim.calibration.predict import predict_service
    from edgesim.profiles.catalog_profiles import load_profiles

    prof = load_profiles()["resnet50"]
    s = predict_service("jetson_nano", None, prof, 224, 224, "int8")
    assert s.prediction.precision == "fp16"
    assert "has no int8" in s.detail and "fp16" in s.detail and "of the throughput int8 would give" in s.detail  # and its cost
