"""The scenario schema: frozen pydantic models, SI units, every quantity's unit in its name.

A scenario file is parsed (YAML), its catalog references are resolved (``device: hailo8``), and the
result is validated into a :class:`ScenarioSpec`. Nothing downstream reads raw YAML.

Every number is finite (no NaN, no infinity) and lies in a stated range. The ranges are not physical
constants from a source: they are sanity bounds, set orders of magnitude beyond any edge device (a 65,536 px
side, a million fps, 1e18 ops/s, 1 MW), so that no product or quotient of two inputs can overflow to infinity
(which JSON cannot hold) and no count can ask for more objects than a machine holds. Each is named below
(``MAX_...``) and its message says the bound.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

__all__ = [
    "ABSOLUTE_ZERO_C", "MAX_BYTES", "MAX_COUNT", "MAX_DURATION_S", "MAX_FPS", "MAX_OPS_PER_INFERENCE",
    "MAX_OPS_PER_PIXEL", "MAX_OPS_PER_S", "MIN_FRACTION", "MAX_PIXELS_PER_SIDE", "MAX_POWER_W", "MAX_TEMP_C", "MIN_RECORD_INTERVAL_S",
    "AmbientProfileSpec", "ArrivalSpec", "BatchTimeSpec", "BatchingSpec", "BatterySpec", "CameraPowerSpec", "CameraSpec",
    "ComputeUnitSpec", "CountSpec", "SleepSpec",
    "DropPolicy", "DvfsStateSpec", "DvfsTransitionSpec", "ExpLeakageSpec", "FanSpec", "LinkSpec", "LoadSpec", "MeasuredPoint", "MemoryBusSpec", "ModelSpec",
    "PipelineSpec", "PlatformLoadSpec", "ScheduleSpec", "PowerCurveSpec", "Precision", "RecordSpec", "RegulatorSpec", "ScenarioSpec", "Spec",
    "StageSpec", "StreamSpec", "SunSpec", "ThermalLinkSpec", "ThermalNodeSpec", "ThermalSpec", "ThrottleSpec", "ThrottleStepSpec",
    "ThrottleStepsSpec", "UnitKind",
]

Precision = Literal["int4", "int8", "fp16", "bf16", "fp32"]
UnitKind = Literal["cpu", "gpu", "npu", "dla", "tpu", "vpu", "link"]
DropPolicy = Literal["drop_oldest", "drop_newest", "never_drop"]

# Sanity bounds (not measured figures; see the module docstring). Each is far beyond any edge system.
MAX_PIXELS_PER_SIDE = 65_536  # px: a 4.3 gigapixel frame
MAX_FPS = 1e6  # frames (or inferences, queries) per second
MAX_COUNT = 10_000  # replicas of one camera; servers of one unit
MAX_DURATION_S = 1e9  # s of simulated time (31.7 years)
MIN_TIME_S = 1e-12  # s: the shortest positive duration accepted (a picosecond)
MIN_RECORD_INTERVAL_S = 1e-6  # s: the finest recording bin
MAX_OPS_PER_PIXEL = 1e12  # ops per input pixel (ResNet-50 class: 1.5e5)
MAX_OPS_PER_INFERENCE = 1e18  # ops per inference or per item
MAX_OPS_PER_S = 1e18  # ops/s: peak of one unit (largest accelerators: ~1e16)
MIN_OPS_PER_S = 1.0  # ops/s
MAX_POWER_W = 1e6  # W
MAX_BYTES = 1e15  # bytes moved or held per inference (a petabyte)
MAX_BYTES_PER_S = 1e15  # bytes/s of a link or memory bus
MIN_BYTES_PER_S = 1.0  # bytes/s
MAX_FREQUENCY_HZ = 1e12
MIN_FREQUENCY_HZ = 1.0
ABSOLUTE_ZERO_C = -273.15  # C
MAX_TEMP_C = 1000.0  # C
MAX_QUEUE = 10_000_000  # jobs waiting per stream / samples per query
MIN_FRACTION = 1e-6  # smallest efficiency, state of charge or converter efficiency accepted


PositiveFloat = Annotated[float, Field(gt=0, le=1e18, allow_inf_nan=False)]
NonNegativeFloat = Annotated[float, Field(ge=0, le=1e18, allow_inf_nan=False)]
PositiveInt = Annotated[int, Field(gt=0)]
Fraction = Annotated[float, Field(ge=MIN_FRACTION, le=1, allow_inf_nan=False)]
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.\-]+$")]
RefName = Annotated[str, Field(min_length=1, max_length=200)]

Pixels = Annotated[int, Field(gt=0, le=MAX_PIXELS_PER_SIDE)]
Fps = Annotated[float, Field(gt=0, le=MAX_FPS, allow_inf_nan=False)]
Count = Annotated[int, Field(gt=0, le=MAX_COUNT)]
QueueLength = Annotated[int, Field(gt=0, le=MAX_QUEUE)]
DurationS = Annotated[float, Field(gt=0, le=MAX_DURATION_S, allow_inf_nan=False)]
TimeS = Annotated[float, Field(ge=0, le=MAX_DURATION_S, allow_inf_nan=False)]
PositiveTimeS = Annotated[float, Field(ge=MIN_TIME_S, le=MAX_DURATION_S, allow_inf_nan=False)]
OpsPerPixel = Annotated[float, Field(gt=0, le=MAX_OPS_PER_PIXEL, allow_inf_nan=False)]
Ops = Annotated[float, Field(gt=0, le=MAX_OPS_PER_INFERENCE, allow_inf_nan=False)]
OpsPerS = Annotated[float, Field(ge=MIN_OPS_PER_S, le=MAX_OPS_PER_S, allow_inf_nan=False)]
PowerW = Annotated[float, Field(ge=0, le=MAX_POWER_W, allow_inf_nan=False)]
PositivePowerW = Annotated[float, Field(gt=0, le=MAX_POWER_W, allow_inf_nan=False)]
Bytes = Annotated[float, Field(ge=0, le=MAX_BYTES, allow_inf_nan=False)]
PositiveBytes = Annotated[float, Field(gt=0, le=MAX_BYTES, allow_inf_nan=False)]
BytesPerS = Annotated[float, Field(ge=MIN_BYTES_PER_S, le=MAX_BYTES_PER_S, allow_inf_nan=False)]
FrequencyHz = Annotated[float, Field(ge=MIN_FREQUENCY_HZ, le=MAX_FREQUENCY_HZ, allow_inf_nan=False)]
TemperatureC = Annotated[float, Field(ge=ABSOLUTE_ZERO_C, le=MAX_TEMP_C, allow_inf_nan=False)]
TemperatureDeltaK = Annotated[float, Field(gt=0, le=MAX_TEMP_C - ABSOLUTE_ZERO_C, allow_inf_nan=False)]


def _not_empty(key: str, items: tuple[object, ...]) -> tuple[object, ...]:
    """Refuse an empty list (checked after the items validate, so a bad item is not also reported as 'empty')."""
    if not items:
        raise ValueError(f"{key} needs at least one entry")
    return items


class Spec(BaseModel):
    """Base of every spec: immutable, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ArrivalSpec(Spec):
    """When a camera's frames arrive.

    ``periodic``: t_k = phase_s + k / fps. ``jitter``: the periodic instant plus a uniform offset in
    [-jitter_s, +jitter_s] (2 x jitter_s must stay below the period so frames keep their order).
    ``poisson``: exponential gaps with mean 1 / fps.
    """

    kind: Literal["periodic", "jitter", "poisson"] = "periodic"
    phase_s: TimeS = 0.0
    jitter_s: TimeS = 0.0


