"""Latency CDF per stream: the distribution behind the p50/p95/p99 columns, with or without ``--trace``.

Each curve is the empirical CDF of every frame the run completed in the statistics window (frames arriving after
the warm-up), read from the same float32 latency store the summary's percentiles come from
(:attr:`SimulationResult.detail <edgesim.results.result.SimulationResult.detail>`), so the curve and the table
agree. A curve of more than :data:`MAX_POINTS` frames is drawn through exact points of the empirical CDF at
:data:`MAX_POINTS` evenly spaced shares (every step wider than 1 / MAX_POINTS of the frames is kept). Pipelines'
end-to-end frame latencies and load queries get their own curves; each stream's deadline is a dotted line.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ..results.latency import weighted_latencies_s
from ..results.result import SimulationResult
from .timeline import figure_title, legend_outside

__all__ = ["MAX_POINTS", "CdfCurve", "cdf_points", "empirical_cdf", "latency_cdf_curves", "latency_cdf_figure",
           "plot_latency_cdf"]

MAX_POINTS = 20_000
"""Most points drawn per curve (exact points of the empirical CDF)."""

_LATENCY_SPAN = {"stream": "frame arrival to result", "pipeline": "frame arrival to its last stage's result",
                 "load": "query issue to completion"}


@dataclass(frozen=True)
class CdfCurve:
    """One plotted curve: ``share[i]`` of the ``frames`` latencies are <= ``latency_ms[i]`` (a step function).

    ``frames`` counts the completed frames the shares are of; ``dropped`` the frames dropped in the same window
    (not in the curve; None for loads).
    """

    name: str
    kind: str  # "stream" | "pipeline" | "load"
    latency_ms: np.ndarray
    share: np.ndarray
    frames: int
    dropped: int | None
    deadline_ms: float | None
    forwarded: bool = False  # fast-forwarded stretches weighted by their measured stationary windows


def empirical_cdf(values: np.ndarray, weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Sorted values and their cumulative shares ``i / n`` (i = 1..n): the step function F(x) = P(X <= x).

    With ``weights`` (a fast-forwarded run: each measured latency stands for ``weight`` frames), the shares are the
    cumulative weights over the total.
    """
    if weights is None:
        x = np.sort(np.asarray(values, dtype=float))
        return x, np.arange(1, len(x) + 1) / max(len(x), 1)
    order = np.argsort(values, kind="stable")
    x, w = np.asarray(values, dtype=float)[order], np.asarray(weights, dtype=float)[order]
    cum = np.cumsum(w)
    return x, cum / max(float(cum[-1]) if len(cum) else 1.0, 1e-300)


