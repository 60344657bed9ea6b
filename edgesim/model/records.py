"""The compiled runtime model: typed records of plain numbers, built once from a spec by :mod:`edgesim.model.compile`.

Nothing here refers to the spec or to SimPy. The simulator (``edgesim.sim``) builds its runtime objects from these
records and never reads the scenario again; the result builder (``edgesim.results``) reads them for names and
nominal figures.
"""
from __future__ import annotations

import bisect
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..physics.ambient import DailySineAmbient, PiecewiseLinearAmbient, SolarLoad
from ..physics.battery import BatteryModel
from ..physics.clamped_leakage import ClampedLeakageNetwork
from ..physics.dvfs import Transition
from ..physics.fan import FanCurve
from ..physics.leakage import ExpLeakageNode
from ..physics.power import PowerModel
from ..physics.sleep import SleepState
from ..physics.thermal import ThermalNetwork, ThermalSystem
from ..physics.throttle import StepController, ThrottleLadder, TripPoint

__all__ = [
    "AmbientModel",
    "ArrivalModel",
    "BatchTime",
    "BatchingModel",
    "CameraModel",
    "CountGroup",
    "ExpLeakageModel",
    "FanLevelModel",
    "FanModel",
    "LoadModel",
    "LoadScheduleModel",
    "MemoryBusModel",
    "PipelineModel",
    "PlatformLoadModel",
    "PlatformModel",
    "PreprocessModel",
    "ServiceEstimate",
    "StageModel",
    "StreamModel",
    "SystemModel",
    "ThrottleStepsModel",
    "TripStepModel",
    "UnitModel",
]


@dataclass(frozen=True)
class ServiceEstimate:
    """How long one job takes on an otherwise idle unit at full speed, and the power drawn meanwhile.

    ``compute_s`` and ``memory_bytes`` are the roofline parts a shared memory bus needs (0 bytes: not
    memory-bound); ``overhead_s`` is the fixed per-inference cost outside the roofline. ``dynamic_power_w`` is set
    when the estimate is compiled onto its unit (:mod:`edgesim.model.compile`).

    ``result_delay_s`` is what the model's latency adds to the occupancy: the time from the unit finishing a job
    to its result being available (the host round trip of :func:`edgesim.physics.performance.predict`), s. It is a
    pure delay: the unit is free meanwhile, so it adds to every job's latency and not to the unit's busy time.
    ``latency_s = service_s + result_delay_s`` is the model's SingleStream latency on an idle unit.
    """

    service_s: float
    active_power_w: float
    source: str  # "measured", "measured, scaled by pixel count", "analytic", "analytic (roofline)", "transfer"
    detail: str
    compute_s: float = 0.0
    memory_bytes: float = 0.0
    overhead_s: float = 0.0
    service_s_low: float | None = None  # 80% interval of a predicted service time (None: measured or given exactly)
    service_s_high: float | None = None
    # what one job adds to its unit's power while it runs at full speed, W: active_power_w less the unit's static
    # power, compiled against the unit the job runs on (None: not yet placed on a unit)
    dynamic_power_w: float | None = None
    result_delay_s: float = 0.0  # s after the unit is done until the result is out (0: latency = occupancy)

    @property
    def interval_s(self) -> tuple[float, float]:
        """(low, high) of the service time: the 80% interval of a prediction, or the point itself."""
        low = self.service_s if self.service_s_low is None else self.service_s_low
        high = self.service_s if self.service_s_high is None else self.service_s_high
        return low, high

    @property
    def latency_s(self) -> float:
        """The model's latency of one job on an idle unit, s: the service time plus the result delay."""
        return self.service_s + self.result_delay_s

    @property
    def latency_interval_s(self) -> tuple[float, float]:
        """(low, high) of the latency: the service time's interval as a ratio to it, applied to the latency (the
        same relative 80% interval; the point itself when the service time is measured or given)."""
        low, high = self.interval_s
        if self.service_s <= 0.0:
            return self.latency_s, self.latency_s
        return self.latency_s * low / self.service_s, self.latency_s * high / self.service_s


@dataclass(frozen=True)
class ArrivalModel:
    """When a camera instance's frames arrive: ``periodic``, ``jitter`` (uniform +-jitter_s) or ``poisson``."""

    kind: str
    phase_s: float
    jitter_s: float


