"""Which column of a sweep table is what: run metadata, parameters, aggregates, metrics.

A sweep table has one row per run: the metadata columns (:data:`META_COLUMNS`), the varied parameters (named by
their dotted paths), the aggregates over streams and units (:data:`AGGREGATE_COLUMNS`) and the flattened summary
(``system.avg_power_w``, ``units.npu.utilization``, ``streams.cam_0/det.latency_ms.p99``, ...).
"""
from __future__ import annotations

import pandas as pd

__all__ = ["META_COLUMNS", "AGGREGATE_COLUMNS", "parameter_columns", "group_columns", "metric_columns"]

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
