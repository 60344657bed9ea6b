"""``report.html``: one self-contained page for a design review (works offline, images embedded).

The page holds the scenario (name, description, source file, duration, warm-up, seed), the same summary tables
and system lines the command line prints (:mod:`edgesim.report.tables`), and the figures as base64 PNGs: the
timeline (power, utilization, queues, latency, drops and late frames, temperatures with throttle marks), the
latency CDF per stream (exact, from every latency), power with temperature,
and the battery when there is one. No script, no external file, no network.
"""
from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from matplotlib.figure import Figure

from ..results.result import SimulationResult
from .cdf import latency_cdf_figure
from .device import battery_figure, has_battery, power_temperature_figure
from .tables import Table, summary_tables, system_lines
from .timeline import timeline_figure

__all__ = ["ReportFigure", "figure_png_base64", "table_html", "report_figures", "render_report", "write_report"]

_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1100px;
       color: #222; line-height: 1.4; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; white-space: nowrap; }
th { background: #f0f0f0; } td:first-child, th:first-child { text-align: left; }
tr.platform td { color: #555; font-style: italic; } tr.total td { font-weight: bold; }
.meta td { text-align: left; border: none; padding: 1px 12px 1px 0; } .note { color: #555; font-size: 0.85em; }
img { max-width: 100%; border: 1px solid #ddd; } figure { margin: 1em 0; } figcaption { color: #555; font-size: 0.85em; }
.system { background: #f7f7f7; padding: 0.6em 1em; border-left: 4px solid #4a7; font-family: monospace; font-size: 0.85em; }
"""


_SERIES_WORDS = {"completed inferences/s": "completed inferences/s per unit", "temperature (C)": "temperature (C) per thermal node",
                 "state of charge": "battery state of charge (0-1)", "fan duty": "fan duty (0-1)"}


@dataclass(frozen=True)
class ReportFigure:
    """A figure of the report: its section title, caption and PNG bytes (base64 text)."""

    title: str
    caption: str
    png_base64: str


def figure_png_base64(fig: Figure, dpi: int = 100) -> str:
    """``fig`` rendered as a PNG, base64-encoded (ASCII), ready for ``<img src="data:image/png;base64,...">``."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def table_html(table: Table) -> str:
    """A :class:`~edgesim.report.tables.Table` as an HTML table (text escaped), notes under it."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in table.header)
    body = []
    for row in table.rows:
        kind = ' class="platform"' if len(row) > 1 and row[1] == "platform" else (' class="total"' if row[0] == "device total" else "")
        body.append(f"<tr{kind}>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>")
    notes = "".join(f'<p class="note">{html.escape(n)}</p>' for n in table.notes)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{notes}"


def report_figures(result: SimulationResult) -> list[ReportFigure]:
    """The report's figures, in page order; the battery only when the run has one."""
    traced = result.trace is not None
    series = result.extra.get("series", {})
    thermal = "temperature (C)" in series
    marks = (" Throttle thresholds are horizontal lines on the temperature panel (dashed red: a throttle step starts, "
             "dotted green: it is released, dash-dot black: shutdown); vertical lines mark the instants a unit's "
             "throttle level changed (red: deeper, green: released, black: shutdown).") if result.detail.thresholds or result.detail.changes else ""
    figures = [
        ReportFigure("Timeline", "Against simulated time (s), per recording interval: each unit's power (W), utilization "
                "(busy share) and mean waiting jobs"
                + ("; each completed frame's latency (ms) at its arrival" if traced else " (run with --trace for each frame's latency)")
                + ("; per stream, frames dropped and frames completed past their deadline (frames/s)" if result.summary["streams"] else "")
                + "".join(f"; {_SERIES_WORDS.get(name, name)}" for name in series) + "." + marks,
                figure_png_base64(timeline_figure(result))),
        ReportFigure("Latency CDF per stream", "Share of each stream's completed frames served within a latency (ms), "
                "from every completed frame's latency (no --trace needed); the 0.95 and 0.99 levels give p95 and p99, "
                "dotted lines the deadlines. Dropped frames are not in the curves (their count is in the legend).",
                figure_png_base64(latency_cdf_figure(result))),
        ReportFigure("Power and temperature" if thermal else "Power", "Against simulated time (s): power (W) of each unit "
                "and of the whole device (units + platform loads)" + ("; temperatures (C) of the thermal nodes." if thermal else ".")
                + marks, figure_png_base64(power_temperature_figure(result))),
    ]
    if has_battery(result):
        figures.append(ReportFigure("Battery", "State of charge (0-1) against simulated time (s), and the battery life.",
                               figure_png_base64(battery_figure(result))))
    return figures


def render_report(result: SimulationResult, *, platform_loads: Mapping[str, float] | None = None,
                  files: Sequence[str] = (), description: str = "") -> str:
    """The whole page as a string.

    Parameters
    ----------
    result : SimulationResult
        The run.
    platform_loads : mapping of str to float, optional
        Name -> power (W) of each platform load, one row each in the units table.
    files : sequence of str
        Names of the other files written beside the page (listed at the end).
    description : str
        The scenario's description, shown under its name.
    """
    s = result.summary
    name = html.escape(str(s["scenario"]))
    meta = [("source", s.get("source") or "-"), ("simulated", f"{s['duration_s']:g} s (warm-up {s['warmup_s']:g} s)"),
            ("seed", str(s["seed"])), ("edgesim", str(s.get("edgesim_version", ""))),
            ("written", datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))]
    parts = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>edgesim report: {name}</title>",
             f"<style>{_CSS}</style></head><body>", f"<h1>{name}</h1>"]
    if description:
        parts.append(f"<p>{html.escape(description)}</p>")
    parts.append('<table class="meta">' + "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>" for k, v in meta)
                 + "</table>")
    parts.append("<h2>Summary</h2><div class=\"system\">" + "<br>".join(html.escape(line) for line in system_lines(s)) + "</div>")
    for table in summary_tables(s, platform_loads):
        parts.append(f"<h2>{html.escape(table.title.capitalize())}</h2>{table_html(table)}")
    for fig in report_figures(result):
        parts.append(f"<h2>{html.escape(fig.title)}</h2><figure><img alt=\"{html.escape(fig.title)}\" "
                     f"src=\"data:image/png;base64,{fig.png_base64}\"><figcaption>{html.escape(fig.caption)}</figcaption></figure>")
    if files:
        parts.append("<h2>Files</h2><p class=\"note\">" + ", ".join(html.escape(f) for f in files) + "</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(result: SimulationResult, path: str | Path, *, platform_loads: Mapping[str, float] | None = None,
                 files: Sequence[str] = (), description: str = "") -> Path:
    """Write :func:`render_report` at ``path`` (conventionally ``report.html``); returns the path."""
    path = Path(path)
    path.write_text(render_report(result, platform_loads=platform_loads, files=files, description=description), encoding="utf-8")
    return path
