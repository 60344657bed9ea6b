"""The compile step: ``compile_system(spec) -> SystemModel``.

Every runtime number is computed here, once, by physics functions: service times and their sources, power
models with DVFS states, throttle targets, batching lines, pipeline stage costs and critical paths, load
drivers, the thermal network and the battery. Cross-field and physical checks run first and report field
paths. The simulator takes the resulting :class:`~edgesim.model.records.SystemModel` and never reads the spec.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace

from ..errors import ScenarioError
from ..physics.camera_power import CameraPowerModel, CameraStage
from ..physics.dvfs import Transition, VfPoint, VoltageRegulator
from ..physics.power import DvfsState, PowerModel, UtilizationCurve
from ..physics.sleep import SleepState
from ..spec.schema import (
    CameraSpec,
    ComputeUnitSpec,
    LinkSpec,
    LoadSpec,
    ModelSpec,
    PipelineSpec,
    ScenarioSpec,
    StageSpec,
    StreamSpec,
)
from .checks import check_references
from .cycles import auto_interval_s, fast_forward_period_s
from .platform import platform_model
from .records import (
    ArrivalModel,
    BatchingModel,
    BatchTime,
    CameraModel,
    CountGroup,
    LoadModel,
    MemoryBusModel,
    PipelineModel,
    PreprocessModel,
    ServiceEstimate,
    StageModel,
    StreamModel,
    SystemModel,
    UnitModel,
)
from .run_budget import DEFAULT_MAX_EVENTS, check_run_budget, estimate_run
from .service import mode_power_w, model_batch_line, service_time
from .stages import count_mean, idle_job_s, link_unit_spec, stage_cost_text, stage_estimate, stage_pixels

__all__ = ["PIPELINE_INDEX_BASE", "LOAD_INDEX_BASE", "camera_power_w", "compile_system", "dvfs_transitions", "power_model", "sleep_state"]

PIPELINE_INDEX_BASE = 1_000_000  # job-owner indices of pipeline stages: apart from streams' 0..n-1
LOAD_INDEX_BASE = 2_000_000  # job-owner indices of load drivers


def power_model(spec: ComputeUnitSpec) -> PowerModel:
    """The unit's power model: static = idle_power_w, dynamic at full load = the budget - idle_power_w, the budget
    being the selected ``power_mode``'s ``power_w`` where one is selected, else ``max_power_w``."""
    states = tuple(DvfsState(s.name, s.frequency_hz, s.voltage_v, s.power_w) for s in spec.dvfs_states)
    curve = UtilizationCurve(spec.power_curve.kind, spec.power_curve.exponent)
    return PowerModel(spec.idle_power_w, mode_power_w(spec) - spec.idle_power_w, curve, states, spec.reference_dvfs_state)


def _batch_times(spec: ComputeUnitSpec, model_lines: Mapping[str, BatchTime] | None = None) -> dict[str, BatchTime]:
    """t(b) = fixed_s + b x per_item_s per model: given, else the line through two measured batch sizes, else the
    performance model's batch curve (``model_lines``, :func:`~edgesim.model.service.model_batch_line`)."""
    out: dict[str, BatchTime] = dict(model_lines or {})
    if spec.batching is None:
        return {}
    for model in {p.model for p in spec.measured}:
        points = sorted({p.batch: p for p in spec.measured if p.model == model}.values(), key=lambda p: p.batch)
        if len(points) >= 2 and points[0].batch != points[-1].batch:
            # a point at batch b and throughput fps takes b / fps per batch: two points fix the line
            (b1, t1), (b2, t2) = [(p.batch, p.batch / p.fps) for p in (points[0], points[-1])]
            per_item_s = (t2 - t1) / (b2 - b1)
            out[model] = BatchTime(max(0.0, t1 - b1 * per_item_s), per_item_s)
    for model, given in spec.batching.batch_time.items():
        out[model] = BatchTime(given.fixed_s, given.per_item_s)
    return out


def sleep_state(spec: ComputeUnitSpec) -> SleepState | None:
    """The unit's sleep level (physics ``SleepState``, idle power = ``idle_power_w``), or None without one."""
    sleep = spec.sleep
    if sleep is None:
        return None
    return SleepState(idle_power_w=spec.idle_power_w, sleep_power_w=sleep.power_w, timeout_s=sleep.timeout_s,
                      entry_s=sleep.entry_latency_s, entry_energy_j=sleep.entry_energy_j, wake_s=sleep.wake_latency_s,
                      wake_energy_j=sleep.wake_energy_j)


