"""edgesim calibrate for a device the catalog lacks, and a scenario that uses its output."""
from __future__ import annotations

import pytest

HEADER = "device,engine,model,input_w,input_h,precision,batch_or_scenario,metric,value,power_mode,software,source,confidence,notes\n"
GOOD = "hailo8,npu,resnet50,224,224,int8,1,fps,1300,,,test,H,\n"


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
