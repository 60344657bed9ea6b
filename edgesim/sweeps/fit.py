""""What fits": the largest value of a parameter that a configuration sustains within given bounds.

The search assumes monotone feasibility: if the system meets every constraint at value v, it meets them at
every smaller value (more cameras, more pixels, more fps only add load). Under that assumption the
boundary is found by bisection over simulations; with ``jobs`` > 1 each round simulates ``jobs`` points
spread over the bracket at once (k-section), so the bracket shrinks by a factor ``jobs + 1`` per round.

    value (integer): the largest feasible integer in [low, high] (exact, under monotonicity)
    value (float):   a feasible value within ``tol`` of the boundary

A probe is feasible when every replication ran and meets every constraint. A failed run (an invalid
configuration, a simulation error) counts as infeasible and its error is kept in the probe table.
Constraints name result columns (see :func:`edgesim.sweeps.executors.flatten_summary`):
``max_p99_latency_ms <= 100``, ``drop_rate <= 0.01``, ``system.avg_power_w <= 10``, ``max_temp_c <= 85``,
``system.battery_life_h >= 8``. When a probe sees a feasible value above an infeasible one the
monotonicity assumption is broken and the result says so (``monotone = False``).

Several paths (``["cameras.cam.width_px", "cameras.cam.height_px"]``) are searched together as one
*scale factor* x applied to each path's value in the base scenario (rounded for integer fields): the
highest resolution at a fixed aspect ratio is ``fit(..., paths, 1.0, 4.0)``.
"""
from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..errors import EdgesimError
from .executors import Executor, RunTask, make_executor
from .paths import PathError, get_path, parse_path
from .plan import SweepError, run_identity, run_seed
from .progress import Progress

_OPS: dict[str, Callable[[float, float], bool]] = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt}
_CONSTRAINT_RE = re.compile(r"^\s*([^<>=\s]+)\s*(<=|>=|<|>)\s*(\S+)\s*$")


@dataclass(frozen=True)
class Constraint:
    """``column op bound``, e.g. ``max_p99_latency_ms <= 100``."""

    column: str
    op: str
    bound: float

    def holds(self, value: Any) -> bool:
        try:
            v = float(value)
        except (TypeError, ValueError):
            return False
        if math.isnan(v):
            return False
        return _OPS[self.op](v, self.bound)

    def __str__(self) -> str:
        return f"{self.column} {self.op} {self.bound:g}"


def parse_constraint(text: str, option: str = "--constraint") -> Constraint:
    """``'max_p99_latency_ms<=100'`` -> :class:`Constraint`."""
    m = _CONSTRAINT_RE.match(text)
    if not m:
        raise EdgesimError(f"{option}: {text!r}: write COLUMN<=VALUE (or >=, <, >), e.g. max_p99_latency_ms<=100")
    try:
        bound = float(m.group(3))
    except ValueError:
        raise EdgesimError(f"{option}: {text!r}: {m.group(3)!r} is not a number") from None
    return Constraint(m.group(1), m.group(2), bound)


@dataclass
class FitResult:
    """Outcome of :func:`fit`.

    Attributes
    ----------
    value : float or int or None
        The largest feasible value found (None: even ``low`` is infeasible).
    first_infeasible : float or int or None
        The smallest infeasible value found (None: ``high`` itself is feasible, the boundary may lie above).
    paths : list of str
        The searched paths (several: ``value`` is a scale factor on their base values).
    constraints : list of Constraint
    monotone : bool
        False when a probe contradicted monotone feasibility.
    probes : DataFrame
        One row per probed value: ``value``, ``feasible``, ``violated``, ``error`` and the worst value of
        every constraint column over the replications.
    simulations : int
        Runs simulated.
    """

    value: float | int | None
    first_infeasible: float | int | None
    paths: list[str]
    constraints: list[Constraint]
    low: float
    high: float
    integer: bool
    monotone: bool = True
    probes: pd.DataFrame = field(default_factory=pd.DataFrame)
    simulations: int = 0
    settings: dict[str, Any] = field(default_factory=dict)  # the field values at ``value``

    @property
    def capped(self) -> bool:
        """True when ``high`` itself is feasible (the true boundary may be higher)."""
        return self.value is not None and self.first_infeasible is None

    def message(self) -> str:
        what = self.paths[0] if len(self.paths) == 1 else f"scale of {', '.join(self.paths)}"
        bounds = "; ".join(str(c) for c in self.constraints)
        if self.value is None:
            text = f"nothing fits: {what} = {_fmt(self.low)} already violates {bounds}"
        elif self.capped:
            text = f"{what} = {_fmt(self.value)} fits (the top of the range; widen --range to look higher) within {bounds}"
        else:
            text = (f"largest {what} that fits: {_fmt(self.value)} (first infeasible: {_fmt(self.first_infeasible)}) "
                    f"within {bounds}")
        if self.value is not None and len(self.paths) > 1:
            text += " -> " + ", ".join(f"{p} = {_fmt(v)}" for p, v in self.settings.items())
        if not self.monotone:
            text += " [warning: feasibility was not monotone over the probes; the bracket may be wrong]"
        return text + f" ({self.simulations} simulations)"


