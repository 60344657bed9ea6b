"""Figures (matplotlib, Agg backend): the timeline of one run."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .results.result import SimulationResult


def plot_timeline(result: SimulationResult, path: str | Path) -> Path:
    """Power, utilization and queue length per unit over time, plus any extra series the run recorded.

    Extra series (temperature, state of charge, achieved FPS) are drawn when the result has them in
    ``result.extra['series']`` as ``{panel title: DataFrame(time_s, name, value)}``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ts = result.timeseries
    extra = result.extra.get("series", {})
    panels = [("power (W)", "power_w"), ("utilization", "utilization"), ("waiting jobs (mean)", "queue_mean")]
    n = len(panels) + len(extra)
    fig, axes = plt.subplots(n, 1, figsize=(9, 2.1 * n), sharex=True, squeeze=False)
    for ax, (title, column) in zip(axes[:, 0], panels):
        for unit, rows in ts.groupby("unit", sort=False):
            ax.step(rows["time_s"], rows[column], where="post", label=str(unit))
        ax.set_ylabel(title)
        ax.grid(alpha=0.3)
        ax.set_ylim(bottom=0, top=max(1.05 if column == "utilization" else 0.0, float(ts[column].max()) * 1.1) or 1.0)
    for ax, (title, frame) in zip(axes[len(panels):, 0], extra.items()):
        for name, rows in frame.groupby("name", sort=False):
            ax.plot(rows["time_s"], rows["value"], label=str(name))
        ax.set_ylabel(title)
        ax.grid(alpha=0.3)
        ax.ticklabel_format(axis="y", useOffset=False)
        ax.legend(fontsize=7, loc="best")
    axes[0, 0].legend(fontsize=7, loc="best")
    axes[0, 0].set_title(f"{result.summary['scenario']} (seed {result.summary['seed']})")
    axes[-1, 0].set_xlabel("simulated time (s)")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
