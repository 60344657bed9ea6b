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
"""
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
