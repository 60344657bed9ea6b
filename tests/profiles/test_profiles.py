"""Model profiles: per-layer counts by hand, ONNX graphs built with onnx.helper, the shipped catalog profiles
against the published op and parameter counts, scaling with input size, and the ``model import`` command."""
from __future__ import annotations

import argparse
import importlib.util
import math
import sys
from pathlib import Path

import pytest

from edgesim.catalog import load_catalog
from edgesim.physics.profile import OP_CLASSES
from edgesim.profiles import LayerList, Tensor, counting, load_profiles, mac_class_ops, profile_for
from edgesim.profiles.catalog_profiles import ProfileError, profile_from_mapping

EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"


# --------------------------------------------------------------------------------------------------
# Counting formulas (no onnx needed)
# --------------------------------------------------------------------------------------------------


def test_conv_counts_by_hand():
    # 3x3 conv 3 -> 4 channels on an 8x8 output: 4 x 64 x 3 x 9 = 6912 MACs
    layer = counting.conv("c", 3, 4, (3, 3), 64, bias=True)
    assert (layer.op_class, layer.ops, layer.params, layer.output_elements) == ("conv", 13824.0, 4 * 27 + 4, 256.0)
    dw = counting.conv("d", 4, 4, (3, 3), 16, groups=4)
    assert (dw.op_class, dw.ops, dw.params) == ("depthwise", 2.0 * 16 * 4 * 9, 36.0)
    pw = counting.conv("p", 4, 8, (1, 1), 64, norm=True)
    assert (pw.op_class, pw.ops, pw.params) == ("pointwise", 2.0 * 64 * 8 * 4, 32.0 + 16.0)
    assert counting.conv("g", 8, 8, (3, 3), 1, groups=2).op_class == "depthwise"  # grouped counts with depthwise
    with pytest.raises(ValueError, match="divisible"):
        counting.conv("bad", 6, 4, (3, 3), 1, groups=4)


def test_matmul_and_attention_by_hand():
    fc = counting.matmul("fc", 1, 2048, 1000, bias=True)
    assert (fc.ops, fc.params) == (2 * 2048 * 1000, 2048 * 1000 + 1000)
    # 196 tokens, width 768, 12 heads: Q K^T and A V are 196 x 196 x 768 MACs each; softmax 12 x 196^2
    att = counting.attention("a", 196, 768, 12)
    assert att.ops == 4 * 196 * 196 * 768 + 12 * 196 * 196
    assert att.params == 0 and att.op_class == "attention"


def test_conv_output_size_matches_pytorch():
    assert counting.conv_output_size(224, 7, 2) == 112
    assert counting.conv_output_size(640, 6, 2, padding=2) == 320
    assert counting.conv_output_size(65, 5, 2) == 33
    assert counting.conv_output_size(33, 3, 1, dilation=12) == 33


def test_layer_list_resnet18_matches_torchvision_exactly():
    build = _build_profiles()
    p = build.resnet((2, 2, 2, 2), False).profile("resnet18", 224, 224, "test")
    assert p.params == 11689512  # torchvision ResNet18_Weights.IMAGENET1K_V1 num_params, exactly
    assert mac_class_ops(p.ops_by_class) == pytest.approx(2 * 1.814e9, rel=5e-4)


# --------------------------------------------------------------------------------------------------
# Shipped profiles vs the published counts
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalog_models():
    return load_catalog().models


def test_every_catalog_model_has_a_profile_with_a_source(catalog_models):
    profiles = load_profiles()
    assert set(catalog_models) <= set(profiles)
    for name in catalog_models:
        p = profile_for(name)
        assert p.source and p.extra["method"] in ("layer_by_layer", "family_assumption"), name
        assert set(p.ops_by_class) == set(OP_CLASSES)
        assert p.n_layers > 0 and p.activation_bytes_int8 > p.max_layer_activation_bytes_int8 > 0, name
        model = catalog_models[name]
        assert (p.ref_width_px, p.ref_height_px) == (model.ref_width_px, model.ref_height_px), name


