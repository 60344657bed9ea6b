"""What-if sweeps: run a scenario over many field values, in parallel, resumable, on a Dask cluster.

>>> import edgesim
>>> df = edgesim.sweep("scenarios/intersection_3cam.yaml",
...                    {"compute_units.npu.device": ["hailo8", "hailo8l"], "cameras.cam.fps": [15, 30]},
...                    replications=3, duration_s=20, out="sweeps/intersection")      # doctest: +SKIP
>>> from edgesim.sweeps import confidence_intervals, pareto_front
>>> confidence_intervals(df, ["max_p99_latency_ms", "system.avg_power_w"])          # doctest: +SKIP

See docs/sweeps.md for the dotted paths, the sweep file format, seeds, resuming and the ``fit`` search.
"""
from .analysis import (
    confidence_intervals,
    group_columns,
    metric_columns,
    parameter_columns,
    pareto_front,
    pareto_mask,
    plot_pareto,
)
from .executors import (
    AGGREGATE_COLUMNS,
    DaskExecutor,
    Executor,
    ProcessExecutor,
    RunTask,
    SerialExecutor,
    execute_run,
    flatten_summary,
    make_executor,
)
from .fit import Constraint, FitResult, fit, parse_constraint
from .paths import PathError, get_path, parse_path, set_path
from .plan import SweepError, SweepSpec, load_sweep_file, plan_runs, run_seed
from .runner import make_sweep_spec, run_sweep, sweep
from .store import ResultStore

__all__ = [
    "sweep", "run_sweep", "make_sweep_spec", "fit", "FitResult", "Constraint", "parse_constraint",
    "confidence_intervals", "pareto_front", "pareto_mask", "plot_pareto", "parameter_columns", "metric_columns",
    "group_columns", "SweepSpec", "SweepError", "load_sweep_file", "plan_runs", "run_seed", "PathError", "get_path",
    "set_path", "parse_path", "Executor", "SerialExecutor", "ProcessExecutor", "DaskExecutor", "make_executor",
    "RunTask", "execute_run", "flatten_summary", "AGGREGATE_COLUMNS", "ResultStore",
]