class ScheduleSpec(Spec):
    """A repeating duty cycle on a load's power: ``steps`` ``[[start_s, factor], ...]`` within every ``period_s``
    (default one day, t = 0 at midnight): from each start to the next the load draws ``factor x power_w``.

    On/off windows are factors 1 and 0 (``[[0, 0], [64800, 1]]``: on from 18:00 to midnight); a daily profile is
    any factors >= 0. Starts begin at 0, increase, and stay below ``period_s``.
    """

    period_s: PositiveTimeS = 86400.0
    steps: tuple[tuple[TimeS, Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False)]], ...] = Field(min_length=1)
    source: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> ScheduleSpec:
        starts = [start for start, _ in self.steps]
        if starts[0] != 0.0:
            raise ValueError(f"steps: the first step starts at 0 (the period's start), got {starts[0]:g} s")
        if any(b <= a for a, b in zip(starts, starts[1:])):
            raise ValueError("steps: starts must increase")
        if starts[-1] >= self.period_s:
            raise ValueError(f"steps: every start must be below period_s ({self.period_s:g} s), got {starts[-1]:g} s")
        return self


class CameraPowerSpec(Spec):
    """The camera's own draw (sensor + ISP + encoder) as a platform load: ``power_w`` (a measured total), or
    ``static_w + energy_per_pixel_j x width_px x height_px x fps`` (W, J/px; ``physics.camera_power``).

    No default: every figure names its ``source`` (or says ``ILLUSTRATIVE``). The one published total found is
    the Raspberry Pi Camera Module's 250 mA at 5 V = 1.25 W (mode not stated). Heats ``thermal_node`` if set.
    """

    power_w: PowerW | None = None
    static_w: PowerW | None = None
    energy_per_pixel_j: Annotated[float, Field(ge=0, le=1e-3, allow_inf_nan=False)] | None = None
    thermal_node: str | None = None
    schedule: ScheduleSpec | None = None  # a duty cycle on the draw (the camera powered down between windows)
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _one_form(self) -> CameraPowerSpec:
        affine = self.static_w is not None or self.energy_per_pixel_j is not None
        if (self.power_w is not None) == affine:
            raise ValueError("give power_w (a total), or static_w and energy_per_pixel_j, not both")
        if affine and (self.static_w is None or self.energy_per_pixel_j is None):
            raise ValueError("give both static_w and energy_per_pixel_j")
        return self


class CameraSpec(Spec):
    """A camera (or any frame source). ``count`` > 1 replicates it as ``name_0 .. name_{count-1}``."""

    name: Name
    width_px: Pixels
    height_px: Pixels
    fps: Fps
    arrival: ArrivalSpec = ArrivalSpec()
    count: Count = 1
    stagger: bool = False  # replicas' phases spread evenly over one frame period (unsynchronized cameras)
    power: CameraPowerSpec | None = None  # the camera's own draw (each replica draws it), a platform load

    @model_validator(mode="after")
    def _jitter_keeps_order(self) -> CameraSpec:
        if self.arrival.kind == "jitter" and 2 * self.arrival.jitter_s >= 1.0 / self.fps:
            raise ValueError(
                f"arrival.jitter_s = {self.arrival.jitter_s} s must be below half the frame period "
                f"({0.5 / self.fps:.6g} s at {self.fps} fps) so frames keep their order"
            )
        return self

    @property
    def pixels(self) -> int:
        return self.width_px * self.height_px


