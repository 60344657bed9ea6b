"""Latency apart from throughput: one parameter set gives SingleStream latency and Offline throughput (issue 16).

The performance model's latency of a batch is its occupancy plus the host round trip,
``t_batch(b) + t_host``; its throughput is ``b / t_batch(b)``. The compiled estimate carries the round trip as
``result_delay_s``, which the simulator adds to each job's latency without holding the unit. So:

* a lightly loaded stream's mean latency is the model's latency (``service_s + result_delay_s``), while the unit
  is busy only ``service_s`` per job;
* a saturated stream batched at the model's Offline batch runs at the model's ``b / t_batch(b)``;
* the MLPerf points of Jetson AGX Xavier's GPU (the engine group ``jetson_agx_xavier/gpu/mlperf``, read from the
  shipped measurements file) lie within the model's 80% intervals: its SingleStream mean latencies in the
  latency interval, its Offline throughput in the throughput interval.

The catalog's ``{device: jetson_agx_xavier}`` unit carries a measured ResNet-50 224 x 224 point of its own (NVIDIA's
358 FPS table, not an MLPerf run): the scenario reproduces that point exactly (its own interval, no result
delay), so the SingleStream comparison with MLPerf is made on the calibrated engine group's prediction, before
any exact point replaces it.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

import edgesim
from edgesim.calibration.measurements import Measurement, read_measurements
from edgesim.calibration.predict import catalog_posterior, predict_unit
from edgesim.model.compile import compile_system
from edgesim.model.predicted import model_profile
from edgesim.model.records import ServiceEstimate
from edgesim.model.service import model_batch_line, predict_on_unit, result_delay_s, unit_posterior
from edgesim.physics.performance import predict

DEVICE, UNIT, MODEL = "jetson_agx_xavier", "gpu", "resnet50"


def _scenario(fps: float, model: str = MODEL, size_px: int = 224, batching: dict | None = None, duration_s: float = 20.0,
              unit: dict | None = None) -> dict[str, Any]:
    gpu = {"name": "gpu", "device": DEVICE, **(unit or {})}
    if batching is not None:
        gpu["batching"] = batching
    return {"name": "latency_vs_throughput", "duration_s": duration_s, "warmup_s": 1.0, "seed": 1,
            "cameras": [{"name": "cam", "fps": fps, "width_px": size_px, "height_px": size_px}],
            "models": [{"name": "net", "catalog": model}], "compute_units": [gpu],
            "streams": [{"camera": "cam", "model": "net", "unit": "gpu", "queue_capacity": 16, "drop_policy": "drop_oldest"}]}


def _run(data: dict[str, Any]) -> tuple[ServiceEstimate, dict[str, Any]]:
    spec = edgesim.scenario_from_dict(data)
    estimate = compile_system(spec).streams[0].estimate
    summary = edgesim.simulate(spec).summary
    return estimate, summary


def _mlperf(quantity: str, metric: str | None = None) -> list[Measurement]:
    """The shipped MLPerf ResNet-50 points of the engine group the catalog unit is calibrated on."""
    group = catalog_posterior(DEVICE, UNIT).group
    rows = [m for m in read_measurements() if m.group == group and m.canonical == MODEL and m.quantity == quantity
            and (metric is None or m.metric == metric)]
    assert rows, f"no {quantity} rows of {group}"
    return rows


@pytest.mark.parametrize("model,size_px", [(MODEL, 224), (MODEL, 256), ("resnet18", 224)])
def test_a_lightly_loaded_stream_takes_the_models_latency_and_the_unit_only_its_service_time(model, size_px):
    # 5 FPS: a 200 ms frame period, two orders of magnitude above the latency, so no frame waits
    estimate, summary = _run(_scenario(5.0, model, size_px))
    stream, unit = summary["streams"][0], summary["units"][0]
    assert stream["latency_ms"]["mean"] == pytest.approx(estimate.latency_s * 1e3, rel=1e-6)
    assert stream["latency_ms"]["max"] == pytest.approx(estimate.latency_s * 1e3, rel=1e-6)
    assert estimate.latency_s == estimate.service_s + estimate.result_delay_s
    # the result delay does not hold the unit: its busy time is the service time per inference
    window_s = summary["duration_s"] - summary["warmup_s"]
    assert unit["utilization"] == pytest.approx(unit["inferences"] * estimate.service_s / window_s, rel=2e-3)
    assert stream["result_delay_ms"] == pytest.approx(estimate.result_delay_s * 1e3)
    assert stream["latency_model_ms"]["estimate"] == pytest.approx(estimate.latency_s * 1e3)
    low, high = stream["latency_model_ms"]["low"], stream["latency_model_ms"]["high"]
    assert low * (1 - 1e-6) <= stream["latency_ms"]["mean"] <= high * (1 + 1e-6)  # latencies are stored as float32
    if estimate.source == "measured":  # the catalog unit's own 358 FPS point at 224 x 224: a per-inference figure
        assert estimate.result_delay_s == 0.0 and low == high
    else:  # predicted: the engine's host round trip (x the unit's anchor on this network) comes after the occupancy
        post = unit_posterior(edgesim.scenario_from_dict(_scenario(5.0, model, size_px)).compute_units[0], {})
        assert estimate.result_delay_s > 0.0
        assert estimate.result_delay_s == pytest.approx(post.engine.host_latency_s, rel=0.5)
        # the latency interval is the service time's, as a ratio to it
        s_low, s_high = estimate.interval_s
        assert low / stream["latency_model_ms"]["estimate"] == pytest.approx(s_low / estimate.service_s)
        assert high / stream["latency_model_ms"]["estimate"] == pytest.approx(s_high / estimate.service_s)


def test_mlperf_single_stream_mean_latencies_lie_within_the_models_latency_interval():
    post = catalog_posterior(DEVICE, UNIT)
    spec = edgesim.scenario_from_dict(_scenario(5.0))
    profile = model_profile(spec.models[0], 224, 224)
    # the engine group's calibrated prediction at batch 1, before an exact measured point replaces it
    pred = predict_unit(replace(post, points=()), profile, 224, 224, spec.models[0].precision, 1)
    assert pred.source == "calibrated" and pred.measured_quantity is None
    delay_s = result_delay_s(pred, post.engine.kind)
    assert pred.service_s + delay_s == pytest.approx(pred.latency_s, rel=1e-12)  # the model's latency, split in two
    assert delay_s == pytest.approx(pred.prediction.latency_s - pred.prediction.batch_s, rel=0.2)  # the host round trip
    estimate = ServiceEstimate(pred.service_s, pred.power_w, pred.source, pred.detail, service_s_low=pred.service_s_low,
                               service_s_high=pred.service_s_high, result_delay_s=delay_s)
    low_s, high_s = estimate.latency_interval_s
    means = _mlperf("latency", "latency_ms_mean")
    assert len(means) >= 4  # NVIDIA v0.7, v1.0, v1.1 and Dividiti v0.7 (GPU only)
    for m in means:
        assert m.batch == 1.0 and m.scenario == "SingleStream"
        assert low_s <= m.value <= high_s, f"{m.source}: {m.value * 1e3:.3f} ms outside [{low_s * 1e3:.3f}, {high_s * 1e3:.3f}] ms"


def test_the_calibrated_unit_reproduces_an_exact_mlperf_single_stream_latency_in_the_simulator():
    # the unit of the MLPerf group alone (no catalog point of its own, no efficiency rule): at ResNet-50 224 x 224
    # batch 1 its latency is a published SingleStream latency of the group, measured, and the simulator gives it
    estimate, summary = _run(_scenario(5.0, unit={"measured": [], "efficiency_from_measured": None}))
    published = {m.value for m in _mlperf("latency")}
    assert estimate.source == "measured"
    assert any(estimate.latency_s == pytest.approx(v, rel=1e-12) for v in published)
    assert estimate.result_delay_s > 0.0  # the measured latency less the modelled occupancy
    assert summary["streams"][0]["latency_ms"]["mean"] == pytest.approx(estimate.latency_s * 1e3, rel=1e-6)


def test_a_saturated_stream_batched_at_the_offline_batch_runs_at_the_models_offline_throughput():
    spec = edgesim.scenario_from_dict(_scenario(5.0))
    unit, model = spec.compute_units[0], spec.models[0]
    models = {model.name: model}
    offline_batch = unit_posterior(unit, models).engine.offline_batch
    n = round(offline_batch)
    # no batch_time given: the simulator batches along the model's batch curve t(b) = fixed_s + b x per_item_s
    line = model_batch_line(unit, model, models, 224, 224)
    assert line is not None
    fixed_s, per_item_s = line
    estimate, summary = _run(_scenario(4000.0, batching={"max_batch": n, "max_wait_s": 0.01}))
    stream, gpu = summary["streams"][0], summary["units"][0]
    assert gpu["mean_batch_size"] == pytest.approx(n)
    sim_fps = stream["achieved_fps"]
    window_s = summary["duration_s"] - summary["warmup_s"]
    assert sim_fps == pytest.approx(n / (fixed_s + n * per_item_s), abs=2 * n / window_s)  # within a batch or two
    # batching gains where the weights do not fit on chip: the curve's fixed part is paid once per batch
    assert fixed_s > 0 and sim_fps > 2.0 / estimate.service_s
    # the model's b / t_batch(b) at that batch, and its Offline interval (at offline_batch)
    at_n = predict_on_unit(unit, model, models, 224, 224, n)
    assert sim_fps == pytest.approx(at_n.throughput_fps, rel=5e-3)
    offline = predict_on_unit(unit, model, models, 224, 224, offline_batch)
    low_fps, high_fps = 1.0 / offline.service_s_high, 1.0 / offline.service_s_low
    assert low_fps <= sim_fps <= high_fps
    offline_rows = [m for m in _mlperf("throughput") if m.offline]
    assert offline_rows
    for m in offline_rows:  # Dividiti v0.7, GPU only (NVIDIA's Offline runs used the GPU and both DLAs)
        assert low_fps <= m.value <= high_fps, f"{m.source}: {m.value:.1f} FPS outside [{low_fps:.1f}, {high_fps:.1f}]"


@pytest.mark.parametrize("device,unit", [(DEVICE, UNIT), ("hailo8", "npu"), ("rpi5_cpu", "cpu"), ("coral_edgetpu", "tpu")])
def test_littles_law_holds_on_the_physics_and_on_the_estimates(device, unit):
    post = catalog_posterior(device, unit)
    spec = edgesim.scenario_from_dict(_scenario(5.0))
    profile = model_profile(spec.models[0], 224, 224)
    checked = 0
    for batch in (1.0, 2.0, post.engine.offline_batch, 8.0):
        phys = predict(post.engine, profile, 224, 224, batch, "int8")
        host_s = post.engine.host_latency_s
        assert phys.throughput_fps * (phys.latency_s - host_s) == pytest.approx(batch, rel=1e-12)
        assert phys.in_flight == pytest.approx(batch, rel=1e-12)
        # the calibrated prediction scales both times by the same anchor: Little holds with its result delay
        pred = predict_unit(replace(post, points=()), profile, 224, 224, "int8", batch)
        # (not where a per-inference floor lifted the service time alone)
        if post.engine.kind == "cpu":  # the CPU is the host: no result delay outside its occupancy
            assert result_delay_s(pred, "cpu") == 0.0
            checked += 1
        elif pred.service_s == pytest.approx(pred.prediction.service_s * pred.latency_s / pred.prediction.latency_s):
            assert pred.throughput_fps * (pred.latency_s - result_delay_s(pred, post.engine.kind)) == pytest.approx(batch, rel=1e-9)
            checked += 1
    assert checked


def test_mlperf_load_drivers_take_singlestream_multistream_and_offline_from_the_one_estimate():
    def load(scenario: str, batching: dict | None = None, **extra: Any) -> tuple[ServiceEstimate, dict[str, Any]]:
        gpu = {"name": "gpu", "device": DEVICE, **({"batching": batching} if batching else {})}
        spec = edgesim.scenario_from_dict({
            "name": "loads", "duration_s": 5.0, "warmup_s": 0.5, "seed": 1, "models": [{"name": "net", "catalog": "resnet18"}],
            "compute_units": [gpu], "loads": [{"name": "l", "scenario": scenario, "model": "net", "unit": "gpu",
                                               "width_px": 224, "height_px": 224, **extra}]})
        return compile_system(spec).loads[0].estimate, edgesim.simulate(spec).summary["loads"][0]

    estimate, single = load("single_stream")
    assert estimate.result_delay_s > 0.0
    assert single["latency_ms"]["p90"] == pytest.approx(estimate.latency_s * 1e3, rel=1e-6)
    assert single["latency_model_ms"]["estimate"] == pytest.approx(estimate.latency_s * 1e3)
    # the next query is issued when the result is out: one query per model latency, the unit idle during the delay
    assert single["qps"] == pytest.approx(1.0 / estimate.latency_s, rel=1e-3)
    _, multi = load("multi_stream", samples_per_query=4)  # four samples one after another on one server, then the delay
    assert multi["latency_ms"]["p99"] == pytest.approx((4 * estimate.service_s + estimate.result_delay_s) * 1e3, rel=1e-6)
    _, offline = load("offline", batching={"max_batch": 6, "max_wait_s": 0.01}, offline_samples=10**6)
    spec = edgesim.scenario_from_dict(_scenario(5.0, "resnet18"))
    models = {m.name: m for m in spec.models}
    line = model_batch_line(spec.compute_units[0], spec.models[0], models, 224, 224)
    assert line is not None
    assert offline["value"] == pytest.approx(6 / (line[0] + 6 * line[1]), rel=2e-3)  # the delay holds no unit
