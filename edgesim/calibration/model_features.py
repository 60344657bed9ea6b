"""Cost features (a :class:`~edgesim.physics.profile.ModelProfile`) for every measured model we can describe.

Three sources, in order, each stated in the profile's ``source``:

1. **Hailo zoo rows**: each Hailo row's ``notes`` carries ``Params(M)``, ``OPS(G)`` and the input (HxWxC),
   counted by Hailo (2 ops per MAC; see measurements.md "Model op counts").
2. **Published counts** (:data:`KNOWN_COUNTS`): the model-op-count table of measurements.md, the catalog's
   models (``edgesim/catalog/data/models.yaml``), and Hailo zoo counts for the same architecture, for the
   names other sources use (:data:`NAME_ALIASES`: "ResNet-50 v1.5 (MLPerf)" -> ``resnet50``).
3. **Nothing**: models whose op count no source read gives (LLMs, Stable Diffusion, BERT, DenseNet...) are
   recognized (:data:`NOT_MODELLED`) but not modelled; the fit skips them and says so.

The split of the ops over operator classes is a **family heuristic** (:data:`FAMILY_SPLITS`), chosen from the
model name (depthwise-heavy MobileNet/EfficientNet/RegNet..., attention-heavy ViT/DeiT/Swin/CLIP, dense
convolutions ResNet/YOLO/VGG); it is not counted from a graph. Where the other helper's counted profiles exist
(``edgesim model import``), pass those to the predictor instead.

Every profile carries a ``canonical`` model identity (``extra["canonical"]``): the same network under different
names (Hailo ``resnet_v1_50``, MLPerf "ResNet-50 v1.5", torchvision ``resnet50``) shares it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from edgesim.physics.profile import OP_CLASSES, ModelProfile, OpClass

__all__ = [
    "FAMILY_SPLITS",
    "HAILO_CANONICAL",
    "KNOWN_COUNTS",
    "NAME_ALIASES",
    "NOT_MODELLED",
    "KnownCount",
    "ModelFeatures",
    "canonical_name",
    "family_of",
    "features_for",
    "profile_from_counts",
]

# Fractions of a model's ops in each operator class, by family. A heuristic (not counted from a graph):
# dense CNNs (ResNet/YOLO/VGG) split between k x k and 1 x 1 convolutions; depthwise-separable networks
# (MobileNet/EfficientNet) put most ops in 1 x 1 convolutions and a few percent in depthwise ones, which
# run far below peak; grouped networks (RegNet, ResNeXt) sit between; transformers are matmul and attention.
FAMILY_SPLITS: dict[str, dict[OpClass, float]] = {
    "dense": {"conv": 0.55, "pointwise": 0.40, "elementwise": 0.04, "pool_resize": 0.01},
    "depthwise": {"conv": 0.04, "depthwise": 0.07, "pointwise": 0.83, "matmul": 0.01, "elementwise": 0.04, "pool_resize": 0.01},
    "grouped": {"conv": 0.10, "depthwise": 0.35, "pointwise": 0.50, "elementwise": 0.04, "pool_resize": 0.01},
    "attention": {"conv": 0.03, "matmul": 0.72, "attention": 0.17, "elementwise": 0.08},
}

_FAMILY_RULES: tuple[tuple[str, str], ...] = (
    ("attention", r"vit|deit|swin|clip|siglip|levit|davit|efficientformer|fastvit|whisper|bert|transformer|detr|segformer|"
                  r"depth_anything|dinov2|sam|resmlp|lite-transformer"),
    ("grouped", r"regnet|resnext|repghost|osnet"),
    ("depthwise", r"mobilenet|efficientnet|efficientdet|mnasnet|shufflenet|mobilefacenet|lightface|landmark|hardnet\d+ds|"
                  r"scrfd_500m|fast_depth|ppocr|paddle_ocr|pphumanseg|yunet|mppose|mppersondet|nanodet(?!_repvgg)|"
                  r"retinaface_mobile|tddfa|stdc|ppseg|mobile"),
)


def family_of(name: str) -> str:
    """The operator-mix family of a model from its name (``dense`` when no rule matches)."""
    low = name.lower()
    for family, pattern in _FAMILY_RULES:
        if re.search(pattern, low):
            return family
    return "dense"


@dataclass(frozen=True)
class KnownCount:
    """A published op count: ops per inference (2 per MAC) and parameters at a reference input."""

    ops: float
    params: float
    width_px: int
    height_px: int
    source: str


_HZ = "Hailo zoo v2.18 notes (Params(M), OPS(G)) in measurements.csv"
_CAT = "edgesim catalog models.yaml"
_UL = "ultralytics docs/en/models/yolo11.md (measurements.md 'Model op counts')"
KNOWN_COUNTS: dict[str, KnownCount] = {
    "resnet50": KnownCount(8.178e9, 25.557032e6, 224, 224, f"{_CAT} (torchvision 4.089 GMAC)"),
    "resnet18": KnownCount(3.628e9, 11.689512e6, 224, 224, f"{_CAT} (torchvision 1.81 GMAC)"),
    "resnet34": KnownCount(7.34e9, 21.79e6, 224, 224, f"{_HZ}: resnet_v1_34"),
    "mobilenet_v2": KnownCount(0.602e9, 3.504872e6, 224, 224, f"{_CAT} (torchvision 0.301 GMAC)"),
    "mobilenet_v1": KnownCount(1.14e9, 4.22e6, 224, 224, f"{_HZ}: mobilenet_v1"),
    "efficientnet_lite0": KnownCount(0.78e9, 4.63e6, 224, 224, f"{_HZ}: efficientnet_lite0"),
    "efficientnet_lite4": KnownCount(5.10e9, 12.95e6, 300, 300, f"{_HZ}: efficientnet_lite4"),
    "efficientnet_b0": KnownCount(0.772e9, 5.288548e6, 224, 224, f"{_CAT} (torchvision 0.39 GMAC)"),
    "inception_v1": KnownCount(3.0e9, 6.62e6, 224, 224, f"{_HZ}: inception_v1"),
    "squeezenet1_1": KnownCount(0.78e9, 1.24e6, 224, 224, f"{_HZ}: squeezenet_v1.1"),
    "ssd_mobilenet_v1": KnownCount(2.5e9, 6.79e6, 300, 300, f"{_HZ}: ssd_mobilenet_v1"),
    "ssd_mobilenet_v2": KnownCount(1.52e9, 4.46e6, 300, 300, f"{_HZ}: ssd_mobilenet_v2"),
    "yolov5s": KnownCount(17.44e9, 7.46e6, 640, 640, f"{_HZ}: yolov5s"),
    "yolov8n": KnownCount(8.74e9, 3.2e6, 640, 640, f"{_HZ}: yolov8n"),
    "yolov8s": KnownCount(28.6e9, 11.2e6, 640, 640, f"{_HZ}: yolov8s"),
    "yolov8m": KnownCount(78.93e9, 25.9e6, 640, 640, f"{_HZ}: yolov8m"),
    "yolov8n_pose": KnownCount(9.2e9, 3.3e6, 640, 640, f"{_CAT} (ultralytics 9.2 GFLOPs)"),
    "yolov8n_seg": KnownCount(12.04e9, 3.4e6, 640, 640, f"{_HZ}: yolov8n_seg"),
    "yolo11n": KnownCount(6.5e9, 2.6e6, 640, 640, _UL),
    "yolo11s": KnownCount(21.5e9, 9.4e6, 640, 640, _UL),
    "yolo11m": KnownCount(68.0e9, 20.1e6, 640, 640, _UL),
    "yolo11l": KnownCount(86.9e9, 25.3e6, 640, 640, _UL),
    "yolo11x": KnownCount(194.9e9, 56.9e6, 640, 640, _UL),
    "yolo26n": KnownCount(5.5e9, 2.4e6, 640, 640, f"{_HZ}: yolo26n"),
    "yolo26s": KnownCount(20.9e9, 9.5e6, 640, 640, f"{_HZ}: yolo26s"),
    "yolo26m": KnownCount(68.4e9, 20.4e6, 640, 640, f"{_HZ}: yolo26m"),
    "yolox_s": KnownCount(26.74e9, 8.96e6, 640, 640, f"{_HZ}: yolox_s_leaky"),
    "yolov7_tiny": KnownCount(13.74e9, 6.22e6, 640, 640, f"{_HZ}: yolov7_tiny"),
    "yolov6n": KnownCount(11.12e9, 4.32e6, 640, 640, f"{_HZ}: yolov6n"),
    "yolov10n": KnownCount(6.8e9, 2.3e6, 640, 640, f"{_HZ}: yolov10n"),
    "vit_base_patch16_224": KnownCount(35.188e9, 86.5e6, 224, 224, f"{_HZ}: vit_base"),
    "clip_vit_b32_image": KnownCount(8.8e9, 87.8e6, 224, 224, f"{_HZ}: clip_vit_b_32_image_encoder"),
    "clip_vit_b16_image": KnownCount(35.1e9, 86.0e6, 224, 224, f"{_HZ}: clip_vit_b_16_image_encoder"),
    "deeplabv3_mobilenet_v2": KnownCount(17.65e9, 2.10e6, 513, 513, f"{_HZ}: deeplab_v3_mobilenet_v2"),
    "yolov8s_pose": KnownCount(30.2e9, 11.6e6, 640, 640, f"{_HZ}: yolov8s_pose"),
    "centerpose_regnetx_800mf": KnownCount(86.12e9, 12.31e6, 512, 512, f"{_HZ}: centerpose_regnetx_800mf"),
    "deeplabv3_mobilenet_v3_large": KnownCount(20.904e9, 11.029328e6, 520, 520, f"{_CAT} (torchvision 10.452 GMAC)"),
}

HAILO_CANONICAL: dict[str, str] = {
    "resnet_v1_50": "resnet50", "resnet_v1_18": "resnet18", "resnet_v1_34": "resnet34", "mobilenet_v2_1.0": "mobilenet_v2",
    "squeezenet_v1.1": "squeezenet1_1", "deeplab_v3_mobilenet_v2": "deeplabv3_mobilenet_v2", "yolox_s_leaky": "yolox_s",
    "vit_base": "vit_base_patch16_224", "clip_vit_b_32_image_encoder": "clip_vit_b32_image",
    "clip_vit_b_16_image_encoder": "clip_vit_b16_image",
    "yolov11n": "yolo11n", "yolov11s": "yolo11s", "yolov11m": "yolo11m", "yolov11l": "yolo11l", "yolov11x": "yolo11x",
    "YOLO26n (COCO detect)": "yolo26n", "YOLO26s (COCO detect)": "yolo26s", "YOLO26m (COCO detect)": "yolo26m",
}
"""Hailo zoo names whose network other sources also measure, mapped onto the shared identity."""

NAME_ALIASES: dict[str, str] = {
    "ResNet-50 v1.5 (MLPerf)": "resnet50", "resnet50 (torchvision)": "resnet50",
    "ResNet50 [ResNet50] (AI Hub id resnet50; checkpoint Imagenet)": "resnet50",
    "resnet_v1_50 (TF-slim / TF object detection API)": "resnet50", "resnet_v2_50 (TF-slim / TF object detection API)": "resnet50",
    "ResNet-50 V1 (ImageNet-trained per page)": "resnet50", "ResNet-50 V2 (ImageNet-trained per page)": "resnet50",
    "resnet50-v2-7 (rknn_model_zoo demo resnet)": "resnet50",
    "PPResNet image_classification_ppresnet50_2022jan.onnx": "resnet50",
    "PPResNet image_classification_ppresnet50_2022jan_int8.onnx": "resnet50",
    "resnet18 (torchvision)": "resnet18", "ResNet18 [ResNet18] (AI Hub id resnet18; checkpoint Imagenet)": "resnet18",
    "resnet34 (torchvision)": "resnet34",
    "mobilenet_v2 (torchvision)": "mobilenet_v2", "MobileNet v2": "mobilenet_v2", "MobileNet v2 (ImageNet-trained per page)": "mobilenet_v2",
    "MobileNet-v2 1.0 224 (non-quantized)": "mobilenet_v2", "MobileNet-v2 1.0 224 (quantized)": "mobilenet_v2",
    "MobileNet-v2 [MobileNet-v2] (AI Hub id mobilenet_v2; checkpoint Imagenet)": "mobilenet_v2",
    "mobilenetv2-12 (rknn_model_zoo demo mobilenet)": "mobilenet_v2",
    "MobileNet image_classification_mobilenetv2_2022apr.onnx": "mobilenet_v2",
    "MobileNet image_classification_mobilenetv2_2022apr_int8.onnx": "mobilenet_v2",
    "MobileNet v1": "mobilenet_v1", "MobileNet v1 (ImageNet-trained per page)": "mobilenet_v1",
    "MobileNet-v1 1.0 224 (non-quantized)": "mobilenet_v1", "MobileNet-v1 1.0 224 (quantized)": "mobilenet_v1",
    "mobilenet_v1_1p0_224 (TF-slim / TF object detection API)": "mobilenet_v1",
    "MobileNet image_classification_mobilenetv1_2022apr.onnx": "mobilenet_v1",
    "EfficientNet-Lite0 (non-quantized)": "efficientnet_lite0", "EfficientNet-Lite0 (quantized)": "efficientnet_lite0",
    "EfficientNet-Lite4 (non-quantized)": "efficientnet_lite4", "EfficientNet-Lite4 (quantized)": "efficientnet_lite4",
    "EfficientNet-B0 [EfficientNet-B0] (AI Hub id efficientnet_b0; checkpoint Imagenet)": "efficientnet_b0",
    "Inception v1": "inception_v1", "Inception v1 (ImageNet-trained per page)": "inception_v1",
    "inception_v1 (TF-slim / TF object detection API)": "inception_v1",
    "squeezenet1_1 (torchvision)": "squeezenet1_1",
    "SSD-MobileNet-v1 (MLPerf, COCO)": "ssd_mobilenet_v1", "MobileNet v1 SSD (ImageNet-trained per page)": "ssd_mobilenet_v1",
    "ssd_mobilenet_v1_coco (TF-slim / TF object detection API)": "ssd_mobilenet_v1",
    "SSD-MobileNet-v1 EdgeTPU-compiled (COCO)": "ssd_mobilenet_v1",
    "MobileNet v2 SSD (ImageNet-trained per page)": "ssd_mobilenet_v2", "SSD MobileNet v2 (COCO)": "ssd_mobilenet_v2",
    "SSD-MobileNet-v2 EdgeTPU-compiled (COCO)": "ssd_mobilenet_v2",
    "yolov5s (rknn_model_zoo demo yolov5)": "yolov5s",
    "yolov8n (rknn_model_zoo demo yolov8)": "yolov8n", "YOLOv8-Detection [YOLOv8-Detection] (AI Hub id yolov8_det; checkpoint YOLOv8-N)": "yolov8n",
    "yolov8s (rknn_model_zoo demo yolov8)": "yolov8s", "yolov8m (rknn_model_zoo demo yolov8)": "yolov8m",
    "yolov8n-pose (rknn_model_zoo demo yolov8_pose)": "yolov8n_pose", "yolov8n-seg (rknn_model_zoo demo yolov8_seg)": "yolov8n_seg",
    "YOLO11n (COCO detect)": "yolo11n", "YOLO11s (COCO detect)": "yolo11s", "YOLO11m (COCO detect)": "yolo11m",
    "YOLO11l (COCO detect)": "yolo11l", "YOLO11x (COCO detect)": "yolo11x",
    "yolo11n (rknn_model_zoo demo yolo11)": "yolo11n", "yolo11s (rknn_model_zoo demo yolo11)": "yolo11s",
    "YOLOv11-Detection [YOLOv11-Detection] (AI Hub id yolov11_det; checkpoint YOLO11-N)": "yolo11n",
    "YOLO26n (COCO detect)": "yolo26n", "YOLO26s (COCO detect)": "yolo26s", "YOLO26m (COCO detect)": "yolo26m",
    "yolox_s (rknn_model_zoo demo yolox)": "yolox_s", "YoloX object_detection_yolox_2022nov.onnx": "yolox_s",
    "YoloX object_detection_yolox_2022nov_int8.onnx": "yolox_s",
    "yolov7-tiny (rknn_model_zoo demo yolov7)": "yolov7_tiny", "yolov6n (rknn_model_zoo demo yolov6)": "yolov6n",
    "yolov10n (rknn_model_zoo demo yolov10)": "yolov10n",
    "VIT [VIT] (AI Hub id vit; checkpoint Imagenet)": "vit_base_patch16_224",
    "vit-base-patch16-224 (vision transformer)": "vit_base_patch16_224",
    "clip-vit-base-patch32 (vision transformer)": "clip_vit_b32_image", "clip-vit-base-patch16 (vision transformer)": "clip_vit_b16_image",
}
"""Names used by the non-Hailo sources, mapped onto a model identity with a published count."""

NOT_MODELLED: tuple[tuple[str, str], ...] = (
    (r"\(LLM\)|GPT-J|tokens|Llama|Gemma|Qwen|Phi |SmolLM", "language model: token generation, not modelled"),
    (r"[Ss]table[- ][Dd]iffusion", "diffusion pipeline: no op count in the sources read"),
    (r"BERT|RNN-T|dlrm|3D-UNet", "MLPerf non-vision benchmark: no op count in the sources read"),
)
"""Recognized but not modelled: (pattern, reason). Other public names without a count are recognized from the
shipped measurements file (see :func:`edgesim.calibration.measurements.read_measurements`)."""

_HAILO_NOTES = re.compile(r"input \(HxWxC\) (\d+)x(\d+)x(\d+); zoo Params\(M\)=([\d.]+), OPS\(G\)=([\d.]+)")


@dataclass(frozen=True)
class ModelFeatures:
    """A measured model's identity and profile.

    ``profile`` is None when the model is not modelled; ``reason`` then says why, or is empty when the name is
    not recognized at all.
    """

    canonical: str
    profile: ModelProfile | None
    reason: str = ""


def canonical_name(model: str) -> str:
    """The shared identity of a model name (itself when no alias applies)."""
    return NAME_ALIASES.get(model) or HAILO_CANONICAL.get(model) or model


def profile_from_counts(name: str, canonical: str, ops: float, params: float, width_px: int, height_px: int, source: str,
                        pixel_scaled: bool = True) -> ModelProfile:
    """A profile from a total op count, split over operator classes by the name's family heuristic."""
    family = family_of(canonical if canonical != name else name)
    split = FAMILY_SPLITS[family]
    ops_by_class = {c: ops * split.get(c, 0.0) for c in OP_CLASSES}
    return ModelProfile(name=name, ref_width_px=width_px, ref_height_px=height_px, ops_by_class=ops_by_class, params=params,
                        source=f"{source}; operator split: '{family}' family heuristic (edgesim.calibration.model_features)",
                        pixel_scaled=pixel_scaled, extra={"canonical": canonical, "family": family})


