"""``edgesim budget ...``: the white paper's back-of-the-envelope formulas as a command-line tool.

Each subcommand parses its options (argparse types from :mod:`.types`: a bad value is one line naming the option,
exit 2) and renders a documented function of :mod:`edgesim.budget`: ``capacity`` (``C = streams x FPS x W x H x
ops/px``), ``thermal`` (``R = (Tj - Tc) / P``), ``fit`` (``C = eff x P_available`` under a thermal, power or
battery limit) and ``scenario`` (the formulas applied to a simulated run). Every line printed names its unit;
``--json`` prints the same figures with the unit in each key's name.
"""
from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import edgesim  # its simulate and load_scenario load on first use (PEP 562): budget capacity / thermal / fit never run one

from ..budget import (
    REFERENCE_TC_C,
    REFERENCE_TJ_C,
    TOPS,
    WHITE_PAPER_OPS_PER_PIXEL,
    capacity_report,
    fit_report,
    scenario_report,
    thermal_report,
)
from ..catalog import load_catalog
from ..errors import EdgesimError
from ..fmt import fmt
from .common import format_table
from .types import finite_float, fraction, non_negative_float, non_negative_int, positive_float, positive_int

__all__ = ["BudgetError", "register"]


class BudgetError(EdgesimError):
    """A bad option value given to ``edgesim budget``; the message starts with the option's name."""


def _temperatures(tj_c: float, tc_c: float) -> tuple[float, float]:
    if not tj_c > tc_c:
        raise BudgetError(f"--tj: the junction limit ({tj_c:g} C) must exceed --tc, the case/ambient limit ({tc_c:g} C)")
    return tj_c, tc_c


def _ops_per_pixel(ops_per_pixel: float | None, model: str | None, catalog_files: Sequence[str] = ()) -> tuple[float, str]:
    """Ops per pixel from ``--ops-per-pixel``, from a catalog ``--model``, or the white paper's 150k."""
    if model is not None and ops_per_pixel is not None:
        raise BudgetError("--model: give either --model or --ops-per-pixel, not both")
    if model is not None:
        catalog = load_catalog(list(catalog_files))
        try:
            entry = catalog.model(model)
        except KeyError as exc:
            raise BudgetError(f"--model: {exc.args[0]}") from None
        value = entry.ops_per_inference / (entry.ref_width_px * entry.ref_height_px)
        return value, (f"catalog model {model}: {entry.ops_per_inference:.4g} ops at {entry.ref_width_px} x "
                       f"{entry.ref_height_px} px")
    if ops_per_pixel is None:
        return WHITE_PAPER_OPS_PER_PIXEL, "white paper: ResNet-50-class backbone, ~150k ops/pixel"
    return ops_per_pixel, "given"


# --------------------------------------------------------------------------------------------------
# The documented functions
# --------------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------------


def _render_capacity(r: dict[str, Any], source: str) -> str:
    return "\n".join([
        f"required capacity: {fmt(r['required_tops'])} TOPS ({fmt(r['required_capacity_ops_per_s'])} ops/s)",
        (f"  = {r['n_streams']} stream(s) x {fmt(r['fps'])} frames/s x {fmt(r['width_px'])} px x {fmt(r['height_px'])} px "
         f"x {fmt(r['ops_per_pixel'], '.6g')} ops/px"),
        f"  pixel rate: {fmt(r['pixels_per_s'])} px/s; ops per pixel from: {source}",
    ])


def _render_thermal(r: dict[str, Any]) -> str:
    lines = [f"required thermal resistance: {fmt(r['required_resistance_k_per_w'])} K/W  (R = {r['formula']})",
             f"  Tj {fmt(r['tj_c'])} C - Tc {fmt(r['tc_c'])} C = {fmt(r['margin_k'])} K of margin"]
    if r["formula"] == "(Tj - Tc) / P":
        lines.append(f"  dissipated power P: {fmt(r['power_w'])} W")
    else:
        lines.append(f"  capacity C: {fmt(r['capacity_tops'])} TOPS at efficiency {fmt(r['efficiency_tops_per_w'])} TOPS/W "
                     f"-> dissipated power P = C / eff = {fmt(r['power_w'])} W")
    lines.append("  lower R is harder: a larger heatsink, a fan; a less efficient processor needs a lower R for the same C")
    return "\n".join(lines)


