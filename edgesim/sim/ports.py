"""What the sim's rooms see of each other: small protocols, so that no sim module imports another's class.

The unit, its job owners, the memory bus and the platform call each other at run time (a unit tells the platform of
every power change; the platform throttles and shuts down units; the bus re-rates the units' jobs). Each side
names the other by one of these protocols instead of importing its class, so the import graph of ``edgesim.sim``
has no circle (``tests/test_sim_layering.py`` checks it, ``if TYPE_CHECKING:`` imports included). This module
imports nothing from edgesim.

A job is the hot path's small list (``edgesim.sim.jobs``); here it is ``list[Any]``.
"""
from __future__ import annotations

from collections import deque
from typing import Any, Protocol

__all__ = ["BusSharer", "JobHost", "JobSource", "PowerListener", "SharedBus", "UnitControl"]


class PowerListener(Protocol):
    """Who integrates a unit's power over time (the platform: heat, leakage, battery)."""

    def advance(self, now: float) -> None:
        """Integrate up to ``now`` under the powers that held until then."""

    def power_changed(self, now: float) -> None:
        """A unit's power changed at ``now`` (the listener has already been advanced there)."""


class JobSource(Protocol):
    """Whoever submits jobs to a unit (a stream, pipeline stage, load driver or resize): what the unit reads of it
    and the two callbacks it makes. Implemented once, by :class:`edgesim.sim.owner.JobOwner`."""

    index: int
    waiting: deque[list[Any]]  # this owner's jobs waiting at the unit, oldest first
    capacity: float  # waiting jobs allowed (inf: never drop)
    drop_newest: bool
    priority: int
    deadline_rel_s: float
    batch_key: str
    service_s: float  # reference-seconds of one job on an idle unit at full speed
    dynamic_power_w: float  # dynamic power at full speed while one of its jobs runs, W
    compute_s: float  # roofline parts, for a shared memory bus
    memory_bytes: float
    overhead_s: float
    offered: int

    def on_complete(self, job: list[Any], now: float) -> None:
        """A job of this owner finished at ``now``."""

    def on_drop(self, job: list[Any], now: float) -> None:
        """A job of this owner was dropped at ``now``."""


class JobHost(Protocol):
    """What a job owner sees of its unit when it joins."""

    def owner_joined(self, owner: JobSource) -> None:
        """``owner`` will submit jobs here."""


class BusSharer(Protocol):
    """What a shared memory bus sees of each unit whose jobs move data over it."""

    def advance(self, now: float) -> None:
        """Integrate the unit's totals up to ``now``."""

    def rate(self, job: list[Any]) -> float:
        """Work per second of a running job under the bus's current share."""

    def reschedule(self, job: list[Any], now: float, rate: float) -> None:
        """Carry the job's work done so far, and complete the rest at ``rate``."""

    def refresh_power(self, now: float) -> None:
        """Recompute the unit's power (its jobs' DRAM power follows their rates); integrals already at ``now``."""


class SharedBus(Protocol):
    """What a unit (and the results' bus table) sees of the memory bus it shares."""

    name: str
    bandwidth_bytes_per_s: float
    energy_j_per_byte: float | None
    peak_sharers: int

    def share_bytes_per_s(self) -> float:
        """Each active job's fair share of the bandwidth, bytes/s."""

    def join(self, job: list[Any], unit: BusSharer, now: float) -> None:
        """A job of ``unit`` starts moving data at ``now``: every sharer's rate changes."""

    def leave(self, job: list[Any], now: float) -> None:
        """A job stops moving data at ``now``."""


class UnitControl(Protocol):
    """What the platform sees of a unit: its power, its throttle and its shutdown."""

    name: str
    unit_model: Any  # its compiled edgesim.model.records.UnitModel (the platform reads its thermal node)
    power_w: float
    off: bool
    throttled: bool
    platform: PowerListener | None

    def advance(self, now: float) -> None:
        """Integrate the unit's totals up to ``now``."""

    def worst_power_w(self) -> float:
        """The most the unit can draw, W."""

    def can_throttle(self) -> bool:
        """Whether a throttle can slow it (it has DVFS states)."""

    def set_throttle_state(self, throttled: bool, state: str | None, now: float) -> None:
        """Throttled in DVFS ``state``, or released to the initial state."""

    def shut_down(self, now: float) -> None:
        """Drop every job and draw no power from now on."""
