"""``edgesim run SCENARIO``: simulate one scenario and report latency, FPS, power and energy.

Wraps :func:`edgesim.load_scenario` and :func:`edgesim.simulate`; ``--out`` writes the files of
:func:`edgesim.report.write_outputs`. ``--set PATH=VALUE`` changes one field before validation with the
sweep's syntax and parser (:mod:`edgesim.sweeps.paths`), so any sweep row can be run again alone::

    edgesim run scenarios/intersection_3cam.yaml --set cameras.cam.fps=15 --set compute_units.npu.device=hailo8
    edgesim run scenarios/intersection_3cam.yaml --set cameras.cam.resolution=1920x1080   # width_px and height_px

``--duration`` and ``--seed`` replace ``duration_s`` and ``seed`` before validation (so ``--duration`` stands
in for a scenario that has no ``duration_s``). The file is validated as written first: a bad value is an error
even where an option replaces it (``duration_s: -5`` under ``--duration 5`` exits 2, the message ending
``(in the file, before --duration)``; see :func:`edgesim.spec.load.check_as_written`).
"""
from __future__ import annotations

import argparse
import copy
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .. import report, simulate
from ..catalog.resolve import resolve_catalog_references
from ..errors import ScenarioError
from ..model.checks import check_references
from ..model.run_budget import DEFAULT_MAX_EVENTS
from ..report.tables import summary_tables, system_lines
from ..spec.load import Loc, parse_scenario_file, read_scenario_dict
from ..spec.schema import ScenarioSpec
from ..sweeps.paths import PathError, parse_path, set_location, set_path
from .common import CliError, check_writable_dir, render_table
from .types import non_negative_int, parse_set_options, positive_float

__all__ = ["PAIRED_FIELDS", "expand_assignment", "parse_sets", "load_with_overrides", "render_summary", "cmd_run", "register"]

PAIRED_FIELDS: dict[str, tuple[str, str]] = {"resolution": ("width_px", "height_px")}
"""A last path step that sets two fields at once from ``AxB`` (``cameras.cam.resolution=1920x1080``)."""

_PAIR_RE = re.compile(r"^\s*(\d+)\s*[xX×]\s*(\d+)\s*$")


def expand_assignment(path: str, value: Any) -> dict[str, Any]:
    """One ``--set`` value as the fields it sets: itself, or the two fields of a paired name.

    Parameters
    ----------
    path : str
        Dotted path (the sweep's syntax, :func:`edgesim.sweeps.paths.parse_path`).
    value : object
        The value, parsed as YAML.

    Returns
    -------
    dict
        ``{path: value}``, or for ``...resolution=WxH`` (or ``[W, H]``) ``{....width_px: W, ....height_px: H}`` (pixels).

    Raises
    ------
    PathError
        When a paired name's value is not ``WxH``.
    """
    steps = parse_path(path)
    last = steps[-1]
    if not isinstance(last, str) or last not in PAIRED_FIELDS:
        return {path: value}
    first, second = PAIRED_FIELDS[last]
    match = _PAIR_RE.match(value) if isinstance(value, str) else None
    pair = (int(match.group(1)), int(match.group(2))) if match else value
    if not (isinstance(pair, (list, tuple)) and len(pair) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in pair)):
        raise PathError(path, f"sets {first} and {second} together: write WIDTHxHEIGHT with two positive integers "
                        f"(e.g. 1920x1080), got {value!r}")
    parent = path.rsplit(".", 1)[0] if "." in path else ""
    prefix = f"{parent}." if parent else ""
    return {f"{prefix}{first}": pair[0], f"{prefix}{second}": pair[1]}


def parse_sets(texts: Sequence[str], source: str) -> dict[str, Any]:
    """``--set PATH=VALUE`` texts as ``{dotted path: value}``, paired names expanded (the one ``--set`` parser,
    :func:`edgesim.cli.types.parse_set_options`, one value each).

    Raises
    ------
    ScenarioError
        Naming ``source`` and the ``--set`` text when it does not parse or gives several values.
    """
    out: dict[str, Any] = {}
    for text in texts:
        ((path, values),) = parse_set_options([text], source, one_value="in run (edgesim sweep runs several)").items()
        try:
            out.update(expand_assignment(path, values[0]))
        except PathError as exc:
            raise ScenarioError(source, f"--set {text}", exc.problem) from None
    return out


