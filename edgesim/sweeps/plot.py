"""The Pareto plot of a sweep: axes named in words with units, one colour and marker per case, constraint
violators drawn apart, the front joined by a line.

What the plot names is what the sweep varies: the legend and the labels beside the front's points show only the
parameters that take more than one value across the sweep (:func:`varying_columns`), and the title says what is
compared (:func:`sweep_title`: the two objectives, over which parameters, how many configurations).

Drawn with matplotlib's object API (``Figure``, no pyplot): nothing global is changed, no backend is chosen,
so it is safe in notebooks and worker processes.
"""
from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure

from .errors import SweepError
from .pareto import pareto_mask

__all__ = ["axis_label", "case_column", "varying_columns", "short_names", "point_labels", "sweep_title",
           "pareto_figure", "plot_pareto", "figure_svg"]

_NAMED = {
    "system.avg_power_w": "average power (W)",
    "system.energy_j": "energy (J)",
    "system.inferences_per_j": "inferences per joule (1/J)",
    "system.battery_life_h": "battery life (h)",
    "system.required_tops": "required compute (TOPS)",
    "system.achieved_tops": "achieved compute (TOPS)",
    "max_p99_latency_ms": "p99 latency (ms), worst stream",
    "max_p95_latency_ms": "p95 latency (ms), worst stream",
    "max_mean_latency_ms": "mean latency (ms), worst stream",
    "max_latency_ms": "max latency (ms), worst stream",
    "drop_rate": "dropped frames (fraction of offered)",
    "min_fps_ratio": "achieved / nominal FPS, worst stream",
    "max_utilization": "utilization of the busiest unit (fraction)",
    "max_temp_c": "hottest unit temperature (°C)",
}
_FRACTIONS = ("utilization", "drop_rate", "ratio", "duty_cycle", "fraction")
_SUFFIX_UNITS = (("_per_j", "1/J"), ("_ops_per_s", "ops/s"), ("_ms", "ms"), ("_wh", "Wh"), ("_w", "W"), ("_j", "J"),
                 ("_s", "s"), ("_c", "°C"), ("_h", "h"), ("_px", "px"), ("_fps", "FPS"), ("_tops", "TOPS"),
                 ("_bytes", "bytes"))
_WORDS = {"avg": "average", "p99": "p99", "fps": "FPS"}
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "h", "*", "p")


def axis_label(column: str) -> str:
    """A result column in words with its unit: ``system.avg_power_w`` -> ``average power (W)``."""
    if column in _NAMED:
        return _NAMED[column]
    parts = str(column).split(".")
    leaf, context = parts[-1], parts[1:-1] if len(parts) > 2 else []
    unit = ""
    for suffix, name in _SUFFIX_UNITS:
        if leaf.endswith(suffix) and len(leaf) > len(suffix):
            leaf, unit = leaf[: -len(suffix)], name
            break
    if parts[-1] == "fps":
        leaf, unit = "frame rate", "FPS"
    if parts[-2:-1] == ["latency_ms"]:
        leaf, unit, context = f"{parts[-1]} latency", "ms", parts[1:-2]
    if not unit and leaf.endswith(_FRACTIONS):
        unit = "fraction"
    words = " ".join(_WORDS.get(w, w) for w in leaf.split("_") if w)
    where = f"{' '.join(context)} " if context else ""
    return f"{where}{words} ({unit})" if unit else f"{where}{words}"


def varying_columns(table: pd.DataFrame, candidates: Sequence[str]) -> list[str]:
    """The columns of ``candidates`` that take more than one value in ``table`` (what the sweep varies)."""
    out = []
    for col in candidates:
        if col in table.columns and table[col].astype(str).nunique(dropna=False) > 1:
            out.append(col)
    return out


def short_names(columns: Sequence[str]) -> dict[str, str]:
    """``compute_units.npu.device`` -> ``device``: each column by its last step, or in full where two share it."""
    leaves = [str(c).split(".")[-1] for c in columns]
    return {c: (leaf if leaves.count(leaf) == 1 else str(c)) for c, leaf in zip(columns, leaves)}


