"""A corpus of malformed inputs, every section of the schema and the command line: each one must end with exactly
one line on stderr, ``edgesim: error: FILE: field.path: problem``, exit code 2, no traceback, and name the field.

Scenario cases mutate one field of :func:`rich`, a small valid scenario that uses every section (cameras, models,
units with every sub-block, streams, pipelines, links, loads, thermal, battery, platform loads, memory buses,
record); raw-YAML cases write the text itself. All run through the real entry point ``edgesim.cli.main``
in-process; a handful run ``python -m edgesim.cli`` in a subprocess.
"""
from __future__ import annotations

import copy
import math
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from edgesim.errors import ScenarioError, ScenarioErrors
from edgesim.model.run_budget import DEFAULT_MAX_EVENTS, check_run_budget, estimate_run
from edgesim.spec.names import check_names
from edgesim.spec.schema import ScenarioSpec
from edgesim.yamlio import YamlInputError, format_yaml_error, safe_load
from tests.helpers import run_cli_catching_exit as run_cli

# ------------------------------------------------------------------------------------------------------------
# the valid scenario every case breaks in one place
# ------------------------------------------------------------------------------------------------------------


def rich() -> dict[str, Any]:
    """A valid one-second scenario using every section of the schema (checked by the first test)."""
    return {
        "name": "rich", "duration_s": 1.0, "warmup_s": 0.1, "seed": 1,
        "cameras": [{"name": "cam", "width_px": 64, "height_px": 48, "fps": 10.0, "count": 2, "stagger": True,
                     "arrival": {"kind": "jitter", "jitter_s": 0.001}}],
        "models": [{"name": "det", "ops_per_pixel": 1000.0, "weight_bytes": 1e6, "activation_bytes": 1e5},
                   {"name": "cls", "ops_per_inference": 1e6, "ref_width_px": 32, "ref_height_px": 32}],
        "compute_units": [
            {"name": "npu", "kind": "npu", "idle_power_w": 0.5, "max_power_w": 3.0, "peak_ops_per_s": {"int8": 1e12},
             "efficiency": 0.5, "efficiency_by_model": {"cls": 0.4},
             "measured": [{"model": "det", "fps": 500.0, "power_w": 2.5, "width_px": 64, "height_px": 48, "source": "test"}],
             "dvfs_states": [{"name": "hi", "frequency_hz": 1e9, "voltage_v": 0.9}, {"name": "lo", "frequency_hz": 5e8, "voltage_v": 0.7}],
             "throttle": {"threshold_c": 80.0, "hysteresis_c": 5.0, "critical_c": 100.0, "state": "lo"},
             "thermal_node": "soc", "leakage_w_per_k": 0.001, "scheduler": "edf",
             "batching": {"max_batch": 4, "max_wait_s": 0.002, "batch_time": {"det": {"fixed_s": 0.001, "per_item_s": 0.001}}},
             "memory_bus": "dram", "power_curve": {"kind": "power_law", "exponent": 1.5}},
            {"name": "cpu", "kind": "cpu", "idle_power_w": 1.0, "max_power_w": 5.0, "peak_ops_per_s": {"int8": 1e11, "fp32": 5e10},
             "efficiency": 0.3, "servers": 2, "memory_bandwidth_bytes_per_s": 1e10, "thermal_node": "soc"},
        ],
        "streams": [{"camera": "cam", "model": "det", "unit": "npu", "queue_capacity": 3, "drop_policy": "drop_oldest",
                     "priority": 1, "deadline_s": 0.1}],
        "links": [{"name": "pcie", "bandwidth_bytes_per_s": 5e8, "latency_s": 1e-5, "energy_j_per_byte": 1e-10, "idle_power_w": 0.1}],
        "pipelines": [{"name": "p", "camera": "cam", "stages": [
            {"name": "pre", "unit": "cpu", "ops_per_pixel": 10.0, "precision": "fp32"},
            {"name": "xfer", "link": "pcie", "bytes_per_pixel": 3.0, "after": ["pre"]},
            {"name": "cls", "unit": "cpu", "model": "cls", "count": {"kind": "poisson", "mean": 2.0}, "after": ["xfer"],
             "width_px": 32, "height_px": 32}]}],
        "loads": [{"name": "ml", "scenario": "server", "model": "cls", "unit": "cpu", "width_px": 32, "height_px": 32,
                   "target_qps": 20.0, "latency_bound_s": 0.1}],
        "thermal": {"ambient_c": 25.0, "nodes": [{"name": "soc", "capacity_j_per_k": 1.0}],
                    "links": [{"between": ["soc", "ambient"], "resistance_k_per_w": 10.0}]},
        "battery": {"model": "kibam", "capacity_wh": 10.0, "kibam_k_per_s": 1e-3, "cutoff_soc": 0.05, "initial_soc": 0.9,
                    "dcdc_efficiency": 0.9},
        "platform_loads": [{"name": "radio", "power_w": 0.3, "thermal_node": "soc"}],
        "memory_buses": [{"name": "dram", "bandwidth_bytes_per_s": 1e10}],
        "record": {"interval_s": 0.5},
    }


# ------------------------------------------------------------------------------------------------------------
# mutations: ``cameras[0].fps`` style paths into the dict
# ------------------------------------------------------------------------------------------------------------

DELETE = object()
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _steps(path: str) -> list[str | int]:
    return [int(index) if index else key for key, index in _STEP.findall(path)]


