"""Comparing result values: the tolerance of every comparison (relative 1e-9), and constraints on result columns
(``--where 'drop_rate<=0.01'`` on sweeps, Pareto fronts and ``fit``).

Tolerance
---------
Two results of a simulation that differ by a few units in the last place (``1.5999999999999988`` and
``1.600000000000001`` W: the same power summed in a different order) are the same result. Every comparison of
result values in sweeps (Pareto dominance, ``--where`` constraints, ``fit`` bounds) treats values within

    |a - b| <= REL_TOL * max(|a|, |b|),     REL_TOL = 1e-9

as equal (:func:`close`, :func:`less`, :func:`less_equal`). The tolerance is relative only: a bound of exactly 0
(``drop_rate<=0``) is compared exactly.

Constraints
-----------
A constraint is ``COLUMN OP VALUE`` with ``OP`` one of ``<=``, ``<``, ``>=``, ``>``, ``==``, ``!=``; numbers are
compared with the tolerance above (``<=`` holds within 1e-9 of the bound, ``<`` needs to be below it by more).
``==`` and ``!=`` also take a text value, compared as text (``compute_units.npu.device==hailo8``). A run meets a
constraint when its value satisfies it; a missing value (a failed run, a column the run does not report) never
does. A configuration meets the constraints when every one of its runs does.

Every function that takes constraints takes them in any of the forms :func:`parse_constraints` reads: texts
(``["drop_rate<=0.01"]``), :class:`Constraint` objects, one text alone, or a mapping ``{column: upper bound}``.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .errors import SweepError

__all__ = [
    "REL_TOL", "tolerance", "close", "less", "less_equal", "OPERATORS", "Constraints", "Constraint",
    "parse_constraint", "parse_constraints", "check_columns", "constraint_mask", "violations"
]


# --------------------------------------------------------------------------------------------------
# The tolerance of every comparison of result values
# --------------------------------------------------------------------------------------------------

REL_TOL = 1e-9
"""Relative tolerance of every comparison of result values."""


def tolerance(a: np.ndarray | float, b: np.ndarray | float, rel_tol: float = REL_TOL) -> np.ndarray:
    """``rel_tol * max(|a|, |b|)``, elementwise (infinite values give an infinite tolerance only against themselves)."""
    with np.errstate(invalid="ignore"):
        scale = np.maximum(np.abs(a), np.abs(b))
        return np.where(np.isinf(scale), 0.0, rel_tol * scale)


def close(a: np.ndarray | float, b: np.ndarray | float, rel_tol: float = REL_TOL) -> np.ndarray:
    """``a == b`` within the tolerance (``inf == inf``; NaN is close to nothing)."""
    with np.errstate(invalid="ignore"):
        return np.asarray((a == b) | (np.abs(np.subtract(a, b)) <= tolerance(a, b, rel_tol)))


def less(a: np.ndarray | float, b: np.ndarray | float, rel_tol: float = REL_TOL) -> np.ndarray:
    """``a < b`` by more than the tolerance."""
    with np.errstate(invalid="ignore"):
        return np.asarray((np.less(a, b)) & ~close(a, b, rel_tol))


def less_equal(a: np.ndarray | float, b: np.ndarray | float, rel_tol: float = REL_TOL) -> np.ndarray:
    """``a <= b`` within the tolerance."""
    with np.errstate(invalid="ignore"):
        return np.asarray(np.less_equal(a, b) | close(a, b, rel_tol))


# --------------------------------------------------------------------------------------------------
# Constraints on result columns
# --------------------------------------------------------------------------------------------------

OPERATORS = ("<=", ">=", "==", "!=", "<", ">")
_RE = re.compile(r"^\s*(?P<column>[^<>=!\s]+)\s*(?P<op><=|>=|==|!=|<|>)\s*(?P<value>\S.*?)\s*$")


@dataclass(frozen=True)
class Constraint:
    """``column op bound``, e.g. ``drop_rate <= 0.01``.

    Attributes
    ----------
    column : str
        A result column (``drop_rate``, ``max_p99_latency_ms``, ``system.avg_power_w``, a parameter path).
    op : str
        One of :data:`OPERATORS`.
    bound : float or str
        A number, or a text (``==`` and ``!=`` only).
    """

    column: str
    op: str
    bound: float | str

    def holds(self, value: Any) -> bool:
        """Whether one value satisfies the constraint (missing values never do)."""
        return bool(self.mask(pd.Series([value]))[0])

    def mask(self, values: pd.Series) -> np.ndarray:
        """Elementwise :meth:`holds` over a column."""
        if isinstance(self.bound, str):
            text = values.astype(object).where(values.notna(), None)
            equal = np.array([v is not None and str(v) == self.bound for v in text], dtype=bool)
            return equal if self.op == "==" else np.array([v is not None for v in text], dtype=bool) & ~equal
        x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        b = float(self.bound)
        valid = ~np.isnan(x)
        if self.op == "<=":
            ok = less_equal(x, b)
        elif self.op == "<":
            ok = less(x, b)
        elif self.op == ">=":
            ok = less_equal(b, x)
        elif self.op == ">":
            ok = less(b, x)
        elif self.op == "==":
            ok = close(x, b)
        else:
            ok = ~close(x, b)
        return np.asarray(ok & valid, dtype=bool)

    def __str__(self) -> str:
        bound = f"{self.bound:g}" if isinstance(self.bound, float) else self.bound
        return f"{self.column}{self.op}{bound}"


def parse_constraint(text: str, option: str = "--where") -> Constraint:
    """``'drop_rate<=0.01'`` -> ``Constraint('drop_rate', '<=', 0.01)``; :class:`SweepError` naming ``option``."""
    m = _RE.match(str(text))
    if not m:
        raise SweepError(option, str(text), "write COLUMN OP VALUE with OP one of <=, <, >=, >, ==, != "
                         "(e.g. 'drop_rate<=0.01')")
    column, op, raw = m.group("column"), m.group("op"), m.group("value").strip("'\"")
    try:
        value: float | str = float(raw)
    except ValueError:
        value = raw
    if isinstance(value, float) and math.isnan(value):
        raise SweepError(option, str(text), "the bound must be a number, got nan")
    if isinstance(value, str) and op not in ("==", "!="):
        raise SweepError(option, str(text), f"{raw!r} is not a number (only == and != compare text)")
    return Constraint(column, op, value)


#: what a ``where`` / ``constraints`` argument may be: texts or Constraint objects, one of them alone, a mapping
#: ``{column: upper bound}``, or None
Constraints = Iterable[str | Constraint] | Mapping[str, float] | str | Constraint | None


def parse_constraints(items: Constraints, option: str = "--where") -> list[Constraint]:
    """Constraints from texts, :class:`Constraint` objects, one of them alone, or a mapping ``{column: upper bound}``
    (``<=``); a text that does not parse is a :class:`SweepError` naming ``option``."""
    if items is None:
        return []
    if isinstance(items, (str, Constraint)):
        items = [items]
    if isinstance(items, Mapping):
        out = []
        for k, v in items.items():
            try:
                bound = float(v)
            except (TypeError, ValueError):
                raise SweepError(option, f"{k}: {v!r}", "a mapping gives upper bounds: the value must be a number") from None
            out.append(Constraint(str(k), "<=", bound))
        return out
    return [c if isinstance(c, Constraint) else parse_constraint(str(c), option) for c in items]


def check_columns(constraints: Constraints, columns: Iterable[str], option: str = "--where") -> None:
    """Raise :class:`SweepError` naming the first constraint whose column is not among ``columns``."""
    known = list(columns)
    for c in parse_constraints(constraints, option):
        if c.column not in known:
            hint = [k for k in known if not str(k).startswith(("units.", "streams.", "pipelines.", "loads."))]
            raise SweepError(option, str(c), f"no result column {c.column!r} (for example: {', '.join(map(str, hint[:30]))})")


def constraint_mask(df: pd.DataFrame, constraints: Constraints) -> np.ndarray:
    """True for the rows of ``df`` that meet every constraint (columns must exist: see :func:`check_columns`)."""
    ok = np.ones(len(df), dtype=bool)
    for c in parse_constraints(constraints):
        ok &= c.mask(df[c.column])
    return ok


def violations(df: pd.DataFrame, constraints: Constraints) -> pd.Series:
    """For each row, the constraints it violates, joined by ``"; "`` (empty: it meets them all)."""
    parts = [np.where(c.mask(df[c.column]), "", str(c)) for c in parse_constraints(constraints)]
    out = [("; ".join(p for p in items if p)) for items in zip(*parts)] if parts else [""] * len(df)
    return pd.Series(out, index=df.index, dtype=object)
