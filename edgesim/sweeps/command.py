"""The one-line ``edgesim run`` command that reproduces one run of a sweep.

``edgesim run SCENARIO --set PATH=VALUE ... --seed N --duration T`` applies the same overrides, in the same
order, with the same ``--set`` syntax (:func:`edgesim.sweeps.paths.parse_assignment`), so it simulates exactly
the scenario of the sweep's row and prints the same numbers. Every argument is shell-quoted.
"""
from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import Any

from .paths import format_assignment

__all__ = ["reproduce_command"]


def reproduce_command(source: str, params: Sequence[tuple[str, Any]], seed: int, duration_s: float | None,
                      program: str = "edgesim") -> str:
    """``edgesim run SCENARIO --set a=b --set c=d --seed N --duration T`` for one run.

    Parameters
    ----------
    source : str
        The base scenario file, as the sweep was given it.
    params : sequence of (path, value)
        The run's overrides, in the order the sweep applies them.
    seed : int
        The run's seed.
    duration_s : float or None
        The sweep's simulated seconds (None: the scenario's own; left out). Left out too when an override
        sets ``duration_s`` itself (the override wins in the sweep as in ``edgesim run``).

    Returns
    -------
    str
        The command, shell-quoted.
    """
    args = [program, "run", source]
    for path, value in params:
        args += ["--set", format_assignment(path, value)]
    args += ["--seed", str(int(seed))]
    if duration_s is not None and not any(path.strip() == "duration_s" for path, _ in params):
        args += ["--duration", repr(float(duration_s)) if not float(duration_s).is_integer() else str(int(duration_s))]
    return " ".join(shlex.quote(a) for a in args)