def test_shipped_profiles_within_2_percent_of_published_counts(catalog_models):
    layer_by_layer = 0
    for name, model in catalog_models.items():
        p = profile_for(name)
        assert mac_class_ops(p.ops_by_class) == pytest.approx(model.ops_per_inference, rel=0.02), name
        assert p.params == pytest.approx(model.params, rel=0.02), name
        if p.extra["method"] == "layer_by_layer":  # the counts as built, not rescaled
            layer_by_layer += 1
            assert float(p.extra["built_mac_ops"]) == pytest.approx(mac_class_ops(p.ops_by_class), rel=1e-5), name
            assert float(p.extra["built_params"]) == pytest.approx(p.params, rel=1e-5), name
    assert layer_by_layer >= 13


def test_shipped_profiles_are_what_the_script_builds():
    built, _ = _build_profiles().build_all()
    shipped = load_profiles()
    for name, b in built.items():
        for cls in OP_CLASSES:
            assert shipped[name].ops_by_class[cls] == pytest.approx(b.profile.ops_by_class[cls], rel=1e-6, abs=1.0), (name, cls)
        assert shipped[name].activation_bytes_int8 == pytest.approx(b.profile.activation_bytes_int8, rel=1e-6)


def test_per_layer_rows_sum_to_the_profile(catalog_models):
    from edgesim.profiles import layers_for

    # every profile counted layer by layer ships its rows; a family-template profile does not
    counted = [name for name in catalog_models if profile_for(name).extra["method"] == "layer_by_layer"]
    assert len(counted) >= 13
    for name in counted:
        p, rows = profile_for(name), layers_for(name)
        for cls in OP_CLASSES:
            assert sum(r.ops for r in rows if r.op_class == cls) == pytest.approx(p.ops_by_class[cls], rel=1e-5, abs=1.0), (name, cls)
        assert sum(r.params for r in rows) == pytest.approx(p.params, rel=1e-5), name
        assert sum(r.output_elements for r in rows) == pytest.approx(p.activation_bytes_int8, rel=1e-5), name
        assert max(r.output_elements for r in rows) == pytest.approx(p.max_layer_activation_bytes_int8, rel=1e-5), name
        assert sum(r.is_compute for r in rows) == p.n_layers, name
    # ResNet-50's first layer: 7x7 conv 3 -> 64 at 112 x 112 (+ BN scale and shift), written at int8
    first = layers_for("resnet50")[0]
    assert (first.op_class, first.params, first.output_elements) == ("conv", 64 * 3 * 49 + 128, 64 * 112 * 112)
    assert first.ops == pytest.approx(2 * 64 * 112 * 112 * 3 * 49, rel=1e-5)


def test_class_splits_reflect_the_architectures():
    mnv2 = profile_for("mobilenet_v2").ops_by_class
    assert mnv2["depthwise"] > 0 and mnv2["pointwise"] > 0.8 * mac_class_ops(mnv2)
    r18 = profile_for("resnet18").ops_by_class
    assert r18["depthwise"] == 0 and r18["conv"] > 0.95 * mac_class_ops(r18)
    assert profile_for("deeplabv3_mobilenet_v3_large").ops_by_class["conv"] > 0.7 * profile_for("deeplabv3_mobilenet_v3_large").total_ops


def test_profile_scales_with_input_size():
    p = profile_for("yolov8n")
    ops_2x = p.ops_at(1280, 1280)
    for cls in OP_CLASSES:
        assert ops_2x[cls] == pytest.approx(4 * p.ops_by_class[cls])
    assert p.weight_bytes(2) == 2 * p.params


def test_layer_list_scaling_is_exact_for_a_fully_convolutional_net():
    def net(size: int):
        n = LayerList()
        x = n.conv(Tensor(3, size, size), 16, 3, stride=2, act="relu")
        x = n.conv(x, 16, 3, groups=16, act="relu")
        n.conv(x, 32, 1)
        return n.profile("f", size, size, "test")

    small, large = net(64), net(128)
    for cls in OP_CLASSES:
        assert large.ops_by_class[cls] == pytest.approx(small.ops_at(128, 128)[cls])
    assert large.activation_bytes_int8 == 4 * small.activation_bytes_int8