def camera_power_w(cam: CameraSpec) -> float | None:
    """The camera's own draw at its resolution and frame rate, W (``physics.camera_power``), or None if not given."""
    power = cam.power
    if power is None:
        return None
    if power.power_w is not None:
        stage = CameraStage("camera", power.power_w, 0.0)
    else:
        assert power.static_w is not None and power.energy_per_pixel_j is not None
        stage = CameraStage("camera", power.static_w, power.energy_per_pixel_j)
    return CameraPowerModel((stage,)).power_w(cam.width_px, cam.height_px, cam.fps)


def _model_batch_lines(spec: ScenarioSpec, models: Mapping[str, ModelSpec]) -> dict[str, dict[str, BatchTime]]:
    """Per batching unit, the performance model's batch line of every model its streams and loads run."""
    cams = {c.name: c for c in spec.cameras}
    runs: list[tuple[str, str, int, int]] = []
    for st in spec.streams:
        cam = cams.get(st.camera)
        if cam is not None:
            w, h = (st.input.width_px, st.input.height_px) if st.input else (cam.width_px, cam.height_px)
            runs.append((st.unit, st.model, w, h))
    runs += [(ld.unit, ld.model, ld.width_px, ld.height_px) for ld in spec.loads]
    units = {u.name: u for u in spec.compute_units if u.batching is not None}
    out: dict[str, dict[str, BatchTime]] = {}
    for unit_name, model_name, w, h in runs:
        if unit_name not in units or model_name not in models or model_name in out.get(unit_name, {}):
            continue
        line = model_batch_line(units[unit_name], models[model_name], models, w, h)
        if line is not None:
            out.setdefault(unit_name, {})[model_name] = BatchTime(*line)
    return out


def _unit_model(spec: ComputeUnitSpec, buses: Mapping[str, MemoryBusModel],
                model_lines: Mapping[str, BatchTime] | None = None) -> UnitModel:
    states = tuple(s.name for s in spec.dvfs_states)
    initial = spec.initial_dvfs_state or (max(spec.dvfs_states, key=lambda s: s.frequency_hz).name if spec.dvfs_states else None)
    batching = None
    if spec.batching is not None:
        batching = BatchingModel(spec.batching.max_batch, spec.batching.max_wait_s, _batch_times(spec, model_lines))
    return UnitModel(
        name=spec.name, kind=spec.kind, device=spec.device, servers=spec.servers, scheduler=spec.scheduler,
        exponential_service=spec.service_time_distribution == "exponential", power=power_model(spec),
        dvfs_states=states, initial_state=initial, thermal_node=spec.thermal_node,
        leakage_w_per_k=spec.leakage_w_per_k, leakage_ref_temp_c=spec.leakage_ref_temp_c, batching=batching,
        memory_bandwidth_bytes_per_s=spec.memory_bandwidth_bytes_per_s, memory_bus=spec.memory_bus, sleep=sleep_state(spec),
        dram_energy_j_per_byte=buses[spec.memory_bus].energy_j_per_byte if spec.memory_bus is not None else None,
        dvfs_transitions=dvfs_transitions(spec))


def dvfs_transitions(spec: ComputeUnitSpec) -> dict[tuple[str, str], Transition] | None:
    """The stall and energy of each switch between two of the unit's DVFS states (physics ``Transition``), by
    (from, to): the one given cost, or ``VoltageRegulator.transition`` between the states' V(f) points. None: free."""
    t = spec.dvfs_transition
    if t is None:
        return None
    pairs = [(a, b) for a in spec.dvfs_states for b in spec.dvfs_states if a.name != b.name]
    if t.regulator is None:
        assert t.latency_s is not None and t.energy_j is not None
        fixed = Transition(latency_s=t.latency_s, energy_j=t.energy_j)
        return {(a.name, b.name): fixed for a, b in pairs}
    r = t.regulator
    regulator = VoltageRegulator(r.decoupling_capacitance_f, r.max_current_a, r.efficiency, r.relock_s)
    out = {}
    for a, b in pairs:
        assert a.voltage_v is not None and b.voltage_v is not None  # checked with the unit spec
        out[(a.name, b.name)] = regulator.transition(VfPoint(a.frequency_hz, a.voltage_v), VfPoint(b.frequency_hz, b.voltage_v))
    return out


