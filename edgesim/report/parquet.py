"""Parquet beside every CSV: the same table, typed and compressed, for pandas, Polars, DuckDB or Arrow.

Each ``NAME.csv`` a run writes gets a ``NAME.parquet`` holding exactly what the CSV holds (read back with
pandas, so the two files never disagree on a column, a row or a value's text).
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

__all__ = ["parquet_beside", "write_parquet_beside"]


def parquet_beside(csv_path: str | Path) -> Path:
    """``out/streams.csv`` -> ``out/streams.parquet``."""
    return Path(csv_path).with_suffix(".parquet")


def write_parquet_beside(paths: Iterable[str | Path]) -> list[Path]:
    """Write a Parquet file beside every ``.csv`` among ``paths`` (other files are skipped).

    Parameters
    ----------
    paths : iterable of path
        Files a run wrote.

    Returns
    -------
    list of Path
        The Parquet files written (pyarrow engine), in the order of their CSVs.
    """
    written = []
    for path in paths:
        path = Path(path)
        if path.suffix != ".csv":
            continue
        try:
            frame = pd.read_csv(path)
        except pd.errors.EmptyDataError:  # a table with no columns (e.g. streams of a pipelines-only scenario)
            frame = pd.DataFrame()
        target = parquet_beside(path)
        frame.to_parquet(target, engine="pyarrow", index=False)
        written.append(target)
    return written
