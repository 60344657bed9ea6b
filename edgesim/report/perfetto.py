"""``trace.perfetto.json``: every job of a run on a zoomable timeline (Chrome trace-event format).

Open it at https://ui.perfetto.dev (or chrome://tracing). Layout:

* process "compute units": one track per unit (per server lane when jobs overlap, e.g. ``servers: 2``); each
  job served is an ``X`` (complete) slice from its start to its end, named ``camera/model #frame`` (pipeline
  stages: ``pipeline:stage #frame``), with its arrival, wait and latency in ``args``;
* process "streams, pipelines, loads": one track per stream (``camera/model``), per pipeline and camera
  (``pipeline/camera``) and per MLPerf load (``load NAME``); each frame (query) is an ``X`` slice from its
  arrival (issue) to its completion (waiting + service), drops are instant events at the drop time;
* counters: each unit's power (W; at every change when the run kept a power trace, else per interval), its
  mean number of waiting jobs per recording interval, and the exact number of stream jobs waiting.

Times in the file are microseconds of simulated time (the format's unit); durations are exact.
"""
from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..results.result import SimulationResult

__all__ = ["PID_UNITS", "PID_STREAMS", "PID_COUNTERS", "Slice", "assign_lanes", "started", "trace_events", "write_perfetto"]

PID_UNITS = 1
PID_STREAMS = 2
PID_COUNTERS = 3
_US_PER_S = 1e6


@dataclass(frozen=True)
class Slice:
    """One ``X`` slice before it is placed on a lane.

    Attributes
    ----------
    track : str
        The unit or stream it belongs to.
    name : str
        The label shown on the slice.
    start_s, end_s : float
        Simulated times, s.
    args : dict
        Shown when the slice is selected.
    """

    track: str
    name: str
    start_s: float
    end_s: float
    args: dict[str, Any]


def assign_lanes(slices: list[Slice]) -> list[int]:
    """A lane per slice so that slices of one track on one lane never overlap (greedy, in start order).

    Trace viewers draw slices of one thread as a stack that must nest; jobs of one track served in parallel
    (several servers, or several frames waiting at once on a stream) go on separate lanes instead.

    Returns
    -------
    list of int
        Lane index of each slice within its track, 0 for the track's first lane, in the order of ``slices``.
    """
    order = sorted(range(len(slices)), key=lambda i: (slices[i].start_s, slices[i].end_s))
    lane_end: dict[str, list[float]] = {}
    lanes = [0] * len(slices)
    for i in order:
        s = slices[i]
        ends = lane_end.setdefault(s.track, [])
        for lane, end in enumerate(ends):
            if end <= s.start_s:
                ends[lane] = s.end_s
                lanes[i] = lane
                break
        else:
            lanes[i] = len(ends)
            ends.append(s.end_s)
    return lanes


def _us(t_s: float) -> float:
    return round(t_s * _US_PER_S, 3)


def started(start_s: pd.Series) -> pd.Series:
    """True where a job entered service: a start time that is a number >= 0 (waiting or dropped jobs have
    none: NaN, or a negative placeholder)."""
    return start_s.notna() & (start_s >= 0)


def _clean(value: Any) -> Any:
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _unit_slices(trace: pd.DataFrame | None, pipeline_trace: pd.DataFrame | None) -> list[Slice]:
    out: list[Slice] = []
    if trace is not None:
        served = trace[started(trace["start_s"]) & trace["end_s"].notna()]
        for r in served.itertuples(index=False):
            out.append(Slice(str(r.unit), f"{r.camera}/{r.model} #{r.frame}", float(r.start_s), float(r.end_s),
                             {"status": r.status, "arrival_s": float(r.arrival_s), "wait_ms": 1e3 * (r.start_s - r.arrival_s),
                              "service_ms": 1e3 * (r.end_s - r.start_s),  # latency: to the result (the result delay after end_s)
                              "latency_ms": 1e3 * (r.latency_s if r.status == "completed" else r.end_s - r.arrival_s)}))
    if pipeline_trace is not None and len(pipeline_trace) and "stage" in pipeline_trace:
        owner = "pipeline" if "pipeline" in pipeline_trace else "name"
        stages = pipeline_trace[pipeline_trace["unit"].notna() & started(pipeline_trace["start_s"]) & pipeline_trace["end_s"].notna()]
        for r in stages.to_dict("records"):
            label = f"{r.get(owner)}:{r['stage']}" if isinstance(r.get("stage"), str) else str(r.get(owner))
            out.append(Slice(str(r["unit"]), f"{label} #{r.get('frame')}", float(r["start_s"]), float(r["end_s"]),
                             {k: _clean(v) for k, v in r.items()}))
    return out