def _fmt(x: Any) -> str:
    return f"{x:.6g}" if isinstance(x, float) else str(x)


def fit(scenario: Any, path: str | Sequence[str], low: float, high: float, *,
        constraints: Sequence[str | Constraint] | Mapping[str, float], integer: bool | None = None,
        tol: float | None = None, overrides: Mapping[str, Any] | None = None, replications: int = 1, seed: int = 0,
        duration_s: float | None = None, jobs: int | None = 1, executor: str | Executor | None = None,
        scheduler: str | None = None, progress: bool | None = None, max_rounds: int = 64) -> FitResult:
    """Largest value of ``path`` in [low, high] at which every constraint holds (bisection over simulations).

    Parameters
    ----------
    scenario : path or dict
        Base scenario (YAML file or raw dict).
    path : str or list of str
        Dotted path of the searched field (``cameras.cam.count``, ``cameras.cam.fps``), or several paths
        scaled together (value = scale factor on their base values).
    low, high : float
        Search range (in the field's unit, or as a scale factor for several paths).
    constraints : list of str or Constraint, or mapping
        ``["max_p99_latency_ms<=100", "drop_rate<=0.01"]``; a mapping ``{"max_p99_latency_ms": 100}`` means
        ``<=`` for each.
    integer : bool, optional
        Search integers (default: True for one path whose base value and bounds are integers).
    tol : float, optional
        Float searches stop when the bracket is narrower than this (default (high - low) / 1000).
    overrides : mapping, optional
        Fixed ``{dotted path: value}`` applied before the searched one.
    replications : int
        Runs per probe; a probe is feasible only when all of them are.
    seed : int
        Sweep seed (per-probe seeds derive from it as in :func:`edgesim.sweeps`).
    duration_s : float, optional
        Simulated seconds per run.
    jobs : int, optional
        Points simulated per round (and worker processes); 1 is plain bisection in this process.
    executor, scheduler :
        As in :func:`edgesim.sweeps`.

    Returns
    -------
    FitResult
    """
    from pathlib import Path

    from ..spec.load import read_scenario_dict

    if isinstance(scenario, (str, Path)):
        base = read_scenario_dict(scenario)
        source, base_dir = str(scenario), str(Path(scenario).parent)
    elif isinstance(scenario, Mapping):
        base, source, base_dir = dict(scenario), "<dict>", None
    else:
        raise EdgesimError(f"fit: scenario must be a file path or a dict, got {type(scenario).__name__}")
    paths = [path] if isinstance(path, str) else list(path)
    if not paths:
        raise SweepError("fit", "path", "give at least one dotted path")
    cons = _constraints(constraints)
    if not cons:
        raise SweepError("fit", "constraints", "give at least one constraint (e.g. max_p99_latency_ms<=100)")
    if not (isinstance(low, (int, float)) and isinstance(high, (int, float))) or not low < high:
        raise SweepError("fit", "range", f"needs low < high, got {low!r}:{high!r}")
    if not isinstance(replications, int) or replications < 1:
        raise SweepError("fit", "replications", f"must be an integer >= 1, got {replications!r}")
    fixed = list((overrides or {}).items())
    from .plan import build_scenario

    try:
        start = build_scenario(base, fixed, None, None)
        base_values = [get_path(start, p) for p in paths] if len(paths) > 1 else [None]
        if len(paths) == 1:
            parse_path(paths[0])
            try:
                current = get_path(start, paths[0])
            except PathError:
                current = None
    except PathError as exc:
        raise SweepError("fit", "path", f"{exc} (in {source})") from None
    if len(paths) > 1:
        for p, v in zip(paths, base_values):
            if not isinstance(v, (int, float)) or isinstance(v, bool):
                raise SweepError("fit", "path", f"{p}: scaling needs a number in the base scenario, found {v!r}")
    if integer is None:
        integer = len(paths) == 1 and float(low).is_integer() and float(high).is_integer() and (
            current is None or (isinstance(current, int) and not isinstance(current, bool)))
    if integer:
        low, high = int(math.ceil(low)), int(math.floor(high))
        if low >= high:
            raise SweepError("fit", "range", f"needs two integers low < high, got {low}:{high}")
    tol = float(tol) if tol is not None else (high - low) / 1000.0
    if not integer and not tol > 0:
        raise SweepError("fit", "tol", f"must be > 0, got {tol}")

    def assign(x: float) -> list[tuple[str, Any]]:
        if len(paths) == 1:
            return fixed + [(paths[0], int(x) if integer else float(x))]
        out = []
        for p, v in zip(paths, base_values):
            scaled = v * x
            out.append((p, max(1, int(round(scaled))) if isinstance(v, int) else float(scaled)))
        return fixed + out

    results: dict[Any, dict[str, Any]] = {}
    bar = Progress(0, enabled=progress, label="fit")
    monotone = True
    n_sims = 0

    with make_executor(executor, jobs=jobs if jobs is not None else None, scheduler=scheduler) as ex:
        workers = max(1, getattr(ex, "workers", 1) or 1)

        def probe(values: list[Any]) -> None:
            nonlocal n_sims
            tasks = []
            for x in values:
                params = tuple(assign(x))
                for rep in range(replications):
                    s = run_seed(seed, params, rep)
                    tasks.append((x, RunTask(run_id=run_identity(base, params, s, duration_s), index=len(tasks), case=None,
                                             params=params, replication=rep, seed=s, scenario=base, duration_s=duration_s,
                                             source=source, base_dir=base_dir, per_stream=False)))
            bar.total += len(tasks)
            by_id = {t.run_id: x for x, t in tasks}
            rows: dict[Any, list[dict[str, Any]]] = {x: [] for x in values}
            for row in ex.run([t for _, t in tasks]):
                rows[by_id[row["run_id"]]].append(row)
                bar.update(ok=row.get("status") == "ok")
            n_sims += len(tasks)
            for x in values:
                results[x] = _judge(x, rows[x], cons)
                if len(paths) > 1:
                    results[x].update(dict(assign(x)[len(fixed):]))

        probe([low, high] if workers > 1 else [low])
        if results[low]["feasible"] and high not in results:
            probe([high])
        lo, hi = low, high
        value: Any = None
        first_bad: Any = None
        if not results[low]["feasible"]:
            value, first_bad = None, low
        elif results[high]["feasible"]:
            value, first_bad = high, None
        else:
            for _ in range(max_rounds):
                if integer and hi - lo <= 1:
                    break
                if not integer and hi - lo <= tol:
                    break
                k = workers
                if integer:
                    pts = sorted({lo + round((hi - lo) * i / (k + 1)) for i in range(1, k + 1)} - {lo, hi})
                    pts = [p for p in pts if lo < p < hi] or [lo + (hi - lo) // 2]
                else:
                    pts = [lo + (hi - lo) * i / (k + 1) for i in range(1, k + 1)]
                probe(pts)
                bad = [p for p in pts if not results[p]["feasible"]]
                new_hi = min(bad) if bad else hi
                good = [p for p in pts if results[p]["feasible"] and p < new_hi]
                if any(results[p]["feasible"] for p in pts if p > new_hi):
                    monotone = False
                lo, hi = (max(good) if good else lo), new_hi
            value, first_bad = lo, hi
        probes = pd.DataFrame([results[x] for x in sorted(results)])
        for x in sorted(results):
            if results[x]["feasible"] and any(not results[y]["feasible"] for y in results if y < x):
                monotone = False
    bar.close()
    settings = dict(assign(value)[len(fixed):]) if value is not None else {}
    return FitResult(value=value, first_infeasible=first_bad, paths=paths, constraints=cons, low=low, high=high,
                     integer=bool(integer), monotone=monotone, probes=probes, simulations=n_sims, settings=settings)


def _constraints(spec: Sequence[str | Constraint] | Mapping[str, float]) -> list[Constraint]:
    if isinstance(spec, Mapping):
        return [Constraint(str(k), "<=", float(v)) for k, v in spec.items()]
    return [c if isinstance(c, Constraint) else parse_constraint(str(c)) for c in spec]


def _judge(x: Any, rows: list[dict[str, Any]], cons: list[Constraint]) -> dict[str, Any]:
    out: dict[str, Any] = {"value": x, "feasible": True, "violated": "", "error": ""}
    violated: list[str] = []
    errors = [r["error"] for r in rows if r.get("status") != "ok"]
    if errors:
        out["feasible"] = False
        out["error"] = errors[0]
        violated.append("run failed")
    ok_rows = [r for r in rows if r.get("status") == "ok"]
    for c in cons:
        if ok_rows and c.column not in ok_rows[0]:
            known = [k for k in ok_rows[0] if not k.startswith(("units.", "streams."))]
            raise EdgesimError(f"constraint {c}: no result column {c.column!r} (for example: {', '.join(known[:40])})")
        values = [r.get(c.column) for r in ok_rows]
        held = [c.holds(v) for v in values]
        nums = [float(v) for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
        if nums:
            worst = max(nums) if c.op in ("<=", "<") else min(nums)
            out[c.column] = worst
        if not all(held):
            out["feasible"] = False
            violated.append(str(c))
    out["violated"] = "; ".join(violated)
    out["scenario_hash"] = next((r.get("scenario_hash") for r in ok_rows), None)
    return out