class ModelSpec(Spec):
    """A neural model. Its cost scales with the pixel count of the frames it runs on.

    Give either ``ops_per_pixel`` or ``ops_per_inference`` at ``ref_width_px`` x ``ref_height_px``.
    One op is one multiply or one add (ops = 2 x MACs).
    """

    name: Name
    catalog: str | None = None
    ops_per_pixel: OpsPerPixel | None = None
    ops_per_inference: Ops | None = None
    ref_width_px: Pixels | None = None
    ref_height_px: Pixels | None = None
    precision: Precision = "int8"
    weight_bytes: Bytes | None = None
    activation_bytes: Bytes | None = None  # bytes moved for activations per inference at the ref resolution
    input_bytes_per_pixel: Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False)] = 3.0  # uint8 RGB; scales with pixels
    overhead_s: TimeS = 0.0  # fixed per-inference cost (launch, DMA setup) in the roofline estimate
    sources: dict[str, str] = {}

    @model_validator(mode="after")
    def _one_cost(self) -> ModelSpec:
        if self.ops_per_pixel is None and self.ops_per_inference is None:
            raise ValueError("give ops_per_pixel, or ops_per_inference with ref_width_px and ref_height_px")
        if self.ops_per_inference is not None and (self.ref_width_px is None or self.ref_height_px is None):
            raise ValueError("ops_per_inference needs ref_width_px and ref_height_px (the resolution it was counted at)")
        return self

    def ops_per_pixel_value(self) -> float:
        """Operations per input pixel (the white paper's ~150k for a ResNet-50-class backbone)."""
        if self.ops_per_pixel is not None:
            return self.ops_per_pixel
        assert self.ops_per_inference is not None and self.ref_width_px and self.ref_height_px
        return self.ops_per_inference / (self.ref_width_px * self.ref_height_px)

    def ops_for(self, pixels: int) -> float:
        """Operations for one inference on a frame of ``pixels`` pixels (cost scales with pixel count)."""
        return self.ops_per_pixel_value() * pixels

    def ref_pixels(self) -> int | None:
        return self.ref_width_px * self.ref_height_px if self.ref_width_px and self.ref_height_px else None


class MeasuredPoint(Spec):
    """A published measurement of a model on a unit at full load; overrides the analytic estimate.

    ``fps`` is the sustained throughput (inferences per second) and ``power_w`` the power drawn while
    running it. Where the stream's resolution differs from ``width_px`` x ``height_px`` the service time
    is scaled by pixel count (and the result says so).
    """

    model: RefName
    fps: Annotated[float, Field(ge=1e-9, le=MAX_FPS * 1e3, allow_inf_nan=False)]
    power_w: PositivePowerW | None = None
    batch: Annotated[int, Field(gt=0, le=1_000_000)] = 1
    precision: Precision | None = None
    width_px: Pixels | None = None
    height_px: Pixels | None = None
    source: str = Field(min_length=1)
    conditions: str = ""


class DvfsStateSpec(Spec):
    """A DVFS state / power mode. Service time scales with reference frequency / frequency; dynamic power with
    f x V^2, or the state's measured full-load ``power_w`` where given (e.g. a Jetson nvpmodel mode)."""

    name: Name
    frequency_hz: FrequencyHz
    voltage_v: Annotated[float, Field(ge=1e-3, le=1e4, allow_inf_nan=False)] | None = None
    power_w: PositivePowerW | None = None
    source: str = ""


class ThrottleSpec(Spec):
    """Thermal throttling of one unit, watching its thermal node.

    Reaching ``threshold_c`` switches to ``state`` (default: the slowest DVFS state); cooling to
    ``threshold_c - hysteresis_c`` switches back to the initial state. Reaching ``critical_c`` shuts the unit
    down for the rest of the run (its queued and running jobs are dropped and counted).
    """

    threshold_c: TemperatureC
    hysteresis_c: TemperatureDeltaK = 5.0
    critical_c: TemperatureC
    state: str | None = None

    @model_validator(mode="after")
    def _order(self) -> ThrottleSpec:
        if self.threshold_c >= self.critical_c:
            raise ValueError(f"threshold_c ({self.threshold_c} C) must be below critical_c ({self.critical_c} C)")
        return self


class ThrottleStepSpec(Spec):
    """One thermal trip of a multi-step throttle: at ``threshold_c`` the unit runs in DVFS ``state``; it leaves the
    step when it cools to ``threshold_c - hysteresis_c`` (Linux thermal framework semantics)."""

    threshold_c: TemperatureC
    hysteresis_c: Annotated[float, Field(ge=0, le=MAX_TEMP_C - ABSOLUTE_ZERO_C, allow_inf_nan=False)] = 5.0
    state: Name
    source: str = ""


class ThrottleStepsSpec(Spec):
    """Several thermal trips, each with its own DVFS state (e.g. the Raspberry Pi's 80 C soft and 85 C hard steps);
    the unit shuts down only at ``critical_c`` (a true critical trip; ``None``: never)."""

    steps: tuple[ThrottleStepSpec, ...]
    critical_c: TemperatureC | None = None
    source: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> ThrottleStepsSpec:
        _not_empty("steps", self.steps)
        for k in range(1, len(self.steps)):
            a, b = self.steps[k - 1], self.steps[k]
            if not b.threshold_c > a.threshold_c:
                raise ValueError(f"steps[{k}].threshold_c ({b.threshold_c} C) must be above steps[{k - 1}] ({a.threshold_c} C)")
            if not b.threshold_c - b.hysteresis_c > a.threshold_c - a.hysteresis_c:
                raise ValueError(f"steps[{k}]: release points (threshold - hysteresis) must increase with the trips")
        if self.critical_c is not None and not self.critical_c > self.steps[-1].threshold_c:
            raise ValueError(f"critical_c ({self.critical_c} C) must be above the last step ({self.steps[-1].threshold_c} C)")
        return self


class ExpLeakageSpec(Spec):
    """Exponential temperature-dependent leakage of a unit: P_leak = p0_w exp(k_per_k (T - ref_temp_c)) on its node.

    ``p0_w`` is the leakage at ``ref_temp_c`` beyond the unit's static power (which already holds the leakage at
    the temperature it was measured at: give only the extra here, or set idle_power_w accordingly)."""

    kind: Literal["exponential"]
    p0_w: PowerW
    k_per_k: Annotated[float, Field(gt=0, le=10, allow_inf_nan=False)]
    ref_temp_c: TemperatureC = 25.0
    source: str = ""


