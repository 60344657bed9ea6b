"""Rows of the summary tables (streams, units, pipelines, loads, system), built from the finished run.

Each row reads the runtime objects' named counters and the compiled records; latency statistics come from the one
function :func:`~edgesim.results.latency.latency_stats`, with the same keys in every table. Adding an output column
to a table is one line in its builder here (and a line in the README's JSON contract).
"""
from __future__ import annotations

from typing import Any

from ..model.records import ServiceEstimate
from ..sim.engine import RunState
from ..sim.loads import LoadSim
from ..sim.meter import STATIC_SHARE_RULE
from ..sim.pipeline import PipelineSim
from ..sim.ports import SharedBus
from ..sim.stream import StreamSim
from ..sim.unit import UnitSim
from .latency import latency_stats

__all__ = ["latency_model_ms", "load_row", "memory_bus_rows", "pipeline_row", "ratio", "service_ms", "stream_row", "unit_row"]


def ratio(num: float, den: float) -> float | None:
    """num / den, or None when den is not positive."""
    return num / den if den > 0 else None


def service_ms(estimate: ServiceEstimate) -> dict[str, float]:
    """One job's service time in ms: the estimate and its 80% interval (low = high = estimate when measured or given)."""
    low_s, high_s = estimate.interval_s
    return {"estimate": estimate.service_s * 1e3, "low": low_s * 1e3, "high": high_s * 1e3}


def latency_model_ms(estimate: ServiceEstimate) -> dict[str, float]:
    """The model's latency of one job on an idle unit in ms (service time + result delay) and its 80% interval (the
    service time's interval, as a ratio, applied to the latency)."""
    low_s, high_s = estimate.latency_interval_s
    return {"estimate": estimate.latency_s * 1e3, "low": low_s * 1e3, "high": high_s * 1e3}


def stream_row(s: StreamSim, window_s: float, in_flight: int) -> dict[str, Any]:
    """One (camera instance, model) stream."""
    m = s.model
    return {
        "camera": s.camera,
        "model": m.model,
        "unit": s.unit.name,
        "nominal_fps": m.camera_fps,
        "offered_fps": s.frames_offered / window_s,
        "achieved_fps": s.completed / window_s,
        "offered": s.frames_offered,
        "completed": s.completed,
        "dropped": s.dropped,
        "late": s.late,
        "deadline_ms": s.deadline_rel_s * 1e3,
        "in_flight": in_flight,
        "drop_rate": ratio(s.dropped, s.frames_offered) or 0.0,
        "latency_ms": latency_stats(s.latencies).as_dict(),
        "service_ms": service_ms(m.estimate),
        "result_delay_ms": m.estimate.result_delay_s * 1e3,
        "latency_model_ms": latency_model_ms(m.estimate),
        "service_source": m.estimate.source,
        "service_detail": m.estimate.detail,
        "ops_per_inference": m.ops_per_inference,
        "input": None if m.resize is None else {"width_px": m.width_px, "height_px": m.height_px, "resize": m.resize},
        "resize": None if m.preprocess is None else {
            "unit": m.preprocess.unit, "ops_per_frame": m.preprocess.ops_per_frame,
            "service_ms": m.preprocess.estimate.service_s * 1e3, "service_source": m.preprocess.estimate.source},
    }


def unit_row(u: UnitSim, index: int, state: RunState, window_s: float) -> dict[str, Any]:
    """One compute unit or link: utilization, energy (its leakage included), inferences, throttling, temperature."""
    platform = state.platform
    e0, b0, q0 = u.snapshot
    energy_j = u.energy_j - e0
    if platform is not None:
        energy_j += float(platform.leak_energy_j[index] - platform.snapshot.leak_energy_j[index])
    busy_s = u.busy_s - b0
    row: dict[str, Any] = {
        "name": u.name,
        "kind": u.kind,
        "device": u.unit_model.device,
        "utilization": min(1.0, busy_s / (u.servers * window_s)),
        "energy_j": energy_j,
        "avg_power_w": energy_j / window_s,
        "inferences": u.completed_in_window,
        "inferences_per_j": ratio(u.completed_in_window, energy_j),
        "mean_queue_jobs": (u.queue_area_s - q0) / window_s,
        "mean_batch_size": (sum(u.batch_sizes) / len(u.batch_sizes)) if u.batch_sizes else None,
        "throttled_s": u.throttled_s,
        "throttle_count": sum(1 for _, kind in u.throttle_events if kind == "throttle"),
        "first_throttle_s": next((t for t, kind in u.throttle_events if kind == "throttle"), None),
        "dvfs_state_s": dict(u.state_time_s),
        "shutdown_at_s": u.shutdown_s,
        "max_temp_c": None,
        "final_temp_c": None,
    }
    sleep = u.sleep_summary()  # None for a unit without a sleep level
    row["sleep_s"] = None if sleep is None else sleep.sleep_s
    row["wakes"] = None if sleep is None else sleep.wakes
    # DRAM energy of its jobs' bytes (in energy_j) when its memory bus has energy_j_per_byte; DVFS transitions
    # (each a stall and a pulse) since t = 0 when it has dvfs_transition
    row["dram_energy_j"] = u.dram_energy_j() if u.dram_j_per_byte is not None else None
    row["dvfs_transitions"] = u.transitions if u.transition is not None else None
    if platform is not None and platform.net is not None and platform.unit_node[index] >= 0:
        node = platform.unit_node[index]
        row["thermal_node"] = platform.net.node_names[node]
        row["max_temp_c"] = float(platform.max_temp_c[node])
        row["final_temp_c"] = float(platform.temp_c[node])
    return row


