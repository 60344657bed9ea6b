"""What a sweep runs: the values each parameter takes, the sweep specification, the list of runs, each with its
seed and identity, and the check that every planned scenario is valid before any run starts.

Domains
-------
The values one swept parameter takes: a list (grid), or a distribution sampled in random mode (:class:`Domain`).

Seeds
-----
Every run's seed is drawn from ``numpy.random.SeedSequence(sweep_seed, spawn_key=KEY)`` where ``KEY`` is
derived from the run's *content*, not its position: four 32-bit words of the SHA-256 of its parameter
values (sorted by path, canonical JSON, with the case name if any), then the replication number. So

- a run gets the same seed on any executor, in any order, and when the sweep is run again;
- adding a value to a parameter, or a replication, leaves the seeds (and so the results and the resume
  identities) of the runs that were already there unchanged: a grown sweep resumes into the same directory;
- two configurations never share random draws by accident (each key is a distinct branch of the
  SeedSequence tree, which is what ``SeedSequence.spawn`` does with positional keys).

``seed_mode="common"`` uses common random numbers instead: the key is the replication number only, so
replication r of every configuration sees the same seed (the same arrival draws where the cameras are
the same), which sharpens comparisons between configurations (variance reduction).

A run's identity (``run_id``, used to resume) is the Merkle SHA-256 of the scenario dict after the overrides
with the run's seed and duration written into it: the same configuration run again is recognised, a
changed base scenario is not mistaken for a finished run.

Validation
----------
An invalid plan is an invalid input: every planned scenario is validated before any run starts.

Each distinct configuration of the plan (replications differ only by their seed) is built and validated by the
scenario schema and its cross-references (:func:`edgesim.scenario_from_dict`). The first one that is
invalid stops the sweep before anything runs, with one line naming the run (its plan index, as the ``index``
column and ``--dry-run`` show it, and its overrides) and the field::

    scenarios/x.yaml: run 3 (cameras.cam.fps=fast): cameras[0].fps: Input should be a valid number ...

The run budget (:func:`edgesim.model.run_budget.check_run_budget`: events, recorded intervals, memory) is checked for
every configuration too. Cross-field checks that depend on the combination (a device that has no peak at the model's precision and no
measured point, an efficiency the catalog does not give) and problems that only show while running are not plan
errors: a sweep over devices expects some to be unable to run the model, so such a run is recorded as failed, with
its error, and the sweep goes on.
"""
from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..catalog.resolve import resolve_catalog_references
from ..errors import EdgesimError, ScenarioError, ScenarioErrors
from ..model.run_budget import DEFAULT_MAX_EVENTS, check_run_budget
from ..spec.load import check_as_written, parse_scenario
from .errors import SweepError
from .identity import content_hash, run_seed
from .paths import PathError, format_assignment, parse_path, set_location, set_path
from .task import META_COLUMNS, RunTask, build_scenario, reproduce_command, run_identity

__all__ = [
    "Domain", "parse_domain", "is_number", "GRID_KINDS", "RANDOM_KINDS", "SweepSpec", "PlannedRun", "plan_runs",
    "iter_tasks", "grid_size", "validate_plan", "describe_run"
]


# --------------------------------------------------------------------------------------------------
# Domains: the values one parameter takes
# --------------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------------
# The sweep specification
# --------------------------------------------------------------------------------------------------