def test_bad_profile_entries_name_the_field():
    good = {"ref_width_px": 4, "ref_height_px": 4, "ops_by_class": {"conv": 1.0}, "params": 1.0}
    assert profile_from_mapping("m", good).ops_by_class["conv"] == 1.0
    with pytest.raises(ProfileError, match=r"m\.ops_by_class\.convolution: unknown operator class"):
        profile_from_mapping("m", {**good, "ops_by_class": {"convolution": 1.0}})
    with pytest.raises(ProfileError, match=r"m\.params: expected a finite number"):
        profile_from_mapping("m", {**good, "params": -1})
    with pytest.raises(ProfileError, match=r"m\.layers\[0\]: expected"):
        from edgesim.profiles.catalog_profiles import _layers_from_rows

        _layers_from_rows("m", [["c", "convolution", 1, 0, 0, 1]], "f.yaml")
    with pytest.raises(ProfileError, match="no model profile"):
        profile_for("no_such_model")


# --------------------------------------------------------------------------------------------------
# ONNX graphs built with onnx.helper
# --------------------------------------------------------------------------------------------------


def _onnx():
    return pytest.importorskip("onnx")


def _model(nodes, inputs, outputs, initializers):
    _onnx()
    from onnx import helper

    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=initializers)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _tensor(name, shape):
    from onnx import TensorProto, helper

    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def _weight(name, shape):
    import numpy as np
    from onnx import numpy_helper

    return numpy_helper.from_array(np.zeros(shape, dtype=np.float32), name)


def test_onnx_conv_depthwise_pointwise_by_hand():
    _onnx()
    from onnx import helper

    from edgesim.profiles import profile_from_onnx

    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]),                 # 3 -> 4, 3x3, 8x8 out
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("Conv", ["r1", "w2"], ["c2"], pads=[1, 1, 1, 1], strides=[2, 2], group=4),  # depthwise, 4x4 out
        helper.make_node("Conv", ["c2", "w3"], ["y"]),                                          # pointwise 4 -> 8
    ]
    model = _model(nodes, [_tensor("x", [1, 3, 8, 8])], [_tensor("y", [1, 8, 4, 4])],
                   [_weight("w1", [4, 3, 3, 3]), _weight("b1", [4]), _weight("w2", [4, 1, 3, 3]), _weight("w3", [8, 4, 1, 1])])
    p = profile_from_onnx(model, name="tiny")
    assert p.ops_by_class["conv"] == 2 * 4 * 64 * 3 * 9
    assert p.ops_by_class["depthwise"] == 2 * 4 * 16 * 9
    assert p.ops_by_class["pointwise"] == 2 * 8 * 16 * 4
    assert p.ops_by_class["elementwise"] == 4 * 64  # the ReLU, one op per element
    assert p.params == 4 * 27 + 4 + 36 + 32
    assert (p.ref_width_px, p.ref_height_px, p.n_layers, p.pixel_scaled) == (8, 8, 3, True)
    # written: ReLU output (conv1 + ReLU fused: 256), depthwise output (64), graph output (128)
    assert p.activation_bytes_int8 == 256 + 64 + 128
    assert p.max_layer_activation_bytes_int8 == 256

    # the same network as a layer list counts the same
    net = LayerList()
    x = net.conv(Tensor(3, 8, 8), 4, 3, bias=True, norm=False, act="relu")
    x = net.conv(x, 4, 3, stride=2, groups=4, norm=False)
    net.conv(x, 8, 1, norm=False)
    q = net.profile("tiny", 8, 8, "test")
    assert dict(q.ops_by_class) == dict(p.ops_by_class)
    assert (q.params, q.activation_bytes_int8, q.n_layers) == (p.params, p.activation_bytes_int8, p.n_layers)


def test_onnx_counts_scale_with_input_size():
    _onnx()
    from onnx import helper

    from edgesim.profiles import profile_from_onnx

    def tiny(size):
        nodes = [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
                 helper.make_node("MaxPool", ["c"], ["y"], kernel_shape=[2, 2], strides=[2, 2])]
        return profile_from_onnx(_model(nodes, [_tensor("x", [1, 3, size, size])], [_tensor("y", None)],
                                        [_weight("w", [4, 3, 3, 3])]))

    small, large = tiny(8), tiny(32)
    for cls in OP_CLASSES:
        assert large.ops_by_class[cls] == pytest.approx(small.ops_at(32, 32)[cls])
    assert small.ops_by_class["pool_resize"] == 4 * 16 * 4  # 64 outputs x 4 window elements


