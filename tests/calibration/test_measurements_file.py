"""The measurements file: bad rows exit 2 naming row and column, a missing column, the shipped file validates and maps every device."""
from __future__ import annotations

import argparse

import pytest

from edgesim.calibration.measurements import MeasurementsError, read_measurements
from edgesim.cli.calibrate import main as calibrate_main

HEADER = "device,engine,model,input_w,input_h,precision,batch_or_scenario,metric,value,power_mode,software,source,confidence,notes\n"
GOOD = "hailo8,npu,resnet50,224,224,int8,1,fps,1300,,,test,H,\n"


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