def put(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation setting ``path`` to ``value`` (``DELETE`` removes the key)."""
    def apply(data: dict[str, Any]) -> None:
        *parents, last = _steps(path)
        node: Any = data
        for step in parents:
            node = node[step]
        if value is DELETE:
            del node[last]
        else:
            node[last] = copy.deepcopy(value)
    return apply


def both(*mutations: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def apply(data: dict[str, Any]) -> None:
        for mutate in mutations:
            mutate(data)
    return apply


def append(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation appending ``value`` to the list at ``path``."""
    def apply(data: dict[str, Any]) -> None:
        node: Any = data
        for step in _steps(path):
            node = node[step]
        node.append(copy.deepcopy(value))
    return apply


def copy_of(path: str, to: str) -> Callable[[dict[str, Any]], None]:
    """A mutation appending a copy of the entry at ``path`` to the list ``to`` (a duplicate name)."""
    def apply(data: dict[str, Any]) -> None:
        node: Any = data
        for step in _steps(path):
            node = node[step]
        append(to, node)(data)
    return apply


NAN = float("nan")
INF = float("inf")
U0 = "compute_units[0]"
U1 = "compute_units[1]"
S2 = "pipelines[0].stages[2]"

# (id, mutation, field text the message must contain)
SCHEMA_CASES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    # cameras
    ("camera fps zero", put("cameras[0].fps", 0), "cameras[0].fps"),
    ("camera fps negative", put("cameras[0].fps", -5), "cameras[0].fps"),
    ("camera fps nan", put("cameras[0].fps", NAN), "cameras[0].fps"),
    ("camera fps inf", put("cameras[0].fps", INF), "cameras[0].fps"),
    ("camera fps 1e308", put("cameras[0].fps", 1e308), "cameras[0].fps"),
    ("camera fps text", put("cameras[0].fps", "fast"), "cameras[0].fps"),
    ("camera width zero", put("cameras[0].width_px", 0), "cameras[0].width_px"),
    ("camera width 1e12", put("cameras[0].width_px", 10**12), "cameras[0].width_px"),
    ("camera height fractional", put("cameras[0].height_px", 2.5), "cameras[0].height_px"),
    ("camera height missing", put("cameras[0].height_px", DELETE), "cameras[0].height_px"),
    ("camera count 1e8", put("cameras[0].count", 100_000_000), "cameras[0].count"),
    ("camera count zero", put("cameras[0].count", 0), "cameras[0].count"),
    ("camera name with spaces", put("cameras[0].name", "my cam!"), "cameras[0].name"),
    ("camera name empty", put("cameras[0].name", ""), "cameras[0].name"),
    ("camera arrival kind", put("cameras[0].arrival.kind", "burst"), "cameras[0].arrival.kind"),
    ("camera jitter above half period", put("cameras[0].arrival.jitter_s", 0.5), "cameras[0]"),
    ("camera phase negative", put("cameras[0].arrival.phase_s", -1.0), "cameras[0].arrival.phase_s"),
    ("camera stagger not bool", put("cameras[0].stagger", "maybe"), "cameras[0].stagger"),
    ("camera unknown key", put("cameras[0].colour", "red"), "cameras[0].colour"),
    ("cameras not a list", put("cameras", "cam"), "cameras"),
    ("camera duplicate name", copy_of("cameras[0]", "cameras"), "cameras[1].name"),
    # models
    ("model ops per pixel zero", put("models[0].ops_per_pixel", 0), "models[0].ops_per_pixel"),
    ("model ops per pixel 1e308", put("models[0].ops_per_pixel", 1e308), "models[0].ops_per_pixel"),
    ("model ops per pixel nan", put("models[0].ops_per_pixel", NAN), "models[0].ops_per_pixel"),
    ("model ops per inference 1e308", put("models[1].ops_per_inference", 1e308), "models[1].ops_per_inference"),
    ("model ops per inference without ref size", put("models[1].ref_width_px", DELETE), "models[1]"),
    ("model without any cost", put("models[0].ops_per_pixel", DELETE), "models[0]"),
    ("model precision", put("models[0].precision", "int3"), "models[0].precision"),
    ("model weight bytes negative", put("models[0].weight_bytes", -1), "models[0].weight_bytes"),
    ("model activation bytes inf", put("models[0].activation_bytes", INF), "models[0].activation_bytes"),
    ("model overhead negative", put("models[0].overhead_s", -0.1), "models[0].overhead_s"),
    ("model input bytes per pixel 1e300", put("models[0].input_bytes_per_pixel", 1e300), "models[0].input_bytes_per_pixel"),
    ("model catalog unknown", put("models[0].catalog", "no_such_model"), "models[0].catalog"),
    ("models empty", put("models", []), "models"),
    ("model duplicate name", put("models[1].name", "det"), "models[1].name"),
    # compute units and their sub-blocks
    ("unit kind", put(f"{U0}.kind", "fpga"), f"{U0}.kind"),
    ("unit idle power negative", put(f"{U0}.idle_power_w", -1), f"{U0}.idle_power_w"),
    ("unit max power zero", put(f"{U0}.max_power_w", 0), f"{U0}.max_power_w"),
    ("unit max power 1e308", put(f"{U0}.max_power_w", 1e308), f"{U0}.max_power_w"),
    ("unit max power below idle", put(f"{U0}.idle_power_w", 4.0), U0),
    ("unit peak ops 1e-300", put(f"{U0}.peak_ops_per_s.int8", 1e-300), f"{U0}.peak_ops_per_s.int8"),
    ("unit peak ops unknown precision", put(f"{U0}.peak_ops_per_s.int2", 1e12), f"{U0}.peak_ops_per_s"),
    ("unit efficiency zero", put(f"{U0}.efficiency", 0), f"{U0}.efficiency"),
    ("unit efficiency above one", put(f"{U0}.efficiency", 1.5), f"{U0}.efficiency"),
    ("unit efficiency 1e-300", put(f"{U0}.efficiency", 1e-300), f"{U0}.efficiency"),
    ("unit efficiency_by_model above one", put(f"{U0}.efficiency_by_model.cls", 2.0), f"{U0}.efficiency_by_model.cls"),
    ("unit measured fps zero", put(f"{U0}.measured[0].fps", 0), f"{U0}.measured[0].fps"),
    ("unit measured source empty", put(f"{U0}.measured[0].source", ""), f"{U0}.measured[0].source"),
    ("unit measured source missing", put(f"{U0}.measured[0].source", DELETE), f"{U0}.measured[0].source"),
    ("unit measured power negative", put(f"{U0}.measured[0].power_w", -2), f"{U0}.measured[0].power_w"),
    ("unit measured batch zero", put(f"{U0}.measured[0].batch", 0), f"{U0}.measured[0].batch"),
    ("unit service distribution", put(f"{U0}.service_time_distribution", "gamma"), f"{U0}.service_time_distribution"),
    ("unit servers zero", put(f"{U1}.servers", 0), f"{U1}.servers"),
    ("unit servers 1e6", put(f"{U1}.servers", 1_000_000), f"{U1}.servers"),
    ("unit batching with two servers", put(f"{U0}.servers", 2), U0),
    ("unit power curve kind", put(f"{U0}.power_curve.kind", "cubic"), f"{U0}.power_curve.kind"),
    ("unit power curve exponent zero", put(f"{U0}.power_curve.exponent", 0), f"{U0}.power_curve.exponent"),
    ("unit power curve exponent 1e6", put(f"{U0}.power_curve.exponent", 1e6), f"{U0}.power_curve.exponent"),
    ("unit dvfs frequency zero", put(f"{U0}.dvfs_states[0].frequency_hz", 0), f"{U0}.dvfs_states[0].frequency_hz"),
    ("unit dvfs duplicate state", put(f"{U0}.dvfs_states[1].name", "hi"), U0),
    ("unit dvfs voltage negative", put(f"{U0}.dvfs_states[0].voltage_v", -1), f"{U0}.dvfs_states[0].voltage_v"),
    ("unit initial dvfs state unknown", put(f"{U0}.initial_dvfs_state", "turbo"), U0),
    ("unit reference dvfs state unknown", put(f"{U0}.reference_dvfs_state", "x"), U0),
    ("throttle threshold nan", put(f"{U0}.throttle.threshold_c", NAN), f"{U0}.throttle.threshold_c"),
    ("throttle critical 1e6", put(f"{U0}.throttle.critical_c", 1e6), f"{U0}.throttle.critical_c"),
    ("throttle threshold above critical", put(f"{U0}.throttle.threshold_c", 120.0), f"{U0}.throttle"),
    ("throttle hysteresis zero", put(f"{U0}.throttle.hysteresis_c", 0), f"{U0}.throttle.hysteresis_c"),
    ("throttle state unknown", put(f"{U0}.throttle.state", "mid"), U0),
    ("unit thermal node unknown", put(f"{U0}.thermal_node", "gpu_node"), f"{U0}.thermal_node"),
    ("unit leakage negative", put(f"{U0}.leakage_w_per_k", -1), f"{U0}.leakage_w_per_k"),
    ("unit leakage reference below absolute zero", put(f"{U0}.leakage_ref_temp_c", -300), f"{U0}.leakage_ref_temp_c"),
    ("unit scheduler", put(f"{U0}.scheduler", "lifo"), f"{U0}.scheduler"),
    ("batching max batch zero", put(f"{U0}.batching.max_batch", 0), f"{U0}.batching.max_batch"),
    ("batching max wait negative", put(f"{U0}.batching.max_wait_s", -1), f"{U0}.batching.max_wait_s"),
    ("batching per item zero", put(f"{U0}.batching.batch_time.det.per_item_s", 0), f"{U0}.batching.batch_time.det.per_item_s"),
    ("unit memory bus unknown", put(f"{U0}.memory_bus", "nobus"), f"{U0}.memory_bus"),
    ("unit memory bandwidth 1e-300", put(f"{U1}.memory_bandwidth_bytes_per_s", 1e-300), f"{U1}.memory_bandwidth_bytes_per_s"),
    ("unit on-chip memory negative", put(f"{U1}.on_chip_memory_bytes", -1), f"{U1}.on_chip_memory_bytes"),
    ("unit device unknown", put(f"{U0}.device", "nodevice"), f"{U0}.device"),
    ("unit duplicate name", put(f"{U1}.name", "npu"), f"{U1}.name"),
    ("units empty", put("compute_units", []), "compute_units"),
    ("unit sources not a mapping", put(f"{U0}.sources", "datasheet"), f"{U0}.sources"),
    ("unit unknown key", put(f"{U0}.turbo", True), f"{U0}.turbo"),
    # streams
    ("stream camera unknown", put("streams[0].camera", "nocam"), "streams[0].camera"),
    ("stream model unknown", put("streams[0].model", "nomodel"), "streams[0].model"),
    ("stream unit unknown", put("streams[0].unit", "nounit"), "streams[0].unit"),
    ("stream queue capacity zero", put("streams[0].queue_capacity", 0), "streams[0].queue_capacity"),
    ("stream drop policy", put("streams[0].drop_policy", "random"), "streams[0].drop_policy"),
    ("stream deadline zero", put("streams[0].deadline_s", 0), "streams[0].deadline_s"),
    ("stream priority text", put("streams[0].priority", "high"), "streams[0].priority"),
    ("stream unit missing", put("streams[0].unit", DELETE), "streams[0].unit"),
    ("stream duplicate", copy_of("streams[0]", "streams"), "streams[1]"),
    # pipelines and stages
    ("pipeline camera unknown", put("pipelines[0].camera", "nocam"), "pipelines[0].camera"),
    ("pipeline no stages", put("pipelines[0].stages", []), "pipelines[0].stages"),
    ("stage unit unknown", put("pipelines[0].stages[0].unit", "nounit"), "pipelines[0].stages[0].unit"),
    ("stage link unknown", put("pipelines[0].stages[1].link", "nolink"), "pipelines[0].stages[1].link"),
    ("stage on unit and link", put("pipelines[0].stages[1].unit", "cpu"), "pipelines[0].stages[1]"),
    ("stage without cost", put("pipelines[0].stages[0].ops_per_pixel", DELETE), "pipelines[0].stages[0]"),
    ("stage after unknown", put(f"{S2}.after", ["ghost"]), f"{S2}.after[0]"),
    ("stage after itself", put("pipelines[0].stages[0].after", ["pre"]), "pipelines[0].stages[0].after[0]"),
    ("stage count kind", put(f"{S2}.count.kind", "binomial"), f"{S2}.count.kind"),
    ("stage count mean negative", put(f"{S2}.count.mean", -1), f"{S2}.count.mean"),
    ("stage count mean 1e12", put(f"{S2}.count.mean", 1e12), f"{S2}.count.mean"),
    ("stage count uniform low above high", put(f"{S2}.count", {"kind": "uniform", "low": 3, "high": 1}), f"{S2}.count.high"),
    ("stage width without height", put(f"{S2}.height_px", DELETE), S2),
    ("stage model unknown", put(f"{S2}.model", "nomodel"), f"{S2}.model"),
    ("stage bytes per pixel zero", put("pipelines[0].stages[1].bytes_per_pixel", 0), "pipelines[0].stages[1].bytes_per_pixel"),
    ("stage duplicate name", put("pipelines[0].stages[1].name", "pre"), "pipelines[0].stages[1].name"),
    ("pipeline deadline negative", put("pipelines[0].deadline_s", -1), "pipelines[0].deadline_s"),
    # links
    ("link bandwidth 1e-300", put("links[0].bandwidth_bytes_per_s", 1e-300), "links[0].bandwidth_bytes_per_s"),
    ("link bandwidth zero", put("links[0].bandwidth_bytes_per_s", 0), "links[0].bandwidth_bytes_per_s"),
    ("link latency negative", put("links[0].latency_s", -1), "links[0].latency_s"),
    ("link energy per byte nan", put("links[0].energy_j_per_byte", NAN), "links[0].energy_j_per_byte"),
    ("link idle power negative", put("links[0].idle_power_w", -1), "links[0].idle_power_w"),
    # MLPerf loads
    ("load scenario", put("loads[0].scenario", "burst"), "loads[0].scenario"),
    ("load target qps 1e308", put("loads[0].target_qps", 1e308), "loads[0].target_qps"),
    ("load target qps zero", put("loads[0].target_qps", 0), "loads[0].target_qps"),
    ("load model unknown", put("loads[0].model", "nomodel"), "loads[0].model"),
    ("load unit unknown", put("loads[0].unit", "nounit"), "loads[0].unit"),
    ("load width zero", put("loads[0].width_px", 0), "loads[0].width_px"),
    ("load samples per query zero", put("loads[0].samples_per_query", 0), "loads[0].samples_per_query"),
    ("load offline samples 1e9", put("loads[0].offline_samples", 10**9), "loads[0].offline_samples"),
    # thermal
    ("thermal ambient nan", put("thermal.ambient_c", NAN), "thermal.ambient_c"),
    ("thermal ambient below absolute zero", put("thermal.ambient_c", -300), "thermal.ambient_c"),
    ("thermal no nodes", put("thermal.nodes", []), "thermal.nodes"),
    ("thermal capacity zero", put("thermal.nodes[0].capacity_j_per_k", 0), "thermal.nodes[0].capacity_j_per_k"),
    ("thermal resistance negative", put("thermal.links[0].resistance_k_per_w", -1), "thermal.links[0].resistance_k_per_w"),
    ("thermal link to unknown node", put("thermal.links[0].between", ["soc", "nowhere"]), "thermal.links[0].between"),
    ("thermal link to itself", put("thermal.links[0].between", ["soc", "soc"]), "thermal.links[0].between"),
    ("thermal initial temperature 1e4", put("thermal.initial_temp_c", 1e4), "thermal.initial_temp_c"),
    # battery
    ("battery capacity zero", put("battery.capacity_wh", 0), "battery.capacity_wh"),
    ("battery capacity nan", put("battery.capacity_wh", NAN), "battery.capacity_wh"),
    ("battery model", put("battery.model", "leadacid"), "battery.model"),
    ("battery starts at cut-off", put("battery.initial_soc", 0.05), "battery"),
    ("battery starts below cut-off", put("battery.initial_soc", 0.01), "battery"),
    ("battery cut-off one", put("battery.cutoff_soc", 1.0), "battery.cutoff_soc"),
    ("battery dc-dc above one", put("battery.dcdc_efficiency", 1.2), "battery.dcdc_efficiency"),
    ("battery kibam without k", put("battery.kibam_k_per_s", DELETE), "battery"),
    ("battery peukert below one", put("battery.peukert_exponent", 0.5), "battery.peukert_exponent"),
    # platform loads, memory buses, record
    ("platform load power negative", put("platform_loads[0].power_w", -1), "platform_loads[0].power_w"),
    ("platform load thermal node unknown", put("platform_loads[0].thermal_node", "nonode"), "platform_loads[0].thermal_node"),
    ("memory bus bandwidth zero", put("memory_buses[0].bandwidth_bytes_per_s", 0), "memory_buses[0].bandwidth_bytes_per_s"),
    ("record interval zero", put("record.interval_s", 0), "record.interval_s"),
    ("record interval 1e-12", put("record.interval_s", 1e-12), "record.interval_s"),
    ("record trace not bool", put("record.trace", "sometimes"), "record.trace"),
    ("record unknown key", put("record.every", 2), "record.every"),
    ("catalog files not a list", put("catalog_files", "mine.yaml"), "catalog_files"),
    # top level
    ("duration zero", put("duration_s", 0), "duration_s"),
    ("duration 1e30", put("duration_s", 1e30), "duration_s"),
    ("duration nan", put("duration_s", NAN), "duration_s"),
    ("warmup at duration", put("warmup_s", 1.0), "warmup_s"),
    ("seed negative", put("seed", -1), "seed"),
    ("seed text", put("seed", "abc"), "seed"),
    ("name missing", put("name", DELETE), "name"),
    ("top-level unknown key", put("durration_s", 5), "durration_s"),
    ("power budget zero", put("power_budget_w", 0), "power_budget_w"),
    ("nothing to run", both(put("streams", []), put("pipelines", []), put("loads", [])), "nothing to run"),
]