class BatchTimeSpec(Spec):
    """t(b) = fixed_s + b x per_item_s for one model on one unit."""

    fixed_s: TimeS
    per_item_s: PositiveTimeS
    source: str = ""


class BatchingSpec(Spec):
    """Dynamic batching: up to ``max_batch`` waiting jobs of one model run together; a partial batch waits at most
    ``max_wait_s`` for more. A batch of b takes t(b) = fixed_s + b x per_item_s (``batch_time``, per model; default
    from two measured points of the model at different batch sizes, else fixed_s = 0: no batching gain)."""

    max_batch: Annotated[int, Field(gt=0, le=1_000_000)] = 8
    max_wait_s: TimeS = 0.0
    batch_time: dict[str, BatchTimeSpec] = {}


class PowerCurveSpec(Spec):
    """Dynamic power against instantaneous utilization u = busy servers / servers: u (linear) or u^exponent."""

    kind: Literal["linear", "power_law"] = "linear"
    exponent: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)] = 1.0


class PowerModeSpec(Spec):
    """A named power mode of a unit (e.g. a Jetson nvpmodel mode): its power budget and clock, where known."""

    power_w: PositivePowerW | None = None
    frequency_hz: PositiveFloat | None = None
    source: str = ""


class SleepSpec(Spec):
    """A sleep level entered after ``timeout_s`` idle (no job running or waiting) and left when a job arrives.

    Power while asleep ``power_w`` (W, at most the unit's ``idle_power_w``); entry takes ``entry_latency_s`` and
    ``entry_energy_j``, the wake ``wake_latency_s`` (added to the waking job's latency) and ``wake_energy_j``. A
    transition's energy is drawn as a constant power pulse over its latency (energy / latency), so a transition
    with energy needs a latency. No defaults for the required numbers: cite them, or mark them ILLUSTRATIVE in
    ``source`` (no sleep figures of any catalog part are published in the references read).
    """

    power_w: PowerW
    timeout_s: TimeS
    wake_latency_s: TimeS
    wake_energy_j: Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)]
    entry_latency_s: TimeS = 0.0
    entry_energy_j: Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)] = 0.0
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _pulses_have_a_duration(self) -> SleepSpec:
        for kind in ("wake", "entry"):
            if getattr(self, f"{kind}_energy_j") > 0 and getattr(self, f"{kind}_latency_s") == 0:
                raise ValueError(f"{kind}_energy_j > 0 needs {kind}_latency_s > 0 (the energy is drawn as a power "
                                 f"pulse over the {kind} latency)")
        return self


class RegulatorSpec(Spec):
    """The supply regulator of a DVFS domain (Burd and Brodersen 2000, ``physics.dvfs.VoltageRegulator``): a switch
    between states at ``V1`` and ``V2`` takes ``2 C_DD |V2 - V1| / I_max`` (+ ``relock_s`` when the clock changes)
    and costs ``(1 - eta) C_DD |V2^2 - V1^2|``."""

    decoupling_capacitance_f: Annotated[float, Field(gt=0, le=1.0, allow_inf_nan=False)]
    max_current_a: Annotated[float, Field(gt=0, le=1e4, allow_inf_nan=False)]
    efficiency: Annotated[float, Field(gt=0, le=1.0, allow_inf_nan=False)]
    relock_s: TimeS = 0.0


class DvfsTransitionSpec(Spec):
    """The cost of one DVFS state switch (a throttle or a release): the running jobs stall for ``latency_s`` (s:
    they finish that much later, and draw no dynamic power meanwhile) and the unit draws ``energy_j`` (J) as a
    constant power pulse ``energy_j / latency_s`` over the stall.

    Give ``latency_s`` and ``energy_j`` (one cost for every switch), or a ``regulator`` (a cost per pair of states
    from their ``voltage_v``). No defaults: cite them, or say ILLUSTRATIVE in ``source``.
    """

    latency_s: TimeS | None = None
    energy_j: Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)] | None = None
    regulator: RegulatorSpec | None = None
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _one_form_and_pulses_have_a_duration(self) -> DvfsTransitionSpec:
        fixed = self.latency_s is not None or self.energy_j is not None
        if fixed == (self.regulator is not None):
            raise ValueError("give latency_s and energy_j, or a regulator, not both")
        if fixed and (self.latency_s is None or self.energy_j is None):
            raise ValueError("give both latency_s and energy_j")
        if self.energy_j is not None and self.energy_j > 0 and self.latency_s == 0:
            raise ValueError("energy_j > 0 needs latency_s > 0 (the energy is drawn as a power pulse over the latency)")
        return self


