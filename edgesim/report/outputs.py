"""``write_outputs``: every file of one run (see :mod:`edgesim.report`); the module that loads pandas and matplotlib."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ..results.result import SimulationResult
from .cdf import plot_latency_cdf
from .html import write_report
from .parquet import write_parquet_beside
from .perfetto import write_perfetto
from .timeline import plot_timeline

__all__ = ["write_outputs"]


def write_outputs(result: SimulationResult, out_dir: str | Path, *, trace: bool,
                  platform_loads: Mapping[str, float] | None = None, description: str = "") -> list[Path]:
    """Write every file of one run into ``out_dir`` (created if needed).

    Parameters
    ----------
    result : SimulationResult
        The run.
    out_dir : str or Path
        Output directory.
    trace : bool
        Also write ``trace.perfetto.json`` (needs a run made with ``trace=True``: streams' jobs, or pipeline
        and load records).
    platform_loads : mapping of str to float, optional
        Name -> power (W) of each platform load, one row each in the report's units table.
    description : str
        The scenario's description, shown in ``report.html``.

    Returns
    -------
    list of Path
        Every file written, ``report.html`` last.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = list(result.write(out))
    written += write_parquet_beside(written)
    written.append(plot_timeline(result, out / "timeline.png"))
    written.append(plot_latency_cdf(result, out / "latency_cdf.png"))
    pipeline_trace = result.extra.get("pipeline_trace")
    if trace and (result.trace is not None or (pipeline_trace is not None and len(pipeline_trace))):
        written.append(write_perfetto(result, out / "trace.perfetto.json"))
    written.append(write_report(result, out / "report.html", platform_loads=platform_loads, description=description,
                                files=[p.name for p in written]))
    return written
