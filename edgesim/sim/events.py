"""Bare SimPy events: what ``Environment.step`` needs (callbacks, ok, value) and nothing more.

``schedule(Wake(fn), NORMAL, delay)`` costs a third of ``env.timeout(delay)`` plus a callback append, and keeps
per-job ceremony off the hot path. SimPy's loop only reads ``callbacks``, ``_ok`` and ``_value``; :func:`scheduler_of`
hands out the environment's ``schedule`` typed for these events, so no call site needs a cast.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import simpy

__all__ = ["JobWake", "Schedule", "Wake", "scheduler_of"]


class Wake:
    """An event that calls ``callback(event)`` when it fires; ``value`` rides along."""

    __slots__ = ("callbacks", "_ok", "_value")

    def __init__(self, callback: Callable[[Any], None], value: Any = None):
        self.callbacks: list[Callable[[Any], None]] | None = [callback]
        self._ok = True
        self._value = value

    @property
    def value(self) -> Any:
        return self._value


class JobWake(Wake):
    """A job's completion. ``token`` must still match the job's when it fires: a speed change reschedules."""

    __slots__ = ("job", "token")

    def __init__(self, callback: Callable[[Any], None], job: list[Any], token: int):
        self.callbacks = [callback]  # Wake's fields set here directly: this is the per-job hot path
        self._ok = True
        self._value = None
        self.job = job
        self.token = token


Schedule = Callable[[Wake, int, float], None]
"""``schedule(event, priority, delay_s)``: SimPy's ``Environment.schedule`` for :class:`Wake` events."""


def scheduler_of(env: simpy.Environment) -> Schedule:
    """The environment's ``schedule`` method, typed for :class:`Wake` events (bound once, called per job)."""
    return cast(Schedule, env.schedule)
