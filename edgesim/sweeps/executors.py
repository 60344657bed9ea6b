"""Running the runs of a sweep: in this process, on a local process pool, or on a Dask cluster.

Every executor runs the same pure function, :func:`execute_run`, on a :class:`RunTask` (the base scenario,
the overrides, the seed) and yields its result row as each run finishes. The row depends only on the task,
never on the executor or the order, so every executor gives the same table (``wall_s`` aside).

- :class:`SerialExecutor`: one run after another in this process.
- :class:`ProcessExecutor`: ``concurrent.futures.ProcessPoolExecutor`` with ``jobs`` workers (default:
  every core the process may use). On Linux the workers are forked (a few milliseconds, modules already
  imported) while the parent runs a single thread, else they come from a ``forkserver`` that has imported
  edgesim once (forking a threaded process can deadlock); elsewhere they are spawned. At most
  ``4 x jobs`` runs are in flight, so a sweep of a million runs does not hold a million futures.
- :class:`DaskExecutor`: ``distributed.Client`` on a running scheduler (``scheduler="tcp://host:8786"``) or
  on a ``LocalCluster`` it starts (``scheduler=None``). Workers need edgesim installed (the same version);
  the scenario travels with each task, but ``catalog_files`` named by a scenario must exist on the workers.

A run that raises (bad combination, simulation error) is caught inside :func:`execute_run` and comes back
as a row with ``status = "failed"`` and its error. Infrastructure failures (a worker process killed) are
turned into such rows too: the process pool is restarted and the runs it lost are retried one at a time;
one that kills its worker twice while running alone is recorded as failed (``WorkerDied``).
"""
from __future__ import annotations

import math
import os
import sys
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from typing import Any

from ..errors import EdgesimError


@dataclass(frozen=True)
class RunTask:
    """Everything one run needs; picklable, small (the base scenario dict and the overrides)."""

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


# --------------------------------------------------------------------------------------------------
# One run
# --------------------------------------------------------------------------------------------------

def execute_run(task: RunTask) -> dict[str, Any]:
    """Build the run's scenario, validate it, simulate it and flatten the summary into one row.

    Never raises for a problem of the run itself: the row then has ``status = "failed"`` and ``error``.
    """
    from pathlib import Path

    from .. import __version__
    from ..api import simulate
    from ..spec.load import scenario_from_dict
    from .plan import build_scenario, content_hash, label

    t0 = time.perf_counter()
    row: dict[str, Any] = {
        "run_id": task.run_id, "index": task.index, "case": task.case, "replication": task.replication,
        "seed": task.seed, "status": "ok", "error": None, "wall_s": None, "scenario_hash": None,
        "edgesim_version": __version__,
    }
    for path, value in task.params:
        row[path] = label(value)
    try:
        data = build_scenario(task.scenario, task.params, task.seed, task.duration_s)
        spec = scenario_from_dict(data, source=task.source, base_dir=Path(task.base_dir) if task.base_dir else None)
        row["scenario_hash"] = content_hash(spec.model_dump(mode="json", exclude={"source"}))
        result = simulate(spec)
        row.update(flatten_summary(result.summary, per_stream=task.per_stream))
    except Exception as exc:  # noqa: BLE001 - a failed run is data, the sweep goes on
        row["status"] = "failed"
        row["error"] = describe_error(exc)
    row["wall_s"] = time.perf_counter() - t0
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


def _scalar(value: Any) -> Any:
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            return value.item()
        except (TypeError, ValueError):
            return value
    return value


def _flatten_into(out: dict[str, Any], prefix: str, obj: Any, skip: Sequence[str] = ()) -> None:
    if isinstance(obj, Mapping):
        for key, value in obj.items():
            if key in skip:
                continue
            _flatten_into(out, f"{prefix}.{key}" if prefix else str(key), value)
    elif isinstance(obj, (list, tuple)):
        if all(isinstance(x, Mapping) for x in obj) and obj:
            for i, item in enumerate(obj):
                name = _item_name(item, i)
                _flatten_into(out, f"{prefix}.{name}", item, skip=("name", "camera", "model"))
        else:
            from .plan import canonical_json

            out[prefix] = canonical_json(list(obj))
    else:
        out[prefix] = _scalar(obj)


def _item_name(item: Mapping[str, Any], i: int) -> str:
    if "name" in item:
        return str(item["name"])
    if "camera" in item and "model" in item:
        return f"{item['camera']}/{item['model']}"
    return str(i)


#: top-level summary scalars that are run metadata (already columns, or constant): not flattened
_SUMMARY_META = ("scenario", "source", "seed", "edgesim_version")