def features_for(model: str, notes: str = "", width_px: int | None = None, height_px: int | None = None) -> ModelFeatures:
    """The features of one measured model (a row's ``model`` and ``notes``).

    Hailo rows carry their own counts in ``notes``; other names resolve through :data:`NAME_ALIASES` /
    :data:`HAILO_CANONICAL` to :data:`KNOWN_COUNTS`; a catalog model name is its own identity.
    """
    canonical = canonical_name(model)
    m = _HAILO_NOTES.search(notes)
    if m:
        h, w, c = int(m.group(1)), int(m.group(2)), int(m.group(3))
        image = c == 3 and h >= 32 and w >= 32
        source = f"Hailo zoo v2.18 notes: Params(M)={m.group(4)}, OPS(G)={m.group(5)}, input {h}x{w}x{c}"
        prof = profile_from_counts(model, canonical, float(m.group(5)) * 1e9, float(m.group(4)) * 1e6, w, h, source,
                                   pixel_scaled=image)
        return ModelFeatures(canonical, prof)
    known = KNOWN_COUNTS.get(canonical)
    if known is not None:
        prof = profile_from_counts(model, canonical, known.ops, known.params, known.width_px, known.height_px, known.source)
        return ModelFeatures(canonical, prof)
    for pattern, reason in NOT_MODELLED:
        if re.search(pattern, model):
            return ModelFeatures(canonical, None, reason)
    return ModelFeatures(canonical, None, "")
