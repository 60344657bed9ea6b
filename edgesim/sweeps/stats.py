"""Replication statistics of sweep tables: the mean and its confidence interval per configuration.

Confidence interval of the mean of n replications (Student t, the replications being independent runs with
independent seeds)::

    mean +/- t_{(1+level)/2, n-1} * s / sqrt(n),     s = sample standard deviation (ddof = 1)

With n = 1 the half width is undefined (NaN). Only runs with ``status == "ok"`` count.

A half width of exactly 0 over n > 1 replications means every replication gave the same value: nothing in the
scenario is random (periodic arrivals without jitter, deterministic service times), so the replications repeat
one run. :func:`deterministic` says so for each configuration and metric.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .columns import group_columns, metric_columns
from .errors import SweepError

__all__ = ["confidence_intervals", "deterministic"]


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
    if not 0 < level < 1:
        raise SweepError("confidence_intervals", "level", f"must be in (0, 1), got {level}")
    ok = df[df["status"] == "ok"] if "status" in df.columns else df
    by = list(group_columns(df) if by is None else by)
    metrics = list(metric_columns(df) if metrics is None else metrics)
    missing = [m for m in metrics + by if m not in df.columns]
    if missing:
        raise SweepError("confidence_intervals", str(missing[0]),
                         f"no such column in the sweep table (columns: {', '.join(map(str, df.columns[:30]))}...)")
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


def deterministic(n: Any, mean: Any, half_width: Any) -> bool:
    """True when n > 1 replications all gave the same value (a half width of 0, to 1e-9 of the mean)."""
    try:
        n_, m, h = int(n), float(mean), float(half_width)
    except (TypeError, ValueError):
        return False
    return n_ > 1 and np.isfinite(h) and abs(h) <= 1e-9 * max(abs(m), 1e-300)
