"""Rated efficiency (peak TOPS / max power) against simulated ResNet-50 efficiency (FPS/W), per catalog unit.

The white paper ("How Power Efficiency is Calculated"): dividing a chip's rated TOPS by its power "is wrong
and often creates a misleading view"; compare measured throughput per watt on a defined task instead. This
script puts both side by side for every compute unit of the catalog:

* rated: ``peak_ops_per_s[precision] / max_power_w`` (TOPS/W), and the ResNet-50 FPS/W it would imply
  (``peak / ops_per_inference / max_power_w``);
* simulated: a maximum-throughput run of ResNet-50 at 224 x 224, batch 1 (one camera at 20 x capacity,
  queue 1, drop_newest). The unit's measured ResNet-50 point is used where the catalog has one, else the
  analytic estimate (peak x efficiency, at ``max_power_w``) where the unit has an efficiency; units with
  neither are listed as skipped with the simulator's own reason.

Second table: where a unit has a measured ResNet-50 point AND other measured points, the analytic estimate of
ResNet-50 built from each of them (``efficiency_from_measured: MODEL``: efficiency = that model's achieved
ops/s / peak) against the measured point, with the error. The ``resnet50`` row derives the efficiency from
the ResNet-50 point itself: its FPS matches by construction and only the power differs (the analytic route
draws ``max_power_w``).

    python experiments/rated_vs_measured.py [--fast] [--out DIR]

Writes ``rated_vs_measured.csv`` / ``.md``, ``analytic_vs_measured.csv`` / ``.md`` and ``rated_vs_measured.png``.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

from edgesim import ScenarioError  # noqa: E402

MODEL = "resnet50"
ANALYTIC_NAME = "resnet50_analytic"  # a scenario model name with no measured point: forces the analytic route

COLUMNS = ["device", "unit", "kind", "precision", "peak_tops", "max_power_w", "rated_tops_per_w", "rated_fps_per_w",
           "route", "sim_fps", "sim_power_w", "sim_fps_per_w", "sim_tops_per_w", "fraction_of_peak",
           "rated_over_sim", "rank_rated", "rank_sim", "note"]
ANALYTIC_COLUMNS = ["device", "unit", "efficiency_from", "efficiency", "analytic_fps", "analytic_power_w",
                    "analytic_fps_per_w", "measured_fps", "measured_power_w", "measured_fps_per_w", "fps_rel_err",
                    "fps_per_w_rel_err", "note"]


def _short_reason(exc: Exception) -> str:
    """The simulator's validation message without the source label and the how-to-fix tail."""
    text = str(exc).splitlines()[0]
    text = text.split(": ", 1)[1] if text.startswith("<dict>: ") else text
    return text.split(": set efficiency")[0]


def _rated(device: str, unit: str) -> dict[str, Any]:
    entry = common.unit_entry(device, unit)
    precision = common.unit_precision(device, unit, MODEL)
    peak = entry.peak_ops_per_s.get(precision) if precision else None
    ops = common.catalog().model(MODEL).ops_per_inference
    return {
        "device": device, "unit": unit, "kind": entry.kind, "precision": precision,
        "peak_tops": peak / 1e12 if peak else None, "max_power_w": entry.max_power_w,
        "rated_tops_per_w": peak / entry.max_power_w / 1e12 if peak else None,
        "rated_fps_per_w": peak / ops / entry.max_power_w if peak else None,
    }


def _simulate_unit(device: str, unit: str, fast: bool) -> dict[str, Any]:
    row = _rated(device, unit)
    entry = common.unit_entry(device, unit)
    if row["precision"] is None:
        row.update(route="skipped", note="no measured ResNet-50 point and no peak_ops_per_s at any precision "
                   "(catalog: " + entry.sources.get("peak_ops_per_s", "no source text") + ")")
        return row
    try:
        r = common.run_max_throughput(device, unit, MODEL, fast=fast)
    except ScenarioError as exc:
        row.update(route="skipped", note=_short_reason(exc))
        return row
    ops = r["ops_per_inference"]
    sim_tops_per_w = r["fps"] * ops / r["power_w"] / 1e12
    peak = row["peak_tops"] * 1e12 if row["peak_tops"] else None
    row.update(
        route=r["service_source"], sim_fps=r["fps"], sim_power_w=r["power_w"], sim_fps_per_w=r["fps_per_w"],
        sim_tops_per_w=sim_tops_per_w,
        fraction_of_peak=r["fps"] * ops / peak if peak else None,
        rated_over_sim=row["rated_tops_per_w"] / sim_tops_per_w if row["rated_tops_per_w"] else None,
        note=r["service_detail"],
    )
    return row


