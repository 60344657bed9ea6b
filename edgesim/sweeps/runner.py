"""``edgesim.sweep(...)``: plan the runs, validate every one, skip the finished ones, run the rest, return the table.

Order of work: the plan (every run, its seed and identity) is made and every distinct configuration is validated
(:func:`.plan.validate_plan`) before any run starts, so an invalid plan is an input error (``SweepError``, exit 2), not a
table of failed runs. Then the runs not already in ``out`` are run; a run that fails while running is recorded with
its error and the sweep goes on. ``where`` constraints name result columns: they are checked against the first
finished run's row (a bad column stops the sweep at once, the finished row kept), then marked on every row.
"""
from __future__ import annotations

import importlib.util
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import EdgesimError
from ..spec.schema import ScenarioSpec
from .constraints import Constraint, Constraints, check_columns, parse_constraints, violations
from .errors import SweepError
from .executors import Executor, available_cores, make_executor
from .identity import check_expanded_size
from .inputs import base_scenario, is_sweep_mapping, load_sweep_file, read_yaml_file, spec_from_mapping
from .plan import Domain, PlannedRun, SweepSpec, iter_tasks, parse_domain, plan_runs, validate_plan
from .progress import Progress
from .store import ResultStore, rows_to_frame
from .task import AGGREGATE_COLUMNS, META_COLUMNS

__all__ = ["sweep", "run_sweep", "make_sweep_spec"]


def _base_scenario(scenario: Any) -> tuple[dict[str, Any], str, str | None, SweepSpec | None, dict[str, Any]]:
    """(raw scenario dict, source, base_dir, sweep spec if a sweep was given, sweep-file options)."""
    if isinstance(scenario, SweepSpec):
        return scenario.scenario, scenario.source, scenario.base_dir, scenario, {}
    if isinstance(scenario, (str, Path)):
        path = Path(scenario)
        data = read_yaml_file(path)
        if is_sweep_mapping(data):
            spec, options = load_sweep_file(path)
            return spec.scenario, spec.source, spec.base_dir, spec, options
        return data, str(path), str(path.parent), None, {}
    if isinstance(scenario, Mapping) and is_sweep_mapping(scenario):
        check_expanded_size(scenario, "<dict>")
        spec, options = spec_from_mapping(scenario, "<sweep dict>", None)
        return spec.scenario, spec.source, spec.base_dir, spec, options
    if isinstance(scenario, (Mapping, ScenarioSpec)):
        # a spec gives the document it was made from (catalog references unresolved), so overrides of `device:`
        # re-resolve exactly as on its file (edgesim.api.scenario_document); one it cannot is refused
        base = base_scenario(scenario, "sweep")
        return base.data, base.source, base.base_dir, None, {}
    raise EdgesimError(f"sweep: scenario must be a file path, a dict, a ScenarioSpec or a SweepSpec, got {type(scenario).__name__}")


def make_sweep_spec(scenario: Any, parameters: Mapping[str, Any] | None = None, *, cases: Mapping[str, Mapping[str, Any]] | None = None,
                    replications: int | None = None, samples: int | None = None, seed: int | None = None,
                    duration_s: float | None = None, per_stream: bool | None = None, seed_mode: str | None = None,
                    spec_source: str = "sweep()", max_events: float | None = None) -> tuple[SweepSpec, dict[str, Any]]:
    """Combine a base scenario (or sweep file) with keyword overrides into a validated :class:`SweepSpec`."""
    data, source, base_dir, given, options = _base_scenario(scenario)
    spec = SweepSpec(scenario=data, source=source, base_dir=base_dir, spec_source=spec_source) if given is None else given
    if parameters:
        merged = dict(spec.parameters)
        for path, values in parameters.items():
            merged[str(path)] = values if isinstance(values, Domain) else parse_domain(values, spec_source, f"parameters.{path}")
        spec.parameters = merged
    if cases is not None:
        spec.cases = {str(k): dict(v) for k, v in cases.items()}
    if samples is not None:
        spec.samples = samples
        spec.mode = "random"
    for name, value in (("replications", replications), ("seed", seed), ("duration_s", duration_s),
                        ("per_stream", per_stream), ("seed_mode", seed_mode), ("max_events", max_events)):
        if value is not None:
            setattr(spec, name, value)
    spec.validate()
    return spec, options


