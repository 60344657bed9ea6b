"""Build the model profiles of edgesim/catalog/data/profiles.yaml from layer-by-layer architecture descriptions.

Every catalog model (edgesim/catalog/data/models.yaml) is described here layer by layer with
:class:`edgesim.profiles.counting.LayerList`, from the reference implementation named in its ``source``; the
totals of the 2 x MAC classes and the parameter count are checked against the catalog's published counts
(within 2%) before anything is written. One model cannot be rebuilt exactly from public code we can read
here (centerpose_regnetx_800mf's head); for it the class split comes from a stated family assumption and the
counts are scaled to the published totals (``method: family_assumption`` and the reason in ``source``).

    python experiments/build_profiles.py            # check and write edgesim/catalog/data/profiles.yaml
    python experiments/build_profiles.py --check    # check only; print the comparison table

No weights are downloaded and no framework is needed: the counts follow from the architecture alone.
"""
from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from edgesim.calibration.model_features import KNOWN_COUNTS, features_for
from edgesim.catalog import load_catalog
from edgesim.physics.profile import OP_CLASSES, ModelProfile
from edgesim.profiles.catalog_profiles import PROFILES_PATH, dump_profiles
from edgesim.profiles.counting import LayerCount, LayerList, Tensor, attention, concat, elementwise, mac_class_ops, matmul

__all__ = ["ARCH_NETWORKS", "BUILDERS", "FAMILY_TEMPLATES", "BuiltProfile", "MeasuredNetwork", "build_all", "main", "measured_networks", "models_block"]

TOLERANCE = 0.02  # published counts are matched within 2%


@dataclass(frozen=True)
class BuiltProfile:
    """A profile and how it was obtained (``layer_by_layer`` or ``family_assumption``)."""

    profile: ModelProfile
    method: str
    layers: tuple[LayerCount, ...]


# --------------------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------------------


def make_divisible(value: float, divisor: int = 8) -> int:
    """torchvision / ultralytics ``_make_divisible``: round to a multiple of ``divisor``, never below 90%."""
    new = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return new + divisor if new < 0.9 * value else new


def squeeze_excitation(net: LayerList, x: Tensor, squeeze: int, act: str, scale_act: str) -> Tensor:
    """torchvision SqueezeExcitation: global pool, 1x1 conv + act, 1x1 conv + scale act, multiply."""
    s = net.global_pool(x)
    s = net.conv(s, squeeze, 1, bias=True, norm=False, act=act)
    net.conv(s, x.channels, 1, bias=True, norm=False, act=scale_act)
    return net.mul(x)


def inverted_residual(net: LayerList, x: Tensor, out_c: int, stride: int, expanded: int, kernel: int = 3,
                      act: str = "relu6", se_squeeze: int | None = None, se_act: str = "relu",
                      se_scale: str = "sigmoid", dilation: int = 1) -> Tensor:
    """MobileNetV2 / V3 / EfficientNet block: expand 1x1, depthwise kxk, optional SE, project 1x1, residual."""
    y = x
    if expanded != x.channels:
        y = net.conv(y, expanded, 1, act=act)
    y = net.conv(y, expanded, kernel, stride=1 if dilation > 1 else stride, groups=expanded, dilation=dilation, act=act)
    if se_squeeze is not None:
        y = squeeze_excitation(net, y, se_squeeze, se_act, se_scale)
    y = net.conv(y, out_c, 1)
    if stride == 1 and x.channels == out_c:
        y = net.add(y)
    return y


# --------------------------------------------------------------------------------------------------
# Classifiers
# --------------------------------------------------------------------------------------------------


def resnet(blocks: tuple[int, ...], bottleneck: bool) -> LayerList:
    """torchvision ResNet (v1.5: stride on the 3x3 of a bottleneck), 224 x 224, 1000 classes."""
    net = LayerList()
    x = net.conv(Tensor(3, 224, 224), 64, 7, stride=2, act="relu", name="conv1")
    x = net.pool(x, 3, 2, name="maxpool")
    for stage, (n, width) in enumerate(zip(blocks, (64, 128, 256, 512))):
        for b in range(n):
            stride = 2 if stage > 0 and b == 0 else 1
            out_c = width * 4 if bottleneck else width
            if bottleneck:
                y = net.conv(x, width, 1, act="relu")
                y = net.conv(y, width, 3, stride=stride, act="relu")
                y = net.conv(y, out_c, 1)
            else:
                y = net.conv(x, width, 3, stride=stride, act="relu")
                y = net.conv(y, width, 3)
            if stride != 1 or x.channels != out_c:
                net.conv(x, out_c, 1, stride=stride, name=f"layer{stage + 1}.{b}.downsample")
            x = net.add(y, act="relu")
    x = net.global_pool(x)
    net.linear(x, 1000)
    return net


def mobilenet_v1() -> LayerList:
    """TF-slim / torchvision-style MobileNetV1 1.0, 224 x 224: 3x3 stem, 13 depthwise-separable blocks, 1000 classes."""
    net = LayerList()
    x = net.conv(Tensor(3, 224, 224), 32, 3, stride=2, act="relu6", name="stem")
    for out_c, stride in ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1), (512, 1),
                          (512, 1), (512, 1), (1024, 2), (1024, 1)):
        x = net.conv(x, x.channels, 3, stride=stride, groups=x.channels, act="relu6")
        x = net.conv(x, out_c, 1, act="relu6")
    x = net.global_pool(x)
    net.linear(x, 1000)
    return net