def test_onnx_gemm_and_pooling_by_hand():
    _onnx()
    from onnx import helper

    from edgesim.profiles import profile_from_onnx

    nodes = [
        helper.make_node("MaxPool", ["x"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),   # 4x4x4 = 64 outputs x 4
        helper.make_node("Resize", ["p", "", "scales"], ["u"], mode="nearest"),            # back to 4x8x8 = 256
        helper.make_node("GlobalAveragePool", ["u"], ["g"]),                              # 256 inputs
        helper.make_node("Flatten", ["g"], ["f"]),
        helper.make_node("Gemm", ["f", "wf", "bf"], ["y"], transB=1),                      # 4 -> 10
    ]
    import numpy as np
    from onnx import numpy_helper

    scales = numpy_helper.from_array(np.array([1, 1, 2, 2], dtype=np.float32), "scales")
    model = _model(nodes, [_tensor("x", ["N", 4, 8, 8])], [_tensor("y", ["N", 10])], [_weight("wf", [10, 4]), _weight("bf", [10]), scales])
    p = profile_from_onnx(model)
    assert p.ops_by_class["pool_resize"] == 64 * 4 + 256 + 256
    assert p.ops_by_class["matmul"] == 2 * 4 * 10
    assert p.params == 40 + 10  # the Resize scales are a shape operand, not parameters
    assert p.extra["batch"] == "1"  # symbolic batch taken as 1


def test_onnx_attention_block_by_hand():
    _onnx()
    from onnx import helper

    from edgesim.profiles import profile_from_onnx

    tokens, dim = 6, 8
    nodes = [
        helper.make_node("MatMul", ["x", "wq"], ["q"]),
        helper.make_node("MatMul", ["x", "wk"], ["k"]),
        helper.make_node("MatMul", ["x", "wv"], ["v"]),
        helper.make_node("Transpose", ["k"], ["kt"], perm=[0, 2, 1]),
        helper.make_node("MatMul", ["q", "kt"], ["s"]),            # Q K^T: attention
        helper.make_node("Mul", ["s", "scale"], ["ss"]),           # 1/sqrt(d): elementwise
        helper.make_node("Softmax", ["ss"], ["a"], axis=-1),       # fed by attention: attention
        helper.make_node("MatMul", ["a", "v"], ["o"]),             # A V: attention
        helper.make_node("MatMul", ["o", "wo"], ["y"]),
    ]
    import numpy as np
    from onnx import numpy_helper

    inits = [_weight(n, [dim, dim]) for n in ("wq", "wk", "wv", "wo")]
    inits.append(numpy_helper.from_array(np.array(1 / math.sqrt(dim), dtype=np.float32), "scale"))
    model = _model(nodes, [_tensor("x", [1, tokens, dim])], [_tensor("y", [1, tokens, dim])], inits)
    p = profile_from_onnx(model)
    assert p.ops_by_class["matmul"] == 4 * 2 * tokens * dim * dim
    assert p.ops_by_class["attention"] == counting.attention("a", tokens, dim, 1).ops == 4 * tokens * tokens * dim + tokens**2
    assert p.ops_by_class["elementwise"] == tokens * tokens
    assert p.pixel_scaled is False and p.n_layers == 6
    # a softmax over a classifier's logits is elementwise, not attention
    cls = _model([helper.make_node("MatMul", ["x", "wq"], ["l"]), helper.make_node("Softmax", ["l"], ["y"])],
                 [_tensor("x", [1, dim])], [_tensor("y", [1, dim])], [_weight("wq", [dim, dim])])
    q = profile_from_onnx(cls)
    assert (q.ops_by_class["attention"], q.ops_by_class["elementwise"]) == (0, dim)


def test_onnx_silu_is_fused_and_residual_add_written():
    _onnx()
    from onnx import helper

    from edgesim.profiles import profile_from_onnx

    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("Sigmoid", ["c"], ["s"]),
        helper.make_node("Mul", ["c", "s"], ["a"]),      # SiLU: fused into the conv, written once
        helper.make_node("Add", ["a", "x"], ["y"]),      # residual: a new layer, written
    ]
    model = _model(nodes, [_tensor("x", [1, 4, 8, 8])], [_tensor("y", [1, 4, 8, 8])], [_weight("w", [4, 4, 3, 3])])
    p = profile_from_onnx(model)
    assert p.activation_bytes_int8 == 2 * 256
    assert p.ops_by_class["elementwise"] == 3 * 256


