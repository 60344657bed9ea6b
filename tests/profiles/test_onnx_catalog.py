"""``edgesim model import net.onnx --out net.yaml`` writes a catalog file; a scenario with ``catalog_files: [net.yaml]``
and ``catalog: net`` runs, and the performance model uses the imported operator-class split (issue 16).

Graphs are built with onnx.helper in tmp_path (skipped when onnx is not installed, as the other ONNX tests are).
"""
from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

import edgesim
from edgesim.calibration.predict import catalog_posterior
from edgesim.catalog import load_catalog
from edgesim.model.predicted import model_profile
from edgesim.physics.profile import OP_CLASSES
from edgesim.spec.schema import PROFILE_OP_CLASSES, ModelSpec
from tests.helpers import run_cli

onnx = pytest.importorskip("onnx")
np = pytest.importorskip("numpy")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402 (after the importorskip)

DEVICE = "hailo8"  # a calibrated catalog NPU whose dense and depthwise rates differ (tests read them, not copy them)
SIDE = 640
CHANNELS_DENSE = 64  # 3 x 3 dense conv, 64 -> 64 channels: 2 x 640^2 x 64 x 64 x 9 ops
CHANNELS_DW = 64 * 64  # 3 x 3 depthwise conv over 4096 channels: 2 x 640^2 x 4096 x 9 ops, the same count


def _save(nodes, x_shape, y_shape, weights, path: Path) -> Path:
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, y_shape)],
                              initializer=[numpy_helper.from_array(np.zeros(s, np.float32), n) for n, s in weights])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    return path


def _conv_net(kind: str, path: Path) -> Path:
    """One 3 x 3 convolution at 640 x 640: dense (64 -> 64) or depthwise (4096 channels); the same op count."""
    c = CHANNELS_DENSE if kind == "dense" else CHANNELS_DW
    w = (c, c, 3, 3) if kind == "dense" else (c, 1, 3, 3)
    node = helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1], group=1 if kind == "dense" else c)
    return _save([node], [1, c, SIDE, SIDE], [1, c, SIDE, SIDE], [("w", w)], path)


def _small_net(path: Path) -> Path:
    """3 x 3 conv (3 -> 16) + ReLU + LRN (an operator type the importer does not count) + 1 x 1 conv (16 -> 32)."""
    nodes = [helper.make_node("Conv", ["x", "w1"], ["a"], pads=[1, 1, 1, 1]), helper.make_node("Relu", ["a"], ["b"]),
             helper.make_node("LRN", ["b"], ["c"], size=3), helper.make_node("Conv", ["c", "w2"], ["y"])]
    return _save(nodes, [1, 3, 32, 32], [1, 32, 32, 32], [("w1", (16, 3, 3, 3)), ("w2", (32, 16, 1, 1))], path)


def _import(capsys, onnx_path: Path, out: Path, *extra: str) -> str:
    code, stdout, err = run_cli(capsys, "model", "import", onnx_path, "--out", out, *extra)
    assert code == 0 and err == "", err
    return stdout


def _scenario(tmp_path: Path, catalog_file: str, model: dict, device: str = DEVICE) -> Path:
    data = {"name": "onnx_net", "duration_s": 2.0, "catalog_files": [catalog_file],
            "cameras": [{"name": "cam", "width_px": SIDE, "height_px": SIDE, "fps": 5}],
            "models": [{"name": "det", **model}], "compute_units": [{"name": "npu", "device": device}],
            "streams": [{"camera": "cam", "model": "det", "unit": "npu"}]}
    path = tmp_path / f"scenario_{model.get('catalog', 'inline')}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _stream(path: Path) -> dict:
    return edgesim.simulate(edgesim.load_scenario(path)).summary["streams"][0]


def test_spec_operator_classes_are_the_physics_ones():
    assert PROFILE_OP_CLASSES == OP_CLASSES