class ComputeUnitSpec(Spec):
    """A compute unit (CPU, GPU, NPU...). ``device: NAME`` fills fields from the catalog; fields given here win.

    Power v1: P = idle_power_w + (P_active - idle_power_w) x busy, where P_active is the measured power of
    the running model if known, else ``max_power_w``.
    """

    name: Name
    kind: UnitKind
    device: str | None = None
    device_unit: str | None = None
    peak_ops_per_s: dict[Precision, OpsPerS] = {}
    idle_power_w: PowerW
    max_power_w: PositivePowerW
    efficiency: Fraction | None = None
    efficiency_by_model: dict[RefName, Fraction] = {}
    efficiency_from_measured: str | None = None
    catalog_efficiency: Fraction | None = None  # set by the catalog resolver: the catalog's own point / peak (fallback)
    power_modes: dict[Name, PowerModeSpec] = {}  # named modes (nvpmodel...): from the catalog, or given here
    power_mode: Name | None = None  # the selected mode: its power budget is max_power_w, its clock scales throughput
    measured: tuple[MeasuredPoint, ...] = ()
    service_time_distribution: Literal["deterministic", "exponential"] = "deterministic"
    servers: Count = 1
    power_curve: PowerCurveSpec = PowerCurveSpec()
    dvfs_states: tuple[DvfsStateSpec, ...] = ()
    reference_dvfs_state: str | None = None
    initial_dvfs_state: str | None = None
    throttle: ThrottleSpec | None = None
    thermal_node: str | None = None
    leakage_w_per_k: Annotated[float, Field(ge=0, le=1e3, allow_inf_nan=False)] = 0.0
    leakage_ref_temp_c: TemperatureC = 25.0
    leakage: ExpLeakageSpec | None = None  # exponential leakage (instead of leakage_w_per_k)
    throttle_steps: ThrottleStepsSpec | None = None  # several trips, shutdown only at critical_c (instead of throttle)
    scheduler: Literal["fifo", "priority", "edf", "fair"] = "fifo"
    batching: BatchingSpec | None = None
    memory_bandwidth_bytes_per_s: BytesPerS | None = None
    on_chip_memory_bytes: Bytes | None = None
    memory_bus: str | None = None  # name of a shared DRAM bus (memory_buses); its bandwidth is shared fairly
    sources: dict[str, str] = {}
    sleep: SleepSpec | None = None  # a sleep level after an idle timeout (wake latency and energy)
    dvfs_transition: DvfsTransitionSpec | None = None  # the stall and energy of a DVFS state switch

    @model_validator(mode="after")
    def _power_order(self) -> ComputeUnitSpec:
        if self.max_power_w < self.idle_power_w:
            raise ValueError(f"max_power_w ({self.max_power_w} W) is below idle_power_w ({self.idle_power_w} W)")
        names = [s.name for s in self.dvfs_states]
        if len(set(names)) != len(names):
            raise ValueError(f"dvfs_states: duplicate state names {names}")
        for key in ("reference_dvfs_state", "initial_dvfs_state"):
            value = getattr(self, key)
            if value is not None and value not in names:
                raise ValueError(f"{key}: {value!r} is not one of dvfs_states {names}")
        if self.power_mode is not None and self.power_mode not in self.power_modes:
            known = ", ".join(self.power_modes) or "none (give power_modes, or use a catalog device that has them)"
            raise ValueError(f"power_mode: {self.power_mode!r} is not one of the unit's power_modes ({known})")
        if self.batching is not None and self.servers != 1:
            raise ValueError("batching needs servers: 1 (a batch occupies the whole unit)")
        transition = self.dvfs_transition
        if transition is not None and transition.regulator is not None:
            missing = [s.name for s in self.dvfs_states if s.voltage_v is None]
            if missing:
                raise ValueError(f"dvfs_transition.regulator needs voltage_v on every DVFS state (missing: {missing})")
        if self.throttle is not None:
            if self.throttle.state is not None and self.throttle.state not in names:
                raise ValueError(f"throttle.state: {self.throttle.state!r} is not one of dvfs_states {names}")
        if self.throttle_steps is not None:
            if self.throttle is not None:
                raise ValueError("give throttle or throttle_steps, not both")
            for k, step in enumerate(self.throttle_steps.steps):
                if step.state not in names:
                    raise ValueError(f"throttle_steps.steps[{k}].state: {step.state!r} is not one of dvfs_states {names}")
        if self.leakage is not None and self.leakage_w_per_k > 0:
            raise ValueError("give leakage (exponential) or leakage_w_per_k (linear), not both")
        if self.sleep is not None and self.sleep.power_w > self.idle_power_w:
            raise ValueError(f"sleep.power_w ({self.sleep.power_w} W) must not exceed idle_power_w ({self.idle_power_w} W)")
        return self

    def measured_point(self, model: str) -> MeasuredPoint | None:
        for point in self.measured:
            if point.model == model:
                return point
        return None


class StreamInputSpec(Spec):
    """The model's own input size: frames are resized to ``width_px`` x ``height_px`` before the model runs.

    The model's cost (ops per pixel, the white paper's C = FPS x W x H x ops/pixel) applies to the pixels it sees.
    ``resize`` says how the frame is fitted (``letterbox``: scaled to fit and padded; ``stretch``: scaled to fill;
    ``crop``: scaled to cover and cut); the compute is the same for all three. The resize is free unless ``resize_unit`` names
    the unit that does it (a CPU, an ISP): then each frame first costs ``ops_per_pixel`` x the frame's pixels there
    (its time and energy; no default: give the figure you measured or cite), and the model job starts when it is done.
    """

    width_px: Pixels
    height_px: Pixels
    resize: Literal["letterbox", "stretch", "crop"] = "letterbox"
    resize_unit: str | None = None  # the unit that resizes (a CPU, an ISP); None: free
    ops_per_pixel: OpsPerPixel | None = None  # per pixel of the camera frame
    precision: Precision | None = None  # of the resize ops (default: the unit's only peak precision)
    queue_capacity: Annotated[int, Field(gt=0, le=1_000_000)] = 4
    source: str = ""

    @model_validator(mode="after")
    def _costed_where_placed(self) -> StreamInputSpec:
        if self.resize_unit is not None and self.ops_per_pixel is None:
            raise ValueError("a resize placed on a unit (resize_unit) needs its cost: ops_per_pixel (per camera-frame pixel)")
        if self.resize_unit is None and self.ops_per_pixel is not None:
            raise ValueError("ops_per_pixel is the cost of a resize on a unit: name the unit with resize_unit")
        return self


class StreamSpec(Spec):
    """One model running on every frame of one camera (all replicas of it), on one unit.

    ``queue_capacity`` bounds this stream's jobs waiting at the unit (not counting the one in service);
    ``drop_policy`` says which job goes when it is full. ``input`` runs the model at its own input size.
    """

    camera: str
    model: str
    unit: str
    input: StreamInputSpec | None = None
    queue_capacity: QueueLength = 4
    drop_policy: DropPolicy = "drop_oldest"
    priority: Annotated[int, Field(ge=-1_000_000_000, le=1_000_000_000)] = 0  # scheduler: priority serves higher first
    deadline_s: PositiveTimeS | None = None  # relative to frame arrival; default one frame period (1 / fps)


