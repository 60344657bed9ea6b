"""One run of a sweep as data: the task an executor runs, how its scenario is built from the base, the one-line
``edgesim run`` command that reproduces it, and the row it gives back (which column of a sweep table is what).

This module sits below both the planner (:mod:`.plan`, which makes tasks) and the executors (:mod:`.executors`,
which run them), so neither imports the other.

Reproducing a run
-----------------
``edgesim run SCENARIO --set PATH=VALUE ... --seed N --duration T`` (:func:`reproduce_command`) applies the same
overrides, in the same order, with the same ``--set`` syntax (:func:`edgesim.sweeps.paths.parse_assignment`), so
it simulates exactly the scenario of the sweep's row and prints the same numbers. Every argument is shell-quoted.

Rows and columns
----------------
A sweep table has one row per run: the metadata columns (:data:`META_COLUMNS`), the varied parameters (named by
their dotted paths), the aggregates over streams and units (:data:`AGGREGATE_COLUMNS`) and the flattened summary
(:func:`flatten_summary`): ``system.avg_power_w``, ``units.NAME.utilization``,
``streams.CAMERA/MODEL.latency_ms.p99`` (nested keys joined by dots; lists of named items keyed by name), other
top-level keys likewise, so keys the summary gains later appear as columns without a change here.
"""
from __future__ import annotations

import copy
import math
import os
import shlex
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import pandas as pd

from ..errors import EdgesimError
from .identity import canonical_json, content_hash
from .paths import PathError, format_assignment, set_path

__all__ = [
    "RunTask", "build_scenario", "run_identity", "label", "reproduce_command", "META_COLUMNS", "AGGREGATE_COLUMNS",
    "parameter_columns", "group_columns", "metric_columns", "EDGESIM_VERSION", "flatten_summary", "describe_error",
    "base_row", "failure_row"
]


# --------------------------------------------------------------------------------------------------
# The task and its scenario
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RunTask:
    """Everything one run needs; picklable and small (the base scenario dict and the overrides).

    Attributes
    ----------
    run_id : str
        Content identity of the run (see :func:`run_identity`); resuming skips a run_id already stored.
    index : int
        Position in the plan (0-based), as the ``index`` column and ``run N`` in messages.
    case : str or None
        Case name, when the sweep has cases.
    params : tuple of (path, value)
        Overrides, applied in order.
    replication : int
        Replication number, from 0.
    seed : int
        The run's scenario seed.
    scenario : mapping
        The base scenario (raw, not validated).
    duration_s : float or None
        Simulated seconds (None: the scenario's).
    source, base_dir : str, str or None
        Where the base scenario came from (messages, relative ``catalog_files``).
    per_stream : bool
        Keep one column per stream and metric.
    command : str
        The one-line ``edgesim run`` command that reproduces the run (empty when the base is not a file).
    """

    run_id: str
    index: int
    case: str | None
    params: tuple[tuple[str, Any], ...]
    replication: int
    seed: int
    scenario: Mapping[str, Any]
    duration_s: float | None = None
    source: str = "<dict>"
    base_dir: str | None = None
    per_stream: bool = True
    max_events: float = 2e8  # the run budget (edgesim.model.run_budget.DEFAULT_MAX_EVENTS unless the sweep raises it)
    command: str = ""


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
    """``run_id``: the content hash of the run's scenario dict (overrides, seed and duration applied).

    A path that does not resolve hashes the base and the overrides instead (the run will fail, but it has an
    identity).
    """
    try:
        data: Any = build_scenario(base, params, seed, duration_s)
    except PathError:
        data = {"base": dict(base), "params": [list(p) for p in params], "seed": seed, "duration_s": duration_s}
    return content_hash(data)


def label(value: Any) -> Any:
    """A parameter value as a result-table cell: scalars as they are, mappings and lists as canonical JSON."""
    if isinstance(value, (dict, list, tuple)):
        return canonical_json(value)
    return value


# --------------------------------------------------------------------------------------------------
# The one-line edgesim run command that reproduces a run
# --------------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------------
# Which column of a sweep table is what
# --------------------------------------------------------------------------------------------------

#: columns every result row has besides the parameters and the metrics
META_COLUMNS = ("run_id", "index", "case", "replication", "seed", "status", "error", "wall_s", "scenario_hash",
                "edgesim_version", "command")

#: aggregates over streams and units, always kept (also without per-stream columns)
AGGREGATE_COLUMNS = ("max_p99_latency_ms", "max_p95_latency_ms", "max_mean_latency_ms", "max_latency_ms", "offered",
                     "completed", "dropped", "drop_rate", "min_fps_ratio", "max_utilization", "max_temp_c")

_METRIC_PREFIXES = ("system.", "units.", "streams.", "pipelines.", "loads.", "device.")
_DERIVED = ("violates",)


def parameter_columns(df: pd.DataFrame) -> list[str]:
    """The varied parameters of a sweep table (``df.attrs['parameters']`` when present, else inferred)."""
    params = df.attrs.get("parameters")
    if params is not None:
        return [p for p in params if p in df.columns]
    known = set(META_COLUMNS) | set(AGGREGATE_COLUMNS) | set(_DERIVED) | {"duration_s", "warmup_s"}
    return [c for c in df.columns if c not in known and not str(c).startswith(_METRIC_PREFIXES)]


def group_columns(df: pd.DataFrame) -> list[str]:
    """Columns that identify a configuration: ``case`` (when used) and the parameters."""
    cols = parameter_columns(df)
    if "case" in df.columns and df["case"].notna().any():
        cols = ["case"] + cols
    return cols


