"""Energy attribution to job owners that share a unit (pipeline stages, load drivers).

* dynamic: each job is charged its owner's dynamic power (x DVFS scale / servers) for its actual duration
  (queueing excluded, bus slow-downs included); a batch's energy is split evenly among its jobs.
* static: a unit's idle power over the window is shared among all job owners on the unit in proportion to
  their busy server-seconds there. Temperature-dependent leakage is not attributed.
"""
from __future__ import annotations

from typing import Any, NamedTuple

from ..physics.power import unit_power_w
from .jobs import J_OWNER, J_START
from .owner import JobOwner
from .unit import UnitSim

__all__ = ["STATIC_SHARE_RULE", "EnergyMeter", "OwnerEnergy", "static_share_j"]

STATIC_SHARE_RULE = ("dynamic energy: each job is charged its owner's dynamic power (x DVFS scale / servers) for its "
                     "actual duration, a batch split evenly among its jobs; static energy: a unit's idle power over the "
                     "window is shared among all job owners on the unit (stages, streams, loads) in proportion to "
                     "their busy server-seconds on that unit; leakage is not attributed")

class OwnerEnergy(NamedTuple):
    """An owner's share of its unit in the statistics window."""

    busy_s: float
    dynamic_energy_j: float
    static_energy_j: float

    @property
    def energy_j(self) -> float:
        return self.dynamic_energy_j + self.static_energy_j


class EnergyMeter(JobOwner):
    """A job owner that meters its busy time and dynamic energy on its unit, in the statistics window."""

    unit: UnitSim  # the owner's unit, as the runtime class (JobOwner sees it through a protocol)

    warmup_s: float

    def _meter_init(self) -> None:
        self.busy_s = 0.0  # server-seconds on the unit in the window
        self.dyn_energy_j = 0.0
        self.jobs_completed = 0  # completed in the window
        self.job_time_s = 0.0  # summed durations (start to end) of those jobs

    def _meter(self, job: list[Any], now: float) -> None:
        w = self.warmup_s
        if now <= w:
            return
        unit = self.unit
        start = job[J_START]
        share = 1.0 / unit.batch_sizes[-1] if unit.batching is not None and unit.batch_sizes else 1.0
        d = (now - (max(w, start))) * share
        self.busy_s += d
        self.dyn_energy_j += self._job_dynamic_w(unit) * d
        self.jobs_completed += 1
        self.job_time_s += now - start

    def _job_dynamic_w(self, unit: UnitSim) -> float:
        """The dynamic power one of this owner's jobs adds to its unit, W: the unit's power law
        (:func:`~edgesim.physics.power.unit_power_w`) for that job alone, less the static power. Under the linear
        curve the unit's power is additive over its jobs, so this is exactly each job's part (``s x P_dyn / N``)."""
        return unit_power_w(0.0, unit.dyn_scale, self.dynamic_power_w, 1, unit.servers, unit.curve)

    def _partial(self, end_s: float) -> tuple[float, float]:
        """Busy time and dynamic energy of this owner's jobs still running at ``end_s`` (window part only)."""
        unit = self.unit
        running = [j for j in unit.running if j[J_OWNER] is self]
        if not running:
            return 0.0, 0.0
        share = 1.0 / len(unit.running) if unit.batching is not None else 1.0
        busy = sum(max(0.0, end_s - max(j[J_START], self.warmup_s)) for j in running) * share
        return busy, self._job_dynamic_w(unit) * busy

    def energy_in_window(self, window_s: float) -> OwnerEnergy:
        """Busy time, dynamic energy and static share (by busy time) over the window."""
        end_s = self.warmup_s + window_s
        extra_busy, extra_dyn = self._partial(end_s)
        busy = self.busy_s + extra_busy
        return OwnerEnergy(busy, self.dyn_energy_j + extra_dyn, static_share_j(self.unit, busy, self.warmup_s, end_s))


def static_share_j(unit: UnitSim, busy_s: float, warmup_s: float, end_s: float) -> float:
    """This owner's share of the unit's static energy in [warmup_s, end_s]: idle power x on-time x busy / unit busy."""
    unit_busy_s = unit.busy_s - unit.snapshot[1]
    if unit_busy_s <= 0.0 or busy_s <= 0.0:
        return 0.0
    on_until_s = end_s if unit.shutdown_s is None else min(end_s, unit.shutdown_s)
    static_j = unit.static_power_w * max(0.0, on_until_s - warmup_s)
    return static_j * min(1.0, busy_s / unit_busy_s)
