"""Calibration: synthetic recovery, reproduction of calibration points, bad files, priors, catalog coverage."""
from __future__ import annotations

import argparse
import math

import numpy as np
import pytest

from edgesim.calibration.fit import EngineContext, GroupData, fit_group, log_predict
from edgesim.calibration.measurements import MeasurementsError, read_measurements
from edgesim.calibration.prior import PARAM_NAMES, hyper_prior
from edgesim.cli.calibrate import main as calibrate_main
from edgesim.physics.profile import OP_CLASSES

HEADER = "device,engine,model,input_w,input_h,precision,batch_or_scenario,metric,value,power_mode,software,source,confidence,notes\n"
GOOD = "hailo8,npu,resnet50,224,224,int8,1,fps,1300,,,test,H,\n"


def _synthetic(n: int, rng: np.random.Generator) -> GroupData:
    split = rng.dirichlet(np.ones(len(OP_CLASSES)), size=n) * rng.uniform(1e8, 5e10, size=(n, 1))
    return GroupData(ops=split, weight_params=rng.uniform(1e6, 5e7, n), input_elems=np.full(n, 224 * 224 * 3.0),
                     prec_idx=rng.integers(0, 2, n), batch=rng.choice([1.0, 8.0, 0.0], n), is_latency=rng.random(n) < 0.3,
                     log_meas=np.zeros(n), canonical=tuple(f"m{i}" for i in range(n)))


def _truth() -> np.ndarray:
    t = np.array(hyper_prior("npu").mean, float)
    t[0], t[1], t[9], t[11], t[10] = math.log(0.4), math.log(0.05), math.log(3e-4), math.log(1.5e7), math.log(4e9)
    return t


def test_fit_recovers_known_parameters_from_synthetic_data():
    rng = np.random.default_rng(3)
    ctx = EngineContext("syn", "npu", 26e12, "int8", None)
    data = _synthetic(300, rng)
    truth = _truth()
    data = GroupData(**{**data.__dict__, "log_meas": log_predict(truth, ctx, data) + rng.normal(0, 0.02, len(data))})
    fit = fit_group(ctx, data, hyper_prior("npu"))
    for k in (0, 1, 9):
        assert math.exp(fit.theta[k] - truth[k]) == pytest.approx(1.0, abs=0.1), PARAM_NAMES[k]
    # calibrating then predicting the calibration points reproduces them
    assert np.median(np.abs(np.expm1(fit.residuals))) < 0.03


def test_under_determined_fit_reports_the_prior():
    rng = np.random.default_rng(4)
    ctx = EngineContext("one", "gpu", 20e12, "int8", 68e9)
    data = _synthetic(1, rng)
    data = GroupData(**{**data.__dict__, "log_meas": np.array([math.log(500.0)]), "is_latency": np.array([False]),
                        "batch": np.array([1.0])})
    fit = fit_group(ctx, data, hyper_prior("gpu"))
    assert "log_offline_extra" in fit.prior_used and "log_host_latency_s" in fit.prior_used
    assert "prior used for: " in fit.summary() and "log_offline_extra" in fit.summary()


@pytest.mark.parametrize("row, column", [
    ("hailo8,npu,resnet50,224,224,int8,1,fps,abc,,,t,H,\n", "value"),
    ("hailo8,npu,resnet50,224,224,int8,1,fps,-3,,,t,H,\n", "value"),
    ("no_such_board,npu,resnet50,224,224,int8,1,fps,10,,,t,H,\n", "device"),
    ("hailo8,npu,no_such_model_xyz,224,224,int8,1,fps,10,,,t,H,\n", "model"),
    ("hailo8,npu,resnet50,wide,224,int8,1,fps,10,,,t,H,\n", "input_w"),
])
def test_bad_measurements_exit_2_naming_row_and_column(tmp_path, capsys, row, column):
    p = tmp_path / "m.csv"
    p.write_text(HEADER + GOOD + row)
    with pytest.raises(MeasurementsError, match=rf"row 3, column '{column}'"):
        read_measurements(p, catalog_keys={"hailo8"})
    rc = calibrate_main(argparse.Namespace(measurements=p, device=None, out=None, no_background=True))
    assert rc == 2
    assert f"row 3, column '{column}'" in capsys.readouterr().err


def test_missing_column_exits_2(tmp_path, capsys):
    p = tmp_path / "m.csv"
    p.write_text(HEADER.replace(",value", "") + "hailo8,npu,resnet50,224,224,int8,1,fps,,,t,H,\n")
    rc = calibrate_main(argparse.Namespace(measurements=p, device=None, out=None, no_background=True))
    assert rc == 2 and "column 'value'" in capsys.readouterr().err


def test_shipped_measurements_validate_and_map_every_device():
    from edgesim.catalog import load_catalog

    ms = read_measurements(catalog_keys=load_catalog().devices)
    assert len(ms) == 2328
    usable = [m for m in ms if m.usable]
    assert len(usable) > 1400
    assert {m.device for m in ms if m.device_raw.startswith("Hailo-8L")} == {"hailo8l"}


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