def regnetx_800mf() -> LayerList:
    """pycls / torchvision RegNetX-800MF classifier, 224 x 224: widths 64/128/288/672, depths 1/3/7/5, group width 16."""
    net = LayerList()
    x = net.conv(Tensor(3, 224, 224), 32, 3, stride=2, act="relu", name="stem")
    for width, depth in ((64, 1), (128, 3), (288, 7), (672, 5)):
        for b in range(depth):
            stride = 2 if b == 0 else 1
            y = net.conv(x, width, 1, act="relu")
            y = net.conv(y, width, 3, stride=stride, groups=width // 16, act="relu")
            y = net.conv(y, width, 1)
            if stride != 1 or x.channels != width:
                net.conv(x, width, 1, stride=stride, name="proj")
            x = net.add(y, act="relu")
    x = net.global_pool(x)
    net.linear(x, 1000)
    return net


def vit(dim: int, depth: int, heads: int, patch: int = 16, size_px: int = 224, classes: int = 1000) -> LayerList:
    """Vision Transformer (Dosovitskiy et al. 2021; torchvision vit_b_16): patch embedding, class token and position
    embedding, ``depth`` pre-norm blocks (LayerNorm, QKV, attention, projection, LayerNorm, MLP 4x with GELU), head.

    LayerNorm and GELU are counted at 5 and 8 ops per element (this project's convention, as the activations).
    """
    net = LayerList()
    grid = size_px // patch
    x = net.conv(Tensor(3, size_px, size_px), dim, patch, stride=patch, padding=0, bias=True, norm=False, name="patch_embed")
    tokens = grid * grid + 1
    n = tokens * dim
    net.layers.append(LayerCount("pos_embed", "elementwise", float(n), float(n + dim), float(n), False))
    for i in range(depth):
        net.layers.append(LayerCount(f"blocks.{i}.norm1", "elementwise", 5.0 * n, 2.0 * dim, float(n), False))
        net.layers.append(matmul(f"blocks.{i}.qkv", tokens, dim, 3 * dim, bias=True))
        net.layers.append(attention(f"blocks.{i}.attn", tokens, dim, heads))
        net.layers.append(matmul(f"blocks.{i}.proj", tokens, dim, dim, bias=True))
        net.layers.append(elementwise(f"blocks.{i}.add1", n))
        net.layers.append(LayerCount(f"blocks.{i}.norm2", "elementwise", 5.0 * n, 2.0 * dim, float(n), False))
        net.layers.append(matmul(f"blocks.{i}.fc1", tokens, dim, 4 * dim, bias=True))
        net.layers.append(elementwise(f"blocks.{i}.gelu", 4 * n, 8.0, writes=False))
        net.layers.append(matmul(f"blocks.{i}.fc2", tokens, 4 * dim, dim, bias=True))
        net.layers.append(elementwise(f"blocks.{i}.add2", n))
    net.layers.append(LayerCount("norm", "elementwise", 5.0 * n, 2.0 * dim, float(n), False))
    net.linear(Tensor(dim, 1, 1), classes)
    del x
    return net


VGG_CONFIGS: dict[str, tuple[int | str, ...]] = {  # torchvision vgg.py cfgs (M = 2x2 max pool)
    "A": (64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"),
    "B": (64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"),
    "D": (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"),
    "E": (64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"),
}


def vgg(config: str, batch_norm: bool) -> LayerList:
    """torchvision VGG (make_layers: 3x3 convolutions with bias, optional BatchNorm, ReLU; 2x2 max pools; 7x7 average
    pool; classifier 25088 -> 4096 -> 4096 -> 1000), 224 x 224."""
    net = LayerList()
    x = Tensor(3, 224, 224)
    for v in VGG_CONFIGS[config]:
        if v == "M":
            x = net.pool(x, 2, 2, padding=0)
        else:
            x = net.conv(x, int(v), 3, bias=True, norm=batch_norm, act="relu")
    x = net.linear(x, 4096)
    net.layers.append(elementwise("classifier.relu1", 4096, 1.0, writes=False))
    x = net.linear(x, 4096)
    net.layers.append(elementwise("classifier.relu2", 4096, 1.0, writes=False))
    net.linear(x, 1000)
    return net


def alexnet() -> LayerList:
    """torchvision AlexNet (the one-weird-trick variant: 64/192/384/256/256 channels), 224 x 224."""
    net = LayerList()
    x = net.conv(Tensor(3, 224, 224), 64, 11, stride=4, padding=2, bias=True, norm=False, act="relu")
    x = net.pool(x, 3, 2, padding=0)
    x = net.conv(x, 192, 5, padding=2, bias=True, norm=False, act="relu")
    x = net.pool(x, 3, 2, padding=0)
    for c in (384, 256, 256):
        x = net.conv(x, c, 3, bias=True, norm=False, act="relu")
    x = net.pool(x, 3, 2, padding=0)  # 6 x 6: the adaptive average pool is then the identity
    x = net.linear(x, 4096)
    net.layers.append(elementwise("classifier.relu1", 4096, 1.0, writes=False))
    x = net.linear(x, 4096)
    net.layers.append(elementwise("classifier.relu2", 4096, 1.0, writes=False))
    net.linear(x, 1000)
    return net


def squeezenet1_0() -> LayerList:
    """torchvision SqueezeNet 1.0 (Fire modules; ceil-mode max pools emulated by their padding), 224 x 224."""
    net = LayerList()

    def fire(x: Tensor, squeeze: int, expand: int) -> Tensor:
        s = net.conv(x, squeeze, 1, bias=True, norm=False, act="relu")
        a = net.conv(s, expand, 1, bias=True, norm=False, act="relu")
        b = net.conv(s, expand, 3, bias=True, norm=False, act="relu")
        return concat(a, b)

    x = net.conv(Tensor(3, 224, 224), 96, 7, stride=2, padding=0, bias=True, norm=False, act="relu")
    x = net.pool(x, 3, 2, padding=0)  # 109 -> 54 (ceil mode gives the same)
    x = fire(fire(fire(x, 16, 64), 16, 64), 32, 128)
    x = net.pool(x, 3, 2, padding=1)  # 54 -> 27 (as ceil mode)
    x = fire(fire(fire(fire(x, 32, 128), 48, 192), 48, 192), 64, 256)
    x = net.pool(x, 3, 2, padding=0)  # 27 -> 13
    x = fire(x, 64, 256)
    x = net.conv(x, 1000, 1, bias=True, norm=False, act="relu", name="classifier.1")
    net.global_pool(x)
    return net


def mobilenet_v2_features(net: LayerList, x: Tensor, dilate_from_stride: int | None = None,
                          stop_after_block: int | None = None, taps: dict[int, Tensor] | None = None) -> Tensor:
    """torchvision / TF-slim MobileNetV2 1.0 up to the last inverted residual (320 channels).

    ``dilate_from_stride``: once the output stride reaches it, later strides become dilations (DeepLab).
    ``taps``: filled with the expansion output (input of the depthwise) of each block, by block number 1..17.
    """
    setting = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
    x = net.conv(x, 32, 3, stride=2, act="relu6", name="stem")
    out_stride, dilation, block = 2, 1, 0
    for t, c, n, s in setting:
        for i in range(n):
            block += 1
            stride = s if i == 0 else 1
            this_dilation = dilation
            if stride == 2 and dilate_from_stride is not None and out_stride >= dilate_from_stride:
                dilation *= 2
                stride = 1
            elif stride == 2:
                out_stride *= 2
            expanded = make_divisible(x.channels * t)
            if taps is not None:
                taps[block] = Tensor(expanded, x.height_px, x.width_px)
            x = inverted_residual(net, x, c, stride, expanded, act="relu6", dilation=max(this_dilation, 1))
            if stop_after_block == block:
                return x
    return x


def mobilenet_v2() -> LayerList:
    """torchvision MobileNetV2 1.0, 224 x 224."""
    net = LayerList()
    x = mobilenet_v2_features(net, Tensor(3, 224, 224))
    x = net.conv(x, 1280, 1, act="relu6", name="last_conv")
    net.linear(net.global_pool(x), 1000)
    return net


EFFICIENTNET_STAGES = [(1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2), (6, 3, 2, 80, 3), (6, 5, 1, 112, 3),
                       (6, 5, 2, 192, 4), (6, 3, 1, 320, 1)]  # expand ratio, kernel, stride, out channels, layers


def efficientnet(se: bool, act: str) -> LayerList:
    """EfficientNet-B0 (torchvision: SE, SiLU) or -Lite0 (TF tpu repo: no SE, ReLU6), 224 x 224."""
    net = LayerList()
    x = net.conv(Tensor(3, 224, 224), 32, 3, stride=2, act=act, name="stem")
    for expand, kernel, stride, out_c, layers in EFFICIENTNET_STAGES:
        for i in range(layers):
            squeeze = max(1, x.channels // 4) if se else None
            x = inverted_residual(net, x, out_c, stride if i == 0 else 1, make_divisible(x.channels * expand), kernel,
                                  act=act, se_squeeze=squeeze, se_act=act, se_scale="sigmoid")
    x = net.conv(x, 1280, 1, act=act, name="head")
    net.linear(net.global_pool(x), 1000)
    return net


# --------------------------------------------------------------------------------------------------
# Detectors and pose networks
# --------------------------------------------------------------------------------------------------


def ssdlite_mobilenet_v2() -> LayerList:
    """MobileNetV2-SSD with depthwise-separable extra layers and box predictors (SSDLite), 300 x 300, 91 classes.

    Feature maps: expansion output of block 14 (576 ch, 19 x 19), the 1280-channel last conv (10 x 10), then
    four extra layers of 512, 256, 256, 128 channels (5, 3, 2, 1 px); 3 anchors on the first map, 6 on the
    others (TF object detection API ssd_anchor_generator, reduce_boxes_in_lowest_layer).
    """
    net = LayerList()
    taps: dict[int, Tensor] = {}
    x = mobilenet_v2_features(net, Tensor(3, 300, 300), taps=taps)
    x = net.conv(x, 1280, 1, act="relu6", name="layer_19")
    maps = [taps[14], x]
    for depth in (512, 256, 256, 128):
        y = net.conv(x, depth // 2, 1, act="relu6")
        y = net.conv(y, depth // 2, 3, stride=2, groups=depth // 2, act="relu6")
        x = net.conv(y, depth, 1, act="relu6")
        maps.append(x)
    for i, fmap in enumerate(maps):
        anchors = 3 if i == 0 else 6
        for outputs in (anchors * 4, anchors * 91):
            y = net.conv(fmap, fmap.channels, 3, groups=fmap.channels, act="relu6")
            net.conv(y, outputs, 1, bias=True, norm=False, name=f"predictor{i}.{outputs}")
    return net


def _yolo_conv(net: LayerList, x: Tensor, c: int, k: int = 1, s: int = 1, p: int | None = None) -> Tensor:
    """ultralytics Conv: conv (no bias) + BatchNorm + SiLU."""
    return net.conv(x, c, k, stride=s, padding=p, act="silu")


def _sppf(net: LayerList, x: Tensor, c2: int) -> Tensor:
    c_ = x.channels // 2
    y = _yolo_conv(net, x, c_)
    pooled = [y]
    for _ in range(3):
        pooled.append(net.pool(pooled[-1], 5, 1, padding=2))
    return _yolo_conv(net, concat(*pooled), c2)


def _c3(net: LayerList, x: Tensor, c2: int, n: int, shortcut: bool = True) -> Tensor:
    """YOLOv5 C3: two 1x1 branches, n bottlenecks (1x1, 3x3) on one, 1x1 over the concatenation."""
    c_ = c2 // 2
    a = _yolo_conv(net, x, c_)
    b = _yolo_conv(net, x, c_)
    for _ in range(n):
        y = _yolo_conv(net, _yolo_conv(net, a, c_), c_, 3)
        a = net.add(y) if shortcut else y
    return _yolo_conv(net, concat(a, b), c2)


def _c2f(net: LayerList, x: Tensor, c2: int, n: int, shortcut: bool) -> Tensor:
    """YOLOv8 C2f: 1x1 to 2c, split, n bottlenecks (3x3, 3x3), 1x1 over all (2 + n) c."""
    c = c2 // 2
    y = _yolo_conv(net, x, 2 * c)
    parts = [Tensor(c, y.height_px, y.width_px), Tensor(c, y.height_px, y.width_px)]
    for _ in range(n):
        z = _yolo_conv(net, _yolo_conv(net, parts[-1], c, 3), c, 3)
        parts.append(net.add(z) if shortcut else z)
    return _yolo_conv(net, concat(*parts), c2)


def yolov5s() -> LayerList:
    """ultralytics/yolov5 v6+ models/yolov5s.yaml (depth 0.33, width 0.50), 640 x 640, 80 classes, 3 anchors."""
    net = LayerList()
    w = lambda c: make_divisible(c * 0.5)  # noqa: E731
    x = _yolo_conv(net, Tensor(3, 640, 640), w(64), 6, 2, 2)
    x = _yolo_conv(net, x, w(128), 3, 2)
    x = _c3(net, x, w(128), 1)
    p3 = _c3(net, _yolo_conv(net, x, w(256), 3, 2), w(256), 2)
    p4 = _c3(net, _yolo_conv(net, p3, w(512), 3, 2), w(512), 3)
    x = _c3(net, _yolo_conv(net, p4, w(1024), 3, 2), w(1024), 1)
    x = _sppf(net, x, w(1024))
    h10 = _yolo_conv(net, x, w(512))
    x = _c3(net, concat(net.upsample(h10, p4.height_px, p4.width_px), p4), w(512), 1, shortcut=False)
    h14 = _yolo_conv(net, x, w(256))
    out3 = _c3(net, concat(net.upsample(h14, p3.height_px, p3.width_px), p3), w(256), 1, shortcut=False)
    out4 = _c3(net, concat(_yolo_conv(net, out3, w(256), 3, 2), h14), w(512), 1, shortcut=False)
    out5 = _c3(net, concat(_yolo_conv(net, out4, w(512), 3, 2), h10), w(1024), 1, shortcut=False)
    for level in (out3, out4, out5):
        net.conv(level, 3 * 85, 1, bias=True, norm=False, name="detect")
    return net


def yolov8(width: float, depth: float, pose: bool) -> LayerList:
    """ultralytics YOLOv8 (cfg/models/v8/yolov8.yaml, yolov8-pose.yaml), 640 x 640; Detect 80 classes or Pose 1 x 17 kpts."""
    net = LayerList()
    w = lambda c: make_divisible(min(c, 1024) * width)  # noqa: E731
    d = lambda n: max(round(n * depth), 1)  # noqa: E731
    x = _yolo_conv(net, Tensor(3, 640, 640), w(64), 3, 2)
    x = _c2f(net, _yolo_conv(net, x, w(128), 3, 2), w(128), d(3), True)
    p3 = _c2f(net, _yolo_conv(net, x, w(256), 3, 2), w(256), d(6), True)
    p4 = _c2f(net, _yolo_conv(net, p3, w(512), 3, 2), w(512), d(6), True)
    x = _c2f(net, _yolo_conv(net, p4, w(1024), 3, 2), w(1024), d(3), True)
    p5 = _sppf(net, x, w(1024))
    h12 = _c2f(net, concat(net.upsample(p5, p4.height_px, p4.width_px), p4), w(512), d(3), False)
    out3 = _c2f(net, concat(net.upsample(h12, p3.height_px, p3.width_px), p3), w(256), d(3), False)
    out4 = _c2f(net, concat(_yolo_conv(net, out3, w(256), 3, 2), h12), w(512), d(3), False)
    out5 = _c2f(net, concat(_yolo_conv(net, out4, w(512), 3, 2), p5), w(1024), d(3), False)
    levels = (out3, out4, out5)
    nc, reg_max = (1, 16) if pose else (80, 16)
    c2 = max(16, levels[0].channels // 4, reg_max * 4)
    c3 = max(levels[0].channels, min(nc, 100))
    c4 = max(levels[0].channels // 4, 51)
    for level in levels:
        heads = [(c2, 4 * reg_max), (c3, nc)] + ([(c4, 51)] if pose else [])
        for hidden, outputs in heads:
            y = _yolo_conv(net, _yolo_conv(net, level, hidden, 3), hidden, 3)
            net.conv(y, outputs, 1, bias=True, norm=False, name="head")
    anchors = sum(lv.height_px * lv.width_px for lv in levels)
    net.conv(Tensor(reg_max, 4, anchors), 1, 1, norm=False, name="dfl")
    return net


# --------------------------------------------------------------------------------------------------
# Segmentation
# --------------------------------------------------------------------------------------------------

MOBILENET_V3_LARGE = [  # in, kernel, expanded, out, SE, activation, stride, dilation (torchvision, dilated=True)
    (16, 3, 16, 16, False, "relu", 1, 1), (16, 3, 64, 24, False, "relu", 2, 1), (24, 3, 72, 24, False, "relu", 1, 1),
    (24, 5, 72, 40, True, "relu", 2, 1), (40, 5, 120, 40, True, "relu", 1, 1), (40, 5, 120, 40, True, "relu", 1, 1),
    (40, 3, 240, 80, False, "hardswish", 2, 1), (80, 3, 200, 80, False, "hardswish", 1, 1),
    (80, 3, 184, 80, False, "hardswish", 1, 1), (80, 3, 184, 80, False, "hardswish", 1, 1),
    (80, 3, 480, 112, True, "hardswish", 1, 1), (112, 3, 672, 112, True, "hardswish", 1, 1),
    (112, 5, 672, 160, True, "hardswish", 2, 2), (160, 5, 960, 160, True, "hardswish", 1, 2),
    (160, 5, 960, 160, True, "hardswish", 1, 2),
]


def deeplabv3_mobilenet_v3_large() -> LayerList:
    """torchvision deeplabv3_mobilenet_v3_large (dilated backbone, ASPP 12/24/36, aux FCN head), 520 x 520, 21 classes."""
    net = LayerList()
    x = net.conv(Tensor(3, 520, 520), 16, 3, stride=2, act="hardswish", name="stem")
    aux_in = x
    for i, (_, k, exp, out_c, se, act, stride, dil) in enumerate(MOBILENET_V3_LARGE, start=1):
        squeeze = make_divisible(exp // 4) if se else None
        x = inverted_residual(net, x, out_c, stride, exp, k, act=act, se_squeeze=squeeze, se_act="relu",
                              se_scale="hardsigmoid", dilation=dil)
        if i == 4:
            aux_in = x  # features[4]: 40 channels at stride 8
    x = net.conv(x, 960, 1, act="hardswish", name="features.16")
    branches = [net.conv(x, 256, 1, act="relu", name="aspp.0")]
    for rate in (12, 24, 36):
        branches.append(net.conv(x, 256, 3, dilation=rate, act="relu", name=f"aspp.{rate}"))
    pooled = net.conv(net.global_pool(x), 256, 1, act="relu", name="aspp.pool")
    branches.append(net.upsample(pooled, x.height_px, x.width_px))
    y = net.conv(concat(*branches), 256, 1, act="relu", name="aspp.project")
    y = net.conv(y, 256, 3, act="relu", name="head.1")
    y = net.conv(y, 21, 1, bias=True, norm=False, name="head.4")
    net.upsample(y, 520, 520)
    a = net.conv(aux_in, 10, 3, act="relu", name="aux.0")
    a = net.conv(a, 21, 1, bias=True, norm=False, name="aux.4")
    net.upsample(a, 520, 520)
    return net


def mobilenet_v3_large() -> LayerList:
    """torchvision mobilenet_v3_large classifier (not dilated), 224 x 224: the MOBILENET_V3_LARGE blocks with the last
    stage at stride 2, a 960-channel 1x1 convolution, global pool, 1280 hidden (hardswish), 1000 classes."""
    net = LayerList()
    x = net.conv(Tensor(3, 224, 224), 16, 3, stride=2, act="hardswish", name="stem")
    for i, (_, k, exp, out_c, se, act, stride, dil) in enumerate(MOBILENET_V3_LARGE, start=1):
        if dil > 1:  # the table is the dilated (DeepLab) backbone: the classifier keeps the stride instead
            stride, dil = (2 if i == 13 else 1), 1
        squeeze = make_divisible(exp // 4) if se else None
        x = inverted_residual(net, x, out_c, stride, exp, k, act=act, se_squeeze=squeeze, se_act="relu",
                              se_scale="hardsigmoid", dilation=dil)
    x = net.conv(x, 960, 1, act="hardswish", name="features.16")
    x = net.linear(net.global_pool(x), 1280)
    net.layers.append(elementwise("classifier.hardswish", 1280, 1.0, writes=False))
    net.linear(x, 1000)
    return net


def deeplabv3_mobilenet_v2() -> LayerList:
    """TF DeepLab with MobileNetV2 (output stride 8, dilated), image pooling + 1x1 ASPP branch, 513 x 513, 21 classes."""
    net = LayerList()
    x = mobilenet_v2_features(net, Tensor(3, 513, 513), dilate_from_stride=8)
    pooled = net.conv(net.global_pool(x), 256, 1, act="relu", name="image_pooling")
    branches = [net.upsample(pooled, x.height_px, x.width_px), net.conv(x, 256, 1, act="relu", name="aspp0")]
    y = net.conv(concat(*branches), 256, 1, act="relu", name="concat_projection")
    y = net.conv(y, 21, 1, bias=True, norm=False, name="logits")
    net.upsample(y, 513, 513)
    return net


def regnetx_800mf_centernet() -> LayerList:
    """RegNetX-800MF backbone (pycls: widths 64/128/288/672, depths 1/3/7/5, group width 16) at 512 x 512, plus a
    CenterNet-style upsampling head (Zhou et al. 2019 'Objects as Points', ResNet variant: three 4x4 deconvolutions
    of 256, 128, 64 channels to stride 4, each after a 3x3 convolution; heads of 3x3 conv 256 + 1x1 for heatmap (1),
    offset (2), size (2), keypoint offsets (34), keypoint heatmaps (17), keypoint offset (2))."""
    net = LayerList()
    x = net.conv(Tensor(3, 512, 512), 32, 3, stride=2, act="relu", name="stem")
    for width, depth in ((64, 1), (128, 3), (288, 7), (672, 5)):
        for b in range(depth):
            stride = 2 if b == 0 else 1
            y = net.conv(x, width, 1, act="relu")
            y = net.conv(y, width, 3, stride=stride, groups=width // 16, act="relu")
            y = net.conv(y, width, 1)
            if stride != 1 or x.channels != width:
                net.conv(x, width, 1, stride=stride, name="proj")
            x = net.add(y, act="relu")
    for channels in (256, 128, 64):
        x = net.conv(x, channels, 3, act="relu")
        x = net.conv_transpose(x, channels, 4, 2, act="relu")
    for outputs in (1, 2, 2, 34, 17, 2):
        y = net.conv(x, 256, 3, bias=True, norm=False, act="relu")
        net.conv(y, outputs, 1, bias=True, norm=False)
    return net


# --------------------------------------------------------------------------------------------------
# Registry, checks, output
# --------------------------------------------------------------------------------------------------

TORCHVISION = "pytorch/vision torchvision/models"
BUILDERS: dict[str, tuple[Callable[[], LayerList], int, int, str, str]] = {
    # name: (builder, ref width, ref height, source, method)
    "resnet50": (lambda: resnet((3, 4, 6, 3), True), 224, 224, f"{TORCHVISION}/resnet.py resnet50 (Bottleneck v1.5)", "layer_by_layer"),
    "resnet18": (lambda: resnet((2, 2, 2, 2), False), 224, 224, f"{TORCHVISION}/resnet.py resnet18 (BasicBlock)", "layer_by_layer"),
    "resnet34": (lambda: resnet((3, 4, 6, 3), False), 224, 224, f"{TORCHVISION}/resnet.py resnet34 (BasicBlock)", "layer_by_layer"),
    "resnet101": (lambda: resnet((3, 4, 23, 3), True), 224, 224, f"{TORCHVISION}/resnet.py resnet101 (Bottleneck v1.5)", "layer_by_layer"),
    "resnet152": (lambda: resnet((3, 8, 36, 3), True), 224, 224, f"{TORCHVISION}/resnet.py resnet152 (Bottleneck v1.5)", "layer_by_layer"),
    "alexnet": (alexnet, 224, 224, f"{TORCHVISION}/alexnet.py alexnet", "layer_by_layer"),
    "squeezenet1_0": (squeezenet1_0, 224, 224, f"{TORCHVISION}/squeezenet.py squeezenet1_0 (Fire modules)", "layer_by_layer"),
    "mobilenet_v3_large": (mobilenet_v3_large, 224, 224, f"{TORCHVISION}/mobilenetv3.py mobilenet_v3_large", "layer_by_layer"),
    **{f"vgg{n}{bn}": ((lambda c=c, b=bool(bn): vgg(c, b)), 224, 224,
                       f"{TORCHVISION}/vgg.py vgg{n}{bn} (configuration {c}{', BatchNorm' if bn else ''})", "layer_by_layer")
       for n, c in (("11", "A"), ("13", "B"), ("16", "D"), ("19", "E")) for bn in ("", "_bn")},
    "mobilenet_v1": (mobilenet_v1, 224, 224, "tensorflow/models research/slim nets/mobilenet_v1.py (depth multiplier 1.0)", "layer_by_layer"),
    "regnetx_800mf": (regnetx_800mf, 224, 224, f"{TORCHVISION}/regnet.py regnet_x_800mf (pycls RegNetX-800MF)", "layer_by_layer"),
    "vit_base_patch16_224": (lambda: vit(768, 12, 12), 224, 224, f"{TORCHVISION}/vision_transformer.py vit_b_16 (ViT-B/16)",
                             "layer_by_layer"),
    "mobilenet_v2": (mobilenet_v2, 224, 224, f"{TORCHVISION}/mobilenetv2.py (width 1.0)", "layer_by_layer"),
    "efficientnet_b0": (lambda: efficientnet(True, "silu"), 224, 224, f"{TORCHVISION}/efficientnet.py efficientnet_b0 (MBConv + SE, SiLU)",
                        "layer_by_layer"),
    "efficientnet_lite0": (lambda: efficientnet(False, "relu6"), 224, 224,
                           "tensorflow/tpu models/official/efficientnet/lite (EfficientNet-B0 stages without SE, ReLU6, "
                           "stem 32 / head 1280)",
                           "layer_by_layer"),
    "ssd_mobilenet_v2": (ssdlite_mobilenet_v2, 300, 300,
                         "TF object detection API MobileNetV2-SSD with depthwise-separable extra layers and box predictors "
                         "(SSDLite, Sandler et al. 2018 sec. 6.2); the Hailo zoo's 4.46 M params / 1.52 G OPS match this structure "
                         "and not the dense-predictor variant (6.1 M params)", "layer_by_layer"),
    "yolov5s": (yolov5s, 640, 640, "ultralytics/yolov5 v6+ models/yolov5s.yaml, models/common.py (C3, SPPF), Detect 3 anchors x 85",
                "layer_by_layer"),
    "yolov8n": (lambda: yolov8(0.25, 0.33, False), 640, 640, "ultralytics cfg/models/v8/yolov8.yaml scale n, nn/modules C2f/SPPF/Detect",
                "layer_by_layer"),
    "yolov8s": (lambda: yolov8(0.50, 0.33, False), 640, 640, "ultralytics cfg/models/v8/yolov8.yaml scale s, nn/modules C2f/SPPF/Detect",
                "layer_by_layer"),
    "yolov8n_pose": (lambda: yolov8(0.25, 0.33, True), 640, 640, "ultralytics cfg/models/v8/yolov8-pose.yaml scale n, Pose head 17x3",
                     "layer_by_layer"),
    "yolov8s_pose": (lambda: yolov8(0.50, 0.33, True), 640, 640, "ultralytics cfg/models/v8/yolov8-pose.yaml scale s, Pose head 17x3",
                     "layer_by_layer"),
    "deeplabv3_mobilenet_v3_large": (deeplabv3_mobilenet_v3_large, 520, 520,
                                     f"{TORCHVISION}/segmentation/deeplabv3.py deeplabv3_mobilenet_v3_large (aux head included, as in the "
                                     "weights' num_params)", "layer_by_layer"),
    "deeplabv3_mobilenet_v2": (deeplabv3_mobilenet_v2, 513, 513,
                               "tensorflow/models research/deeplab (model_variant mobilenet_v2, as the Hailo zoo's "
                               "deeplab_v3_mobilenet_v2): MobileNetV2 1.0 to the 320-channel block, output stride 8 (dilated), image "
                               "pooling + 1x1 ASPP branch, concat projection, 21 classes", "layer_by_layer"),
    "centerpose_regnetx_800mf": (regnetx_800mf_centernet, 512, 512,
                                 "family assumption: RegNetX-800MF backbone counted layer by layer (pycls) plus a CenterNet-style "
                                 "upsampling and keypoint head (Zhou et al. 2019); the Hailo build (tensorboy/centerpose) head is not "
                                 "public in a form counted here, so the class split is this structure's, every count scaled to the "
                                 "Hailo zoo totals (86.12 G OPS, 12.31 M params)", "family_assumption"),
}


def _scaled(profile: ModelProfile, ops_target: float, params_target: float) -> ModelProfile:
    """Scale a profile's ops (all classes) and activations by the ops ratio, params by the params ratio."""
    r_ops = ops_target / mac_class_ops(profile.ops_by_class)
    r_par = params_target / profile.params
    return replace(profile, ops_by_class={c: v * r_ops for c, v in profile.ops_by_class.items()}, params=profile.params * r_par,
                   activation_bytes_int8=profile.activation_bytes_int8 * r_ops,
                   max_layer_activation_bytes_int8=profile.max_layer_activation_bytes_int8 * r_ops)


# --------------------------------------------------------------------------------------------------
# Breadth: every network with at least two points in the shipped measurements file (issue 16)
# --------------------------------------------------------------------------------------------------

MEASUREMENTS = ROOT / "edgesim" / "catalog" / "data" / "measurements.csv"
MODELS_PATH = ROOT / "edgesim" / "catalog" / "data" / "models.yaml"
MIN_POINTS = 2
BLOCK_BEGIN = "# >>> GENERATED by experiments/build_profiles.py --models: do not edit between these lines <<<"
BLOCK_END = "# >>> end of the generated networks <<<"
FAMILY_TEMPLATES: dict[str, str] = {"dense": "resnet50", "depthwise": "mobilenet_v2", "grouped": "regnetx_800mf",
                                    "attention": "vit_base_patch16_224"}
"""The architecture counted layer by layer that stands for each operator-mix family (the families of
:func:`edgesim.calibration.model_features.family_of`, the heuristic the calibration itself uses)."""

_TV_META = "pytorch/vision torchvision/models/{file} {cls}.IMAGENET1K_V1 meta '_ops': {gmacs} (GMACs), num_params {params}"
ARCH_NETWORKS: dict[str, tuple[str, float, int, str]] = {
    # spelling in the measurements file -> (catalog name, published GMACs, published params, where they are published)
    **{f"{n} (torchvision)": (n, g, p, _TV_META.format(file="vgg.py", cls=c, gmacs=g, params=p)) for n, g, p, c in (
        ("vgg11", 7.609, 132863336, "VGG11_Weights"), ("vgg11_bn", 7.609, 132868840, "VGG11_BN_Weights"),
        ("vgg13", 11.308, 133047848, "VGG13_Weights"), ("vgg13_bn", 11.308, 133053736, "VGG13_BN_Weights"),
        ("vgg16", 15.47, 138357544, "VGG16_Weights"), ("vgg16_bn", 15.47, 138365992, "VGG16_BN_Weights"),
        ("vgg19", 19.632, 143667240, "VGG19_Weights"), ("vgg19_bn", 19.632, 143678248, "VGG19_BN_Weights"))},
    "alexnet (torchvision)": ("alexnet", 0.714, 61100840, _TV_META.format(file="alexnet.py", cls="AlexNet_Weights", gmacs=0.714,
                                                                          params=61100840)),
    "squeezenet1_0 (torchvision)": ("squeezenet1_0", 0.819, 1248424, _TV_META.format(
        file="squeezenet.py", cls="SqueezeNet1_0_Weights", gmacs=0.819, params=1248424)),
    "resnet101 (torchvision)": ("resnet101", 7.801, 44549160, _TV_META.format(file="resnet.py", cls="ResNet101_Weights", gmacs=7.801,
                                                                              params=44549160)),
    "resnet152 (torchvision)": ("resnet152", 11.514, 60192808, _TV_META.format(file="resnet.py", cls="ResNet152_Weights",
                                                                               gmacs=11.514, params=60192808)),
    **{f"MobileNet-v3-large 1.0 224 ({kind})": ("mobilenet_v3_large", 0.217, 5483032, _TV_META.format(
        file="mobilenetv3.py", cls="MobileNet_V3_Large_Weights", gmacs=0.217, params=5483032)
        + "; Coral's is the TensorFlow build of the same architecture") for kind in ("float", "uint8")},
}
"""Networks of the measurements file whose op count the file does not state but whose architecture is counted here
layer by layer (checked within 2% of the published count). The fit does not know these spellings yet
(``edgesim.calibration.model_features.NAME_ALIASES``)."""

_HZ_CONVENTION = ("Hailo model zoo 'OPS (G)' counts 2 x MACs (measurements.md 'Model op counts': Hailo OPS and "
                  "Ultralytics FLOPs agree, both 2 ops per MAC)")


@dataclass(frozen=True)
class MeasuredNetwork:
    """A network of the measurements file with a published op count: its identity, count and family."""

    name: str
    ops: float
    params: float
    width_px: int
    height_px: int
    family: str
    pixel_scaled: bool
    source: str
    points: int
    spellings: tuple[str, ...]


def measured_networks(path: Path = MEASUREMENTS, min_points: int = MIN_POINTS) -> tuple[dict[str, MeasuredNetwork], dict[str, int]]:
    """Networks with at least ``min_points`` rows in ``path``, by their shared identity.

    A network's count is the published one under its identity (:data:`KNOWN_COUNTS`: measurements.md's table and
    the catalog) where there is one, else the Hailo zoo's own ``Params(M)`` / ``OPS(G)`` / input in the row's notes
    (:func:`edgesim.calibration.model_features.features_for`). Returns the networks with a count, and the point
    counts of those without one (LLMs, diffusion, MLPerf BERT/RNN-T/3D-UNet, OpenCV-zoo and torchvision networks
    whose op count no source in the file states).
    """
    points: Counter[str] = Counter()
    first: dict[str, ModelProfile] = {}
    spellings: dict[str, set[str]] = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            feat = features_for(row["model"], row["notes"])
            points[feat.canonical] += 1
            spellings.setdefault(feat.canonical, set()).add(row["model"])
            if feat.profile is not None and feat.canonical not in first:
                first[feat.canonical] = feat.profile
    nets: dict[str, MeasuredNetwork] = {}
    uncounted: dict[str, int] = {}
    for name, n in points.items():
        if n < min_points:
            continue
        prof = first.get(name)
        if prof is None:
            uncounted[name] = n
            continue
        known = KNOWN_COUNTS.get(name)
        if known is not None:
            ops, params, w, h, source = known.ops, known.params, known.width_px, known.height_px, known.source
        else:
            ops, params, w, h = prof.total_ops, prof.params, prof.ref_width_px, prof.ref_height_px
            source = prof.source.split("; operator split")[0]
        nets[name] = MeasuredNetwork(name, float(ops), float(params), int(w), int(h), prof.extra["family"], prof.pixel_scaled,
                                     source, n, tuple(sorted(spellings[name])))
    for spelling, (cat_name, gmacs, params, source) in ARCH_NETWORKS.items():
        n = uncounted.pop(spelling, 0)
        if n == 0:
            continue
        if cat_name in nets:
            old = nets[cat_name]
            nets[cat_name] = replace(old, points=old.points + n, spellings=tuple(sorted({*old.spellings, spelling})))
        else:
            nets[cat_name] = MeasuredNetwork(cat_name, 2e9 * gmacs, float(params), 224, 224, "dense", True,
                                             source + "; ops = 2 x MACs", n, (spelling,))
    return dict(sorted(nets.items())), dict(sorted(uncounted.items()))


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', "'") + '"'


def models_block(nets: dict[str, MeasuredNetwork], skip: set[str]) -> str:
    """The generated models.yaml entries (YAML text) for the networks not in ``skip`` (the hand-written entries)."""
    out = [BLOCK_BEGIN,
           f"# Every network with >= {MIN_POINTS} points in data/measurements.csv that has a published op count and no",
           "# hand-written entry above. ops / params / input as the source states them; macs = ops / 2; weight_bytes =",
           "# params x 4 / 2 / 1. The profile (profiles.yaml) is counted layer by layer where build_profiles.py has the",
           "# architecture, else its family's template scaled to these totals (method: family_assumption).", ""]
    for name, net in nets.items():
        if name in skip:
            continue
        params = int(round(net.params))
        shown = ", ".join(net.spellings[:3]) + (f" (+{len(net.spellings) - 3} more)" if len(net.spellings) > 3 else "")
        convention = _HZ_CONVENTION if net.source.startswith("Hailo zoo") else "the source's count, 2 ops per MAC (see its source)"
        dims = f"{net.width_px} x {net.height_px}" + ("" if net.pixel_scaled else " (not an image input: cost not scaled by pixels)")
        out += [f"{name}:",
                f"  description: {_q(f'{name}: measured network, {net.points} points in measurements.csv ({shown}); {net.family} family')}",
                f"  ops_per_inference: {net.ops:.6g}",
                f"  macs_per_inference: {net.ops / 2:.6g}",
                f"  ref_width_px: {net.width_px}",
                f"  ref_height_px: {net.height_px}"]
        if params > 0:
            out += [f"  params: {params}",
                    f"  weight_bytes: {{fp32: {4 * params}, fp16: {2 * params}, int8: {params}}}"]
        out += [f"  counting_convention: {_q(convention)}",
                "  sources:",
                f"    ops_per_inference: {_q(net.source)}",
                "    macs_per_inference: \"derived: ops_per_inference / 2\""]
        if params > 0:
            out += [f"    params: {_q(net.source)}",
                    "    weight_bytes: \"derived: params x 4 / 2 / 1 bytes (fp32 / fp16 / int8)\""]
        out += [f"    ref_width_px: {_q(net.source + '; input ' + dims)}",
                f"    ref_height_px: {_q(net.source + '; input ' + dims)}", ""]
    out.append(BLOCK_END)
    return "\n".join(out) + "\n"


def write_models_block(path: Path = MODELS_PATH) -> tuple[int, dict[str, int]]:
    """Replace (or append) the generated block of ``path``; returns the networks written and the uncounted ones."""
    text = path.read_text(encoding="utf-8")
    if BLOCK_BEGIN in text:
        text = text[:text.index(BLOCK_BEGIN)].rstrip("\n") + "\n"
    hand = {line.split(":")[0] for line in text.splitlines() if line and not line[0].isspace() and not line.startswith("#")}
    nets, uncounted = measured_networks()
    block = models_block(nets, hand)
    path.write_text(text + "\n" + block, encoding="utf-8")
    return sum(1 for n in nets if n not in hand), uncounted


def _family_built(name: str, model: object, net: MeasuredNetwork) -> tuple[ModelProfile, ModelProfile, tuple[LayerCount, ...]]:
    """The family template counted layer by layer, then every count scaled to the catalog totals of ``name``."""
    template = FAMILY_TEMPLATES[net.family]
    builder, width, height, tsource, _ = BUILDERS[template]
    layers_net = builder()
    raw = layers_net.profile(name, width, height, tsource)
    ops, params = float(model.ops_per_inference), float(model.params or 0.0)  # type: ignore[attr-defined]
    scaled = _scaled(raw, ops, params if params > 0 else raw.params)
    source = (f"family assumption: '{net.family}' operator-mix family (edgesim.calibration.model_features.family_of) -> "
              f"template {template} ({tsource}) counted layer by layer, every count scaled to the published totals "
              f"({net.source}); the per-layer rows are the template's and are not shipped")
    scaled = replace(scaled, ref_width_px=int(model.ref_width_px), ref_height_px=int(model.ref_height_px),  # type: ignore[attr-defined]
                     pixel_scaled=net.pixel_scaled, source=source)
    return raw, scaled, tuple(layers_net.layers)


def build_all() -> tuple[dict[str, BuiltProfile], list[list[str]]]:
    """Build every catalog model's profile; returns the profiles and a comparison table (built vs published)."""
    models = load_catalog().models
    nets = measured_networks()[0]
    missing = sorted(set(models) - set(BUILDERS) - set(nets))
    if missing:
        raise SystemExit(f"no architecture and no measured count for catalog models: {', '.join(missing)}")
    built: dict[str, BuiltProfile] = {}
    rows = []
    for name, model in models.items():
        if name not in BUILDERS:
            raw, profile, _ = _family_built(name, model, nets[name])
            rows.append([name, "family_assumption", f"{mac_class_ops(raw.ops_by_class) / 1e9:.3f}",
                         f"{model.ops_per_inference / 1e9:.3f}", "scaled", f"{raw.params / 1e6:.3f}",
                         f"{(model.params or 0) / 1e6:.3f}", "scaled"])
            extra = {"method": "family_assumption", "template": FAMILY_TEMPLATES[nets[name].family],
                     "built_mac_ops": f"{mac_class_ops(raw.ops_by_class):.6g}", "built_params": f"{raw.params:.6g}",
                     "generated_by": "experiments/build_profiles.py"}
            built[name] = BuiltProfile(replace(profile, extra=extra), "family_assumption", ())
            continue
        builder, width, height, source, method = BUILDERS[name]
        net = builder()
        raw = net.profile(name, width, height, source)
        layers = tuple(net.layers)
        published_ops = float(model.ops_per_inference)
        published_params = float(model.params)
        ops_err = mac_class_ops(raw.ops_by_class) / published_ops - 1
        par_err = raw.params / published_params - 1
        rows.append([name, method, f"{mac_class_ops(raw.ops_by_class) / 1e9:.3f}", f"{published_ops / 1e9:.3f}", f"{100 * ops_err:+.2f}",
                     f"{raw.params / 1e6:.3f}", f"{published_params / 1e6:.3f}", f"{100 * par_err:+.2f}"])
        if method == "layer_by_layer":
            if abs(ops_err) > TOLERANCE or abs(par_err) > TOLERANCE:
                raise SystemExit(f"{name}: built {ops_err:+.2%} ops, {par_err:+.2%} params vs the catalog (> 2%)")
            profile = raw
        else:
            profile = _scaled(raw, published_ops, published_params)
            r_ops, r_par = published_ops / mac_class_ops(raw.ops_by_class), published_params / raw.params
            layers = tuple(replace(row, ops=row.ops * r_ops, params=row.params * r_par, output_elements=row.output_elements * r_ops)
                           for row in layers)
        extra = {"method": method, "built_mac_ops": f"{mac_class_ops(raw.ops_by_class):.6g}", "built_params": f"{raw.params:.6g}",
                 "generated_by": "experiments/build_profiles.py"}
        built[name] = BuiltProfile(replace(profile, extra=extra), method, layers)
    return built, rows


def _table(rows: list[list[str]]) -> str:
    header = ["model", "method", "built G ops", "published", "err %", "built M params", "published", "err %"]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in [header, *rows])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the catalog only; write nothing")
    parser.add_argument("--out", type=Path, default=PROFILES_PATH, help="output YAML (default: the package's profiles.yaml)")
    parser.add_argument("--models", action="store_true",
                        help="first regenerate the generated block of models.yaml: every network with >= 2 points in "
                             "data/measurements.csv and a published op count")
    args = parser.parse_args(argv)
    if args.models and not args.check:
        n, uncounted = write_models_block()
        print(f"wrote {n} generated networks into {MODELS_PATH}; {len(uncounted)} networks with >= {MIN_POINTS} points "
              f"have no op count in the file and no architecture here:")
        for name, points in uncounted.items():
            print(f"  {points:4d} points  {name}")
    built, rows = build_all()
    print(_table(rows))
    for name, b in built.items():
        p = b.profile
        split = ", ".join(f"{c} {100 * p.ops_by_class[c] / p.total_ops:.1f}%" for c in OP_CLASSES if p.ops_by_class[c])
        print(f"{name}: {split}; activations {p.activation_bytes_int8 / 2**20:.2f} MiB (int8), "
              f"largest {p.max_layer_activation_bytes_int8 / 2**20:.2f} MiB, {p.n_layers} compute layers")
    if not args.check:
        dump_profiles({name: b.profile for name, b in built.items()}, args.out,
                      {name: b.layers for name, b in built.items() if b.layers})
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
