"""The files of one run: tables, figures, a per-job trace for Perfetto, and a review page.

:func:`write_outputs` is what ``edgesim run --out DIR`` calls. It reads a finished
:class:`~edgesim.results.result.SimulationResult` (this package imports results, never the reverse) and writes:

* ``summary.json`` and the CSV tables (``result.write``; ``stream_timeseries.csv``: dropped and late frames per
  interval and stream), a Parquet file beside every CSV;
* ``timeline.png`` (power, utilization, queues, per-frame latency with ``--trace``, dropped and late frames,
  temperatures with the throttle thresholds and trip instants) and ``latency_cdf.png`` (exact, from every
  completed frame's latency, with or without ``--trace``);
* ``trace.perfetto.json`` when the run kept a per-job trace (open it at https://ui.perfetto.dev);
* ``report.html``: one self-contained page with the scenario, the summary tables and every figure.

``write_outputs`` lives in :mod:`.outputs` and is loaded on first use (PEP 562): ``edgesim.report.tables`` (the
text tables every ``edgesim run`` prints) then loads neither pandas nor matplotlib.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the name as type checkers and editors see it
    from .outputs import write_outputs

__all__ = ["write_outputs"]


def __getattr__(name: str) -> Any:
    """Load ``write_outputs`` (with pandas and matplotlib) the first time it is asked for."""
    if name != "write_outputs":
        raise AttributeError(f"module 'edgesim.report' has no attribute {name!r}")
    value = importlib.import_module(f"{__name__}.outputs").write_outputs
    globals()[name] = value
    return value