def _stream_slices(trace: pd.DataFrame) -> tuple[list[Slice], list[dict[str, Any]]]:
    slices: list[Slice] = []
    drops: list[dict[str, Any]] = []
    for r in trace.itertuples(index=False):
        track = f"{r.camera}/{r.model}"
        if r.status == "completed":
            slices.append(Slice(track, f"#{r.frame}", float(r.arrival_s), float(r.end_s),
                                {"unit": r.unit, "wait_ms": 1e3 * (r.start_s - r.arrival_s), "latency_ms": 1e3 * (r.end_s - r.arrival_s)}))
        elif r.status == "dropped":
            at = r.end_s if not math.isnan(r.end_s) else r.arrival_s
            drops.append({"track": track, "ts": _us(float(at)), "name": f"drop #{r.frame}",
                          "args": {"arrival_s": float(r.arrival_s), "dropped_at_s": float(at)}})
    return slices, drops


def _frame_slices(pipeline_trace: pd.DataFrame | None) -> list[Slice]:
    """Pipeline frames (arrival to last sink) and MLPerf load queries (issue to completion)."""
    out: list[Slice] = []
    if pipeline_trace is None or not len(pipeline_trace):
        return out
    if "pipeline" in pipeline_trace and "stage" in pipeline_trace:
        frames = pipeline_trace[pipeline_trace["pipeline"].notna() & pipeline_trace["stage"].isna()
                                & (pipeline_trace["status"] == "completed") & pipeline_trace["end_s"].notna()]
        for r in frames.itertuples(index=False):
            out.append(Slice(f"{r.pipeline}/{r.camera}", f"#{r.frame}", float(r.arrival_s), float(r.end_s),
                             {"latency_ms": 1e3 * (r.end_s - r.arrival_s)}))
    if "load" in pipeline_trace and "issue_s" in pipeline_trace:
        queries = pipeline_trace[pipeline_trace["load"].notna() & pipeline_trace["end_s"].notna()]
        for r in queries.itertuples(index=False):
            out.append(Slice(f"load {r.load}", f"query #{r.query}", float(r.issue_s), float(r.end_s),
                             {"latency_ms": 1e3 * (r.end_s - r.issue_s)}))
    return out


def _thread_events(pid: int, slices: list[Slice], first_tid: int) -> tuple[list[dict[str, Any]], dict[tuple[str, int], int]]:
    """X events for ``slices``; one thread per (track, lane), named ``track`` (``track [lane k]`` past the first)."""
    lanes = assign_lanes(slices)
    tids: dict[tuple[str, int], int] = {}
    for s, lane in sorted(zip(slices, lanes), key=lambda p: (p[0].track, p[1])):
        tids.setdefault((s.track, lane), first_tid + len(tids))
    events: list[dict[str, Any]] = []
    for (track, lane), tid in tids.items():
        name = track if lane == 0 else f"{track} [lane {lane + 1}]"
        events.append({"ph": "M", "name": "thread_name", "pid": pid, "tid": tid, "args": {"name": name}})
        events.append({"ph": "M", "name": "thread_sort_index", "pid": pid, "tid": tid, "args": {"sort_index": tid}})
    for s, lane in zip(slices, lanes):
        start_us = _us(s.start_s)  # duration from the rounded ends, so back-to-back jobs stay back to back
        events.append({"ph": "X", "name": s.name, "cat": "job", "pid": pid, "tid": tids[(s.track, lane)], "ts": start_us,
                       "dur": round(_us(s.end_s) - start_us, 3), "args": {k: _clean(v) for k, v in s.args.items()}})
    return events, tids


def _counter(name: str, series: Iterable[tuple[float, float]], key: str) -> list[dict[str, Any]]:
    return [{"ph": "C", "name": name, "pid": PID_COUNTERS, "ts": _us(t), "args": {key: _clean(v)}} for t, v in series]