def test_analytic_jacobian_matches_finite_differences():
    from edgesim.calibration.fit import log_predict_jacobian

    rng = np.random.default_rng(5)
    for ctx in (EngineContext("syn", "npu", 26e12, "int8", None), EngineContext("gpu", "gpu", 20e12, "fp16", 68e9)):
        data = _synthetic(60, rng)
        theta = _truth()
        off, foot = rng.normal(0, 0.3, len(data)), rng.normal(0, 0.5, len(data))
        jac = log_predict_jacobian(theta, ctx, data, off, foot)
        h = 1e-6
        for k in range(len(theta)):
            up, dn = theta.copy(), theta.copy()
            up[k] += h
            dn[k] -= h
            num = (log_predict(up, ctx, data, off, foot) - log_predict(dn, ctx, data, off, foot)) / (2 * h)
            assert np.allclose(jac[:, k], num, atol=1e-5), PARAM_NAMES[k]


def test_latent_fit_recovers_a_models_speed_and_footprint():
    """One model measured at batch 1 and 8 on two engines of different on-chip memory: the fitted latents
    reproduce the truth (their priors only shrink a little with exact data)."""
    from edgesim.calibration.fit import point_terms
    from edgesim.calibration.latents import LatentPoints, LatentPrior, fit_latent

    ctx = EngineContext("syn", "npu", 26e12, "int8", None)
    data = GroupData(ops=np.tile([[1e10, 0, 0, 0, 0, 0, 0]], (2, 1)), weight_params=np.full(2, 2e7),
                     input_elems=np.full(2, 3 * 224 * 224.0), prec_idx=np.zeros(2, int), batch=np.array([1.0, 8.0]),
                     is_latency=np.zeros(2, bool), log_meas=np.zeros(2), canonical=("m", "m"))
    small, big = _truth(), _truth()
    small[11], big[11] = math.log(4e6), math.log(4e7)
    truth_speed, truth_foot = 0.6, 0.4  # footprint 2e7 x e^0.4 = 30 MB: reloads on the small chip only
    pts = []
    for name, th in (("small", small), ("big", big)):
        t = point_terms(th, ctx, data)
        pts.append(LatentPoints(name, t, t.log_value(truth_speed, truth_foot)))
    lat = fit_latent("m@npu", pts, LatentPrior(speed_sd=3.0, group_sd=0.05, footprint_sd=3.0))
    assert lat.speed == pytest.approx(truth_speed, abs=0.05)
    assert lat.footprint == pytest.approx(truth_foot, abs=0.05)
    assert lat.n_points == 4
    # no points: the prior (nominal physics)
    assert fit_latent("x@npu", []).speed == 0.0


def test_leave_one_out_does_not_see_the_held_out_value(tmp_path):
    """Tripling a held-out point's measured value leaves its LOO prediction (almost) unchanged: only the
    stated higher-order leak through the other models' latents remains."""
    import csv

    from edgesim.calibration.calibrate import calibrate
    from edgesim.calibration.measurements import shipped_measurements_path
    from edgesim.calibration.validate import loo
    from edgesim.catalog import load_catalog

    cat = load_catalog()
    with shipped_measurements_path().open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    sel = [r for r in rows if r["device"] in ("Hailo-8", "Hailo-8L") and r["metric"] == "fps"][:100]
    preds = []
    for mult in (1.0, 3.0):
        p = tmp_path / f"m{mult}.csv"
        with p.open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            for i, r in enumerate(sel):
                w.writerow({**r, "value": str(float(r["value"]) * mult)} if i == 10 else r)
        held = loo(calibrate(read_measurements(p, catalog_keys=cat.devices), cat), max_nfev=200)
        target = [h for h in held if h.model == sel[10]["model"] and h.measured == pytest.approx(float(sel[10]["value"]) * mult)]
        preds.append(target[0].predicted)
    assert preds[1] == pytest.approx(preds[0], rel=0.02)


