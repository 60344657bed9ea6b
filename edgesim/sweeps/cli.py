"""``edgesim sweep`` and ``edgesim fit``: thin wrappers over :func:`edgesim.sweeps.sweep` and :func:`edgesim.sweeps.fit`.

Exit codes: 0 every run succeeded; 1 the sweep finished but some runs failed (each recorded with its
error); 2 a user error (bad option, scenario, sweep file or path), one line on stderr; 130 interrupted
(finished runs are saved in --out; run the same command again to resume).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from ..cli_types import non_negative_int, positive_float, positive_int

EXIT_SOME_FAILED = 1

DEFAULT_METRICS = ("max_p99_latency_ms", "drop_rate", "system.avg_power_w", "system.inferences_per_j",
                   "system.battery_life_h", "max_temp_c")


def _float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if math.isnan(value):
        raise argparse.ArgumentTypeError("must be a number, got nan")
    return value


def _add_executor_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--jobs", "-j", type=positive_int, help="worker processes (default: all cores; 1 = serial)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--scheduler", metavar="ADDRESS", help="run on a running Dask scheduler (tcp://host:8786)")
    group.add_argument("--dask-local", action="store_true", help="start a Dask LocalCluster (--jobs workers) and run on it")
    p.add_argument("--seed", type=non_negative_int, help="sweep seed: every run's seed derives from it (default 0)")
    p.add_argument("--duration", type=positive_float, help="simulated seconds of every run (overrides duration_s)")
    p.add_argument("--replications", "-r", type=positive_int, help="runs per configuration, each with its own seed")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``sweep`` and ``fit`` subcommands to the edgesim CLI."""
    sw = sub.add_parser(
        "sweep", help="run a scenario over a grid or random sample of field values (parallel, resumable)",
        description="Run SCENARIO for every combination of the --set values (or a sweep YAML file). "
                    "Example: edgesim sweep scenarios/intersection_3cam.yaml --set compute_units.npu.device=hailo8,jetson_agx_xavier "
                    "--set cameras.cam.fps=15,30 --replications 3 --out sweeps/intersection",
    )
    sw.add_argument("scenario", help="scenario YAML file, or a sweep YAML file (with 'scenario:' and 'parameters:')")
    sw.add_argument("--set", dest="sets", action="append", default=[], metavar="PATH=V1,V2,...",
                    help="a dotted path and its values (YAML scalars; mappings in {...} replace a whole item); repeatable")
    sw.add_argument("--samples", type=positive_int, help="random sampling: this many points instead of the full grid")
    sw.add_argument("--out", "-o", help="directory for results.csv (written run by run; rerun to resume) and sweep.json")
    sw.add_argument("--retry-failed", action="store_true", help="run again the runs recorded as failed in --out")
    sw.add_argument("--seed-mode", choices=("independent", "common"),
                    help="common: replication r of every configuration shares one seed (common random numbers)")
    sw.add_argument("--no-per-stream", action="store_true", help="keep only aggregate and unit/system columns")
    sw.add_argument("--parquet", action="store_true", help="also write results.parquet (needs pyarrow)")
    sw.add_argument("--pareto", metavar="COL:max,COL:min", help="list (and plot into --out) the Pareto front")
    sw.add_argument("--metrics", metavar="COL,COL", help=f"columns of the printed table (default: {', '.join(DEFAULT_METRICS)})")
    sw.add_argument("--dry-run", action="store_true", help="list the runs (and which are already done) without running")
    _add_executor_options(sw)
    sw.set_defaults(func=cmd_sweep)

    ft = sub.add_parser(
        "fit", help="largest value of a field (cameras, fps, resolution) that stays within latency/drop/power bounds",
        description="Bisection over simulations (assumes more load never helps). Example: edgesim fit "
                    "scenarios/intersection_3cam.yaml --param cameras.cam.count --range 1:16 --max-p99-ms 100 --max-drop-rate 0.01",
    )
    ft.add_argument("scenario", help="scenario YAML file")
    ft.add_argument("--param", dest="params", action="append", required=True, metavar="PATH",
                    help="dotted path to search (repeat to scale several fields together, e.g. width_px and height_px)")
    ft.add_argument("--range", dest="range_", required=True, metavar="LOW:HIGH", help="search range (a scale factor for several --param)")
    kind = ft.add_mutually_exclusive_group()
    kind.add_argument("--integer", dest="integer", action="store_true", default=None, help="search integers")
    kind.add_argument("--float", dest="integer", action="store_false", help="search real values (to --tol)")
    ft.add_argument("--tol", type=positive_float, help="float search: stop when the bracket is narrower (default range/1000)")
    ft.add_argument("--max-p99-ms", type=positive_float, help="bound on the worst stream's p99 latency (ms)")
    ft.add_argument("--max-drop-rate", type=_float, help="bound on dropped / offered frames, all streams")
    ft.add_argument("--max-power-w", type=positive_float, help="bound on the system's average power (W)")
    ft.add_argument("--max-temp-c", type=_float, help="bound on the hottest unit's temperature (C), when simulated")
    ft.add_argument("--min-battery-h", type=positive_float, help="lower bound on battery life (h), when simulated")
    ft.add_argument("--constraint", dest="constraints", action="append", default=[], metavar="COL<=V",
                    help="any result column bound, e.g. 'units.npu.utilization<=0.8'; repeatable")
    ft.add_argument("--set", dest="sets", action="append", default=[], metavar="PATH=V",
                    help="a fixed override applied before the search; repeatable")
    ft.add_argument("--json", action="store_true", help="print the result as JSON")
    _add_executor_options(ft)
    ft.set_defaults(func=cmd_fit)


