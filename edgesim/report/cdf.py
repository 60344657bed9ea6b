"""Latency CDF per stream: the distribution behind the p50/p95/p99 columns.

With a per-job trace the curve is the exact empirical CDF of every completed frame that arrived after the
warm-up; without one, the summary's percentiles (p50, p95, p99, max) are drawn as points, and the figure says so.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..results.result import SimulationResult
from .timeline import legend_outside, stream_labels

__all__ = ["empirical_cdf", "latency_cdf_figure", "plot_latency_cdf"]

_SUMMARY_POINTS = (("p50", 0.50), ("p95", 0.95), ("p99", 0.99), ("max", 1.0))


def empirical_cdf(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted values and their cumulative shares ``i / n`` (i = 1..n): the step function F(x) = P(X <= x)."""
    x = np.sort(np.asarray(values, dtype=float))
    return x, np.arange(1, len(x) + 1) / max(len(x), 1)


def _latencies_ms(trace: pd.DataFrame, warmup_s: float) -> dict[str, np.ndarray]:
    done = trace[(trace["status"] == "completed") & (trace["arrival_s"] >= warmup_s)]
    labels = stream_labels(done)
    return {name: 1e3 * (done.loc[labels == name, "end_s"] - done.loc[labels == name, "arrival_s"]).to_numpy()
            for name in dict.fromkeys(labels)}


def latency_cdf_figure(result: SimulationResult) -> Figure:
    """One curve per stream (``camera/model``): the share of frames served within x ms.

    Parameters
    ----------
    result : SimulationResult
        A finished run; exact curves need ``result.trace``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = Figure(figsize=(10, 4.2), layout="constrained")
    ax = fig.subplots()
    summary = result.summary
    if result.trace is not None and len(result.trace):
        for name, lat_ms in _latencies_ms(result.trace, float(summary.get("warmup_s", 0.0))).items():
            x, share = empirical_cdf(lat_ms)
            ax.step(x, share, where="post", label=f"{name} ({len(x)} frames)")
        ax.set_title(f"{summary['scenario']}: latency CDF per stream (every completed frame after the warm-up)")
    else:
        for s in summary["streams"]:
            lat = s["latency_ms"]
            points = [(lat[k], q) for k, q in _SUMMARY_POINTS if lat.get(k) is not None]
            if points:
                ax.plot(*zip(*points), "o-", label=f"{s['camera']}/{s['model']}")
        ax.set_title(f"{summary['scenario']}: latency percentiles per stream (run with --trace for the full CDF)")
    ax.set_xlabel("latency (ms)")
    ax.set_ylabel("share of frames served within")
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
