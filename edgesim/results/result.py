"""The result of one run: the JSON summary contract, pandas tables and files.

JSON contract (keys tools rely on; more keys are welcome)::

    {"scenario", "duration_s", "seed",
     "streams": [{"camera", "model", "unit", "offered_fps", "achieved_fps", "completed", "dropped",
                  "latency_ms": {"mean", "p50", "p95", "p99", "max"}}],
     "units":   [{"name", "kind", "utilization", "energy_j", "avg_power_w", "inferences", "inferences_per_j"}],
     "system":  {"energy_j", "avg_power_w", "required_tops", "achieved_tops"}}

All statistics cover the window [warmup_s, duration_s); frames that arrive before warmup_s are excluded.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._version import __version__
from ..sim.engine import RunState
from ..sim.fastforward import fast_forward_summary
from ..sim.loads import LoadSim
from ..sim.pipeline import PipelineSim
from ..sim.platform import PlatformSim
from .detail import RunDetail, run_detail
from .tables import load_row, memory_bus_rows, pipeline_row, ratio, stream_row, unit_row
from .workload import unit_work

__all__ = ["TRACE_COLUMNS", "SimulationResult", "build_result", "load_trace_rows", "pipeline_trace_rows", "plain"]

TRACE_COLUMNS = ["stream", "frame", "arrival_s", "start_s", "end_s", "status"]


@dataclass
class SimulationResult:
    """What a run produced. ``summary`` is the JSON contract; the methods give DataFrames.

    Attributes
    ----------
    summary : dict
        JSON-serializable summary (see module docstring).
    timeseries : pandas.DataFrame
        One row per recording interval and unit: ``time_s`` (bin start), ``unit``, ``power_w`` (exact bin
        average), ``utilization``, ``queue_mean`` (time-averaged waiting jobs).
    trace : pandas.DataFrame or None
        Per job (frame x model) records when tracing is on.
    detail : RunDetail
        What the figures draw beyond the summary, with or without tracing: every latency per stream, drops and
        late frames per interval, throttle thresholds and trip instants (:mod:`edgesim.results.detail`).
    """

    summary: dict[str, Any]
    timeseries: pd.DataFrame
    trace: pd.DataFrame | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    device_timeseries: pd.DataFrame | None = None
    detail: RunDetail = field(default_factory=RunDetail)

    def streams_df(self) -> pd.DataFrame:
        rows = []
        for s in self.summary["streams"]:
            row = {k: v for k, v in s.items() if k != "latency_ms"}
            row.update({f"latency_{k}_ms": v for k, v in s["latency_ms"].items()})
            rows.append(row)
        return pd.DataFrame(rows)

    def units_df(self) -> pd.DataFrame:
        return pd.DataFrame(self.summary["units"])

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.summary, indent=indent, allow_nan=False)

    def __repr__(self) -> str:
        sys_ = self.summary["system"]
        return (f"SimulationResult(scenario={self.summary['scenario']!r}, duration_s={self.summary['duration_s']}, "
                f"avg_power_w={sys_['avg_power_w']:.4g}, required_tops={sys_['required_tops']:.4g}, achieved_tops={sys_['achieved_tops']:.4g})")

    def write(self, out_dir: str | Path) -> list[Path]:
        """Write summary.json, streams.csv, units.csv, timeseries.csv, stream_timeseries.csv (and the trace CSVs) to ``out_dir``.

        Figures and the HTML report are :mod:`edgesim.report`'s (``edgesim.report.write_outputs`` calls this).
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written = [out / "summary.json", out / "streams.csv", out / "units.csv", out / "timeseries.csv"]
        written[0].write_text(self.to_json() + "\n", encoding="utf-8")
        self.streams_df().to_csv(written[1], index=False)
        self.units_df().to_csv(written[2], index=False)
        self.timeseries.to_csv(written[3], index=False)
        if self.trace is not None:
            written.append(out / "trace.csv")
            self.trace.to_csv(written[-1], index=False)
        for key in ("pipeline_trace", "power_trace", "device_trace"):  # with --trace: records at every change
            frame = self.extra.get(key)
            if frame is not None and len(frame):
                written.append(out / f"{key}.csv")
                frame.to_csv(written[-1], index=False)
        if self.device_timeseries is not None:
            written.append(out / "device_timeseries.csv")
            self.device_timeseries.to_csv(written[-1], index=False)
        if self.detail.stream_intervals is not None and len(self.detail.stream_intervals):
            written.append(out / "stream_timeseries.csv")  # per interval and stream: dropped and late frames
            self.detail.stream_intervals.to_csv(written[-1], index=False)
        return written