AGGREGATE_COLUMNS = ("max_p99_latency_ms", "max_p95_latency_ms", "max_mean_latency_ms", "max_latency_ms", "offered",
                     "completed", "dropped", "drop_rate", "min_fps_ratio", "max_utilization", "max_temp_c")


def flatten_summary(summary: Mapping[str, Any], per_stream: bool = True) -> dict[str, Any]:
    """The JSON summary as one flat row, plus system-wide aggregates.

    Naming: ``system.avg_power_w``, ``units.NAME.utilization``, ``streams.CAMERA/MODEL.latency_ms.p99``
    (nested keys joined by dots; lists of named items keyed by name), other top-level keys likewise, so
    keys the summary gains later appear as columns without a change here. Aggregates over streams and
    units (always kept, also with ``per_stream=False``): ``max_p99_latency_ms`` (and p95, mean, max;
    ``inf`` when a stream was offered frames and completed none), ``offered``, ``completed``, ``dropped``,
    ``drop_rate`` (dropped / offered, all streams), ``min_fps_ratio`` (min achieved / nominal fps),
    ``max_utilization`` and, when units report it, ``max_temp_c``.
    """
    row: dict[str, Any] = {}
    for key, value in summary.items():
        if key in _SUMMARY_META:
            continue
        if key == "streams" and not per_stream:
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


def failure_row(task: RunTask, error: str) -> dict[str, Any]:
    """The row of a run that never returned (its worker died)."""
    from .. import __version__
    from .plan import label

    row: dict[str, Any] = {"run_id": task.run_id, "index": task.index, "case": task.case, "replication": task.replication,
                           "seed": task.seed, "status": "failed", "error": error, "wall_s": None, "scenario_hash": None,
                           "edgesim_version": __version__}
    for path, value in task.params:
        row[path] = label(value)
    return row


# --------------------------------------------------------------------------------------------------
# Executors
# --------------------------------------------------------------------------------------------------