def _render_fit(r: dict[str, Any]) -> str:
    lines = [(f"largest capacity: {fmt(r['max_tops'])} TOPS ({fmt(r['max_capacity_ops_per_s'])} ops/s) "
              f"= {fmt(r['efficiency_tops_per_w'])} TOPS/W x {fmt(r['ai_power_w'])} W for AI")]
    if r["limit"] == "thermal":
        lines.append(f"  limit: thermal resistance {fmt(r['resistance_k_per_w'])} K/W, Tj {fmt(r['tj_c'])} C, Tc {fmt(r['tc_c'])} C "
                     f"-> P = (Tj - Tc) / R = {fmt(r['ai_power_w'])} W")
    elif r["limit"] == "power_budget":
        lines.append(f"  limit: power budget {fmt(r['power_budget_w'])} W - platform {fmt(r['platform_w'])} W = {fmt(r['ai_power_w'])} W for AI")
    else:
        lines.append(f"  limit: battery {fmt(r['battery_wh'])} Wh for {fmt(r['life_h'])} h through a {fmt(r['dcdc_efficiency'])} "
                     f"efficient converter = {fmt(r['dcdc_efficiency'] * r['battery_wh'] / r['life_h'])} W of load, "
                     f"- platform {fmt(r['platform_w'])} W = {fmt(r['ai_power_w'])} W for AI")
    if "max_fps_per_stream" in r:
        lines.append(f"  largest frame rate: {fmt(r['max_fps_per_stream'])} frames/s per stream at {fmt(r['width_px'])} x "
                     f"{fmt(r['height_px'])} px x {fmt(r['ops_per_pixel'], '.6g')} ops/px, {r['n_streams']} stream(s)")
    return "\n".join(lines)


def _render_scenario(r: dict[str, Any]) -> str:
    closed = r.get("closed_loop_loads") or []
    note = (f" (closed-loop MLPerf loads {', '.join(closed)} issue as fast as they are served: no required rate)"
            if closed else "")
    lines = [f"scenario {r['scenario']}: {fmt(r['duration_s'], 'g')} s simulated (warm-up {fmt(r['warmup_s'], 'g')} s), seed {r['seed']}",
             f"thermal limits: Tj {fmt(r['tj_c'])} C, Tc {fmt(r['tc_c'])} C ({fmt(r['margin_k'])} K); R = (Tj - Tc) / P from the simulated power",
             f"capacity: required {fmt(r['required_tops'])} TOPS, achieved {fmt(r['achieved_tops'])} TOPS{note}", ""]
    rows = []
    total = dict(r["ai"], name="all units", kind="", utilization=None, required_tops=r["required_tops"])
    for u in r["units"] + [total]:
        required = fmt(u["required_tops"])
        if u.get("closed_loop_loads"):
            required = "closed loop" if u["required_tops"] == 0 else f"{required} + closed loop"
        rows.append([u["name"], u["kind"], fmt(None if u["utilization"] is None else 100 * u["utilization"], ".1f"),
                     required, fmt(u["achieved_tops"]), fmt(u["avg_power_w"]), fmt(u["efficiency_tops_per_w"]),
                     fmt(u["inferences_per_j"]), fmt(u["required_resistance_k_per_w"])])
    lines.append(format_table(rows, ["unit", "kind", "util %", "required TOPS", "achieved TOPS", "avg W", "eff TOPS/W",
                                     "FPS/W (inf/J)", "R K/W"]))
    d = r["device"]
    lines.append("")
    lines.append(f"device (units + {fmt(d['platform_load_w'])} W platform loads): {fmt(d['avg_power_w'])} W average, "
                 f"R = {fmt(d['required_resistance_k_per_w'])} K/W for one enclosure")
    if d.get("power_budget_w") is not None:
        verdict = "fits" if d["within_power_budget"] else "DOES NOT FIT"
        lines.append(f"power budget: {fmt(d['power_budget_w'])} W; worst recording interval {fmt(d['max_interval_power_w'])} W -> {verdict} "
                     f"({fmt(d['power_budget_w'] - d['max_interval_power_w'], '+.4g')} W headroom)")
    return "\n".join(lines)


def _print(obj: dict[str, Any], as_json: bool, text: str) -> None:
    print(json.dumps(obj, indent=2, allow_nan=False) if as_json else text)


# --------------------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------------------


def _frame(args: argparse.Namespace) -> tuple[float, float, float, str, int]:
    opp, source = _ops_per_pixel(args.ops_per_pixel, args.model, args.catalog or ())
    return args.width, args.height, opp, source, args.streams


def cmd_capacity(args: argparse.Namespace) -> int:
    width, height, opp, source, streams = _frame(args)
    report = capacity_report(args.fps, width, height, opp, streams)
    report["ops_per_pixel_source"] = source
    _print(report, args.json, _render_capacity(report, source))
    return 0


