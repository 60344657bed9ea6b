"""Every catalog unit predicts every catalog model; a measured point matches by identity, other conditions go through the model."""
from __future__ import annotations

import math

import pytest

HEADER = "device,engine,model,input_w,input_h,precision,batch_or_scenario,metric,value,power_mode,software,source,confidence,notes\n"
GOOD = "hailo8,npu,resnet50,224,224,int8,1,fps,1300,,,test,H,\n"


def test_every_catalog_unit_predicts_every_catalog_model():
    from edgesim.calibration.model_features import profile_from_counts
    from edgesim.calibration.predict import load_calibrated, predict_service
    from edgesim.catalog import load_catalog

    cat = load_catalog()
    covered = set(load_calibrated()["units"])  # units added after calibrated.json was generated: tests/catalog/test_measured_devices.py
    for mn, m in cat.models.items():
        prof = profile_from_counts(mn, mn, m.ops_per_inference, float(m.params or 0), m.ref_width_px, m.ref_height_px, "catalog")
        for dn, d in cat.devices.items():
            for un in d.units:
                if f"{dn}/{un}" not in covered:
                    continue
                s = predict_service(dn, un, prof, m.ref_width_px, m.ref_height_px, "int8")
                assert math.isfinite(s.service_s) and s.service_s > 0, (dn, un, mn)
                assert s.service_s_low <= s.service_s <= s.service_s_high, (dn, un, mn)
                assert s.source in ("measured", "calibrated", "prior")
                assert s.power_w > 0


def test_measured_point_matches_by_identity_and_other_conditions_go_through_the_model():
    from edgesim.calibration.model_features import profile_from_counts
    from edgesim.calibration.predict import predict_service

    prof = profile_from_counts("det", "yolov8n", 8.74e9, 3.2e6, 640, 640, "test")  # a scenario nickname, catalog identity
    s = predict_service("hailo8", "npu", prof, 640, 640, "int8", batch=1)
    assert s.source == "measured" and s.throughput_fps == pytest.approx(1036.0, rel=1e-6)
    other = predict_service("hailo8", "npu", prof, 320, 320, "int8", batch=1)
    assert other.source == "calibrated" and "anchored" in other.detail
    assert other.throughput_fps > s.throughput_fps
