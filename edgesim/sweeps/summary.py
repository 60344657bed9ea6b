"""One row per configuration of a sweep: runs ok, each metric's mean and confidence half width, constraints met.

This is the table ``edgesim sweep`` prints and ``report.html`` shows; the Pareto front is taken over its means.
:func:`table_notes` says what a reader needs to read it right: why a half width is 0 (deterministic replications),
and that p99 latency under overload is capped by the queue.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .columns import group_columns
from .constraints import Constraints, check_columns, parse_constraints, violations
from .stats import confidence_intervals, deterministic

__all__ = ["configuration_table", "means_frame", "table_notes", "DETERMINISTIC_NOTE", "QUEUE_CAP_NOTE"]

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