@dataclass
class SweepSpec:
    """A sweep: a base scenario (raw dict) and how to vary it.

    Attributes
    ----------
    scenario : dict
        The base scenario as read from YAML (not validated yet).
    parameters : dict
        ``{dotted path: Domain}``, applied in this order.
    cases : dict
        ``{case name: {dotted path: value}}``: explicit variants (e.g. sites of a city); the grid (or the
        samples) is crossed with every case. Empty: one unnamed case.
    mode : str
        ``grid`` (every combination) or ``random`` (``samples`` draws).
    samples : int or None
        Number of random draws (mode ``random``).
    replications : int
        Runs per configuration, each with its own seed.
    seed : int
        The sweep seed: root of every run's seed and of the random sampling.
    duration_s : float or None
        Simulated seconds of every run (overrides the scenario's ``duration_s``).
    seed_mode : str
        ``independent`` (default) or ``common`` (common random numbers across configurations).
    per_stream : bool
        Keep one column per stream and metric (many columns with many cameras); aggregates are always kept.
    source, base_dir :
        Where the base scenario came from (for messages and relative ``catalog_files``).
    """

    scenario: dict[str, Any]
    parameters: dict[str, Domain] = field(default_factory=dict)
    cases: dict[str, dict[str, Any]] = field(default_factory=dict)
    mode: str = "grid"
    samples: int | None = None
    replications: int = 1
    seed: int = 0
    duration_s: float | None = None
    seed_mode: str = "independent"
    per_stream: bool = True
    max_events: float = DEFAULT_MAX_EVENTS  # the run budget of every run (edgesim.model.run_budget)
    source: str = "<dict>"
    base_dir: str | None = None
    spec_source: str = "<sweep>"  # the sweep file or "command line", for messages
    labels: dict[str, str] = field(default_factory=dict)  # path -> how messages name it (e.g. "--set PATH")

    def label_of(self, path: str) -> str:
        return self.labels.get(path, f"parameters.{path}")

    def validate(self) -> None:
        src = self.spec_source
        if self.mode not in ("grid", "random"):
            raise SweepError(src, "mode", f"must be 'grid' or 'random', got {self.mode!r}")
        if self.mode == "random" and (self.samples is None or self.samples < 1):
            raise SweepError(src, "samples", "random sampling needs samples >= 1")
        if self.samples is not None and (not isinstance(self.samples, int) or self.samples < 1):
            raise SweepError(src, "samples", f"must be an integer >= 1, got {self.samples!r}")
        if not isinstance(self.replications, int) or isinstance(self.replications, bool) or self.replications < 1:
            raise SweepError(src, "replications", f"must be an integer >= 1, got {self.replications!r}")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or self.seed < 0:
            raise SweepError(src, "seed", f"must be an integer >= 0, got {self.seed!r}")
        if self.duration_s is not None and (not is_number(self.duration_s) or not self.duration_s > 0):
            raise SweepError(src, "duration_s", f"must be a number > 0, got {self.duration_s!r}")
        if self.seed_mode not in ("independent", "common"):
            raise SweepError(src, "seed_mode", f"must be 'independent' or 'common', got {self.seed_mode!r}")
        for path, dom in self.parameters.items():
            try:
                steps = parse_path(path)
            except PathError as exc:
                raise SweepError(src, self.label_of(path), exc.problem) from None
            if steps == ["seed"]:
                raise SweepError(src, self.label_of(path), "the scenario seed is set per run from the sweep seed: "
                                 "use replications (and the sweep seed) instead")
            if path in META_COLUMNS:
                raise SweepError(src, self.label_of(path), f"{path!r} is a result column name; address it differently")
            if self.mode == "grid" and not dom.finite:
                raise SweepError(src, self.label_of(path), f"{dom.kind} is a distribution: it needs mode: random (or --samples)")
        for name, overrides in self.cases.items():
            if not isinstance(overrides, dict):
                raise SweepError(src, f"cases.{name}", "must be a mapping of dotted path -> value")
            for path in overrides:
                try:
                    parse_path(path)
                except PathError as exc:
                    raise SweepError(src, f"cases.{name}.{path}", exc.problem) from None

    def describe(self) -> dict[str, Any]:
        """A JSON-able description (written as sweep.json beside the results)."""
        return {
            "source": self.source, "spec_source": self.spec_source, "mode": self.mode, "samples": self.samples,
            "replications": self.replications, "seed": self.seed, "duration_s": self.duration_s,
            "seed_mode": self.seed_mode, "per_stream": self.per_stream,
            "parameters": {p: {"kind": d.kind, "values": list(d.values), "low": d.low, "high": d.high}
                           for p, d in self.parameters.items()},
            "cases": self.cases, "scenario_hash": content_hash(self.scenario),
        }


