"""A compute unit (or a link) at run time: a core with its features composed over it.

* :mod:`.core`: owners, servers, the job life cycle, the fast path, exact integrals, recording edges, shutdown;
* :mod:`.line`: the waiting line under the unit's scheduler;
* :mod:`.dvfs`: DVFS state and throttle, switch stalls and pulses, DRAM energy per byte;
* :mod:`.batching`: dynamic batching;
* :mod:`.sleep`: the sleep level (idle timeout, entry, sleep, wake).

:class:`UnitSim` is every unit's class; :class:`SleepUnitSim` adds the sleep level, for a unit that has one
(:func:`make_unit_sim` picks), so that a unit without one does no extra work per job.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import simpy

from ...model.records import UnitModel
from .batching import BatchingMixin
from .core import EXP_CHUNK, SleepSummary, UnitCore, UnitEdge
from .dvfs import DvfsMixin
from .sleep import ASLEEP, AWAKE, ENTERING, WAKING, SleepMixin

if TYPE_CHECKING:
    from ..ports import BusSharer, JobHost, UnitControl

__all__ = ["ASLEEP", "AWAKE", "ENTERING", "EXP_CHUNK", "WAKING", "SleepSummary", "SleepUnitSim", "UnitCore", "UnitEdge",
           "UnitSim", "make_unit_sim"]


class UnitSim(BatchingMixin, DvfsMixin, UnitCore):
    """Runtime state of one compute unit: the core with DVFS and batching (each behind its own flag)."""


class SleepUnitSim(SleepMixin, UnitSim):
    """A unit with a sleep level (:class:`~edgesim.sim.unit.sleep.SleepMixin` over :class:`UnitSim`)."""


def make_unit_sim(env: simpy.Environment, model: UnitModel, rng: np.random.Generator, interval_s: float, n_bins: int,
                  warmup_s: float) -> UnitSim:
    """The runtime unit for ``model``: a :class:`SleepUnitSim` when it has a sleep level, else a :class:`UnitSim`."""
    cls = SleepUnitSim if model.sleep is not None else UnitSim
    return cls(env, model, rng, interval_s, n_bins, warmup_s)


if TYPE_CHECKING:
    def _meets_its_ports(unit: UnitSim) -> tuple[UnitControl, BusSharer, JobHost]:
        """Never called: mypy checks here that a unit is what the platform, the bus and the owners see of it."""
        return unit, unit, unit