# --------------------------------------------------------------------------------------------------
# sweep
# --------------------------------------------------------------------------------------------------

def _parse_sets(sets: list[str], source: str, single: bool = False) -> dict[str, list[Any]]:
    from .paths import PathError, parse_assignment
    from .plan import SweepError

    out: dict[str, list[Any]] = {}
    for text in sets:
        try:
            path, values = parse_assignment(text)
        except PathError as exc:
            raise SweepError(source, f"--set {text}", exc.problem) from None
        if single and len(values) != 1:
            raise SweepError(source, f"--set {text}", "takes one value here (the search varies the --param)")
        out[path] = values
    return out


def _executor_args(args: argparse.Namespace) -> dict[str, Any]:
    if args.scheduler:
        return {"executor": "dask", "scheduler": args.scheduler}
    if args.dask_local:
        return {"executor": "dask"}
    return {"executor": None}


def cmd_sweep(args: argparse.Namespace) -> int:
    from ..cli import check_writable_dir
    from .analysis import confidence_intervals, pareto_front, parse_objectives, plot_pareto
    from .plan import plan_runs
    from .runner import make_sweep_spec, run_sweep
    from .store import ResultStore

    params = _parse_sets(args.sets, args.scenario)
    spec, options = make_sweep_spec(args.scenario, None, replications=args.replications, samples=args.samples,
                                    seed=args.seed, duration_s=args.duration,
                                    per_stream=False if args.no_per_stream else None, seed_mode=args.seed_mode,
                                    spec_source=args.scenario)
    if params:
        from .plan import parse_domain

        for path, values in params.items():
            spec.parameters[path] = parse_domain(values, args.scenario, f"--set {path}")
            spec.labels[path] = f"--set {path}"
    spec.spec_source = args.scenario
    spec.validate()
    out = args.out or options.get("out")
    jobs = args.jobs or options.get("jobs")
    objectives = parse_objectives(args.pareto) if args.pareto else options.get("pareto")
    if out:
        check_writable_dir(out, "--out")
    if args.dry_run:
        runs = plan_runs(spec)
        done = ResultStore(out).finished() if out else set()
        for r in runs:
            values = ", ".join(f"{p}={v!r}" for p, v in r.params)
            print(f"{r.index:5d}  {'done' if r.run_id in done else 'todo'}  rep {r.replication}  seed {r.seed}  "
                  f"{(r.case + ': ') if r.case else ''}{values}")
        print(f"{len(runs)} runs, {sum(r.run_id in done for r in runs)} already done")
        return 0
    df = run_sweep(spec, jobs=jobs, out=out, retry_failed=args.retry_failed, progress=False if args.quiet else None,
                   parquet=args.parquet, out_option="--out", **_executor_args(args))
    metrics = [m.strip() for m in args.metrics.split(",")] if args.metrics else [m for m in DEFAULT_METRICS if m in df.columns]
    for m in [m for m in metrics if m not in df.columns]:  # the runs are done: warn, do not fail
        print(f"edgesim: warning: --metrics: no result column {m!r}; left out", file=sys.stderr)
    metrics = [m for m in metrics if m in df.columns]
    ok = df[df["status"] == "ok"] if len(df) else df
    metrics = [m for m in metrics if m in ok.columns and ok[m].notna().any()]
    print(render_table(df, metrics))
    missing = [c for c in objectives or {} if c not in df.columns]
    if missing:
        print(f"edgesim: warning: --pareto: no result column {missing[0]!r}; no Pareto front", file=sys.stderr)
    if objectives and not missing:
        table = confidence_intervals(df, list(objectives), wide=True) if len(ok) else ok
        means = table.rename(columns={f"{c}:mean": c for c in objectives}) if len(ok) else ok
        front = pareto_front(means, objectives)
        print("\nPareto front (" + ", ".join(f"{c} {s}" for c, s in objectives.items()) + "):")
        by = [c for c in means.columns if c not in objectives and ":" not in c and c != "n"]
        print(_format_rows(front, by + list(objectives)))
        if out:
            x, y = list(objectives)[:2]
            png = plot_pareto(means, x, y, Path(out) / "pareto.png", objectives=objectives,
                              label=by[-1] if by else None, title=f"{Path(args.scenario).name}: Pareto front")
            front.to_csv(Path(out) / "pareto.csv", index=False)
            print(f"wrote {png} and {Path(out) / 'pareto.csv'}")
    total, skipped, failed = df.attrs.get("total", len(df)), df.attrs.get("skipped", 0), df.attrs.get("failed", 0)
    where = f"; results in {Path(out) / 'results.csv'}" if out else ""
    print(f"\n{total} runs ({skipped} resumed from earlier), {failed} failed{where}", file=sys.stderr)
    if failed:
        errors = df.loc[df["status"] != "ok", "error"].astype(str)
        for err, count in errors.value_counts().head(5).items():
            print(f"  {count} x {err}", file=sys.stderr)
        return EXIT_SOME_FAILED
    return 0