# references, the run budget (edgesim run refuses a run too large to finish, naming the field) and the compile's physics
WIRED_CASES = [
    pytest.param("measured point names unknown model", put(f"{U0}.measured[0].model", "nosuch"), f"{U0}.measured[0].model",
                 id="measured point names unknown model"),
    pytest.param("efficiency_by_model names unknown model", put(f"{U0}.efficiency_by_model.nosuch", 0.5),
                 f"{U0}.efficiency_by_model.nosuch", id="efficiency_by_model names unknown model"),
    pytest.param("batch_time names unknown model", put(f"{U0}.batching.batch_time.nosuch", {"fixed_s": 0, "per_item_s": 1e-3}),
                 f"{U0}.batching.batch_time.nosuch", id="batch_time names unknown model"),
    pytest.param("duplicate thermal node", append("thermal.nodes", {"name": "soc", "capacity_j_per_k": 2.0}),
                 "thermal.nodes[1].name", id="duplicate thermal node"),
    pytest.param("duplicate platform load", copy_of("platform_loads[0]", "platform_loads"), "platform_loads[1].name",
                 id="duplicate platform load"),
    pytest.param("duplicate memory bus", copy_of("memory_buses[0]", "memory_buses"), "memory_buses[1].name",
                 id="duplicate memory bus"),
    pytest.param("catalog file missing, catalog unused", put("catalog_files", ["missing_catalog.yaml"]), "catalog_files[0]",
                 id="catalog file missing, catalog unused"),
    pytest.param("budget: duration 1e8", put("duration_s", 1e8), "duration_s", id="budget: duration 1e8"),
    pytest.param("budget: fps 1e6", both(put("cameras[0].fps", 1e6), put("cameras[0].arrival", {"kind": "poisson"}),
                                         put("duration_s", 1000.0)), "cameras[0].fps", id="budget: fps 1e6"),
    pytest.param("budget: 10,000 cameras", both(put("cameras[0].count", 10_000), put("duration_s", 3600.0)), "cameras[0].count",
                 id="budget: 10,000 cameras"),
    pytest.param("budget: record interval 1e-6", both(put("record.interval_s", 1e-6), put("duration_s", 1000.0)), "record.interval_s",
                 id="budget: record interval 1e-6"),
    pytest.param("budget: fan-out mean 1e4", both(put(f"{S2}.count.mean", 1e4), put("duration_s", 3600.0)), f"{S2}.count.mean",
                 id="budget: fan-out mean 1e4"),
    pytest.param("budget: target qps 1e6", both(put("loads[0].target_qps", 1e6), put("duration_s", 1000.0)), "loads[0].target_qps",
                 id="budget: target qps 1e6"),
    pytest.param("thermal node with no path to ambient", append("thermal.nodes", {"name": "island", "capacity_j_per_k": 1.0}),
                 "thermal", id="thermal node with no path to ambient"),
    pytest.param("leakage runaway", put(f"{U0}.leakage_w_per_k", 1.0), "leakage_w_per_k", id="leakage runaway"),
]


