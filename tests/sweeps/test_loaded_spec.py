"""Sweeps and searches on a loaded spec apply their overrides exactly as on its file.

A spec from ``edgesim.load_scenario`` has its catalog fields inline; sweeping ``compute_units.npu.device`` over it
used to keep the first device's fields under the new name (two "ok" rows labelled hailo8 and jetson_orin_nano,
both the Hailo-8). The overrides now apply to the document the spec was made from, before catalog resolution.
"""
from __future__ import annotations

import pandas as pd
import pytest

import edgesim
from edgesim.errors import EdgesimError
from edgesim.spec.load import read_scenario_dict
from edgesim.spec.schema import ScenarioSpec
from edgesim.sweeps import fit, sweep

SCENARIO = "scenarios/intersection_3cam.yaml"
DEVICES = {"compute_units.npu.device": ["hailo8", "jetson_orin_nano"]}


def _comparable(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=["wall_s"]).reset_index(drop=True)


def test_device_sweep_on_loaded_spec_equals_sweep_on_file():
    by_spec = sweep(edgesim.load_scenario(SCENARIO), DEVICES, duration_s=2, jobs=1)
    by_path = sweep(SCENARIO, DEVICES, duration_s=2, jobs=1)
    assert list(by_spec["status"]) == ["ok", "ok"]
    pd.testing.assert_frame_equal(_comparable(by_spec), _comparable(by_path))
    # the two devices are really two devices: their resolved scenarios and their power differ
    assert by_spec["scenario_hash"].nunique() == 2
    power = by_spec.set_index("compute_units.npu.device")["system.avg_power_w"]
    assert power["jetson_orin_nano"] > power["hailo8"]
    # and each row is the device's own scenario: the same as loading the file with that device
    for device, row in by_spec.set_index("compute_units.npu.device").iterrows():
        spec = edgesim.load_scenario(SCENARIO)
        units = [dict(u) for u in edgesim.api.scenario_document(spec).data["compute_units"]]
        units[[u["name"] for u in units].index("npu")]["device"] = device
        alone = edgesim.simulate(edgesim.load_scenario(SCENARIO, {"compute_units": units}), duration_s=2,
                                 seed=int(row["seed"]))
        assert alone.summary["system"]["avg_power_w"] == pytest.approx(row["system.avg_power_w"], rel=1e-12)


def test_spec_from_dict_sweeps_like_the_dict():
    data = read_scenario_dict(SCENARIO)
    spec = edgesim.scenario_from_dict(data, source=SCENARIO)
    a = sweep(spec, DEVICES, duration_s=2, jobs=1)
    b = sweep(data, DEVICES, duration_s=2, jobs=1)
    cols = ["compute_units.npu.device", "status", "seed", "scenario_hash", "system.avg_power_w"]
    pd.testing.assert_frame_equal(a[cols], b[cols])


def test_spec_without_its_document_and_with_catalog_references_is_refused():
    copied = edgesim.load_scenario(SCENARIO).model_copy(update={"duration_s": 1.0})
    with pytest.raises(EdgesimError, match=r"compute_units\[0\]\.device: .*cannot be re-resolved"):
        sweep(copied, DEVICES, duration_s=2, jobs=1)
    with pytest.raises(EdgesimError, match="cannot be re-resolved"):
        fit(copied, "cameras.cam.fps", 1, 30, constraints=["drop_rate<=0.01"], duration_s=2)


def test_spec_made_by_hand_without_catalog_references_sweeps_from_its_own_fields(tmp_path):
    from tests.helpers import single_queue

    data = single_queue(fps=20, service_s=0.01, duration_s=2)
    spec = ScenarioSpec.model_validate({**data, "source": "<hand>"})
    grid = {"cameras.cam.fps": [10, 20]}
    a = sweep(spec, grid, jobs=1)
    b = sweep(data, grid, jobs=1)
    assert list(a["status"]) == ["ok", "ok"]
    assert list(a["scenario_hash"]) == list(b["scenario_hash"])
    assert list(a["system.avg_power_w"]) == list(b["system.avg_power_w"])


def test_fit_on_loaded_spec_equals_fit_on_file():
    kw = dict(constraints=["max_utilization<=0.5"], duration_s=2, overrides={"compute_units.npu.device": "jetson_orin_nano"})
    by_spec = fit(edgesim.load_scenario(SCENARIO), "cameras.cam.fps", 1, 60, **kw)
    by_path = fit(SCENARIO, "cameras.cam.fps", 1, 60, **kw)
    assert by_spec.value == by_path.value
    pd.testing.assert_frame_equal(by_spec.probes, by_path.probes)
