"""Analysis of sweep tables: replication confidence intervals and Pareto fronts.

Confidence interval of the mean of n replications (Student t, the replications being independent
runs with independent seeds)::

    mean +/- t_{(1+level)/2, n-1} * s / sqrt(n),     s = sample standard deviation (ddof = 1)

With n = 1 the half width is undefined (NaN). Only runs with ``status == "ok"`` count.

Pareto front: the configurations no other configuration beats on every objective at once (at least as
good on all, strictly better on one). Objectives are ``{column: "min" | "max"}``, e.g.
``{"system.inferences_per_j": "max", "max_p99_latency_ms": "min", "system.battery_life_h": "max"}``.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import EdgesimError
from .plan import META_COLUMNS

_METRIC_PREFIXES = ("system.", "units.", "streams.")


def parameter_columns(df: pd.DataFrame) -> list[str]:
    """The varied parameters of a sweep table (``df.attrs['parameters']`` when present, else inferred)."""
    params = df.attrs.get("parameters")
    if params is not None:
        return [p for p in params if p in df.columns]
    from .executors import AGGREGATE_COLUMNS

    known = set(META_COLUMNS) | set(AGGREGATE_COLUMNS) | {"duration_s", "warmup_s"}
    return [c for c in df.columns if c not in known and not c.startswith(_METRIC_PREFIXES)]


def group_columns(df: pd.DataFrame) -> list[str]:
    """Columns that identify a configuration: ``case`` (when used) and the parameters."""
    cols = parameter_columns(df)
    if "case" in df.columns and df["case"].notna().any():
        cols = ["case"] + cols
    return cols


def metric_columns(df: pd.DataFrame) -> list[str]:
    """Numeric result columns (aggregates and flattened summary), not parameters or run metadata."""
    params = set(parameter_columns(df)) | set(META_COLUMNS)
    return [c for c in df.columns if c not in params and pd.api.types.is_numeric_dtype(df[c])
            and not pd.api.types.is_bool_dtype(df[c])]


def confidence_intervals(df: pd.DataFrame, metrics: Sequence[str] | None = None, by: Sequence[str] | None = None,
                         level: float = 0.95, wide: bool = False) -> pd.DataFrame:
    """Mean and confidence interval over replications, per configuration and metric.

    Parameters
    ----------
    df : DataFrame
        A sweep table (one row per run).
    metrics : list of str, optional
        Columns to summarize (default: every numeric metric column).
    by : list of str, optional
        Columns that identify a configuration (default: ``case`` and the varied parameters).
    level : float
        Confidence level (default 0.95).
    wide : bool
        False: one row per (configuration, metric) with ``n, mean, std, half_width, ci_low, ci_high``.
        True: one row per configuration, columns ``METRIC:mean``, ``METRIC:half_width``, ``METRIC:ci_low``,
        ``METRIC:ci_high`` and ``n``.
    """
    from scipy import stats

    if not 0 < level < 1:
        raise EdgesimError(f"level: must be in (0, 1), got {level}")
    ok = df[df["status"] == "ok"] if "status" in df.columns else df
    by = list(group_columns(df) if by is None else by)
    metrics = list(metric_columns(df) if metrics is None else metrics)
    missing = [m for m in metrics + by if m not in df.columns]
    if missing:
        raise EdgesimError(f"no column {missing[0]!r} in the sweep table (columns: {', '.join(map(str, df.columns[:30]))}...)")
    groups = ok.groupby(by, dropna=False, sort=False) if by else [((), ok)]
    rows = []
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        for metric in metrics:
            x = pd.to_numeric(part[metric], errors="coerce").to_numpy(dtype=float)
            x = x[~np.isnan(x)]
            n = len(x)
            with np.errstate(invalid="ignore"):
                mean = float(np.mean(x)) if n else np.nan  # inf when a replication had unbounded latency
            std = float(np.std(x, ddof=1)) if n > 1 and np.isfinite(x).all() else np.nan
            if n > 1 and np.isfinite(std):
                half = float(stats.t.ppf(0.5 + level / 2, n - 1) * std / np.sqrt(n))
            else:
                half = np.nan
            rows.append({**dict(zip(by, key)), "metric": metric, "n": n, "mean": mean, "std": std,
                         "half_width": half, "ci_low": mean - half, "ci_high": mean + half})
    long = pd.DataFrame(rows, columns=by + ["metric", "n", "mean", "std", "half_width", "ci_low", "ci_high"])
    if not wide:
        return long
    out: pd.DataFrame | None = None
    for metric, part in long.groupby("metric", sort=False):
        piece = part[by + ["n", "mean", "half_width", "ci_low", "ci_high"]].rename(
            columns={c: f"{metric}:{c}" for c in ("mean", "half_width", "ci_low", "ci_high")})
        if out is None:
            out = piece.reset_index(drop=True)
        else:
            out = out.merge(piece.drop(columns="n"), on=by, how="outer") if by else pd.concat(
                [out, piece.drop(columns="n").reset_index(drop=True)], axis=1)
    return out if out is not None else pd.DataFrame(columns=by + ["n"])


def parse_objectives(text: str, option: str = "--pareto") -> dict[str, str]:
    """``'system.inferences_per_j:max,max_p99_latency_ms:min'`` -> ``{...: 'max', ...: 'min'}``."""
    out: dict[str, str] = {}
    for part in [p.strip() for p in text.split(",") if p.strip()]:
        column, _, sense = part.rpartition(":")
        if not column or sense not in ("min", "max"):
            raise EdgesimError(f"{option}: {part!r}: write COLUMN:min or COLUMN:max")
        out[column] = sense
    if len(out) < 2:
        raise EdgesimError(f"{option}: a Pareto front needs at least two objectives, got {text!r}")
    return out


def pareto_mask(df: pd.DataFrame, objectives: Mapping[str, str]) -> np.ndarray:
    """True for the rows on the Pareto front (rows with a missing objective are never on it)."""
    for column, sense in objectives.items():
        if column not in df.columns:
            raise EdgesimError(f"Pareto objective {column!r} is not a column of the sweep table")
        if sense not in ("min", "max"):
            raise EdgesimError(f"Pareto objective {column!r}: sense must be 'min' or 'max', got {sense!r}")
    m = np.column_stack([pd.to_numeric(df[c], errors="coerce").to_numpy(dtype=float) * (1.0 if s == "min" else -1.0)
                         for c, s in objectives.items()]) if len(df) else np.empty((0, len(objectives)))
    valid = ~np.isnan(m).any(axis=1)
    mask = np.zeros(len(df), dtype=bool)
    idx = np.flatnonzero(valid)
    pts = m[idx]
    for k, i in enumerate(idx):
        le = (pts <= pts[k]).all(axis=1)
        lt = (pts < pts[k]).any(axis=1)
        mask[i] = not (le & lt).any()
    return mask


def pareto_front(df: pd.DataFrame, objectives: Mapping[str, str]) -> pd.DataFrame:
    """The non-dominated rows of ``df`` for ``objectives``, sorted by the first objective (best first)."""
    front = df[pareto_mask(df, objectives)]
    first, sense = next(iter(objectives.items()))
    return front.sort_values(first, ascending=(sense == "min"), kind="stable")


def plot_pareto(df: pd.DataFrame, x: str, y: str, path: str | Path, objectives: Mapping[str, str] | None = None,
                label: str | None = None, color: str | None = None, title: str | None = None) -> Path:
    """Scatter of ``y`` against ``x`` with the Pareto front drawn over it, written to ``path`` (PNG).

    ``objectives`` default to ``{x: 'min', y: 'max'}``; a third objective may be given (the front is then
    the 3-D one, drawn in these two axes). ``label``: a column whose value is written beside each front point.
    ``color``: a column mapped to the marker colour.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    objectives = dict(objectives or {x: "min", y: "max"})
    data = df.copy()
    for column in (x, y):
        if column not in data.columns:
            raise EdgesimError(f"plot: no column {column!r} in the sweep table")
        data[column] = pd.to_numeric(data[column], errors="coerce")
    n_all = len(data)
    data = data.replace([np.inf, -np.inf], np.nan).dropna(subset=[x, y])
    hidden = n_all - len(data)
    mask = pareto_mask(data, objectives)
    fig, ax = plt.subplots(figsize=(7.5, 5))
    if color and color in data.columns:
        sc = ax.scatter(data[x], data[y], c=pd.to_numeric(data[color], errors="coerce"), cmap="viridis", s=30,
                        alpha=0.8, label="configurations")
        fig.colorbar(sc, ax=ax, label=color)
    else:
        ax.scatter(data[x], data[y], color="0.6", s=25, alpha=0.8, label="configurations")
    front = data[mask].sort_values(x)
    ax.plot(front[x], front[y], "o-", color="tab:red", mfc="none", ms=10, lw=1.2, label="Pareto front")
    if label and label in data.columns:
        for _, r in front.iterrows():
            ax.annotate(str(r[label]), (r[x], r[y]), textcoords="offset points", xytext=(5, 4), fontsize=8)
    ax.set_xlabel(f"{x} ({objectives.get(x, '')})")
    ax.set_ylabel(f"{y} ({objectives.get(y, '')})")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    if hidden:
        ax.text(0.99, 0.01, f"{hidden} configuration(s) with unbounded or missing {x} / {y} not shown",
                transform=ax.transAxes, ha="right", va="bottom", fontsize=7, color="0.4")
    ax.set_title(title or "Pareto front", fontsize=9)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
