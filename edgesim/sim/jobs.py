"""A job on the hot path is a small list (cheaper than an object); these are its fields, by name.

``job[J_OWNER]`` is the :class:`~edgesim.sim.owner.JobOwner` that submitted it (a stream, a pipeline stage or a
load driver). Code outside ``edgesim.sim`` never reads a job: units hand out :class:`InFlightJob` records.
"""
from __future__ import annotations

from typing import NamedTuple

__all__ = ["J_ALIVE", "J_ARRIVAL", "J_OWNER", "J_RATE", "J_SEQ", "J_START", "J_T", "J_TOKEN", "J_WORK", "InFlightJob",
           "TraceRecord", "new_job"]

J_OWNER, J_ARRIVAL, J_SEQ, J_START, J_ALIVE, J_WORK, J_T, J_TOKEN, J_RATE = range(9)
# owner, arrival time (s), sequence number (frame or query), start time (s, -1 before), alive (False once dropped
# or batched), remaining work (reference-seconds, or a fraction under a shared bus), time work was last carried,
# completion token (bumped on reschedule), work rate


def new_job(owner: object, arrival_s: float, seq: int) -> list:
    """A job as it arrives: not started, alive, no work carried yet."""
    return [owner, arrival_s, seq, -1.0, True, 0.0, 0.0, 0, 0.0]


class InFlightJob(NamedTuple):
    """A job still waiting or in service when the run ended."""

    owner_index: int
    arrival_s: float
    seq: int
    start_s: float  # -1: still waiting


class TraceRecord(NamedTuple):
    """One traced job of a stream (with ``--trace``)."""

    stream: int
    frame: int
    arrival_s: float
    start_s: float
    end_s: float
    status: str