# ------------------------------------------------------------------------------------------------------------
# running the CLI and judging its answer
# ------------------------------------------------------------------------------------------------------------



def assert_one_line_error(code: int, err: str, *needles: str) -> None:
    """Exit 2, exactly one line on stderr, starting ``edgesim: error:``, no traceback, every needle in it."""
    assert code == 2, f"exit {code}, stderr: {err!r}"
    assert "Traceback" not in err, err
    assert err.endswith("\n") and err.count("\n") == 1, f"not one line: {err!r}"
    assert err.startswith("edgesim: error: "), err
    for needle in needles:
        assert needle in err, f"{needle!r} not in {err!r}"


def write_yaml(tmp_path: Path, data: Any, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
    return path


def test_the_base_scenario_is_valid_and_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_yaml(tmp_path, rich(), "rich.yaml")
    code, out, err = run_cli(capsys, "run", str(path), "--json")
    assert code == 0, err
    assert '"scenario": "rich"' in out


@pytest.mark.parametrize("case_id,mutate,field", SCHEMA_CASES, ids=[c[0] for c in SCHEMA_CASES])
def test_malformed_scenario_gives_one_line_naming_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str], case_id: str,
                                                          mutate: Callable[[dict[str, Any]], None], field: str) -> None:
    data = rich()
    mutate(data)
    path = write_yaml(tmp_path, data)
    code, out, err = run_cli(capsys, "run", str(path))
    assert_one_line_error(code, err, str(path), field)
    assert out == ""