def sweep(scenario: Any, parameters: Mapping[str, Any] | None = None, *, cases: Mapping[str, Mapping[str, Any]] | None = None,
          replications: int | None = None, samples: int | None = None, seed: int | None = None,
          duration_s: float | None = None, jobs: int | None = None, executor: str | Executor | None = None,
          scheduler: str | None = None, out: str | Path | None = None, retry_failed: bool = False,
          per_stream: bool | None = None, seed_mode: str | None = None, progress: bool | None = None,
          parquet: bool = False, where: Constraints = None, max_events: float | None = None) -> pd.DataFrame:
    """Run a scenario over a grid (or a random sample) of field values; one row per run.

    Parameters
    ----------
    scenario : path, dict, ScenarioSpec or SweepSpec
        The base scenario (a YAML file or a raw dict; paths apply before validation), or a sweep file
        (a YAML mapping with ``scenario:``, see docs/sweeps.md), whose settings the keywords override.
        A ScenarioSpec from :func:`edgesim.load_scenario` is swept exactly as its file: the overrides apply to the
        document it was made from, before catalog resolution (so ``compute_units.X.device`` changes the device).
        A spec made otherwise that names catalog entries is refused (EdgesimError).
    parameters : mapping, optional
        ``{dotted path: values}``: a list (grid), a single value, or a distribution
        ``{"uniform": [low, high]}`` / ``{"loguniform": [...]}`` / ``{"randint": [low, high]}`` (random mode).
        E.g. ``{"cameras.cam.fps": [15, 30], "compute_units.npu.device": ["hailo8", "hailo8l"]}``.
    cases : mapping, optional
        ``{case name: {dotted path: value}}``: explicit variants crossed with the grid (sites of a city).
    replications : int, optional
        Runs per configuration, each with its own seed (default 1).
    samples : int, optional
        Random sampling: this many draws instead of the full grid.
    seed : int, optional
        Sweep seed (default 0): every run's seed derives from it (``numpy.random.SeedSequence``).
    duration_s : float, optional
        Simulated seconds of every run (default: the scenario's).
    jobs : int, optional
        Worker processes (default: all usable cores; 1 runs serially).
    executor : {"process", "serial", "dask"} or Executor, optional
        Default ``process`` (``serial`` when ``jobs == 1``); ``dask`` starts a LocalCluster unless
        ``scheduler`` names a running one.
    scheduler : str, optional
        Address of a running Dask scheduler (implies ``executor="dask"``).
    out : path, optional
        Directory for ``results.csv`` (written run by run) and ``sweep.json``. Runs already in it are
        skipped (resume). None: nothing is written.
    retry_failed : bool
        Run again the runs recorded as failed in ``out``.
    per_stream : bool, optional
        Keep per-stream columns (default True); aggregates are always kept.
    seed_mode : {"independent", "common"}, optional
        ``common``: replication r of every configuration shares a seed (common random numbers).
    progress : bool, optional
        Progress bar on stderr (default: only when stderr is a terminal).
    parquet : bool
        Also write ``results.parquet`` in ``out`` at the end (needs pyarrow or fastparquet).
    where : list of str or Constraint, optional
        Constraints on result columns (``"drop_rate<=0.01"``): the table gains a ``violates`` column (the
        constraints a run violates, empty when it meets them all). A column no run reports is an error.

    Raises
    ------
    SweepError
        The plan is invalid: a path that does not resolve, or a planned scenario the schema rejects (named by
        its run and field), or a ``where`` constraint that does not parse or names no column.

    Returns
    -------
    pandas.DataFrame
        One row per run, in plan order: ``run_id, index, case, replication, seed, status, error, wall_s,
        scenario_hash, edgesim_version, command`` (the ``edgesim run`` line that reproduces the run), the
        parameters (columns named by their paths), the aggregates
        (``max_p99_latency_ms``, ``drop_rate``, ...) and the flattened summary (``system.avg_power_w``,
        ``units.npu.utilization``, ``streams.cam_0/det.latency_ms.p99``, ...). ``df.attrs`` holds
        ``parameters``, ``total``, ``skipped`` (resumed), ``failed`` and ``out``.
    """
    spec, options = make_sweep_spec(scenario, parameters, cases=cases, replications=replications, samples=samples,
                                    seed=seed, duration_s=duration_s, per_stream=per_stream, seed_mode=seed_mode,
                                    max_events=max_events)
    jobs = jobs if jobs is not None else options.get("jobs")
    out = out if out is not None else options.get("out")
    return run_sweep(spec, jobs=jobs, executor=executor, scheduler=scheduler, out=out, retry_failed=retry_failed,
                     progress=progress, parquet=parquet, where=where)


def _checked_rows(rows: Iterator[dict[str, Any]], where: Sequence[Constraint], store: ResultStore | None,
                  option: str) -> Iterator[dict[str, Any]]:
    """Pass rows through, storing each; check the ``where`` columns against the first successful row."""
    checked = not where
    for row in rows:
        if store is not None:
            store.append(row)
        yield row
        if not checked and row.get("status") == "ok":
            check_columns(where, row.keys(), option)
            checked = True