@dataclass(frozen=True)
class CameraModel:
    """One camera instance (a camera with ``count`` N becomes N instances, ``name_0 .. name_{N-1}``)."""

    name: str
    base_name: str
    fps: float
    width_px: int
    height_px: int
    arrival: ArrivalModel
    power_w: float | None = None  # the camera's own draw (sensor + ISP + encoder), W: a platform load; None: not modeled
    power_thermal_node: str | None = None  # the node that draw heats

    @property
    def pixels(self) -> int:
        return self.width_px * self.height_px


@dataclass(frozen=True)
class BatchTime:
    """t(b) = fixed_s + b x per_item_s for one model on one unit."""

    fixed_s: float
    per_item_s: float


@dataclass(frozen=True)
class BatchingModel:
    """Dynamic batching: up to ``max_batch`` jobs of one model, a partial batch waits at most ``max_wait_s``.

    ``batch_times`` holds the calibrated (given, or from two measured batch sizes) line per model; a model not
    listed takes t(b) = b x its single-job service time (no batching gain).
    """

    max_batch: int
    max_wait_s: float
    batch_times: Mapping[str, BatchTime]


@dataclass(frozen=True)
class UnitModel:
    """A compute unit (or a link, ``kind == "link"``) with every runtime number resolved."""

    name: str
    kind: str
    device: str | None
    servers: int
    scheduler: str
    exponential_service: bool
    power: PowerModel
    dvfs_states: tuple[str, ...]
    initial_state: str | None
    thermal_node: str | None
    leakage_w_per_k: float
    leakage_ref_temp_c: float
    batching: BatchingModel | None
    memory_bandwidth_bytes_per_s: float | None
    memory_bus: str | None
    sleep: SleepState | None = None  # a sleep level after an idle timeout (idle_power_w = the unit's static power)
    dram_energy_j_per_byte: float | None = None  # its memory bus's DRAM energy (J/byte), drawn while jobs move bytes
    # stall (s) and energy (J) of a switch between two DVFS states, by (from, to); None: switches are free
    dvfs_transitions: Mapping[tuple[str, str], Transition] | None = None

    @property
    def static_power_w(self) -> float:
        return self.power.static_power_w

    @property
    def linear_curve(self) -> bool:
        return self.power.curve.kind == "linear"

    @property
    def can_throttle(self) -> bool:
        return len(self.dvfs_states) >= 2


@dataclass(frozen=True)
class MemoryBusModel:
    """A shared DRAM interface: its bandwidth is shared equally among the active memory-using jobs."""

    name: str
    bandwidth_bytes_per_s: float
    energy_j_per_byte: float | None = None  # DRAM energy per byte moved (J/byte); None: not modeled


@dataclass(frozen=True)
class PreprocessModel:
    """A stream's resize on another unit before the model runs (``streams[].input.resize_unit``)."""

    unit: str
    estimate: ServiceEstimate
    capacity: float  # frames waiting for the resize
    ops_per_frame: float


@dataclass(frozen=True)
class StreamModel:
    """One (camera instance, model) stream on one unit. ``pixels`` are those the model sees (its input size)."""

    index: int
    camera: str
    camera_fps: float
    pixels: int
    model: str
    unit: str
    estimate: ServiceEstimate
    capacity: float  # waiting jobs allowed (inf: never drop)
    drop_newest: bool
    priority: int
    deadline_rel_s: float
    batch_key: str
    ops_per_inference: float
    width_px: int = 0  # the model's input size
    height_px: int = 0
    resize: str | None = None  # how frames are fitted to it (None: the model runs at the camera's size)
    preprocess: PreprocessModel | None = None


@dataclass(frozen=True)
class CountGroup:
    """Random job counts per frame shared by the stages that declare the same count (one draw per frame)."""

    kind: str  # "poisson" or "uniform"
    mean: float
    low: int
    high: int
    stages: tuple[int, ...]


