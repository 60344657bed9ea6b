"""``report.html`` of a sweep: one self-contained page (no network, no script) for a design review.

It holds the sweep's description, the configuration table (mean +/- confidence half width, runs ok, the
constraints each configuration violates) with its notes, and the Pareto plot as inline SVG: axes named in words
with units, one colour and marker per case, constraint violators drawn apart.
"""
from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..fmt import fmt
from .constraints import Constraints, parse_constraints
from .pareto import pareto_mask
from .plot import axis_label, case_column, figure_svg, pareto_figure, sweep_title, varying_columns
from .summary import deterministic, means_frame

__all__ = ["write_report", "render_report"]

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 1200px; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
table { border-collapse: collapse; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th { background: #f3f3f3; } td.text { text-align: left; }
tr.violates td { color: #888; } tr.front td { font-weight: 600; }
.notes li { font-size: 0.85em; color: #444; } code { background: #f5f5f5; padding: 0 3px; }
"""


def render_report(df: pd.DataFrame, table: pd.DataFrame, metrics: Sequence[str], *, title: str,
                  objectives: Mapping[str, str] | None = None, where: Constraints = (),
                  notes: Sequence[str] = (), details: Mapping[str, Any] | None = None) -> str:
    """The report page as HTML text (see :func:`write_report`)."""
    where = parse_constraints(where, "where")
    by = [c for c in table.columns if c not in ("runs", "ok", "meets", "violates") and ":" not in c]
    means = means_frame(table, metrics)
    meets = table["meets"].astype(bool).tolist() if "meets" in table.columns else [True] * len(table)
    front = [False] * len(table)
    svg = ""
    if objectives and len(objectives) >= 2 and all(c in means.columns for c in objectives):
        x, y = list(objectives)[:2]
        eligible = means[pd.Series(meets, index=means.index)]
        on = set(eligible.index[pareto_mask(eligible, objectives)]) if len(eligible) else set()
        front = [i in on for i in means.index]
        varying = varying_columns(means, by)  # the plot names only what the sweep varies
        case = case_column(means, varying)
        fig = pareto_figure(means, x, y, objectives=objectives, meets=meets, case=case,
                            label=[c for c in varying if c != case],
                            title=sweep_title(title, x, y, varying, len(means)))
        svg = figure_svg(fig)
    head = by + ["runs ok"] + [axis_label(m) if m in (objectives or {}) or m == "drop_rate" else m for m in metrics]
    if where:
        head.append("violates")
    rows = []
    for i, (_, r) in enumerate(table.iterrows()):
        cells = [f'<td class="text">{html.escape(fmt(r[c]))}</td>' for c in by]
        cells.append(f"<td>{int(r['ok'])}/{int(r['runs'])}</td>")
        for m in metrics:
            mean, half, n = r.get(f"{m}:mean"), r.get(f"{m}:half_width"), r.get(f"{m}:n")
            text = fmt(mean)
            if half is not None and half == half:
                text += " &plusmn; 0*" if deterministic(n, mean, half) else f" &plusmn; {half:.2g}"
            cells.append(f"<td>{text}</td>")
        if where:
            cells.append(f'<td class="text">{html.escape(str(r.get("violates", "")))}</td>')
        cls = "front" if front[i] else ("violates" if not meets[i] else "")
        rows.append(f'<tr class="{cls}">' + "".join(cells) + "</tr>")
    table_html = ("<table><thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr></thead><tbody>"
                  + "\n".join(rows) + "</tbody></table>")
    info = dict(details or {})
    if where:
        info["constraints (--where)"] = ", ".join(str(c) for c in where)
    if objectives:
        info["Pareto objectives"] = ", ".join(f"{c} ({s})" for c, s in objectives.items())
    info["runs"] = f"{len(df)} ({int((df['status'] != 'ok').sum()) if 'status' in df.columns else 0} failed)"
    info_html = "<ul>" + "".join(f"<li><b>{html.escape(str(k))}</b>: <code>{html.escape(str(v))}</code></li>"
                                 for k, v in info.items()) + "</ul>"
    notes_html = ("<ul class='notes'>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>") if notes else ""
    legend = ("<p>Bold rows are on the Pareto front; grey rows violate the constraints and are left out of it.</p>"
              if objectives else "")
    return (f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body>\n<h1>{html.escape(title)}</h1>\n{info_html}\n"
            + (f"<h2>Pareto front</h2>\n{svg}\n" if svg else "")
            + f"<h2>Configurations</h2>\n{legend}{table_html}\n{notes_html}\n</body></html>\n")


def write_report(path: str | Path, df: pd.DataFrame, table: pd.DataFrame, metrics: Sequence[str], *, title: str,
                 objectives: Mapping[str, str] | None = None, where: Constraints = (),
                 notes: Sequence[str] = (), details: Mapping[str, Any] | None = None) -> Path:
    """Write ``report.html``: the sweep's description, the Pareto plot (inline SVG) and the configuration table.

    Parameters
    ----------
    path : path
        The HTML file to write.
    df : DataFrame
        The sweep table (one row per run).
    table : DataFrame
        Its configuration table (:func:`edgesim.sweeps.summary.configuration_table`).
    metrics : list of str
        Metric columns shown.
    title : str
        Page title (the scenario's name).
    objectives : mapping, optional
        Pareto objectives ``{column: 'min' | 'max'}``; the plot uses the first two.
    where : list of str or Constraint
        Constraints (``"drop_rate<=0.01"``): violating configurations are drawn apart and kept off the front.
    notes : list of str
        Notes printed under the table.
    details : mapping, optional
        Extra ``name: value`` lines at the top (scenario, command, seed).
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_report(df, table, metrics, title=title, objectives=objectives, where=where, notes=notes,
                                 details=details), encoding="utf-8")
    return out