def cmd_thermal(args: argparse.Namespace) -> int:
    tj_c, tc_c = _temperatures(args.tj, args.tc)
    by_power = args.power is not None
    by_eff = args.capacity_tops is not None or args.efficiency_tops_per_w is not None
    if by_power and by_eff:
        raise BudgetError("--power: give --power, or --capacity-tops with --efficiency-tops-per-w, not both")
    if by_power:
        report = thermal_report(tj_c, tc_c, power_w=args.power)
    elif args.capacity_tops is None or args.efficiency_tops_per_w is None:
        missing = "--capacity-tops" if args.capacity_tops is None else "--efficiency-tops-per-w"
        raise BudgetError(f"{missing}: needed (give --power W, or --capacity-tops X with --efficiency-tops-per-w Y)")
    else:
        c, eff = args.capacity_tops * TOPS, args.efficiency_tops_per_w * TOPS
        report = thermal_report(tj_c, tc_c, capacity_ops_per_s=c, efficiency_ops_per_j=eff)
    _print(report, args.json, _render_thermal(report))
    return 0


def cmd_fit(args: argparse.Namespace) -> int:
    eff = args.efficiency_tops_per_w * TOPS
    modes = [name for name, given in (("--resistance", args.resistance is not None),
                                      ("--power-budget", args.power_budget is not None),
                                      ("--battery-wh", args.battery_wh is not None)) if given]
    if len(modes) != 1:
        what = "none" if not modes else " and ".join(modes)
        raise BudgetError(f"{modes[-1] if modes else '--power-budget'}: give exactly one limit: --resistance R (with --tj, --tc), "
                          f"--power-budget W, or --battery-wh E with --life-h H (got {what})")
    platform_w = args.platform_w if args.platform_w is not None else 0.0
    kwargs: dict[str, Any] = {}
    if modes[0] == "--resistance":
        if args.tj is None or args.tc is None:
            raise BudgetError(f"{'--tj' if args.tj is None else '--tc'}: needed with --resistance")
        if args.platform_w is not None:
            raise BudgetError("--platform-w: applies to --power-budget and --battery-wh, not to a thermal limit")
        tj_c, tc_c = _temperatures(args.tj, args.tc)
        kwargs = {"resistance_k_per_w": args.resistance, "tj_c": tj_c, "tc_c": tc_c}
    elif modes[0] == "--power-budget":
        budget_w = args.power_budget
        if not budget_w > platform_w:
            raise BudgetError(f"--platform-w: {platform_w:g} W leaves nothing of the {budget_w:g} W --power-budget for AI")
        kwargs = {"power_budget_w": budget_w, "platform_w": platform_w}
    else:
        if args.life_h is None:
            raise BudgetError("--life-h: needed with --battery-wh")
        wh, life_h = args.battery_wh, args.life_h
        eta = args.dcdc_efficiency if args.dcdc_efficiency is not None else 1.0
        if not eta * wh / life_h > platform_w:
            raise BudgetError(f"--platform-w: {platform_w:g} W leaves no power for AI; the battery supports "
                              f"{eta * wh / life_h:.4g} W of load for {life_h:g} h")
        kwargs = {"battery_wh": wh, "life_h": life_h, "platform_w": platform_w, "dcdc_efficiency": eta}
    if (args.width is None) != (args.height is None):
        raise BudgetError(f"{'--width' if args.width is None else '--height'}: give --width and --height together")
    if args.width is not None:
        width, height, opp, _source, streams = _frame(args)
        kwargs.update(width_px=width, height_px=height, ops_per_pixel=opp, n_streams=streams)
    elif args.model is not None or args.ops_per_pixel is not None:
        raise BudgetError("--width: --model / --ops-per-pixel need the frame size (--width, --height) to give a frame rate")
    report = fit_report(eff, **kwargs)
    _print(report, args.json, _render_fit(report))
    return 0


def cmd_scenario(args: argparse.Namespace) -> int:
    tj_c, tc_c = _temperatures(args.tj, args.tc)
    spec = edgesim.load_scenario(Path(args.scenario))
    report = scenario_report(spec, tj_c, tc_c, args.duration, args.seed)
    _print(report, args.json, _render_scenario(report))
    return 0


