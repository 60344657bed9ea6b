""""What fits": the largest (or smallest) value of a parameter at which a configuration meets given bounds.

The search assumes monotone feasibility in one direction, and finds which from the two ends of the range:

- ``largest``: feasible at low values, infeasible above a boundary (more cameras, pixels or fps only add load);
  the result is the largest feasible value;
- ``smallest``: infeasible at low values, feasible above a boundary (more efficiency, more units, a faster
  clock only help); the result is the smallest feasible value.

``seek="auto"`` (the default) probes both ends first: feasible at ``low`` only -> largest, at ``high`` only ->
smallest; at both, every value in the range fits (``capped``); at neither, nothing does. The boundary is then
found by bisection over simulations; with ``jobs`` > 1 each round simulates ``jobs`` points
spread over the bracket at once (k-section), so the bracket shrinks by a factor ``jobs + 1`` per round.

    value (integer): the largest (smallest) feasible integer in [low, high] (exact, under monotonicity)
    value (float):   a feasible value within ``tol`` of the boundary

A probe is feasible when every replication ran and meets every constraint. A failed run (an invalid
configuration, a simulation error) counts as infeasible and its error is kept in the probe table.
Constraints name result columns (see :func:`edgesim.sweeps.executors.flatten_summary`):
``max_p99_latency_ms <= 100``, ``drop_rate <= 0.01``, ``system.avg_power_w <= 10``, ``max_temp_c <= 85``,
``system.battery_life_h >= 8`` (any of ``<=, <, >=, >, ==, !=``, compared with the relative tolerance of
:mod:`edgesim.sweeps.constraints`). When a probe sees a feasible value beyond an infeasible one the monotonicity
assumption is broken and the result says so (``monotone = False``).

Several paths (``["cameras.cam.width_px", "cameras.cam.height_px"]``) are searched together as one
*scale factor* x applied to each path's value in the base scenario (rounded for integer fields): the
highest resolution at a fixed aspect ratio is ``fit(..., paths, 1.0, 4.0)``.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..fmt import fmt
from .constraints import Constraint, Constraints, check_columns, parse_constraints
from .errors import SweepError
from .executors import Executor, make_executor
from .identity import run_seed
from .inputs import base_scenario
from .paths import PathError, get_path, parse_path
from .progress import Progress
from .task import RunTask, build_scenario, run_identity

__all__ = ["FitResult", "fit", "SEEK"]

#: which boundary to look for: ``largest`` feasible value (load grows with the value), ``smallest`` (a resource
#: grows with it), or ``auto`` (from the two ends of the range)
SEEK = ("auto", "largest", "smallest")


@dataclass
class FitResult:
    """Outcome of :func:`fit`.

    Attributes
    ----------
    value : float or int or None
        The boundary feasible value found: the largest (``seek == "largest"``) or smallest (``"smallest"``)
        feasible value; None when no probed value is feasible.
    first_infeasible : float or int or None
        The infeasible value next to ``value`` on the other side of the boundary (None: the whole range fits).
    paths : list of str
        The searched paths (several: ``value`` is a scale factor on their base values).
    constraints : list of Constraint
    low, high : float
        The search range.
    integer : bool
        Whether integers were searched.
    seek : str
        ``largest`` or ``smallest``: which boundary was searched (found from the range's ends with ``auto``).
    monotone : bool
        False when a probe contradicted monotone feasibility.
    probes : DataFrame
        One row per probed value: ``value``, ``feasible``, ``violated``, ``error`` and the worst value of
        every constraint column over the replications.
    simulations : int
        Runs simulated.
    settings : dict
        The field values at ``value``.
    """

    value: float | int | None
    first_infeasible: float | int | None
    paths: list[str]
    constraints: list[Constraint]
    low: float
    high: float
    integer: bool
    seek: str = "largest"
    monotone: bool = True
    probes: pd.DataFrame = field(default_factory=pd.DataFrame)
    simulations: int = 0
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def capped(self) -> bool:
        """True when every value of the range fits (the boundary, if any, lies outside it)."""
        return self.value is not None and self.first_infeasible is None

    def message(self) -> str:
        """The result in one line."""
        what = self.paths[0] if len(self.paths) == 1 else f"scale of {', '.join(self.paths)}"
        bounds = "; ".join(str(c) for c in self.constraints)
        if self.value is None and self.monotone:
            text = (f"nothing fits: {what} violates {bounds} at both ends of the range, {fmt(self.low, '.6g')} and "
                    f"{fmt(self.high, '.6g')}")
        elif self.value is None:
            text = (f"no {self.seek} value fits: {what} = {fmt(self.first_infeasible, '.6g')} violates {bounds} though the "
                    "other end of the range fits (search the other way: seek='auto')")
        elif self.capped:
            text = (f"every {what} in {fmt(self.low, '.6g')}:{fmt(self.high, '.6g')} fits within {bounds} (the boundary lies "
                    "outside; widen --range to find it)")
        else:
            text = (f"{self.seek} {what} that fits: {fmt(self.value, '.6g')} (first infeasible: "
                    f"{fmt(self.first_infeasible, '.6g')}) within {bounds}")
        if self.value is not None and len(self.paths) > 1:
            text += " -> " + ", ".join(f"{p} = {fmt(v, '.6g')}" for p, v in self.settings.items())
        if not self.monotone:
            text += " [warning: feasibility was not monotone over the probes; the bracket may be wrong]"
        return text + f" ({self.simulations} simulations)"


def _read_base(scenario: Any) -> tuple[dict[str, Any], str, str | None]:
    base = base_scenario(scenario, "fit")
    return base.data, base.source, base.base_dir


def _interior(good: Any, bad: Any, k: int, integer: bool) -> list[Any]:
    """``k`` points strictly between ``good`` and ``bad``, ordered from ``good`` towards ``bad``."""
    if integer:
        pts = sorted({good + round((bad - good) * i / (k + 1)) for i in range(1, k + 1)} - {good, bad},
                     key=lambda p: abs(p - good))
        return [p for p in pts if min(good, bad) < p < max(good, bad)] or [good + (bad - good) // 2 if bad > good
                                                                               else good - (good - bad) // 2]
    return [good + (bad - good) * i / (k + 1) for i in range(1, k + 1)]


def fit(scenario: Any, path: str | Sequence[str], low: float, high: float, *,
        constraints: Constraints, integer: bool | None = None,
        tol: float | None = None, overrides: Mapping[str, Any] | None = None, replications: int = 1, seed: int = 0,
        duration_s: float | None = None, jobs: int | None = 1, executor: str | Executor | None = None,
        scheduler: str | None = None, progress: bool | None = None, max_rounds: int = 64,
        seek: str = "auto") -> FitResult:
    """The boundary value of ``path`` in [low, high] at which every constraint holds (bisection over simulations).

    Parameters
    ----------
    scenario : path, dict or ScenarioSpec
        Base scenario (YAML file, raw dict, or a spec from :func:`edgesim.load_scenario`: overrides apply to it
        exactly as to its file, catalog references re-resolved).
    path : str or list of str
        Dotted path of the searched field (``cameras.cam.count``, ``cameras.cam.fps``), or several paths
        scaled together (value = scale factor on their base values).
    low, high : float
        Search range (in the field's unit, or as a scale factor for several paths).
    constraints : list of str or Constraint, or mapping
        ``["max_p99_latency_ms<=100", "drop_rate<=0.01"]`` (``<=, <, >=, >, ==, !=``); a mapping
        ``{"max_p99_latency_ms": 100}`` means ``<=`` for each.
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
    seek : {"auto", "largest", "smallest"}
        Which boundary: ``largest`` feasible value (feasible below it), ``smallest`` (feasible above it), or
        ``auto``: decided from the two ends of the range.

    Returns
    -------
    FitResult
    """
    base, source, base_dir = _read_base(scenario)
    paths = [path] if isinstance(path, str) else list(path)
    if not paths:
        raise SweepError("fit", "path", "give at least one dotted path")
    if seek not in SEEK:
        raise SweepError("fit", "seek", f"must be one of {', '.join(SEEK)}, got {seek!r}")
    cons = parse_constraints(constraints, "constraints")
    if not cons:
        raise SweepError("fit", "constraints", "give at least one constraint (e.g. max_p99_latency_ms<=100)")
    if not (isinstance(low, (int, float)) and isinstance(high, (int, float))) or not low < high:
        raise SweepError("fit", "range", f"needs low < high, got {low!r}:{high!r}")
    if not isinstance(replications, int) or replications < 1:
        raise SweepError("fit", "replications", f"must be an integer >= 1, got {replications!r}")
    fixed = list((overrides or {}).items())
    current: Any = None
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
    scales: list[float | int] = []
    for p, v in zip(paths, base_values):
        if len(paths) > 1 and (not isinstance(v, (int, float)) or isinstance(v, bool)):
            raise SweepError("fit", "path", f"{p}: scaling needs a number in the base scenario, found {v!r}")
        scales.append(v if isinstance(v, (int, float)) else 0)
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
        out: list[tuple[str, Any]] = []
        for p, v in zip(paths, scales):
            scaled = v * x
            out.append((p, max(1, int(round(scaled))) if isinstance(v, int) else float(scaled)))
        return fixed + out

    results: dict[Any, dict[str, Any]] = {}
    bar = Progress(0, enabled=progress, label="fit")
    n_sims = 0

    with make_executor(executor, jobs=jobs, scheduler=scheduler) as ex:
        workers = max(1, getattr(ex, "workers", 1) or 1)

        def probe(values: list[Any]) -> None:
            nonlocal n_sims
            tasks: list[tuple[Any, RunTask]] = []
            for x in values:
                params = tuple(assign(x))
                for rep in range(replications):
                    s = run_seed(seed, params, rep)
                    tasks.append((x, RunTask(run_id=run_identity(base, params, s, duration_s), index=len(tasks),
                                             case=None, params=params, replication=rep, seed=s, scenario=base,
                                             duration_s=duration_s, source=source, base_dir=base_dir,
                                             per_stream=False)))
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

        probe([low, high])
        feasible_low, feasible_high = results[low]["feasible"], results[high]["feasible"]
        direction = seek
        if seek == "auto":
            direction = "smallest" if feasible_high and not feasible_low else "largest"
        good, bad = (low, high) if direction == "largest" else (high, low)
        value: Any = None
        first_bad: Any = None
        if results[good]["feasible"] and results[bad]["feasible"]:
            value, first_bad = (high if direction == "largest" else low), None
        elif not results[good]["feasible"]:
            value, first_bad = None, good
        else:
            for _ in range(max_rounds):
                if abs(bad - good) <= (1 if integer else tol):
                    break
                pts = _interior(good, bad, workers, bool(integer))
                probe(pts)
                infeasible = [p for p in pts if not results[p]["feasible"]]
                new_bad = min(infeasible, key=lambda p: abs(p - good)) if infeasible else bad
                closer = [p for p in pts if results[p]["feasible"] and abs(p - good) < abs(new_bad - good)]
                good, bad = (max(closer, key=lambda p: abs(p - good)) if closer else good), new_bad
            value, first_bad = good, bad
        monotone = _monotone(results, direction)
        probes = pd.DataFrame([results[x] for x in sorted(results)])
    bar.close()
    settings = dict(assign(value)[len(fixed):]) if value is not None else {}
    return FitResult(value=value, first_infeasible=first_bad, paths=paths, constraints=cons, low=low, high=high,
                     integer=bool(integer), seek=direction, monotone=monotone, probes=probes, simulations=n_sims,
                     settings=settings)


def _monotone(results: Mapping[Any, Mapping[str, Any]], direction: str) -> bool:
    """False when a feasible probe lies beyond an infeasible one (in the searched direction)."""
    xs = sorted(results)
    if direction == "smallest":
        xs = xs[::-1]
    seen_bad = False
    for x in xs:
        if not results[x]["feasible"]:
            seen_bad = True
        elif seen_bad:
            return False
    return True


def _judge(x: Any, rows: list[dict[str, Any]], cons: list[Constraint]) -> dict[str, Any]:
    out: dict[str, Any] = {"value": x, "feasible": True, "violated": "", "error": ""}
    violated: list[str] = []
    errors = [r["error"] for r in rows if r.get("status") != "ok"]
    if errors:
        out["feasible"] = False
        out["error"] = errors[0]
        violated.append("run failed")
    ok_rows = [r for r in rows if r.get("status") == "ok"]
    if ok_rows:
        check_columns(cons, ok_rows[0].keys(), "constraint")
    for c in cons:
        values = pd.Series([r.get(c.column) for r in ok_rows], dtype=object)
        held: list[bool] = c.mask(values).tolist() if len(values) else []
        nums = pd.to_numeric(values, errors="coerce").dropna()
        if len(nums) and not isinstance(c.bound, str):
            out[c.column] = float(nums.max() if c.op in ("<=", "<") else nums.min())
        if not all(held):
            out["feasible"] = False
            violated.append(str(c))
    out["violated"] = "; ".join(violated)
    out["scenario_hash"] = next((r.get("scenario_hash") for r in ok_rows), None)
    return out
