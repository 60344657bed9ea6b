"""Option values shared by every edgesim command: a bad value becomes one clear line and exit code 2.

The argparse types raise :class:`argparse.ArgumentTypeError`; :class:`edgesim.cli.common.EdgesimArgumentParser`
turns that into ``edgesim: error: --option: problem``. :func:`parse_set_options` is the one parser of ``--set
PATH=VALUE[,VALUE...]`` (``edgesim run``, ``sweep`` and ``fit``), the sweep's syntax
(:func:`edgesim.sweeps.paths.parse_assignment`); its errors name the scenario and the option:
``edgesim: error: SCENARIO: --set TEXT: problem``.
"""
from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import ScenarioError
from ..sweeps.paths import PathError, parse_assignment

__all__ = ["integer", "finite_float", "positive_float", "non_negative_float", "fraction", "positive_int", "non_negative_int",
           "parse_set_options"]


def integer(minimum: int) -> Callable[[str], int]:
    """An argparse type accepting an integer >= ``minimum``.

    Parameters
    ----------
    minimum : int
        Smallest accepted value.

    Returns
    -------
    callable
        ``parse(text) -> int``, raising :class:`argparse.ArgumentTypeError` on bad text.
    """
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {text}")
        return value
    return parse


def positive_float(text: str) -> float:
    """A finite number > 0 (durations in s, bounds).

    Parameters
    ----------
    text : str
        The command-line text.

    Returns
    -------
    float
        The value; :class:`argparse.ArgumentTypeError` when it is not a finite number > 0.
    """
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or math.isinf(value):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return value


positive_int = integer(1)
non_negative_int = integer(0)


def finite_float(text: str) -> float:
    """A finite number (temperatures in C, offsets); :class:`argparse.ArgumentTypeError` otherwise."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be finite, got {text}")
    return value


def non_negative_float(text: str) -> float:
    """A finite number >= 0 (a platform's power in W)."""
    value = finite_float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def fraction(text: str) -> float:
    """A number in (0, 1] (an efficiency)."""
    value = positive_float(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1], got {text}")
    return value


def parse_set_options(texts: Sequence[str], source: str, one_value: str | None = None) -> dict[str, list[Any]]:
    """``--set PATH=V1,V2,...`` texts as ``{dotted path: [values]}``, in order (a path given twice: the last wins).

    Parameters
    ----------
    texts : sequence of str
        The ``--set`` texts, as argparse collected them.
    source : str
        The scenario (or sweep) file, named in messages.
    one_value : str, optional
        When given, each ``--set`` takes exactly one value, and this says why in the message
        (``"in run (edgesim sweep runs several)"``).

    Raises
    ------
    ScenarioError
        ``SOURCE: --set TEXT: problem`` when a text does not parse (or gives several values where one is wanted).
    """
    out: dict[str, list[Any]] = {}
    for text in texts:
        try:
            path, values = parse_assignment(text)
        except PathError as exc:
            raise ScenarioError(source, f"--set {text}", exc.problem) from None
        if one_value is not None and len(values) != 1:
            raise ScenarioError(source, f"--set {text}", f"takes one value {one_value}, got {len(values)}")
        out[path] = values
    return out