# --------------------------------------------------------------------------------------------------
# Runs
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PlannedRun:
    """One run of a sweep: its parameter values, replication, seed and content identity."""

    index: int
    case: str | None
    params: tuple[tuple[str, Any], ...]
    replication: int
    seed: int
    run_id: str


def plan_runs(spec: SweepSpec) -> list[PlannedRun]:
    """Every run of the sweep, in plan order (cases, then grid or samples, then replications).

    Raises :class:`SweepError` when a parameter path resolves in none of the runs (a typo caught before
    anything runs). A path that fails for some combinations only becomes a failed run with its error.
    """
    spec.validate()
    points = _points(spec)
    cases: list[tuple[str | None, dict[str, Any]]] = list(spec.cases.items()) or [(None, {})]
    runs: list[PlannedRun] = []
    seen: set[str] = set()
    path_ok: dict[str, bool] = {}
    first_error: dict[str, PathError] = {}
    for case, overrides in cases:
        for point in points:
            params = tuple(list(overrides.items()) + list(point))
            _check_paths(spec.scenario, params, spec.duration_s, path_ok, first_error)
            for rep in range(spec.replications):
                seed = run_seed(spec.seed, params, rep, case, spec.seed_mode)
                run_id = run_identity(spec.scenario, params, seed, spec.duration_s)
                if run_id in seen:  # the same configuration drawn twice: one run
                    continue
                seen.add(run_id)
                runs.append(PlannedRun(len(runs), case, params, rep, seed, run_id))
    for path, ok in path_ok.items():
        if not ok:
            exc = first_error[path]
            where = f"cases.*.{path}" if path not in spec.parameters else spec.label_of(path)
            raise SweepError(spec.spec_source, where, f"does not resolve in {spec.source}: {exc.problem}")
    return runs


def _check_paths(base: Mapping[str, Any], params: Sequence[tuple[str, Any]], duration_s: float | None,
                 path_ok: dict[str, bool], first_error: dict[str, PathError]) -> None:
    data = copy.deepcopy(dict(base))
    for path, value in params:
        try:
            set_path(data, path, copy.deepcopy(value))
        except PathError as exc:
            path_ok.setdefault(path, False)
            first_error.setdefault(path, exc)
            return
        path_ok[path] = True


def _points(spec: SweepSpec) -> list[list[tuple[str, Any]]]:
    paths = list(spec.parameters)
    domains = [spec.parameters[p] for p in paths]
    if not paths:
        return [[]]
    if spec.mode == "grid":
        return [list(zip(paths, combo)) for combo in itertools.product(*(d.values for d in domains))]
    rng = np.random.default_rng(np.random.SeedSequence(spec.seed, spawn_key=(0x5A3B1E,)))
    assert spec.samples is not None
    if all(d.finite for d in domains):
        sizes = [len(d.values) for d in domains]
        total = math.prod(sizes)
        if spec.samples <= total:  # distinct grid points, without replacement
            chosen = rng.choice(total, size=spec.samples, replace=False)
            out = []
            for flat in chosen:
                combo = []
                for size, dom in zip(reversed(sizes), reversed(domains)):
                    flat, r = divmod(int(flat), size)
                    combo.append(dom.values[r])
                out.append(list(zip(paths, reversed(combo))))
            return out
    return [[(p, d.draw(rng)) for p, d in zip(paths, domains)] for _ in range(spec.samples)]


def grid_size(parameters: Mapping[str, Domain]) -> int:
    return math.prod(len(d.values) for d in parameters.values()) if parameters else 1


def iter_tasks(spec: SweepSpec, runs: Iterable[PlannedRun]) -> Iterator[RunTask]:
    """The executor tasks of ``runs`` (each with its reproducing command)."""
    for run in runs:
        yield RunTask(run_id=run.run_id, index=run.index, case=run.case, params=run.params, replication=run.replication,
                      seed=run.seed, scenario=spec.scenario, duration_s=spec.duration_s, source=spec.source,
                      base_dir=spec.base_dir, per_stream=spec.per_stream, max_events=spec.max_events,
                      command=reproduce_command(spec.source, run.params, run.seed, spec.duration_s))


