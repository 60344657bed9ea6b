"""What-if sweeps: run a scenario over many field values, in parallel, resumable, on a Dask cluster.

>>> import edgesim
>>> df = edgesim.sweep("scenarios/intersection_3cam.yaml",
...                    {"compute_units.npu.device": ["hailo8", "hailo8l"], "cameras.cam.fps": [15, 30]},
...                    replications=3, duration_s=20, out="sweeps/intersection")      # doctest: +SKIP
>>> from edgesim.sweeps import confidence_intervals, pareto_front
>>> confidence_intervals(df, ["max_p99_latency_ms", "system.avg_power_w"])          # doctest: +SKIP

Where things are: dotted paths and ``--set`` syntax (:mod:`.paths`), the base scenario as a document that
overrides apply to before catalog resolution, from a file, a dict or a loaded spec (:mod:`.base`), the plan
(:mod:`.domain`, :mod:`.plan`, :mod:`.sweepfile`, :mod:`.validate`), one run (:mod:`.task`, :mod:`.rows`,
:mod:`.command`), running (:mod:`.executors`, :mod:`.runner`, :mod:`.store` with its one-writer lock,
:mod:`.progress`), reading the table (:mod:`.columns`, :mod:`.stats`, :mod:`.compare`, :mod:`.constraints`,
:mod:`.pareto`, :mod:`.summary`, :mod:`.plot`, :mod:`.report`), the "what fits" search (:mod:`.fit`).
See docs/sweeps.md.

The public names below are loaded on first use (PEP 562): ``import edgesim.sweeps.paths`` (the ``--set`` syntax
that ``edgesim run`` shares) loads neither pandas nor scipy's statistics.
"""
from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names as type checkers and editors see them
    from .columns import AGGREGATE_COLUMNS, META_COLUMNS, group_columns, metric_columns, parameter_columns
    from .compare import REL_TOL
    from .constraints import Constraint, parse_constraint
    from .errors import SweepError
    from .executors import DaskExecutor, Executor, ProcessExecutor, SerialExecutor, execute_run, make_executor
    from .fit import FitResult, fit
    from .pareto import pareto_front, pareto_mask
    from .paths import PathError, get_path, parse_assignment, parse_path, set_path
    from .plan import SweepSpec, plan_runs
    from .plot import plot_pareto
    from .rows import flatten_summary
    from .runner import make_sweep_spec, run_sweep, sweep
    from .stats import confidence_intervals
    from .store import ResultStore
    from .sweepfile import load_sweep_file
    from .task import RunTask

__all__ = [
    "sweep", "run_sweep", "make_sweep_spec", "fit", "FitResult", "Constraint", "parse_constraint", "REL_TOL",
    "confidence_intervals", "pareto_front", "pareto_mask", "plot_pareto", "parameter_columns", "metric_columns",
    "group_columns", "SweepSpec", "SweepError", "load_sweep_file", "plan_runs", "PathError", "get_path",
    "set_path", "parse_path", "parse_assignment", "Executor", "SerialExecutor", "ProcessExecutor", "DaskExecutor",
    "make_executor", "RunTask", "execute_run", "flatten_summary", "AGGREGATE_COLUMNS", "META_COLUMNS",
    "ResultStore",
]

_HOME = {
    "AGGREGATE_COLUMNS": "columns",
    "META_COLUMNS": "columns",
    "group_columns": "columns",
    "metric_columns": "columns",
    "parameter_columns": "columns",
    "REL_TOL": "compare",
    "Constraint": "constraints",
    "parse_constraint": "constraints",
    "SweepError": "errors",
    "DaskExecutor": "executors",
    "Executor": "executors",
    "ProcessExecutor": "executors",
    "SerialExecutor": "executors",
    "execute_run": "executors",
    "make_executor": "executors",
    "FitResult": "fit",
    "fit": "fit",
    "pareto_front": "pareto",
    "pareto_mask": "pareto",
    "PathError": "paths",
    "get_path": "paths",
    "parse_assignment": "paths",
    "parse_path": "paths",
    "set_path": "paths",
    "SweepSpec": "plan",
    "plan_runs": "plan",
    "plot_pareto": "plot",
    "flatten_summary": "rows",
    "make_sweep_spec": "runner",
    "run_sweep": "runner",
    "sweep": "runner",
    "confidence_intervals": "stats",
    "ResultStore": "store",
    "load_sweep_file": "sweepfile",
    "RunTask": "task",
}


def __getattr__(name: str) -> Any:
    """Load a public name from the module that defines it, the first time it is asked for."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'edgesim.sweeps' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(ModuleType):
    """The package object: a public name wins over its same-named submodule (``fit`` is both), as it did when
    ``__init__`` imported the names eagerly, so ``from edgesim.sweeps import fit`` is the function even after
    ``import edgesim.sweeps.fit`` (which sets the package attribute to the module)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, ModuleType) and _HOME.get(name) == name:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