@pytest.mark.parametrize("case_id,mutate,field", WIRED_CASES)
def test_names_budget_and_physics_errors_give_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], case_id: str,
                                                       mutate: Callable[[dict[str, Any]], None], field: str) -> None:
    data = rich()
    mutate(data)
    path = write_yaml(tmp_path, data)
    code, _, err = run_cli(capsys, "run", str(path))
    assert_one_line_error(code, err, str(path), field)


# ------------------------------------------------------------------------------------------------------------
# raw YAML
# ------------------------------------------------------------------------------------------------------------

ALIAS_BOMB = "\n".join([
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    *[f"{c}: &{c} [{', '.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi")],
    "name: bomb", "duration_s: 1", "description: *i", "",
])

YAML_CASES: list[tuple[str, str, str]] = [
    ("unclosed flow mapping", "name: x\ncameras: [\n  {name: a, fps: 3\nmodels: []\n", "line 4"),
    ("tab indentation", "name: x\ncameras:\n\t- {name: a}\n", "line 3"),
    ("duplicate top-level key", "name: a\nduration_s: 1\nname: b\n", "duplicate key 'name'"),
    ("duplicate nested key", "name: a\ncameras:\n  - {name: c, fps: 10, fps: 20}\n", "duplicate key 'fps'"),
    ("20,000 nested brackets", "name: " + "[" * 20_000 + "\n", "nesting"),
    ("alias bomb", ALIAS_BOMB, "alias"),
    ("recursive alias", "name: x\nloop: &a [*a]\n", "recursive alias"),
    ("undefined alias", "name: *nowhere\n", "line 1"),
    ("a list, not a mapping", "- name: x\n- name: y\n", "mapping"),
    ("an empty file", "", "mapping"),
    ("a scalar document", "just text\n", "mapping"),
    ("two documents", "name: a\n---\nname: b\n", "line 2"),
    ("python object tag", "name: !!python/object:os.system x\n", "line 1"),
    ("fps written as 1e400", "", "cameras[0].fps"),  # filled in by the test: the rich scenario with fps: 1e400
]