def load_with_overrides(path: str | Path, sets: Mapping[str, Any] | None = None, duration_s: float | None = None,
                        seed: int | None = None) -> ScenarioSpec:
    """Load a scenario with ``--set`` overrides (dotted paths) applied before validation.

    The file is validated as written first (:func:`edgesim.spec.load.check_as_written`): a bad value is an error
    even where an override replaces it, and the message names the option (``(in the file, before --duration)``).

    Parameters
    ----------
    path : str or Path
        Scenario YAML file.
    sets : mapping, optional
        ``{dotted path: value}`` (from :func:`parse_sets`).
    duration_s : float, optional
        Simulated seconds; replaces (or stands in for a missing) ``duration_s``.
    seed : int, optional
        Root seed; replaces ``seed``.

    Returns
    -------
    ScenarioSpec
        Validated, as :func:`edgesim.load_scenario` gives it.
    """
    overrides: dict[str, Any] = {}
    overridden: dict[Loc, str] = {}
    if sets:
        raw = read_scenario_dict(path)
        data = copy.deepcopy(raw)
        for dotted, value in sets.items():
            loc = set_location(data, dotted)
            try:
                set_path(data, dotted, value)
            except PathError as exc:
                raise ScenarioError(str(path), f"--set {dotted}", exc.problem) from None
            top = parse_path(dotted)[0]
            overrides[str(top)] = data[str(top)]
            if loc is not None:
                overridden.setdefault(loc, f"--set {dotted}")
    if duration_s is not None:
        overrides["duration_s"] = duration_s
        overridden[("duration_s",)] = "--duration"
    if seed is not None:
        overrides["seed"] = seed
        overridden[("seed",)] = "--seed"
    # edgesim.load_scenario, with the options named in the as-written check's messages
    spec = parse_scenario_file(path, overrides or None, resolver=resolve_catalog_references, overridden=overridden)
    check_references(spec)
    return spec


def render_summary(summary: Mapping[str, Any], platform_loads: Mapping[str, float] | None = None) -> str:
    """The human-readable report of one run: a heading, the summary tables, the system lines.

    Parameters
    ----------
    summary : mapping
        :attr:`edgesim.SimulationResult.summary`.
    platform_loads : mapping of str to float, optional
        Name -> power (W) of each platform load (rows beside the units; their sum when omitted).
    """
    out = [f"scenario {summary['scenario']}: {summary['duration_s']:g} s simulated (warm-up {summary['warmup_s']:g} s), "
           f"seed {summary['seed']}", ""]
    for table in summary_tables(summary, platform_loads):
        out += [render_table(table), ""]
    ff = summary.get("fast_forward") or {}
    if ff.get("segments"):
        out += [f"fast-forward: {ff['forwarded_s']:g} s forwarded in {ff['segments']} segment(s), {ff['simulated_s']:g} s "
                f"simulated event by event; error bounds {ff['energy_bound_j']:.3g} J, {ff['completions_bound']:.3g} "
                "completions (--exact: every event)", ""]
    return "\n".join(out + system_lines(summary))


def cmd_run(args: argparse.Namespace) -> int:
    """Run one scenario; print the tables (or ``--json``); with ``--out``, write the files."""
    out = check_writable_dir(args.out) if args.out else None
    spec = load_with_overrides(args.scenario, parse_sets(args.sets, args.scenario), args.duration, args.seed)
    result = simulate(spec, trace=args.trace or None, max_events=args.max_events, exact=args.exact)
    written: list[Path] = []
    if out is not None:
        try:
            written = report.write_outputs(result, out, trace=args.trace, description=spec.description)
        except OSError as exc:
            raise CliError(f"{out}: --out: cannot write results ({exc.strerror or exc})") from None
    if args.json:
        print(result.to_json())
    else:
        print(render_summary(result.summary))
        if written:
            print(f"\nwrote {', '.join(p.name for p in written)} to {out}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``edgesim run`` to the command line."""
    run = sub.add_parser("run", help="run one scenario and report latency, FPS, power and energy",
                         description="Run one scenario. Example: edgesim run scenarios/intersection_3cam.yaml "
                                     "--set cameras.cam.fps=15 --duration 5 --out out/ --trace")
    run.add_argument("scenario", help="scenario YAML file")
    run.add_argument("--set", dest="sets", action="append", default=[], metavar="PATH=VALUE",
                     help="change one field before validation, the sweep's syntax (cameras.cam.fps=15, "
                          "compute_units.npu.device=hailo8, cameras.cam.resolution=1920x1080); repeatable")
    run.add_argument("--duration", type=positive_float, help="simulated seconds (replaces or supplies duration_s)")
    run.add_argument("--seed", type=non_negative_int, help="root random seed (replaces seed)")
    run.add_argument("--max-events", type=positive_float, default=DEFAULT_MAX_EVENTS,
                     help=f"refuse a run estimated above this many events (default {DEFAULT_MAX_EVENTS:.0e}: minutes on one core)")
    run.add_argument("--exact", action="store_true",
                     help="simulate every event (default: fast-forward stationary stretches of a platform run, "
                          "within the error bounds the summary's fast_forward block reports)")
    run.add_argument("--json", action="store_true", help="print only the summary JSON on stdout")
    run.add_argument("--out", help="write summary.json, CSV and Parquet tables, timeline.png, report.html to this directory")
    run.add_argument("--trace", action="store_true",
                     help="record every job (memory grows with the run); with --out also trace.csv and trace.perfetto.json")
    run.set_defaults(func=cmd_run)
