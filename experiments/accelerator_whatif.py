"""What if the intersection ran on another accelerator? Every catalog accelerator, battery life across devices
for the laptop, and a city of many intersections -- all through the sweep machinery (edgesim.sweeps).

    python experiments/accelerator_whatif.py [--fast] [--out DIR] [--jobs J] [--duration S] [--replications R] [--sites N]

1. Intersection x every catalog accelerator (each unit of each device, discovered from the catalog at run
   time), with NO assumed efficiency. The scenario's compute unit is replaced whole by ``{name, device,
   device_unit}`` (its scheduler kept), so no field of the previous device lingers, and the intersection's three
   networks are given the identity of a ResNet-50-class network (``catalog: resnet50``) while keeping the
   scenario's ``ops_per_pixel: 150000`` (the white paper's per-pixel cost). Each unit then serves them from its
   measured ResNet-50 point (scaled by pixel count) or from the calibrated performance model (its own fitted
   parameters, or its kind's prior), with an 80% interval on the service time; precision fallback (a unit
   without int8) happens inside the prediction and is reported. The table gives, per unit, ``service_source``,
   the service time and its interval, the inferences per second the unit sustains at the estimate and at both
   ends of the interval (``servers`` / service time), and the simulated run at the estimate. Where the interval
   is not a point (a prediction), the intersection is simulated again with every inference at the interval's
   low and at its high service time (``@service_low`` / ``@service_high`` columns: achieved inferences per
   second, average power, drop rate, worst p99), the power while busy held at the predicted value.
   -> ``accelerator_whatif.{csv,md}``: mean and 95% CI over ``--replications`` per unit at the estimate.
   -> ``accelerator_whatif_pareto.png``: inferences per joule vs worst p99 latency, colour = drop rate, marker =
   service source. The front is taken over those two and the drop rate.
2. Battery life across devices for the laptop (``scenarios/laptop_battery_npu.yaml``: the white paper's laptop
   with its neural work on an accelerator; ``--laptop`` for another). Its accelerator is swapped for each
   catalog unit in the same way (its two 150k ops/px networks given the ResNet-50 identity). Battery life is
   the summary's ``system.battery_life_h``: simulated to cut-off when the run is long enough, else projected
   from the average draw, as the summary says.
   -> ``accelerator_battery.{csv,md,png}``.
3. A city: ``--sites`` intersections, each an independent site with its own camera count (1-6), frame rate
   (10/15/30 fps) and accelerator (drawn from a seeded generator among the units that ran the
   intersection), run as the ``cases`` of one sweep, then aggregated. The aggregates: total power, energy
   per day, required vs achieved TOPS, and the sites that meet the service level (worst p99 <= 100 ms,
   drops <= 1 %).
   -> ``city.{csv,md,png}``, ``city_summary.json``.

Sweep tables (resumable: rerun the script and finished runs are not repeated) go to ``OUT/sweeps/``.
"""

import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

from edgesim import scenario_from_dict  # noqa: E402
from edgesim.model.service import measured_point_for, service_time  # noqa: E402
from edgesim.spec.load import read_scenario_dict  # noqa: E402
from edgesim.sweeps import confidence_intervals, pareto_front, plot_pareto, set_path, sweep  # noqa: E402

__all__ = ["IDENTITY", "BOUNDS", "UnitPlan", "swap_overrides", "plan_unit", "bound_overrides", "stream_service",
           "accelerators", "battery", "city", "run", "main"]

INTERSECTION = common.SCENARIOS / "intersection_3cam.yaml"
LAPTOP = common.SCENARIOS / "laptop_battery_npu.yaml"
SLO_P99_MS = 100.0
SLO_DROP = 0.01
OBJECTIVES = {"system.inferences_per_j": "max", "max_p99_latency_ms": "min", "drop_rate": "min"}
#: catalog identity given to the scenarios' ResNet-50-class networks (their ops_per_pixel is kept)
IDENTITY = "resnet50"
#: the two ends of a prediction's 80% interval, as case suffixes and column suffixes
BOUNDS = ("service_low", "service_high")