def test_import_writes_a_catalog_file_whose_every_number_names_the_onnx_file(tmp_path, capsys):
    src = _small_net(tmp_path / "small.onnx")
    out = tmp_path / "small.yaml"
    assert "wrote" in _import(capsys, src, out)
    entry = load_catalog([out]).model("small")  # the loader refuses an unsourced number
    conv = 2 * 32 * 32 * 16 * 3 * 9  # 2 x output pixels x Cout x Cin x k^2
    pointwise = 2 * 32 * 32 * 32 * 16
    relu = 32 * 32 * 16  # one op per output element
    p = entry.profile
    assert p is not None
    assert (p.ops_by_class.conv, p.ops_by_class.pointwise, p.ops_by_class.elementwise) == (conv, pointwise, relu)
    assert entry.ops_per_inference == conv + pointwise + relu == p.ops_by_class.total_ops()
    assert entry.params == p.params == 16 * 3 * 9 + 32 * 16 and entry.weight_bytes["fp32"] == 4 * entry.params
    assert (entry.ref_width_px, entry.ref_height_px, p.n_layers, p.pixel_scaled) == (32, 32, 2, True)
    profile_keys = ("ops_by_class", "params", "activation_bytes_int8", "max_layer_activation_bytes_int8", "n_layers")
    for key in ("ops_per_inference", "ref_width_px", "ref_height_px", "params", *(f"profile.{k}" for k in profile_keys)):
        assert str(src) in entry.sources[key], key
    # what is not counted is said where the op count is sourced
    assert "LRN x1" in entry.sources["ops_per_inference"] and "LRN x1" in entry.sources["profile.ops_by_class"]


def test_the_scenario_runs_with_the_imported_class_split(tmp_path, capsys):
    times = {}
    for kind in ("dense", "dw"):
        src = _conv_net(kind, tmp_path / f"{kind}.onnx")
        _import(capsys, src, tmp_path / f"{kind}.yaml")
        stream = _stream(_scenario(tmp_path, f"{kind}.yaml", {"catalog": kind}))
        assert stream["completed"] >= 9 and stream["service_source"] == "calibrated"
        detail = stream["service_detail"]
        assert "operator-class profile" in detail and str(src) in detail and "80% interval" in detail, detail
        ms = stream["service_ms"]
        assert 0 < ms["low"] <= ms["estimate"] <= ms["high"]
        times[kind] = ms["estimate"]
    ops = {k: load_catalog([tmp_path / f"{k}.yaml"]).model(k).ops_per_inference for k in ("dense", "dw")}
    assert ops["dense"] == ops["dw"]
    rates = catalog_posterior(DEVICE, None).engine.rate_ops_per_s
    # t = fixed + ops / rate_class: the slower class is slower, by at most the ratio of the rates (fixed costs shared)
    rate_ratio = rates["conv"] / rates["depthwise"]
    assert rate_ratio > 1.5
    assert 1.0 < times["dw"] / times["dense"] <= rate_ratio * (1 + 1e-9)


def test_without_the_profile_the_two_graphs_are_one_op_count(tmp_path, capsys):
    """The difference comes from the profile: a scenario that drops it (``profile: null``) runs both alike."""
    times = []
    for kind in ("dense", "dw"):
        _import(capsys, _conv_net(kind, tmp_path / f"{kind}.onnx"), tmp_path / f"{kind}.yaml")
        stream = _stream(_scenario(tmp_path, f"{kind}.yaml", {"catalog": kind, "profile": None}))
        assert "operator-class profile" not in stream["service_detail"]
        times.append(stream["service_ms"]["estimate"])
    assert times[0] == pytest.approx(times[1], rel=1e-12)


def test_an_inline_profile_runs_as_the_catalog_one(tmp_path, capsys):
    _import(capsys, _conv_net("dw", tmp_path / "dw.onnx"), tmp_path / "dw.yaml")
    entry = load_catalog([tmp_path / "dw.yaml"]).model("dw")
    assert entry.profile is not None
    inline = {"ops_per_inference": entry.ops_per_inference, "ref_width_px": SIDE, "ref_height_px": SIDE,
              "profile": entry.profile.model_dump()}
    via_catalog = _stream(_scenario(tmp_path, "dw.yaml", {"catalog": "dw"}))
    via_inline = _stream(_scenario(tmp_path, "dw.yaml", inline))
    assert via_inline["service_ms"]["estimate"] == pytest.approx(via_catalog["service_ms"]["estimate"], rel=1e-12)


