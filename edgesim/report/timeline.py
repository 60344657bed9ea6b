"""The timeline of one run (matplotlib, no pyplot state): power, utilization, queues, latency, drops.

Panels, top to bottom: power (W), utilization and mean waiting jobs per unit per recording interval; with a
per-job trace (``--trace``), each completed job's latency (ms) at its arrival time; with or without one, the frames
dropped and the frames completed after their deadline per interval (frames/s), per stream that had any; then every
extra series the run recorded (completed inferences/s, temperatures, state of charge, fan). The temperature panel
marks each unit's throttle thresholds (a labelled horizontal line each); every panel marks the instants a unit's
throttle level changed (vertical lines: red deeper, green released, black shutdown).
"""
from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..results.result import SimulationResult
from .marks import mark_changes, mark_thresholds

__all__ = ["INTERVAL_SERIES", "MAX_STREAM_LINES", "drop_late_series", "drops_per_interval", "figure_title", "legend_outside", "line_widths", "plot_timeline",
           "shade_warmup", "step_to_end", "stream_labels", "timeline_figure"]

INTERVAL_SERIES = frozenset({"completed inferences/s", "temperature (C)", "fan duty", "fan power (W)"})
"""Extra series holding one value per recording interval (drawn as steps); the others are point samples."""

_UNIT_PANELS = (("power (W)", "power_w"), ("utilization\n(busy share, 0-1)", "utilization"),
                ("waiting jobs\n(time mean, jobs)", "queue_mean"))

_AXIS_LABELS = {"completed inferences/s": "completed\ninferences/s", "state of charge": "state of charge (0-1)",
                "fan duty": "fan duty (0-1)", "battery voltage (V)": "battery\nvoltage (V)"}
"""Axis labels (with units) of the extra series whose names carry none."""

_FROM_ZERO = frozenset({"completed inferences/s", "fan duty", "fan power (W)"})
"""Extra series drawn from 0."""

MAX_STREAM_LINES = 8
"""Most streams drawn one by one in the drop/late panel; above, they are summed per unit."""


def stream_labels(trace: pd.DataFrame) -> pd.Series:
    """``camera/model`` for every row of a per-job trace (the stream's name in every figure)."""
    return trace["camera"].astype(str) + "/" + trace["model"].astype(str)


