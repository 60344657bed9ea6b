"""A run's cost before it runs: how many events, recorded intervals and bytes a scenario asks for, and a refusal,
naming the field that drives the excess, when that exceeds what the machine can do in minutes.

The engine schedules one event per frame (arrival) and one per job (its completion), so

    events = sum over cameras of fps x count x duration x (1 + jobs per frame)
           + sum over loads of their queries and samples,

where a camera's jobs per frame are its streams plus, for each pipeline on it, the mean job count of every stage
(``count``: fixed or Poisson mean, uniform (low + high) / 2). Load drivers: ``server`` issues target_qps x duration
queries of one sample; ``offline`` its ``offline_samples``; ``single_stream`` and ``multi_stream`` are closed loops,
at most as fast as their unit serves the model (the low end of the service time's 80% interval from the
performance model, times its servers). The estimate is an upper bound: a battery cut-off or a thermal shutdown ends a run early.

Recorded intervals are duration / ``record.interval_s`` for each unit (and the device, with a platform).

Memory (what grows with the run, from the engine's own accounting in README "Speed and memory"): one float32
latency per job (4 bytes); per unit and interval six float64 running totals (48 bytes), with a platform four more
per device plus one per thermal node; with ``record.trace`` one row per job (about 200 bytes as Python objects,
an estimate, not a measurement).

Default limit: :data:`DEFAULT_MAX_EVENTS` = 2e8 events, which the engine runs in about 5-10 minutes on one core of
the project's 2-core machine (0.33-0.38 M inferences per wall-second, README "Speed and memory"), with 2e7
recorded intervals and 8 GB of run memory (a third of a 24 GB machine) that scale with it: ``--max-events N``
raises all three in proportion.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import ScenarioError
from ..spec.schema import CameraSpec, ComputeUnitSpec, LoadSpec, ModelSpec, ScenarioSpec
from .cycles import auto_interval_s
from .service import ServiceTimeError, service_time
from .stages import count_mean

__all__ = [
    "BYTES_PER_EVENT_LIMIT",
    "DEFAULT_MAX_EVENTS",
    "INTERVALS_PER_EVENT_LIMIT",
    "RunEstimate",
    "check_run_budget",
    "check_simulated_events",
    "estimate_run",
]

DEFAULT_MAX_EVENTS = 200_000_000
"""Events a run may schedule by default (about 5-10 minutes of wall time on one core)."""

INTERVALS_PER_EVENT_LIMIT = 0.1
"""Recorded intervals allowed per allowed event: 2e7 intervals at the default limit."""

BYTES_PER_EVENT_LIMIT = 40.0
"""Run memory allowed per allowed event, in bytes: 8e9 bytes (8 GB) at the default limit."""

LATENCY_BYTES_PER_JOB = 4  # one float32 latency per completed job
TRACE_BYTES_PER_JOB = 200  # one trace row per job (Python tuple of floats): an estimate
UNIT_BYTES_PER_INTERVAL = 6 * 8  # six float64 running totals per unit and interval
DEVICE_BYTES_PER_INTERVAL = 4 * 8  # battery energy, state of charge, leakage energy, device power
NODE_BYTES_PER_INTERVAL = 8  # one temperature area per thermal node

REFERENCE_DURATION_S = 3600.0
"""A run whose rate would stay within the limit for an hour is 'too long', not 'too fast': the budget error then
names ``duration_s``; otherwise the rate field (fps, count, fan-out, QPS)."""

_TYPICAL = {"fps": 30.0, "count": 1.0, "mean": 1.0, "streams": 1.0}  # what a rate factor is compared with


@dataclass(frozen=True)
class RunEstimate:
    """What a run will need.

    Attributes
    ----------
    events : float
        Simulation events (frame arrivals, job completions, load queries), an upper bound.
    recorded_intervals : float
        Recording bins over every unit (and the device, with a platform).
    memory_bytes : float
        Memory that grows with the run (latencies, time series, trace rows), in bytes.
    """

    events: float
    recorded_intervals: float
    memory_bytes: float


@dataclass(frozen=True)
class _Source:
    """One source of events: its total over the run, its rate, and the fields that set the rate."""

    events: float
    jobs: float
    events_per_s: float
    factors: tuple[tuple[str, float, float], ...]  # (field path, value, value / typical value)
    description: str


def estimate_run(spec: ScenarioSpec, duration_s: float | None = None) -> RunEstimate:
    """Estimate the events, recorded intervals and memory of running ``spec`` for ``duration_s``.

    Parameters
    ----------
    spec : ScenarioSpec
        A validated scenario.
    duration_s : float, optional
        Simulated seconds (default ``spec.duration_s``).

    Returns
    -------
    RunEstimate
    """
    duration = spec.duration_s if duration_s is None else float(duration_s)
    sources = _sources(spec, duration)
    events = sum(s.events for s in sources)
    jobs = sum(s.jobs for s in sources)
    intervals_per_unit = duration / spec.record.interval_s
    n_units = len(spec.compute_units) + len(spec.links)
    platform = spec.thermal is not None or spec.battery is not None or bool(spec.platform_loads)
    recorded = intervals_per_unit * (n_units + (1 if platform else 0))
    per_interval = n_units * UNIT_BYTES_PER_INTERVAL
    if platform:
        per_interval += DEVICE_BYTES_PER_INTERVAL + NODE_BYTES_PER_INTERVAL * (len(spec.thermal.nodes) if spec.thermal else 0)
    memory = jobs * (LATENCY_BYTES_PER_JOB + (TRACE_BYTES_PER_JOB if spec.record.trace else 0)) + intervals_per_unit * per_interval
    return RunEstimate(events=events, recorded_intervals=recorded, memory_bytes=memory)


def check_run_budget(spec: ScenarioSpec, duration_s: float | None = None, max_events: float = DEFAULT_MAX_EVENTS,
                     count_events: bool = True) -> None:
    """Refuse a run that would not fit the machine, naming the field that drives the excess.

    Parameters
    ----------
    spec : ScenarioSpec
        A validated scenario.
    duration_s : float, optional
        Simulated seconds (default ``spec.duration_s``; the CLI's ``--duration``).
    max_events : float
        Most events allowed (``--max-events``); the recorded intervals and memory allowed scale with it
        (:data:`INTERVALS_PER_EVENT_LIMIT`, :data:`BYTES_PER_EVENT_LIMIT`).
    count_events : bool
        False for a fast-forwarded run: only the recorded intervals are checked here, since events and memory grow
        with the time actually simulated, which the engine checks as it runs (:func:`check_simulated_events`).

    Raises
    ------
    ScenarioError
        Field: the one that drives the excess (``duration_s``, ``cameras[0].fps``, ``cameras[0].count``,
        ``pipelines[0].stages[2].count.mean``, ``loads[0].target_qps``, ``record.interval_s``...); the problem gives the
        estimate, the limit and how to raise it.
    """
    duration = spec.duration_s if duration_s is None else float(duration_s)
    estimate = estimate_run(spec, duration)
    hint = "lower it, or raise the limit with --max-events N (edgesim run or sweep; simulate(..., max_events=N))"
    if count_events and estimate.events > max_events:
        field, value = _event_driver(spec, duration, max_events)
        raise ScenarioError(spec.source, field, (
            f"the run would need about {estimate.events:.3g} simulation events ({value}), above the limit of "
            f"{max_events:.3g} (about 5-10 minutes of wall time); {hint}"))
    max_intervals = max_events * INTERVALS_PER_EVENT_LIMIT
    recorded = estimate.recorded_intervals
    if not count_events:  # fast-forward widens a default recording interval on a long run (model.cycles)
        recorded *= spec.record.interval_s / auto_interval_s(spec.record.interval_s, duration,
                                                             "interval_s" in spec.record.model_fields_set)
    if recorded > max_intervals:
        interval_s = spec.record.interval_s
        series = estimate.recorded_intervals * interval_s / duration  # units (and device) recorded
        field = "record.interval_s" if interval_s < 1.0 and duration * series <= max_intervals else "duration_s"
        raise ScenarioError(spec.source, field, (
            f"the run would record about {estimate.recorded_intervals:.3g} intervals (duration {duration:g} s / interval "
            f"{interval_s:g} s, per unit), above the limit of {max_intervals:.3g}; raise record.interval_s or shorten the run, "
            "or raise the limit with --max-events N"))
    max_bytes = max_events * BYTES_PER_EVENT_LIMIT
    if count_events and estimate.memory_bytes > max_bytes:
        field = "record.trace" if spec.record.trace else "duration_s"
        raise ScenarioError(spec.source, field, (
            f"the run would keep about {estimate.memory_bytes / 1e9:.3g} GB of results, above the limit of "
            f"{max_bytes / 1e9:.3g} GB; {hint}"))


def check_simulated_events(source: str, events_per_s: float, simulated_s: float, max_events: float) -> None:
    """Under fast-forward, refuse to go on once the events actually simulated would pass ``max_events``.

    Parameters
    ----------
    source : str
        The scenario file (for the error line).
    events_per_s : float
        Estimated events per simulated second (:func:`estimate_run`'s events over the duration).
    simulated_s : float
        Seconds simulated event by event so far (forwarded stretches excluded).
    max_events : float
        The run budget.

    Raises
    ------
    ScenarioError
        Field ``duration_s``, with the estimate and the limit.
    """
    if events_per_s * simulated_s > max_events:
        raise ScenarioError(source, "duration_s", (
            f"the run has simulated {simulated_s:g} s event by event (about {events_per_s * simulated_s:.3g} events) without "
            f"reaching a stationary stretch it could fast-forward, above the limit of {max_events:.3g}; shorten the run, "
            "or raise the limit with --max-events N"))


def _event_driver(spec: ScenarioSpec, duration_s: float, max_events: float) -> tuple[str, str]:
    """The field that makes the run too big, and the figures behind it (for the message)."""
    sources = _sources(spec, duration_s)
    top = max(sources, key=lambda s: s.events)
    rate = sum(s.events_per_s for s in sources)
    if rate * min(duration_s, REFERENCE_DURATION_S) <= max_events or not top.factors:
        return "duration_s", f"{rate:.3g} events per simulated second x {duration_s:g} s"
    field, value, _ = max(top.factors, key=lambda f: f[2])
    return field, f"{top.description}; {field} = {value:g}"


def _sources(spec: ScenarioSpec, duration_s: float) -> list[_Source]:
    out = [_camera_source(spec, i, camera, duration_s) for i, camera in enumerate(spec.cameras)]
    out += [_load_source(spec, k, load, duration_s) for k, load in enumerate(spec.loads)]
    return out


def _camera_source(spec: ScenarioSpec, index: int, camera: CameraSpec, duration_s: float) -> _Source:
    at = f"cameras[{index}]"
    frames_per_s = camera.fps * camera.count
    streams = sum(1 for s in spec.streams if s.camera == camera.name)
    factors: list[tuple[str, float, float]] = [
        (f"{at}.fps", camera.fps, camera.fps / _TYPICAL["fps"]),
        (f"{at}.count", camera.count, camera.count / _TYPICAL["count"]),
    ]
    jobs_per_frame = float(streams)
    for p, pipe in enumerate(spec.pipelines):
        if pipe.camera != camera.name:
            continue
        for s, stage in enumerate(pipe.stages):
            mean = count_mean(stage.count)
            jobs_per_frame += mean
            if stage.count.kind == "uniform":
                factors.append((f"pipelines[{p}].stages[{s}].count.high", stage.count.high, mean / _TYPICAL["mean"]))
            else:
                factors.append((f"pipelines[{p}].stages[{s}].count.mean", stage.count.mean, mean / _TYPICAL["mean"]))
    events_per_s = frames_per_s * (1.0 + jobs_per_frame)
    description = (f"{camera.fps:g} fps x {camera.count} cameras x (1 arrival + {jobs_per_frame:g} jobs) per frame "
                   f"x {duration_s:g} s")
    return _Source(events_per_s * duration_s, frames_per_s * jobs_per_frame * duration_s, events_per_s, tuple(factors), description)


def _load_source(spec: ScenarioSpec, index: int, load: LoadSpec, duration_s: float) -> _Source:
    at = f"loads[{index}]"
    if load.scenario == "server":
        qps = load.target_qps or 0.0
        return _Source(2.0 * qps * duration_s, qps * duration_s, 2.0 * qps, ((f"{at}.target_qps", qps, qps / 1000.0),),
                       f"{qps:g} queries per s x {duration_s:g} s")
    rate = _service_rate_per_s(spec, load)
    if load.scenario == "offline":
        samples = float(load.offline_samples) if rate is None else min(float(load.offline_samples), rate * duration_s)
        return _Source(2.0 * samples, samples, 2.0 * samples / duration_s,
                       ((f"{at}.offline_samples", load.offline_samples, load.offline_samples / 24576.0),), f"{samples:.3g} samples")
    per_query = 1 if load.scenario == "single_stream" else load.samples_per_query
    samples_per_s = rate or 0.0
    events_per_s = samples_per_s * (1.0 + 1.0 / per_query)
    return _Source(events_per_s * duration_s, samples_per_s * duration_s, events_per_s, (),
                   f"closed loop at about {samples_per_s:.3g} samples per s x {duration_s:g} s")


def _service_rate_per_s(spec: ScenarioSpec, load: LoadSpec) -> float | None:
    """Upper bound of the samples per second the load's unit serves (None when it cannot be told from the spec)."""
    unit = next((u for u in spec.compute_units if u.name == load.unit), None)
    model = next((m for m in spec.models if m.name == load.model), None)
    if unit is None or model is None:
        return None
    per_server = _model_rate(unit, model, load.width_px, load.height_px, {m.name: m for m in spec.models})
    return None if per_server is None else per_server * unit.servers


def _model_rate(unit: ComputeUnitSpec, model: ModelSpec, width_px: int, height_px: int, models: Mapping[str, ModelSpec]) -> float | None:
    """Inferences per second of one server, an upper bound: 1 / the low end of the 80% interval of the service time
    the compile derives (:func:`~edgesim.model.service.service_time`, the one place it is derived)."""
    try:
        est = service_time(unit, model, width_px * height_px, models, width_px, height_px)
    except (ServiceTimeError, ValueError):
        return None
    fastest_s = est.interval_s[0]
    return 1.0 / fastest_s if fastest_s > 0 else None
