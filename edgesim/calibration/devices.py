"""Device names as the public measurements spell them, mapped onto one canonical device and its datasheet.

``measurements.csv`` names one part many ways ("Jetson AGX Xavier", "NVIDIA Jetson AGX Xavier 32GB (TensorRT)",
"Auvidea X220-LC AGX Xavier 32GB (MaxQ, TensorRT)"). :data:`DEVICE_ALIASES` maps each spelling onto a canonical
device; a canonical device that is in the edgesim catalog names its catalog key, and its datasheet numbers
(peak ops/s per precision, memory bandwidth, on-chip memory) are read from the catalog. :data:`EXTRA_SPECS` holds
the datasheet numbers of measured parts that are not in the catalog, each with its source; a device with no
published peak has ``peak_ops_per_s`` empty and is calibrated in absolute rates (it cannot lend a fraction of
peak to the prior and is left out of leave-one-device-out validation).

A catalog key (``hailo8``) is accepted as a device name too, so a user's own measurements file may use it.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["DEVICE_ALIASES", "EXTRA_SPECS", "DeviceSpec", "engine_kind", "mode_tag", "resolve_device", "source_family"]

# raw device string -> (canonical device, catalog key or None)
DEVICE_ALIASES: dict[str, tuple[str, str | None]] = {
    "Hailo-8": ("hailo8", "hailo8"),
    "Hailo-8 (on Raspberry Pi 5)": ("hailo8", "hailo8"),
    "Hailo-8L": ("hailo8l", "hailo8l"),
    "Hailo-8L (on Raspberry Pi 5)": ("hailo8l", "hailo8l"),
    "Jetson Nano": ("jetson_nano", "jetson_nano"),
    "Jetson Nano (B01 dev kit)": ("jetson_nano", "jetson_nano"),
    "Jetson AGX Xavier": ("jetson_agx_xavier", "jetson_agx_xavier"),
    "NVIDIA Jetson AGX Xavier": ("jetson_agx_xavier", "jetson_agx_xavier"),
    "NVIDIA Jetson AGX Xavier 32GB (TensorRT)": ("jetson_agx_xavier", "jetson_agx_xavier"),
    "NVIDIA Jetson AGX Xavier 32GB (MaxQ, TensorRT)": ("jetson_agx_xavier", "jetson_agx_xavier"),
    "Auvidea X220-LC AGX Xavier 32GB (MaxQ, TensorRT)": ("jetson_agx_xavier", "jetson_agx_xavier"),
    "Jetson Xavier NX": ("jetson_xavier_nx", "jetson_xavier_nx"),
    "NVIDIA Jetson Xavier NX (TensorRT)": ("jetson_xavier_nx", "jetson_xavier_nx"),
    "NVIDIA Jetson Xavier NX (MaxQ, TensorRT)": ("jetson_xavier_nx", "jetson_xavier_nx"),
    "Auvidea JNX30 Xavier NX (MaxQ, TensorRT)": ("jetson_xavier_nx", "jetson_xavier_nx"),
    "Jetson AGX Orin 64GB Developer Kit": ("jetson_agx_orin", "jetson_agx_orin"),
    "NVIDIA Jetson AGX Orin": ("jetson_agx_orin", "jetson_agx_orin"),
    "NVIDIA Jetson AGX Orin (TensorRT)": ("jetson_agx_orin", "jetson_agx_orin"),
    "NVIDIA Jetson AGX Orin (MaxQ, TensorRT)": ("jetson_agx_orin", "jetson_agx_orin"),
    "NVIDIA Jetson AGX Orin 64G (TensorRT) + CTI Forge Carrier (AGX201)": ("jetson_agx_orin", "jetson_agx_orin"),
    "NVIDIA Jetson AGX Orin Developer Kit 64G (TensorRT)": ("jetson_agx_orin", "jetson_agx_orin"),
    "NVIDIA Orin (TensorRT)": ("jetson_agx_orin", "jetson_agx_orin"),
    "NVIDIA Orin (MaxQ, TensorRT)": ("jetson_agx_orin", "jetson_agx_orin"),
    "Jetson Orin Nano 8GB": ("jetson_orin_nano", "jetson_orin_nano"),
    "Jetson Orin Nano 8GB (original clocks)": ("jetson_orin_nano", "jetson_orin_nano"),
    'Jetson Orin Nano (opencv_zoo "Jetson Nano Orin", GPU max 625 MHz)': ("jetson_orin_nano_625mhz", None),
    "Jetson Orin Nano Super (Super clocks)": ("jetson_orin_nano_super", "jetson_orin_nano_super"),
    "Jetson Orin Nano Super Developer Kit": ("jetson_orin_nano_super", "jetson_orin_nano_super"),
    "Jetson Orin NX 16GB (Seeed reComputer J4012)": ("jetson_orin_nx", None),
    "NVIDIA Orin NX (TensorRT)": ("jetson_orin_nx", None),
    "Jetson TX2": ("jetson_tx2", None),
    "Coral Dev Board": ("coral_edgetpu", "coral_edgetpu"),
    "Coral Dev Board (Edge TPU)": ("coral_edgetpu", "coral_edgetpu"),
    "Coral USB Accelerator (Edge TPU, USB 3.0) on Coral benchmark desktop host": ("coral_edgetpu_usb", "coral_edgetpu"),
    "Coral USB Accelerator (Edge TPU, USB 3.0) on desktop host": ("coral_edgetpu_usb", "coral_edgetpu"),
    "Coral USB Accelerator (USB3)": ("coral_edgetpu_usb", "coral_edgetpu"),
    "Coral USB Accelerator (USB2)": ("coral_edgetpu_usb2", "coral_edgetpu"),
    "Raspberry Pi 4 with Coral (rpi4coral)": ("coral_edgetpu_usb_rpi4", "coral_edgetpu"),
    "Intel NCS2 (USB3)": ("myriad_x", "myriad_x"),
    "Intel NCS2 (USB2)": ("myriad_x_usb2", "myriad_x"),
    "Movidius NCS (USB3)": ("movidius_ncs", None),
    "Movidius NCS (USB2)": ("movidius_ncs_usb2", None),
    "Raspberry Pi 5": ("rpi5", "rpi5_cpu"),
    "NVIDIA DGX H100 (1x H100-SXM-80GB, TensorRT)": ("h100_sxm", "h100"),
    "Gigabyte G482-Z54 (1x H100-PCIe-80GB, TensorRT)": ("h100_pcie", None),
    "Gigabyte G482-Z54 (1x A100-PCIe-80GB, TensorRT)": ("a100_pcie", None),
    "Gigabyte G482-Z54 (1x A30, TensorRT)": ("a30", None),
    "Supermicro 4029GP-TRT-OTO-28 (1x A10, TensorRT)": ("a10", None),
    "Supermicro 4029GP-TRT-OTO-28 (1x T4, TensorRT)": ("t4", None),
    "NVIDIA T4": ("t4", None),
    "Supermicro AS-1114S-WTRT (1x A2, TensorRT)": ("a2", None),
    "NVIDIA L4 (1x L4, TensorRT)": ("l4", None),
    "Qualcomm Cloud AI 100 Edge Development Kit (AEDK)": ("qualcomm_ai100_aedk", None),
    "QCS8550 (Proxy)": ("qcs8550", None),
    "Dragonwing RB3 Gen 2 Vision Kit": ("qcs6490_rb3gen2", None),
    "Samsung Galaxy S24": ("galaxy_s24", None),
    "Samsung Galaxy S25": ("galaxy_s25", None),
    "Snapdragon X Elite CRD": ("snapdragon_x_elite", None),
    "Rockchip RK1808 (NPU)": ("rk1808", None),
    "Rockchip RK3562 (NPU)": ("rk3562", None),
    "Rockchip RK3566/RK3568 (NPU)": ("rk3566", None),
    "Rockchip RK3576 (NPU, single core)": ("rk3576_1core", None),
    "Rockchip RK3588 (NPU, single core)": ("rk3588_1core", None),
    "Rockchip RV1109 (NPU)": ("rv1109", None),
    "Rockchip RV1126 (NPU)": ("rv1126", None),
    "Toybrick RV1126": ("rv1126", None),
    "Alibaba Cloud Server E-Series SinianML Platform": ("alibaba_sinianml", None),
    "Firefly-RK3399 (firefly)": ("rk3399", None),
    "Firefly-RK3588S (firefly)": ("rk3588s", None),
    "Khadas Edge2 (Rockchip RK3588)": ("rk3588", None),
    "Khadas VIM3 (Amlogic A311D)": ("a311d", None),
    "Khadas VIM4 (Amlogic A311D2)": ("a311d2", None),
    "Khadas VIM4 (vim4)": ("a311d2", None),
    "Odroid N2+ (odroid)": ("odroid_n2plus", None),
    "Raspberry (Raspberry Pi 4 Model B Rev 1.1)": ("rpi4", None),
    "Raspberry Pi 4": ("rpi4", None),
    "Raspberry Pi 4 (rpi4)": ("rpi4", None),
    "Raspberry Pi 4 Model B Rev 1.4 (rpi4)": ("rpi4", None),
    "Raspberry Pi 4B": ("rpi4", None),
    "Raspberry Pi 3 Model B Rev 1.2 (rpi3)": ("rpi3", None),
    "Raspberry Pi 3, Model B+": ("rpi3bplus", None),
    "Coral FAQ \"Desktop CPU\" (model not stated)": ("coral_desktop_cpu", None),
    "Coral benchmark \"Desktop CPU\" (footnote 1; CPU model not captured in stored copy)": ("coral_desktop_cpu", None),
    "Coral FAQ \"Embedded CPU\" (model not stated)": ("coral_embedded_cpu", None),
    "Coral benchmark \"Embedded CPU\" (footnote 2; CPU model not captured in stored copy)": ("coral_embedded_cpu", None),
    "Horizon Sunrise X3 Pi": ("sunrise_x3", None),
    "Huawei Atlas 200 DK (Ascend 310)": ("ascend310", None),
    "Huawei Atlas 200I DK A2 (Ascend 310B)": ("ascend310b", None),
    "Intel Core i7-12700K (desktop CPU)": ("i7_12700k", None),
    "Sipeed MAIX-III AX-Pi": ("ax620a", None),
    "StarFive VisionFive 2 (JH7110 RISC-V)": ("jh7110", None),
    "Mobilint Edge": ("mobilint_edge", None),
    "Dynamic Neural Accelerator F-Series": ("edgecortix_dna", None),
    "Mac Studio (M1 Ultra)": ("m1_ultra", None),
    "Mac Studio (M2 Ultra)": ("m2_ultra", None),
    "MacBook Pro (M1 Max)": ("m1_max", None),
    "MacBook Pro (M2 Max)": ("m2_max", None),
    "iPad Pro (M1)": ("ipad_m1", None),
    "iPad Pro (M2)": ("ipad_m2", None),
    "iPhone 12 Mini": ("iphone12mini", None),
    "iPhone 12 Pro": ("iphone12pro", None),
    "iPhone 12 Pro Max": ("iphone12promax", None),
    "iPhone 13": ("iphone13", None),
    "iPhone 13 Pro Max": ("iphone13promax", None),
    "iPhone 14": ("iphone14", None),
    "iPhone 14 Pro Max": ("iphone14promax", None),
    "iPhone 15 Pro Max": ("iphone15promax", None),
}


@dataclass(frozen=True)
class DeviceSpec:
    """Datasheet numbers of a measured part that is not in the catalog.

    Attributes
    ----------
    peak_ops_per_s : mapping of precision to float
        Dense peak ops/s per precision (empty when unpublished).
    memory_bandwidth_bytes_per_s : float or None
        DRAM bandwidth, bytes/s.
    source : str
        Where the numbers come from.
    """

    peak_ops_per_s: Mapping[str, float] = field(default_factory=dict)
    memory_bandwidth_bytes_per_s: float | None = None
    source: str = ""


EXTRA_SPECS: dict[str, DeviceSpec] = {
    "jetson_orin_nx": DeviceSpec(
        {"int8": 50e12}, 102e9,
        "Orin NX 16GB: 50 dense / 100 sparse INT8 TOPS, 102 GB/s (DS-10712-001 via public-measurements.md 'Devices')"),
}
"""Datasheet numbers of non-catalog parts. Every other non-catalog part: peak UNKNOWN in the sources read."""


def resolve_device(raw: str, catalog_keys: frozenset[str] = frozenset()) -> tuple[str, str | None] | None:
    """Canonical device and catalog key for a device name, or None when unknown.

    A catalog key is its own canonical name.
    """
    name = raw.strip()
    if name in DEVICE_ALIASES:
        return DEVICE_ALIASES[name]
    if name in catalog_keys:
        return name, name
    return None


def engine_kind(engine: str, catalog_kind: str | None = None) -> str | None:
    """The engine kind (npu, gpu, cpu, tpu, vpu) from the measurements' free-text engine column.

    ``gpu+2dla`` stays a placement of its own; an FPGA-hosted NPU design counts as ``npu``; Apple "gpu + cpu"
    as ``gpu``; an unstated engine takes ``catalog_kind`` (else ``unstated``); None when unrecognized.
    """
    e = engine.strip().lower()
    if e.startswith("gpu+2dla"):
        return "gpu+2dla"
    for kind in ("npu", "gpu", "cpu", "tpu", "vpu", "dla"):
        if e.startswith(kind):
            return kind
    if e.startswith("fpga"):
        return "npu"
    if e in ("", "not stated") or e.startswith("not stated"):
        return catalog_kind or "unstated"
    return None


def mode_tag(raw_device: str, power_mode: str) -> str:
    """A short tag for a non-default power mode (``MaxQ``, ``15W``, ``MODE_15W``); empty for the default mode."""
    if "MaxQ" in raw_device:
        return "MaxQ"
    m = re.search(r"(\d+)\s*W accelerator TDP", power_mode)
    if m:
        return f"{m.group(1)}W"
    m = re.search(r"\bMODE_\w+", power_mode)
    if m:
        return m.group(0)
    m = re.search(r"at (\d+) W nvpmodel", power_mode)
    if m:
        return f"{m.group(1)}W"
    return ""


_FAMILIES = (
    ("hailo-ai/hailo_model_zoo", "hailo_zoo"), ("mlcommons/", "mlperf"), ("opencv/opencv_zoo", "opencv_zoo"),
    ("NVIDIA-AI-IOT/torch2trt", "torch2trt"), ("NVIDIA-AI-IOT/tf_trt_models", "tf_trt"), ("NVIDIA-AI-IOT/trt_pose", "trt_pose"),
    ("NVIDIA-AI-IOT/jetson_benchmarks", "jetson_benchmarks"), ("NVIDIA-AI-IOT/jetson-generative", "jetson_ai_lab"),
    ("airockchip/rknn_model_zoo", "rknn_zoo"), ("quic/ai-hub-models", "ai_hub"), ("ultralytics/", "ultralytics"),
    ("coral.ai", "coral"), ("freedomtan/", "coral"), ("aallan/", "aallan_e2e"), ("apple/", "apple"),
)


def source_family(source: str) -> str:
    """The publication family of a source (what was timed differs by family: see measurements.md Caveats)."""
    for prefix, family in _FAMILIES:
        if source.startswith(prefix):
            return family
    return "other"