def _camera_instances(spec: ScenarioSpec) -> list[tuple[CameraModel, CameraSpec]]:
    """Camera instances: a camera with count N becomes name_0 .. name_{N-1}, staggered phases when asked."""
    out = []
    for cam in spec.cameras:
        for replica in range(cam.count):
            name = cam.name if cam.count == 1 else f"{cam.name}_{replica}"
            phase_s = cam.arrival.phase_s
            if cam.stagger and replica:
                phase_s = phase_s + replica / (cam.count * cam.fps)
            arrival = ArrivalModel(cam.arrival.kind, phase_s, cam.arrival.jitter_s)
            out.append((CameraModel(name, cam.name, cam.fps, cam.width_px, cam.height_px, arrival, camera_power_w(cam),
                                    cam.power.thermal_node if cam.power is not None else None), cam))
    return out


def _on_unit(estimate: ServiceEstimate, unit: ComputeUnitSpec) -> ServiceEstimate:
    """``estimate`` with its dynamic power compiled against the unit's static power (``idle_power_w``, as in
    :func:`power_model`): what one job adds while it runs, W, never below 0."""
    return replace(estimate, dynamic_power_w=max(0.0, estimate.active_power_w - unit.idle_power_w))


def _preprocess_model(stream: StreamSpec, cam_spec: CameraSpec, unit_specs: Mapping[str, ComputeUnitSpec],
                      models: Mapping[str, ModelSpec]) -> PreprocessModel | None:
    """The resize of ``streams[].input.resize_unit`` as an ops-costed stage on that unit (the pipelines' stage cost)."""
    given = stream.input
    if given is None or given.resize_unit is None or given.ops_per_pixel is None:
        return None
    stage = StageSpec(name=f"resize.{stream.model}", unit=given.resize_unit, ops_per_pixel=given.ops_per_pixel, precision=given.precision)
    estimate = _on_unit(stage_estimate(stage, cam_spec, unit_specs[given.resize_unit], models), unit_specs[given.resize_unit])
    return PreprocessModel(given.resize_unit, estimate, float(given.queue_capacity), given.ops_per_pixel * cam_spec.pixels)


def _stream_model(index: int, camera: CameraModel, cam_spec: CameraSpec, stream: StreamSpec, model: ModelSpec,
                  unit_spec: ComputeUnitSpec, models: Mapping[str, ModelSpec],
                  unit_specs: Mapping[str, ComputeUnitSpec]) -> StreamModel:
    width_px, height_px = (stream.input.width_px, stream.input.height_px) if stream.input else (camera.width_px, camera.height_px)
    pixels = width_px * height_px
    estimate = _on_unit(service_time(unit_spec, model, pixels, models, width_px, height_px), unit_spec)
    return StreamModel(
        index=index, camera=camera.name, camera_fps=camera.fps, pixels=pixels, model=model.name, unit=unit_spec.name,
        estimate=estimate, capacity=math.inf if stream.drop_policy == "never_drop" else float(stream.queue_capacity),
        drop_newest=stream.drop_policy == "drop_newest", priority=stream.priority,
        deadline_rel_s=stream.deadline_s if stream.deadline_s is not None else 1.0 / cam_spec.fps,
        batch_key=model.name, ops_per_inference=model.ops_for(pixels), width_px=width_px, height_px=height_px,
        resize=stream.input.resize if stream.input else None, preprocess=_preprocess_model(stream, cam_spec, unit_specs, models))


def _idle_job_s(estimate: ServiceEstimate, unit: UnitModel, buses: Mapping[str, MemoryBusModel]) -> float:
    bus = buses.get(unit.memory_bus) if unit.memory_bus else None
    speed = unit.power.speed_factor(unit.initial_state) if unit.initial_state else 1.0
    return idle_job_s(estimate, speed, bus.bandwidth_bytes_per_s if bus else None, unit.memory_bandwidth_bytes_per_s)


