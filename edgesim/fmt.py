"""How edgesim writes a number for a reader: one rule for every text table, report page and message.

:func:`fmt` is the one formatter of the command line (``edgesim run``, ``sweep``, ``fit``, ``budget``) and of the
sweep's ``report.html``: a missing value (``None``, NaN) is ``-``; a float is written with a format spec (``.4g``
by default: four significant digits, enough to tell two configurations apart and short enough for a table column);
an integer, a text or anything else is written as it is (a seed of 123456789 stays whole).
"""
from __future__ import annotations

import math
from typing import Any

__all__ = ["MISSING", "fmt"]

MISSING = "-"
"""How a missing value (``None``, NaN) is written."""


def fmt(value: Any, spec: str = ".4g") -> str:
    """``value`` as a reader sees it in a table or a line of text.

    Parameters
    ----------
    value : Any
        A number (Python or numpy), ``None``, a text or anything with ``str``.
    spec : str
        Format spec for a float (default ``.4g``).

    Returns
    -------
    str
        :data:`MISSING` for ``None`` or NaN; ``format(value, spec)`` for a float (``inf`` as ``inf``);
        ``str(value)`` for anything else (integers, booleans, texts).
    """
    if value is None:
        return MISSING
    if isinstance(value, float) or (hasattr(value, "dtype") and getattr(value.dtype, "kind", "") == "f"):
        value = float(value)
        return MISSING if math.isnan(value) else format(value, spec)
    return str(value)
