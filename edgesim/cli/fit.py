"""``edgesim fit SCENARIO --param PATH --range LOW:HIGH --where ...``: a thin wrapper over :func:`edgesim.sweeps.fit`.

The boundary value of a field at which every bound holds, searched by bisection over simulations in whichever
direction the ends of the range show (the largest value that fits when load grows with it, the smallest when it
helps; ``--seek`` forces one). Bounds: ``--max-p99-ms``, ``--max-drop-rate``, ``--max-power-w``, ``--max-temp-c``,
``--min-battery-h`` and any ``--where 'COLUMN OP VALUE'``.
"""
from __future__ import annotations

import argparse
import json
import math

from ..sweeps.constraints import Constraint
from ..sweeps.errors import SweepError
from ..sweeps.fit import fit
from .sweep import add_common_options, executor_args, format_rows, where_constraints
from .types import parse_set_options, positive_float

__all__ = ["register", "cmd_fit"]


def _float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if math.isnan(value):
        raise argparse.ArgumentTypeError("must be a number, got nan")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``fit`` subcommand to the edgesim CLI."""
    ft = sub.add_parser(
        "fit", help="boundary value of a field (cameras, fps, resolution, efficiency) within latency/drop/power bounds",
        description="Bisection over simulations, in whichever direction the ends of --range show: the largest value "
                    "that fits when load grows with it, the smallest when it helps. Example: edgesim fit "
                    "scenarios/intersection_3cam.yaml --param cameras.cam.count --range 1:16 --max-p99-ms 100 "
                    "--max-drop-rate 0.01",
    )
    ft.add_argument("scenario", help="scenario YAML file")
    ft.add_argument("--param", dest="params", action="append", required=True, metavar="PATH",
                    help="dotted path to search (repeat to scale several fields together, e.g. width_px and height_px)")
    ft.add_argument("--range", dest="range_", required=True, metavar="LOW:HIGH", help="search range (a scale factor for several --param)")
    kind = ft.add_mutually_exclusive_group()
    kind.add_argument("--integer", dest="integer", action="store_true", default=None, help="search integers")
    kind.add_argument("--float", dest="integer", action="store_false", help="search real values (to --tol)")
    ft.add_argument("--seek", choices=("auto", "largest", "smallest"), default="auto",
                    help="which boundary: the largest feasible value, the smallest, or auto (from the range's ends)")
    ft.add_argument("--tol", type=positive_float, help="float search: stop when the bracket is narrower (default range/1000)")
    ft.add_argument("--max-p99-ms", type=positive_float, help="bound on the worst stream's p99 latency (ms)")
    ft.add_argument("--max-drop-rate", type=_float, help="bound on dropped / offered frames, all streams")
    ft.add_argument("--max-power-w", type=positive_float, help="bound on the system's average power (W)")
    ft.add_argument("--max-temp-c", type=_float, help="bound on the hottest unit's temperature (C), when simulated")
    ft.add_argument("--min-battery-h", type=positive_float, help="lower bound on battery life (h), when simulated")
    ft.add_argument("--constraint", dest="where", action="append", default=[], metavar="COL<=V",
                    help="same as --where")
    ft.add_argument("--set", dest="sets", action="append", default=[], metavar="PATH=V",
                    help="a fixed override applied before the search; repeatable")
    ft.add_argument("--json", action="store_true", help="print the result as JSON")
    add_common_options(ft)
    ft.set_defaults(func=cmd_fit)


def cmd_fit(args: argparse.Namespace) -> int:
    """``edgesim fit``: the boundary value of a field within the given bounds."""
    try:
        lo_text, hi_text = args.range_.split(":")
        low, high = float(lo_text), float(hi_text)
    except ValueError:
        raise SweepError(args.scenario, "--range", f"write LOW:HIGH with two numbers, got {args.range_!r}") from None
    if not low < high:
        raise SweepError(args.scenario, "--range", f"needs LOW < HIGH, got {args.range_!r}")
    lo: float | int = int(low) if low.is_integer() and high.is_integer() else low
    hi: float | int = int(high) if low.is_integer() and high.is_integer() else high
    constraints: list[Constraint] = []
    for option, column, op in (("max_p99_ms", "max_p99_latency_ms", "<="), ("max_drop_rate", "drop_rate", "<="),
                               ("max_power_w", "system.avg_power_w", "<="), ("max_temp_c", "max_temp_c", "<="),
                               ("min_battery_h", "system.battery_life_h", ">=")):
        value = getattr(args, option)
        if value is not None:
            constraints.append(Constraint(column, op, float(value)))
    constraints += where_constraints(args)
    if not constraints:
        raise SweepError(args.scenario, "constraints", "give at least one bound (--max-p99-ms, --max-drop-rate, "
                         "--max-power-w, --max-temp-c, --min-battery-h or --where)")
    overrides = {p: v[0] for p, v in parse_set_options(args.sets, args.scenario, one_value="here (the search varies the --param)").items()}
    result = fit(args.scenario, args.params if len(args.params) > 1 else args.params[0], lo, hi,
                 constraints=constraints, integer=args.integer, tol=args.tol, overrides=overrides,
                 replications=args.replications or 1, seed=args.seed or 0, duration_s=args.duration,
                 jobs=args.jobs or 1, progress=False if args.quiet else None, seek=args.seek, **executor_args(args))
    if args.json:
        print(json.dumps({
            "paths": result.paths, "value": result.value, "first_infeasible": result.first_infeasible,
            "seek": result.seek, "settings": result.settings,
            "capped": result.capped, "monotone": result.monotone, "simulations": result.simulations,
            "constraints": [str(c) for c in result.constraints],
            "probes": json.loads(result.probes.to_json(orient="records")),
        }, indent=2))
    else:
        print(result.message())
        shown = result.paths if len(result.paths) > 1 else []
        cols = (["value"] + shown + ["feasible"] + [c.column for c in result.constraints if c.column in result.probes.columns]
                + ["violated"])
        print(format_rows(result.probes, list(dict.fromkeys(cols))))
    return 0