@pytest.mark.parametrize("case_id,text,needle", YAML_CASES, ids=[c[0] for c in YAML_CASES])
def test_malformed_yaml_gives_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], case_id: str, text: str,
                                       needle: str) -> None:
    if case_id == "fps written as 1e400":
        text = yaml.safe_dump(rich(), sort_keys=False).replace("fps: 10.0", "fps: 1e400", 1)
    path = write_yaml(tmp_path, text)
    code, _, err = run_cli(capsys, "run", str(path))
    assert_one_line_error(code, err, str(path), needle)


def test_file_that_is_not_utf8_gives_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"name: \xff\xfe\x00bad\n")
    code, _, err = run_cli(capsys, "run", str(path))
    assert_one_line_error(code, err, str(path))


def test_malformed_catalog_file_gives_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "mine.yaml").write_text("devices:\n  x: {units: [\n")
    data = rich()
    data["catalog_files"] = ["mine.yaml"]
    data["compute_units"][1]["device"] = "hailo8"
    path = write_yaml(tmp_path, data)
    code, _, err = run_cli(capsys, "run", str(path))
    assert_one_line_error(code, err, "mine.yaml", "line")


def test_alias_bomb_is_refused_fast(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_yaml(tmp_path, ALIAS_BOMB)
    start = time.perf_counter()
    code, _, err = run_cli(capsys, "run", str(path))
    assert time.perf_counter() - start < 2.0
    assert_one_line_error(code, err, str(path), "alias")


# ------------------------------------------------------------------------------------------------------------
# the command line
# ------------------------------------------------------------------------------------------------------------

CLI_CASES: list[tuple[str, list[str], str]] = [
    ("duration not a number", ["--duration", "abc"], "--duration"),
    ("duration zero", ["--duration", "0"], "--duration"),
    ("duration negative", ["--duration", "-1"], "--duration"),
    ("duration inf", ["--duration", "inf"], "--duration"),
    ("duration nan", ["--duration", "nan"], "--duration"),
    ("seed negative", ["--seed", "-1"], "--seed"),
    ("seed fractional", ["--seed", "1.5"], "--seed"),
    ("seed text", ["--seed", "x"], "--seed"),
    ("unknown flag", ["--turbo"], "--turbo"),
    ("flag without value", ["--duration"], "--duration"),
]


@pytest.mark.parametrize("case_id,extra,needle", CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_bad_command_line_gives_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], case_id: str, extra: list[str],
                                         needle: str) -> None:
    path = write_yaml(tmp_path, rich(), "ok.yaml")
    code, _, err = run_cli(capsys, "run", str(path), *extra)
    assert_one_line_error(code, err, needle)


def test_missing_scenario_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "run", str(tmp_path / "nope.yaml"))
    assert_one_line_error(code, err, "nope.yaml", "not found")


def test_scenario_is_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "run", str(tmp_path))
    assert_one_line_error(code, err, str(tmp_path), "directory")


def test_unknown_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "simulate", "x.yaml")
    assert_one_line_error(code, err, "simulate")


def test_missing_scenario_argument(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "run")
    assert_one_line_error(code, err, "scenario")


def test_unwritable_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_yaml(tmp_path, rich(), "ok.yaml")
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    code, _, err = run_cli(capsys, "run", str(path), "--out", str(blocker / "out"))
    assert_one_line_error(code, err, "--out")