def test_a_scenario_op_count_scales_the_profile_and_keeps_its_split():
    split = {"conv": 3e9, "depthwise": 1e9}
    model = ModelSpec.model_validate({"name": "m", "ops_per_inference": 8e9, "ref_width_px": 224, "ref_height_px": 224,
                                      "profile": {"ops_by_class": split, "params": 1e6, "source": "by hand"}})
    prof = model_profile(model, 224, 224)
    assert prof.total_ops == pytest.approx(8e9)
    assert prof.ops_by_class["conv"] / prof.ops_by_class["depthwise"] == pytest.approx(3.0)
    assert prof.params == 1e6 and "ops scaled x2" in prof.source
    # at another input the model's ops scale with its pixels, the split kept
    assert math.fsum(prof.ops_at(448, 448).values()) == pytest.approx(model.ops_for(448 * 448))


@pytest.mark.parametrize("edit,field,problem", [
    (lambda p: p["ops_by_class"].__setitem__("fancy", 1e9), "models.net.profile.ops_by_class", "unknown operator class 'fancy'"),
    (lambda p: p["ops_by_class"].__setitem__("conv", -1.0), "models.net.profile.ops_by_class.conv", "greater than or equal to 0"),
    (lambda p: p.__setitem__("params", -5), "models.net.profile.params", "greater than or equal to 0"),
    (lambda p: p.__setitem__("n_layers", "many"), "models.net.profile.n_layers", "integer"),
    (lambda p: p.__setitem__("ops_by_class", {c: 0.0 for c in OP_CLASSES}), "models.net.profile.ops_by_class", "ops > 0"),
])
def test_a_bad_profile_block_is_one_line_naming_file_and_field(tmp_path, capsys, edit, field, problem):
    _import(capsys, _small_net(tmp_path / "net.onnx"), tmp_path / "net.yaml")
    doc = yaml.safe_load((tmp_path / "net.yaml").read_text(encoding="utf-8"))
    edit(doc["models"]["net"]["profile"])
    (tmp_path / "net.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    code, out, err = run_cli(capsys, "run", _scenario(tmp_path, "net.yaml", {"catalog": "net"}))
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith(f"edgesim: error: {tmp_path / 'net.yaml'}: {field}: ") and problem in lines[0], lines[0]


def test_a_bad_inline_profile_names_the_scenario_field(tmp_path, capsys):
    model = {"ops_per_inference": 1e9, "ref_width_px": SIDE, "ref_height_px": SIDE,
             "profile": {"ops_by_class": {"conv": 1e9, "convolution": 1.0}}}
    (tmp_path / "empty.yaml").write_text("models: {}\n", encoding="utf-8")
    path = _scenario(tmp_path, "empty.yaml", model)
    code, _, err = run_cli(capsys, "run", path)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    assert lines[0].startswith(f"edgesim: error: {path}: models[0].profile.ops_by_class: unknown operator class 'convolution'")


def test_import_refuses_what_a_catalog_cannot_hold(tmp_path, capsys):
    src = _small_net(tmp_path / "my net.onnx")
    code, _, err = run_cli(capsys, "model", "import", src, "--out", tmp_path / "x.yaml")
    assert code == 2 and err.count("\n") == 1 and "--name" in err and not (tmp_path / "x.yaml").exists()
    nothing = _save([helper.make_node("Transpose", ["x"], ["y"], perm=[0, 1, 3, 2])], [1, 3, 8, 8], [1, 3, 8, 8], [],
                    tmp_path / "moves.onnx")
    code, _, err = run_cli(capsys, "model", "import", nothing, "--out", tmp_path / "moves.yaml")
    assert code == 2 and err.count("\n") == 1 and "no counted operations" in err