@dataclass(frozen=True)
class UnitPlan:
    """How one catalog unit serves the scenario's networks: the compiled service estimate of each model.

    Times in seconds, power in watts. ``service_s`` / ``_low_s`` / ``_high_s`` map model name -> the estimate and
    the ends of its 80% interval (all three equal for a measured point); ``pixels`` maps model name -> (width_px,
    height_px) of the frames it sees; ``active_power_w`` the power drawn while busy (model name -> W).
    """

    case: str
    device: str
    unit: str
    service_source: str
    precision: str
    servers: int
    service_s: dict[str, float]
    service_low_s: dict[str, float]
    service_high_s: dict[str, float]
    active_power_w: dict[str, float]
    pixels: dict[str, tuple[int, int]]
    overrides: dict[str, Any]

    @property
    def has_interval(self) -> bool:
        """Whether any model's service time is a prediction with an interval wider than a point."""
        return any(self.service_high_s[m] > self.service_low_s[m] for m in self.service_s)


def swap_overrides(base: dict, unit_name: str, device: str, unit: str) -> dict[str, Any]:
    """Sweep overrides that put catalog ``device``/``unit`` in place of ``unit_name`` (replaced whole, its scheduler
    kept: scheduling is the scenario's choice, not the device's) and give every model without a catalog identity
    the identity :data:`IDENTITY` (its op count kept)."""
    written = next(u for u in base["compute_units"] if u["name"] == unit_name)
    keep = {k: written[k] for k in ("scheduler",) if k in written}
    overrides: dict[str, Any] = {f"compute_units.{unit_name}": {"name": unit_name, "device": device,
                                                                "device_unit": unit, **keep}}
    for model in base["models"]:
        if model.get("catalog") is None:
            overrides[f"models.{model['name']}.catalog"] = IDENTITY
    return overrides


def _applied(base: dict, overrides: dict[str, Any]) -> dict:
    data = json.loads(json.dumps(base))
    for path, value in overrides.items():
        set_path(data, path, value)
    return data


_FALLBACK = re.compile(r"has no (\w+): runs (\w+)")


def plan_unit(base: dict, unit_name: str, device: str, unit: str) -> UnitPlan:
    """Compile the swapped scenario and read each of its models' service estimate on the unit.

    Raises
    ------
    edgesim.ScenarioError
        When the swapped scenario does not validate.
    ServiceTimeError
        When the unit cannot serve a model (no measured point and no prediction).
    """
    overrides = swap_overrides(base, unit_name, device, unit)
    spec = scenario_from_dict(_applied(base, overrides), source=f"<{device}.{unit}>")
    unit_spec = spec.unit(unit_name)
    models = {m.name: m for m in spec.models}
    est_s, low_s, high_s, power_w, pixels = {}, {}, {}, {}, {}
    sources, precisions = [], []
    for stream in spec.streams:
        if stream.unit != unit_name or stream.model in est_s:
            continue
        camera, model = spec.camera(stream.camera), models[stream.model]
        est = service_time(unit_spec, model, camera.pixels, models, camera.width_px, camera.height_px)
        est_s[model.name], (low_s[model.name], high_s[model.name]) = est.service_s, est.interval_s
        power_w[model.name], pixels[model.name] = est.active_power_w, (camera.width_px, camera.height_px)
        sources.append(est.source)
        fallback = _FALLBACK.search(est.detail)
        point = measured_point_for(unit_spec, model)
        if fallback:
            precisions.append(f"{fallback.group(2)} (no {fallback.group(1)})")
        elif point is not None:
            precisions.append(point.precision or "as measured")
        else:
            precisions.append(model.precision)
    return UnitPlan(f"{device}.{unit}", device, unit, ", ".join(dict.fromkeys(sources)),
                    ", ".join(dict.fromkeys(precisions)), unit_spec.servers, est_s, low_s, high_s, power_w, pixels,
                    overrides)


