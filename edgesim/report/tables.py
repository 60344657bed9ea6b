"""The summary tables of one run, as typed records that the text and HTML renderers both draw.

One :class:`Table` per section of a run's summary (streams, pipelines, MLPerf loads, units with the platform
loads beside them) and the system lines under them. The command line prints them with
:func:`edgesim.cli.common.render_table`; ``report.html`` draws the same tables with
:func:`edgesim.report.html.table_html`, so the two never disagree.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Table", "summary_tables", "system_lines", "window_s"]


@dataclass(frozen=True)
class Table:
    """A titled table of formatted cells.

    Attributes
    ----------
    title : str
        What the table shows (``"streams"``, ``"units"``...).
    header : tuple of str
        Column titles, each with its unit.
    rows : tuple of tuple of str
        Formatted cells, one tuple per row, as long as ``header``.
    notes : tuple of str
        Lines printed under the table (how to read it).
    """

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...] = field(default=())


def _f(value: float | None, spec: str = ".3g") -> str:
    return "-" if value is None else format(value, spec)


def window_s(summary: Mapping[str, Any]) -> float:
    """The statistics window of a run, s: ``duration_s - warmup_s`` (the whole run when that is not positive)."""
    if summary.get("window_s") is not None:  # the result carries it; older summaries (sweep rows, files) may not
        return float(summary["window_s"])
    window = float(summary["duration_s"]) - float(summary.get("warmup_s", 0.0))
    return window if window > 0 else float(summary["duration_s"])


def _streams(summary: Mapping[str, Any]) -> Table:
    rows = []
    for s in summary["streams"]:
        lat = s["latency_ms"]
        rows.append((s["camera"], s["model"], s["unit"], _f(s["offered_fps"], ".2f"), _f(s["achieved_fps"], ".2f"), str(s["dropped"]),
                     _f(lat["mean"], ".2f"), _f(lat["p95"], ".2f"), _f(lat["p99"], ".2f"), _f(lat["max"], ".2f"),
                     _service(s["service_ms"]), _service(s.get("latency_model_ms", s["service_ms"])), str(s["service_source"])))
    return Table("streams", ("camera", "model", "unit", "offered fps", "achieved fps", "dropped", "mean ms", "p95 ms", "p99 ms",
                             "max ms", "service ms (80% interval)", "model latency ms (80%)", "service time from"), tuple(rows),
                 notes=("model latency = service (the unit's occupancy) + the result delay after it (host round trip): "
                        "the mean latency of a lightly loaded stream",))


def _service(service_ms: Any) -> str:
    """One job's service time, with its 80% interval when it is a prediction: ``6.91 (5.08-9.20)``."""
    if not isinstance(service_ms, Mapping):
        return _f(service_ms, ".3g")
    estimate, low, high = service_ms["estimate"], service_ms["low"], service_ms["high"]
    if low == high == estimate:
        return _f(estimate, ".4g")
    return f"{estimate:.4g} ({low:.3g}-{high:.3g})"


def _pipelines(summary: Mapping[str, Any]) -> Table:
    rows = []
    for p in summary["pipelines"]:
        lat = p["latency_ms"]
        rows.append((p["pipeline"], p["camera"], _f(p["offered_fps"], ".2f"), _f(p["achieved_fps"], ".2f"), str(p["dropped"]),
                     str(p["late"]), _f(lat.get("mean"), ".2f"), _f(lat.get("p99"), ".2f"), _f(p["critical_path_ms"], ".2f"),
                     _f(p["energy_per_frame_j"], ".4g")))
    return Table("pipelines", ("pipeline", "camera", "offered fps", "achieved fps", "dropped", "late", "mean ms", "p99 ms",
                               "critical path ms", "J/frame"), tuple(rows))


def _loads(summary: Mapping[str, Any]) -> Table:
    rows = [(str(x["name"]), str(x["scenario"]), str(x["model"]), str(x["unit"]), str(x["metric"]), _f(x["value"], ".4g"),
             str(x["samples"]), str(x["valid"]) if "valid" in x else "") for x in summary["loads"]]
    return Table("MLPerf loads", ("load", "MLPerf scenario", "model", "unit", "metric", "value", "samples", "valid"), tuple(rows))