@dataclass(frozen=True)
class StageModel:
    """One stage of one pipeline instance, placed on a unit or a link."""

    index: int
    name: str
    place: str  # the unit or link it runs on
    is_transfer: bool
    unit: str | None
    link: str | None
    model: str | None
    estimate: ServiceEstimate
    latency_s: float  # a pure delay after each job: link latency after a transfer, result delay of a compute stage
    capacity: float
    drop_newest: bool
    priority: int
    deadline_rel_s: float
    batch_key: str
    owner_index: int
    count_kind: str
    count_mean: float
    after: tuple[str, ...]
    cost: str
    ops_per_job: float
    idle_job_s: float


@dataclass(frozen=True)
class PipelineModel:
    """One pipeline on one camera instance: its stage DAG and the figures computed from it."""

    name: str
    camera: str
    camera_fps: float
    rng_name: str
    deadline_s: float
    stages: tuple[StageModel, ...]
    preds: tuple[int, ...]
    succ: tuple[tuple[int, ...], ...]
    is_sink: tuple[bool, ...]
    sources: tuple[int, ...]
    fixed_counts: tuple[int, ...]
    count_groups: tuple[CountGroup, ...]
    stage_idle_s: tuple[float, ...]
    critical_path_s: float
    critical_path: tuple[str, ...]

    @property
    def n_sinks(self) -> int:
        return sum(self.is_sink)


@dataclass(frozen=True)
class LoadModel:
    """An MLPerf LoadGen-style driver on one unit."""

    index: int
    name: str
    scenario: str
    model: str
    unit: str
    width_px: int
    height_px: int
    samples_per_query: int
    target_qps: float | None
    latency_bound_s: float | None
    offline_samples: int
    estimate: ServiceEstimate
    idle_sample_s: float
    ops_per_sample: float


@dataclass(frozen=True)
class LoadScheduleModel:
    """A repeating piecewise-constant factor: ``factors[i]`` from ``starts_s[i]`` to the next start (within every
    ``period_s``; ``starts_s[0]`` is 0)."""

    period_s: float
    starts_s: tuple[float, ...]
    factors: tuple[float, ...]

    def factor_at(self, t_s: float) -> float:
        """The factor in force at ``t_s``."""
        phase = t_s - math.floor(t_s / self.period_s) * self.period_s
        return self.factors[max(0, bisect.bisect_right(self.starts_s, phase) - 1)]

    def next_change_s(self, t_s: float) -> float:
        """The first step start after ``t_s``, s."""
        k = math.floor(t_s / self.period_s)
        i = bisect.bisect_right(self.starts_s, t_s - k * self.period_s)
        return k * self.period_s + (self.starts_s[i] if i < len(self.starts_s) else self.period_s)


@dataclass(frozen=True)
class PlatformLoadModel:
    """A platform load (display, radio...) in W, heating ``thermal_node`` when set; on a ``schedule`` it draws
    ``factor x power_w``."""

    name: str
    power_w: float
    thermal_node: str | None
    schedule: LoadScheduleModel | None = None

    @property
    def max_power_w(self) -> float:
        return self.power_w * (max(self.schedule.factors) if self.schedule is not None else 1.0)

    def power_at_w(self, t_s: float) -> float:
        """Its draw at ``t_s``, W."""
        return self.power_w if self.schedule is None else self.power_w * self.schedule.factor_at(t_s)


@dataclass(frozen=True)
class TripStepModel:
    """One step of a multi-step thermal throttle: entered at ``threshold_c``, left at ``release_c``; DVFS ``state``."""

    threshold_c: float
    release_c: float
    state: str


@dataclass(frozen=True)
class ThrottleStepsModel:
    """A unit's thermal throttle as trips (level 0 = unthrottled, level k = ``steps[k - 1]``); shutdown only at
    ``critical_c`` (None: never). Both spec forms compile to it: ``throttle_steps``, and the single ``throttle``
    as one step into its state (given, or the slowest DVFS state; no step when the unit has no two states to
    switch between) with its critical trip. ``field`` names the spec section (``throttle`` or ``throttle_steps``)."""

    unit: str
    steps: tuple[TripStepModel, ...]
    critical_c: float | None
    field: str = "throttle_steps"

    @property
    def controller(self) -> StepController:
        return StepController(tuple(TripPoint(s.threshold_c, s.threshold_c - s.release_c) for s in self.steps))

    @property
    def ladder(self) -> ThrottleLadder:
        """The physics state machine of this throttle."""
        return ThrottleLadder(self.controller, self.critical_c)