def bound_overrides(plan: UnitPlan, unit_name: str, bound: str) -> dict[str, Any]:
    """The plan's overrides with every model served at one end of its interval (``bound`` in :data:`BOUNDS`):
    a measured point per model at 1 / that service time, drawing the predicted power while busy."""
    times = plan.service_low_s if bound == "service_low" else plan.service_high_s
    item = dict(plan.overrides[f"compute_units.{unit_name}"])
    # the catalog's own points stay (a unit may derive its efficiency from one); these, named by the scenario's
    # models, are matched first
    catalog_points = common.catalog().unit_fields(plan.device, plan.unit).get("measured", [])
    item["measured"] = [
        {"model": name, "fps": 1.0 / times[name], "power_w": plan.active_power_w[name],
         "width_px": plan.pixels[name][0], "height_px": plan.pixels[name][1],
         "source": f"what-if: {plan.service_source} prediction's 80% interval, {bound.split('_')[1]} end "
                   f"({times[name] * 1e3:.4g} ms), power while busy as predicted"}
        for name in plan.service_s] + [p for p in catalog_points if p["model"] not in plan.service_s]
    return {**plan.overrides, f"compute_units.{unit_name}": item}


def plans_for(base: dict, unit_name: str) -> tuple[dict[str, UnitPlan], dict[str, str]]:
    """A plan per catalog unit; the units that cannot serve the networks, with the reason."""
    plans, failed = {}, {}
    for device, unit in common.catalog_units():
        try:
            plans[f"{device}.{unit}"] = plan_unit(base, unit_name, device, unit)
        except (ValueError, LookupError) as exc:  # ScenarioError and ServiceTimeError are ValueErrors
            failed[f"{device}.{unit}"] = f"{type(exc).__name__}: {exc}"
    return plans, failed


def stream_service(row: pd.Series | dict) -> dict[str, Any]:
    """The slowest stream's ``service_source`` and ``service_ms`` {estimate, low, high} from a sweep row (per-stream
    columns), and the streams' summed achieved FPS (inferences per second)."""
    keys = [k[: -len(".service_ms.estimate")] for k in row.keys() if str(k).endswith(".service_ms.estimate")]
    if not keys:
        return {}
    worst = max(keys, key=lambda k: float(row[f"{k}.service_ms.estimate"]))
    achieved = [float(row[k]) for k in row.keys() if str(k).startswith("streams.") and str(k).endswith(".achieved_fps")]
    return {"service_source": row.get(f"{worst}.service_source"),
            "service_ms": float(row[f"{worst}.service_ms.estimate"]),
            "service_ms_low": float(row[f"{worst}.service_ms.low"]),
            "service_ms_high": float(row[f"{worst}.service_ms.high"]),
            "achieved_inf_per_s": sum(achieved)}


def _progress(quiet: bool) -> bool | None:
    return False if quiet else None


def _keeps_up(low_cap: float, high_cap: float, demand: float) -> str:
    if high_cap >= demand:
        return "yes"
    if low_cap >= demand:
        return "within interval"
    return "no"


