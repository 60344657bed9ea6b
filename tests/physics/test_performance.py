"""The device performance model: closed forms, Little's law, batching, precision fallback, power."""
from __future__ import annotations

import math

import pytest

from edgesim.physics.performance import EngineParams, PerformanceError, PowerMode, combine_offline, predict, predict_offline
from edgesim.physics.profile import OP_CLASSES, ModelProfile


def _engine(**kw) -> EngineParams:
    base = dict(name="e", kind="npu", rate_ops_per_s={c: 1e12 for c in OP_CLASSES}, overhead_s=1e-3,
                on_chip_memory_bytes=1e6, reload_bytes_per_s=1e9, host_latency_s=2e-3, offline_batch=8.0,
                idle_power_w=1.0, dynamic_power_w=4.0, active_floor=0.5,
                power_modes={"low": PowerMode("low", 0.5, 0.25)})
    base.update(kw)
    return EngineParams(**base)


def _profile(ops: float = 2e9, params: float = 3e6) -> ModelProfile:
    return ModelProfile("m", 224, 224, {"conv": ops}, params)


def test_closed_form_batch_time():
    eng, prof = _engine(), _profile()
    p = predict(eng, prof, 224, 224, batch=4)
    item = 2e9 / 1e12
    fixed = 1e-3 + (3e6 - 1e6) / 1e9
    assert p.batch_s == pytest.approx(fixed + 4 * item)
    assert p.throughput_fps == pytest.approx(4 / (fixed + 4 * item))
    assert p.latency_s == pytest.approx(fixed + 4 * item + 2e-3)


def test_littles_law_and_latency_separate_from_throughput():
    eng, prof = _engine(), _profile()
    for b in (1, 2, 8, 32):
        p = predict(eng, prof, 224, 224, batch=b)
        assert p.in_flight == pytest.approx(b)
        assert p.throughput_fps * (p.latency_s - eng.host_latency_s) == pytest.approx(b)
    single, offline = predict(eng, prof, 224, 224, 1), predict_offline(eng, prof, 224, 224)
    assert offline.throughput_fps > single.throughput_fps
    assert single.latency_s < offline.latency_s


def test_batching_gain_only_when_weights_do_not_fit():
    prof = _profile(params=3e6)
    fits = _engine(on_chip_memory_bytes=1e7, overhead_s=0.0)
    spills = _engine(on_chip_memory_bytes=1e6, overhead_s=0.0)
    gain = lambda e: predict(e, prof, 224, 224, 8).throughput_fps / predict(e, prof, 224, 224, 1).throughput_fps
    assert gain(fits) == pytest.approx(1.0)
    item_s, reload_s = 2e9 / 1e12, (3e6 - 1e6) / 1e9
    assert gain(spills) == pytest.approx((reload_s + item_s) / (reload_s / 8 + item_s))


def test_pixel_scaling_and_class_rates():
    eng = _engine(rate_ops_per_s={c: (1e11 if c == "depthwise" else 1e12) for c in OP_CLASSES}, overhead_s=0.0,
                  on_chip_memory_bytes=1e9)
    prof = ModelProfile("m", 100, 100, {"conv": 1e9, "depthwise": 1e8}, 1e5)
    p = predict(eng, prof, 200, 100)
    assert p.compute_s == pytest.approx(2 * (1e9 / 1e12 + 1e8 / 1e11))


def test_precision_fallback_is_stated():
    eng = _engine()
    p = predict(eng, _profile(), 224, 224, precision="fp16")
    assert p.precision == "int8" and "quantized" in p.fallback
    gpu = _engine(precision_speedup={"int8": 1.0, "fp16": 0.5})
    q = predict(gpu, _profile(), 224, 224, precision="int4")
    assert q.precision == "int8" and "wider" in q.fallback
    assert predict(gpu, _profile(), 224, 224, precision="fp16").compute_s == pytest.approx(2 * 2e9 / 1e12)


def test_power_between_idle_and_max_and_modes_scale():
    eng, prof = _engine(), _profile()
    p = predict(eng, prof, 224, 224)
    assert 1.0 + 4.0 * 0.5 <= p.power_w <= 5.0
    low = predict(eng, prof, 224, 224, power_mode="low")
    assert low.compute_s == pytest.approx(2 * p.compute_s)
    assert low.power_w < p.power_w
    with pytest.raises(PerformanceError, match="unknown power_mode"):
        predict(eng, prof, 224, 224, power_mode="turbo")


def test_placement_sums_offline_throughput():
    prof = _profile()
    gpu, dla = _engine(name="gpu"), _engine(name="dla", rate_ops_per_s={c: 5e11 for c in OP_CLASSES})
    parts = [predict_offline(e, prof, 224, 224) for e in (gpu, dla, dla)]
    both = combine_offline(parts)
    assert both.throughput_fps == pytest.approx(sum(p.throughput_fps for p in parts))
    assert math.isclose(both.service_s, 1 / both.throughput_fps)


def test_invalid_parameters_name_the_field():
    with pytest.raises(PerformanceError, match="overhead_s"):
        _engine(overhead_s=-1.0)
    with pytest.raises(PerformanceError, match="batch"):
        predict(_engine(), _profile(), 224, 224, batch=0)


def test_model_speed_and_footprint_scales_closed_form():
    """speed_scale divides the compute time; footprint_scale multiplies the bytes held on chip, and only what
    exceeds the on-chip memory is reloaded once per batch."""
    eng, prof = _engine(), _profile(ops=2e9, params=3e6)
    p = predict(eng, prof, 224, 224, batch=4, speed_scale=2.0, footprint_scale=0.2)
    item = 2e9 / 1e12 / 2.0
    fixed = 1e-3 + max(0.0, 3e6 * 0.2 - 1e6) / 1e9  # 0.6 MB fits on chip: no reload
    assert p.batch_s == pytest.approx(fixed + 4 * item)
    q = predict(eng, prof, 224, 224, batch=4, footprint_scale=3.0)
    assert q.fixed_s == pytest.approx(1e-3 + (9e6 - 1e6) / 1e9)
    # a larger footprint makes batching pay more: batch 8 over batch 1 throughput grows with it
    gain = [predict(eng, prof, 224, 224, 8, footprint_scale=f).throughput_fps / predict(eng, prof, 224, 224, 1, footprint_scale=f).throughput_fps
            for f in (0.1, 1.0, 10.0)]
    assert gain[0] < gain[1] < gain[2]
    with pytest.raises(PerformanceError, match="speed_scale"):
        predict(eng, prof, 224, 224, speed_scale=0.0)
