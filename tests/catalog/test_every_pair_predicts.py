"""Every catalog compute unit runs every catalog model with no efficiency given: a measured point where one
is published, else the calibrated performance model, with an 80% interval around its estimate."""
from __future__ import annotations

from collections import Counter

import pytest

import edgesim
from edgesim.calibration.predict import load_calibrated
from edgesim.catalog import load_catalog
from edgesim.profiles import load_profiles

CATALOG = load_catalog()
# Units: those the shipped calibration (data/calibrated.json, one entry per catalog unit when it was generated) covers;
# a catalog unit added after it (the breadth work) is checked by tests/catalog/test_measured_devices.py until it is regenerated.
# Models: every one counted layer by layer (the 190 measured networks x 71 units would be 13 000 simulations).
_CALIBRATED = set(load_calibrated()["units"])
_COUNTED = [m for m in CATALOG.models if load_profiles()[m].extra.get("method") == "layer_by_layer"]
PAIRS = [(d, u, m) for d, dev in CATALOG.devices.items() for u in dev.units if f"{d}/{u}" in _CALIBRATED for m in _COUNTED]


def one_stream(device: str, unit: str, model: str) -> dict:
    ref = CATALOG.models[model]
    return {"name": "pair", "duration_s": 120.0,  # a frame every 10 s: even a CPU finishes its first inference
            "cameras": [{"name": "cam", "width_px": ref.ref_width_px, "height_px": ref.ref_height_px, "fps": 0.1}],
            "models": [{"name": "net", "catalog": model}],
            "compute_units": [{"name": "u", "device": device, "device_unit": unit}],
            "streams": [{"camera": "cam", "model": "net", "unit": "u"}]}


def test_every_catalog_unit_runs_every_catalog_model_with_an_interval():
    sources: Counter[str] = Counter()
    for device, unit, model in PAIRS:
        stream = edgesim.simulate(edgesim.scenario_from_dict(one_stream(device, unit, model))).summary["streams"][0]
        ms = stream["service_ms"]
        assert 0 < ms["low"] <= ms["estimate"] <= ms["high"], (device, unit, model, ms)
        assert stream["completed"] >= 1, (device, unit, model)
        sources[stream["service_source"].split(",")[0]] += 1
    assert len(PAIRS) >= 200
    assert set(sources) <= {"measured", "calibrated", "prior"} and sources["calibrated"] > sources["prior"] > 0


def test_a_scenario_nickname_uses_the_units_point_for_the_catalog_model():
    # {name: det, catalog: yolov8n} on a Hailo-8 is the Hailo-8's YOLOv8n measurement, not a prediction
    data = one_stream("hailo8", "npu", "yolov8n")
    data["models"] = [{"name": "det", "catalog": "yolov8n"}]
    data["streams"][0]["model"] = "det"
    stream = edgesim.simulate(edgesim.scenario_from_dict(data)).summary["streams"][0]
    assert stream["service_source"].startswith("measured")
    point = CATALOG.devices["hailo8"].units["npu"].measured_point("yolov8n")
    assert stream["service_ms"]["estimate"] == pytest.approx(1e3 / point.fps, rel=1e-9)
