"""A shared DRAM bus as SimPy glue: the active memory-using jobs of all its units share its bandwidth fairly.

Whenever a job joins or leaves, every sharer's rate is recomputed (roofline with bandwidth / n, see
``BusSharer.rate``) and its remaining work carried over exactly: the work done at the old rate is subtracted
and the completion is rescheduled at the new rate.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..model.records import MemoryBusModel

if TYPE_CHECKING:  # a protocol, not a class: no sim module imports another's class
    from .ports import BusSharer

__all__ = ["MemoryBusSim"]


class MemoryBusSim:
    """Fair (equal) share of ``bandwidth_bytes_per_s`` among the jobs currently moving data over the bus.

    With ``energy_j_per_byte`` the units draw the DRAM power of their jobs' bytes (``BusSharer.refresh_power``); a
    job joining or leaving changes every sharer's rate, hence the DRAM power of every unit on the bus, so those
    units' power is recomputed too. Without it the bus does only the rescheduling.
    """

    def __init__(self, spec: MemoryBusModel):
        self.name = spec.name
        self.bandwidth_bytes_per_s = spec.bandwidth_bytes_per_s
        self.energy_j_per_byte = spec.energy_j_per_byte
        self.active: list[tuple[list[Any], BusSharer]] = []  # (job, unit)
        self.peak_sharers = 0

    def share_bytes_per_s(self) -> float:
        return self.bandwidth_bytes_per_s / max(1, len(self.active))

    def join(self, job: list[Any], unit: BusSharer, now: float) -> None:
        self.active.append((job, unit))
        self.peak_sharers = max(self.peak_sharers, len(self.active))
        self._rebalance(now, unit)

    def leave(self, job: list[Any], now: float) -> None:
        caller = None
        for j, u in self.active:
            if j is job:
                caller = u
        self.active = [(j, u) for j, u in self.active if j is not job]
        self._rebalance(now, caller)

    def _rebalance(self, now: float, caller: BusSharer | None) -> None:
        for job, unit in self.active:
            unit.reschedule(job, now, unit.rate(job))
        if self.energy_j_per_byte is not None:
            # the other sharers' DRAM power follows their new rates (the caller updates its own power next)
            others: list[BusSharer] = []
            for _job, unit in self.active:
                if unit is not caller and all(unit is not o for o in others):
                    others.append(unit)
            for unit in others:
                unit.advance(now)
                unit.refresh_power(now)