def accelerators(out: Path, jobs: int | None, duration: float, replications: int,
                 quiet: bool) -> tuple[list[dict], list[Path], dict[str, UnitPlan]]:
    base = read_scenario_dict(INTERSECTION)
    unit_name = base["compute_units"][0]["name"]
    plans, failed = plans_for(base, unit_name)
    cases = {key: plan.overrides for key, plan in plans.items()}
    bounded = [key for key, plan in plans.items() if plan.has_interval]
    print(f"[1] intersection x {len(plans) + len(failed)} catalog units (no assumed efficiency; networks as "
          f"catalog: {IDENTITY}), {replications} replications x {duration:g} s; {len(bounded)} predicted units "
          f"also run at both ends of their 80% interval")
    t0 = time.perf_counter()
    sweeps = out / "sweeps"
    df = sweep(INTERSECTION, cases=cases, replications=replications, duration_s=duration, seed=1, jobs=jobs,
               out=sweeps / "accelerators", per_stream=True, progress=_progress(quiet))
    bound_cases = {f"{key}@{bound}": bound_overrides(plans[key], unit_name, bound) for key in bounded for bound in BOUNDS}
    bdf = sweep(INTERSECTION, cases=bound_cases, replications=1, duration_s=duration, seed=1, jobs=jobs,
                out=sweeps / "accelerators_bounds", per_stream=True, progress=_progress(quiet)) if bound_cases else None
    runs = len(df) + (len(bdf) if bdf is not None else 0)
    failures = df.attrs["failed"] + (bdf.attrs["failed"] if bdf is not None else 0)
    print(f"    {runs} runs in {time.perf_counter() - t0:.1f} s, {failures} failed")
    metrics = ["system.inferences_per_j", "max_p99_latency_ms", "drop_rate", "system.avg_power_w", "system.achieved_tops",
               "system.required_tops", "max_utilization"]
    ok = df[df["status"] == "ok"]
    ci = confidence_intervals(ok, metrics, by=["case"], wide=True) if len(ok) else pd.DataFrame(columns=["case"])
    demand = float(sum(c["fps"] * c.get("count", 1) for c in base["cameras"]) * len(base["streams"]) / len(base["cameras"]))
    rows = []
    for key, plan in plans.items():
        mine = ok[ok["case"] == key]
        errors = df.loc[(df["case"] == key) & (df["status"] != "ok"), "error"]
        row: dict[str, Any] = {"case": key, "device": plan.device, "unit": plan.unit, "precision": plan.precision,
                               "runs_ok": len(mine)}
        row.update(stream_service(mine.iloc[0]) if len(mine) else {"service_source": plan.service_source})
        if len(mine):
            for name, ms in (("", row["service_ms"]), ("@service_low", row["service_ms_low"]),
                             ("@service_high", row["service_ms_high"])):
                row[f"capacity_inf_per_s{name}"] = plan.servers * 1e3 / ms
            row["keeps_up"] = _keeps_up(row["capacity_inf_per_s@service_low"], row["capacity_inf_per_s@service_high"],
                                        demand)
        r = ci[ci["case"] == key]
        for m in metrics:
            row[m] = float(r[f"{m}:mean"].iloc[0]) if len(r) else None
            row[f"{m}:ci95"] = float(r[f"{m}:half_width"].iloc[0]) if len(r) else None
        bound_errors = []
        for bound in BOUNDS:
            if key in bounded and bdf is not None:
                b = bdf[bdf["case"] == f"{key}@{bound}"]
                if len(b) and b["status"].iloc[0] == "ok":
                    br = b.iloc[0]
                    row[f"achieved_inf_per_s@{bound}"] = stream_service(br)["achieved_inf_per_s"]
                    for m in ("system.avg_power_w", "drop_rate", "max_p99_latency_ms"):
                        row[f"{m}@{bound}"] = float(br[m])
                else:
                    bound_errors.append(f"@{bound}: {b['error'].iloc[0] if len(b) else 'not run'}")
            elif len(mine):  # a measured point: the interval is the point itself
                row[f"achieved_inf_per_s@{bound}"] = row["achieved_inf_per_s"]
                for m in ("system.avg_power_w", "drop_rate", "max_p99_latency_ms"):
                    row[f"{m}@{bound}"] = row[m]
        row["error"] = "; ".join(([errors.iloc[0]] if len(errors) else []) + bound_errors)
        rows.append(row)
    for key, reason in failed.items():
        device, unit = key.split(".", 1)
        rows.append({"case": key, "device": device, "unit": unit, "runs_ok": 0, "error": reason})
    table = pd.DataFrame(rows)
    runnable = table[table["runs_ok"] > 0].copy()
    front = set(pareto_front(runnable, OBJECTIVES)["case"]) if len(runnable) else set()
    for row in rows:
        row["pareto"] = row["case"] in front
    rows.sort(key=lambda r: -(r.get("system.inferences_per_j") or -1.0))
    columns = ["case", "service_source", "precision", "runs_ok", "pareto", "keeps_up", "service_ms", "service_ms_low",
               "service_ms_high", "capacity_inf_per_s", "capacity_inf_per_s@service_low",
               "capacity_inf_per_s@service_high", "achieved_inf_per_s", "achieved_inf_per_s@service_low",
               "achieved_inf_per_s@service_high"] + [c for m in metrics for c in (m, f"{m}:ci95")] + [
        f"{m}@{b}" for m in ("system.avg_power_w", "drop_rate", "max_p99_latency_ms") for b in BOUNDS] + ["error"]
    notes = [
        f"Intersection (scenarios/intersection_3cam.yaml: 3 cameras x 3 networks, 150k ops/px, 12.44 TOPS, "
        f"{demand:g} inferences/s required), {duration:g} simulated s x {replications} replications per unit; "
        "':ci95' = 95% confidence half width over replications (0 or empty: periodic arrivals and deterministic "
        "service repeat one run).",
        f"No assumed efficiency: the networks are given the catalog identity {IDENTITY} (ops_per_pixel 150000 kept), "
        "so each unit uses its measured ResNet-50 point (service_source 'measured, scaled by pixel count') or the "
        "calibrated performance model ('calibrated': the unit's own public points; 'prior': its kind's prior, no "
        "points of its own).",
        "service_ms [_low, _high]: the slowest stream's service time of one inference and its 80% interval (equal "
        "for a measured point). capacity_inf_per_s = servers x 1000 / service_ms: inferences per second the unit "
        "sustains at the estimate, at the interval's low service time (@service_low, optimistic) and at its high "
        "one (@service_high, pessimistic).",
        "keeps_up: 'yes' when even the pessimistic capacity meets the demand, 'within interval' when only part of "
        "the interval does, 'no' when even the optimistic one falls short.",
        "@service_low / @service_high: the intersection simulated again with every inference at that end of the "
        "interval (one run; power while busy held at the predicted value); for a measured point they repeat the "
        "estimate.",
        "max_p99_latency_ms = inf: some stream completed no frame (the unit is overloaded and serves other streams first).",
        "pareto: on the front of inferences per joule (max), worst p99 latency (min) and drop rate (min), at the estimate.",
    ]
    csv_path, md_path = common.write_table(rows, out, "accelerator_whatif", columns,
                                           title="Intersection on every catalog accelerator", notes=notes)
    files = [csv_path, md_path]
    if len(runnable):
        files.append(plot_pareto(runnable, "max_p99_latency_ms", "system.inferences_per_j",
                                 out / "accelerator_whatif_pareto.png", objectives=OBJECTIVES, label="case",
                                 case="service_source", color="drop_rate",
                                 title="Intersection (12.44 TOPS) on every catalog accelerator, no assumed efficiency "
                                       "(front: inferences/J max, p99 min, drops min; marker = service source)"))
    common.print_table(rows, ["case", "service_source", "service_ms", "service_ms_low", "service_ms_high",
                              "capacity_inf_per_s", "keeps_up", "achieved_inf_per_s@service_low",
                              "achieved_inf_per_s@service_high", "system.avg_power_w", "drop_rate",
                              "max_p99_latency_ms", "pareto"])
    return rows, files, plans


