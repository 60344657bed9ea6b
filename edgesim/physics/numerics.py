"""Numerics with a defined answer at the extremes: a guarded root-finder and an exponential that saturates.

:func:`exp_or_inf` is ``math.exp`` that returns ``inf`` where ``math.exp`` raises ``OverflowError`` (an argument
above about 709.78), so a leakage term ``P0 exp(k (T - T_ref))`` at a runaway temperature is an infinite power
that the caller can test for, not an exception.

:func:`bracketed_root` is :func:`scipy.optimize.brentq` with the guards every physics crossing needs:

- the bracket ``[lo, hi]`` must be finite and ordered, and ``f`` must change sign on it (an end where ``f == 0``
  is the root): otherwise :class:`ValueError` names what is wrong, before scipy sees it;
- if Brent's method stops without converging (``RuntimeError``: e.g. a bracket spanning 300 decades, or ``f``
  returning non-finite values inside it), the root is finished by plain bisection on the same bracket, which
  always ends: each halving keeps the sign change, and after at most about 2,100 halvings the two ends are
  adjacent doubles. So a crossing known to lie in the bracket always comes back as a number in the bracket.
"""
from __future__ import annotations

import math
from collections.abc import Callable

__all__ = ["bisect_root", "bracketed_root", "exp_or_inf"]

_MAX_HALVINGS = 4096  # > 2 x 1075: enough to walk any finite bracket down to adjacent doubles


def exp_or_inf(x: float) -> float:
    """``exp(x)``, or ``math.inf`` where it overflows a double (``x`` above about 709.78); ``exp(-inf) = 0``."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def bisect_root(f: Callable[[float], float], lo: float, hi: float, f_lo: float | None = None) -> float:
    """Root of ``f`` in ``[lo, hi]`` by bisection to adjacent doubles; ``f(lo)`` and ``f(hi)`` of opposite signs.

    Parameters
    ----------
    f : callable
        The function, of one float.
    lo, hi : float
        Finite bracket ends, ``lo < hi``.
    f_lo : float, optional
        ``f(lo)`` if already known.

    Returns
    -------
    float
        The end of the final (adjacent-doubles) bracket nearer the sign change; exactly a point where ``f == 0``
        if one is met on the way.
    """
    s_lo = math.copysign(1.0, f(lo) if f_lo is None else f_lo)
    for _ in range(_MAX_HALVINGS):
        mid = lo + 0.5 * (hi - lo)
        if not lo < mid < hi:
            break
        f_mid = f(mid)
        if f_mid == 0.0:
            return mid
        if math.isnan(f_mid):
            hi = mid  # treat an undefined value as past the crossing: stay on the defined side
        elif math.copysign(1.0, f_mid) == s_lo:
            lo = mid
        else:
            hi = mid
    return hi


def bracketed_root(f: Callable[[float], float], lo: float, hi: float, *, xtol: float = 2e-12,
                   rtol: float = 8.881784197001252e-16, maxiter: int = 200) -> float:
    """Root of ``f`` in ``[lo, hi]``: :func:`scipy.optimize.brentq` after a bracket check, bisection if it stalls.

    Parameters
    ----------
    f : callable
        The function, of one float (s, K, ... as the caller's quantity).
    lo, hi : float
        Bracket ends, finite, ``lo <= hi``.
    xtol, rtol, maxiter
        As :func:`scipy.optimize.brentq` (``xtol`` is raised to the smallest positive double if below it).

    Returns
    -------
    float
        The root, in ``[lo, hi]``.

    Raises
    ------
    ValueError
        If the bracket is not finite or not ordered, or ``f`` has the same strict sign at both ends.
    """
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi:
        raise ValueError(f"bracket: must be finite with lo <= hi, got [{lo!r}, {hi!r}]")
    f_lo = f(lo)
    if f_lo == 0.0:
        return lo
    f_hi = f(hi)
    if f_hi == 0.0:
        return hi
    if math.isnan(f_lo) or math.isnan(f_hi) or (f_lo > 0.0) == (f_hi > 0.0):
        raise ValueError(f"bracket: f must change sign on [{lo!r}, {hi!r}], got f(lo) = {f_lo!r}, f(hi) = {f_hi!r}")
    if not (math.isfinite(f_lo) and math.isfinite(f_hi)):
        return bisect_root(f, lo, hi, f_lo)
    try:
        from scipy.optimize import brentq  # noqa: PLC0415 (deferred: scipy.optimize adds ~0.3 s to start-up; docs/architecture.md)
        root = float(brentq(f, lo, hi, xtol=max(xtol, 5e-324), rtol=rtol, maxiter=maxiter))
    except (RuntimeError, ValueError, ArithmeticError):
        return bisect_root(f, lo, hi, f_lo)
    return min(max(root, lo), hi)