def build_result(state: RunState) -> SimulationResult:
    """Summarize a finished :class:`~edgesim.sim.engine.RunState` into the JSON contract and tables."""
    model = state.model
    window_s = state.duration_s - model.warmup_s
    if window_s <= 0:  # the run ended (battery empty) before the warm-up did: report the whole run
        window_s = state.duration_s
        for unit in state.units:
            unit.reset_window()
    stream_ids = {s.index for s in state.streams}  # units also hold pipeline and load jobs: count only streams'
    in_flight_by_stream: dict[int, int] = {}
    for unit in state.units:
        for job in unit.in_flight():
            if job.arrival_s >= model.warmup_s and job.owner_index in stream_ids:
                in_flight_by_stream[job.owner_index] = in_flight_by_stream.get(job.owner_index, 0) + 1
    streams = [stream_row(s, window_s, in_flight_by_stream.get(s.index, 0)) for s in state.streams]
    platform = state.platform
    timeseries = _timeseries(state)
    units = [unit_row(u, i, state, window_s) for i, u in enumerate(state.units)]
    total_energy_j = sum(row["energy_j"] for row in units)
    pipelines = [pipeline_row(p, window_s) for p in state.pipelines]
    loads = [load_row(load, window_s) for load in state.loads]
    # each unit's required and achieved ops/s (streams, pipeline compute stages, MLPerf loads); the system's are their sums
    work = unit_work(units, streams, pipelines, loads, window_s)
    for row in units:
        w = work[row["name"]]
        row.update(required_ops_per_s=w.required_ops_per_s, achieved_ops_per_s=w.achieved_ops_per_s,
                   closed_loop_loads=w.closed_loop_loads)
    required_ops_per_s = sum(w.required_ops_per_s for w in work.values())
    achieved_ops = sum(w.achieved_ops_per_s for w in work.values()) * window_s
    platform_load_w = model.platform.platform_load_w if model.platform is not None else 0.0
    if platform is not None and model.platform is not None and model.platform.scheduled:  # the window's mean
        platform_load_w = platform.platform_load_energy_window_j() / window_s
    platform_loads_w: dict[str, float] = {}  # nominal draw of each load (a scheduled one's mean is in platform_load_w)
    for load in model.platform.loads if model.platform is not None else ():
        platform_loads_w[load.name] = platform_loads_w.get(load.name, 0.0) + load.power_w
    camera_power_w = {c.name: c.power_w for c in model.cameras if c.power_w is not None}  # platform loads too
    system: dict[str, Any] = {
        "energy_j": total_energy_j,
        "avg_power_w": total_energy_j / window_s,
        "required_tops": required_ops_per_s / 1e12,
        "achieved_tops": achieved_ops / window_s / 1e12,
        "inferences_per_j": ratio(sum(u["inferences"] for u in units), total_energy_j),
        "platform_load_w": platform_load_w,
        "platform_loads_w": platform_loads_w,  # each platform load's draw (cameras' included), W
        "camera_power_w": camera_power_w or None,  # each camera instance's own draw (in platform_load_w), W
        "battery_life_h": None,
        "battery_life_days": None,  # battery_life_h / 24
        "battery_life_is_projection": None,
        "final_soc": None,
    }
    if platform is not None and platform.battery is not None:
        system.update(_battery_summary(state, platform))
        system["battery_life_days"] = None if system["battery_life_h"] is None else system["battery_life_h"] / 24.0
    if platform is not None:
        system.update(platform.summary(state.duration_s))  # fan energy and duty, the ambient at the end
    # the whole device's draw: units (leakage included) plus platform loads, worst recording interval too
    device_power = timeseries.groupby("time_s")["power_w"].sum() + _platform_load_series_w(state) if len(timeseries) else None
    system["device_avg_power_w"] = system["avg_power_w"] + platform_load_w + system.get("fan_avg_power_w", 0.0)
    system["device_max_interval_power_w"] = float(device_power.max()) if device_power is not None else None
    system["device_peak_power_w"] = platform.peak_w if platform is not None else None
    system["power_budget_w"] = model.power_budget_w
    # like IEEE 802.3 PoE, the budget applies to power averaged over an interval (record.interval_s, 1 s by
    # default); the instantaneous peak is reported beside it
    system["within_power_budget"] = None if model.power_budget_w is None else bool(
        system["device_max_interval_power_w"] <= model.power_budget_w)
    summary = {
        "scenario": model.name,
        "source": model.source,
        "duration_s": state.duration_s,
        "requested_duration_s": state.requested_duration_s,
        "warmup_s": model.warmup_s,
        "window_s": window_s,  # the statistics window: duration less warm-up (the whole run if it ended first)
        "seed": state.seed,
        "edgesim_version": __version__,
        "streams": streams,
        "units": units,
        "system": system,
        "pipelines": pipelines,
        "loads": loads,
        "memory_buses": memory_bus_rows(state.units, window_s),
        "fast_forward": state.fast_forward if state.fast_forward is not None else fast_forward_summary(
            False, state.duration_s, 0.0, [], model.fast_forward_period_s, None),
    }
    summary = plain(summary)
    trace = _stream_trace(state, stream_ids)
    extra: dict[str, Any] = {"wall_s": state.wall_s, "series": _extra_series(state, timeseries)}
    if state.units and state.units[0].power_trace is not None:
        extra["power_trace"] = pd.DataFrame([(t, u.name, p, st) for u in state.units for t, p, st in u.power_trace or ()],
                                            columns=["time_s", "unit", "power_w", "dvfs_state"]).sort_values("time_s", kind="stable")
        if platform is not None and platform.state_trace is not None:
            nodes = [f"temp_{n}_c" for n in platform.net.node_names] if platform.net is not None else []
            extra["device_trace"] = pd.DataFrame(platform.state_trace, columns=["time_s", "device_power_w", "soc", *nodes])
    if state.pipelines or state.loads:
        rows = [*(row for p in state.pipelines for row in pipeline_trace_rows(p)),
                *(row for load in state.loads for row in load_trace_rows(load))]
        extra["pipeline_trace"] = pd.DataFrame(rows) if rows else None
    return SimulationResult(summary, timeseries, trace, extra=extra,
                            device_timeseries=_device_timeseries(state, timeseries, extra["series"]), detail=run_detail(state))