def _fmt(x: Any) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if isinstance(x, float):
        return f"{x:.4g}"
    return str(x)


def _format_rows(df: Any, columns: list[str]) -> str:
    from ..cli import format_table

    rows = [[_fmt(v) for v in r] for r in df[columns].itertuples(index=False)]
    return format_table(rows, columns)


def render_table(df: Any, metrics: list[str]) -> str:
    """One line per configuration: parameters, runs ok / failed, and each metric's mean (+/- 95% CI half width)."""
    from .analysis import confidence_intervals, group_columns

    if df.empty:
        return "(no runs)"
    by = group_columns(df)
    status = df.assign(_ok=df["status"] == "ok")
    ci = confidence_intervals(df, metrics, by=by, wide=True) if metrics and (df["status"] == "ok").any() else None
    header = by + ["runs ok"] + metrics
    rows = []
    groups = status.groupby(by, dropna=False, sort=False) if by else [((), status)]
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        row = [_fmt(k) for k in key] + [f"{int(part['_ok'].sum())}/{len(part)}"]
        match = None
        if ci is not None:
            sel = ci
            for col, k in zip(by, key):
                sel = sel[sel[col] == k] if k == k else sel[sel[col].isna()]
            match = sel.iloc[0] if len(sel) else None
        for m in metrics:
            if match is None:
                row.append("-")
                continue
            mean, half = match.get(f"{m}:mean"), match.get(f"{m}:half_width")
            cell = _fmt(mean)
            if half is not None and half == half:
                tiny = mean is not None and mean == mean and abs(half) <= 1e-9 * max(abs(mean), 1e-300)
                cell += " +/- 0" if tiny else f" +/- {half:.2g}"
            row.append(cell)
        rows.append(row)
    from ..cli import format_table

    note = "\n(mean +/- 95% confidence half width over replications)" if df["replication"].max() > 0 else ""
    return format_table(rows, header) + note


# --------------------------------------------------------------------------------------------------
# fit
# --------------------------------------------------------------------------------------------------

def cmd_fit(args: argparse.Namespace) -> int:
    from .fit import Constraint, fit, parse_constraint
    from .plan import SweepError

    try:
        lo_text, hi_text = args.range_.split(":")
        low, high = float(lo_text), float(hi_text)
    except ValueError:
        raise SweepError(args.scenario, "--range", f"write LOW:HIGH with two numbers, got {args.range_!r}") from None
    if not low < high:
        raise SweepError(args.scenario, "--range", f"needs LOW < HIGH, got {args.range_!r}")
    if low.is_integer() and high.is_integer():
        low, high = int(low), int(high)
    constraints: list[Constraint] = []
    for option, column, op in (("max_p99_ms", "max_p99_latency_ms", "<="), ("max_drop_rate", "drop_rate", "<="),
                               ("max_power_w", "system.avg_power_w", "<="), ("max_temp_c", "max_temp_c", "<="),
                               ("min_battery_h", "system.battery_life_h", ">=")):
        value = getattr(args, option)
        if value is not None:
            constraints.append(Constraint(column, op, float(value)))
    constraints += [parse_constraint(c) for c in args.constraints]
    if not constraints:
        raise SweepError(args.scenario, "constraints", "give at least one bound (--max-p99-ms, --max-drop-rate, "
                         "--max-power-w, --max-temp-c, --min-battery-h or --constraint)")
    overrides = {p: v[0] for p, v in _parse_sets(args.sets, args.scenario, single=True).items()}
    result = fit(args.scenario, args.params if len(args.params) > 1 else args.params[0], low, high,
                 constraints=constraints, integer=args.integer, tol=args.tol, overrides=overrides,
                 replications=args.replications or 1, seed=args.seed or 0, duration_s=args.duration,
                 jobs=args.jobs or 1, progress=False if args.quiet else None, **_executor_args(args))
    if args.json:
        print(json.dumps({
            "paths": result.paths, "value": result.value, "first_infeasible": result.first_infeasible,
            "settings": result.settings,
            "capped": result.capped, "monotone": result.monotone, "simulations": result.simulations,
            "constraints": [str(c) for c in result.constraints],
            "probes": json.loads(result.probes.to_json(orient="records")),
        }, indent=2))
    else:
        print(result.message())
        shown = result.paths if len(result.paths) > 1 else []
        cols = (["value"] + shown + ["feasible"] + [c.column for c in result.constraints if c.column in result.probes.columns]
                + ["violated"])
        cols = list(dict.fromkeys(cols))
        print(_format_rows(result.probes, cols))
    return 0
