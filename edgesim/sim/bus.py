"""A shared DRAM bus as SimPy glue: the active memory-using jobs of all its units share its bandwidth fairly.

Whenever a job joins or leaves, every sharer's rate is recomputed (roofline with bandwidth / n, see
``UnitSim._rate``) and its remaining work carried over exactly: the work done at the old rate is subtracted
and the completion is rescheduled at the new rate.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..model.records import MemoryBusModel

if TYPE_CHECKING:
    from .unit import UnitSim

__all__ = ["MemoryBusSim"]


class MemoryBusSim:
    """Fair (equal) share of ``bandwidth_bytes_per_s`` among the jobs currently moving data over the bus."""

    def __init__(self, spec: MemoryBusModel):
        self.name = spec.name
        self.bandwidth_bytes_per_s = spec.bandwidth_bytes_per_s
        self.active: list[tuple[list[Any], UnitSim]] = []  # (job, unit)
        self.peak_sharers = 0

    def share_bytes_per_s(self) -> float:
        return self.bandwidth_bytes_per_s / max(1, len(self.active))

    def join(self, job: list[Any], unit: UnitSim, now: float) -> None:
        self.active.append((job, unit))
        self.peak_sharers = max(self.peak_sharers, len(self.active))
        self._rebalance(now)

    def leave(self, job: list[Any], now: float) -> None:
        self.active = [(j, u) for j, u in self.active if j is not job]
        self._rebalance(now)

    def _rebalance(self, now: float) -> None:
        for job, unit in self.active:
            unit.reschedule(job, now, unit._rate(job))
