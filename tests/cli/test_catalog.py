"""`edgesim catalog devices|models|show`: every entry listed, units and sources shown, user files, errors (exit 2)."""
from __future__ import annotations

import json
import textwrap

import pytest

from edgesim.catalog import load_catalog
from edgesim.catalog.loader import ENV_VAR
from edgesim.cli.catalog import format_quantity
from tests.helpers import run_cli as run

USER_CATALOG = textwrap.dedent("""\
    devices:
      mydev:
        vendor: Acme
        host_link: "USB 3"
        memory_bandwidth_bytes_per_s: null
        default_unit: npu
        sources: {memory_bandwidth_bytes_per_s: "UNKNOWN: not published"}
        units:
          npu:
            kind: npu
            peak_ops_per_s: {int8: 5.0e12}
            idle_power_w: 0.5
            max_power_w: 4.0
            measured:
              - {model: mymodel, fps: 100, power_w: 3.0, precision: int8, width_px: 320, height_px: 320,
                 source: "my bench 2024-05-01", conditions: "batch 1"}
            sources:
              peak_ops_per_s.int8: "Acme datasheet rev 2"
              idle_power_w: "USB meter, idle"
              max_power_w: "USB meter, full load"
    models:
      mymodel:
        ops_per_inference: 2.0e9
        macs_per_inference: 1.0e9
        ref_width_px: 320
        ref_height_px: 320
        counting_convention: "ops = 2 x MACs"
        sources: {ops_per_inference: "derived", macs_per_inference: "fvcore", ref_width_px: "export", ref_height_px: "export"}
    """)


@pytest.fixture(autouse=True)
def _no_env_catalog(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)



def test_devices_lists_every_unit_with_power_and_peak(capsys):
    catalog = load_catalog()
    code, out, err = run(capsys, "catalog", "devices")
    assert code == 0 and err == ""
    for name in catalog.devices:
        assert name in out
    assert "idle W" in out and "full-load W" in out and "peak TOPS" in out
    code, out, _ = run(capsys, "catalog", "devices", "--json")
    rows = json.loads(out)
    hailo = next(r for r in rows if r["device"] == "hailo8")
    assert hailo["peak_ops_per_s"]["int8"] == 26.0e12 and hailo["max_power_w"] == 3.2
    assert "yolov8n" in hailo["measured_models"]
    assert {(r["device"], r["unit"]) for r in rows} == {(d, u) for d, dev in catalog.devices.items() for u in dev.units}


def test_models_lists_every_model_with_ops_per_pixel(capsys):
    catalog = load_catalog()
    code, out, _ = run(capsys, "catalog", "models", "--json")
    assert code == 0
    rows = {r["model"]: r for r in json.loads(out)}
    assert set(rows) == set(catalog.models)
    assert rows["resnet50"]["ops_per_pixel"] == pytest.approx(8.178e9 / 224**2)
    code, out, _ = run(capsys, "catalog", "models")
    assert "G ops/inference" in out and "ops/px" in out and "resnet50" in out


def test_show_device_prints_units_and_sources(capsys):
    code, out, err = run(capsys, "catalog", "show", "hailo8")
    assert code == 0 and err == ""
    assert "peak_ops_per_s.int8: 2.6e+13 ops/s (26 TOPS)" in out
    assert "max_power_w: 3.2 W" in out
    assert "raspberrypi/documentation accessories/ai-hat-plus/about.adoc" in out  # the peak's source
    assert "resnet50: 1223 frames/s, 3.03 W at 224 x 224 px" in out  # a measured point with its own source
    assert "WP Figure 4 data table" in out
    code, out, _ = run(capsys, "catalog", "show", "rpi5_cpu")
    assert "thermal.throttle_c: 80 C" in out and "frequency-management.adoc" in out
    assert "2.4e+09 Hz (2.4 GHz)" in out


def test_show_model_prints_units_sources_and_ops_per_pixel(capsys):
    code, out, _ = run(capsys, "catalog", "show", "resnet50")
    assert code == 0
    assert "ops_per_inference: 8.178e+09 ops (8.178 G ops)" in out
    assert "macs_per_inference: 4.089e+09 MACs" in out
    assert "torchvision" in out  # source
    assert "ref_width_px: 224 px" in out
    assert "162986 ops/px" in out  # 8.178e9 / 224^2


def test_show_json_round_trips_the_entry(capsys):
    code, out, _ = run(capsys, "catalog", "show", "coral_edgetpu", "--json")
    data = json.loads(out)["device"]
    assert data["name"] == "coral_edgetpu" and data["units"]["tpu"]["peak_ops_per_s"]["int8"] == 4.0e12
    assert data["file"].endswith("devices.yaml")


def test_unknown_name_exits_2_listing_known_names(capsys):
    code, out, err = run(capsys, "catalog", "show", "hailo9")
    assert code == 2 and out == ""
    assert "hailo9" in err and "known devices:" in err and "hailo8" in err and "known models:" in err and "resnet50" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_user_catalog_file_adds_entries(capsys, tmp_path):
    user = tmp_path / "mine.yaml"
    user.write_text(USER_CATALOG)
    code, out, _ = run(capsys, "catalog", "devices", "--catalog", str(user))
    assert code == 0 and "mydev" in out and "hailo8" in out
    code, out, _ = run(capsys, "catalog", "show", "mydev", "--catalog", str(user))
    assert code == 0 and "Acme datasheet rev 2" in out and str(user) in out and "idle_power_w: 0.5 W" in out
    code, out, _ = run(capsys, "catalog", "show", "mymodel", "--catalog", str(user))
    assert code == 0 and "2e+09 ops" in out
    code, _, err = run(capsys, "catalog", "show", "mydev")  # without the file it is unknown
    assert code == 2 and "mydev" in err


def test_bad_user_catalog_exits_2_naming_file_and_field(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(USER_CATALOG.replace("max_power_w: 4.0", "max_power_w: -4.0"))
    code, out, err = run(capsys, "catalog", "show", "hailo8", "--catalog", str(bad))
    assert code == 2 and out == ""
    assert str(bad) in err and "devices.mydev.units.npu.max_power_w" in err and "Traceback" not in err
    code, _, err = run(capsys, "catalog", "models", "--catalog", str(tmp_path / "missing.yaml"))
    assert code == 2 and "missing.yaml" in err


def test_format_quantity_units():
    assert format_quantity(26e12, "ops/s") == "2.6e+13 ops/s (26 TOPS)"
    assert format_quantity(921.6e6, "Hz") == "9.216e+08 Hz (921.6 MHz)"
    assert format_quantity(None, "W") == "null (unknown)"
    assert format_quantity(3.2, "W") == "3.2 W"
