"""Compute units (CPU, GPU, NPU...): peak rates, power, measured points, leakage, batching, sleep, power modes, and
the cross-field checks of a unit (its DVFS states and throttles are in :mod:`.dvfs`).
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from .dvfs import DvfsStateSpec, DvfsTransitionSpec, ThrottleSpec, ThrottleStepsSpec
from .types import (
    MAX_FPS,
    Bytes,
    BytesPerS,
    Count,
    Fraction,
    Name,
    OpsPerS,
    Pixels,
    PositiveFloat,
    PositivePowerW,
    PositiveTimeS,
    PowerW,
    Precision,
    RefName,
    Spec,
    TemperatureC,
    TimeS,
    UnitKind,
)

__all__ = ["MeasuredPoint", "ExpLeakageSpec", "BatchTimeSpec", "BatchingSpec", "PowerCurveSpec", "PowerModeSpec",
    "SleepSpec", "ComputeUnitSpec"]


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
    power_modes: dict[Name, PowerModeSpec] = {}  # named modes (nvpmodel...): from the catalog, or given here
    power_mode: Name | None = None  # the selected mode: its power_w is the budget at full load, its clock scales the time
    measured: tuple[MeasuredPoint, ...] = ()
    # the source family (toolchain and timing protocol: hailo_zoo, rknn_zoo, coral, mlperf...) whose engines a
    # datasheet-only unit's prior is learnt on; None: the kind's prior over every family (a wider interval)
    prior_family: str | None = None
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
        if self.power_mode is not None and self.dvfs_states:
            raise ValueError(f"power_mode: {self.power_mode!r} with dvfs_states: a power mode fixes the clock and the power "
                             "budget the DVFS states would change; give one or the other")
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
