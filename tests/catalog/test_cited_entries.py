"""The cited catalogs: every entry loads, every number has a source, SI pins, user files, errors."""
from __future__ import annotations

import math
import os
import textwrap
from pathlib import Path

import pytest

from edgesim.catalog import Catalog, load_catalog
from edgesim.catalog.loader import ENV_VAR, numeric_paths, package_files, unsourced
from edgesim.errors import ScenarioError
from edgesim.spec.schema import ComputeUnitSpec, MeasuredPoint, ModelSpec

REQUIRED_MODELS = {
    "resnet50", "resnet18", "mobilenet_v2", "efficientnet_b0", "efficientnet_lite0", "ssd_mobilenet_v2",
    "yolov5s", "yolov8n", "yolov8s", "yolov8s_pose", "deeplabv3_mobilenet_v2", "centerpose_regnetx_800mf",
}
REQUIRED_DEVICES = {
    "hailo8", "hailo8l", "jetson_nano", "jetson_xavier_nx", "jetson_agx_xavier", "jetson_orin_nano",
    "jetson_agx_orin", "coral_edgetpu", "myriad_x", "rpi5_cpu", "laptop_cpu", "laptop_igpu", "h100",
}
BYTES_PER_PARAM = {"fp32": 4, "fp16": 2, "int8": 1}