class ThermalNodeSpec(Spec):
    """A lumped thermal node (a junction, a shared heatsink or case) with heat capacity in J/K."""

    name: Name
    capacity_j_per_k: Annotated[float, Field(ge=1e-9, le=1e12, allow_inf_nan=False)]
    source: str = ""


class ThermalLinkSpec(Spec):
    """A thermal resistance (K/W) between two nodes, or between a node and ``ambient``."""

    between: tuple[str, str]
    resistance_k_per_w: Annotated[float, Field(ge=1e-9, le=1e12, allow_inf_nan=False)]
    source: str = ""


class FanSpec(Spec):
    """A fan on a heatsink node: a stepped curve with hysteresis on ``watch_node``'s temperature sets the duty d;
    the fan adds forced convection in parallel with the node's links to ambient (their resistance is the passive
    one): G(d) = G_passive + (G_full - G_passive) d^n, R_full = ``full_resistance_k_per_w`` at 100 % duty; its power
    is ``full_power_w`` d^3 (fan affinity law), drawn from the supply (not heating a node).

    ``curve: raspberry_pi5`` takes the Raspberry Pi 5 firmware curve (50 C 30 %, 60 C 50 %, 67.5 C 70 %, 75 C
    100 %, 5 C hysteresis); ``custom`` takes ``trips_c``, ``duty`` (one per level: len(trips_c) + 1, level 0 below
    the first trip) and ``hysteresis_c``."""

    name: Name = "fan"
    node: str
    watch_node: str
    curve: Literal["raspberry_pi5", "custom"] = "raspberry_pi5"
    trips_c: tuple[TemperatureC, ...] = ()
    duty: tuple[Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)], ...] = ()
    hysteresis_c: Annotated[float, Field(ge=0, le=MAX_TEMP_C - ABSOLUTE_ZERO_C, allow_inf_nan=False)] = 5.0
    full_resistance_k_per_w: Annotated[float, Field(ge=1e-9, le=1e12, allow_inf_nan=False)]
    full_power_w: PowerW
    convection_exponent: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = 0.8
    sources: dict[str, str] = {}

    @model_validator(mode="after")
    def _curve(self) -> FanSpec:
        if self.curve == "custom":
            if not self.trips_c or len(self.duty) != len(self.trips_c) + 1:
                raise ValueError("curve custom needs trips_c and one duty per level (len(trips_c) + 1)")
        elif self.trips_c or self.duty:
            raise ValueError("trips_c and duty are for curve: custom")
        return self


class AmbientProfileSpec(Spec):
    """Ambient temperature over time: ``daily_sine`` (T = mean_c + amplitude_c cos(2 pi (t - peak_time_s) / day),
    t = 0 at midnight) or ``csv`` (``path`` with columns time_s, temp_c, linear between points). Applied as a
    piecewise-constant ambient over steps of ``step_s`` (each step takes the profile's exact mean over it)."""

    kind: Literal["daily_sine", "csv"]
    mean_c: TemperatureC = 25.0
    amplitude_c: Annotated[float, Field(ge=0, le=500, allow_inf_nan=False)] = 0.0
    peak_time_s: TimeS = 54000.0
    path: str | None = None
    step_s: Annotated[float, Field(ge=1e-3, le=MAX_DURATION_S, allow_inf_nan=False)] = 60.0
    source: str = ""

    @model_validator(mode="after")
    def _path(self) -> AmbientProfileSpec:
        if (self.kind == "csv") != (self.path is not None):
            raise ValueError("kind csv needs path (and only csv takes one)")
        return self


class SunSpec(Spec):
    """Absorbed sun heat: peak_w sin(pi (t - sunrise_s) / (sunset_s - sunrise_s)) by day, 0 by night (t = 0 at
    midnight), shared among thermal nodes by ``share`` (fractions summing to at most 1)."""

    peak_w: PowerW
    sunrise_s: TimeS = 21600.0
    sunset_s: TimeS = 64800.0
    share: dict[str, Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]]
    source: str = ""

    @model_validator(mode="after")
    def _day(self) -> SunSpec:
        if not 0 <= self.sunrise_s < self.sunset_s <= 86400.0:
            raise ValueError("need 0 <= sunrise_s < sunset_s <= 86400")
        if sum(self.share.values()) > 1 + 1e-9:
            raise ValueError("share: fractions must sum to at most 1")
        return self


class ThermalSpec(Spec):
    """The thermal network: nodes joined by resistances, ambient at ``ambient_c``. Units heat the node named by
    their ``thermal_node``; several units may share one node (an SoC) or one heatsink."""

    ambient_c: TemperatureC = 25.0
    initial_temp_c: TemperatureC | None = None
    nodes: tuple[ThermalNodeSpec, ...]
    links: tuple[ThermalLinkSpec, ...]
    fan: FanSpec | None = None
    ambient_profile: AmbientProfileSpec | None = None
    sun: SunSpec | None = None

    @field_validator("nodes", "links")
    @classmethod
    def _some(cls, items: tuple[object, ...], info: ValidationInfo) -> tuple[object, ...]:
        return _not_empty(info.field_name or "list", items)