def battery(out: Path, jobs: int | None, duration: float | None, laptop: Path,
            quiet: bool) -> tuple[list[dict], list[Path]]:
    if not laptop.exists():
        print(f"\n[2] battery life: {laptop} not found -- skipped")
        return [], []
    base = read_scenario_dict(laptop)
    unit_name = base["compute_units"][0]["name"]
    plans, failed = plans_for(base, unit_name)
    cases: dict[str, dict] = {key: plan.overrides for key, plan in plans.items()}
    cases["scenario as written"] = {}
    run_s = duration if duration is not None else float(base["duration_s"])
    print(f"\n[2] battery life of {laptop.name}: its unit {unit_name!r} as written and swapped for each of "
          f"{len(plans)} catalog units, {run_s:g} s simulated")
    df = sweep(laptop, cases=cases, duration_s=run_s, seed=1, jobs=jobs, out=out / "sweeps" / "battery",
               per_stream=True, progress=_progress(quiet))
    rows = []
    for case in cases:
        r = df[df["case"] == case].iloc[0]
        ok = r["status"] == "ok"
        projected = r.get("system.battery_life_is_projection")
        plan = plans.get(case)
        rows.append({"case": case, "precision": plan.precision if plan else "as written", "status": r["status"],
                     **(stream_service(r) if ok else {}),
                     "unit_avg_power_w": r.get("system.avg_power_w") if ok else None,
                     "device_avg_power_w": r.get("system.device_avg_power_w") if ok else None,
                     "battery_life_h": r.get("system.battery_life_h") if ok else None,
                     "battery_life": ("projected" if projected in (True, "True") else "simulated") if ok else "",
                     "drop_rate": r.get("drop_rate") if ok else None,
                     "max_p99_latency_ms": r.get("max_p99_latency_ms") if ok else None,
                     "error": "" if ok else r["error"]})
    rows += [{"case": key, "status": "failed", "error": reason} for key, reason in failed.items()]

    def life(r: dict) -> float:
        x = r.get("battery_life_h")
        return -float(x) if isinstance(x, (int, float)) and x == x else float("inf")

    rows.sort(key=life)
    columns = ["case", "service_source", "precision", "status", "service_ms", "service_ms_low", "service_ms_high",
               "unit_avg_power_w", "device_avg_power_w", "battery_life_h", "battery_life", "drop_rate",
               "max_p99_latency_ms", "error"]
    notes = [f"{laptop.name}: platform loads and battery as in the scenario; the accelerator swapped per row "
             f"({run_s:g} s simulated; 'projected' = average draw held until cut-off, as the summary reports), its "
             f"networks given the catalog identity {IDENTITY} (ops_per_pixel kept), no assumed efficiency.",
             "service_ms [_low, _high]: the slowest stream's service time and its 80% interval (equal for a "
             "measured point or the scenario as written).",
             "A unit that cannot keep up drops frames: its battery life is not comparable (see drop_rate)."]
    csv_path, md_path = common.write_table(rows, out, "accelerator_battery", columns,
                                           title=f"Battery life across accelerators: {laptop.stem}", notes=notes)
    files = [csv_path, md_path]
    good = [r for r in rows if r["status"] == "ok" and r.get("battery_life_h") is not None]
    if good:
        plt = common.pyplot()
        fig, ax = plt.subplots(figsize=(8, 0.32 * len(good) + 1.6))
        colors = ["tab:green" if (r["drop_rate"] or 0) <= SLO_DROP else "tab:orange" for r in good]
        ax.barh([f"{r['case']} ({r.get('service_source') or '-'})" for r in good],
                [r["battery_life_h"] for r in good], color=colors)
        ax.invert_yaxis()
        ax.set_xlabel("battery life (h)")
        ax.set_title(f"{laptop.stem}: battery life by accelerator (orange: drops > {100 * SLO_DROP:g} %; "
                     "service source in brackets)", fontsize=9)
        fig.tight_layout()
        png = out / "accelerator_battery.png"
        fig.savefig(png, dpi=110)
        plt.close(fig)
        files.append(png)
    common.print_table(rows, ["case", "service_source", "service_ms", "device_avg_power_w", "battery_life_h",
                              "battery_life", "drop_rate"])
    return rows, files