def plain(value: Any) -> Any:
    """The summary with numpy scalars turned into plain Python numbers (JSON and ``repr`` stay readable)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _stream_trace(state: RunState, stream_ids: set[int]) -> pd.DataFrame | None:
    """Per job of every stream (with tracing on): arrival, start, end, status, latency; jobs left in flight too."""
    if not state.streams or state.streams[0].trace is None:
        return None
    rows: list[tuple[Any, ...]] = [row for s in state.streams for row in s.trace or ()]
    for unit in state.units:  # jobs still waiting or in service at the end (streams'; pipelines trace their own)
        for job in unit.in_flight():
            if job.owner_index in stream_ids:
                rows.append((job.owner_index, job.seq, job.arrival_s, job.start_s, np.nan, "in_flight"))
    trace = pd.DataFrame(rows, columns=TRACE_COLUMNS).sort_values(["arrival_s", "stream"], kind="stable").reset_index(drop=True)
    names = {s.index: (s.camera, s.model.model, s.unit.name) for s in state.streams}
    trace.insert(1, "camera", trace["stream"].map(lambda i: names[i][0]))
    trace.insert(2, "model", trace["stream"].map(lambda i: names[i][1]))
    trace.insert(3, "unit", trace["stream"].map(lambda i: names[i][2]))
    # end_s is when the unit finished the job; its result is out the stream's result delay later (the latency's end)
    delay_s = trace["stream"].map({s.index: s.result_delay_s for s in state.streams})
    trace["latency_s"] = np.where(trace["status"] == "completed", trace["end_s"] - trace["arrival_s"] + delay_s, np.nan)
    return trace


def pipeline_trace_rows(p: PipelineSim) -> list[dict[str, Any]]:
    """With tracing on: one row per frame (stage ``None``) and one per stage job, in simulated-time order."""
    if p.frame_trace is None:
        return []
    rows: list[dict[str, Any]] = [
        {"pipeline": p.name, "camera": p.camera, "stage": None, "unit": None, "frame": seq, "arrival_s": a, "start_s": None,
         "end_s": e, "status": status, "latency_s": e - a if status == "completed" else None}
        for seq, a, e, status in p.frame_trace]
    for owner in p.owners:
        rows.extend({"pipeline": p.name, "camera": p.camera, "stage": owner.stage.name, "unit": owner.stage.place, "frame": seq,
                     "arrival_s": a, "start_s": s if s >= 0 else None, "end_s": e, "status": status, "latency_s": None}
                    for seq, a, s, e, status in owner.trace or ())
    rows.sort(key=lambda r: (r["end_s"], r["stage"] is None))
    return rows


def load_trace_rows(load: LoadSim) -> list[dict[str, Any]]:
    """With tracing on: one row per completed sample (query id, issue time, the unit's completion time, latency to its
    result: the completion plus the result delay)."""
    delay_s = load.result_delay_s
    return [{"load": load.name, "query": q, "issue_s": a, "end_s": e, "latency_s": e - a + delay_s} for q, a, e in load.trace or ()]


def _platform_load_series_w(state: RunState) -> Any:
    """The platform loads' power per recording interval (W): their constant sum, or, on a schedule, each interval's
    mean (an array, one per interval)."""
    platform, model = state.platform, state.model.platform
    if platform is None or model is None:
        return 0.0
    if not model.scheduled:
        return platform.platform_load_w
    n = platform.n_bins
    energy = np.array([e.platform_load_energy_j for e in platform.edges[: n + 1]])
    edges_s = np.minimum(np.arange(n + 1) * platform.interval_s, state.duration_s)
    return np.diff(energy) / np.maximum(np.diff(edges_s), 1e-300)


def _device_timeseries(state: RunState, timeseries: pd.DataFrame, series: dict[str, pd.DataFrame]) -> pd.DataFrame | None:
    """Per interval: the device's total power (units + platform loads), each node's mean temperature, and the
    state of charge at the interval's end. None when the scenario models no platform."""
    if state.platform is None:
        return None
    out = timeseries.groupby("time_s", sort=True)["power_w"].sum().rename("units_power_w").reset_index()
    out["device_power_w"] = out["units_power_w"] + _platform_load_series_w(state)
    if "temperature (C)" in series:
        temps = series["temperature (C)"].pivot(index="time_s", columns="name", values="value")
        for name in temps.columns:
            out[f"temp_{name}_c"] = temps[name].to_numpy()
    if "state of charge" in series:
        out["soc_end"] = series["state of charge"]["value"].to_numpy()[1:]
    if "fan duty" in series:  # the fan draws from the supply too
        out["fan_duty"] = series["fan duty"]["value"].to_numpy()
        out["fan_power_w"] = series["fan power (W)"]["value"].to_numpy()
        out["device_power_w"] = out["device_power_w"] + out["fan_power_w"]
    if "battery voltage (V)" in series:
        out["battery_voltage_end_v"] = series["battery voltage (V)"]["value"].to_numpy()[1:]
    return out


