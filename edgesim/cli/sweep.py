"""``edgesim sweep SCENARIO --set PATH=V1,V2 ...``: a thin wrapper over :func:`edgesim.sweeps.sweep`.

Prints one line per configuration (mean +/- 95% CI half width, notes on deterministic replications and on p99
capped by the queue), the Pareto front of the configurations meeting ``--where``, and with ``--out`` writes
``results.csv`` (run by run, resumable), ``sweep.json``, ``pareto.png`` / ``pareto.csv`` and ``report.html``.
The options shared with ``edgesim fit`` (executor, seed, duration, replications, ``--where``) live here.

Exit codes: 0 every run succeeded; 1 the sweep finished but some runs failed (each recorded with its error);
2 a user error (bad option, scenario, sweep file, path, a planned run the schema rejects, a bad ``--where``),
one line on stderr, before any run starts; 130 interrupted (finished runs are saved in --out; run the same
command again to resume).
"""
from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from ..fmt import fmt
from ..sweeps.constraints import Constraint, parse_constraint
from ..sweeps.pareto import pareto_front, parse_objectives
from ..sweeps.plan import parse_domain, plan_runs, validate_plan
from ..sweeps.plot import case_column, plot_pareto, sweep_title, varying_columns
from ..sweeps.report import write_report
from ..sweeps.runner import make_sweep_spec, run_sweep
from ..sweeps.store import ResultStore
from ..sweeps.summary import configuration_table, deterministic, means_frame, table_notes
from .common import check_writable_dir, format_table
from .types import non_negative_int, parse_set_options, positive_float, positive_int

__all__ = ["register", "cmd_sweep", "render_table", "add_common_options", "executor_args",
           "where_constraints", "format_rows", "DEFAULT_METRICS", "EXIT_SOME_FAILED"]

EXIT_SOME_FAILED = 1

DEFAULT_METRICS = ("max_p99_latency_ms", "drop_rate", "system.avg_power_w", "system.inferences_per_j",
                   "system.battery_life_h", "max_temp_c")