def city(out: Path, jobs: int | None, duration: float, sites: int, plans: dict[str, UnitPlan], runnable: list[str],
         quiet: bool) -> tuple[dict, list[Path]]:
    base = read_scenario_dict(INTERSECTION)
    camera = base["cameras"][0]["name"]
    rng = np.random.default_rng(np.random.SeedSequence(2024))
    cases: dict[str, dict] = {}
    device_of: dict[str, str] = {}
    for i in range(sites):
        key = runnable[int(rng.integers(len(runnable)))]
        overrides = dict(plans[key].overrides)
        overrides[f"cameras.{camera}.count"] = int(rng.integers(1, 7))
        overrides[f"cameras.{camera}.fps"] = int(rng.choice([10, 15, 30]))
        cases[f"site_{i:04d}"] = overrides
        device_of[f"site_{i:04d}"] = key
    print(f"\n[3] city: {sites} independent intersections (1-6 cameras at 10/15/30 fps, accelerators drawn from "
          f"{len(runnable)} runnable units), {duration:g} s each")
    t0 = time.perf_counter()
    df = sweep(INTERSECTION, cases=cases, duration_s=duration, seed=7, jobs=jobs, out=out / "sweeps" / "city",
               per_stream=False, progress=_progress(quiet))
    wall = time.perf_counter() - t0
    ok = df[df["status"] == "ok"].copy()
    ok["device"] = ok["case"].map(device_of)
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
                                                  f"{summary['energy_per_day_kwh']:.4g} kWh/day; every accelerator at "
                                                  "its service estimate (no assumed efficiency)."])
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
        replications: int | None = None, sites: int | None = None, laptop: str | Path | None = None,
        quiet: bool = True) -> dict[str, Any]:
    """All three studies. Returns ``{"rows", "battery_rows", "city", "files"}``.

    Parameters
    ----------
    fast : bool
        Short runs: 5 simulated s per intersection, 2 replications, 12 sites, 60 s of laptop.
    out_dir : path, optional
        Output folder (default ``experiments/out``); sweep tables in ``OUT/sweeps/`` (resumable).
    jobs : int, optional
        Worker processes (default: all cores; 1 runs serially).
    duration_s : float, optional
        Simulated seconds per run (default 60; fast 5). Also the laptop's when given.
    replications, sites : int, optional
        Replications per accelerator (default 5; fast 2) and intersections in the city (default 200; fast 12).
    laptop : path, optional
        Laptop scenario for the battery study (default ``scenarios/laptop_battery_npu.yaml``).
    quiet : bool
        No progress bars.
    """
    out = common.out_dir(out_dir)
    duration = duration_s or (5.0 if fast else 60.0)
    replications = replications or (2 if fast else 5)
    sites = sites or (12 if fast else 200)
    rows, files, plans = accelerators(out, jobs, duration, replications, quiet)
    battery_rows, more = battery(out, jobs, duration_s if duration_s else (60.0 if fast else None),
                                 Path(laptop) if laptop else LAPTOP, quiet)
    files += more
    runnable = [r["case"] for r in rows if r["runs_ok"] > 0]
    summary: dict[str, Any] = {}
    if runnable:
        summary, more = city(out, jobs, duration, sites, plans, runnable, quiet)
        files += more
    return {"rows": rows, "battery_rows": battery_rows, "city": summary, "files": files}


def main(argv: list[str] | None = None) -> int:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--jobs", type=int, help="worker processes (default: all cores)")
    p.add_argument("--duration", type=float, help="simulated seconds per intersection run (default 60; --fast 5)")
    p.add_argument("--replications", type=int, help="replications per accelerator (default 5; --fast 2)")
    p.add_argument("--sites", type=int, help="intersections in the city (default 200; --fast 12)")
    p.add_argument("--laptop", help=f"laptop scenario (default {LAPTOP.relative_to(common.ROOT)})")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    args = p.parse_args(argv)
    result = run(fast=args.fast, out_dir=args.out, jobs=args.jobs, duration_s=args.duration,
                 replications=args.replications, sites=args.sites, laptop=args.laptop, quiet=args.quiet)
    print("wrote", ", ".join(str(p) for p in result["files"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
