"""Required thermal resistance R = (Tj - Tc) / P for the white paper's intersection, per device, by simulation.

The white paper ("Power Efficiency - Some Definitions"): the thermal resistance a design must reach is
R = (Tj - Tc) / P = (Tj - Tc) x eff / C; lower R is harder (bigger heatsink, fan), and a less efficient
processor needs a lower R for the same capacity. This script runs ``scenarios/intersection_3cam.yaml``
(3 cameras x 640 x 480 x 30 FPS x 3 ResNet-50-class networks, 12.44 TOPS) with its compute unit replaced by
every catalog unit that can run it, and computes R from the SIMULATED average power of that unit
(``edgesim.physics.whitepaper.required_thermal_resistance_k_per_w``) at Tj = 105 C, Tc = 85 C, and at the catalog's
junction limit ``thermal.tj_max_c`` where the catalog has one. ``scenarios/intersection_3cam_2npu.yaml``
(two Hailo-8) is added as the configuration that sustains the workload; its R is that of the hotter chip.

A unit that cannot keep up (achieved TOPS < required, frames dropped) is marked ``sustained = False`` with
its achieved fraction: its R is for the power it draws while delivering only that fraction. The column
``r_full_workload_k_per_w`` is the white paper's efficiency form R = (Tj - Tc) x eff / C with the simulated
efficiency eff = achieved ops/s / P and the full required C: the R one package of that efficiency would need
to deliver the whole 12.44 TOPS.

The intersection's networks have no measured point on any unit, so every unit runs them analytically
(peak x efficiency from the unit's measured point) at ``max_power_w``. Where the unit has a measured
ResNet-50 power, a second run sets the active power to that figure (scenario override of max_power_w) as a
sensitivity (columns ``*_at_resnet50_power``): the two differ much for the Xavier AGX (30 W budget vs
11.5 W measured on ResNet-50).

    python experiments/thermal_resistance.py [--fast] [--out DIR]

Writes ``thermal_resistance.csv`` / ``.md`` and ``thermal_resistance.png``.
"""
from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

from edgesim import ScenarioError, scenario_from_dict  # noqa: E402
from edgesim.physics import whitepaper as analysis  # noqa: E402
from edgesim.spec.load import read_scenario_dict  # noqa: E402

TJ_C = 105.0  # junction limit, degC (the brief's reference value; catalog tj_max_c used where present)
TC_C = 85.0   # case / ambient limit, degC
SCENARIO = common.SCENARIOS / "intersection_3cam.yaml"
SCENARIO_2NPU = common.SCENARIOS / "intersection_3cam_2npu.yaml"
FAST_DURATION_S = 3.0  # simulated s in --fast mode (warm-up 1 s); full mode: the scenario's 60 s

COLUMNS = ["configuration", "device", "unit", "precision", "n_units", "required_tops", "achieved_tops",
           "achieved_fraction", "sustained", "drop_rate", "utilization", "unit_power_w", "system_power_w",
           "tj_c", "tc_c", "r_k_per_w", "r_from_eff_k_per_w", "eff_tops_per_w", "r_full_workload_k_per_w",
           "catalog_tj_max_c", "r_catalog_tj_k_per_w", "catalog_throttle_c", "catalog_critical_c",
           "catalog_operating_max_c", "resnet50_power_w", "unit_power_w_at_resnet50_power",
           "r_k_per_w_at_resnet50_power", "note"]


def _run(data: dict[str, Any], duration_s: float | None) -> dict[str, Any]:
    return common.simulate_spec(scenario_from_dict(data, source=str(SCENARIO), base_dir=SCENARIO.parent), duration_s)