def cdf_points(values: np.ndarray, max_points: int = MAX_POINTS, weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The empirical CDF of ``values``, all of it up to ``max_points`` values, else exact points of it.

    Above ``max_points`` values, the points are the sorted values at ranks ``ceil(q n)`` for ``max_points`` evenly
    spaced shares ``q`` in (0, 1] (the smallest value is always kept): each is a point (x, i / n) of the full
    empirical CDF, so every quantile read off the curve is off by at most 1 / max_points in share.

    Parameters
    ----------
    values : numpy.ndarray
        Latencies (any unit; returned in the same unit).
    max_points : int
        Most points returned.

    Returns
    -------
    tuple of numpy.ndarray
        Sorted values and their shares F(x) = P(X <= x), for a ``where="post"`` step plot.
    """
    x, share = empirical_cdf(values, weights)
    n = len(x)
    if n <= max_points:
        return x, share
    if weights is not None:  # the first point at or above each of max_points evenly spaced shares
        idx = np.unique(np.concatenate([[0], np.searchsorted(share, np.linspace(1.0 / max_points, 1.0, max_points))]))
        idx = idx[idx < n]
        return x[idx], share[idx]
    ranks = np.unique(np.concatenate([[1], np.ceil(np.linspace(1.0 / max_points, 1.0, max_points) * n).astype(np.int64)]))
    return x[ranks - 1], ranks / n


def latency_cdf_curves(result: SimulationResult) -> list[CdfCurve]:
    """The curves :func:`latency_cdf_figure` draws: one per stream, pipeline and load that completed anything.

    Parameters
    ----------
    result : SimulationResult
        A finished run (tracing not needed).

    Returns
    -------
    list of CdfCurve
        Latencies in ms, in the order of the summary's streams, then pipelines, then loads.
    """
    rows: dict[str, Iterator[dict[str, Any]]] = {"stream": iter(result.summary["streams"]), "pipeline": iter(result.summary.get("pipelines", [])),
            "load": iter(result.summary.get("loads", []))}
    curves = []
    for sample in result.detail.latencies:
        dropped = next(rows[sample.kind], {}).get("dropped")
        if not len(sample.store):
            continue
        if sample.store.forwarded:  # fast-forwarded stretches stand for their measured windows' latencies
            values_s, weights = weighted_latencies_s(sample.store)
            x, share = cdf_points(values_s * 1e3, weights=weights)
            frames = int(round(float(weights.sum())))
        else:
            x, share = cdf_points(sample.latency_ms)
            frames = len(sample.store)
        curves.append(CdfCurve(sample.name, sample.kind, x, share, frames, dropped, sample.deadline_ms, bool(sample.store.forwarded)))
    return curves


def latency_cdf_figure(result: SimulationResult) -> Figure:
    """One curve per stream (``camera/model``), pipeline and load: the share of frames served within x ms.

    Parameters
    ----------
    result : SimulationResult
        A finished run.

    Returns
    -------
    matplotlib.figure.Figure
    """
    summary = result.summary
    curves = latency_cdf_curves(result)
    fig = Figure(figsize=(10, max(4.2, 1.6 + 0.32 * len(curves))), layout="constrained")
    ax = fig.subplots()
    deadlines = {c.deadline_ms for c in curves if c.deadline_ms is not None}
    shared = len(deadlines) == 1 and all(c.deadline_ms is not None for c in curves)  # one line for all the curves
    for k, curve in enumerate(curves):
        color = f"C{k % 10}"
        dropped = f", {curve.dropped} dropped" if curve.dropped else ""
        own = f", deadline {curve.deadline_ms:.4g} ms" if curve.deadline_ms is not None and not shared else ""
        done = "latencies" if curve.kind == "load" else "completed"
        ax.step(curve.latency_ms, curve.share, where="post", color=color, label=f"{curve.name}: {curve.frames} {done}{dropped}{own}")
        if curve.deadline_ms is not None and not shared:
            ax.axvline(curve.deadline_ms, color=color, ls=":", lw=1)
    if shared:
        ax.axvline(deadlines.pop(), color="0.3", ls=":", lw=1.2, label=f"deadline {curves[0].deadline_ms:.4g} ms (every curve)")
    if not curves:
        ax.text(0.5, 0.5, "no frame completed in the statistics window", transform=ax.transAxes, ha="center", va="center")
    warmup_s = float(summary.get("warmup_s", 0.0))
    window = f"arriving after the {warmup_s:g} s warm-up" if warmup_s > 0 else "of the whole run"
    kinds = list(dict.fromkeys(c.kind for c in curves)) or ["stream"]
    loads_only = kinds == ["load"]
    what = "query (offline: sample)" if loads_only else "completed frame"
    exactness = "exact" if not any(c.forwarded for c in curves) else \
        "exact where simulated; fast-forwarded stretches stand for their measured stationary windows"
    figure_title(fig, f"{summary['scenario']}: latency CDF per {' / '.join(kinds)}",
                 f"every {what} {window} ({exactness}" + ("" if loads_only else "; dropped frames are not in the curves") + ")",
                 width=90)
    ax.set_xlabel("latency (ms): " + ", ".join(_LATENCY_SPAN[k] for k in kinds))
    ax.set_ylabel(("share of queries (samples)" if loads_only else "share of completed frames") + "\nserved within (0-1)")
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    ax.grid(alpha=0.3)
    legend_outside(ax)
    return fig


def plot_latency_cdf(result: SimulationResult, path: str | Path) -> Path:
    """Save :func:`latency_cdf_figure` as a PNG at ``path``; returns the path."""
    path = Path(path)
    latency_cdf_figure(result).savefig(path, dpi=110)
    return path
