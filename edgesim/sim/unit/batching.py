"""The unit's dynamic batching: jobs of one model wait until a batch is full or its oldest job has waited
``max_wait_s``, then run together as one job on one server, ``t(b) = fixed_s + b x per_item_s``."""
from __future__ import annotations

from typing import Any

from simpy.core import NORMAL

from ...model.records import BatchTime
from ..events import JobWake, Wake
from ..jobs import J_ALIVE, J_OWNER, J_START, J_T
from ..ports import JobSource
from .core import UnitCore

__all__ = ["BatchingMixin"]


class BatchingMixin(UnitCore):
    """Dynamic batching over :class:`UnitCore`: the core calls :meth:`_try_batch` and :meth:`_finish_batch` only
    when the unit batches (``self.batching`` is set)."""

    def _try_batch(self, now: float) -> None:
        """With the unit idle: start a batch if it is full or its oldest job has waited max_wait_s, else wait."""
        if self.n_busy or self.batching is None:
            return
        waiting = self.line.waiting()
        if not waiting:
            return
        head = waiting[0]
        key = head[J_OWNER].batch_key
        same = [j for j in waiting if j[J_OWNER].batch_key == key][: self.batching.max_batch]
        deadline_s = head[J_T] + self.batching.max_wait_s
        if len(same) >= self.batching.max_batch or now >= deadline_s - 1e-15:
            self._begin_batch(same, now)
        elif self._batch_timer_at != deadline_s:
            self._batch_timer_at = deadline_s
            self._schedule(Wake(self._batch_timer), NORMAL, deadline_s - now)

    def _batch_timer(self, _event: Wake) -> None:
        now = self.env._now
        if now != self._batch_timer_at or self.n_busy or self.off:
            return
        self._batch_timer_at = -1.0
        self.advance(now)
        self._try_batch(now)

    def _begin_batch(self, jobs: list[list[Any]], now: float) -> None:
        """Run ``jobs`` (one model) as one batch: t(b) = fixed_s + b x per_item_s, all done together."""
        for job in jobs:
            job[J_ALIVE] = False  # leaves the queue (lazy deletion)
            job[J_OWNER].waiting.remove(job)
            job[J_START] = now
        self.n_waiting -= len(jobs)
        owner = jobs[0][J_OWNER]
        line = self.batch_time(owner)
        service_s = line.fixed_s + len(jobs) * line.per_item_s
        self.running = list(jobs)
        self.n_busy = 1
        self.dyn_sum_w = owner.dynamic_power_w
        self._batch_timer_at = -1.0
        self.batch_sizes.append(len(jobs))
        marker = [owner, now, -1, now, True, service_s, now, 0, self.speed]
        self._batch_marker = marker
        self._schedule(JobWake(self._finish, marker, 0), NORMAL, service_s / self.speed)
        self._update_power(now)

    def _finish_batch(self, now: float) -> None:
        jobs = self.running
        self.running = []
        self.n_busy = 0
        self.dyn_sum_w = 0.0
        if not self.off:
            self._try_batch(now)  # the next batch starts before the owners hear of this one (see UnitCore._finish)
        if self.n_busy == 0:
            self._update_power(now)
        for job in jobs:
            self.completed += 1
            if now >= self.warmup_s:
                self.completed_in_window += 1
            job[J_OWNER].on_complete(job, now)

    def batch_time(self, owner: JobSource) -> BatchTime:
        """t(b) = fixed_s + b x per_item_s for this owner's model: compiled (given, or from two measured batch sizes),
        else b x the single-job service time (no calibration: batching brings no gain, as the docs state)."""
        assert self.batching is not None
        line = self.batching.batch_times.get(owner.batch_key)
        return line if line is not None else BatchTime(0.0, owner.service_s)