def _thermal_columns(summary: dict[str, Any], thermal: Any) -> dict[str, Any]:
    """R from the hottest unit's simulated power, at (TJ_C, TC_C) and at the catalog's tj_max_c."""
    system = summary["system"]
    hottest = max(summary["units"], key=lambda u: u["avg_power_w"])
    power_w = hottest["avg_power_w"]
    achieved_ops = system["achieved_tops"] * 1e12
    required_ops = system["required_tops"] * 1e12
    offered = sum(s["offered"] for s in summary["streams"])
    dropped = sum(s["dropped"] for s in summary["streams"])
    # the hottest package's share of the achieved work (its own inferences x ops)
    unit_ops = sum(s["ops_per_inference"] * s["completed"] for s in summary["streams"] if s["unit"] == hottest["name"])
    window_s = summary["duration_s"] - summary["warmup_s"]
    eff_ops_per_j = analysis.efficiency_ops_per_j(unit_ops / window_s, power_w)
    row = {
        "n_units": len(summary["units"]),
        "required_tops": system["required_tops"], "achieved_tops": system["achieved_tops"],
        "achieved_fraction": achieved_ops / required_ops, "sustained": dropped == 0,
        "drop_rate": dropped / offered if offered else 0.0, "utilization": hottest["utilization"],
        "unit_power_w": power_w, "system_power_w": system["avg_power_w"], "tj_c": TJ_C, "tc_c": TC_C,
        "r_k_per_w": analysis.required_thermal_resistance_k_per_w(TJ_C, TC_C, power_w),
        # None where the hottest package completed nothing (no efficiency to divide by)
        "r_from_eff_k_per_w": analysis.required_thermal_resistance_from_efficiency(TJ_C, TC_C, eff_ops_per_j,
                                                                                   unit_ops / window_s) if unit_ops > 0 else None,
        "eff_tops_per_w": analysis.efficiency_ops_per_j(achieved_ops, system["avg_power_w"]) / 1e12,
        # one package of the system's simulated efficiency delivering the whole required capacity
        "r_full_workload_k_per_w": analysis.required_thermal_resistance_from_efficiency(
            TJ_C, TC_C, analysis.efficiency_ops_per_j(achieved_ops, system["avg_power_w"]), required_ops) if achieved_ops > 0 else None,
    }
    if thermal is not None:
        row.update(catalog_tj_max_c=thermal.tj_max_c, catalog_throttle_c=thermal.throttle_c,
                   catalog_critical_c=thermal.critical_c, catalog_operating_max_c=thermal.operating_max_c)
        if thermal.tj_max_c is not None and thermal.tj_max_c > TC_C:
            row["r_catalog_tj_k_per_w"] = analysis.required_thermal_resistance_k_per_w(thermal.tj_max_c, TC_C, power_w)
    return row


def _device_row(base: dict[str, Any], device: str, unit: str, duration_s: float | None) -> dict[str, Any]:
    entry = common.unit_entry(device, unit)
    precision = common.unit_precision(device, unit, "resnet50")
    row: dict[str, Any] = {"configuration": f"intersection_3cam on 1x {device}.{unit}", "device": device,
                           "unit": unit, "precision": precision}
    data = copy.deepcopy(base)
    data["compute_units"] = [common.unit_entry_dict(device, unit, name="npu")]
    if precision is not None:
        for m in data["models"]:
            m["precision"] = precision
    try:
        summary = _run(data, duration_s)
    except ScenarioError as exc:
        row.update(note=str(exc).splitlines()[0].split(": ", 1)[-1].split(": set efficiency")[0])
        return row
    row.update(_thermal_columns(summary, entry.thermal))
    streams = summary["streams"]
    row["note"] = f"{streams[0]['service_source']}: {streams[0]['service_detail']}"
    if not row["sustained"]:
        row["note"] = f"NOT sustained: delivers {row['achieved_fraction']:.1%} of the workload. " + row["note"]
    thermal = entry.thermal
    if thermal is not None and thermal.operating_max_c is not None and thermal.operating_max_c <= TC_C:
        row["note"] += (f". Catalog operating_max_c {thermal.operating_max_c:g} C <= Tc {TC_C:g} C: not rated for "
                        "that case temperature at all")
    point = entry.measured_point("resnet50")
    if point is not None and point.power_w is not None:
        row["resnet50_power_w"] = point.power_w
        if point.power_w != entry.max_power_w and point.power_w >= entry.idle_power_w:
            data["compute_units"][0]["max_power_w"] = point.power_w
            alt = _run(data, duration_s)
            alt_w = max(u["avg_power_w"] for u in alt["units"])
        else:
            alt_w = row["unit_power_w"]
        row["unit_power_w_at_resnet50_power"] = alt_w
        row["r_k_per_w_at_resnet50_power"] = analysis.required_thermal_resistance_k_per_w(TJ_C, TC_C, alt_w)
    return row