def metric_columns(df: pd.DataFrame) -> list[str]:
    """Numeric result columns (aggregates and flattened summary), not parameters or run metadata."""
    params = set(parameter_columns(df)) | set(META_COLUMNS)
    return [c for c in df.columns if c not in params and pd.api.types.is_numeric_dtype(df[c])
            and not pd.api.types.is_bool_dtype(df[c])]


# --------------------------------------------------------------------------------------------------
# A run's row
# --------------------------------------------------------------------------------------------------

try:  # the installed distribution's version (importing edgesim.__version__ from here would be an import cycle)
    EDGESIM_VERSION = version("edgesim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree that is not installed
    EDGESIM_VERSION = "unknown"

#: top-level summary scalars that are run metadata (already columns, or constant): not flattened
_SUMMARY_META = ("scenario", "source", "seed", "edgesim_version")


def _scalar(value: Any) -> Any:
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            return value.item()
        except (TypeError, ValueError):
            return value
    return value


def _item_name(item: Mapping[str, Any], i: int) -> str:
    if "name" in item:
        return str(item["name"])
    if "camera" in item and "model" in item:
        return f"{item['camera']}/{item['model']}"
    return str(i)


def _flatten_into(out: dict[str, Any], prefix: str, obj: Any, skip: Sequence[str] = ()) -> None:
    if isinstance(obj, Mapping):
        for key, value in obj.items():
            if key in skip:
                continue
            _flatten_into(out, f"{prefix}.{key}" if prefix else str(key), value)
    elif isinstance(obj, (list, tuple)):
        if obj and all(isinstance(x, Mapping) for x in obj):
            for i, item in enumerate(obj):
                _flatten_into(out, f"{prefix}.{_item_name(item, i)}", item, skip=("name", "camera", "model"))
        else:
            out[prefix] = canonical_json(list(obj))
    else:
        out[prefix] = _scalar(obj)


def flatten_summary(summary: Mapping[str, Any], per_stream: bool = True) -> dict[str, Any]:
    """The JSON summary as one flat row, plus system-wide aggregates.

    Aggregates over streams, pipelines (a pipeline's frames count as a stream's: offered, dropped, completed, and
    its frame latency) and units (always kept, also with ``per_stream=False``): ``max_p99_latency_ms`` (and p95,
    mean, max; ``inf`` when a stream or pipeline was offered frames and completed none), ``offered``,
    ``completed``, ``dropped``, ``drop_rate`` (dropped / offered, all streams and pipelines), ``min_fps_ratio`` (min
    achieved / nominal fps), ``max_utilization`` and, when units report it, ``max_temp_c``.
    """
    row: dict[str, Any] = {}
    for key, value in summary.items():
        if key in _SUMMARY_META or (key == "streams" and not per_stream):
            continue
        _flatten_into(row, key, value)
    # a pipeline's frames are offered, dropped and completed as a stream's are (without them a pipeline-only
    # scenario would read drop_rate 0 and no latency however overloaded it is)
    streams = list(summary.get("streams") or []) + list(summary.get("pipelines") or [])
    units = list(summary.get("units") or [])
    for stat, col in (("p99", "max_p99_latency_ms"), ("p95", "max_p95_latency_ms"), ("mean", "max_mean_latency_ms"),
                      ("max", "max_latency_ms")):
        values = []
        for s in streams:
            v = (s.get("latency_ms") or {}).get(stat)
            if v is None:
                if s.get("offered", 0):
                    values.append(math.inf)  # offered frames, completed none: unbounded latency
            else:
                values.append(float(v))
        row[col] = max(values) if values else None
    offered = sum(int(s.get("offered", 0) or 0) for s in streams)
    dropped = sum(int(s.get("dropped", 0) or 0) for s in streams)
    row["offered"] = offered
    row["completed"] = sum(int(s.get("completed", 0) or 0) for s in streams)
    row["dropped"] = dropped
    row["drop_rate"] = dropped / offered if offered else 0.0
    ratios = [float(s["achieved_fps"]) / float(s["nominal_fps"]) for s in streams
              if s.get("nominal_fps") and s.get("achieved_fps") is not None]
    row["min_fps_ratio"] = min(ratios) if ratios else None
    utils = [float(u["utilization"]) for u in units if u.get("utilization") is not None]
    row["max_utilization"] = max(utils) if utils else None
    temps = [float(u["max_temp_c"]) for u in units if u.get("max_temp_c") is not None]
    row["max_temp_c"] = max(temps) if temps else None
    return row


def describe_error(exc: BaseException) -> str:
    """One line: ``Type: message`` (edgesim errors) or ``Type: message (at file:line)`` for others."""
    text = " | ".join(line.strip() for line in str(exc).splitlines() if line.strip()) or repr(exc)
    out = f"{type(exc).__name__}: {text}"
    if not isinstance(exc, EdgesimError):
        tb = traceback.extract_tb(exc.__traceback__)
        if tb:
            frame = tb[-1]
            out += f" (at {os.path.basename(frame.filename)}:{frame.lineno})"
    return out


def base_row(task: RunTask) -> dict[str, Any]:
    """The metadata and parameter columns of a task's row (status ``ok`` until a failure says otherwise)."""
    row: dict[str, Any] = {
        "run_id": task.run_id, "index": task.index, "case": task.case, "replication": task.replication,
        "seed": task.seed, "status": "ok", "error": None, "wall_s": None, "scenario_hash": None,
        "edgesim_version": EDGESIM_VERSION, "command": task.command,
    }
    for path, value in task.params:
        row[path] = label(value)
    return row


def failure_row(task: RunTask, error: str) -> dict[str, Any]:
    """The row of a run that never returned (its worker died, or the executor lost it)."""
    row = base_row(task)
    row["status"] = "failed"
    row["error"] = error
    return row