def point_labels(table: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    """One label per row: ``device=hailo8, fps=30`` over ``columns`` (empty strings when there are none)."""
    names = short_names(columns)
    return [", ".join(f"{names[c]}={_value_text(r[c])}" for c in columns) for _, r in table.iterrows()]


def _value_text(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def sweep_title(name: str, x: str, y: str, varying: Sequence[str], n_configurations: int) -> str:
    """``NAME: average power (W) vs p99 latency (ms), worst stream, over device x fps (8 configurations)``."""
    over = " x ".join(short_names(varying).values()) if varying else "one configuration"
    return f"{name}: {axis_label(y)} vs {axis_label(x)}, over {over} ({n_configurations} configurations)"


def case_column(table: pd.DataFrame, candidates: Sequence[str]) -> str | None:
    """The column that tells configurations apart in a plot: ``case`` when used, else the first text parameter,
    else the first parameter with at most 12 values."""
    if "case" in table.columns and table["case"].notna().any():
        return "case"
    for col in candidates:
        if col in table.columns and not pd.api.types.is_numeric_dtype(table[col]):
            return col
    for col in candidates:
        if col in table.columns and table[col].nunique(dropna=False) <= 12:
            return col
    return None


def pareto_figure(table: pd.DataFrame, x: str, y: str, objectives: Mapping[str, str] | None = None,
                  meets: Sequence[bool] | None = None, case: str | None = None,
                  label: str | Sequence[str] | None = None, title: str | None = None,
                  color: str | None = None) -> Figure:
    """Scatter of ``y`` against ``x`` with the Pareto front (among the points that ``meets``) drawn over it.

    Parameters
    ----------
    table : DataFrame
        One row per configuration (means), with columns ``x`` and ``y``.
    x, y : str
        Result columns for the axes (labelled in words, with units).
    objectives : mapping, optional
        ``{column: 'min' | 'max'}`` for the front (default ``{x: 'min', y: 'min'}``).
    meets : sequence of bool, optional
        Which rows meet the constraints; the others are drawn apart (grey crosses) and are never on the front.
    case : str, optional
        Column giving each point its colour and marker (legend).
    label : str or list of str, optional
        Column written beside each front point, or several, written ``name=value, ...`` (pass the parameters that
        vary, :func:`varying_columns`: a constant one tells nothing).
    title : str, optional
        Figure title (wrapped, never clipped).
    color : str, optional
        A numeric column mapped to the marker colour (a colour bar) instead of a colour per case.
    """
    for column in (x, y):
        if column not in table.columns:
            raise SweepError("plot", column, "is not a column of the sweep table")
    data = table.copy()
    data[x] = pd.to_numeric(data[x], errors="coerce")
    data[y] = pd.to_numeric(data[y], errors="coerce")
    data["_meets"] = list(meets) if meets is not None else True
    finite = np.isfinite(data[x].to_numpy(dtype=float)) & np.isfinite(data[y].to_numpy(dtype=float))
    hidden = int((~finite).sum())
    data = data[finite]
    objectives = dict(objectives or {x: "min", y: "min"})
    on_front = pareto_mask(data[data["_meets"]], objectives) if data["_meets"].any() else np.zeros(0, dtype=bool)
    front = data[data["_meets"]][on_front].sort_values(x)
    fig = Figure(figsize=(8.0, 5.6), layout="constrained")
    ax = fig.add_subplot()
    ok = data[data["_meets"]]
    groups = list(ok.groupby(case, dropna=False, sort=False)) if case and case in ok.columns else [("configurations", ok)]
    colours = [f"C{i % 10}" for i in range(len(groups))]
    shade = color if color and color in ok.columns and pd.api.types.is_numeric_dtype(ok[color]) else None
    for i, (name, part) in enumerate(groups):
        style = {"c": part[shade], "cmap": "viridis", "vmin": ok[shade].min(), "vmax": ok[shade].max()} if shade \
            else {"color": colours[i]}
        sc = ax.scatter(part[x], part[y], s=42, marker=_MARKERS[i % len(_MARKERS)], alpha=0.85,
                        label=str(name if not isinstance(name, tuple) else name[0]), zorder=3, **style)
    if shade and len(groups):
        fig.colorbar(sc, ax=ax, label=axis_label(shade))
    bad = data[~data["_meets"]]
    if len(bad):
        ax.scatter(bad[x], bad[y], s=40, color="0.55", marker="x", label="violates --where", zorder=2)
    if len(front):
        ax.plot(front[x], front[y], "-", color="tab:red", lw=1.2, zorder=1)
        ax.scatter(front[x], front[y], s=150, facecolors="none", edgecolors="tab:red", lw=1.4, label="Pareto front",
                   zorder=4)
        labels = [label] if isinstance(label, str) else [c for c in (label or [])]
        labels = [c for c in labels if c in front.columns]
        if len(labels) == 1 and isinstance(label, str):
            texts = [_value_text(v) for v in front[labels[0]]]
        else:
            texts = point_labels(front, labels) if labels else []
        for (_, r), text in zip(front.iterrows(), texts):
            if text:
                ax.annotate(text, (r[x], r[y]), textcoords="offset points", xytext=(6, 5), fontsize=8)
    ax.set_xlabel(f"{axis_label(x)}, {objectives.get(x, 'min')}imize" if x in objectives else axis_label(x))
    ax.set_ylabel(f"{axis_label(y)}, {objectives.get(y, 'min')}imize" if y in objectives else axis_label(y))
    ax.grid(alpha=0.3)
    legend_title = short_names([case])[case] if case and case in ok.columns else None
    ax.legend(fontsize=8, loc="best", title=legend_title, title_fontsize=8)
    if hidden:
        ax.text(0.99, 0.01, f"{hidden} configuration(s) with unbounded or missing values not shown",
                transform=ax.transAxes, ha="right", va="bottom", fontsize=7, color="0.4")
    fig.suptitle("\n".join(textwrap.wrap(title or "Pareto front", 80)), fontsize=10)
    return fig


def figure_svg(fig: Figure) -> str:
    """The figure as inline SVG text (self-contained, for HTML pages; text kept as text, searchable)."""
    buf = io.StringIO()
    with rc_context({"svg.fonttype": "none"}):
        fig.savefig(buf, format="svg")
    text = buf.getvalue()
    return text[text.find("<svg"):]


def plot_pareto(df: pd.DataFrame, x: str, y: str, path: str | Path, objectives: Mapping[str, str] | None = None,
                label: str | Sequence[str] | None = None, case: str | None = None, title: str | None = None,
                meets: Sequence[bool] | None = None, color: str | None = None) -> Path:
    """Write :func:`pareto_figure` of ``df`` to ``path`` (PNG, or any format matplotlib infers from the suffix)."""
    fig = pareto_figure(df, x, y, objectives=objectives, meets=meets, case=case, label=label, title=title,
                        color=color)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    return out
