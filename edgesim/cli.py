"""Command line: a thin layer over the documented Python API.

Every user error (bad scenario, missing file, unwritable output) prints one message naming the file, the
field and the problem, and exits with code 2; no traceback.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from .cli_types import non_negative_int, positive_float
from .errors import EdgesimError

EXIT_USAGE = 2


class CliError(EdgesimError):
    """A user error found by the CLI itself (e.g. an unwritable output directory)."""


def check_writable_dir(path: str | Path, option: str = "--out") -> Path:
    """Create ``path`` if needed and prove it is writable, before any long run starts."""
    out = Path(path)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".edgesim-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise CliError(f"{out}: {option}: cannot write there ({exc.strerror or exc})") from None
    return out


def format_table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = lambda r: "  ".join(str(x).rjust(w) if i else str(x).ljust(w) for i, (x, w) in enumerate(zip(r, widths)))  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def _fmt(x: float | None, spec: str = ".3g") -> str:
    return "-" if x is None else format(x, spec)


def render_summary(summary: dict) -> str:
    """The human-readable report of one run."""
    out = [f"scenario {summary['scenario']}: {summary['duration_s']:g} s simulated (warm-up {summary['warmup_s']:g} s), seed {summary['seed']}", ""]
    if summary["streams"]:
        out += [_streams_table(summary), ""]
    if summary.get("pipelines"):
        rows = []
        for p in summary["pipelines"]:
            lat = p["latency_ms"]
            rows.append([p["pipeline"], p["camera"], _fmt(p["offered_fps"], ".2f"), _fmt(p["achieved_fps"], ".2f"), str(p["dropped"]), str(p["late"]),
                         _fmt(lat.get("mean"), ".2f"), _fmt(lat.get("p99"), ".2f"), _fmt(p["critical_path_ms"], ".2f"), _fmt(p["energy_per_frame_j"], ".4g")])
        out += [format_table(rows, ["pipeline", "camera", "offered fps", "achieved fps", "dropped", "late", "mean ms", "p99 ms",
                                    "critical path ms", "J/frame"]), ""]
    if summary.get("loads"):
        rows = [[l["name"], l["scenario"], l["model"], l["unit"], l["metric"], _fmt(l["value"], ".4g"), str(l["samples"])] + ([str(l["valid"])] if "valid" in l else [""])
                for l in summary["loads"]]
        out += [format_table(rows, ["load", "MLPerf scenario", "model", "unit", "metric", "value", "samples", "valid"]), ""]
    return _units_and_system(summary, out)


def _streams_table(summary: dict) -> str:
    rows = []
    for s in summary["streams"]:
        lat = s["latency_ms"]
        rows.append([s["camera"], s["model"], s["unit"], _fmt(s["offered_fps"], ".2f"), _fmt(s["achieved_fps"], ".2f"), str(s["dropped"]),
                     _fmt(lat["mean"], ".2f"), _fmt(lat["p95"], ".2f"), _fmt(lat["p99"], ".2f"), _fmt(lat["max"], ".2f"), s["service_source"]])
    return format_table(rows, ["camera", "model", "unit", "offered fps", "achieved fps", "dropped", "mean ms", "p95 ms", "p99 ms", "max ms", "service time from"])


def _units_and_system(summary: dict, out: list[str]) -> str:
    rows = []
    thermal = any(u.get("max_temp_c") is not None for u in summary["units"])
    for u in summary["units"]:
        extra = [_fmt(u["max_temp_c"], ".1f"), _fmt(u["throttled_s"], ".1f")] if thermal else []
        if u.get("shutdown_at_s") is not None:
            extra.append(f"shut down at {u['shutdown_at_s']:.3f} s")
        rows.append([u["name"], u["kind"], _fmt(100 * u["utilization"], ".1f"), _fmt(u["avg_power_w"], ".3f"), _fmt(u["energy_j"], ".4g"),
                     str(u["inferences"]), _fmt(u["inferences_per_j"], ".1f")] + extra)
    header = ["unit", "kind", "util %", "avg W", "energy J", "inferences", "inf/J (FPS/W)"]
    if thermal:
        header += ["max C", "throttled s"]
    if any(u.get("shutdown_at_s") is not None for u in summary["units"]):
        header.append("note")
        rows = [r + [""] * (len(header) - len(r)) for r in rows]
    out.append(format_table(rows, header))
    sys_ = summary["system"]
    out.append("")
    out.append(f"system: {sys_['avg_power_w']:.3f} W average, {sys_['energy_j']:.4g} J; required {sys_['required_tops']:.4g} TOPS, "
               f"achieved {sys_['achieved_tops']:.4g} TOPS")
    if sys_.get("power_budget_w") is not None:
        verdict = "fits" if sys_["within_power_budget"] else "EXCEEDS"
        peak = f", instantaneous peak {sys_['device_peak_power_w']:.3f} W" if sys_.get("device_peak_power_w") is not None else ""
        out.append(f"power budget {sys_['power_budget_w']:g} W: {verdict} (device average {sys_['device_avg_power_w']:.3f} W, "
                   f"worst interval {sys_['device_max_interval_power_w']:.3f} W{peak})")
    if sys_.get("battery_life_h") is not None:
        kind = "projected" if sys_.get("battery_life_is_projection") else "simulated"
        out.append(f"battery: {kind} life {sys_['battery_life_h']:.3f} h, final state of charge {sys_['final_soc']:.3f}")
    return "\n".join(out)


def cmd_run(args: argparse.Namespace) -> int:
    from .api import simulate
    from .spec.load import load_scenario

    out = check_writable_dir(args.out) if args.out else None
    spec = load_scenario(args.scenario)
    result = simulate(spec, duration_s=args.duration, seed=args.seed, trace=args.trace or None)
    written = []
    if out is not None:
        try:
            written = result.write(out)
        except OSError as exc:
            raise CliError(f"{out}: --out: cannot write results ({exc.strerror or exc})") from None
    if args.json:
        print(result.to_json())
    else:
        print(render_summary(result.summary))
        if written:
            print(f"\nwrote {', '.join(p.name for p in written)} to {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(prog="edgesim", description="Discrete-event simulator of edge AI systems.")
    parser.add_argument("--version", action="version", version=f"edgesim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run one scenario and report latency, FPS, power and energy")
    run.add_argument("scenario", help="scenario YAML file")
    run.add_argument("--duration", type=positive_float, help="simulated seconds (overrides duration_s)")
    run.add_argument("--seed", type=non_negative_int, help="root random seed (overrides seed)")
    run.add_argument("--json", action="store_true", help="print only the summary JSON on stdout")
    run.add_argument("--out", help="write summary.json, CSV tables and timeline.png to this directory")
    run.add_argument("--trace", action="store_true", help="record every job (memory grows with the run)")
    run.set_defaults(func=cmd_run)

    for register in _extra_commands():
        register(sub)
    return parser


def _extra_commands() -> list[Callable[[argparse._SubParsersAction], None]]:
    """Subcommands living in their own modules (catalog, budget, sweep, fit), each optional."""
    registers = []
    for module_name in ("edgesim.catalog.cli", "edgesim.analysis_cli", "edgesim.sweeps.cli"):
        try:
            module = __import__(module_name, fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue
            raise
        registers.append(module.register)
    return registers


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("MPLBACKEND", "Agg")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except EdgesimError as exc:
        print(f"edgesim: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("edgesim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
