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
  on a ``LocalCluster`` it starts (``scheduler=None``). Workers need edgesim installed (the same version).
  The base scenario goes to every worker **once** (``client.scatter(..., broadcast=True)``) and each task
  carries only its overrides and seed, so a large scenario is not pickled and sent once per run;
  ``catalog_files`` named by a scenario must exist on the workers.

A run that raises (bad combination, simulation error) is caught inside :func:`execute_run` and comes back
as a row with ``status = "failed"`` and its error. Infrastructure failures (a worker process killed) are
turned into such rows too: the process pool is restarted and the runs it lost are retried one at a time;
one that kills its worker twice while running alone is recorded as failed (``WorkerDied``).
"""
from __future__ import annotations

import multiprocessing as mp
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..api import scenario_from_dict, simulate
from ..errors import EdgesimError
from .identity import content_hash
from .task import RunTask, base_row, build_scenario, describe_error, failure_row, flatten_summary

__all__ = ["execute_run", "run_with_base", "available_cores", "Executor", "SerialExecutor", "ProcessExecutor", "DaskExecutor",
           "make_executor"]


def execute_run(task: RunTask) -> dict[str, Any]:
    """Build the run's scenario, validate it, simulate it and flatten the summary into one row.

    Never raises for a problem of the run itself: the row then has ``status = "failed"`` and ``error``.
    """
    t0 = time.perf_counter()
    row = base_row(task)
    try:
        data = build_scenario(task.scenario, task.params, task.seed, task.duration_s)
        spec = scenario_from_dict(data, source=task.source, base_dir=Path(task.base_dir) if task.base_dir else None)
        row["scenario_hash"] = content_hash(spec.model_dump(mode="json", exclude={"source"}))
        result = simulate(spec, max_events=task.max_events)
        row.update(flatten_summary(result.summary, per_stream=task.per_stream))
    except Exception as exc:  # noqa: BLE001 - a failed run is data, the sweep goes on
        row["status"] = "failed"
        row["error"] = describe_error(exc)
    row["wall_s"] = time.perf_counter() - t0
    return row


def run_with_base(fn: Callable[[RunTask], dict[str, Any]], task: RunTask, base: Any) -> dict[str, Any]:
    """``fn(task)`` with the task's base scenario put back: how a Dask worker runs a task whose base scenario was
    scattered to it once (``task.scenario`` travels empty, ``base`` is the worker's copy)."""
    return fn(replace(task, scenario=base))


# --------------------------------------------------------------------------------------------------
# Executors
# --------------------------------------------------------------------------------------------------

def available_cores() -> int:
    """CPU cores this process may use (affinity-aware where the OS says)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
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
    if sys.platform.startswith("linux"):
        if threading.active_count() == 1:
            return mp.get_context("fork")
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["edgesim.sweeps.executors"])
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
        pending = iter(tasks)
        suspects: deque[RunTask] = deque()
        deaths: dict[str, int] = {}  # run_id -> times it killed its worker while running alone
        in_flight: dict[Future[dict[str, Any]], RunTask] = {}
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
            from distributed import Client, LocalCluster  # noqa: PLC0415 - optional dependency (edgesim[dask])
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
        self._scattered: dict[int, tuple[Any, Any]] = {}  # id(base scenario) -> (it, its scattered future)
        self.scattered = 0  # base scenarios scattered so far (one per sweep, whatever its number of runs)

    def close(self) -> None:
        self._scattered.clear()
        if self._own_client:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def _base_future(self, base: Any) -> Any:
        """The scattered copy of a base scenario, sent to every worker once (kept for the executor's life)."""
        key = id(base)
        held = self._scattered.get(key)
        if held is None or held[0] is not base:
            future = self.client.scatter([base], broadcast=True, hash=False)[0]  # a list: a dict would scatter per key
            held = self._scattered[key] = (base, future)
            self.scattered += 1
        return held[1]

    def _submit(self, fn: Callable[[RunTask], dict[str, Any]], task: RunTask) -> Any:
        key = f"edgesim-run-{task.run_id}-{time.monotonic_ns()}"
        slim = replace(task, scenario={})  # the base travels once per worker (scattered), not with every run
        return self.client.submit(run_with_base, fn, slim, self._base_future(task.scenario), pure=False, key=key)

    def run(self, tasks: Iterable[RunTask], fn: Callable[[RunTask], dict[str, Any]] = execute_run) -> Iterator[dict[str, Any]]:
        from distributed import as_completed  # noqa: PLC0415 - optional dependency (edgesim[dask])

        pending = iter(tasks)
        window = 4 * max(1, self.workers)
        futures: dict[Any, RunTask] = {}
        ac = as_completed()
        for task in pending:
            fut = self._submit(fn, task)
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
                    new = self._submit(fn, nxt)
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
