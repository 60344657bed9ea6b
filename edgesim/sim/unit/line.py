"""A unit's waiting line: a deque (FIFO) or a heap ordered by the unit's scheduler, with lazy deletion.

A job dropped while waiting (drop_oldest, or taken into a batch) is only marked dead (``job[J_ALIVE] = False``) and
skipped when it reaches the front. The unit's hot path reads :attr:`WaitingLine.queue` and :attr:`WaitingLine.heap`
directly (one of them is used, the other is empty or None); the methods here are for everything else.
"""
from __future__ import annotations

import heapq
from collections import deque
from typing import Any

from ..jobs import J_ALIVE
from ..schedulers import Scheduler

__all__ = ["WaitingLine"]


class WaitingLine:
    """Jobs waiting at one unit, in its scheduler's order (ties in arrival order)."""

    def __init__(self, scheduler: Scheduler):
        self.scheduler = scheduler
        self.queue: deque[list[Any]] = deque()
        self.heap: list[tuple[float, int, list[Any]]] | None = [] if scheduler.ordered else None
        self.key = scheduler.key  # bound once: called per queued job
        self.push_seq = 0

    def push(self, job: list[Any]) -> None:
        """Queue ``job`` behind those of equal key."""
        if self.heap is None:
            self.queue.append(job)
            return
        self.push_seq += 1
        heapq.heappush(self.heap, (self.key(job), self.push_seq, job))

    def pop_alive(self) -> list[Any] | None:
        """The next job to serve (dead entries, dropped while waiting, are skipped), or None when none waits."""
        if self.heap is None:
            queue = self.queue
            while queue:
                job = queue.popleft()
                if job[J_ALIVE]:
                    return job
            return None
        heap = self.heap
        while heap:
            job = heapq.heappop(heap)[2]
            if job[J_ALIVE]:
                return job
        return None

    def waiting(self) -> list[list[Any]]:
        """The live waiting jobs, in service order."""
        entries = self.queue if self.heap is None else [e[2] for e in sorted(self.heap)]
        return [j for j in entries if j[J_ALIVE]]

    def entries(self) -> list[list[Any]]:
        """Every job in the line, dead entries included (in no particular order)."""
        return list(self.queue) + ([e[2] for e in self.heap] if self.heap is not None else [])

    def shift_time(self, delta_s: float) -> None:
        """Every time in the line moves by ``delta_s``: keys that are times (a deadline) move with them. The heap
        keeps its identity (the unit's hot path holds it)."""
        heap = self.heap
        if heap is not None and self.scheduler.keys_are_times:
            heap[:] = [(key + delta_s, seq, job) for key, seq, job in heap]
            heapq.heapify(heap)
