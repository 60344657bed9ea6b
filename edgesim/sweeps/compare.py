"""Comparing result numbers with a stated tolerance: relative 1e-9.

Two results of a simulation that differ by a few units in the last place (``1.5999999999999988`` and
``1.600000000000001`` W: the same power summed in a different order) are the same result. Every comparison of
result values in sweeps (Pareto dominance, ``--where`` constraints, ``fit`` bounds) treats values within

    |a - b| <= REL_TOL * max(|a|, |b|),     REL_TOL = 1e-9

as equal. The tolerance is relative only: a bound of exactly 0 (``drop_rate<=0``) is compared exactly.
"""
from __future__ import annotations

import numpy as np

__all__ = ["REL_TOL", "tolerance", "close", "less", "less_equal"]

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