def run_sweep(spec: SweepSpec, *, jobs: int | None = None, executor: str | Executor | None = None,
              scheduler: str | None = None, out: str | Path | None = None, retry_failed: bool = False,
              progress: bool | None = None, parquet: bool = False, out_option: str = "out",
              where: Constraints = None, where_option: str = "where") -> pd.DataFrame:
    """Run a :class:`SweepSpec` (see :func:`sweep` for the keywords): plan, validate every run, run the rest."""
    constraints = parse_constraints(where, where_option)
    if jobs is not None and (not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1):
        raise SweepError(spec.spec_source, "jobs", f"must be an integer >= 1, got {jobs!r}")
    if parquet and out is None:
        raise SweepError(spec.spec_source, "parquet", "needs an output directory (out)")
    if parquet and not (importlib.util.find_spec("pyarrow") or importlib.util.find_spec("fastparquet")):
        raise SweepError(spec.spec_source, "parquet", "writing Parquet needs pyarrow (pip install pyarrow); CSV is always written")
    runs = plan_runs(spec)
    validate_plan(spec, runs)
    store = ResultStore(out, option=out_option, lock=True) if out is not None else None
    try:
        return _run_locked(spec, runs, store, constraints, jobs=jobs, executor=executor, scheduler=scheduler,
                           out=out, retry_failed=retry_failed, progress=progress, parquet=parquet,
                           where_option=where_option)
    finally:
        if store is not None:
            store.release()


def _run_locked(spec: SweepSpec, runs: list[PlannedRun], store: ResultStore | None, constraints: list[Constraint], *,
                jobs: int | None, executor: str | Executor | None, scheduler: str | None, out: str | Path | None,
                retry_failed: bool, progress: bool | None, parquet: bool, where_option: str) -> pd.DataFrame:
    """The part of :func:`run_sweep` done while holding ``out``'s writer lock (one writer per folder)."""
    finished = store.finished(retry_failed) if store is not None else set()
    if store is not None and constraints and len(store):
        check_columns(constraints, store.header, where_option)
    todo = [r for r in runs if r.run_id not in finished]
    if store is not None:
        store.write_spec({**spec.describe(), "runs": len(runs)})
    rows: list[dict[str, Any]] = []
    bar = Progress(len(runs), skipped=len(runs) - len(todo), enabled=progress)
    try:
        if todo:
            if jobs is None and executor in (None, "process") and not scheduler:
                jobs = min(available_cores(), len(todo))
            with make_executor(executor, jobs=jobs, scheduler=scheduler) as ex:
                for row in _checked_rows(ex.run(iter_tasks(spec, todo)), constraints, store, where_option):
                    if store is None:
                        rows.append(row)
                    bar.update(ok=row.get("status") == "ok")
    finally:
        bar.close()
        if store is not None:
            store.close()
    plan_index = {r.run_id: r.index for r in runs}
    if store is not None:
        store.compact()
        df = store.dataframe(run_ids=plan_index)
        store.close()
    else:
        df = rows_to_frame(rows)
    df = _tidy(df, spec, plan_index)
    if constraints and len(df):
        check_columns(constraints, df.columns, where_option)
        df["violates"] = violations(df, constraints)
    df.attrs.update({"parameters": _param_names(spec), "total": len(runs), "skipped": len(runs) - len(todo),
                     "failed": int((df["status"] != "ok").sum()) if "status" in df.columns else 0,
                     "out": str(out) if out is not None else None})
    if parquet and store is not None:
        store.write_parquet(df)
    return df


def _param_names(spec: SweepSpec) -> list[str]:
    names: list[str] = []
    for overrides in spec.cases.values():
        for path in overrides:
            if path not in names:
                names.append(path)
    for path in spec.parameters:
        if path not in names:
            names.append(path)
    return names


def _tidy(df: pd.DataFrame, spec: SweepSpec, plan_index: Mapping[str, int]) -> pd.DataFrame:
    if df.empty:
        return pd.DataFrame(columns=list(META_COLUMNS) + _param_names(spec))
    df = df.copy()
    df["index"] = df["run_id"].map(plan_index)
    df = df.sort_values("index", kind="stable").reset_index(drop=True)
    params = [p for p in _param_names(spec) if p in df.columns]
    aggregates = [c for c in AGGREGATE_COLUMNS if c in df.columns]
    first = [c for c in META_COLUMNS if c in df.columns] + params + aggregates
    rest = [c for c in df.columns if c not in first]
    return df[first + rest]
