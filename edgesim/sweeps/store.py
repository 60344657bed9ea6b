"""Sweep results on disk, written as each run finishes, so a crash loses nothing already finished.

A sweep directory holds

- ``results.csv``: one row per finished run. Each row is appended, flushed and fsync'ed as the run
  finishes. Runs may bring new columns (a new device reports a temperature, a larger camera count adds
  stream columns): the file is then rewritten once with the union header (written to a temporary file,
  fsync'ed, renamed over the old one, so it is never half-written). Every value is one physical line
  (newlines in error messages are replaced), so a row cut short by a crash is recognised (the file does
  not end with a newline) and dropped when the directory is opened again.
- ``sweep.json``: what the sweep was (scenario, parameters, seed), for people; resuming does not need it.

Resuming: a run whose ``run_id`` (its content hash, see :mod:`edgesim.sweeps.plan`) is in ``results.csv``
is not run again. Failed runs count as finished unless ``retry_failed``; a retried run's new row
supersedes the old one when the table is read (and ``compact()`` drops superseded rows), so the table
has each run exactly once.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import EdgesimError

__all__ = ["RESULTS", "SPEC", "StoreError", "ResultStore", "read_table", "rows_to_frame"]

RESULTS = "results.csv"
SPEC = "sweep.json"


class StoreError(EdgesimError):
    """The sweep directory cannot be read or written."""


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return repr(value)  # shortest repr that round-trips exactly
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (dict, list, tuple)):
        value = json.dumps(value, sort_keys=True, separators=(",", ":"))
    if hasattr(value, "item"):
        return _cell(value.item())
    text = str(value)
    return text.replace("\r", " ").replace("\n", " | ")


def _line(values: Iterable[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(list(values))
    return buf.getvalue()


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def read_table(source: Any) -> pd.DataFrame:
    """Read a results CSV (path or text buffer): exact floats, empty cells as missing."""
    kwargs: dict[str, Any] = {"keep_default_na": False, "na_values": [""], "on_bad_lines": "skip", "low_memory": False}
    if int(pd.__version__.split(".")[0]) < 3:  # pandas 3 parses floats exactly by default
        kwargs["float_precision"] = "round_trip"
    return pd.read_csv(source, **kwargs)


def rows_to_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Rows as the same DataFrame they give after a round trip through ``results.csv`` (same dtypes)."""
    header: list[str] = []
    for row in rows:
        header += [k for k in row if k not in header]
    if not rows:
        return pd.DataFrame(columns=header)
    buf = io.StringIO()
    buf.write(_line(header))
    for row in rows:
        buf.write(_line(_cell(row.get(k)) for k in header))
    buf.seek(0)
    return read_table(buf)


class ResultStore:
    """Incremental CSV of run rows in ``directory`` (created if missing)."""

    def __init__(self, directory: str | Path, option: str = "--out"):
        self.dir = Path(directory)
        self.option = option
        self.path = self.dir / RESULTS
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            probe = self.dir / ".edgesim-write-test"
            probe.write_text("")
            probe.unlink()
        except OSError as exc:
            raise StoreError(f"{self.dir}: {option}: cannot write there ({exc.strerror or exc})") from None
        self.header: list[str] = []
        self._rows: list[dict[str, str]] = []  # as read from disk (strings), for rewrites
        self._fh: Any = None
        self._load()

    # -- reading ---------------------------------------------------------------------------------

    def _load(self) -> None:
        if not self.path.exists():
            return
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot read ({exc.strerror or exc})") from None
        if raw and not raw.endswith(b"\n"):  # a row cut short by a crash: drop it
            cut = raw.rfind(b"\n") + 1
            raw = raw[:cut]
            with open(self.path, "r+b") as fh:
                fh.truncate(cut)
                fh.flush()
                os.fsync(fh.fileno())
        text = raw.decode("utf-8", errors="replace")
        reader = csv.reader(io.StringIO(text))
        rows = list(reader)
        if not rows:
            return
        self.header = rows[0]
        if "run_id" not in self.header:
            raise StoreError(f"{self.path}: not an edgesim sweep table (no run_id column); use another {self.option}")
        for values in rows[1:]:
            if len(values) != len(self.header):
                continue  # damaged line: ignored (the run will be done again)
            self._rows.append(dict(zip(self.header, values)))

    def finished(self, retry_failed: bool = False) -> set[str]:
        """run_ids already in the table (only the ``ok`` ones when ``retry_failed``)."""
        latest: dict[str, str] = {}
        for row in self._rows:
            latest[row["run_id"]] = row.get("status", "")
        return {rid for rid, status in latest.items() if status == "ok" or not retry_failed}

    def __len__(self) -> int:
        return len({row["run_id"] for row in self._rows})

    def dataframe(self, run_ids: Iterable[str] | None = None) -> pd.DataFrame:
        """The table (one row per run_id, the latest wins), optionally only ``run_ids``."""
        self.flush()
        if not self.path.exists() or not self._rows:
            return pd.DataFrame(columns=self.header or ["run_id"])
        df = read_table(self.path)
        df = df.drop_duplicates("run_id", keep="last")
        if run_ids is not None:
            wanted = set(run_ids)
            df = df[df["run_id"].isin(wanted)]
        return df.reset_index(drop=True)

    # -- writing ---------------------------------------------------------------------------------

    def append(self, row: Mapping[str, Any]) -> None:
        """Write one finished run: appended, flushed and fsync'ed before this returns."""
        cells = {key: _cell(value) for key, value in row.items()}
        new = [key for key in cells if key not in self.header]
        self._rows.append(cells)
        if new or not self.path.exists():
            self.header = self.header + new
            self._rewrite()
            return
        fh = self._open()
        fh.write(_line(cells.get(key, "") for key in self.header))
        fh.flush()
        os.fsync(fh.fileno())

    def _open(self) -> Any:
        if self._fh is None:
            self._fh = open(self.path, "a", encoding="utf-8", newline="")
        return self._fh

    def _rewrite(self, rows: list[dict[str, str]] | None = None) -> None:
        self.close()
        rows = self._rows if rows is None else rows
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                fh.write(_line(self.header))
                for r in rows:
                    fh.write(_line(r.get(key, "") for key in self.header))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
            _fsync_dir(self.dir)
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot write ({exc.strerror or exc})") from None

    def compact(self) -> None:
        """Drop rows superseded by a later row of the same run (after retried failures)."""
        latest: dict[str, dict[str, str]] = {}
        for r in self._rows:
            latest.pop(r["run_id"], None)
            latest[r["run_id"]] = r
        if len(latest) != len(self._rows):
            self._rows = list(latest.values())
            self._rewrite()

    def write_spec(self, description: Mapping[str, Any]) -> None:
        try:
            (self.dir / SPEC).write_text(json.dumps(description, indent=2, default=str) + "\n", encoding="utf-8")
        except OSError as exc:
            raise StoreError(f"{self.dir / SPEC}: cannot write ({exc.strerror or exc})") from None

    def flush(self) -> None:
        if self._fh is not None:
            self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def write_parquet(self, df: pd.DataFrame) -> Path | None:
        """Also write ``results.parquet`` when a Parquet engine (pyarrow or fastparquet) is installed."""
        try:
            path = self.dir / "results.parquet"
            df.to_parquet(path, index=False)
            return path
        except ImportError:
            return None
