"""What if the intersection ran on another accelerator? Every catalog accelerator, battery life across devices
for the laptop, and a city of many intersections -- all through the sweep machinery (edgesim.sweeps).

    python experiments/accelerator_whatif.py [--fast] [--out DIR] [--jobs J] [--duration S] [--replications R] [--sites N]

1. Intersection x every catalog accelerator (each unit of each device, discovered from the catalog at run
   time). The scenario's compute unit is replaced whole by ``{name, device, device_unit}``, so no field of
   the previous device lingers, and the networks run at the best precision the unit has a peak for (int8,
   then fp16, bf16, fp32). The catalog gives most units neither a measured point for these generic networks
   nor an efficiency. Those units get an *assumed* efficiency: the median of the efficiencies the loader
   derives from catalog measured points, or ``--assume-efficiency``. Their rows are flagged
   ``efficiency_assumed`` and marked ``*`` in the plot. Units the networks cannot run on (no peak for any
   precision: measured-only devices) are recorded as failed runs and listed with the reason.
   -> ``accelerator_whatif.{csv,md}``: mean and 95% CI over ``--replications`` per unit.
   -> ``accelerator_whatif_pareto.png``: inferences per joule vs worst p99 latency, colour = drop rate. The
   front is taken over those two and the drop rate.
2. Battery life across devices for the laptop (``scenarios/laptop_battery_npu.yaml``: the white paper's laptop
   with its neural work on an accelerator; ``--laptop`` for another). Its accelerator is swapped for each
   catalog unit in the same way. Battery life is the summary's ``system.battery_life_h``: simulated to
   cut-off when the run is long enough, else projected from the average draw, as the summary says.
   -> ``accelerator_battery.{csv,md,png}``.
3. A city: ``--sites`` intersections, each an independent site with its own camera count (1-6), frame rate
   (10/15/30 fps) and accelerator (drawn from a seeded generator among the units that ran the
   intersection), run as the ``cases`` of one sweep, then aggregated. The aggregates: total power, energy
   per day, required vs achieved TOPS, and the sites that meet the service level (worst p99 <= 100 ms,
   drops <= 1 %).
   -> ``city.{csv,md,png}``, ``city_summary.json``.

Sweep tables (resumable: rerun the script and finished runs are not repeated) go to ``OUT/sweeps/``.
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

from edgesim.errors import ScenarioError  # noqa: E402
from edgesim import scenario_from_dict  # noqa: E402
from edgesim.spec.load import read_scenario_dict  # noqa: E402
from edgesim.sweeps import confidence_intervals, pareto_front, plot_pareto, set_path, sweep  # noqa: E402

INTERSECTION = common.SCENARIOS / "intersection_3cam.yaml"
LAPTOP = common.SCENARIOS / "laptop_battery_npu.yaml"
SLO_P99_MS = 100.0
SLO_DROP = 0.01
OBJECTIVES = {"system.inferences_per_j": "max", "max_p99_latency_ms": "min", "drop_rate": "min"}


def best_precision(device: str, unit: str) -> str | None:
    entry = common.unit_entry(device, unit)
    return next((p for p in common.PRECISION_PREFERENCE if p in entry.peak_ops_per_s), None)


def _swapped(base: dict, unit_name: str, item: dict, precision: str | None) -> dict:
    data = json.loads(json.dumps(base))
    set_path(data, f"compute_units.{unit_name}", item)
    for model in data["models"]:
        model["precision"] = precision or model.get("precision", "int8")
    return data


def derived_efficiencies(base: dict, unit_name: str) -> dict[str, float]:
    """Efficiency the scenario loader derives for each catalog unit that has one (from a measured point)."""
    out = {}
    for device, unit in common.catalog_units():
        item = {"name": unit_name, "device": device, "device_unit": unit}
        try:
            spec = scenario_from_dict(_swapped(base, unit_name, item, best_precision(device, unit)), source="<probe>")
        except ScenarioError:
            continue
        eff = spec.unit(unit_name).efficiency
        if eff is not None:
            out[f"{device}.{unit}"] = float(eff)
    return out


def assumed_efficiency(given: float | None) -> tuple[float, str]:
    if given:
        return given, "given (--assume-efficiency)"
    base = read_scenario_dict(INTERSECTION)
    derived = derived_efficiencies(base, base["compute_units"][0]["name"])
    if not derived:
        return 0.3, "no catalog-derived efficiency: 0.3"
    return statistics.median(derived.values()), f"median of {len(derived)} catalog-derived efficiencies"


def unit_cases(base: dict, unit_name: str, assume: float) -> tuple[dict[str, dict], dict[str, dict]]:
    """One sweep case per catalog unit (the unit swapped whole, the networks at its best precision)."""
    derived = derived_efficiencies(base, unit_name)
    cases, info = {}, {}
    # the scenario's own scheduling choice is not a device property: keep it across the swap
    written = next(u for u in base["compute_units"] if u["name"] == unit_name)
    keep = {k: written[k] for k in ("scheduler",) if k in written}
    for device, unit in common.catalog_units():
        key = f"{device}.{unit}"
        precision = best_precision(device, unit)
        item: dict[str, Any] = {"name": unit_name, "device": device, "device_unit": unit, **keep}
        assumed = key not in derived and precision is not None
        if assumed:
            item["efficiency"] = assume
        overrides: dict[str, Any] = {f"compute_units.{unit_name}": item}
        for model in base["models"]:
            overrides[f"models.{model['name']}.precision"] = precision or model.get("precision", "int8")
        cases[key] = overrides
        info[key] = {"device": device, "unit": unit, "precision": precision or "-", "efficiency_assumed": assumed}
    return cases, info


def _progress(quiet: bool) -> bool | None:
    return False if quiet else None


def accelerators(fast: bool, out: Path, jobs: int | None, duration: float, replications: int, assume: float,
                 assume_note: str, quiet: bool) -> tuple[list[dict], list[Path]]:
    base = read_scenario_dict(INTERSECTION)
    unit_name = base["compute_units"][0]["name"]
    cases, info = unit_cases(base, unit_name, assume)
    print(f"[1] intersection x {len(cases)} catalog units, {replications} replications x {duration:g} s; "
          f"assumed efficiency {assume:.3f} ({assume_note})")
    t0 = time.perf_counter()
    df = sweep(INTERSECTION, cases=cases, replications=replications, duration_s=duration, seed=1, jobs=jobs,
               out=out / "sweeps" / "accelerators", per_stream=False, progress=_progress(quiet))
    print(f"    {len(df)} runs in {time.perf_counter() - t0:.1f} s ({df.attrs['skipped']} resumed), {df.attrs['failed']} failed")
    metrics = ["system.inferences_per_j", "max_p99_latency_ms", "drop_rate", "system.avg_power_w", "system.achieved_tops",
               "system.required_tops", "max_utilization"]
    ok = df[df["status"] == "ok"]
    ci = confidence_intervals(ok, metrics, by=["case"], wide=True) if len(ok) else pd.DataFrame(columns=["case"])
    rows = []
    for case, meta in info.items():
        r = ci[ci["case"] == case]
        errors = df.loc[(df["case"] == case) & (df["status"] != "ok"), "error"]
        row: dict[str, Any] = {"case": case, **meta, "runs_ok": int(((df["case"] == case) & (df["status"] == "ok")).sum())}
        for m in metrics:
            row[m] = float(r[f"{m}:mean"].iloc[0]) if len(r) else None
            row[f"{m}:ci95"] = float(r[f"{m}:half_width"].iloc[0]) if len(r) else None
        row["error"] = errors.iloc[0] if len(errors) else ""
        rows.append(row)
    table = pd.DataFrame(rows)
    runnable = table[table["runs_ok"] > 0].copy()
    front = set(pareto_front(runnable, OBJECTIVES)["case"]) if len(runnable) else set()
    for row in rows:
        row["pareto"] = row["case"] in front
    rows.sort(key=lambda r: -(r["system.inferences_per_j"] or -1.0))
    columns = ["case", "precision", "efficiency_assumed", "runs_ok", "pareto"] + [
        c for m in metrics for c in (m, f"{m}:ci95")] + ["error"]
    notes = [
        f"Intersection (scenarios/intersection_3cam.yaml: 3 cameras x 3 networks, 150k ops/px, 12.44 TOPS required), "
        f"{duration:g} simulated s x {replications} replications per unit; ':ci95' = 95% confidence half width.",
        f"efficiency_assumed: the catalog gives the unit no measured point and no efficiency; {assume:.3f} ({assume_note}) "
        "was used. Rated TOPS x an assumed efficiency is a what-if, not a measurement.",
        "max_p99_latency_ms = inf: some stream completed no frame (the unit is overloaded and serves other streams first).",
        "pareto: on the front of inferences per joule (max), worst p99 latency (min) and drop rate (min).",
    ]
    csv_path, md_path = common.write_table(rows, out, "accelerator_whatif", columns,
                                           title="Intersection on every catalog accelerator", notes=notes)
    files = [csv_path, md_path]
    if len(runnable):
        runnable["label"] = runnable["case"] + np.where(runnable["efficiency_assumed"], "*", "")
        files.append(plot_pareto(runnable, "max_p99_latency_ms", "system.inferences_per_j",
                                 out / "accelerator_whatif_pareto.png", objectives=OBJECTIVES, label="label",
                                 color="drop_rate", title="Intersection on every catalog accelerator "
                                 "(front: inf/J max, p99 min, drops min; * = assumed efficiency)"))
    common.print_table(rows, ["case", "precision", "efficiency_assumed", "pareto", "system.inferences_per_j",
                              "max_p99_latency_ms", "drop_rate", "system.avg_power_w", "system.achieved_tops"])
    return rows, files


def battery(fast: bool, out: Path, jobs: int | None, duration: float | None, laptop: Path, assume: float,
            quiet: bool) -> tuple[list[dict], list[Path]]:
    if not laptop.exists():
        print(f"\n[2] battery life: {laptop} not found -- skipped")
        return [], []
    base = read_scenario_dict(laptop)
    unit_name = base["compute_units"][0]["name"]
    cases, info = unit_cases(base, unit_name, assume)
    cases["scenario as written"] = {}
    info["scenario as written"] = {"device": "-", "unit": unit_name, "precision": "-", "efficiency_assumed": False}
    run_s = duration if duration is not None else float(base["duration_s"])
    print(f"\n[2] battery life of {laptop.name}: its unit {unit_name!r} as written and swapped for each of "
          f"{len(cases) - 1} catalog units, {run_s:g} s simulated")
    df = sweep(laptop, cases=cases, duration_s=run_s, seed=1, jobs=jobs, out=out / "sweeps" / "battery",
               per_stream=False, progress=_progress(quiet))
    rows = []
    for case, meta in info.items():
        r = df[df["case"] == case].iloc[0]
        ok = r["status"] == "ok"
        projected = r.get("system.battery_life_is_projection")
        rows.append({"case": case, **meta, "status": r["status"],
                     "unit_avg_power_w": r.get("system.avg_power_w") if ok else None,
                     "device_avg_power_w": r.get("system.device_avg_power_w") if ok else None,
                     "battery_life_h": r.get("system.battery_life_h") if ok else None,
                     "battery_life": ("projected" if projected in (True, "True") else "simulated") if ok else "",
                     "drop_rate": r.get("drop_rate") if ok else None,
                     "max_p99_latency_ms": r.get("max_p99_latency_ms") if ok else None,
                     "error": "" if ok else r["error"]})
    def life(r: dict) -> float:
        x = r["battery_life_h"]
        return -float(x) if isinstance(x, (int, float)) and x == x else float("inf")

    rows.sort(key=life)
    columns = ["case", "precision", "efficiency_assumed", "status", "unit_avg_power_w", "device_avg_power_w",
               "battery_life_h", "battery_life", "drop_rate", "max_p99_latency_ms", "error"]
    notes = [f"{laptop.name}: platform loads and battery as in the scenario; the accelerator swapped per row "
             f"({run_s:g} s simulated; 'projected' = average draw held until cut-off, as the summary reports).",
             "A unit that cannot keep up drops frames: its battery life is not comparable (see drop_rate)."]
    csv_path, md_path = common.write_table(rows, out, "accelerator_battery", columns,
                                           title=f"Battery life across accelerators: {laptop.stem}", notes=notes)
    files = [csv_path, md_path]
    good = [r for r in rows if r["status"] == "ok" and r["battery_life_h"] is not None]
    if good:
        plt = common.pyplot()
        fig, ax = plt.subplots(figsize=(8, 0.32 * len(good) + 1.6))
        colors = ["tab:green" if (r["drop_rate"] or 0) <= SLO_DROP else "tab:orange" for r in good]
        ax.barh([r["case"] + ("*" if r["efficiency_assumed"] else "") for r in good],
                [r["battery_life_h"] for r in good], color=colors)
        ax.invert_yaxis()
        ax.set_xlabel("battery life (h)")
        ax.set_title(f"{laptop.stem}: battery life by accelerator (orange: drops > {100 * SLO_DROP:g} %, "
                     "* assumed efficiency)", fontsize=9)
        fig.tight_layout()
        png = out / "accelerator_battery.png"
        fig.savefig(png, dpi=110)
        plt.close(fig)
        files.append(png)
    common.print_table(rows, ["case", "status", "device_avg_power_w", "battery_life_h", "battery_life", "drop_rate"])
    return rows, files


def city(out: Path, jobs: int | None, duration: float, sites: int, runnable: list[str], assume: float,
         quiet: bool) -> tuple[dict, list[Path]]:
    base = read_scenario_dict(INTERSECTION)
    unit_name = base["compute_units"][0]["name"]
    camera = base["cameras"][0]["name"]
    unit_overrides, _ = unit_cases(base, unit_name, assume)
    rng = np.random.default_rng(np.random.SeedSequence(2024))
    cases: dict[str, dict] = {}
    for i in range(sites):
        overrides = dict(unit_overrides[runnable[int(rng.integers(len(runnable)))]])
        overrides[f"cameras.{camera}.count"] = int(rng.integers(1, 7))
        overrides[f"cameras.{camera}.fps"] = int(rng.choice([10, 15, 30]))
        cases[f"site_{i:04d}"] = overrides
    print(f"\n[3] city: {sites} independent intersections (1-6 cameras at 10/15/30 fps, accelerators drawn from "
          f"{len(runnable)} runnable units), {duration:g} s each")
    t0 = time.perf_counter()
    df = sweep(INTERSECTION, cases=cases, duration_s=duration, seed=7, jobs=jobs, out=out / "sweeps" / "city",
               per_stream=False, progress=_progress(quiet))
    wall = time.perf_counter() - t0
    ok = df[df["status"] == "ok"].copy()
    ok["device"] = ok["case"].map(lambda c: cases[c][f"compute_units.{unit_name}"]["device"] + "."
                                  + cases[c][f"compute_units.{unit_name}"]["device_unit"])
    ok["cameras"] = ok["case"].map(lambda c: cases[c][f"cameras.{camera}.count"])
    ok["fps"] = ok["case"].map(lambda c: cases[c][f"cameras.{camera}.fps"])
    ok["meets_slo"] = (ok["max_p99_latency_ms"] <= SLO_P99_MS) & (ok["drop_rate"] <= SLO_DROP)
    keep = ["case", "device", "cameras", "fps", "system.required_tops", "system.achieved_tops", "system.avg_power_w",
            "max_p99_latency_ms", "drop_rate", "meets_slo"]
    rows = ok[keep].to_dict("records")
    summary = {
        "sites": sites, "sites_simulated": int(len(ok)), "failed_runs": int(df.attrs["failed"]),
        "simulated_s_per_site": duration, "wall_s": round(wall, 2),
        "total_avg_power_w": float(ok["system.avg_power_w"].sum()),
        "energy_per_day_kwh": float(ok["system.avg_power_w"].sum() * 24 / 1000),
        "required_tops": float(ok["system.required_tops"].sum()),
        "achieved_tops": float(ok["system.achieved_tops"].sum()),
        "sites_meeting_slo": int(ok["meets_slo"].sum()),
        "slo": f"worst p99 <= {SLO_P99_MS:g} ms and drops <= {100 * SLO_DROP:g} %",
        "city_drop_rate": float(ok["dropped"].sum() / ok["offered"].sum()) if len(ok) and ok["offered"].sum() else None,
        "by_device": {d: {"sites": int(len(g)), "meeting_slo": int(g["meets_slo"].sum()),
                          "avg_power_w": float(g["system.avg_power_w"].sum())} for d, g in ok.groupby("device")},
    }
    json_path = out / "city_summary.json"
    json_path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    csv_path, md_path = common.write_table(rows, out, "city", keep, title=f"City of {sites} intersections",
                                           notes=[f"{summary['sites_meeting_slo']} of {len(ok)} sites meet {summary['slo']}; "
                                                  f"total {summary['total_avg_power_w']:.4g} W, "
                                                  f"{summary['energy_per_day_kwh']:.4g} kWh/day."])
    plt = common.pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 5))
    for meets, marker, name in ((True, "o", "meets SLO"), (False, "x", "misses SLO")):
        part = ok[ok["meets_slo"] == meets]
        ax.scatter(part["system.required_tops"], part["system.avg_power_w"], marker=marker, label=name, alpha=0.8)
    ax.set_xlabel("required TOPS per site")
    ax.set_ylabel("average power per site (W)")
    ax.set_title(f"City of {sites} intersections: {summary['sites_meeting_slo']} meet the SLO, "
                 f"{summary['total_avg_power_w']:.1f} W in total", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    png = out / "city.png"
    fig.savefig(png, dpi=110)
    plt.close(fig)
    print(f"    {len(ok)} sites simulated in {wall:.1f} s; total {summary['total_avg_power_w']:.1f} W "
          f"({summary['energy_per_day_kwh']:.2f} kWh/day), required {summary['required_tops']:.1f} TOPS, achieved "
          f"{summary['achieved_tops']:.1f}; {summary['sites_meeting_slo']}/{len(ok)} sites meet {summary['slo']}")
    return summary, [csv_path, md_path, json_path, png]


def run(fast: bool = False, out_dir: str | Path | None = None, jobs: int | None = None, duration_s: float | None = None,
        replications: int | None = None, sites: int | None = None, assume_efficiency: float | None = None,
        laptop: str | Path | None = None, quiet: bool = True) -> dict[str, Any]:
    """All three studies. Returns ``{"rows", "battery_rows", "city", "files"}``."""
    out = common.out_dir(out_dir)
    duration = duration_s or (5.0 if fast else 60.0)
    replications = replications or (2 if fast else 5)
    sites = sites or (12 if fast else 200)
    assume, note = assumed_efficiency(assume_efficiency)
    rows, files = accelerators(fast, out, jobs, duration, replications, assume, note, quiet)
    battery_rows, more = battery(fast, out, jobs, duration_s if duration_s else (60.0 if fast else None),
                                 Path(laptop) if laptop else LAPTOP, assume, quiet)
    files += more
    runnable = [r["case"] for r in rows if r["runs_ok"] > 0]
    summary: dict[str, Any] = {}
    if runnable:
        summary, more = city(out, jobs, duration, sites, runnable, assume, quiet)
        files += more
    return {"rows": rows, "battery_rows": battery_rows, "city": summary, "files": files}


def main(argv: list[str] | None = None) -> int:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--jobs", type=int, help="worker processes (default: all cores)")
    p.add_argument("--duration", type=float, help="simulated seconds per intersection run (default 60; --fast 5)")
    p.add_argument("--replications", type=int, help="replications per accelerator (default 5; --fast 2)")
    p.add_argument("--sites", type=int, help="intersections in the city (default 200; --fast 12)")
    p.add_argument("--assume-efficiency", type=float,
                   help="efficiency for units the catalog gives none (default: median of the catalog-derived ones)")
    p.add_argument("--laptop", help=f"laptop scenario (default {LAPTOP.relative_to(common.ROOT)})")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    args = p.parse_args(argv)
    result = run(fast=args.fast, out_dir=args.out, jobs=args.jobs, duration_s=args.duration,
                 replications=args.replications, sites=args.sites, assume_efficiency=args.assume_efficiency,
                 laptop=args.laptop, quiet=args.quiet)
    print("wrote", ", ".join(str(p) for p in result["files"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