class BatterySpec(Spec):
    """A battery feeding every unit and platform load through a DC-DC converter of ``dcdc_efficiency``.

    ``model``: ideal (energy bucket), peukert (``peukert_exponent``, ``rated_hours``), kibam (kinetic battery
    model: ``kibam_c`` available fraction, ``kibam_k_per_s`` rate constant), liion (an equivalent-circuit pack of
    ``series x parallel`` identical catalog cells ``cell`` at ``cell_temp_c``; the cells of a parallel group share
    the current equally). The run ends when the state of charge reaches ``cutoff_soc`` (liion: when the voltage
    under load reaches ``series x`` the cell's cut-off). ``cell``, ``series``, ``parallel`` and ``cell_temp_c``
    are for liion only: given with another model they are an error.
    """

    model: Literal["ideal", "peukert", "kibam", "liion"] = "ideal"
    capacity_wh: Annotated[float, Field(ge=1e-9, le=1e9, allow_inf_nan=False)]
    nominal_voltage_v: Annotated[float, Field(ge=1e-3, le=1e4, allow_inf_nan=False)] = 11.1
    cutoff_soc: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)] = 0.0
    initial_soc: Fraction = 1.0
    dcdc_efficiency: Fraction = 1.0
    peukert_exponent: Annotated[float, Field(ge=1, le=10, allow_inf_nan=False)] = 1.0
    rated_hours: Annotated[float, Field(ge=1e-6, le=1e9, allow_inf_nan=False)] = 1.0
    kibam_c: Annotated[float, Field(ge=1e-6, le=1 - 1e-6, allow_inf_nan=False)] = 0.625
    kibam_k_per_s: Annotated[float, Field(ge=1e-12, le=1e6, allow_inf_nan=False)] | None = None
    cell: str | None = None  # liion: a cell of edgesim/catalog/data/batteries.yaml
    series: Annotated[int, Field(ge=1, le=10_000)] = 1  # liion: cells in series
    parallel: Annotated[int, Field(ge=1, le=10_000)] = 1  # liion: cells in parallel (share the current equally)
    cell_temp_c: TemperatureC = 25.0  # liion: cell temperature (sets R by Arrhenius and the usable capacity)
    sources: dict[str, str] = {}

    @field_validator("series", "parallel", mode="before")
    @classmethod
    def _count_not_bool(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, bool):  # `parallel: yes` would otherwise read as 1
            raise ValueError("must be an integer count of cells >= 1, not a boolean")
        return value

    @field_validator("cell", "series", "parallel", "cell_temp_c")
    @classmethod
    def _liion_only(cls, value: object, info: ValidationInfo) -> object:
        # runs only on fields given explicitly (defaults are not validated); `model` is declared first
        model = info.data.get("model")
        if value is not None and model is not None and model != "liion":
            raise ValueError(f"only for model liion (a pack of catalog cells), not model {model!r}: "
                             f"remove {info.field_name} or set model: liion")
        return value

    @model_validator(mode="after")
    def _kibam_needs_k(self) -> BatterySpec:
        if self.model == "kibam" and self.kibam_k_per_s is None:
            raise ValueError("model kibam needs kibam_k_per_s (rate constant, 1/s)")
        if self.model == "liion" and self.cell is None:
            raise ValueError("model liion needs cell (a cell of the battery catalog, e.g. lg_m50_nmc811)")
        if self.model == "liion" and self.cutoff_soc != 0.0:
            raise ValueError("model liion ends at the cell's cut-off voltage: leave cutoff_soc at 0")
        if self.initial_soc <= self.cutoff_soc:
            raise ValueError(f"initial_soc ({self.initial_soc}) must be above cutoff_soc ({self.cutoff_soc}): "
                             "the battery would start empty")
        return self


class PlatformLoadSpec(Spec):
    """A load on the platform (display, radio, rest of the system) in W, constant or on a ``schedule``; heats
    ``thermal_node`` if set."""

    name: Name
    power_w: PowerW
    thermal_node: str | None = None
    schedule: ScheduleSpec | None = None  # a duty cycle: the load draws factor x power_w (on/off windows, a daily profile)
    source: str = ""


class MemoryBusSpec(Spec):
    """A DRAM interface shared by the units that name it: active memory-bound jobs share its bandwidth fairly.

    ``energy_j_per_byte`` (J/byte, optional, no default): the DRAM energy of each byte a job moves over the bus,
    drawn by the job's unit as power ``energy_j_per_byte x`` (the job's bytes per second) while it runs. Given, it
    needs a ``source`` (or ``ILLUSTRATIVE`` there): no LPDDR4/5 pJ/bit figure with its conditions is published in
    the references read.
    """

    name: Name
    bandwidth_bytes_per_s: BytesPerS
    energy_j_per_byte: Annotated[float, Field(ge=0, le=1e-6, allow_inf_nan=False)] | None = None
    source: str = ""

    @model_validator(mode="after")
    def _energy_has_a_source(self) -> MemoryBusSpec:
        if self.energy_j_per_byte is not None and not self.source.strip():
            raise ValueError("energy_j_per_byte needs a source (cite it, or say ILLUSTRATIVE)")
        return self


class LinkSpec(Spec):
    """A transfer resource (PCIe, M.2, USB, Ethernet, MIPI): FIFO, ``bandwidth_bytes_per_s`` occupancy per byte,
    ``latency_s`` added after the transfer (it does not occupy the link), ``energy_j_per_byte`` drawn per byte."""

    name: Name
    bandwidth_bytes_per_s: BytesPerS
    latency_s: TimeS = 0.0
    energy_j_per_byte: Annotated[float, Field(ge=0, le=1e3, allow_inf_nan=False)] = 0.0
    idle_power_w: PowerW = 0.0
    sources: dict[str, str] = {}


class CountSpec(Spec):
    """How many jobs of a stage one frame makes: ``fixed`` (mean), ``poisson`` (mean) or ``uniform`` in [low, high]."""

    kind: Literal["fixed", "poisson", "uniform"] = "fixed"
    mean: Annotated[float, Field(ge=0, le=MAX_COUNT, allow_inf_nan=False)] = 1.0
    low: Annotated[int, Field(ge=0, le=MAX_COUNT)] = 0
    high: Annotated[int, Field(ge=0, le=MAX_COUNT)] = 0
    source: str = ""  # low <= high is checked with the pipeline (model.pipeline_checks)


