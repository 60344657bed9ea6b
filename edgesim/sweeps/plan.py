"""What a sweep runs: the sweep specification, the list of runs, and each run's seed and identity.

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

A run's identity (``run_id``, used to resume) is the SHA-256 of the scenario dict after the overrides,
with the run's seed and duration written into it: the same configuration run again is recognised, a
changed base scenario is not mistaken for a finished run.
"""
from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ScenarioError
from .paths import PathError, parse_path, set_path

if TYPE_CHECKING:  # pragma: no cover
    from .executors import RunTask

#: columns every result row has besides the parameters and the metrics
META_COLUMNS = ("run_id", "index", "case", "replication", "seed", "status", "error", "wall_s", "scenario_hash",
                "edgesim_version")
RANDOM_KINDS = ("uniform", "loguniform", "randint", "choice")
GRID_KINDS = ("values", "range", "linspace")


class SweepError(ScenarioError):
    """A sweep specification (file, ``--set`` option or argument) is invalid."""


def canonical_json(obj: Any) -> str:
    """Deterministic JSON (sorted keys, no spaces, numpy scalars as Python numbers)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=_json_default, allow_nan=True)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, (tuple, set)):
        return list(obj)
    if isinstance(obj, Path):
        return str(obj)
    return str(obj)


def content_hash(obj: Any, n_hex: int = 16) -> str:
    return hashlib.sha256(canonical_json(obj).encode()).hexdigest()[:n_hex]


# --------------------------------------------------------------------------------------------------
# Parameter domains
# --------------------------------------------------------------------------------------------------

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
        if not (isinstance(arg, list) and len(arg) in (2, 3) and all(_is_number(a) for a in arg)):
            raise SweepError(source, f"{field}.range", "must be [start, stop] or [start, stop, step] (stop excluded)")
        start, stop = arg[0], arg[1]
        step = arg[2] if len(arg) == 3 else 1
        if step == 0:
            raise SweepError(source, f"{field}.range", "step must not be 0")
        values = list(np.arange(start, stop, step))
        values = [int(v) if all(isinstance(a, int) for a in arg) else float(v) for v in values]
        if not values:
            raise SweepError(source, f"{field}.range", f"{arg} holds no value")
        return Domain("values", tuple(values))
    if kind == "linspace":
        if not (isinstance(arg, list) and len(arg) == 3 and all(_is_number(a) for a in arg) and int(arg[2]) >= 1):
            raise SweepError(source, f"{field}.linspace", "must be [start, stop, n] with n >= 1")
        return Domain("values", tuple(float(v) for v in np.linspace(arg[0], arg[1], int(arg[2]))))
    if kind in ("uniform", "loguniform", "randint"):
        if not (isinstance(arg, list) and len(arg) == 2 and all(_is_number(a) for a in arg) and arg[0] <= arg[1]):
            raise SweepError(source, f"{field}.{kind}", "must be [low, high] with low <= high")
        if kind == "loguniform" and arg[0] <= 0:
            raise SweepError(source, f"{field}.loguniform", "low must be > 0")
        if kind == "randint" and not all(isinstance(a, int) for a in arg):
            raise SweepError(source, f"{field}.randint", "low and high must be integers")
        return Domain(kind, (), float(arg[0]), float(arg[1]))
    # a one-key mapping that is not a domain keyword is a plain value (e.g. a whole item to swap in)
    return Domain("values", (raw,))


def _is_number(x: Any) -> bool:
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
        if self.duration_s is not None and (not _is_number(self.duration_s) or not self.duration_s > 0):
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


def run_seed(sweep_seed: int, params: Sequence[tuple[str, Any]], replication: int, case: str | None = None,
             seed_mode: str = "independent") -> int:
    """The seed of one run (see the module docstring): a 63-bit integer from the SeedSequence tree."""
    if seed_mode == "common":
        key: tuple[int, ...] = (int(replication),)
    else:
        digest = hashlib.sha256(canonical_json({"case": case, "params": sorted(params, key=lambda p: p[0])}).encode()).digest()
        words = tuple(int.from_bytes(digest[4 * i: 4 * i + 4], "little") for i in range(4))
        key = words + (int(replication),)
    state = np.random.SeedSequence(sweep_seed, spawn_key=key).generate_state(2, np.uint32)
    return (int(state[0]) | (int(state[1]) << 32)) >> 1


def build_scenario(base: Mapping[str, Any], params: Sequence[tuple[str, Any]], seed: int | None,
                   duration_s: float | None) -> dict[str, Any]:
    """The run's scenario dict: the base, then ``duration_s``, then each override in order, then the seed.

    Raises :class:`~edgesim.sweeps.paths.PathError` when a path does not resolve.
    """
    data = copy.deepcopy(dict(base))
    if duration_s is not None:
        data["duration_s"] = duration_s
    for path, value in params:
        set_path(data, path, copy.deepcopy(value))
    if seed is not None:
        data["seed"] = seed
    return data


def run_identity(base: Mapping[str, Any], params: Sequence[tuple[str, Any]], seed: int, duration_s: float | None) -> str:
    """``run_id``: hash of the run's scenario dict (overrides, seed and duration applied)."""
    try:
        data: Any = build_scenario(base, params, seed, duration_s)
    except PathError:
        data = {"base": dict(base), "params": list(params), "seed": seed, "duration_s": duration_s}
    return content_hash(data)


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