def _battery_summary(state: RunState, platform: PlatformSim) -> dict[str, Any]:
    """Battery life: simulated when the cut-off was reached, else projected from the average draw so far."""
    model, battery_state = platform.battery, platform.battery_state
    assert model is not None
    elapsed_s = state.duration_s
    out: dict[str, Any] = {"final_soc": model.soc(battery_state), "battery_energy_j": platform.battery_energy_j,
                           "load_energy_j": platform.load_energy_j, "battery_model": platform.model.battery_kind}
    out.update(platform.battery_report())  # the model's own figures (a Li-ion pack: voltage, heat, cells)
    if platform.battery_empty_s is not None:
        out["battery_life_h"] = platform.battery_empty_s / 3600.0
        out["battery_life_is_projection"] = False
        return out
    avg_draw_w = platform.battery_energy_j / elapsed_s if elapsed_s > 0 else 0.0
    remaining_s = model.time_to_cutoff_s(battery_state, avg_draw_w)
    out["battery_life_h"] = None if remaining_s == float("inf") else (elapsed_s + remaining_s) / 3600.0
    out["battery_life_is_projection"] = True
    out["battery_projection_basis"] = f"average draw {avg_draw_w:.4g} W over the {elapsed_s:g} s simulated, held constant until cut-off"
    return out