class StageSpec(Spec):
    """One stage of a pipeline, placed on a unit (compute) or a link (transfer).

    Compute cost: ``model`` (an inference, service time as for streams), or ``ops_per_pixel`` / ``ops_per_item``
    at the unit's analytic rate (e.g. decode, resize, normalize, NMS). Transfer: ``bytes_per_pixel`` (x frame
    pixels) or ``bytes_per_item``. ``count`` makes several jobs per frame (e.g. one classifier run per detected
    object); the stages after it wait for all of them. ``after`` lists the stages it depends on.
    """

    name: Name
    unit: str | None = None
    link: str | None = None
    model: str | None = None
    ops_per_pixel: OpsPerPixel | None = None
    ops_per_item: Ops | None = None
    precision: Precision | None = None
    bytes_per_pixel: Annotated[float, Field(gt=0, le=1e6, allow_inf_nan=False)] | None = None
    bytes_per_item: PositiveBytes | None = None
    count: CountSpec = CountSpec()
    after: tuple[str, ...] = ()
    width_px: Pixels | None = None  # the stage's own input size (e.g. a 224 x 224 crop); default the frame's
    height_px: Pixels | None = None
    queue_capacity: QueueLength = 4
    drop_policy: DropPolicy = "never_drop"
    priority: Annotated[int, Field(ge=-1_000_000_000, le=1_000_000_000)] = 0

    @model_validator(mode="after")
    def _placed_and_costed(self) -> StageSpec:
        if (self.unit is None) == (self.link is None):
            raise ValueError("a stage is placed on exactly one of unit or link")
        if self.unit is not None and sum(x is not None for x in (self.model, self.ops_per_pixel, self.ops_per_item)) != 1:
            raise ValueError("a compute stage needs exactly one of model, ops_per_pixel, ops_per_item")
        if self.link is not None and sum(x is not None for x in (self.bytes_per_pixel, self.bytes_per_item)) != 1:
            raise ValueError("a transfer stage needs exactly one of bytes_per_pixel, bytes_per_item")
        if (self.width_px is None) != (self.height_px is None):
            raise ValueError("give both width_px and height_px, or neither")
        return self


class PipelineSpec(Spec):
    """A DAG of stages run on every frame of ``camera`` (all its replicas). Latency: frame arrival to last sink."""

    name: Name
    camera: str
    stages: tuple[StageSpec, ...]
    deadline_s: PositiveTimeS | None = None  # default one frame period

    @field_validator("stages")
    @classmethod
    def _some(cls, items: tuple[object, ...]) -> tuple[object, ...]:
        return _not_empty("stages", items)


class LoadSpec(Spec):
    """An MLPerf-style load driver (LoadGen scenarios) instead of, or besides, cameras.

    ``single_stream``: one query of one sample, the next when it completes (report p90 latency).
    ``multi_stream``: queries of ``samples_per_query`` samples, the next when all complete (p99 latency).
    ``server``: Poisson queries at ``target_qps`` (p99 latency, valid when under ``latency_bound_s``).
    ``offline``: all samples queued at once (throughput, samples/s).
    """

    name: Name
    scenario: Literal["single_stream", "multi_stream", "server", "offline"]
    model: str
    unit: str
    width_px: Pixels
    height_px: Pixels
    samples_per_query: QueueLength = 8
    target_qps: Fps | None = None
    latency_bound_s: PositiveTimeS | None = None
    offline_samples: QueueLength = 24576


class RecordSpec(Spec):
    """What is recorded. ``interval_s``: bin width of the power, utilization and queue time series."""

    interval_s: Annotated[float, Field(ge=MIN_RECORD_INTERVAL_S, le=MAX_DURATION_S, allow_inf_nan=False)] = 1.0
    trace: bool = False


class ScenarioSpec(Spec):
    """A whole scenario. Times in seconds; statistics exclude frames that arrive before ``warmup_s``."""

    name: Name
    description: str = ""
    duration_s: DurationS
    warmup_s: TimeS = 0.0
    seed: Annotated[int, Field(ge=0, le=2**128)] = 0
    catalog_files: tuple[str, ...] = ()
    cameras: tuple[CameraSpec, ...] = ()
    models: tuple[ModelSpec, ...]
    compute_units: tuple[ComputeUnitSpec, ...]
    streams: tuple[StreamSpec, ...] = ()
    pipelines: tuple[PipelineSpec, ...] = ()
    links: tuple[LinkSpec, ...] = ()
    loads: tuple[LoadSpec, ...] = ()
    thermal: ThermalSpec | None = None
    battery: BatterySpec | None = None
    platform_loads: tuple[PlatformLoadSpec, ...] = ()
    power_budget_w: PositivePowerW | None = None  # the supply's limit (e.g. PoE class 3: 12.95 W at the device)
    memory_buses: tuple[MemoryBusSpec, ...] = ()
    record: RecordSpec = RecordSpec()
    source: str = "<dict>"

    @field_validator("models", "compute_units")
    @classmethod
    def _some(cls, items: tuple[object, ...], info: ValidationInfo) -> tuple[object, ...]:
        return _not_empty(info.field_name or "list", items)

    @model_validator(mode="after")
    def _warmup_inside(self) -> ScenarioSpec:
        if not (self.streams or self.pipelines or self.loads):
            raise ValueError("nothing to run: give streams, pipelines or loads")
        if (self.streams or self.pipelines) and not self.cameras:
            raise ValueError("streams and pipelines need cameras")
        if self.warmup_s >= self.duration_s:
            raise ValueError(f"warmup_s ({self.warmup_s} s) must be below duration_s ({self.duration_s} s)")
        return self

    def camera(self, name: str) -> CameraSpec:
        return next(c for c in self.cameras if c.name == name)

    def model(self, name: str) -> ModelSpec:
        return next(m for m in self.models if m.name == name)

    def unit(self, name: str) -> ComputeUnitSpec:
        return next(u for u in self.compute_units if u.name == name)