@pytest.fixture(autouse=True)
def _no_env_catalog(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    saved = os.environ.pop(ENV_VAR, None)
    try:
        return load_catalog()
    finally:
        if saved is not None:
            os.environ[ENV_VAR] = saved


# -- every entry loads -------------------------------------------------------------------------------


def test_required_entries_present(catalog):
    assert REQUIRED_MODELS <= set(catalog.models)
    assert REQUIRED_DEVICES <= set(catalog.devices)


def test_package_files_are_the_package_data():
    models_file, devices_file = package_files()
    assert models_file.name == "models.yaml" and models_file.is_file()
    assert devices_file.name == "devices.yaml" and devices_file.is_file()


def test_every_model_maps_onto_modelspec(catalog):
    for name in catalog.models:
        for precision in (None, "int8", "fp16", "fp32"):
            spec = ModelSpec(name=name, catalog=name, **catalog.model_fields(name, precision))
            assert spec.ops_per_inference == catalog.model(name).ops_per_inference
            assert spec.sources["ops_per_inference"]


def test_every_unit_maps_onto_computeunitspec(catalog):
    for dev_name, dev in catalog.devices.items():
        assert dev.default_unit in dev.units
        for unit_name in dev.units:
            fields = catalog.unit_fields(dev_name, unit_name)
            assert set(fields) <= set(ComputeUnitSpec.model_fields)
            spec = ComputeUnitSpec(name=f"{dev_name}_{unit_name}", device=dev_name, **fields)
            assert spec.device_unit == unit_name  # the unit the fields (and a prediction) are for
            assert spec.max_power_w >= spec.idle_power_w
        # default unit
        assert catalog.unit_fields(dev_name)["kind"] == dev.units[dev.default_unit].kind


def test_measured_points_name_known_models(catalog):
    for dev in catalog.devices.values():
        for unit in dev.units.values():
            for point in (*unit.measured, *unit.other_measurements):
                assert point.model in catalog.models
                assert point.source.strip()
                MeasuredPoint(**point.model_dump())


# -- every number has a source -----------------------------------------------------------------------


def test_every_numeric_field_has_a_source(catalog):
    for name, model in catalog.models.items():
        assert unsourced(model) == [], f"models.{name}"
        # the brief's fixed keys: each numeric field has its own key (no prefix shortcut for models)
        for path in numeric_paths(model):
            top = path.split(".")[0]
            assert top in model.sources, f"models.{name}.{path}"
    for name, dev in catalog.devices.items():
        assert unsourced(dev) == [], f"devices.{name}"
        for unit_name, unit in dev.units.items():
            assert unsourced(unit) == [], f"devices.{name}.units.{unit_name}"


def test_unknowns_are_labelled_and_defaulted(catalog):
    """An explicit null device-level number says UNKNOWN (a field left out entirely is unpublished too: the prior
    fills it, and the entry's comment says so); so does every defaulted idle power."""
    for name, dev in catalog.devices.items():
        for field in ("memory_bandwidth_bytes_per_s", "on_chip_memory_bytes"):
            if getattr(dev, field) is None and field in dev.model_fields_set:
                assert "UNKNOWN" in dev.sources[field], f"devices.{name}.{field}"
        for unit_name, unit in dev.units.items():
            text = unit.sources["idle_power_w"]
            if "0.1 x max_power_w" in text:
                assert "UNKNOWN" in text
                assert math.isclose(unit.idle_power_w, 0.1 * unit.max_power_w, rel_tol=1e-9), f"{name}.{unit_name}"


def test_models_state_counting_convention(catalog):
    for name, model in catalog.models.items():
        assert "MAC" in model.counting_convention, name


# -- SI pins ---------------------------------------------------------------------------------------


def test_resnet50_pins(catalog):
    m = catalog.model("resnet50")
    assert m.macs_per_inference == pytest.approx(4.089e9)
    assert m.ops_per_inference == pytest.approx(2 * 4.089e9)
    assert (m.ref_width_px, m.ref_height_px) == (224, 224)
    assert m.params == 25557032
    assert m.weight_bytes["fp32"] == 4 * 25557032
    # ops per pixel ~ the white paper's "roughly 150 thousand operations per pixel"
    spec = ModelSpec(name="r50", **catalog.model_fields("resnet50", "int8"))
    assert 1.4e5 < spec.ops_per_pixel_value() < 1.7e5


def test_ops_are_twice_macs_everywhere(catalog):
    for name, model in catalog.models.items():
        if model.macs_per_inference is not None:
            assert model.ops_per_inference == pytest.approx(2 * model.macs_per_inference, rel=1e-3), name


def test_weight_bytes_are_params_times_width(catalog):
    for name, model in catalog.models.items():
        for prec, nbytes in model.weight_bytes.items():
            assert nbytes == pytest.approx(model.params * BYTES_PER_PARAM[prec]), f"{name}.{prec}"


def test_hailo8_peak_si(catalog):
    unit = catalog.device("hailo8").unit("npu")
    assert unit.peak_ops_per_s["int8"] == 26e12
    assert catalog.device("hailo8l").unit().peak_ops_per_s["int8"] == 13e12
    assert catalog.device("coral_edgetpu").unit().peak_ops_per_s["int8"] == 4e12
    assert catalog.device("h100").unit().peak_ops_per_s["fp16"] == pytest.approx(989.4e12)


@pytest.mark.parametrize(
    "device, unit, fps, power_w, precision, inf_per_w",
    [
        ("jetson_agx_xavier", "gpu", 358, 11.5, "int8", 31.2),
        ("jetson_nano", "gpu", 36, 10.0, "fp16", 3.6),
        ("hailo8", "npu", 1223, 3.03, "int8", 403.1),
        ("myriad_x", "vpu", 29, 2.5, "fp16", 11.6),
    ],
)
def test_white_paper_figure4_points_exact(catalog, device, unit, fps, power_w, precision, inf_per_w):
    u = catalog.device(device).unit(unit)
    point = u.measured_point("resnet50")
    assert point is u.measured[0]
    assert point.fps == fps
    assert point.power_w == power_w
    assert point.precision == precision
    assert point.batch == 1
    assert (point.width_px, point.height_px) == (224, 224)
    assert "Figure 4" in point.source
    # the table's own inferences/W column is FPS / W of unrounded inputs: within 0.3 %
    assert point.fps / point.power_w == pytest.approx(inf_per_w, rel=3e-3)
    assert u.efficiency_from_measured == "resnet50"
    # and it flows into the unit fields the scenario loader uses
    fields = catalog.unit_fields(device, unit)
    assert fields["measured"][0]["fps"] == fps and fields["measured"][0]["power_w"] == power_w


def test_hailo8_disagreeing_resnet50_figures_are_kept_aside(catalog):
    unit = catalog.device("hailo8").unit("npu")
    assert [p.fps for p in unit.measured if p.model == "resnet50"] == [1223]
    others = {p.fps: p for p in unit.other_measurements if p.model == "resnet50"}
    assert set(others) == {1372, 1328.8}
    assert others[1328.8].power_w == 3.19
    fields = catalog.unit_fields("hailo8")
    assert all(p["fps"] not in (1372, 1328.8) for p in fields["measured"])


def test_hailo8_model_zoo_points(catalog):
    unit = catalog.device("hailo8").unit("npu")
    expected = {
        "mobilenet_v2": 2597, "efficientnet_lite0": 1952, "resnet18": 2718, "ssd_mobilenet_v2": 784,
        "yolov5s": 543, "yolov8n": 1036, "yolov8s": 491, "deeplabv3_mobilenet_v2": 121,
        "yolov8s_pose": 393, "centerpose_regnetx_800mf": 162,
    }
    for model, fps in expected.items():
        point = unit.measured_point(model)
        assert point is not None and point.fps == fps and point.power_w is None, model
        ref = catalog.model(model)
        assert (point.width_px, point.height_px) == (ref.ref_width_px, ref.ref_height_px), model


def test_coral_mobilenet_point(catalog):
    point = catalog.device("coral_edgetpu").unit().measured_point("mobilenet_v2")
    assert point.fps == pytest.approx(1 / 0.0023, rel=1e-4)


def test_unknown_names_list_known_ones(catalog):
    with pytest.raises(KeyError, match="known models: .*resnet50"):
        catalog.model("resnet5000")
    with pytest.raises(KeyError, match="known devices: .*hailo8"):
        catalog.device("hailo9")
    with pytest.raises(KeyError, match="known units: npu"):
        catalog.unit_fields("hailo8", "gpu")


def test_model_fields_precision(catalog):
    assert catalog.model_fields("resnet50", None)["precision"] == ModelSpec.model_fields["precision"].default
    f16 = catalog.model_fields("resnet50", "fp16")
    assert f16["precision"] == "fp16" and f16["weight_bytes"] == 2 * 25557032
    assert "weight_bytes" not in catalog.model_fields("resnet50", "int4")


# -- user catalog files --------------------------------------------------------------------------------

USER_DEVICE = """\
devices:
  mydev:
    vendor: Acme
    description: "test accelerator"
    host_link: "USB 3"
    memory_bandwidth_bytes_per_s: null
    default_unit: npu
    sources:
      memory_bandwidth_bytes_per_s: "UNKNOWN: test"
    units:
      npu:
        kind: npu
        peak_ops_per_s: {int8: 5e12}
        idle_power_w: 0.5
        max_power_w: 4.0
        efficiency_from_measured: mymodel
        measured:
          - {model: mymodel, fps: 100, power_w: 3.0, precision: int8, width_px: 320, height_px: 320,
             source: "my bench", conditions: "batch 1"}
        sources:
          peak_ops_per_s.int8: "my datasheet"
          idle_power_w: "my meter"
          max_power_w: "my meter"
models:
  mymodel:
    description: "test model"
    ops_per_inference: 2e9
    macs_per_inference: 1e9
    ref_width_px: 320
    ref_height_px: 320
    counting_convention: "ops = 2 x MACs"
    sources:
      ops_per_inference: "derived"
      macs_per_inference: "my counter"
      ref_width_px: "my export"
      ref_height_px: "my export"
  resnet50:
    description: "replaced"
    ops_per_inference: 7.0e9
    ref_width_px: 224
    ref_height_px: 224
    counting_convention: "2 x MACs"
    sources: {ops_per_inference: "x", ref_width_px: "x", ref_height_px: "x"}
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_user_file_adds_and_replaces(tmp_path):
    path = _write(tmp_path, "mine.yaml", USER_DEVICE)
    cat = load_catalog([path])
    assert "mydev" in cat.devices and "hailo8" in cat.devices
    unit = cat.device("mydev").unit()
    assert unit.peak_ops_per_s["int8"] == 5e12  # "5e12" read as a float
    assert cat.model("resnet50").ops_per_inference == 7.0e9  # replaced
    assert cat.model("resnet50").macs_per_inference is None
    assert str(path) in cat.files
    fields = cat.unit_fields("mydev")
    spec = ComputeUnitSpec(name="u", **fields)
    assert spec.measured_point("mymodel").fps == 100
    assert str(path) in fields["sources"]["catalog"]


def test_env_var_catalog(tmp_path, monkeypatch):
    path = _write(tmp_path, "env.yaml", USER_DEVICE)
    other = _write(tmp_path, "empty.yaml", "models: {}\n")
    monkeypatch.setenv(ENV_VAR, os.pathsep.join([str(other), str(path)]))
    cat = load_catalog()
    assert "mydev" in cat.devices
    assert cat.device("mydev").vendor == "Acme"


def _malformed(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


def test_malformed_user_file_names_entry_and_field(tmp_path):
    bad = _malformed(USER_DEVICE, "max_power_w: 4.0", "max_power_w: -4.0")
    path = _write(tmp_path, "bad.yaml", bad)
    with pytest.raises(ScenarioError) as info:
        load_catalog([path])
    err = info.value
    assert err.source == str(path)
    assert err.field == "devices.mydev.units.npu.max_power_w"
    assert "devices.mydev.units.npu.max_power_w" in str(err) and str(path) in str(err)


def test_unknown_key_rejected(tmp_path):
    bad = _malformed(USER_DEVICE, "        idle_power_w: 0.5\n", "        idle_power_w: 0.5\n        idle_pwr: 1\n")
    path = _write(tmp_path, "bad.yaml", bad)
    with pytest.raises(ScenarioError, match=r"devices\.mydev\.units\.npu\.idle_pwr"):
        load_catalog([path])


def test_missing_source_is_an_error(tmp_path):
    bad = _malformed(USER_DEVICE, '          max_power_w: "my meter"\n', "")
    path = _write(tmp_path, "nosource.yaml", bad)
    with pytest.raises(ScenarioError) as info:
        load_catalog([path])
    assert info.value.field == "devices.mydev.units.npu.max_power_w"
    assert "no source" in str(info.value)


def test_missing_model_source_is_an_error(tmp_path):
    bad = _malformed(USER_DEVICE, '      macs_per_inference: "my counter"\n', "")
    path = _write(tmp_path, "nosource.yaml", bad)
    with pytest.raises(ScenarioError, match=r"models\.mymodel\.macs_per_inference: no source"):
        load_catalog([path])


def test_ops_must_be_twice_macs(tmp_path):
    bad = _malformed(USER_DEVICE, "macs_per_inference: 1e9", "macs_per_inference: 2e9")
    path = _write(tmp_path, "bad.yaml", bad)
    with pytest.raises(ScenarioError, match=r"models\.mymodel.*2 x macs_per_inference"):
        load_catalog([path])


def test_measured_point_must_name_known_model(tmp_path):
    bad = _malformed(USER_DEVICE, "- {model: mymodel", "- {model: nosuchmodel")
    bad = _malformed(bad, "efficiency_from_measured: mymodel", "efficiency_from_measured: nosuchmodel")
    path = _write(tmp_path, "bad.yaml", bad)
    with pytest.raises(ScenarioError) as info:
        load_catalog([path])
    assert info.value.field == "devices.mydev.units.npu.measured[0].model"


def test_several_problems_reported_together(tmp_path):
    bad = _malformed(USER_DEVICE, "max_power_w: 4.0", "max_power_w: -4.0")
    bad = _malformed(bad, "ref_width_px: 320", "ref_width_px: zero")
    path = _write(tmp_path, "bad.yaml", bad)
    with pytest.raises(ScenarioError) as info:
        load_catalog([path])
    text = str(info.value)
    assert "devices.mydev.units.npu.max_power_w" in text
    assert "models.mymodel.ref_width_px" in text


def test_bad_top_level_key_and_missing_file(tmp_path):
    path = _write(tmp_path, "bad.yaml", "device:\n  x: {}\n")
    with pytest.raises(ScenarioError, match="unknown top-level key"):
        load_catalog([path])
    with pytest.raises(ScenarioError, match="cannot read"):
        load_catalog([tmp_path / "missing.yaml"])


SCENARIO_USING_USER_CATALOG = """\
name: user_catalog
duration_s: 2
catalog_files: [mine.yaml]
cameras: [{name: cam, width_px: 320, height_px: 320, fps: 50}]
models: [{name: mymodel, catalog: mymodel}]
compute_units: [{name: npu, device: mydev}]
streams: [{camera: cam, model: mymodel, unit: npu}]
"""


def test_scenario_uses_a_device_from_its_own_catalog_file(tmp_path, capsys):
    from edgesim.cli import main

    _write(tmp_path, "mine.yaml", USER_DEVICE)
    scenario = _write(tmp_path, "scenario.yaml", SCENARIO_USING_USER_CATALOG)
    assert main(["run", str(scenario), "--json"]) == 0
    import json

    doc = json.loads(capsys.readouterr().out)
    stream = doc["streams"][0]
    assert stream["service_source"] == "measured" and stream["service_ms"]["estimate"] == pytest.approx(10.0)
    assert doc["units"][0]["device"] == "mydev"
    # a malformed user catalog: exit 2, the file, the entry and the field named
    _write(tmp_path, "mine.yaml", _malformed(USER_DEVICE, "max_power_w: 4.0", "max_power_w: -4.0"))
    assert main(["run", str(scenario)]) == 2
    err = capsys.readouterr().err
    assert "mine.yaml" in err and "devices.mydev.units.npu.max_power_w" in err and "Traceback" not in err
