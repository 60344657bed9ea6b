"""What if the intersection ran on another accelerator? Every catalog accelerator, a battery-life projection
for the laptop scenario, and a city of many intersections -- all through the sweep machinery.

    python experiments/accelerator_whatif.py [--fast] [--jobs J] [--duration S] [--replications R] [--sites N]

1. Intersection x every catalog accelerator (each unit of each device, discovered from the catalog at run
   time): the scenario's compute unit is replaced whole by ``{name, device, device_unit}`` (so no field of the
   previous device lingers) and the networks run at the best precision the unit has a peak for (int8, then
   fp16, then fp32). A unit with neither a measured point nor an efficiency in the catalog gets an
   *assumed* efficiency: the median of the efficiencies the catalog derives from measured points (or
   ``--assume-efficiency``); such rows are flagged ``efficiency_assumed``. Units the networks cannot run on
   (no peak for any precision: measured-only devices) are recorded as failed runs and listed.
   Writes ``table.csv``, ``pareto.csv``, ``pareto.png`` (inferences per joule vs worst p99 latency, colour =
   drop rate; front over those two and the drop rate).
2. Battery life across devices for the laptop scenario (``scenarios/laptop*.yaml`` or ``--laptop``): the
   summary's ``system.battery_life_h`` when the scenario simulates a battery, else a projection
   ``--battery-wh / system.avg_power_w`` (flagged). Writes ``battery.csv`` and ``battery.png``.
3. A city: ``--sites`` intersections, each an independent site with its own camera count, frame rate and
   accelerator (drawn from a seeded generator among the units that ran the intersection), run as the
   ``cases`` of one sweep and aggregated: total power, energy per day, required vs achieved TOPS, and the
   sites that meet the service level (worst p99 <= 100 ms, drops <= 1 %). Writes ``city_sites.csv``,
   ``city_summary.json`` and ``city.png``.

Output goes to experiments/out/accelerator_whatif/ (sweep tables in subfolders, resumable).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from edgesim.catalog import load_catalog  # noqa: E402
from edgesim.spec.load import read_scenario_dict, scenario_from_dict  # noqa: E402
from edgesim.sweep import confidence_intervals, pareto_front, plot_pareto, sweep  # noqa: E402

INTERSECTION = ROOT / "scenarios" / "intersection_3cam.yaml"
SLO_P99_MS = 100.0
SLO_DROP = 0.01


def catalog_units() -> list[tuple[str, str, Any]]:
    """(device, unit name, catalog unit) for every unit of every catalog device."""
    catalog = load_catalog()
    return [(d, u, unit) for d, dev in sorted(catalog.devices.items()) for u, unit in dev.units.items()]


def best_precision(unit: Any) -> str | None:
    peaks = dict(unit.peak_ops_per_s)
    return next((p for p in ("int8", "fp16", "fp32") if p in peaks), None)


def derived_efficiencies(base: dict) -> dict[str, float]:
    """The efficiency the scenario loader derives for each catalog unit that has one (from a measured point)."""
    from edgesim.errors import ScenarioError
    from edgesim.sweep import set_path

    out = {}
    unit_name = base["compute_units"][0]["name"]
    for device, uname, unit in catalog_units():
        data = json.loads(json.dumps(base))
        set_path(data, f"compute_units.{unit_name}", {"name": unit_name, "device": device, "device_unit": uname})
        for model in data["models"]:
            model["precision"] = best_precision(unit) or "int8"
        try:
            spec = scenario_from_dict(data, source="<probe>")
        except ScenarioError:
            continue
        if spec.compute_units[0].efficiency is not None:
            out[f"{device}.{uname}"] = float(spec.compute_units[0].efficiency)
    return out


def unit_cases(base: dict, unit_name: str, assume_efficiency: float) -> tuple[dict[str, dict], dict[str, dict]]:
    """One case per catalog unit: the unit swapped whole, the networks at its best precision.

    Returns (cases, info per case: device, unit, precision, efficiency_assumed)."""
    derived = derived_efficiencies(base)
    cases, info = {}, {}
    for device, uname, unit in catalog_units():
        key = f"{device}.{uname}"
        precision = best_precision(unit)
        item: dict[str, Any] = {"name": unit_name, "device": device, "device_unit": uname}
        assumed = key not in derived and precision is not None
        if assumed:
            item["efficiency"] = assume_efficiency
        overrides: dict[str, Any] = {f"compute_units.{unit_name}": item}
        for model in base["models"]:
            overrides[f"models.{model['name']}.precision"] = precision or "int8"
        cases[key] = overrides
        info[key] = {"device": device, "unit": uname, "precision": precision or "-", "efficiency_assumed": assumed}
    return cases, info


def accelerator_sweep(args: argparse.Namespace, out: Path) -> tuple[pd.DataFrame, dict[str, dict]]:
    base = read_scenario_dict(INTERSECTION)
    unit_name = base["compute_units"][0]["name"]
    derived = derived_efficiencies(base)
    assume = args.assume_efficiency or (statistics.median(derived.values()) if derived else 0.3)
    cases, info = unit_cases(base, unit_name, assume)
    print(f"[1] intersection x {len(cases)} catalog units, {args.replications} replications, {args.duration:g} s each; "
          f"assumed efficiency for units without one: {assume:.3f} "
          f"({'given' if args.assume_efficiency else 'median of the catalog-derived ' + str(len(derived))})")
    t0 = time.perf_counter()
    df = sweep(INTERSECTION, cases=cases, replications=args.replications, duration_s=args.duration, seed=1,
               jobs=args.jobs, out=out / "intersection_sweep", per_stream=False, progress=not args.quiet and None)
    print(f"    {len(df)} runs in {time.perf_counter() - t0:.1f} s ({df.attrs['skipped']} resumed), {df.attrs['failed']} failed")
    metrics = ["system.inferences_per_j", "max_p99_latency_ms", "drop_rate", "system.avg_power_w",
               "system.achieved_tops", "system.required_tops", "max_utilization"]
    ok = df[df["status"] == "ok"]
    table = confidence_intervals(ok, metrics, by=["case"], wide=True) if len(ok) else pd.DataFrame(columns=["case"])
    rows = []
    for case, meta in info.items():
        r = table[table["case"] == case]
        err = df.loc[(df["case"] == case) & (df["status"] != "ok"), "error"]
        row = {"case": case, **meta, "runs_ok": int(((df["case"] == case) & (df["status"] == "ok")).sum())}
        for m in metrics:
            row[m] = float(r[f"{m}:mean"].iloc[0]) if len(r) else np.nan
            row[m + ":ci95"] = float(r[f"{m}:half_width"].iloc[0]) if len(r) else np.nan
        row["error"] = err.iloc[0] if len(err) else ""
        rows.append(row)
    full = pd.DataFrame(rows).sort_values("system.inferences_per_j", ascending=False, na_position="last")
    full.to_csv(out / "table.csv", index=False)
    objectives = {"system.inferences_per_j": "max", "max_p99_latency_ms": "min", "drop_rate": "min"}
    runnable = full[full["runs_ok"] > 0].copy()
    runnable["label"] = runnable["case"] + np.where(runnable["efficiency_assumed"], "*", "")
    front = pareto_front(runnable, objectives)
    front.to_csv(out / "pareto.csv", index=False)
    if len(runnable):
        plot_pareto(runnable, "max_p99_latency_ms", "system.inferences_per_j", out / "pareto.png",
                    objectives=objectives, label="label", color="drop_rate",
                    title="Intersection (3 cams x 3 nets) on every catalog accelerator (* = assumed efficiency)")
    print()
    print(f"    {'unit':28s} {'prec':5s} {'inf/J':>8s} {'p99 ms':>9s} {'drop %':>7s} {'W':>7s} {'TOPS ach/req':>13s}  note")
    for _, r in full.iterrows():
        if r["runs_ok"] == 0:
            print(f"    {r['case']:28s} {r['precision']:5s} {'not runnable: ' + str(r['error'])[:90]}")
            continue
        note = ("assumed eff. " if r["efficiency_assumed"] else "") + ("PARETO" if r["case"] in set(front["case"]) else "")
        print(f"    {r['case']:28s} {r['precision']:5s} {r['system.inferences_per_j']:8.1f} {r['max_p99_latency_ms']:9.1f} "
              f"{100 * r['drop_rate']:7.1f} {r['system.avg_power_w']:7.2f} "
              f"{r['system.achieved_tops']:6.2f}/{r['system.required_tops']:<6.2f}  {note}")
    print(f"    wrote {out / 'table.csv'}, {out / 'pareto.csv'}, {out / 'pareto.png'}")
    return full, info


def battery_projection(args: argparse.Namespace, out: Path, assume: float) -> None:
    laptop = Path(args.laptop) if args.laptop else next(iter(sorted((ROOT / "scenarios").glob("laptop*.yaml"))), None)
    if laptop is None or not laptop.exists():
        print("\n[2] battery life: no laptop scenario (scenarios/laptop*.yaml) yet -- skipped (give --laptop FILE)")
        return
    base = read_scenario_dict(laptop)
    units = [u["name"] for u in base.get("compute_units", [])]
    unit_name = units[0]
    cases, info = unit_cases(base, unit_name, assume)
    print(f"\n[2] battery life of {laptop.name} with its unit {unit_name!r} swapped for each of {len(cases)} catalog units")
    df = sweep(laptop, cases=cases, replications=1, duration_s=args.duration, seed=1, jobs=args.jobs,
               out=out / "battery_sweep", per_stream=False, progress=not args.quiet and None)
    df["battery_source"] = "simulated"
    if "system.battery_life_h" not in df.columns or df["system.battery_life_h"].isna().all():
        df["system.battery_life_h"] = args.battery_wh / df["system.avg_power_w"]
        df["battery_source"] = f"projected: {args.battery_wh:g} Wh / average power"
    cols = ["case", "status", "system.avg_power_w", "system.battery_life_h", "battery_source", "drop_rate",
            "max_p99_latency_ms", "error"]
    table = df[[c for c in cols if c in df.columns]].sort_values("system.battery_life_h", ascending=False, na_position="last")
    table.to_csv(out / "battery.csv", index=False)
    ok = table[table["status"] == "ok"]
    for _, r in table.iterrows():
        if r["status"] == "ok":
            print(f"    {r['case']:28s} {r['system.avg_power_w']:7.2f} W  {r['system.battery_life_h']:8.2f} h  "
                  f"drops {100 * r['drop_rate']:5.1f} %  ({r['battery_source']})")
        else:
            print(f"    {r['case']:28s} not runnable: {str(r['error'])[:90]}")
    if len(ok):
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(8, 0.35 * len(ok) + 1.5))
        ax.barh(ok["case"], ok["system.battery_life_h"], color="tab:green")
        ax.invert_yaxis()
        ax.set_xlabel("battery life (h)")
        ax.set_title(f"{laptop.stem}: battery life by accelerator ({ok['battery_source'].iloc[0]})", fontsize=9)
        fig.tight_layout()
        fig.savefig(out / "battery.png", dpi=110)
        plt.close(fig)
    print(f"    wrote {out / 'battery.csv'}" + (f", {out / 'battery.png'}" if len(ok) else ""))


def city(args: argparse.Namespace, out: Path, runnable: list[str], assume: float) -> None:
    base = read_scenario_dict(INTERSECTION)
    unit_name = base["compute_units"][0]["name"]
    camera = base["cameras"][0]["name"]
    all_cases, _ = unit_cases(base, unit_name, assume)
    rng = np.random.default_rng(np.random.SeedSequence(2024))
    sites: dict[str, dict] = {}
    for i in range(args.sites):
        device_case = runnable[int(rng.integers(len(runnable)))]
        overrides = dict(all_cases[device_case])
        overrides[f"cameras.{camera}.count"] = int(rng.integers(1, 7))
        overrides[f"cameras.{camera}.fps"] = int(rng.choice([10, 15, 30]))
        sites[f"site_{i:04d}"] = overrides
    print(f"\n[3] city: {args.sites} independent intersections (1-6 cameras at 10/15/30 fps, accelerators drawn from "
          f"{len(runnable)} runnable units), {args.duration:g} s each")
    t0 = time.perf_counter()
    df = sweep(INTERSECTION, cases=sites, replications=1, duration_s=args.duration, seed=7, jobs=args.jobs,
               out=out / "city_sweep", per_stream=False, progress=not args.quiet and None)
    wall = time.perf_counter() - t0
    ok = df[df["status"] == "ok"].copy()
    ok["device"] = ok["case"].map(lambda c: sites[c][f"compute_units.{unit_name}"]["device"])
    ok["cameras"] = ok["case"].map(lambda c: sites[c][f"cameras.{camera}.count"])
    ok["fps"] = ok["case"].map(lambda c: sites[c][f"cameras.{camera}.fps"])
    ok["meets_slo"] = (ok["max_p99_latency_ms"] <= SLO_P99_MS) & (ok["drop_rate"] <= SLO_DROP)
    keep = ["case", "device", "cameras", "fps", "system.required_tops", "system.achieved_tops", "system.avg_power_w",
            "max_p99_latency_ms", "drop_rate", "meets_slo"]
    ok[keep].to_csv(out / "city_sites.csv", index=False)
    summary = {
        "sites": int(args.sites), "sites_ok": int(len(ok)), "failed_runs": int(df.attrs["failed"]),
        "simulated_s_per_site": args.duration, "wall_s": round(wall, 2),
        "total_avg_power_w": float(ok["system.avg_power_w"].sum()),
        "energy_per_day_kwh": float(ok["system.avg_power_w"].sum() * 24 / 1000),
        "required_tops": float(ok["system.required_tops"].sum()),
        "achieved_tops": float(ok["system.achieved_tops"].sum()),
        "sites_meeting_slo": int(ok["meets_slo"].sum()),
        "slo": f"worst p99 <= {SLO_P99_MS:g} ms and drops <= {100 * SLO_DROP:g} %",
        "worst_p99_latency_ms": float(ok["max_p99_latency_ms"].max()) if len(ok) else None,
        "city_drop_rate": float((ok["drop_rate"] * ok["offered"]).sum() / ok["offered"].sum()) if len(ok) else None,
        "by_device": {d: {"sites": int(len(g)), "meeting_slo": int(g["meets_slo"].sum()),
                          "avg_power_w": float(g["system.avg_power_w"].sum())} for d, g in ok.groupby("device")},
    }
    (out / "city_summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 5))
    for meets, marker, name in ((True, "o", "meets SLO"), (False, "x", "misses SLO")):
        part = ok[ok["meets_slo"] == meets]
        ax.scatter(part["system.required_tops"], part["system.avg_power_w"], marker=marker, label=name, alpha=0.8)
    ax.set_xlabel("required TOPS per site")
    ax.set_ylabel("average power per site (W)")
    ax.set_title(f"City of {args.sites} intersections: {summary['sites_meeting_slo']} meet the SLO, "
                 f"{summary['total_avg_power_w']:.1f} W in total", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "city.png", dpi=110)
    plt.close(fig)
    print(f"    {summary['sites_ok']} sites simulated in {wall:.1f} s; total {summary['total_avg_power_w']:.1f} W "
          f"({summary['energy_per_day_kwh']:.2f} kWh/day), required {summary['required_tops']:.1f} TOPS, achieved "
          f"{summary['achieved_tops']:.1f}; {summary['sites_meeting_slo']}/{summary['sites_ok']} sites meet {summary['slo']}")
    print(f"    wrote {out / 'city_sites.csv'}, {out / 'city_summary.json'}, {out / 'city.png'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fast", action="store_true", help="short runs, 2 replications, 12 sites (a smoke test)")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    parser.add_argument("--duration", type=float, help="simulated seconds per run (default 60; --fast 5)")
    parser.add_argument("--replications", type=int, help="replications per accelerator (default 5; --fast 2)")
    parser.add_argument("--sites", type=int, help="intersections in the city (default 200; --fast 12)")
    parser.add_argument("--assume-efficiency", type=float, help="efficiency for units the catalog gives none "
                        "(default: median of the catalog-derived efficiencies)")
    parser.add_argument("--laptop", help="laptop scenario (default: scenarios/laptop*.yaml)")
    parser.add_argument("--battery-wh", type=float, default=50.0,
                        help="battery for the projection when the scenario simulates none (an assumption; default 50 Wh)")
    parser.add_argument("--out", default=str(ROOT / "experiments" / "out" / "accelerator_whatif"))
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    args.duration = args.duration or (5.0 if args.fast else 60.0)
    args.replications = args.replications or (2 if args.fast else 5)
    args.sites = args.sites or (12 if args.fast else 200)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if not INTERSECTION.exists():
        sys.exit(f"{INTERSECTION} not found")
    table, _ = accelerator_sweep(args, out)
    base = read_scenario_dict(INTERSECTION)
    derived = derived_efficiencies(base)
    assume = args.assume_efficiency or (statistics.median(derived.values()) if derived else 0.3)
    battery_projection(args, out, assume)
    runnable = table.loc[table["runs_ok"] > 0, "case"].tolist()
    if runnable:
        city(args, out, runnable, assume)


if __name__ == "__main__":
    main()