def test_calibrate_a_device_the_catalog_lacks_and_use_it_in_a_scenario(tmp_path, capsys):
    # datasheet fields in a --devices file, your points in a CSV; --out is a catalog file a scenario loads
    import yaml

    import edgesim
    from edgesim.calibration.measurements import shipped_measurements_path
    from edgesim.cli import main as cli_main

    devices = {"devices": {"my_npu": {"vendor": "Example", "default_unit": "npu", "units": {"npu": {
        "kind": "npu", "peak_ops_per_s": {"int8": 10.0e12}, "idle_power_w": 0.5, "max_power_w": 4.0,
        "sources": {k: "ILLUSTRATIVE (test)" for k in ("peak_ops_per_s", "idle_power_w", "max_power_w")}}}}}}
    (tmp_path / "dev.yaml").write_text(yaml.safe_dump(devices), encoding="utf-8")
    header = shipped_measurements_path().read_text(encoding="utf-8").splitlines()[0]
    (tmp_path / "my.csv").write_text(header + "\nmy_npu,npu,resnet50,224,224,int8,1,fps,400,,sdk,my bench,H,test\n", encoding="utf-8")
    out = tmp_path / "my_catalog.yaml"
    assert cli_main(["calibrate", str(tmp_path / "my.csv"), "--devices", str(tmp_path / "dev.yaml"), "--out", str(out)]) == 0
    capsys.readouterr()
    scenario = {"name": "mine", "duration_s": 20.0, "catalog_files": [str(out)],
                "cameras": [{"name": "cam", "width_px": 224, "height_px": 224, "fps": 1.0}],
                "models": [{"name": "a", "catalog": "resnet50"}, {"name": "b", "catalog": "mobilenet_v2"}],
                "compute_units": [{"name": "u", "device": "my_npu"}],
                "streams": [{"camera": "cam", "model": "a", "unit": "u"}, {"camera": "cam", "model": "b", "unit": "u"}]}
    streams = edgesim.simulate(edgesim.scenario_from_dict(scenario)).summary["streams"]
    assert streams[0]["service_source"] == "measured" and streams[0]["service_ms"]["estimate"] == pytest.approx(2.5)
    other = streams[1]["service_ms"]
    assert streams[1]["service_source"] == "calibrated" and other["low"] < other["estimate"] < other["high"]


def test_leave_one_device_out_predicts_from_the_datasheet_not_the_devices_points():
    # the held-out device's own values do not reach its LODO predictions (beyond the stated second-order leak: the
    # other engines were fitted once with priors that saw it): tripling them moves its predictions by far less
    from dataclasses import replace as dc_replace

    from edgesim.calibration.calibrate import calibrate
    from edgesim.calibration.validate import coverage_two_fold, lodo_scored
    from edgesim.catalog import load_catalog

    catalog = load_catalog()
    keep = {"hailo8", "hailo8l", "coral_edgetpu", "coral_edgetpu_usb", "jetson_nano", "jetson_agx_xavier", "rpi5"}
    points = [m for m in read_measurements(catalog_keys=catalog.devices) if m.device in keep]
    base = lodo_scored(calibrate(points, catalog))
    moved = [dc_replace(m, value=m.value * (3.0 if m.quantity == "throughput" else 1 / 3.0)) if m.device == "hailo8l" else m
             for m in points]
    after = lodo_scored(calibrate(moved, catalog))
    assert [(s.held.group, s.held.model) for s in base] == [(s.held.group, s.held.model) for s in after]
    ratios = [a.held.predicted / b.held.predicted for a, b in zip(after, base)
              if a.held.device == "hailo8l" and a.held.quantity == "throughput"]
    assert len(ratios) > 100
    assert float(np.median(np.abs(np.log(ratios)))) < 0.1 * np.log(3.0)
    assert 0.6 <= coverage_two_fold(base) <= 0.95  # the interval's z learnt on the other half of the devices


def test_datasheet_prior_is_learnt_without_the_held_out_device_and_follows_family_and_peak():
    # leave-one-device-out's prior is a function of the other devices' fits only (kind, source family, datasheet
    # peak); a held-out Hailo part takes the Hailo zoo's efficiency and an on-chip memory scaled by its peak
    from dataclasses import replace as dc_replace

    from edgesim.calibration.calibrate import calibrate
    from edgesim.calibration.prior import PARAM_NAMES
    from edgesim.calibration.validate import _prior_without, _same_device
    from edgesim.catalog import load_catalog

    catalog = load_catalog()
    keep = {"hailo8", "hailo8l", "coral_edgetpu", "coral_edgetpu_usb", "rk3566", "rk3588_1core", "rk1808", "rv1126"}
    cal = calibrate([m for m in read_measurements(catalog_keys=catalog.devices) if m.device in keep], catalog)
    g = cal.groups["hailo8/npu/hailo_zoo"]
    mean, sd = _prior_without(cal, g, _same_device("hailo8"))
    # the held-out device's own fits do not reach its prior
    for o in cal.groups.values():
        if o.device == "hailo8":
            assert o.fit is not None
            o.fit = dc_replace(o.fit, theta=o.fit.theta + 3.0, sd=o.fit.sd * 0.1)
    mean2, sd2 = _prior_without(cal, g, _same_device("hailo8"))
    assert np.array_equal(mean, mean2) and np.array_equal(sd, sd2)
    # the same toolchain's other part sets the efficiency; on-chip memory scales with the datasheet peak
    other = cal.groups["hailo8l/npu/hailo_zoo"]
    assert other.fit is not None and g.ctx.peak_ops_per_s and other.ctx.peak_ops_per_s
    k_eff, k_mem = PARAM_NAMES.index("log_eff_conv"), PARAM_NAMES.index("log_on_chip_bytes")
    assert mean[k_eff] == pytest.approx(other.fit.theta[k_eff], abs=1e-9)
    expected_mem = other.fit.theta[k_mem] + math.log(g.ctx.peak_ops_per_s / other.ctx.peak_ops_per_s)
    assert mean[k_mem] == pytest.approx(expected_mem, abs=1e-9)
    assert np.all(sd > 0)