def _rank(rows: list[dict[str, Any]], key: str, rank_key: str) -> None:
    ranked = sorted((r for r in rows if r.get("sim_fps_per_w") is not None and r.get(key) is not None),
                    key=lambda r: -r[key])
    for i, r in enumerate(ranked, 1):
        r[rank_key] = i


def _analytic_rows(main_rows: list[dict[str, Any]], fast: bool) -> list[dict[str, Any]]:
    """Analytic ResNet-50 estimates from each measured point of units that also have a measured ResNet-50 point."""
    out = []
    cat = common.catalog()
    for base in main_rows:
        if base["route"] != "measured":
            continue
        device, unit = base["device"], base["unit"]
        entry = common.unit_entry(device, unit)
        peak_by_precision = entry.peak_ops_per_s
        refs = [MODEL] + [p.model for p in entry.measured if p.model != MODEL]
        for ref in dict.fromkeys(refs):
            point = entry.measured_point(ref)
            row = {"device": device, "unit": unit, "efficiency_from": ref, "measured_fps": base["sim_fps"],
                   "measured_power_w": base["sim_power_w"], "measured_fps_per_w": base["sim_fps_per_w"]}
            if ref not in cat.models:
                row["note"] = f"skipped: catalog has no model {ref!r} (its op count is needed)"
                out.append(row)
                continue
            if point is None:  # a unit with no measured point of the reference model (most breadth devices)
                row["note"] = f"skipped: no measured {ref} point on this unit"
                out.append(row)
                continue
            if point.precision is not None and point.precision not in peak_by_precision:
                row["note"] = f"skipped: no peak_ops_per_s.{point.precision} for the {ref} point"
                out.append(row)
                continue
            try:
                r = common.run_max_throughput(device, unit, ANALYTIC_NAME, catalog_model=MODEL,
                                              precision=base["precision"], fast=fast,
                                              unit_overrides={"efficiency_from_measured": ref})
            except ScenarioError as exc:
                row["note"] = "skipped: " + _short_reason(exc)
                out.append(row)
                continue
            peak = peak_by_precision[base["precision"]]
            row.update(
                efficiency=r["capacity_fps"] * r["ops_per_inference"] / peak,
                analytic_fps=r["fps"], analytic_power_w=r["power_w"], analytic_fps_per_w=r["fps_per_w"],
                fps_rel_err=common.rel_error(r["fps"], base["sim_fps"]),
                fps_per_w_rel_err=common.rel_error(r["fps_per_w"], base["sim_fps_per_w"]),
                note=("self-consistency: efficiency from the ResNet-50 point itself, FPS equal by construction; "
                      "power = max_power_w" if ref == MODEL else r["service_detail"]),
            )
            out.append(row)
    return out