def _waiting_jobs(trace: pd.DataFrame, unit: str) -> list[tuple[float, float]]:
    """Exact number of this unit's stream jobs waiting: +1 at arrival, -1 when served or dropped."""
    rows = trace[trace["unit"] == unit]
    leave = rows["start_s"].where(started(rows["start_s"]), rows["end_s"]).to_numpy(dtype=float)
    times = np.concatenate([rows["arrival_s"].to_numpy(dtype=float), leave[~np.isnan(leave)]])
    steps = np.concatenate([np.ones(len(rows)), -np.ones(int((~np.isnan(leave)).sum()))])
    order = np.lexsort((steps, times))  # at one instant, leaving (-1) before arriving (+1)
    times, level = times[order], np.cumsum(steps[order])
    keep = np.append(times[1:] != times[:-1], True)  # one value per instant: the level after every change then
    return list(zip(times[keep].tolist(), level[keep].tolist()))


def trace_events(result: SimulationResult) -> dict[str, Any]:
    """The Chrome trace-event document of ``result`` (see the module docstring).

    Parameters
    ----------
    result : SimulationResult
        A run with a per-job trace (``trace=True``); without one only the counters are written.
        Pipelines and loads appear when ``result.extra["pipeline_trace"]`` holds their rows.

    Returns
    -------
    dict
        ``{"traceEvents": [...], "displayTimeUnit": "ms", "otherData": {...}}``, ready for :func:`json.dump`.
    """
    trace = result.trace
    pipeline_trace = result.extra.get("pipeline_trace")
    events: list[dict[str, Any]] = [
        {"ph": "M", "name": "process_name", "pid": PID_UNITS, "args": {"name": "compute units and links"}},
        {"ph": "M", "name": "process_sort_index", "pid": PID_UNITS, "args": {"sort_index": 1}},
        {"ph": "M", "name": "process_name", "pid": PID_STREAMS, "args": {"name": "streams, pipelines, loads (arrival to completion)"}},
        {"ph": "M", "name": "process_sort_index", "pid": PID_STREAMS, "args": {"sort_index": 2}},
        {"ph": "M", "name": "process_name", "pid": PID_COUNTERS, "args": {"name": "power and queues"}},
        {"ph": "M", "name": "process_sort_index", "pid": PID_COUNTERS, "args": {"sort_index": 3}},
    ]
    unit_events, _ = _thread_events(PID_UNITS, _unit_slices(trace, pipeline_trace), 1)
    events += unit_events
    slices, drops = _stream_slices(trace) if trace is not None else ([], [])
    slices += _frame_slices(pipeline_trace)
    stream_events, tids = _thread_events(PID_STREAMS, slices, 1)
    events += stream_events
    if drops:
        first_lane = {track: tid for (track, lane), tid in tids.items() if lane == 0}
        for d in drops:
            tid = first_lane.get(d["track"])
            if tid is None:
                tid = first_lane[d["track"]] = 1 + len(tids) + len(first_lane)
                events.append({"ph": "M", "name": "thread_name", "pid": PID_STREAMS, "tid": tid, "args": {"name": d["track"]}})
            events.append({"ph": "i", "s": "t", "name": d["name"], "cat": "drop", "pid": PID_STREAMS, "tid": tid, "ts": d["ts"],
                           "args": d["args"]})
    power_trace = result.extra.get("power_trace")
    for unit, rows in result.timeseries.groupby("unit", sort=False):
        if power_trace is not None and len(power_trace):
            p = power_trace[power_trace["unit"] == unit]
            events += _counter(f"{unit} power (W)", zip(p["time_s"], p["power_w"]), "power_w")
        else:
            events += _counter(f"{unit} power (W, interval mean)", zip(rows["time_s"], rows["power_w"]), "power_w")
        events += _counter(f"{unit} waiting jobs (interval mean)", zip(rows["time_s"], rows["queue_mean"]), "jobs")
        if trace is not None and (trace["unit"] == unit).any():
            events += _counter(f"{unit} stream jobs waiting", _waiting_jobs(trace, str(unit)), "jobs")
    summary = result.summary
    return {"traceEvents": events, "displayTimeUnit": "ms",
            "otherData": {"scenario": summary["scenario"], "seed": summary["seed"], "duration_s": summary["duration_s"],
                          "time_unit": "microseconds of simulated time", "edgesim_version": summary.get("edgesim_version")}}


def write_perfetto(result: SimulationResult, path: str | Path) -> Path:
    """Write :func:`trace_events` of ``result`` as JSON at ``path`` (conventionally ``trace.perfetto.json``)."""
    path = Path(path)
    path.write_text(json.dumps(trace_events(result), allow_nan=False, separators=(",", ":")), encoding="utf-8")
    return path