@dataclass(frozen=True)
class ExpLeakageModel:
    """Exponential leakage P = p0_w exp(k_per_k (T - ref_temp_c)) of one unit on its node (a one-node network)."""

    unit: str
    node: ExpLeakageNode


@dataclass(frozen=True)
class FanLevelModel:
    """The thermal networks in force at one fan level: without leakage, and with clamped linear leakage."""

    duty: float
    power_w: float
    network: ThermalNetwork
    leakage_network: ClampedLeakageNetwork | None

    @property
    def system(self) -> ThermalSystem:
        """The thermal system in force at this level (the clamped-leakage network when there is leakage)."""
        return self.leakage_network if self.leakage_network is not None else self.network


@dataclass(frozen=True)
class FanModel:
    """A fan whose stepped curve on ``watch_node`` sets the networks of each level (index = level)."""

    name: str
    node: str
    watch_node: str
    curve: FanCurve
    levels: tuple[FanLevelModel, ...]


@dataclass(frozen=True)
class AmbientModel:
    """A time-varying ambient (and sun heat): node heat g_amb (T_amb(t) - ambient_c) + share P_sun(t), held
    piecewise constant over steps of ``step_s`` at each step's exact mean."""

    profile: DailySineAmbient | PiecewiseLinearAmbient | None
    sun: SolarLoad | None
    sun_share: Mapping[str, float]
    step_s: float


@dataclass(frozen=True)
class PlatformModel:
    """Heat and energy source of the device: the thermal network, the battery and the platform loads.

    ``network`` has no leakage folded in; ``leakage_network`` (when a unit has linear leakage) clamps it at 0
    below each unit's reference temperature. ``fan``, ``ambient``, ``throttle_steps`` and ``exp_leakage`` are
    optional; ``battery`` is any :class:`~edgesim.physics.battery.BatteryModel` (a Li-ion pack as a
    :class:`~edgesim.physics.battery.LiIonSupply`), fed through ``dcdc_efficiency`` by the simulator.
    """

    network: ThermalNetwork | None
    initial_temp_c: float | None
    battery: BatteryModel | None
    battery_initial_state: Any
    battery_kind: str | None
    dcdc_efficiency: float
    loads: tuple[PlatformLoadModel, ...]
    leakage_network: ClampedLeakageNetwork | None = None
    thermal: ThermalSystem | None = None  # what the simulator integrates (without a fan; a fan's level picks its own)
    leakage_term_unit: tuple[int, ...] = ()  # the unit (index into SystemModel.units) of each leakage term of ``thermal``
    fan: FanModel | None = None
    ambient: AmbientModel | None = None
    throttle_steps: tuple[ThrottleStepsModel, ...] = ()
    exp_leakage: tuple[ExpLeakageModel, ...] = ()

    @property
    def platform_load_w(self) -> float:
        return sum(load.power_w for load in self.loads)

    @property
    def scheduled(self) -> bool:
        """Some platform load follows a schedule (its draw changes at known instants)."""
        return any(load.schedule is not None for load in self.loads)


@dataclass(frozen=True)
class SystemModel:
    """Everything a run needs, computed once: the simulator's only input."""

    name: str
    source: str
    duration_s: float
    warmup_s: float
    seed: int
    trace: bool
    interval_s: float
    cameras: tuple[CameraModel, ...]
    units: tuple[UnitModel, ...]
    streams: tuple[StreamModel, ...]
    pipelines: tuple[PipelineModel, ...]
    loads: tuple[LoadModel, ...]
    memory_buses: tuple[MemoryBusModel, ...]
    platform: PlatformModel | None
    power_budget_w: float | None
    notes: Mapping[str, str] = field(default_factory=dict)
    fast_forward_period_s: float | None = None  # the arrival pattern's period when the run may fast-forward; None: exact
    event_rate_per_s: float = 0.0  # estimated simulation events per simulated second (the run budget under fast-forward)
    max_events: float = math.inf  # the run budget, checked against the events actually simulated under fast-forward

    def unit(self, name: str) -> UnitModel:
        return next(u for u in self.units if u.name == name)