def memory_bus_rows(units: list[UnitSim], window_s: float) -> list[dict[str, Any]]:
    """One row per memory bus with a unit on it: bandwidth, peak sharers, and the DRAM energy of the bytes moved in
    the window (J; the sum of its units' ``dram_energy_j``, already in their ``energy_j``), None without
    ``energy_j_per_byte``."""
    buses: list[SharedBus] = []
    for u in units:
        if u.bus is not None and all(u.bus is not b for b in buses):
            buses.append(u.bus)
    rows = []
    for bus in buses:
        modeled = bus.energy_j_per_byte is not None
        dram_j = sum(u.dram_energy_j() for u in units if u.bus is bus) if modeled else None
        rows.append({
            "name": bus.name,
            "bandwidth_bytes_per_s": bus.bandwidth_bytes_per_s,
            "peak_sharers": bus.peak_sharers,
            "energy_j_per_byte": bus.energy_j_per_byte,
            "dram_energy_j": dram_j,
            "dram_avg_power_w": None if dram_j is None else dram_j / window_s,
        })
    return rows


def pipeline_row(p: PipelineSim, window_s: float) -> dict[str, Any]:
    """One pipeline on one camera instance (statistics over the window), with one sub-row per stage."""
    model = p.model
    stages = []
    per_unit: dict[str, float] = {}
    total_j = 0.0
    for owner in p.owners:
        stage = owner.stage
        energy = owner.energy_in_window(window_s)
        total_j += energy.energy_j
        per_unit[stage.place] = per_unit.get(stage.place, 0.0) + energy.energy_j
        stages.append({
            "name": stage.name,
            "unit": stage.unit,
            "link": stage.link,
            "kind": "transfer" if stage.is_transfer else "compute",
            "cost": stage.cost,
            "count": {"kind": stage.count_kind, "mean": stage.count_mean},
            "ops_per_job": stage.ops_per_job,
            "after": list(stage.after),
            "jobs": owner.jobs_completed,
            "jobs_per_frame": owner.jobs_completed / p.completed if p.completed else None,
            "jobs_dropped": owner.jobs_dropped,
            "service_ms": owner.service_s * 1e3,
            "idle_job_ms": stage.idle_job_s * 1e3,
            "mean_service_ms": owner.job_time_s / owner.jobs_completed * 1e3 if owner.jobs_completed else None,
            "link_latency_ms": stage.latency_s * 1e3 if stage.is_transfer else 0.0,
            "result_delay_ms": stage.estimate.result_delay_s * 1e3,
            "service_source": stage.estimate.source,
            "service_detail": stage.estimate.detail,
            "busy_s": energy.busy_s,
            "dynamic_energy_j": energy.dynamic_energy_j,
            "static_energy_j": energy.static_energy_j,
            "energy_j": energy.energy_j,
        })
    in_flight = p.in_flight_count()
    ops_per_frame = sum(o.stage.ops_per_job * o.stage.count_mean for o in p.owners)
    ops_done = sum(o.stage.ops_per_job * o.jobs_completed for o in p.owners)
    return {
        "pipeline": p.name,
        "camera": p.camera,
        "nominal_fps": model.camera_fps,
        "offered": p.offered,
        "completed": p.completed,
        "dropped": p.dropped,
        "late": p.late,
        "in_flight": in_flight,
        "offered_fps": p.offered / window_s,
        "achieved_fps": p.completed / window_s,
        "drop_rate": p.dropped / p.offered if p.offered else 0.0,
        "late_rate": p.late / p.completed if p.completed else 0.0,
        "deadline_ms": model.deadline_s * 1e3,
        "latency_ms": latency_stats(p.latencies).as_dict(),
        "critical_path_ms": model.critical_path_s * 1e3,
        "critical_path": list(model.critical_path),
        "ops_per_frame": ops_per_frame,  # all compute stages (CPU pre/post-processing included), at the mean counts
        "required_ops_per_s": ops_per_frame * model.camera_fps,
        "achieved_ops_per_s": ops_done / window_s,
        "energy_j": total_j,
        "energy_per_frame_j": total_j / p.completed if p.completed else None,
        "energy_by_unit_j": per_unit,
        "static_share_rule": STATIC_SHARE_RULE,
        "stages": stages,
    }


def load_row(load: LoadSim, window_s: float) -> dict[str, Any]:
    """One MLPerf load driver: its scenario's metric, latency statistics, counts, energy."""
    m = load.model
    lat = latency_stats(load.latencies)
    out: dict[str, Any] = {
        "name": load.name,
        "scenario": m.scenario,
        "model": m.model,
        "unit": load.unit.name,
        "width_px": m.width_px,
        "height_px": m.height_px,
        "metric": load.metric_name,
        "value": None,
        "queries": load.queries_completed,
        "samples": load.samples_completed,
        "ops_per_sample": m.ops_per_sample,
        "target_qps": m.target_qps,
        "service_ms": load.service_s * 1e3,
        "result_delay_ms": m.estimate.result_delay_s * 1e3,
        "latency_model_ms": latency_model_ms(m.estimate),
        "idle_sample_ms": m.idle_sample_s * 1e3,
        "service_source": m.estimate.source,
        "latency_ms": lat.as_dict(),
        "qps": load.queries_completed / window_s,
    }
    out.update(load.metric(lat, window_s))
    energy = load.energy_in_window(window_s)
    out.update({"busy_s": energy.busy_s, "dynamic_energy_j": energy.dynamic_energy_j, "static_energy_j": energy.static_energy_j,
                "energy_j": energy.energy_j})
    out["samples_per_j"] = load.samples_completed / energy.energy_j if energy.energy_j > 0 else None
    out["static_share_rule"] = STATIC_SHARE_RULE
    return out
