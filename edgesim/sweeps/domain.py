"""The values one swept parameter takes: a list (grid), or a distribution sampled in random mode."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import SweepError

__all__ = ["Domain", "parse_domain", "is_number", "GRID_KINDS", "RANDOM_KINDS"]

RANDOM_KINDS = ("uniform", "loguniform", "randint", "choice")
GRID_KINDS = ("values", "range", "linspace")


@dataclass(frozen=True)
class Domain:
    """The values a parameter takes: a finite list (grid or sampled), or a distribution (random only).

    ``kind``: ``values`` (a list), ``uniform`` / ``loguniform`` (floats in [low, high]), ``randint``
    (integers in [low, high], both included), ``choice`` (a list, sampled).
    """

    kind: str
    values: tuple[Any, ...] = ()
    low: float = 0.0
    high: float = 0.0

    @property
    def finite(self) -> bool:
        return self.kind in ("values", "choice")

    def draw(self, rng: np.random.Generator) -> Any:
        if self.kind in ("values", "choice"):
            return self.values[int(rng.integers(len(self.values)))]
        if self.kind == "uniform":
            return float(rng.uniform(self.low, self.high))
        if self.kind == "loguniform":
            return float(math.exp(rng.uniform(math.log(self.low), math.log(self.high))))
        if self.kind == "randint":
            return int(rng.integers(int(self.low), int(self.high) + 1))
        raise AssertionError(self.kind)


def parse_domain(raw: Any, source: str, field: str) -> Domain:
    """A parameter's domain from a sweep file: a list, or ``{values|choice: [...]}``, ``{range: [a, b, step]}``,
    ``{linspace: [a, b, n]}``, ``{uniform|loguniform|randint: [low, high]}``."""
    if isinstance(raw, list):
        if not raw:
            raise SweepError(source, field, "needs at least one value")
        return Domain("values", tuple(raw))
    if not isinstance(raw, dict) or len(raw) != 1:
        return Domain("values", (raw,))
    (kind, arg), = raw.items()
    if kind in ("values", "choice"):
        if not isinstance(arg, list) or not arg:
            raise SweepError(source, f"{field}.{kind}", "must be a non-empty list")
        return Domain(kind, tuple(arg))
    if kind == "range":
        if not (isinstance(arg, list) and len(arg) in (2, 3) and all(is_number(a) for a in arg)):
            raise SweepError(source, f"{field}.range", "must be [start, stop] or [start, stop, step] (stop excluded)")
        start, stop = arg[0], arg[1]
        step = arg[2] if len(arg) == 3 else 1
        if step == 0:
            raise SweepError(source, f"{field}.range", "step must not be 0")
        ints = all(isinstance(a, int) for a in arg)
        values: list[int | float] = [int(v) if ints else float(v) for v in np.arange(start, stop, step)]
        if not values:
            raise SweepError(source, f"{field}.range", f"{arg} holds no value")
        return Domain("values", tuple(values))
    if kind == "linspace":
        if not (isinstance(arg, list) and len(arg) == 3 and all(is_number(a) for a in arg) and int(arg[2]) >= 1):
            raise SweepError(source, f"{field}.linspace", "must be [start, stop, n] with n >= 1")
        return Domain("values", tuple(float(v) for v in np.linspace(arg[0], arg[1], int(arg[2]))))
    if kind in ("uniform", "loguniform", "randint"):
        if not (isinstance(arg, list) and len(arg) == 2 and all(is_number(a) for a in arg) and arg[0] <= arg[1]):
            raise SweepError(source, f"{field}.{kind}", "must be [low, high] with low <= high")
        if kind == "loguniform" and arg[0] <= 0:
            raise SweepError(source, f"{field}.loguniform", "low must be > 0")
        if kind == "randint" and not all(isinstance(a, int) for a in arg):
            raise SweepError(source, f"{field}.randint", "low and high must be integers")
        return Domain(kind, (), float(arg[0]), float(arg[1]))
    # a one-key mapping that is not a domain keyword is a plain value (e.g. a whole item to swap in)
    return Domain("values", (raw,))


def is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)