def _onnx_zoo_file(name: str) -> Path:
    """A real architecture from the onnx package's backend test data (weights replaced by ConstantOfShape)."""
    onnx = _onnx()
    path = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light" / f"light_{name}.onnx"
    if not path.is_file():
        pytest.skip(f"{path} is not shipped with this onnx build")
    return path


def test_onnx_real_resnet50_matches_the_layer_list_and_published_counts():
    from edgesim.profiles import profile_from_onnx

    p = profile_from_onnx(_onnx_zoo_file("resnet50"))
    built = _build_profiles().resnet((3, 4, 6, 3), True).profile("resnet50", 224, 224, "test")
    for cls in ("conv", "pointwise", "matmul"):
        assert p.ops_by_class[cls] == pytest.approx(built.ops_by_class[cls], rel=1e-6), cls
    assert mac_class_ops(p.ops_by_class) == pytest.approx(8.178e9, rel=1e-3)  # torchvision 4.089 GMACs
    assert p.activation_bytes_int8 == pytest.approx(built.activation_bytes_int8, rel=2e-3)
    assert p.max_layer_activation_bytes_int8 == built.max_layer_activation_bytes_int8
    assert p.n_layers == built.n_layers == 54
    assert p.params == pytest.approx(25.557e6, rel=0.01)


@pytest.mark.parametrize(("name", "params", "gmacs"), [("vgg19", 143667240, 19.63), ("bvlc_alexnet", 60965224, None)])
def test_onnx_real_classic_networks_match_published_counts(name, params, gmacs):
    from edgesim.profiles import profile_from_onnx

    p = profile_from_onnx(_onnx_zoo_file(name))
    assert p.params == params  # Caffe model zoo parameter counts
    if gmacs is not None:  # VGG-19: 19.6 G multiply-adds (Simonyan & Zisserman 2015, as commonly tabulated)
        assert mac_class_ops(p.ops_by_class) / 2e9 == pytest.approx(gmacs, rel=0.01)
    if name == "bvlc_alexnet":  # the two-tower grouped convolutions count as grouped (depthwise class)
        assert p.ops_by_class["depthwise"] > p.ops_by_class["conv"] > 0
        assert "LRN" in p.extra["uncounted_ops"]


def test_onnx_import_command(tmp_path, capsys):
    onnx = _onnx()
    from onnx import helper

    from edgesim.cli.model import main, register

    model = _model([helper.make_node("Conv", ["x", "w"], ["y"])], [_tensor("x", [1, 3, 16, 16])], [_tensor("y", [1, 8, 16, 16])],
                   [_weight("w", [8, 3, 1, 1])])
    path = tmp_path / "pw.onnx"
    onnx.save(model, str(path))
    parser = argparse.ArgumentParser(prog="edgesim")
    register(parser.add_subparsers(dest="command"))
    out = tmp_path / "pw.yaml"
    args = parser.parse_args(["model", "import", str(path), "--name", "pw", "--out", str(out)])
    assert args.func(args) == 0
    assert "pointwise" in capsys.readouterr().out
    loaded = load_catalog([out]).model("pw")  # --out writes a catalog file (tests/profiles/test_onnx_catalog.py)
    assert loaded.profile is not None
    assert loaded.profile.ops_by_class.pointwise == 2 * 256 * 8 * 3 == loaded.ops_per_inference and loaded.params == 24

    garbage = tmp_path / "junk.onnx"
    garbage.write_bytes(b"\x00\x01not a protobuf at all\xff" * 10)
    for bad, problem in ((tmp_path / "missing.onnx", "no such file"), (garbage, "not an ONNX model")):
        capsys.readouterr()
        assert main(argparse.Namespace(file=str(bad), name=None, out=None)) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith(f"edgesim: error: {bad}: ") and problem in err[0]


# --------------------------------------------------------------------------------------------------


def _build_profiles():
    if "edgesim_build_profiles" not in sys.modules:
        spec = importlib.util.spec_from_file_location("edgesim_build_profiles", EXPERIMENTS / "build_profiles.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["edgesim_build_profiles"] = module
        spec.loader.exec_module(module)
    return sys.modules["edgesim_build_profiles"]