def drops_per_interval(trace: pd.DataFrame, interval_s: float, duration_s: float) -> pd.DataFrame:
    """Frames dropped per recording interval and stream, by the time of the drop.

    Parameters
    ----------
    trace : pandas.DataFrame
        The per-job trace (``status == 'dropped'`` rows carry the drop time in ``end_s``).
    interval_s : float
        Bin width, s.
    duration_s : float
        Simulated time, s (the last bin ends there).

    Returns
    -------
    pandas.DataFrame
        ``time_s`` (bin start), ``stream`` (``camera/model``), ``dropped`` (count); every bin of every stream.
    """
    n_bins = max(1, int(np.ceil(duration_s / interval_s - 1e-9)))
    labels = stream_labels(trace)
    frames = []
    for name in dict.fromkeys(labels):
        rows = trace[(labels == name) & (trace["status"] == "dropped")]
        when = rows["end_s"].fillna(rows["arrival_s"]).to_numpy(dtype=float)
        counts = np.bincount(np.minimum((when // interval_s).astype(int), n_bins - 1), minlength=n_bins) if len(when) else np.zeros(n_bins, int)
        frames.append(pd.DataFrame({"time_s": np.arange(n_bins) * interval_s, "stream": name, "dropped": counts}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["time_s", "stream", "dropped"])


def step_to_end(ax: Axes, time_s: pd.Series, values: pd.Series, end_s: float, **kwargs: Any) -> None:
    """Draw per-interval values as steps, the last one held until ``end_s`` (the end of the run, s)."""
    x = np.append(np.asarray(time_s, dtype=float), end_s)
    y = np.asarray(values, dtype=float)
    ax.step(x, np.append(y, y[-1:]) if len(y) else x * np.nan, where="post", **kwargs)


def legend_outside(ax: Axes, markerscale: float = 1.0) -> None:
    """The legend to the right of the axes, so it never hides data (``markerscale`` enlarges point markers)."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, markerscale=markerscale)


def figure_title(fig: Figure, first_line: str, rest: str = "", width: int = 120) -> None:
    """The figure's title (over the whole figure, legends included): ``first_line``, then ``rest`` wrapped at
    ``width`` characters, so no title runs off the image."""
    fig.suptitle(first_line + ("\n" + textwrap.fill(rest, width) if rest else ""), fontsize=9.5)


def shade_warmup(ax: Axes, warmup_s: float) -> None:
    """Grey out ``[0, warmup_s)``: frames arriving then are left out of every statistic."""
    if warmup_s > 0:
        ax.axvspan(0.0, warmup_s, color="0.85", alpha=0.5, lw=0)


def line_widths(n: int) -> list[float]:
    """Widths of ``n`` lines in one panel, the first drawn the widest (2.8 down to 1.2): a line exactly under a later
    one still shows around it, so two units with equal values are not read as one."""
    return [1.5] if n <= 1 else [2.8 - 1.6 * k / (n - 1) for k in range(n)]


def _unit_panel(ax: Axes, ts: pd.DataFrame, title: str, column: str, end_s: float) -> None:
    groups = list(ts.groupby("unit", sort=False))
    for (unit, rows), lw in zip(groups, line_widths(len(groups))):
        step_to_end(ax, rows["time_s"], rows[column], end_s, label=str(unit), lw=lw)
    ax.set_ylabel(title)
    top = max(1.05 if column == "utilization" else 0.0, float(ts[column].max()) * 1.1) if len(ts) else 1.0
    ax.set_ylim(bottom=0, top=top or 1.0)


def _latency_panel(ax: Axes, trace: pd.DataFrame) -> None:
    done = trace[trace["status"] == "completed"]
    labels = stream_labels(done)
    for name in dict.fromkeys(labels):
        rows = done[labels == name]
        ax.plot(rows["arrival_s"], 1e3 * rows["latency_s"], ".", markersize=2, label=name)
    ax.set_ylabel("latency (ms)\nat arrival")
    ax.set_ylim(bottom=0)


def drop_late_series(intervals: pd.DataFrame, max_lines: int = MAX_STREAM_LINES) -> tuple[pd.DataFrame, int]:
    """What the drop/late panel draws: per interval, ``dropped`` and ``late`` frames of each stream that had any.

    Streams with neither are left out (and counted); when more than ``max_lines`` streams remain, they are
    summed per unit (``name`` is then ``unit: N streams``).

    Parameters
    ----------
    intervals : pandas.DataFrame
        :attr:`RunDetail.stream_intervals <edgesim.results.detail.RunDetail.stream_intervals>`.
    max_lines : int
        Most streams drawn one by one.

    Returns
    -------
    tuple
        A DataFrame (``time_s``, ``name``, ``dropped``, ``late``, counts per interval) and the number of streams
        left out because they dropped nothing and were never late.
    """
    if intervals is None or not len(intervals):
        return pd.DataFrame(columns=["time_s", "name", "dropped", "late"]), 0
    totals = intervals.groupby("stream", sort=False)[["dropped", "late"]].sum().sum(axis=1)
    active = [name for name, total in totals.items() if total > 0]
    quiet = len(totals) - len(active)
    rows = intervals[intervals["stream"].isin(active)]
    if len(active) <= max_lines:
        return rows.rename(columns={"stream": "name"})[["time_s", "name", "dropped", "late"]], quiet
    per_unit = rows.groupby(["unit", "time_s"], sort=False)[["dropped", "late"]].sum().reset_index()
    n_streams = rows.groupby("unit", sort=False)["stream"].nunique()
    per_unit["name"] = per_unit["unit"].map(lambda u: f"{u}: {n_streams[u]} streams")
    return per_unit[["time_s", "name", "dropped", "late"]], quiet


def _drop_late_panel(ax: Axes, intervals: pd.DataFrame, deadlines_ms: dict[str, float | None], interval_s: float,
                     end_s: float) -> None:
    series, quiet = drop_late_series(intervals)
    series = series.assign(width_s=np.minimum(series["time_s"] + interval_s, end_s) - series["time_s"])  # the last may be cut
    handles = []
    top = 0.0
    for k, (name, rows) in enumerate(series.groupby("name", sort=False)):
        color = f"C{k % 10}"
        dropped, late = rows["dropped"] / rows["width_s"], rows["late"] / rows["width_s"]
        top = max(top, float(dropped.max()), float(late.max()))
        step_to_end(ax, rows["time_s"], dropped, end_s, color=color, lw=1.4)
        step_to_end(ax, rows["time_s"], late, end_s, color=color, lw=1.0, ls="--")
        deadline = deadlines_ms.get(str(name))
        handles.append(Line2D([], [], color=color, label=str(name) + (f" (deadline {deadline:g} ms)" if deadline else "")))
    if handles:
        handles += [Line2D([], [], color="0.3", lw=1.4, label="solid: dropped"),
                    Line2D([], [], color="0.3", lw=1.0, ls="--", label="dashed: late (past deadline)")]
    if quiet:
        handles.append(Line2D([], [], color="none", label=f"{quiet} stream(s): none dropped or late"))
    if handles:
        ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    if not len(series):
        ax.text(0.5, 0.5, "no frame dropped or late", transform=ax.transAxes, ha="center", va="center", fontsize=9)
    ax.set_ylim(bottom=0, top=max(1.0, top * 1.1))
    ax.set_ylabel("dropped, late\n(frames/s)")


def _series_label(title: str, interval: bool) -> str:
    label = _AXIS_LABELS.get(title, title)
    return label + (",\ninterval mean" if interval and title != "completed inferences/s" else "")


def timeline_figure(result: SimulationResult) -> Figure:
    """The timeline figure of ``result`` (see the module docstring for the panels).

    Parameters
    ----------
    result : SimulationResult
        A finished run; the per-frame latency panel needs ``result.trace`` (``trace=True``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    ts = result.timeseries
    extra: dict[str, pd.DataFrame] = result.extra.get("series", {})
    trace = result.trace if result.trace is not None and len(result.trace) else None
    detail = result.detail
    duration_s = float(result.summary["duration_s"])
    interval_s = detail.interval_s or (float(ts["time_s"].drop_duplicates().diff().min()) if ts["time_s"].nunique() > 1 else duration_s)
    has_streams = bool(result.summary["streams"])
    n = len(_UNIT_PANELS) + (1 if trace is not None else 0) + (1 if has_streams else 0) + len(extra)
    fig = Figure(figsize=(10, 1.9 * n + 0.6), layout="constrained")
    axes = fig.subplots(n, 1, sharex=True, squeeze=False)[:, 0]
    for ax, (title, column) in zip(axes, _UNIT_PANELS):
        _unit_panel(ax, ts, title, column, duration_s)
    k = len(_UNIT_PANELS)
    if trace is not None:
        _latency_panel(axes[k], trace)
        k += 1
    if has_streams:
        deadlines = {sample.name: sample.deadline_ms for sample in detail.latencies if sample.kind == "stream"}
        intervals = detail.stream_intervals
        if intervals is None and trace is not None:  # a result built without the detail: the trace has the drops
            intervals = drops_per_interval(trace, interval_s, duration_s).assign(late=0, unit="")
        _drop_late_panel(axes[k], intervals, deadlines, interval_s, duration_s)
        k += 1
    temp_ax = None
    for ax, (title, frame) in zip(axes[k:], extra.items()):
        groups = list(frame.groupby("name", sort=False))
        for (name, rows), lw in zip(groups, line_widths(len(groups))):
            if title in INTERVAL_SERIES:  # one value per recording interval: steps like the unit panels
                step_to_end(ax, rows["time_s"], rows["value"], duration_s, label=str(name), lw=lw)
            else:
                ax.plot(rows["time_s"], rows["value"], label=str(name), lw=lw)
        ax.set_ylabel(_series_label(title, title in INTERVAL_SERIES))
        ax.ticklabel_format(axis="y", useOffset=False)
        if title in _FROM_ZERO:  # a rate or a share: a zoomed axis would make a 0.5 % ripple look like a collapse
            ax.set_ylim(bottom=0, top=max(float(frame["value"].max()) * 1.1, 1e-9) if len(frame) else 1.0)
        if title == "temperature (C)":
            temp_ax = ax
            mark_thresholds(ax, detail.thresholds, nodes=list(frame["name"].unique()))
    for ax in axes:
        mark_changes(ax, detail.changes, label=ax is (temp_ax if temp_ax is not None else axes[0]))
    warmup_s = float(result.summary.get("warmup_s", 0.0))
    for ax in axes:
        ax.grid(alpha=0.3)
        shade_warmup(ax, warmup_s)
        if ax.get_legend() is None:
            legend_outside(ax, markerscale=4)
    axes[-1].set_xlim(0.0, duration_s)
    note = f"; warm-up {warmup_s:g} s shaded" if warmup_s > 0 else ""
    requested_s = result.summary.get("requested_duration_s")
    if requested_s is not None and duration_s < float(requested_s) - 1e-9:
        note += f"; the run stopped at {duration_s:.4g} s of {float(requested_s):g} s"
    what = "unit power, utilization and queue" + ("; per-frame latency" if trace is not None else "")
    what += "; dropped and late frames per stream" if has_streams else ""
    what += "".join(f"; {t.split(' (')[0]}" for t in extra)
    what += "; vertical lines: throttle changes" if detail.changes else ""
    figure_title(fig, f"{result.summary['scenario']} (seed {result.summary['seed']}) over simulated time, "
                 f"{interval_s:g} s intervals{note}", what)
    axes[-1].set_xlabel("simulated time (s)")
    return fig


def plot_timeline(result: SimulationResult, path: str | Path) -> Path:
    """Save :func:`timeline_figure` of ``result`` as a PNG at ``path``; returns the path."""
    path = Path(path)
    timeline_figure(result).savefig(path, dpi=110)
    return path
