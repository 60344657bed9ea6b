"""A run's result row: the JSON summary flattened into columns, plus aggregates; the row of a failed run.

Naming: ``system.avg_power_w``, ``units.NAME.utilization``, ``streams.CAMERA/MODEL.latency_ms.p99`` (nested
keys joined by dots; lists of named items keyed by name), other top-level keys likewise, so keys the summary
gains later appear as columns without a change here.
"""
from __future__ import annotations

import math
import os
import traceback
from collections.abc import Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from ..errors import EdgesimError
from .identity import canonical_json
from .task import RunTask, label

__all__ = ["EDGESIM_VERSION", "flatten_summary", "describe_error", "base_row", "failure_row"]

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

    Aggregates over streams and units (always kept, also with ``per_stream=False``): ``max_p99_latency_ms`` (and
    p95, mean, max; ``inf`` when a stream was offered frames and completed none), ``offered``, ``completed``,
    ``dropped``, ``drop_rate`` (dropped / offered, all streams), ``min_fps_ratio`` (min achieved / nominal fps),
    ``max_utilization`` and, when units report it, ``max_temp_c``.
    """
    row: dict[str, Any] = {}
    for key, value in summary.items():
        if key in _SUMMARY_META or (key == "streams" and not per_stream):
            continue
        _flatten_into(row, key, value)
    streams = list(summary.get("streams") or [])
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