def _frame_options(p: argparse.ArgumentParser, required: bool) -> None:
    p.add_argument("--width", type=positive_float, required=required, metavar="PX", help="frame width, pixels")
    p.add_argument("--height", type=positive_float, required=required, metavar="PX", help="frame height, pixels")
    p.add_argument("--ops-per-pixel", type=positive_float, metavar="OPS",
                   help="network cost, ops per pixel (default 150000: the white paper's ResNet-50-class backbone)")
    p.add_argument("--model", metavar="NAME", help="take ops per pixel from a catalog model (ops per inference / its input pixels)")
    p.add_argument("--catalog", action="append", metavar="FILE", help="extra catalog file for --model (repeatable)")
    p.add_argument("--streams", type=positive_int, default=1, metavar="N", help="identical (camera, network) streams (default 1)")


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``edgesim budget {capacity,thermal,fit,scenario}`` to the CLI."""
    budget = sub.add_parser("budget", help="the white paper's capacity, efficiency, thermal and battery formulas",
                            description="The white paper's formulas: C = FPS x W x H x ops/px, eff = C / P, R = (Tj - Tc) / P.")
    bsub = budget.add_subparsers(dest="budget_command", required=True, metavar="WHAT")

    p = bsub.add_parser("capacity", help="required capacity (TOPS) of a workload: C = streams x FPS x W x H x ops/px")
    p.add_argument("--fps", type=positive_float, required=True, help="frames per second of each stream")
    _frame_options(p, required=True)
    p.add_argument("--json", action="store_true", help="print JSON (units in the key names)")
    p.set_defaults(func=cmd_capacity)

    p = bsub.add_parser("thermal", help="thermal resistance needed: R = (Tj - Tc) / P, or (Tj - Tc) x eff / C")
    p.add_argument("--tj", type=finite_float, required=True, metavar="C", help="junction limit, degrees C")
    p.add_argument("--tc", type=finite_float, required=True, metavar="C", help="case/ambient limit, degrees C")
    p.add_argument("--power", type=positive_float, metavar="W", help="dissipated power, W")
    p.add_argument("--capacity-tops", type=positive_float, metavar="TOPS", help="required capacity, TOPS (with --efficiency-tops-per-w)")
    p.add_argument("--efficiency-tops-per-w", type=positive_float, metavar="TOPS/W", help="measured efficiency on the task, TOPS/W")
    p.add_argument("--json", action="store_true", help="print JSON (units in the key names)")
    p.set_defaults(func=cmd_thermal)

    p = bsub.add_parser("fit", help="largest capacity within a thermal resistance, a power budget or a battery life")
    p.add_argument("--efficiency-tops-per-w", type=positive_float, required=True, metavar="TOPS/W", help="measured efficiency on the task, TOPS/W")
    p.add_argument("--resistance", type=positive_float, metavar="K/W", help="available thermal resistance, K/W (with --tj and --tc)")
    p.add_argument("--tj", type=finite_float, metavar="C", help="junction limit, degrees C")
    p.add_argument("--tc", type=finite_float, metavar="C", help="case/ambient limit, degrees C")
    p.add_argument("--power-budget", type=positive_float, metavar="W", help="supply limit, W (e.g. 12.95 for 802.3af class 3)")
    p.add_argument("--battery-wh", type=positive_float, metavar="WH", help="usable battery energy, Wh (with --life-h)")
    p.add_argument("--life-h", type=positive_float, metavar="H", help="required battery life, h")
    p.add_argument("--dcdc-efficiency", type=fraction, metavar="ETA", help="battery converter efficiency in (0, 1] (default 1)")
    p.add_argument("--platform-w", type=non_negative_float, metavar="W", help="power of everything but the AI, W (default 0)")
    _frame_options(p, required=False)
    p.add_argument("--json", action="store_true", help="print JSON (units in the key names)")
    p.set_defaults(func=cmd_fit)

    p = bsub.add_parser("scenario", help="simulate a scenario; eff = C / P and R = (Tj - Tc) / P from the simulated power")
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument("--tj", type=finite_float, default=REFERENCE_TJ_C, metavar="C",
                   help=f"junction limit, degrees C (default {REFERENCE_TJ_C:g}: a reference value, not a device's limit)")
    p.add_argument("--tc", type=finite_float, default=REFERENCE_TC_C, metavar="C",
                   help=f"case/ambient limit, degrees C (default {REFERENCE_TC_C:g}: a reference value)")
    p.add_argument("--duration", type=positive_float, metavar="S", help="simulated seconds (overrides duration_s)")
    p.add_argument("--seed", type=non_negative_int, metavar="N", help="root random seed (overrides seed)")
    p.add_argument("--json", action="store_true", help="print JSON (units in the key names)")
    p.set_defaults(func=cmd_scenario)
