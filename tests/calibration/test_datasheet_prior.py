"""A datasheet-only unit at run time gets the prior the validation scores: the datasheet rule of the leave-one-device-out
protocol when its source family is given (``prior_family``), the kind's medians of the leave-one-source-out case when
not, each with the interval of its own protocol; an unknown family is one clear error."""
from __future__ import annotations

import numpy as np
import pytest

import edgesim
from edgesim.calibration.calibrate import calibrate
from edgesim.calibration.measurements import read_measurements
from edgesim.calibration.predict import load_calibrated
from edgesim.calibration.prior import PARAM_NAMES, per_peak_shift
from edgesim.calibration.validate import datasheet_prior_of
from edgesim.catalog import load_catalog
from tests.helpers import run_cli

DATASHEET = {"kind": "npu", "peak_ops_per_s": {"int8": 13e12}, "idle_power_w": 0.3, "max_power_w": 2.5}


def _stream(unit: dict) -> dict:
    data = {"name": "t", "duration_s": 20.0, "cameras": [{"name": "cam", "width_px": 224, "height_px": 224, "fps": 0.1}],
            "models": [{"name": "net", "catalog": "mobilenet_v2"}], "compute_units": [{"name": "u", **unit}],
            "streams": [{"camera": "cam", "model": "net", "unit": "u"}]}
    return edgesim.simulate(edgesim.scenario_from_dict(data)).summary["streams"][0]


def test_the_shipped_table_is_the_validated_rule_on_the_shipped_data():
    catalog = load_catalog()
    cal = calibrate(read_measurements(catalog_keys=catalog.devices), catalog)
    table = load_calibrated()["datasheet_priors"]
    for family in ("hailo_zoo", "rknn_zoo", None):
        mean, sd = datasheet_prior_of(list(cal.groups.values()), "npu", family)
        entry = table["npu"][family or "*"]
        assert np.allclose([entry["mean"][n] for n in PARAM_NAMES], mean, rtol=1e-9, atol=1e-12)
        assert np.allclose([entry["sd"][n] for n in PARAM_NAMES], sd, rtol=1e-9, atol=1e-12)


def test_a_datasheet_unit_takes_its_familys_prior_and_that_protocols_interval():
    with_family = _stream({**DATASHEET, "prior_family": "rknn_zoo"})
    without = _stream(DATASHEET)
    for s in (with_family, without):
        assert s["service_source"].startswith("prior")
        assert 0 < s["service_ms"]["low"] < s["service_ms"]["estimate"] < s["service_ms"]["high"]
    assert "of the rknn_zoo engines" in with_family["service_detail"] and "of the lodo protocol" in with_family["service_detail"]
    assert "over every source family" in without["service_detail"] and "of the loso protocol" in without["service_detail"]
    assert with_family["service_ms"]["estimate"] != without["service_ms"]["estimate"]


def test_on_chip_memory_is_learnt_per_unit_of_peak():
    # twice the peak, twice the on-chip memory the prior expects (the Hailo-8 / Hailo-8L pair: 25 MB at 26 TOPS)
    shift = per_peak_shift(26e12) - per_peak_shift(13e12)
    k = PARAM_NAMES.index("log_on_chip_bytes")
    assert shift[k] == pytest.approx(np.log(2.0))
    assert np.count_nonzero(shift) == 1


def test_an_unknown_family_is_one_clear_error(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text("name: t\nduration_s: 5\ncameras: [{name: cam, width_px: 224, height_px: 224, fps: 30}]\n"
                    "models: [{name: det, catalog: resnet50}]\n"
                    "compute_units: [{name: npu, kind: npu, peak_ops_per_s: {int8: 1.0e13}, idle_power_w: 0.5, max_power_w: 3,"
                    " prior_family: hailo}]\nstreams: [{camera: cam, model: det, unit: npu}]\n")
    code, out, err = run_cli(capsys, "run", path)
    assert code == 2 and not out.strip() and err.count("\n") == 1
    assert "compute_units[0].prior_family" in err and "'hailo'" in err and "hailo_zoo" in err and "rknn_zoo" in err
