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
    'Jetson Orin Nano (opencv_zoo "Jetson Nano Orin", GPU max 625 MHz)': ("jetson_orin_nano_625mhz", "jetson_orin_nano"),
    "Jetson Orin Nano Super (Super clocks)": ("jetson_orin_nano_super", "jetson_orin_nano_super"),
    "Jetson Orin Nano Super Developer Kit": ("jetson_orin_nano_super", "jetson_orin_nano_super"),
    "Jetson Orin NX 16GB (Seeed reComputer J4012)": ("jetson_orin_nx", "jetson_orin_nx"),
    "NVIDIA Orin NX (TensorRT)": ("jetson_orin_nx", "jetson_orin_nx"),
    "Jetson TX2": ("jetson_tx2", "jetson_tx2"),
    "Coral Dev Board": ("coral_edgetpu", "coral_dev_board"),
    "Coral Dev Board (Edge TPU)": ("coral_edgetpu", "coral_dev_board"),
    "Coral USB Accelerator (Edge TPU, USB 3.0) on Coral benchmark desktop host": ("coral_edgetpu_usb", "coral_edgetpu"),
    "Coral USB Accelerator (Edge TPU, USB 3.0) on desktop host": ("coral_edgetpu_usb", "coral_edgetpu"),
    "Coral USB Accelerator (USB3)": ("coral_edgetpu_usb", "coral_edgetpu"),
    "Coral USB Accelerator (USB2)": ("coral_edgetpu_usb2", "coral_edgetpu"),
    "Raspberry Pi 4 with Coral (rpi4coral)": ("coral_edgetpu_usb_rpi4", "coral_edgetpu"),
    "Intel NCS2 (USB3)": ("myriad_x", "myriad_x"),
    "Intel NCS2 (USB2)": ("myriad_x_usb2", "myriad_x"),
    "Movidius NCS (USB3)": ("movidius_ncs", "movidius_ncs"),
    "Movidius NCS (USB2)": ("movidius_ncs_usb2", "movidius_ncs"),
    "Raspberry Pi 5": ("rpi5", "rpi5_cpu"),
    "NVIDIA DGX H100 (1x H100-SXM-80GB, TensorRT)": ("h100_sxm", "h100"),
    "Gigabyte G482-Z54 (1x H100-PCIe-80GB, TensorRT)": ("h100_pcie", None),
    "Gigabyte G482-Z54 (1x A100-PCIe-80GB, TensorRT)": ("a100_pcie", None),
    "Gigabyte G482-Z54 (1x A30, TensorRT)": ("a30", None),
    "Supermicro 4029GP-TRT-OTO-28 (1x A10, TensorRT)": ("a10", None),
    "Supermicro 4029GP-TRT-OTO-28 (1x T4, TensorRT)": ("t4", "nvidia_t4"),
    "NVIDIA T4": ("t4", "nvidia_t4"),
    "Supermicro AS-1114S-WTRT (1x A2, TensorRT)": ("a2", "nvidia_a2"),
    "NVIDIA L4 (1x L4, TensorRT)": ("l4", "nvidia_l4"),
    "Qualcomm Cloud AI 100 Edge Development Kit (AEDK)": ("qualcomm_ai100_aedk", "qualcomm_ai100_aedk"),
    "QCS8550 (Proxy)": ("qcs8550", None),
    "Dragonwing RB3 Gen 2 Vision Kit": ("qcs6490_rb3gen2", None),
    "Samsung Galaxy S24": ("galaxy_s24", None),
    "Samsung Galaxy S25": ("galaxy_s25", None),
    "Snapdragon X Elite CRD": ("snapdragon_x_elite", "snapdragon_x_elite"),
    "Rockchip RK1808 (NPU)": ("rk1808", "rk1808_npu"),
    "Rockchip RK3562 (NPU)": ("rk3562", None),
    "Rockchip RK3566/RK3568 (NPU)": ("rk3566", "rk3566_npu"),
    "Rockchip RK3576 (NPU, single core)": ("rk3576_1core", "rk3576_npu_1core"),
    "Rockchip RK3588 (NPU, single core)": ("rk3588_1core", "rk3588_npu_1core"),
    "Rockchip RV1109 (NPU)": ("rv1109", None),
    "Rockchip RV1126 (NPU)": ("rv1126", "rv1126"),
    "Toybrick RV1126": ("rv1126", "rv1126"),
    "Alibaba Cloud Server E-Series SinianML Platform": ("alibaba_sinianml", None),
    "Firefly-RK3399 (firefly)": ("rk3399", "firefly_rk3399"),
    "Firefly-RK3588S (firefly)": ("rk3588s", "firefly_rk3588s"),
    "Khadas Edge2 (Rockchip RK3588)": ("rk3588", "khadas_edge2"),
    "Khadas VIM3 (Amlogic A311D)": ("a311d", "khadas_vim3"),
    "Khadas VIM4 (Amlogic A311D2)": ("a311d2", "khadas_vim4"),
    "Khadas VIM4 (vim4)": ("a311d2", "khadas_vim4"),
    "Odroid N2+ (odroid)": ("odroid_n2plus", "odroid_n2plus"),
    "Raspberry (Raspberry Pi 4 Model B Rev 1.1)": ("rpi4", "rpi4_cpu"),
    "Raspberry Pi 4": ("rpi4", "rpi4_cpu"),
    "Raspberry Pi 4 (rpi4)": ("rpi4", "rpi4_cpu"),
    "Raspberry Pi 4 Model B Rev 1.4 (rpi4)": ("rpi4", "rpi4_cpu"),
    "Raspberry Pi 4B": ("rpi4", "rpi4_cpu"),
    "Raspberry Pi 3 Model B Rev 1.2 (rpi3)": ("rpi3", "rpi3_cpu"),
    "Raspberry Pi 3, Model B+": ("rpi3bplus", "rpi3bplus_cpu"),
    "Coral FAQ \"Desktop CPU\" (model not stated)": ("coral_desktop_cpu", None),
    "Coral benchmark \"Desktop CPU\" (footnote 1; CPU model not captured in stored copy)": ("coral_desktop_cpu", None),
    "Coral FAQ \"Embedded CPU\" (model not stated)": ("coral_embedded_cpu", None),
    "Coral benchmark \"Embedded CPU\" (footnote 2; CPU model not captured in stored copy)": ("coral_embedded_cpu", None),
    "Horizon Sunrise X3 Pi": ("sunrise_x3", "sunrise_x3_pi"),
    "Huawei Atlas 200 DK (Ascend 310)": ("ascend310", "atlas200dk_ascend310"),
    "Huawei Atlas 200I DK A2 (Ascend 310B)": ("ascend310b", "atlas200i_dk_a2"),
    "Intel Core i7-12700K (desktop CPU)": ("i7_12700k", None),
    "Sipeed MAIX-III AX-Pi": ("ax620a", "maix3_axpi"),
    "StarFive VisionFive 2 (JH7110 RISC-V)": ("jh7110", "visionfive2"),
    "Mobilint Edge": ("mobilint_edge", None),
    "Dynamic Neural Accelerator F-Series": ("edgecortix_dna", None),
    "Mac Studio (M1 Ultra)": ("m1_ultra", "apple_m1_ultra"),
    "Mac Studio (M2 Ultra)": ("m2_ultra", None),
    "MacBook Pro (M1 Max)": ("m1_max", "apple_m1_max"),
    "MacBook Pro (M2 Max)": ("m2_max", None),
    "iPad Pro (M1)": ("ipad_m1", "apple_m1"),
    "iPad Pro (M2)": ("ipad_m2", "apple_m2"),
    "iPhone 12 Mini": ("iphone12mini", "apple_a14"),
    "iPhone 12 Pro": ("iphone12pro", "apple_a14"),
    "iPhone 12 Pro Max": ("iphone12promax", "apple_a14"),
    "iPhone 13": ("iphone13", "apple_a15"),
    "iPhone 13 Pro Max": ("iphone13promax", "apple_a15"),
    "iPhone 14": ("iphone14", "apple_a15"),
    "iPhone 14 Pro Max": ("iphone14promax", "apple_a16"),
    "iPhone 15 Pro Max": ("iphone15promax", "apple_a17pro"),
}
# Measured devices still without a catalog key (issue 16 breadth), and why: no datasheet number of theirs was found
# in the sources read (QCS8550 proxy, RB3 Gen 2 / QCS6490, Galaxy S24 / S25, RK3562, RV1109, M2 Max, M2 Ultra); the
# part is not identified (Coral "Desktop CPU" / "Embedded CPU"); the accelerator is an FPGA design on a data-center
# card (Mobilint on Alveo U250, EdgeCortix DNA on Alveo U50), a cloud service (Alibaba SinianML), or a data-center /
# desktop part whose datasheet was not read (A10, A30, A100 PCIe, H100 PCIe, Core i7-12700K). Several canonical
# devices share one catalog key where they are the same part (the three A14 iPhones -> apple_a14; the Orin Nano
# "625 MHz" rows are the original-clock Orin Nano 8GB -> jetson_orin_nano).


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
    # jetson_orin_nx is now also a catalog device (the catalog's numbers are read first; these are identical)
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
