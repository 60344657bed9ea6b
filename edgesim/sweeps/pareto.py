"""Pareto fronts of sweep tables: the configurations no other one beats on every objective at once.

Objectives are ``{column: "min" | "max"}``, e.g. ``{"system.avg_power_w": "min", "max_p99_latency_ms": "min"}``.
Row a dominates row b when a is at least as good on every objective and strictly better on one, both *beyond the
relative tolerance* of :mod:`edgesim.sweeps.constraints` (1e-9): values within ``1e-9 x max(|a|, |b|)`` of each
other are equal. So 1.5999999999999988 W and 1.600000000000001 W are the same power, and of two such
configurations the 81 ms one dominates the 111 ms one (an exact comparison would keep both).

``where`` restricts the front to the rows that meet constraints (``drop_rate<=0.01``): a configuration that
drops frames does not "win" on latency, which the queue caps under overload.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .constraints import Constraints, check_columns, constraint_mask, less, less_equal, parse_constraints
from .errors import SweepError

__all__ = ["parse_objectives", "pareto_mask", "pareto_front"]


def parse_objectives(text: str, option: str = "--pareto") -> dict[str, str]:
    """``'system.inferences_per_j:max,max_p99_latency_ms:min'`` -> ``{...: 'max', ...: 'min'}``."""
    out: dict[str, str] = {}
    for part in [p.strip() for p in text.split(",") if p.strip()]:
        column, _, sense = part.rpartition(":")
        if not column or sense not in ("min", "max"):
            raise SweepError(option, part, "write COLUMN:min or COLUMN:max")
        out[column] = sense
    if len(out) < 2:
        raise SweepError(option, text, "a Pareto front needs at least two objectives")
    return out


def _check(df: pd.DataFrame, objectives: Mapping[str, str]) -> None:
    for column, sense in objectives.items():
        if column not in df.columns:
            raise SweepError("Pareto objective", column, "is not a column of the sweep table")
        if sense not in ("min", "max"):
            raise SweepError("Pareto objective", column, f"sense must be 'min' or 'max', got {sense!r}")


def pareto_mask(df: pd.DataFrame, objectives: Mapping[str, str], where: Constraints = ()) -> np.ndarray:
    """True for the rows on the Pareto front.

    Rows with a missing objective, and rows that violate a constraint of ``where``, are never on it (and do
    not dominate anything). ``where`` takes texts (``["drop_rate<=0.01"]``) or Constraint objects.
    """
    _check(df, objectives)
    where = parse_constraints(where, "where")
    check_columns(where, df.columns, "where")
    if not len(df):
        return np.zeros(0, dtype=bool)
    m = np.column_stack([pd.to_numeric(df[c], errors="coerce").to_numpy(dtype=float) * (1.0 if s == "min" else -1.0)
                         for c, s in objectives.items()])
    eligible = ~np.isnan(m).any(axis=1) & constraint_mask(df, where)
    mask = np.zeros(len(df), dtype=bool)
    idx = np.flatnonzero(eligible)
    pts = m[idx]
    for k, i in enumerate(idx):
        no_worse = less_equal(pts, pts[k]).all(axis=1)
        better = less(pts, pts[k]).any(axis=1)
        mask[i] = not (no_worse & better).any()
    return mask


def pareto_front(df: pd.DataFrame, objectives: Mapping[str, str], where: Constraints = ()) -> pd.DataFrame:
    """The non-dominated rows of ``df`` (among those meeting ``where``: texts such as ``"drop_rate<=0.01"`` or
    Constraint objects), sorted by the first objective, best first."""
    front = df[pareto_mask(df, objectives, where)]
    first, sense = next(iter(objectives.items()))
    return front.sort_values(first, ascending=(sense == "min"), kind="stable")
