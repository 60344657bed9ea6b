"""Summarising a sweep table over replications: each metric's mean and confidence interval per configuration, and
the configuration table (one row per configuration: runs ok, mean and half width, constraints met).

Confidence interval of the mean of n replications (Student t, the replications being independent runs with
independent seeds)::

    mean +/- t_{(1+level)/2, n-1} * s / sqrt(n),     s = sample standard deviation (ddof = 1)

With n = 1 the half width is undefined (NaN). Only runs with ``status == "ok"`` count.

A half width of exactly 0 over n > 1 replications means every replication gave the same value: nothing in the
scenario is random (periodic arrivals without jitter, deterministic service times), so the replications repeat
one run. :func:`deterministic` says so for each configuration and metric.

The configuration table (:func:`configuration_table`) is the table ``edgesim sweep`` prints and ``report.html``
shows; the Pareto front is taken over its means. :func:`table_notes` says what a reader needs to read it right:
why a half width is 0 (deterministic replications), and that p99 latency under overload is capped by the queue.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .constraints import Constraints, check_columns, parse_constraints, violations
from .errors import SweepError
from .task import group_columns, metric_columns

__all__ = [
    "confidence_intervals", "deterministic", "configuration_table", "means_frame", "table_notes",
    "DETERMINISTIC_NOTE", "QUEUE_CAP_NOTE"
]


# --------------------------------------------------------------------------------------------------
# Replication statistics
# --------------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------------
# The configuration table
# --------------------------------------------------------------------------------------------------

DETERMINISTIC_NOTE = ("+/- 0*: every replication gave the same value: nothing in the scenario is random (periodic "
                      "arrivals without jitter, deterministic service times), so replications repeat one run; use "
                      "poisson or jitter arrivals for a spread, or one replication")
QUEUE_CAP_NOTE = ("p99 latency under overload is capped by the queue: where frames are dropped (drop_rate > 0) a "
                  "stream's latency stays near queue_capacity x service time however overloaded its unit is, so a "
                  "low p99 there does not mean a fast system; read it with drop_rate, e.g. --where 'drop_rate<=0.01'")


def configuration_table(df: pd.DataFrame, metrics: Sequence[str], where: Constraints = (),
                        level: float = 0.95) -> pd.DataFrame:
    """One row per configuration (``case`` and the parameters), in plan order.

    Columns: the configuration, ``runs`` and ``ok`` (counts), for each metric ``M:mean``, ``M:half_width`` (NaN
    with one replication) and ``M:n``, and ``meets`` (every run ok and meeting ``where``) with ``violates``
    (the constraints some run violates, or ``run failed``).
    """
    by = group_columns(df)
    where = parse_constraints(where, "where")
    check_columns(where, df.columns, "where")
    runs = df.copy()
    runs["_ok"] = runs["status"] == "ok" if "status" in runs.columns else True
    runs["_viol"] = violations(runs, where) if where else ""
    groups = runs.groupby(by, dropna=False, sort=False) if by else [((), runs)]
    rows: list[dict[str, Any]] = []
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        bad = sorted({v for items in part["_viol"] for v in str(items).split("; ") if v})
        if not part["_ok"].all():
            bad = ["run failed"] + bad
        rows.append({**dict(zip(by, key)), "runs": len(part), "ok": int(part["_ok"].sum()), "meets": not bad,
                     "violates": "; ".join(bad)})
    table = pd.DataFrame(rows, columns=by + ["runs", "ok", "meets", "violates"])
    if metrics and len(df) and runs["_ok"].any():
        ci = confidence_intervals(df, list(metrics), by=by, level=level)
        for metric in metrics:
            part = ci[ci["metric"] == metric]
            keep = part[by + ["n", "mean", "half_width"]].rename(
                columns={"n": f"{metric}:n", "mean": f"{metric}:mean", "half_width": f"{metric}:half_width"})
            table = table.merge(keep, on=by, how="left") if by else pd.concat(
                [table.reset_index(drop=True), keep.reset_index(drop=True)], axis=1)
    for metric in metrics:
        for suffix in (":mean", ":half_width", ":n"):
            if f"{metric}{suffix}" not in table.columns:
                table[f"{metric}{suffix}"] = np.nan
    return table


def means_frame(table: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """The configuration table with each metric's mean under the metric's own name (for Pareto fronts, plots)."""
    return table.rename(columns={f"{m}:mean": m for m in metrics})


def table_notes(df: pd.DataFrame, table: pd.DataFrame, metrics: Sequence[str]) -> list[str]:
    """Notes a reader needs: deterministic replications (a half width of 0), p99 capped by the queue."""
    notes: list[str] = []
    if "replication" in df.columns and len(df) and df["replication"].max() > 0:
        notes.append("mean +/- 95% confidence half width over replications")
    if any(deterministic(r[f"{m}:n"], r[f"{m}:mean"], r[f"{m}:half_width"]) for m in metrics for _, r in table.iterrows()):
        notes.append(DETERMINISTIC_NOTE)
    latency = any("latency" in m for m in metrics)
    if latency and "drop_rate" in df.columns and (pd.to_numeric(df["drop_rate"], errors="coerce") > 0).any():
        notes.append(QUEUE_CAP_NOTE)
    return notes
