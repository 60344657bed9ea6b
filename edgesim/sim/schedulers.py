"""Queue disciplines of a unit, one small class each, in a registry keyed by the schema's ``scheduler`` literal.

A scheduler orders the waiting jobs by a key (smallest first; ties in arrival order). FIFO needs no key: the unit
keeps a plain deque. Adding a discipline: one class here, registered in :data:`SCHEDULERS`, and its name in the
schema's ``scheduler`` literal (``edgesim/spec/unit.py``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .jobs import J_ARRIVAL, J_OWNER

if TYPE_CHECKING:  # a protocol, not a class: no sim module imports another's class
    from .ports import JobSource

__all__ = ["SCHEDULERS", "EdfScheduler", "FairScheduler", "FifoScheduler", "PriorityScheduler", "Scheduler", "make_scheduler"]


class Scheduler:
    """Base: FIFO order (``ordered = False``: the unit uses a deque and never calls :meth:`key`)."""

    ordered = False
    keys_are_times = False  # True: keys are absolute times (they move when fast-forward shifts time)

    def key(self, job: list[Any]) -> float:
        """The job's place in the queue: smaller is served first."""
        return 0.0

    def started(self, owner: JobSource) -> None:
        """A job of ``owner`` starts service (for disciplines that keep a clock per owner)."""


class FifoScheduler(Scheduler):
    """First come, first served."""


class PriorityScheduler(Scheduler):
    """Higher ``priority`` first (static priorities per stream or stage)."""

    ordered = True

    def key(self, job: list[Any]) -> float:
        return -job[J_OWNER].priority


class EdfScheduler(Scheduler):
    """Earliest deadline first: deadline = arrival + the owner's relative deadline."""

    ordered = True
    keys_are_times = True

    def key(self, job: list[Any]) -> float:
        return job[J_ARRIVAL] + job[J_OWNER].deadline_rel_s


class FairScheduler(Scheduler):
    """The owner served least so far goes first: round robin over owners under overload (FIFO with drop_oldest
    lets the jobs that arrive last in each frame lose every tie and starve)."""

    ordered = True

    def __init__(self) -> None:
        self.served: dict[JobSource, int] = {}  # owner (hashed by identity) -> jobs of it started

    def key(self, job: list[Any]) -> float:
        owner = job[J_OWNER]
        return self.served.get(owner, 0) + len(owner.waiting)

    def started(self, owner: JobSource) -> None:
        served = self.served
        served[owner] = served.get(owner, 0) + 1


SCHEDULERS: dict[str, type[Scheduler]] = {
    "fifo": FifoScheduler,
    "priority": PriorityScheduler,
    "edf": EdfScheduler,
    "fair": FairScheduler,
}


def make_scheduler(name: str) -> Scheduler:
    """A fresh scheduler of the named discipline (one per unit: some keep state)."""
    return SCHEDULERS[name]()