def test_duration_below_warmup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = rich()
    data["warmup_s"] = 0.5
    path = write_yaml(tmp_path, data)
    code, _, err = run_cli(capsys, "run", str(path), "--duration", "0.2")
    assert_one_line_error(code, err, "warmup_s")


SWEEP_CASES: list[tuple[str, list[str], str]] = [
    ("set path with a typo", ["--set", "cameras.cma.fps=10,20"], "cameras.cma"),
    ("set value the schema rejects", ["--set", "cameras.cam.fps=10,-1"], "fps"),
    ("set without values", ["--set", "cameras.cam.fps"], "--set"),
]


@pytest.mark.parametrize("case_id,extra,needle", SWEEP_CASES, ids=[c[0] for c in SWEEP_CASES])
def test_bad_sweep_gives_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], case_id: str, extra: list[str],
                                  needle: str) -> None:
    path = write_yaml(tmp_path, rich(), "ok.yaml")
    code, _, err = run_cli(capsys, "sweep", str(path), "--jobs", "1", "--quiet", *extra)
    assert_one_line_error(code, err, needle)


def test_sweep_refuses_an_alias_bomb(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_yaml(tmp_path, ALIAS_BOMB)
    code, _, err = run_cli(capsys, "sweep", str(path), "--jobs", "1", "--quiet", "--set", "duration_s=1,2")
    assert_one_line_error(code, err, "bad.yaml", "alias")


# ------------------------------------------------------------------------------------------------------------
# a handful through a real process: exit status and stderr as a shell sees them
# ------------------------------------------------------------------------------------------------------------

SUBPROCESS_CASES: list[tuple[str, str | None, list[str], str]] = [
    ("deep nesting", "name: " + "[" * 20_000 + "\n", [], "nesting"),
    ("duplicate key", "name: a\nname: b\n", [], "duplicate key"),
    ("nan ambient", None, [], "thermal.ambient_c"),
    ("bad duration", None, ["--duration", "soon"], "--duration"),
    ("missing file", "", [], "not found"),
]


@pytest.mark.parametrize("case_id,text,extra,needle", SUBPROCESS_CASES, ids=[c[0] for c in SUBPROCESS_CASES])
def test_bad_input_in_a_real_process(tmp_path: Path, case_id: str, text: str | None, extra: list[str], needle: str) -> None:
    if text is None:
        data = rich()
        if case_id == "nan ambient":
            data["thermal"]["ambient_c"] = math.nan
        path = write_yaml(tmp_path, data)
    elif text == "":
        path = tmp_path / "absent.yaml"
    else:
        path = write_yaml(tmp_path, text)
    proc = subprocess.run([sys.executable, "-m", "edgesim.cli", "run", str(path), *extra], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "MPLBACKEND": "Agg"}, cwd=Path(__file__).resolve().parents[2])
    assert_one_line_error(proc.returncode, proc.stderr, needle)
    assert proc.stdout == ""


# ------------------------------------------------------------------------------------------------------------
# the pieces behind the messages, tested directly: YAML limits, name checks, the run budget
# ------------------------------------------------------------------------------------------------------------


def test_yaml_limits_and_one_line_messages() -> None:
    assert safe_load("a: &x {b: 1}\nc: {<<: *x, b: 2}\n") == {"a": {"b": 1}, "c": {"b": 2}}  # merge keys may override
    assert safe_load("x: 1e3\ny: 26.0e12\n") == {"x": 1000.0, "y": 26.0e12}
    assert safe_load("[" * 50 + "]" * 50) is not None
    with pytest.raises(YamlInputError, match="nesting deeper than 50 levels"):
        safe_load("[" * 51 + "]" * 51, max_depth=50)
    with pytest.raises(YamlInputError, match="more than 100 nodes"):
        safe_load("a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nb: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n", max_nodes=100)
    with pytest.raises(YamlInputError) as info:
        safe_load("a: 1\nb:\n  c: 2\n  c: 3\n")
    assert str(info.value) == "line 4, column 3: duplicate key 'c' (first at line 3, column 3)"
    with pytest.raises(YamlInputError) as info:
        safe_load("a: [1, 2\nb: 3\n")
    assert "\n" not in str(info.value) and str(info.value).startswith("line 2, column 2: ")
    assert "\n" not in format_yaml_error(yaml.YAMLError("two\nlines"))


def test_several_errors_are_one_line_and_the_empty_list_is_not_reported_twice(tmp_path: Path,
                                                                              capsys: pytest.CaptureFixture[str]) -> None:
    data = rich()
    data["cameras"][0]["fps"] = -1
    data["compute_units"][0]["idle_power_w"] = -1
    data["compute_units"][1]["foo"] = 1
    path = write_yaml(tmp_path, data)
    code, _, err = run_cli(capsys, "run", str(path))
    assert_one_line_error(code, err, "cameras[0].fps", "; also: compute_units[0].idle_power_w", "; also: compute_units[1].foo")
    assert "at least 1 item" not in err
    errors = ScenarioErrors([ScenarioError("f", "a", "x"), ScenarioError("f", "a", "x"), ScenarioError("f", "", "multi\nline")])
    assert str(errors) == "f: a: x; also: multi line"
    assert len(errors.errors) == 2


def _spec(mutate: Callable[[dict[str, Any]], None] | None = None, source: str = "<dict>") -> ScenarioSpec:
    data = rich()
    if mutate is not None:
        mutate(data)
    data["source"] = source
    return ScenarioSpec.model_validate(data)