def _units(summary: Mapping[str, Any], platform_loads: Mapping[str, float] | None) -> Table:
    units = summary["units"]
    thermal = any(u.get("max_temp_c") is not None for u in units)
    shutdown = any(u.get("shutdown_at_s") is not None for u in units)
    header = ["unit", "kind", "util %", "avg W", "energy J", "inferences", "inf/J (FPS/W)"]
    header += ["max C", "throttled s"] if thermal else []
    header += ["note"] if shutdown else []
    rows: list[list[str]] = []
    for u in units:
        row = [u["name"], u["kind"], _f(100 * u["utilization"], ".1f"), _f(u["avg_power_w"], ".3f"), _f(u["energy_j"], ".4g"),
               str(u["inferences"]), _f(u["inferences_per_j"], ".1f")]
        row += [_f(u["max_temp_c"], ".1f"), _f(u["throttled_s"], ".1f")] if thermal else []
        row += [f"shut down at {u['shutdown_at_s']:.3f} s" if u.get("shutdown_at_s") is not None else ""] if shutdown else []
        rows.append(row)
    system = summary["system"]
    platform_w = float(system.get("platform_load_w") or 0.0)
    notes: list[str] = []
    if platform_w > 0:
        seconds = window_s(summary)
        loads = dict(platform_loads or system.get("platform_loads_w") or {"platform loads": platform_w})
        blank = [""] * (len(header) - 7)
        for name, power_w in loads.items():
            rows.append([name, "platform", "-", _f(power_w, ".3f"), _f(power_w * seconds, ".4g"), "-", "-", *blank])
        device_w = float(system.get("device_avg_power_w", system["avg_power_w"] + platform_w))
        rows.append(["device total", "", "-", _f(device_w, ".3f"), _f(device_w * seconds, ".4g"), "-", "-", *blank])
        notes.append(f"platform loads: fixed draws beside the compute units ({platform_w:.3f} W); the device draws "
                     f"units + platform = {device_w:.3f} W")
    return Table("units", tuple(header), tuple(tuple(r) for r in rows), tuple(notes))


def summary_tables(summary: Mapping[str, Any], platform_loads: Mapping[str, float] | None = None) -> list[Table]:
    """The tables of a run's summary: streams, pipelines and MLPerf loads when present, then the units.

    Parameters
    ----------
    summary : mapping
        :attr:`edgesim.SimulationResult.summary` (the JSON contract).
    platform_loads : mapping of str to float, optional
        Name -> power (W) of each platform load, shown one row each; by default the summary's own
        ``system.platform_loads_w`` (camera power included). Either way a ``device total`` row follows.

    Returns
    -------
    list of Table
    """
    tables = []
    if summary.get("streams"):
        tables.append(_streams(summary))
    if summary.get("pipelines"):
        tables.append(_pipelines(summary))
    if summary.get("loads"):
        tables.append(_loads(summary))
    tables.append(_units(summary, platform_loads))
    return tables


def system_lines(summary: Mapping[str, Any]) -> list[str]:
    """The lines under the tables: power and capacity, the power budget verdict, the battery life."""
    s = summary["system"]
    platform_w = float(s.get("platform_load_w") or 0.0)
    if platform_w > 0:
        device_w = float(s.get("device_avg_power_w", s["avg_power_w"] + platform_w))
        power = (f"system: {s['avg_power_w']:.3f} W average in the compute units + {platform_w:.3f} W platform loads = "
                 f"{device_w:.3f} W device, {s['energy_j']:.4g} J in the units")
    else:
        power = f"system: {s['avg_power_w']:.3f} W average, {s['energy_j']:.4g} J"
    lines = [f"{power}; required {s['required_tops']:.4g} TOPS, achieved {s['achieved_tops']:.4g} TOPS"]
    if s.get("power_budget_w") is not None:
        verdict = "fits" if s["within_power_budget"] else "EXCEEDS"
        peak = f", instantaneous peak {s['device_peak_power_w']:.3f} W" if s.get("device_peak_power_w") is not None else ""
        lines.append(f"power budget {s['power_budget_w']:g} W: {verdict} (device average {s['device_avg_power_w']:.3f} W, "
                     f"worst interval {s['device_max_interval_power_w']:.3f} W{peak})")
    if s.get("battery_life_h") is not None:
        kind = "projected" if s.get("battery_life_is_projection") else "simulated"
        days = f" ({s['battery_life_h'] / 24.0:.2f} days)" if s["battery_life_h"] > 48.0 else ""  # long lives read better in days
        lines.append(f"battery: {kind} life {s['battery_life_h']:.3f} h{days}, final state of charge {s['final_soc']:.3f}")
    if s.get("battery_series") is not None:  # a Li-ion pack
        n_s, n_p = s["battery_series"], s["battery_parallel"]
        lines.append(f"battery pack: Li-ion {n_s}s{n_p}p ({n_s * n_p} cells), {s['battery_capacity_ah']:.4g} Ah, "
                     f"{s['battery_energy_wh_at_ocv']:.4g} Wh at open circuit; {s['final_voltage_v']:.3f} V at the end "
                     f"(cut-off {s['cutoff_voltage_v']:.3f} V), {s['battery_heat_j'] / 3600.0:.3g} Wh of heat in the cells")
    return lines