def _pipeline_model(spec: ScenarioSpec, pipe: PipelineSpec, camera: CameraModel, cam_spec: CameraSpec,
                    units: Mapping[str, UnitModel], unit_specs: Mapping[str, ComputeUnitSpec], buses: Mapping[str, MemoryBusModel],
                    index_base: int) -> PipelineModel:
    models = {m.name: m for m in spec.models}
    links: dict[str, LinkSpec] = {link.name: link for link in spec.links}
    stages = pipe.stages
    n = len(stages)
    index_of = {s.name: k for k, s in enumerate(stages)}
    import networkx as nx  # noqa: PLC0415 (deferred: networkx adds ~0.1 s to start-up and only pipelines need it; docs/architecture.md)
    graph = nx.DiGraph()
    graph.add_nodes_from(range(n))
    for k, stage in enumerate(stages):
        for dep in stage.after:
            graph.add_edge(index_of[dep], k)
    preds = tuple(len(stage.after) for stage in stages)
    succ = tuple(tuple(graph.successors(k)) for k in range(n))
    is_sink = tuple(not s for s in succ)
    deadline_s = pipe.deadline_s if pipe.deadline_s is not None else 1.0 / cam_spec.fps
    estimates, placed, latency = [], [], []
    for stage in stages:
        place = stage.link if stage.link is not None else stage.unit
        assert place is not None
        link = links.get(stage.link) if stage.link is not None else None
        estimates.append(_on_unit(stage_estimate(stage, cam_spec, unit_specs[place], models, link), unit_specs[place]))
        placed.append(units[place])
        # a link's latency after each transfer; a compute stage's result delay (its host round trip) after each job
        latency.append(link.latency_s if link is not None else estimates[-1].result_delay_s)
    idle_s = [_idle_job_s(e, u, buses) for e, u in zip(estimates, placed)]
    pixels = [stage_pixels(stage, cam_spec) for stage in stages]
    ops_per_job = [
        models[st.model].ops_for(px) if st.model is not None else
        st.ops_per_pixel * px if st.ops_per_pixel is not None else
        st.ops_per_item if st.ops_per_item is not None else 0.0
        for st, px in zip(stages, pixels)]
    stage_idle_s = []
    for k, stage in enumerate(stages):
        n_jobs = count_mean(stage.count)
        per_server = math.ceil(n_jobs / placed[k].servers) if stage.count.kind == "fixed" else n_jobs / placed[k].servers
        stage_idle_s.append(idle_s[k] * per_server + (latency[k] if n_jobs > 0 else 0.0))
    start_s = [0.0] * n
    finish_s = [0.0] * n
    for k in nx.topological_sort(graph):
        start_s[k] = max((finish_s[p] for p in graph.predecessors(k)), default=0.0)
        finish_s[k] = start_s[k] + stage_idle_s[k]
    critical_path_s = max(finish_s[k] for k in range(n) if is_sink[k])
    last = max((k for k in range(n) if is_sink[k]), key=lambda k: finish_s[k])
    path = [last]
    while preds[path[-1]]:
        path.append(max(graph.predecessors(path[-1]), key=lambda p: finish_s[p]))
    stage_models = []
    for k, stage in enumerate(stages):
        key = stage.model if stage.model is not None else f"{'link' if stage.link else 'stage'}:{pipe.name}/{stage.name}"
        stage_models.append(StageModel(
            index=k, name=stage.name, place=placed[k].name, is_transfer=stage.link is not None, unit=stage.unit, link=stage.link,
            model=stage.model, estimate=estimates[k], latency_s=latency[k],
            capacity=math.inf if stage.drop_policy == "never_drop" else float(stage.queue_capacity),
            drop_newest=stage.drop_policy == "drop_newest", priority=stage.priority, deadline_rel_s=deadline_s - start_s[k],
            batch_key=key, owner_index=index_base + k, count_kind=stage.count.kind, count_mean=count_mean(stage.count),
            after=tuple(stage.after), cost=stage_cost_text(stage), ops_per_job=ops_per_job[k], idle_job_s=idle_s[k]))
    groups: dict[object, list[int]] = {}
    for k, stage in enumerate(stages):
        if stage.count.kind != "fixed":
            groups.setdefault(stage.count, []).append(k)
    count_groups = tuple(CountGroup(c.kind, float(c.mean), c.low, c.high, tuple(ks))  # type: ignore[attr-defined]
                         for c, ks in groups.items())
    return PipelineModel(
        name=pipe.name, camera=camera.name, camera_fps=cam_spec.fps, rng_name="pipeline:" + pipe.name + ":" + camera.name,
        deadline_s=deadline_s, stages=tuple(stage_models), preds=preds, succ=succ, is_sink=is_sink,
        sources=tuple(k for k in range(n) if preds[k] == 0),
        fixed_counts=tuple(round(s.count.mean) if s.count.kind == "fixed" else 0 for s in stages), count_groups=count_groups,
        stage_idle_s=tuple(stage_idle_s), critical_path_s=critical_path_s, critical_path=tuple(stages[k].name for k in reversed(path)))