def available_cores() -> int:
    """CPU cores this process may use (affinity-aware where the OS says)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class Executor:
    """Runs tasks and yields result rows in completion order. Use as a context manager."""

    name = "executor"
    workers = 1

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:  # pragma: no cover - trivial
        pass

    def run(self, tasks: Iterable[RunTask], fn: Callable[[RunTask], dict[str, Any]] = execute_run) -> Iterator[dict[str, Any]]:
        raise NotImplementedError


class SerialExecutor(Executor):
    """One run after another, in this process."""

    name = "serial"

    def run(self, tasks: Iterable[RunTask], fn: Callable[[RunTask], dict[str, Any]] = execute_run) -> Iterator[dict[str, Any]]:
        for task in tasks:
            yield fn(task)


def _pool_context() -> Any:
    """``fork`` on Linux while this process runs a single thread (workers start in milliseconds and inherit
    the imported modules; the script is not imported again); ``forkserver`` when other threads run (forking
    a threaded process can deadlock); ``spawn`` elsewhere (macOS, Windows: guard scripts with
    ``if __name__ == "__main__":``)."""
    import multiprocessing as mp
    import threading

    if sys.platform.startswith("linux"):
        if threading.active_count() == 1:
            return mp.get_context("fork")
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["edgesim.sweeps.executors", "edgesim.api", "edgesim.spec.load"])
        return ctx
    return mp.get_context("spawn")


class ProcessExecutor(Executor):
    """A local ``ProcessPoolExecutor`` with ``jobs`` workers (default: all usable cores)."""

    name = "process"

    def __init__(self, jobs: int | None = None):
        self.workers = jobs or available_cores()
        self._pool: Any = None
        self._context: Any = None  # chosen at the first start, kept for restarts

    def _start(self) -> Any:
        from concurrent.futures import ProcessPoolExecutor

        if self._pool is None:
            if self._context is None:
                self._context = _pool_context()
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=self._context)
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def run(self, tasks: Iterable[RunTask], fn: Callable[[RunTask], dict[str, Any]] = execute_run) -> Iterator[dict[str, Any]]:
        """Yield result rows as runs finish.

        When a worker dies, the pool is restarted and the runs that were in flight become suspects: each is
        run again *alone*. One that kills its worker twice while running alone (a crash that repeats, not a
        one-off) is recorded as failed (``WorkerDied``); the others complete normally. Then the sweep goes on
        at full width.
        """
        from concurrent.futures.process import BrokenProcessPool

        pending = iter(tasks)
        suspects: deque[RunTask] = deque()
        deaths: dict[str, int] = {}  # run_id -> times it killed its worker while running alone
        in_flight: dict[Future, RunTask] = {}
        window = 4 * self.workers
        try:
            while True:
                pool = self._start()
                isolated = bool(suspects)
                batch: list[RunTask] = []
                if suspects:
                    if not in_flight:
                        batch.append(suspects.popleft())
                else:
                    while len(in_flight) + len(batch) < window:
                        task = next(pending, None)
                        if task is None:
                            break
                        batch.append(task)
                broken = False
                for task in batch:
                    try:
                        in_flight[pool.submit(fn, task)] = task
                    except BrokenProcessPool:
                        suspects.append(task)
                        broken = True
                if not in_flight and not broken:
                    return
                if not broken:
                    done, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
                    for fut in done:
                        exc = fut.exception()
                        if isinstance(exc, BrokenProcessPool):
                            broken = True
                            continue  # stays in in_flight: handled below with the other lost runs
                        task = in_flight.pop(fut)
                        yield fut.result() if exc is None else failure_row(task, describe_error(exc))
                if broken:
                    lost = list(in_flight.values())
                    in_flight.clear()
                    self._pool.shutdown(wait=True, cancel_futures=True)  # its threads end before the next fork
                    self._pool = None
                    if isolated and len(lost) == 1:
                        deaths[lost[0].run_id] = deaths.get(lost[0].run_id, 0) + 1
                    if isolated and len(lost) == 1 and deaths[lost[0].run_id] >= 2:
                        yield failure_row(lost[0], "WorkerDied: the worker process died while running this "
                                          "configuration alone (killed, out of memory or crashed)")
                    else:
                        suspects.extend(lost)
        finally:
            for fut in in_flight:
                fut.cancel()


class DaskExecutor(Executor):
    """Dask distributed: a running scheduler (``scheduler`` address) or a ``LocalCluster`` started here."""

    name = "dask"

    def __init__(self, scheduler: str | None = None, jobs: int | None = None, processes: bool = True,
                 client: Any = None):
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise EdgesimError("the Dask executor needs dask[distributed]: pip install 'edgesim[dask]' "
                               "(or pip install 'dask[distributed]')") from None
        self._cluster = None
        self._own_client = client is None
        if client is not None:
            self.client = client
        elif scheduler:
            try:
                self.client = Client(scheduler, timeout="10s")
            except (OSError, TimeoutError) as exc:
                raise EdgesimError(f"--scheduler: cannot reach the Dask scheduler at {scheduler} ({exc})") from None
        else:
            n = jobs or available_cores()
            self._cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=processes,
                                         dashboard_address=None)
            self.client = Client(self._cluster)
        info = self.client.scheduler_info()
        self.workers = max(1, sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values()))

    def close(self) -> None:
        if self._own_client:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def run(self, tasks: Iterable[RunTask], fn: Callable[[RunTask], dict[str, Any]] = execute_run) -> Iterator[dict[str, Any]]:
        from distributed import as_completed

        pending = iter(tasks)
        window = 4 * max(1, self.workers)
        futures: dict[Any, RunTask] = {}
        ac = as_completed()
        for task in pending:
            fut = self.client.submit(fn, task, pure=False, key=f"edgesim-run-{task.run_id}-{time.monotonic_ns()}")
            futures[fut] = task
            ac.add(fut)
            if len(futures) >= window:
                break
        try:
            for fut in ac:
                task = futures.pop(fut)
                if fut.status == "finished":
                    yield fut.result()
                else:
                    try:
                        exc = fut.exception()
                    except Exception as err:  # noqa: BLE001
                        exc = err
                    yield failure_row(task, describe_error(exc) if exc is not None else f"dask future {fut.status}")
                nxt = next(pending, None)
                if nxt is not None:
                    new = self.client.submit(fn, nxt, pure=False, key=f"edgesim-run-{nxt.run_id}-{time.monotonic_ns()}")
                    futures[new] = nxt
                    ac.add(new)
        finally:
            for fut in futures:
                fut.cancel()


def make_executor(executor: str | Executor | None = None, jobs: int | None = None, scheduler: str | None = None) -> Executor:
    """``serial``, ``process`` (default; ``jobs=1`` means serial) or ``dask`` (``scheduler`` or a LocalCluster)."""
    if isinstance(executor, Executor):
        return executor
    if scheduler and executor in (None, "dask"):
        return DaskExecutor(scheduler=scheduler, jobs=jobs)
    if executor == "dask":
        return DaskExecutor(jobs=jobs)
    if executor == "serial" or (executor in (None, "process") and jobs == 1):
        return SerialExecutor()
    if executor in (None, "process"):
        return ProcessExecutor(jobs)
    raise EdgesimError(f"executor: must be 'serial', 'process' or 'dask', got {executor!r}")