def _extra_series(state: RunState, timeseries: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Panels for the timeline plot beyond power/utilization/queue: temperatures, state of charge, FPS."""
    series: dict[str, pd.DataFrame] = {}
    fps = timeseries[["time_s", "unit", "achieved_fps"]].rename(columns={"unit": "name", "achieved_fps": "value"})
    series["completed inferences/s"] = fps
    platform = state.platform
    if platform is None:
        return series
    n = platform.n_bins
    edges = platform.edges[: n + 1]
    start = np.arange(n) * platform.interval_s
    width = np.minimum(start + platform.interval_s, state.duration_s) - start
    if platform.net is not None:
        area = np.diff(np.array([e.temp_area for e in edges]), axis=0)
        frames = [pd.DataFrame({"time_s": start, "name": name, "value": area[:, k] / width}) for k, name in enumerate(platform.net.node_names)]
        series["temperature (C)"] = pd.concat(frames, ignore_index=True)
    if platform.battery is not None:
        times = np.arange(n + 1) * platform.interval_s
        times[-1] = state.duration_s
        series["state of charge"] = pd.DataFrame({"time_s": times, "name": "battery", "value": [e.soc for e in edges]})
        if platform.battery.has_terminal_voltage:
            series["battery voltage (V)"] = pd.DataFrame({"time_s": times, "name": "battery",
                                                          "value": [e.terminal_voltage_v for e in edges]})
    if platform.fan is not None:
        fan_j = np.diff(np.array([e.fan_energy_j for e in edges]))
        duty_s = np.diff(np.array([e.fan_level_area for e in edges]))
        series["fan duty"] = pd.DataFrame({"time_s": start, "name": platform.fan.name, "value": duty_s / width})
        series["fan power (W)"] = pd.DataFrame({"time_s": start, "name": platform.fan.name, "value": fan_j / width})
    return series



def _timeseries(state: RunState) -> pd.DataFrame:
    """Per interval and unit: exact mean power (leakage included), utilization, mean queue, completions/s."""
    frames: list[pd.DataFrame] = []
    platform = state.platform
    for u in state.units:
        energy_j, busy_s, queue_area_s, completed, throttled_s, speed_area = u.series().T
        if platform is not None:
            leak = np.array([e.leak_energy_j[len(frames)] for e in platform.edges[: u.n_bins + 1]])
            energy_j = energy_j + np.diff(leak)
        start = np.arange(u.n_bins) * u.interval_s
        width = np.minimum(start + u.interval_s, state.duration_s) - start
        frames.append(pd.DataFrame({
            "time_s": start,
            "unit": u.name,
            "power_w": energy_j / width,
            "utilization": busy_s / (u.servers * width),
            "queue_mean": queue_area_s / width,
            "achieved_fps": completed / width,
            "throttled_share": throttled_s / width,
            "mean_speed_factor": speed_area / width,
        }))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["time_s", "unit", "power_w", "utilization", "queue_mean"])