def run(fast: bool = False, out_dir: str | Path | None = None) -> dict[str, Any]:
    """Simulate every catalog unit on ResNet-50; write both tables and the figure.

    Returns ``{"rows", "analytic_rows", "skipped", "files"}``; ``skipped`` maps ``device.unit`` to the reason.
    """
    out = common.out_dir(out_dir)
    rows = [_simulate_unit(device, unit, fast) for device, unit in common.catalog_units()]
    _rank(rows, "rated_tops_per_w", "rank_rated")
    _rank(rows, "sim_fps_per_w", "rank_sim")
    analytic = _analytic_rows(rows, fast)
    skipped = {f"{r['device']}.{r['unit']}": r["note"] for r in rows if r["route"] == "skipped"}
    ops = common.catalog().model(MODEL).ops_per_inference
    notes = [
        "rated_tops_per_w = catalog peak_ops_per_s[precision] / max_power_w; rated_fps_per_w = the ResNet-50 FPS/W "
        f"those figures imply (peak / {ops:.4g} ops / max_power_w). rated_over_sim = rated TOPS/W / simulated TOPS/W.",
        "sim_*: edgesim maximum-throughput runs, ResNet-50 224x224 batch 1; route 'measured' = the catalog's published "
        "point (white paper Fig. 4 for the four Fig. 4 devices), 'analytic' = peak x efficiency at max_power_w.",
        f"ops per ResNet-50 inference = {ops:.4g} (catalog models.resnet50, torchvision count); the white paper quotes "
        "6.98 G (TF-slim resnet_v1_50): TOPS figures depend on that convention, FPS/W do not.",
        "precision: the measured point's (INT8, FP16 for Jetson Nano and Myriad X as in the white paper), else the best "
        "the unit has a peak for.",
        "skipped units: " + "; ".join(f"{k}: {v}" for k, v in skipped.items()) if skipped else "skipped units: none",
    ]
    csv1, md1 = common.write_table(rows, out, "rated_vs_measured", COLUMNS,
                                   title="Rated TOPS/W vs simulated ResNet-50 FPS/W", notes=notes)
    csv2, md2 = common.write_table(analytic, out, "analytic_vs_measured", ANALYTIC_COLUMNS,
                                   title="Analytic ResNet-50 estimate (efficiency from one measured model) vs the "
                                         "measured ResNet-50 point",
                                   notes=["efficiency = analytic capacity x ops / peak, derived by edgesim from the "
                                          "named model's measured point (catalog); analytic power = max_power_w.",
                                          "measured_*: the maximum-throughput run on the unit's measured ResNet-50 "
                                          "point (table rated_vs_measured)."])
    png = _plot(rows, analytic, out / "rated_vs_measured.png")
    return {"rows": rows, "analytic_rows": analytic, "skipped": skipped, "files": [csv1, md1, csv2, md2, png]}


def _plot(rows: list[dict[str, Any]], analytic: list[dict[str, Any]], path: Path) -> Path:
    plt = common.pyplot()
    import numpy as np

    sim = [r for r in rows if r.get("sim_fps_per_w") is not None and r.get("rated_fps_per_w") is not None]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 4.8), gridspec_kw={"width_ratios": [1, 1.2]})
    x = np.arange(len(sim))
    ax1.bar(x - 0.2, [r["rated_fps_per_w"] for r in sim], 0.4, color="#bbbbbb",
            label="implied by rated TOPS / max W")
    ax1.bar(x + 0.2, [r["sim_fps_per_w"] for r in sim], 0.4, color="#1f77b4", label="simulated (ResNet-50)")
    for xi, r in zip(x, sim):
        ax1.annotate(f"x{r['rated_over_sim']:.1f}", (xi, r["rated_fps_per_w"]), ha="center", va="bottom", fontsize=8)
    ax1.set_yscale("log")
    ax1.set_xticks(x, [f"{r['device']}\n({r['route']})" for r in sim], fontsize=7, rotation=20)
    ax1.set_ylabel("ResNet-50 inferences / W")
    ax1.set_title("Rated efficiency overstates (label: rated / simulated)", fontsize=10)
    ax1.legend(fontsize=8)

    done = [a for a in analytic if a.get("analytic_fps_per_w") is not None]
    y = np.arange(len(done))
    errs = [100 * a["fps_per_w_rel_err"] for a in done]
    ax2.barh(y, errs, color=["#2ca02c" if abs(e) <= 10 else "#d62728" for e in errs])
    ax2.set_yticks(y, [f"{a['device']}: eff. from {a['efficiency_from']}" for a in done], fontsize=7)
    ax2.axvline(0, color="k", lw=0.8)
    ax2.set_xlabel("analytic ResNet-50 FPS/W vs measured point (%)")
    ax2.set_title("Analytic estimate depends on which model's efficiency is borrowed", fontsize=10)
    ax2.invert_yaxis()
    return common.save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    args = common.parser(__doc__.splitlines()[0]).parse_args(argv)
    result = run(fast=args.fast, out_dir=args.out)
    common.print_table(result["rows"], ["device", "unit", "precision", "rated_tops_per_w", "route", "sim_fps",
                                        "sim_power_w", "sim_fps_per_w", "sim_tops_per_w", "rated_over_sim",
                                        "rank_rated", "rank_sim"])
    print()
    common.print_table(result["analytic_rows"], ["device", "efficiency_from", "efficiency", "analytic_fps",
                                                 "analytic_fps_per_w", "measured_fps_per_w", "fps_per_w_rel_err"])
    print()
    for name, reason in result["skipped"].items():
        print(f"skipped {name}: {reason}")
    print("wrote", ", ".join(str(p) for p in result["files"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