def _load_model(index: int, load: LoadSpec, spec: ScenarioSpec, unit: UnitModel, unit_spec: ComputeUnitSpec,
                buses: Mapping[str, MemoryBusModel]) -> LoadModel:
    models = {m.name: m for m in spec.models}
    pixels = load.width_px * load.height_px
    estimate = _on_unit(service_time(unit_spec, models[load.model], pixels, models, load.width_px, load.height_px), unit_spec)
    return LoadModel(
        index=index, name=load.name, scenario=load.scenario, model=load.model, unit=load.unit, width_px=load.width_px,
        height_px=load.height_px, samples_per_query=load.samples_per_query, target_qps=load.target_qps,
        latency_bound_s=load.latency_bound_s, offline_samples=load.offline_samples, estimate=estimate,
        idle_sample_s=_idle_job_s(estimate, unit, buses), ops_per_sample=models[load.model].ops_for(pixels))


def compile_system(spec: ScenarioSpec, duration_s: float | None = None, seed: int | None = None,
                   trace: bool | None = None, max_events: float = DEFAULT_MAX_EVENTS, exact: bool = False) -> SystemModel:
    """Check ``spec`` across fields and compute every runtime number once.

    Parameters
    ----------
    spec : ScenarioSpec
        A schema-valid scenario (:func:`edgesim.load_scenario`).
    duration_s, seed, trace : optional
        Override the scenario's ``duration_s`` (s), ``seed`` and ``record.trace``.
    max_events : float
        The run budget: a run estimated above it (events, recorded intervals, memory) is refused before it starts
        (:func:`edgesim.model.run_budget.check_run_budget`). A run that may fast-forward is checked on the events it
        actually simulates, as it runs.
    exact : bool
        Run every event (no fast-forward): the model's ``fast_forward_period_s`` is then None.

    Raises
    ------
    ScenarioError
        Every cross-field problem, each with its field path.
    """
    check_references(spec)
    duration_s = spec.duration_s if duration_s is None else float(duration_s)
    if not duration_s > spec.warmup_s:
        raise ScenarioError(spec.source, "duration_s", f"duration_s ({duration_s:g} s) must exceed warmup_s ({spec.warmup_s:g} s)")
    check_run_budget(spec, duration_s, max_events, count_events=exact)
    models = {m.name: m for m in spec.models}
    unit_specs: dict[str, ComputeUnitSpec] = {u.name: u for u in spec.compute_units}
    unit_specs.update({link.name: link_unit_spec(link) for link in spec.links})
    buses = {b.name: MemoryBusModel(b.name, b.bandwidth_bytes_per_s, b.energy_j_per_byte) for b in spec.memory_buses}
    lines = _model_batch_lines(spec, models)
    units = {name: _unit_model(u, buses, lines.get(name)) for name, u in unit_specs.items()}
    cameras = _camera_instances(spec)
    streams: list[StreamModel] = []
    for stream in spec.streams:
        for camera, cam_spec in cameras:
            if cam_spec.name == stream.camera:
                streams.append(_stream_model(len(streams), camera, cam_spec, stream, models[stream.model],
                                             unit_specs[stream.unit], models, unit_specs))
    pipelines: list[PipelineModel] = []
    index_base = PIPELINE_INDEX_BASE
    for pipe in spec.pipelines:
        for camera, cam_spec in cameras:
            if cam_spec.name == pipe.camera:
                pipelines.append(_pipeline_model(spec, pipe, camera, cam_spec, units, unit_specs, buses, index_base))
                index_base += len(pipe.stages)
    loads = tuple(_load_model(LOAD_INDEX_BASE + i, load, spec, units[load.unit], unit_specs[load.unit], buses)
                  for i, load in enumerate(spec.loads))
    unit_tuple = tuple(units.values())
    model = SystemModel(
        name=spec.name, source=spec.source, duration_s=duration_s, warmup_s=spec.warmup_s,
        seed=spec.seed if seed is None else int(seed), trace=spec.record.trace if trace is None else bool(trace),
        interval_s=min(spec.record.interval_s, duration_s), cameras=tuple(c for c, _ in cameras), units=unit_tuple,
        streams=tuple(streams), pipelines=tuple(pipelines), loads=loads, memory_buses=tuple(buses.values()),
        platform=platform_model(spec, unit_tuple, tuple(c for c, _ in cameras)), power_budget_w=spec.power_budget_w)
    if exact:
        return model
    period_s = fast_forward_period_s(model)
    if period_s is None:
        check_run_budget(spec, duration_s, max_events)  # event by event: the whole run's events count
        return model
    events_per_s = estimate_run(spec, duration_s).events / duration_s
    interval_s = auto_interval_s(model.interval_s, duration_s, "interval_s" in spec.record.model_fields_set)
    return replace(model, fast_forward_period_s=period_s, event_rate_per_s=events_per_s, max_events=float(max_events),
                   interval_s=interval_s)