def run(fast: bool = False, out_dir: str | Path | None = None) -> dict[str, Any]:
    """Run the intersection on every catalog unit that can run it (and on two Hailo-8); write table and figure.

    Returns ``{"rows", "skipped", "files"}``.
    """
    out = common.out_dir(out_dir)
    duration_s = FAST_DURATION_S if fast else None
    base = read_scenario_dict(SCENARIO)
    rows = [_device_row(base, device, unit, duration_s) for device, unit in common.catalog_units()]
    two = common.simulate_file(SCENARIO_2NPU, duration_s)
    row2 = {"configuration": "intersection_3cam_2npu (2x hailo8, hotter chip)", "device": "hailo8", "unit": "npu",
            "precision": "int8"}
    row2.update(_thermal_columns(two, common.unit_entry("hailo8").thermal))
    row2["note"] = ("per-chip powers " + ", ".join(f"{u['name']} {u['avg_power_w']:.3g} W" for u in two["units"])
                    + "; R is the hotter chip's")
    rows.append(row2)
    done = [r for r in rows if "r_k_per_w" in r]
    skipped = {f"{r['device']}.{r['unit']}": r["note"] for r in rows if "r_k_per_w" not in r}
    notes = [
        f"R = (Tj - Tc) / P with Tj = {TJ_C:g} C, Tc = {TC_C:g} C and P = the simulated average power of the (hottest) "
        "unit running the intersection (edgesim.physics.whitepaper.required_thermal_resistance_k_per_w); r_from_eff_k_per_w = "
        "(Tj - Tc) x eff / C with that unit's simulated eff and delivered C, which must equal it.",
        "r_full_workload_k_per_w = (Tj - Tc) x eff / C_required: the R one package of the simulated efficiency would need "
        "to deliver all of the required TOPS (lower = harder).",
        "catalog_* columns: the catalog's thermal limits (null = UNKNOWN there); r_catalog_tj_k_per_w uses tj_max_c "
        "where the catalog has one above Tc. operating_max_c is a case / plate limit, not a junction limit.",
        "*_at_resnet50_power: the same run with the unit's active power set to its measured ResNet-50 power "
        "(scenario override of max_power_w); the default analytic route draws max_power_w.",
        "skipped: " + ("; ".join(f"{k}: {v}" for k, v in skipped.items()) if skipped else "none"),
    ]
    csv_path, md_path = common.write_table(done, out, "thermal_resistance", COLUMNS,
                                           title="Required thermal resistance for the 3-camera intersection",
                                           notes=notes)
    png = _plot(done, out / "thermal_resistance.png")
    return {"rows": done, "skipped": skipped, "files": [csv_path, md_path, png]}


def _plot(rows: list[dict[str, Any]], path: Path) -> Path:
    plt = common.pyplot()
    import numpy as np

    x = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(10, 4.6))
    bars = ax.bar(x - 0.2, [r["r_k_per_w"] for r in rows], 0.4, label="R at simulated power (its delivered share)",
                  color=["#1f77b4" if r["sustained"] else "#ff7f0e" for r in rows])
    ax.bar(x + 0.2, [np.nan if r["r_full_workload_k_per_w"] is None else r["r_full_workload_k_per_w"] for r in rows], 0.4, color="#bbbbbb",
           label="R for the full 12.44 TOPS at its efficiency")
    for bar, r in zip(bars, rows):
        ax.annotate(f"{r['achieved_fraction']:.0%}\n{r['unit_power_w']:.3g} W",
                    (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom", fontsize=7)
    ax.set_yscale("log")
    values = [v for r in rows for v in (r["r_k_per_w"], r["r_full_workload_k_per_w"]) if v is not None]
    ax.set_ylim(min(values) / 2, max(values) * 8)  # room for the labels and the legend
    labels = [f"{'2x ' if r['n_units'] > 1 else ''}{r['device']}\n{'sustained' if r['sustained'] else 'NOT sustained'}"
              for r in rows]
    ax.set_xticks(x, labels, fontsize=7)
    ax.set_ylabel(f"required R (K/W), Tj {TJ_C:g} C, Tc {TC_C:g} C")
    ax.set_title("Intersection (3 cams x 3 NNs): thermal resistance needed (orange: cannot keep up; label: delivered "
                 "share, power)", fontsize=9)
    ax.legend(fontsize=8, loc="upper center", ncol=2)
    return common.save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    args = common.parser(__doc__.splitlines()[0]).parse_args(argv)
    result = run(fast=args.fast, out_dir=args.out)
    common.print_table(result["rows"], ["configuration", "achieved_fraction", "sustained", "unit_power_w",
                                        "r_k_per_w", "r_full_workload_k_per_w", "r_catalog_tj_k_per_w",
                                        "unit_power_w_at_resnet50_power", "r_k_per_w_at_resnet50_power"])
    for name, reason in result["skipped"].items():
        print(f"skipped {name}: {reason}")
    print("wrote", ", ".join(str(p) for p in result["files"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
