"""The work each compute unit is asked for and the work it did: required and achieved ops/s per unit.

Read from the summary's own rows, so that every reader (``edgesim budget scenario``, the text tables) takes the
figures from the result alone and never re-reads the scenario:

- required ops/s: streams (camera fps x ops per inference), pipeline compute stages (nominal fps x jobs per frame
  x ops per job) and MLPerf Server loads (target queries/s x ops per sample). Closed-loop loads (SingleStream,
  MultiStream, Offline) issue their next query when the last completes: they ask no rate and add nothing;
- achieved ops/s: the ops of the jobs completed on the unit in the statistics window, streams, pipeline stages
  and loads alike.

The system's ``required_tops`` and ``achieved_tops`` are the sums over the units.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["UnitWork", "unit_work"]


@dataclass
class UnitWork:
    """Required and achieved ops/s of one unit (see the module docstring), and its closed-loop loads."""

    required_ops_per_s: float = 0.0
    achieved_ops_per_s: float = 0.0
    closed_loop_loads: list[str] = field(default_factory=list)


def unit_work(units: Sequence[Mapping[str, Any]], streams: Sequence[Mapping[str, Any]], pipelines: Sequence[Mapping[str, Any]],
              loads: Sequence[Mapping[str, Any]], window_s: float) -> dict[str, UnitWork]:
    """Per-unit work from the summary's rows; ``window_s`` is the statistics window, s."""
    work = {str(u["name"]): UnitWork() for u in units}
    for s in streams:
        w = work[s["unit"]]
        w.required_ops_per_s += s["nominal_fps"] * s["ops_per_inference"]
        w.achieved_ops_per_s += s["completed"] * s["ops_per_inference"] / window_s
    for p in pipelines:
        for stage in p["stages"]:
            if stage.get("unit") is None or stage.get("kind", "compute") != "compute":
                continue
            w = work[stage["unit"]]
            w.required_ops_per_s += p["nominal_fps"] * stage["count"]["mean"] * stage["ops_per_job"]
            w.achieved_ops_per_s += stage["jobs"] * stage["ops_per_job"] / window_s
    for load in loads:
        w = work[load["unit"]]
        w.achieved_ops_per_s += load["samples"] * load["ops_per_sample"] / window_s
        if load["scenario"] == "server" and load.get("target_qps") is not None:
            w.required_ops_per_s += load["target_qps"] * load["ops_per_sample"]
        else:
            w.closed_loop_loads.append(str(load["name"]))
    return work