def add_common_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--jobs", "-j", type=positive_int, help="worker processes (default: all cores; 1 = serial)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--scheduler", metavar="ADDRESS", help="run on a running Dask scheduler (tcp://host:8786)")
    group.add_argument("--dask-local", action="store_true", help="start a Dask LocalCluster (--jobs workers) and run on it")
    p.add_argument("--seed", type=non_negative_int, help="sweep seed: every run's seed derives from it (default 0)")
    p.add_argument("--duration", type=positive_float, help="simulated seconds of every run (overrides duration_s)")
    p.add_argument("--replications", "-r", type=positive_int, help="runs per configuration, each with its own seed")
    p.add_argument("--max-events", type=positive_float, default=None,
                   help="refuse a run estimated above this many events (default 2e8: minutes on one core); checked for "
                        "every planned run before any runs")
    p.add_argument("--where", dest="where", action="append", default=[], metavar="'COL<=V'",
                   help="a constraint on a result column (<=, <, >=, >, ==, !=; relative tolerance 1e-9), e.g. "
                        "'drop_rate<=0.01'; repeatable")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``sweep`` subcommand to the edgesim CLI."""
    sw = sub.add_parser(
        "sweep", help="run a scenario over a grid or random sample of field values (parallel, resumable)",
        description="Run SCENARIO for every combination of the --set values (or a sweep YAML file). Every planned "
                    "run is validated before any starts. Example: edgesim sweep scenarios/intersection_3cam.yaml "
                    "--set compute_units.npu.device=hailo8,jetson_agx_xavier --set cameras.cam.fps=15,30 "
                    "--replications 3 --out sweeps/intersection",
    )
    sw.add_argument("scenario", help="scenario YAML file, or a sweep YAML file (with 'scenario:' and 'parameters:')")
    sw.add_argument("--set", dest="sets", action="append", default=[], metavar="PATH=V1,V2,...",
                    help="a dotted path and its values (YAML scalars; mappings in {...} replace a whole item; "
                         "PATH.resolution=1920x1080 sets width_px and height_px); repeatable")
    sw.add_argument("--samples", type=positive_int, help="random sampling: this many points instead of the full grid")
    sw.add_argument("--out", "-o", help="directory for results.csv (written run by run; rerun to resume), sweep.json "
                                        "and report.html")
    sw.add_argument("--retry-failed", action="store_true", help="run again the runs recorded as failed in --out")
    sw.add_argument("--seed-mode", choices=("independent", "common"),
                    help="common: replication r of every configuration shares one seed (common random numbers)")
    sw.add_argument("--no-per-stream", action="store_true", help="keep only aggregate and unit/system columns")
    sw.add_argument("--parquet", action="store_true", help="also write results.parquet (needs pyarrow)")
    sw.add_argument("--pareto", metavar="COL:min,COL:min", help="list (and plot into --out) the Pareto front of the "
                    "configurations that meet --where")
    sw.add_argument("--metrics", metavar="COL,COL", help=f"columns of the printed table (default: {', '.join(DEFAULT_METRICS)})")
    sw.add_argument("--dry-run", action="store_true", help="validate and list the runs (and which are already done) "
                                                           "without running")
    add_common_options(sw)
    sw.set_defaults(func=cmd_sweep)


# --------------------------------------------------------------------------------------------------
# sweep
# --------------------------------------------------------------------------------------------------

def executor_args(args: argparse.Namespace) -> dict[str, Any]:
    if args.scheduler:
        return {"executor": "dask", "scheduler": args.scheduler}
    if args.dask_local:
        return {"executor": "dask"}
    return {"executor": None}


def where_constraints(args: argparse.Namespace) -> list[Constraint]:
    return [parse_constraint(text, "--where") for text in args.where]


def cmd_sweep(args: argparse.Namespace) -> int:
    """``edgesim sweep``: plan, validate, run (resumable), print the table, the Pareto front, write the report."""
    where = where_constraints(args)
    params = parse_set_options(args.sets, args.scenario)
    spec, options = make_sweep_spec(args.scenario, None, replications=args.replications, samples=args.samples,
                                    seed=args.seed, duration_s=args.duration,
                                    per_stream=False if args.no_per_stream else None, seed_mode=args.seed_mode,
                                    spec_source=args.scenario, max_events=args.max_events)
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
        validate_plan(spec, runs)
        done = ResultStore(out).finished() if out else set()
        for r in runs:
            shown = ", ".join(f"{p}={v!r}" for p, v in r.params)
            print(f"{r.index:5d}  {'done' if r.run_id in done else 'todo'}  rep {r.replication}  seed {r.seed}  "
                  f"{(r.case + ': ') if r.case else ''}{shown}")
        print(f"{len(runs)} runs, {sum(r.run_id in done for r in runs)} already done")
        return 0
    df = run_sweep(spec, jobs=jobs, out=out, retry_failed=args.retry_failed, progress=False if args.quiet else None,
                   parquet=args.parquet, out_option="--out", where=where, where_option="--where",
                   **executor_args(args))
    metrics = [m.strip() for m in args.metrics.split(",")] if args.metrics else [m for m in DEFAULT_METRICS if m in df.columns]
    for m in [m for m in metrics if m not in df.columns]:  # the runs are done: warn, do not fail
        print(f"edgesim: warning: --metrics: no result column {m!r}; left out", file=sys.stderr)
    ok = df[df["status"] == "ok"] if len(df) else df
    metrics = [m for m in metrics if m in ok.columns and ok[m].notna().any()]
    for c in objectives or {}:
        if c in df.columns and c not in metrics:
            metrics.append(c)
    table = configuration_table(df, metrics, where) if len(df) else None
    notes = table_notes(df, table, metrics) if table is not None else []
    print(render_table(table, metrics, bool(where)) if table is not None else "(no runs)")
    for note in notes:
        print(f"  note: {note}")
    missing = [c for c in objectives or {} if c not in df.columns]
    if missing:
        print(f"edgesim: warning: --pareto: no result column {missing[0]!r}; no Pareto front", file=sys.stderr)
    means = means_frame(table, metrics) if table is not None else None
    by = [c for c in (means.columns if means is not None else []) if c not in ("runs", "ok", "meets", "violates")
          and ":" not in c and c not in metrics]
    if objectives and not missing and means is not None:
        front = pareto_front(means[means["meets"].astype(bool)], objectives)
        where_text = f" meeting {', '.join(map(str, where))}" if where else ""
        print(f"\nPareto front{where_text} (" + ", ".join(f"{c} {s}" for c, s in objectives.items()) + "):")
        print(format_rows(front, by + list(objectives)))
        if out:
            x, y = list(objectives)[:2]
            varying = varying_columns(means, by)  # the plot names only what the sweep varies
            case = case_column(means, varying)
            png = plot_pareto(means, x, y, Path(out) / "pareto.png", objectives=objectives, meets=means["meets"].tolist(),
                              case=case, label=[c for c in varying if c != case],
                              title=sweep_title(Path(args.scenario).name, x, y, varying, len(means)))
            front.to_csv(Path(out) / "pareto.csv", index=False)
            print(f"wrote {png} and {Path(out) / 'pareto.csv'}")
    if out and table is not None:
        command = " ".join(shlex.quote(a) for a in ["edgesim", "sweep", args.scenario] + sum((["--set", s] for s in args.sets), []))
        report = write_report(Path(out) / "report.html", df, table, metrics, title=Path(args.scenario).stem,
                              objectives=objectives if not missing else None, where=where, notes=notes,
                              details={"scenario": spec.source, "sweep": command, "seed": spec.seed,
                                       "replications": spec.replications, "duration_s": spec.duration_s})
        print(f"wrote {report}")
    total, skipped, failed = df.attrs.get("total", len(df)), df.attrs.get("skipped", 0), df.attrs.get("failed", 0)
    where_out = f"; results in {Path(out) / 'results.csv'}" if out else ""
    print(f"\n{total} runs ({skipped} resumed from earlier), {failed} failed{where_out}", file=sys.stderr)
    if failed:
        errors = df.loc[df["status"] != "ok", "error"].astype(str)
        for err, count in errors.value_counts().head(5).items():
            print(f"  {count} x {err}", file=sys.stderr)
        return EXIT_SOME_FAILED
    return 0


def format_rows(df: pd.DataFrame, columns: list[str]) -> str:
    rows = [[fmt(v) for v in r] for r in df[columns].itertuples(index=False)]
    return format_table(rows, columns)


def render_table(table: pd.DataFrame, metrics: list[str], show_constraints: bool = False) -> str:
    """One line per configuration: parameters, runs ok / all, each metric's mean (+/- 95% CI half width).

    A half width of exactly 0 over several replications is printed ``+/- 0*`` (deterministic replications, see
    the note); with constraints, a last column names those a configuration violates.
    """
    by = [c for c in table.columns if c not in ("runs", "ok", "meets", "violates") and ":" not in c]
    header = by + ["runs ok"] + metrics + (["violates"] if show_constraints else [])
    rows = []
    for _, r in table.iterrows():
        row = [fmt(r[c]) for c in by] + [f"{int(r['ok'])}/{int(r['runs'])}"]
        for m in metrics:
            mean, half, n = r[f"{m}:mean"], r[f"{m}:half_width"], r[f"{m}:n"]
            cell = fmt(mean)
            if half == half and mean == mean:
                cell += " +/- 0*" if deterministic(n, mean, half) else f" +/- {half:.2g}"
            row.append(cell)
        if show_constraints:
            row.append(str(r["violates"]) or "-")
        rows.append(row)
    return format_table(rows, header)
