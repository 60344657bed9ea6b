"""The timeline of one run (matplotlib, no pyplot state): power, utilization, queues, latency, drops.

Panels, top to bottom: power (W), utilization and mean waiting jobs per unit per recording interval; with a
per-job trace (``--trace``), each completed job's latency (ms) at its arrival time and the frames dropped per
interval, per stream; then every extra series the run recorded (temperatures, state of charge, completed
inferences/s).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..results.result import SimulationResult

__all__ = ["INTERVAL_SERIES", "plot_timeline", "timeline_figure", "stream_labels", "drops_per_interval", "step_to_end", "legend_outside",
           "shade_warmup"]

INTERVAL_SERIES = frozenset({"completed inferences/s", "temperature (C)"})
"""Extra series holding one value per recording interval (drawn as steps); the others are point samples."""

_UNIT_PANELS = (("power (W)", "power_w"), ("utilization", "utilization"), ("waiting jobs (mean)", "queue_mean"))


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


def shade_warmup(ax: Axes, warmup_s: float) -> None:
    """Grey out ``[0, warmup_s)``: frames arriving then are left out of every statistic."""
    if warmup_s > 0:
        ax.axvspan(0.0, warmup_s, color="0.85", alpha=0.5, lw=0)


def _unit_panel(ax: Axes, ts: pd.DataFrame, title: str, column: str, end_s: float) -> None:
    for unit, rows in ts.groupby("unit", sort=False):
        step_to_end(ax, rows["time_s"], rows[column], end_s, label=str(unit))
    ax.set_ylabel(title)
    top = max(1.05 if column == "utilization" else 0.0, float(ts[column].max()) * 1.1) if len(ts) else 1.0
    ax.set_ylim(bottom=0, top=top or 1.0)


def _latency_panel(ax: Axes, trace: pd.DataFrame) -> None:
    done = trace[trace["status"] == "completed"]
    labels = stream_labels(done)
    for name in dict.fromkeys(labels):
        rows = done[labels == name]
        ax.plot(rows["arrival_s"], 1e3 * (rows["end_s"] - rows["arrival_s"]), ".", markersize=2, label=name)
    ax.set_ylabel("latency (ms)\nat arrival")
    ax.set_ylim(bottom=0)


def _drops_panel(ax: Axes, drops: pd.DataFrame, interval_s: float, end_s: float) -> None:
    for name, rows in drops.groupby("stream", sort=False):
        step_to_end(ax, rows["time_s"], rows["dropped"] / interval_s, end_s, label=str(name))
    ax.set_ylabel("dropped frames/s")
    ax.set_ylim(bottom=0, top=max(1.0, float(drops["dropped"].max()) / interval_s * 1.1) if len(drops) else 1.0)


def timeline_figure(result: SimulationResult) -> Figure:
    """The timeline figure of ``result`` (see the module docstring for the panels).

    Parameters
    ----------
    result : SimulationResult
        A finished run; latency and drop panels need ``result.trace`` (``trace=True``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    ts = result.timeseries
    extra: dict[str, pd.DataFrame] = result.extra.get("series", {})
    trace = result.trace if result.trace is not None and len(result.trace) else None
    duration_s = float(result.summary["duration_s"])
    interval_s = float(ts["time_s"].drop_duplicates().diff().min()) if ts["time_s"].nunique() > 1 else duration_s
    n = len(_UNIT_PANELS) + (2 if trace is not None else 0) + len(extra)
    fig = Figure(figsize=(9, 2.0 * n), layout="constrained")
    axes = fig.subplots(n, 1, sharex=True, squeeze=False)[:, 0]
    for ax, (title, column) in zip(axes, _UNIT_PANELS):
        _unit_panel(ax, ts, title, column, duration_s)
    k = len(_UNIT_PANELS)
    if trace is not None:
        _latency_panel(axes[k], trace)
        _drops_panel(axes[k + 1], drops_per_interval(trace, interval_s, duration_s), interval_s, duration_s)
        k += 2
    for ax, (title, frame) in zip(axes[k:], extra.items()):
        for name, rows in frame.groupby("name", sort=False):
            if title in INTERVAL_SERIES:  # one value per recording interval: steps like the unit panels
                step_to_end(ax, rows["time_s"], rows["value"], duration_s, label=str(name))
            else:
                ax.plot(rows["time_s"], rows["value"], label=str(name))
        ax.set_ylabel(title)
        ax.ticklabel_format(axis="y", useOffset=False)
    warmup_s = float(result.summary.get("warmup_s", 0.0))
    for ax in axes:
        ax.grid(alpha=0.3)
        shade_warmup(ax, warmup_s)
        legend_outside(ax, markerscale=4)
    axes[-1].set_xlim(0.0, duration_s)
    note = f", warm-up {warmup_s:g} s shaded" if warmup_s > 0 else ""
    axes[0].set_title(f"{result.summary['scenario']} (seed {result.summary['seed']}{note})")
    axes[-1].set_xlabel("simulated time (s)")
    return fig


def plot_timeline(result: SimulationResult, path: str | Path) -> Path:
    """Save :func:`timeline_figure` of ``result`` as a PNG at ``path``; returns the path."""
    path = Path(path)
    timeline_figure(result).savefig(path, dpi=110)
    return path