# --------------------------------------------------------------------------------------------------
# Validation: every planned scenario is valid before any run starts
# --------------------------------------------------------------------------------------------------

_MAX_SHOWN_CHARS = 120


def describe_run(run: PlannedRun) -> str:
    """``run 3 (cameras.cam.fps=fast, compute_units.npu.device=hailo8)``: how messages name a planned run."""
    overrides = ", ".join(format_assignment(path, value) for path, value in run.params)
    if len(overrides) > _MAX_SHOWN_CHARS:
        overrides = overrides[: _MAX_SHOWN_CHARS - 3] + "..."
    case = f"case {run.case}: " if run.case else ""
    return f"run {run.index} ({case}{overrides})" if overrides or case else f"run {run.index}"


def _first(exc: ScenarioError) -> ScenarioError:
    return exc.errors[0] if isinstance(exc, ScenarioErrors) and exc.errors else exc


def validate_plan(spec: SweepSpec, runs: Iterable[PlannedRun]) -> int:
    """Validate the scenario of every distinct configuration in ``runs``; raise on the first invalid one.

    Parameters
    ----------
    spec : SweepSpec
        The sweep (its base scenario, duration and sources).
    runs : iterable of PlannedRun
        The planned runs (from :func:`edgesim.sweeps.plan.plan_runs`).

    Returns
    -------
    int
        The number of distinct configurations validated.

    Raises
    ------
    SweepError
        ``SWEEP_SOURCE: run N (OVERRIDES): FIELD: PROBLEM`` for the first run whose scenario is invalid.
    """
    seen: set[Any] = set()
    base_dir = Path(spec.base_dir) if spec.base_dir else None
    runs = list(runs)
    _check_base_as_written(spec, runs, base_dir)
    for run in runs:
        key: tuple[Any, ...] = (run.case, run.params)
        try:
            hash(key)
        except TypeError:  # a mapping or list value (unhashable): identify the configuration by its text
            key = (run.case, repr(run.params))
        if key in seen:
            continue
        seen.add(key)
        try:
            data = build_scenario(spec.scenario, run.params, run.seed, spec.duration_s)
            parsed = parse_scenario(data, spec.source, base_dir, resolver=resolve_catalog_references)
            check_run_budget(parsed, spec.duration_s, spec.max_events)  # a run too big for the machine is a plan error too
        except PathError as exc:
            raise SweepError(spec.spec_source, describe_run(run), str(exc)) from None
        except ScenarioError as exc:
            first = _first(exc)
            problem = f"{first.field}: {first.problem}" if first.field else first.problem
            raise SweepError(spec.spec_source, describe_run(run), problem) from None
        except EdgesimError as exc:
            raise SweepError(spec.spec_source, describe_run(run), str(exc).splitlines()[0]) from None
        except Exception:  # noqa: BLE001, S112 - not a plan error: the run will fail while running and be recorded
            continue
    return len(seen)


def _check_base_as_written(spec: SweepSpec, runs: list[PlannedRun], base_dir: Path | None) -> None:
    """The base scenario as its file states it is valid where the sweep replaces values (duration, parameters).

    A sweep over ``cameras.cam.fps`` or with ``duration_s=`` never hides a bad value in the file:
    ``duration_s: -5`` is an error even when every run replaces it (as ``edgesim run --duration`` does).
    """
    overridden: dict[tuple[str | int, ...], str] = {}
    if spec.duration_s is not None:
        overridden[("duration_s",)] = "the sweep's duration"
    for run in runs:
        for path, _ in run.params:
            loc = set_location(spec.scenario, path)
            if loc is not None:
                overridden.setdefault(loc, f"the sweep's {path}")
    try:
        check_as_written(spec.scenario, spec.source, base_dir, resolve_catalog_references, overridden)
    except ScenarioError as exc:
        first = _first(exc)
        problem = f"{first.field}: {first.problem}" if first.field else first.problem
        raise SweepError(spec.spec_source, "base scenario", problem) from None