def test_check_names_finds_every_unknown_or_repeated_name(tmp_path: Path) -> None:
    assert check_names(_spec()) == []
    spec = _spec(both(put(f"{U0}.measured[0].model", "ghost"), put(f"{U0}.efficiency_by_model.ghost2", 0.5),
                      put(f"{U0}.batching.batch_time.ghost3", {"fixed_s": 0, "per_item_s": 1e-3}),
                      append("thermal.nodes", {"name": "soc", "capacity_j_per_k": 2.0}), copy_of("platform_loads[0]", "platform_loads"),
                      copy_of("memory_buses[0]", "memory_buses"), put("catalog_files", ["nope.yaml", "."])),
                 source=str(tmp_path / "s.yaml"))
    fields = [e.field for e in check_names(spec)]
    assert fields == [f"{U0}.measured[0].model", f"{U0}.efficiency_by_model.ghost2", f"{U0}.batching.batch_time.ghost3",
                      "memory_buses[1].name", "platform_loads[1].name", "thermal.nodes[1].name", "catalog_files[0]", "catalog_files[1]"]
    # a pipeline stage costed by ops runs as a model named after it; a declared model's catalog id counts as its name
    assert check_names(_spec(put(f"{U1}.efficiency_by_model", {"pre": 0.5}))) == []
    assert check_names(_spec(both(put("models[0].catalog", "resnet50"), put(f"{U0}.measured[0].model", "resnet50")))) == []
    # a catalog unit's measured points are checked only against a given list of catalog models
    catalog_unit = put(f"{U0}.device", "hailo8")
    assert check_names(_spec(both(catalog_unit, put(f"{U0}.measured[0].model", "mobilenet_v2")))) == []
    assert check_names(_spec(both(catalog_unit, put(f"{U0}.measured[0].model", "mobilenet_v2"))), catalog_models={"resnet50"})
    (tmp_path / "mine.yaml").write_text("models: {}\n")
    assert check_names(_spec(put("catalog_files", ["mine.yaml"]), source=str(tmp_path / "s.yaml"))) == []


def test_estimate_run_counts_frames_jobs_queries_and_intervals() -> None:
    spec = _spec(put("duration_s", 100.0))
    estimate = estimate_run(spec)
    # camera: 10 fps x 2 replicas x (1 arrival + 1 stream job + 3 pipeline jobs (1 + 1 + Poisson mean 2)) x 100 s;
    # server load: 20 queries/s x 2 events (query, completion) x 100 s
    assert estimate.events == pytest.approx(10 * 2 * (1 + 1 + 4) * 100 + 20 * 2 * 100)
    # 2 units + 1 link + the device (battery, thermal) every 0.5 s
    assert estimate.recorded_intervals == pytest.approx(100 / 0.5 * 4)
    jobs = 10 * 2 * 5 * 100 + 20 * 100
    assert estimate.memory_bytes == pytest.approx(jobs * 4 + 200 * (3 * 48 + 4 * 8 + 8))
    assert estimate_run(spec, 10.0).events == pytest.approx(estimate.events / 10)
    check_run_budget(spec, None, DEFAULT_MAX_EVENTS)


@pytest.mark.parametrize("mutate,duration_s,field", [
    (put("duration_s", 1e9), None, "duration_s"),
    (put("duration_s", 1.0), 1e8, "duration_s"),
    (both(put("cameras[0].fps", 1e6), put("cameras[0].arrival", {"kind": "poisson"})), 1e3, "cameras[0].fps"),
    (put("cameras[0].count", 10_000), 3600.0, "cameras[0].count"),
    (put(f"{S2}.count.mean", 1e4), 3600.0, f"{S2}.count.mean"),
    (put("loads[0].target_qps", 1e6), 1e3, "loads[0].target_qps"),
    (put("record.interval_s", 1e-6), 1e3, "record.interval_s"),
    (put("record.trace", True), 1e6, "record.trace"),
])
def test_check_run_budget_names_the_field_that_drives_the_excess(mutate: Callable[[dict[str, Any]], None], duration_s: float | None,
                                                                field: str) -> None:
    spec = _spec(mutate)
    with pytest.raises(ScenarioError) as info:
        check_run_budget(spec, duration_s, DEFAULT_MAX_EVENTS)
    assert info.value.field == field
    assert "--max-events N" in info.value.problem and "\n" not in str(info.value)
    estimate = estimate_run(spec, duration_s)
    check_run_budget(spec, duration_s, max(estimate.events, estimate.recorded_intervals * 10, estimate.memory_bytes / 40) * 1.01)


def test_closed_loop_loads_are_bounded_by_their_unit() -> None:
    # single stream on the npu's measured 500 fps at 64 x 48: at most 500 queries/s, 2 events each
    load = {"name": "ss", "scenario": "single_stream", "model": "det", "unit": "npu", "width_px": 64, "height_px": 48}
    spec = _spec(both(put("loads", [load]), put("cameras", []), put("streams", []), put("pipelines", [])))
    assert estimate_run(spec, 10.0).events == pytest.approx(500 * 2 * 10)
    # offline: all samples, but no more than the unit serves in the run (cpu analytic: 1e11 x 0.3 / 1e6 ops x 2 servers)
    offline = {**load, "name": "off", "scenario": "offline", "model": "cls", "unit": "cpu", "width_px": 32, "height_px": 32, "offline_samples": 100}
    spec = _spec(both(put("loads", [offline]), put("cameras", []), put("streams", []), put("pipelines", [])))
    assert estimate_run(spec, 10.0).events == pytest.approx(2 * 100)
    assert estimate_run(spec, 1e-6).events == pytest.approx(2 * 1e11 * 0.3 / 1e6 * 2 * 1e-6)
