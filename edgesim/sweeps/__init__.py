"""What-if sweeps: run a scenario over many field values, in parallel, resumable, on a Dask cluster.

>>> import edgesim
>>> df = edgesim.sweep("scenarios/intersection_3cam.yaml",
...                    {"compute_units.npu.device": ["hailo8", "hailo8l"], "cameras.cam.fps": [15, 30]},
...                    replications=3, duration_s=20, out="sweeps/intersection")      # doctest: +SKIP
>>> from edgesim.sweeps import confidence_intervals, pareto_front
>>> confidence_intervals(df, ["max_p99_latency_ms", "system.avg_power_w"])          # doctest: +SKIP

Where things are: dotted paths and ``--set`` syntax (:mod:`.paths`); what a sweep reads, its base scenario (a
document that overrides apply to before catalog resolution, from a file, a dict or a loaded spec) and the sweep
file (:mod:`.inputs`); the plan, from each parameter's domain to the validated list of runs (:mod:`.plan`), and
what makes two runs the same run (:mod:`.identity`: content hashes, seeds); one run, its command and its row
(:mod:`.task`); running (:mod:`.executors`, :mod:`.runner`, :mod:`.store` with its one-writer lock,
:mod:`.progress`); reading the table (:mod:`.constraints` with the 1e-9 tolerance, :mod:`.summary`: confidence
intervals and the configuration table, :mod:`.pareto`, :mod:`.plot`, :mod:`.report`); the "what fits" search
(:mod:`.fit`); the error of an invalid sweep (:mod:`.errors`). See docs/sweeps.md.

The public names below are loaded on first use (PEP 562): ``import edgesim.sweeps.paths`` (the ``--set`` syntax
that ``edgesim run`` shares) loads neither pandas nor scipy's statistics.
"""
from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names as type checkers and editors see them
    from .constraints import REL_TOL, Constraint, parse_constraint
    from .errors import SweepError
    from .executors import DaskExecutor, Executor, ProcessExecutor, SerialExecutor, execute_run, make_executor
    from .fit import FitResult, fit
    from .inputs import load_sweep_file
    from .pareto import pareto_front, pareto_mask
    from .paths import PathError, get_path, parse_assignment, parse_path, set_path
    from .plan import SweepSpec, plan_runs
    from .plot import plot_pareto
    from .runner import make_sweep_spec, run_sweep, sweep
    from .store import ResultStore
    from .summary import confidence_intervals
    from .task import AGGREGATE_COLUMNS, META_COLUMNS, RunTask, flatten_summary, group_columns, metric_columns, parameter_columns

__all__ = [
    "sweep", "run_sweep", "make_sweep_spec", "fit", "FitResult", "Constraint", "parse_constraint", "REL_TOL",
    "confidence_intervals", "pareto_front", "pareto_mask", "plot_pareto", "parameter_columns", "metric_columns",
    "group_columns", "SweepSpec", "SweepError", "load_sweep_file", "plan_runs", "PathError", "get_path",
    "set_path", "parse_path", "parse_assignment", "Executor", "SerialExecutor", "ProcessExecutor", "DaskExecutor",
    "make_executor", "RunTask", "execute_run", "flatten_summary", "AGGREGATE_COLUMNS", "META_COLUMNS",
    "ResultStore",
]

_HOME = {
    "AGGREGATE_COLUMNS": "task",
    "META_COLUMNS": "task",
    "group_columns": "task",
    "metric_columns": "task",
    "parameter_columns": "task",
    "REL_TOL": "constraints",
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
    "flatten_summary": "task",
    "make_sweep_spec": "runner",
    "run_sweep": "runner",
    "sweep": "runner",
    "confidence_intervals": "summary",
    "ResultStore": "store",
    "load_sweep_file": "inputs",
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
