"""What a sweep runs: the sweep specification and the list of runs, each with its seed and identity.

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
"""
from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..model.run_budget import DEFAULT_MAX_EVENTS
from .columns import META_COLUMNS
from .command import reproduce_command
from .domain import Domain, is_number
from .errors import SweepError
from .identity import content_hash, run_seed
from .paths import PathError, parse_path, set_path
from .task import RunTask, run_identity

__all__ = ["SweepSpec", "PlannedRun", "plan_runs", "iter_tasks", "grid_size"]


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
