"""Sweep results on disk, written as each run finishes, so a crash loses nothing already finished.

A sweep directory holds

- ``results.csv``: one row per finished run. Each row is appended, flushed and fsync'ed as the run
  finishes. Runs may bring new columns (a new device reports a temperature, a larger camera count adds
  stream columns): the file is then rewritten once with the union header (written to a temporary file,
  fsync'ed, renamed over the old one, so it is never half-written). Every value is one physical line
  (newlines in error messages are replaced), so a row cut short by a crash is recognised (the file does
  not end with a newline) and dropped when the directory is opened again.
- ``sweep.json``: what the sweep was (scenario, parameters, seed), for people; resuming does not need it.
- ``.edgesim.lock``: **one writer per folder.** A sweep holds an exclusive ``fcntl.flock`` on this file (it holds
  the writer's pid while held) from before it reads which runs are finished until its last row is written. A
  second sweep into the same folder does not wait: it stops at once with a :class:`StoreError` (exit 2 on the
  CLI) naming the lock and the pid holding it. The operating system releases the lock when the holder exits,
  however it exits (a killed sweep leaves no stale lock); the empty file stays in the folder. Where ``fcntl`` is
  missing (Windows) the lock is the file itself, created with ``O_EXCL`` and removed at the end; one left by a
  process that no longer runs is taken over.

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
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import EdgesimError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["RESULTS", "SPEC", "LOCK", "StoreError", "ResultStore", "read_table", "rows_to_frame"]

RESULTS = "results.csv"
SPEC = "sweep.json"
LOCK = ".edgesim.lock"


class StoreError(EdgesimError):
    """The sweep directory cannot be read or written."""


def _csv_cell(value: Any) -> str:
    """A value as a results.csv cell that reads back exactly (a float by its shortest round-trip repr): storage, not
    display, so not :func:`edgesim.fmt.fmt`."""
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
        return _csv_cell(value.item())
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
        buf.write(_line(_csv_cell(row.get(k)) for k in header))
    buf.seek(0)
    return read_table(buf)


class ResultStore:
    """Incremental CSV of run rows in ``directory`` (created if missing).

    Parameters
    ----------
    directory : path
        The sweep folder.
    option : str
        How messages name the folder's option (``--out``, ``out``).
    lock : bool
        Take the folder's writer lock now, before reading the table (a sweep does: the finished runs it reads
        stay finished and no one else appends). Without it the store reads without writing anything (a row cut
        short is skipped, not truncated); its first write takes the lock.

    Raises
    ------
    StoreError
        The folder cannot be written, or another process holds its lock.
    """

    def __init__(self, directory: str | Path, option: str = "--out", lock: bool = False):
        self.dir = Path(directory)
        self.option = option
        self.path = self.dir / RESULTS
        self.lock_path = self.dir / LOCK
        self._lock_fd: int | None = None
        self._lock_owned_file = False
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{self.dir}: {option}: cannot write there ({exc.strerror or exc})") from None
        self.header: list[str] = []
        self._rows: list[dict[str, str]] = []  # as read from disk (strings), for rewrites
        self._fh: Any = None
        self._loaded = False
        if lock:
            self.acquire()
        self._load()
        self._loaded = True

    # -- the writer lock -------------------------------------------------------------------------

    @property
    def locked(self) -> bool:
        """Whether this store holds the folder's writer lock."""
        return self._lock_fd is not None

    def _busy(self, holder: str) -> StoreError:
        who = f"pid {holder}" if holder else "another process"
        return StoreError(f"{self.dir}: {self.option}: another edgesim sweep ({who}) is writing this folder "
                          f"(lock {self.lock_path}); wait for it to finish, or use another {self.option}")

    def _holder(self) -> str:
        try:
            return self.lock_path.read_text(encoding="utf-8", errors="replace").split(maxsplit=1)[0]
        except (OSError, IndexError):
            return ""

    def acquire(self) -> None:
        """Take the folder's writer lock (no-op when held); :class:`StoreError` at once when another holds it."""
        if self._lock_fd is not None:
            return
        stamp = f"{os.getpid()} {' '.join(sys.argv[:3])}\n".encode("utf-8", errors="replace")
        try:
            if fcntl is not None:
                fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    raise self._busy(self._holder()) from None
                os.ftruncate(fd, 0)
                os.write(fd, stamp)
            else:  # pragma: no cover - Windows: an O_EXCL lock file, taken over when its process is gone
                fd = self._exclusive_file(stamp)
        except OSError as exc:
            raise StoreError(f"{self.dir}: {self.option}: cannot write there ({exc.strerror or exc})") from None
        self._lock_fd = fd
        if self._loaded:  # read before the lock was ours: read again, as the writer (another may have written since)
            self.header, self._rows = [], []
            self._load()

    def _exclusive_file(self, stamp: bytes) -> int:  # pragma: no cover - Windows
        for _ in range(2):
            try:
                fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                holder = self._holder()
                if holder.isdigit() and _pid_alive(int(holder)):
                    raise self._busy(holder) from None
                self.lock_path.unlink(missing_ok=True)  # its process is gone: a stale lock
                continue
            os.write(fd, stamp)
            self._lock_owned_file = True
            return fd
        raise self._busy(self._holder())

    def release(self) -> None:
        """Close the table and give the writer lock back (the lock file stays, empty)."""
        self.close()
        fd, self._lock_fd = self._lock_fd, None
        if fd is None:
            return
        try:
            if self._lock_owned_file:  # pragma: no cover - Windows
                os.close(fd)
                self.lock_path.unlink(missing_ok=True)
            else:
                os.ftruncate(fd, 0)
                os.close(fd)  # closing the descriptor releases the flock
        except OSError:
            pass

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()

    def __del__(self) -> None:
        try:
            self.release()
        except Exception:  # noqa: BLE001, S110 - interpreter shutdown
            pass

    # -- reading ---------------------------------------------------------------------------------

    def _load(self) -> None:
        if not self.path.exists():
            return
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot read ({exc.strerror or exc})") from None
        if raw and not raw.endswith(b"\n"):  # a row cut short by a crash (or being written, if unlocked): drop it
            cut = raw.rfind(b"\n") + 1
            raw = raw[:cut]
            if self.locked:  # only the writer truncates the file: without the lock the row may be in progress
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
        self.acquire()
        cells = {key: _csv_cell(value) for key, value in row.items()}
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
        self.acquire()
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
        self.acquire()
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
        self.acquire()
        try:
            path = self.dir / "results.parquet"
            df.to_parquet(path, index=False)
            return path
        except ImportError:
            return None


def _pid_alive(pid: int) -> bool:  # pragma: no cover - Windows fallback only
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True
