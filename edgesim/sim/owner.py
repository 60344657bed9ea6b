"""The job-owner interface every unit relies on, implemented once.

Streams, pipeline stages and load drivers submit jobs to units; a unit queues them under its scheduler and tells
the owner when each one completes or is dropped. :class:`JobOwner` holds what the unit reads (queue policy,
service time, power, deadline, batching key, roofline parts) from the compiled
:class:`~edgesim.model.records.ServiceEstimate`.
"""
from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from ..model.records import ServiceEstimate

if TYPE_CHECKING:  # a protocol, not a class: no sim module imports another's class
    from .ports import JobHost

__all__ = ["JobOwner"]


class JobOwner:
    """What a unit needs to know of whoever submits a job, and the two callbacks it makes."""

    def __init__(self, index: int, unit: JobHost, estimate: ServiceEstimate, *, capacity: float, drop_newest: bool,
                 priority: int, deadline_rel_s: float, batch_key: str):
        self.index = index
        self.unit = unit
        self.estimate = estimate
        self.waiting: deque[list[Any]] = deque()  # this owner's jobs waiting at the unit, oldest first
        self.capacity = capacity  # waiting jobs allowed (inf: never drop)
        self.drop_newest = drop_newest
        self.priority = priority
        self.deadline_rel_s = deadline_rel_s
        self.batch_key = batch_key
        self.service_s = estimate.service_s
        assert estimate.dynamic_power_w is not None, "compile places every owner's estimate on its unit"
        self.dynamic_power_w = estimate.dynamic_power_w  # W while one of its jobs runs at full speed
        self.compute_s = estimate.compute_s  # roofline parts: the job shares a memory bus by its bytes
        self.memory_bytes = estimate.memory_bytes
        self.overhead_s = estimate.overhead_s
        # s from the unit finishing a job to its result being out (the host round trip): added to the job's latency,
        # not to the unit's busy time
        self.result_delay_s = estimate.result_delay_s
        self.offered = 0
        unit.owner_joined(self)

    def on_complete(self, job: list[Any], now: float) -> None:
        """A job of this owner finished at ``now``."""
        raise NotImplementedError

    def on_drop(self, job: list[Any], now: float) -> None:
        """A job of this owner was dropped at ``now`` (queue full, or its unit shut down)."""
        raise NotImplementedError