def label(value: Any) -> Any:
    """A parameter value as a result-table cell: scalars as they are, mappings/lists as canonical JSON."""
    if isinstance(value, (dict, list, tuple)):
        return canonical_json(value)
    return value


def iter_tasks(spec: SweepSpec, runs: Iterable[PlannedRun]) -> Iterable[RunTask]:
    from .executors import RunTask

    for run in runs:
        yield RunTask(run_id=run.run_id, index=run.index, case=run.case, params=run.params, replication=run.replication,
                      seed=run.seed, scenario=spec.scenario, duration_s=spec.duration_s, source=spec.source,
                      base_dir=spec.base_dir, per_stream=spec.per_stream)


# --------------------------------------------------------------------------------------------------
# Sweep files
# --------------------------------------------------------------------------------------------------

SWEEP_KEYS = ("scenario", "parameters", "cases", "mode", "samples", "replications", "seed", "duration_s",
              "seed_mode", "per_stream", "jobs", "out", "pareto")


def is_sweep_mapping(data: Mapping[str, Any]) -> bool:
    """A sweep file names a ``scenario`` (a scenario file never has that key)."""
    return isinstance(data, Mapping) and "scenario" in data


def spec_from_mapping(data: Mapping[str, Any], source: str, base_dir: Path | None) -> tuple[SweepSpec, dict[str, Any]]:
    """A :class:`SweepSpec` from a sweep document, and the document's run options (``jobs``, ``out``, ``pareto``).

    Paths in the document (``scenario``, ``out``) are relative to ``base_dir`` (the sweep file's folder).
    """
    from ..spec.load import read_scenario_dict

    unknown = [k for k in data if k not in SWEEP_KEYS]
    if unknown:
        raise SweepError(source, str(unknown[0]), f"unknown key (allowed: {', '.join(SWEEP_KEYS)})")
    raw = data.get("scenario")
    if isinstance(raw, str):
        path = Path(raw)
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        if not path.exists():
            raise SweepError(source, "scenario", f"file not found: {path}")
        scenario = read_scenario_dict(path)
        scenario_source, scenario_dir = str(path), str(path.parent)
    elif isinstance(raw, dict):
        scenario, scenario_source, scenario_dir = dict(raw), f"{source}#scenario", str(base_dir) if base_dir else None
    else:
        raise SweepError(source, "scenario", "must be a scenario file path or an inline scenario mapping")
    params_raw = data.get("parameters") or {}
    if not isinstance(params_raw, dict):
        raise SweepError(source, "parameters", "must be a mapping of dotted path -> values")
    parameters = {str(p): parse_domain(v, source, f"parameters.{p}") for p, v in params_raw.items()}
    cases_raw = data.get("cases") or {}
    if isinstance(cases_raw, list):
        cases = {f"case_{i}": c for i, c in enumerate(cases_raw)}
    elif isinstance(cases_raw, dict):
        cases = {str(k): v for k, v in cases_raw.items()}
    else:
        raise SweepError(source, "cases", "must be a mapping name -> {dotted path: value} (or a list of such mappings)")
    mode = data.get("mode", "random" if data.get("samples") is not None else "grid")
    spec = SweepSpec(
        scenario=scenario, parameters=parameters, cases=cases, mode=mode, samples=data.get("samples"),
        replications=data.get("replications", 1), seed=data.get("seed", 0), duration_s=data.get("duration_s"),
        seed_mode=data.get("seed_mode", "independent"), per_stream=bool(data.get("per_stream", True)),
        source=scenario_source, base_dir=scenario_dir, spec_source=source,
    )
    spec.validate()
    options: dict[str, Any] = {}
    if data.get("jobs") is not None:
        jobs = data["jobs"]
        if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
            raise SweepError(source, "jobs", f"must be an integer >= 1, got {jobs!r}")
        options["jobs"] = jobs
    if data.get("out") is not None:
        out = Path(str(data["out"]))
        options["out"] = str(out if out.is_absolute() or base_dir is None else base_dir / out)
    if data.get("pareto") is not None:
        pareto = data["pareto"]
        if not isinstance(pareto, dict) or len(pareto) < 2 or any(v not in ("min", "max") for v in pareto.values()):
            raise SweepError(source, "pareto", "must map at least two result columns to 'min' or 'max'")
        options["pareto"] = dict(pareto)
    return spec, options


def load_sweep_file(path: str | Path) -> tuple[SweepSpec, dict[str, Any]]:
    """Read a sweep YAML file (see docs/sweeps.md)."""
    from ..spec.load import read_scenario_dict

    path = Path(path)
    data = read_scenario_dict(path)
    if not is_sweep_mapping(data):
        raise SweepError(str(path), "scenario", "a sweep file names its base scenario (scenario: FILE)")
    return spec_from_mapping(data, str(path), path.parent)
