"""The unit's sleep level: after an idle timeout it enters sleep, sleeps at a low power, and the next arrival wakes
it (:class:`edgesim.physics.sleep.SleepState`)."""
from __future__ import annotations

import numpy as np
import simpy
from simpy.core import NORMAL

from ...model.records import UnitModel
from ..events import Wake
from ..jobs import J_OWNER, new_job
from ..ports import JobSource
from .core import SleepSummary, UnitCore, announce_power

__all__ = ["ASLEEP", "AWAKE", "ENTERING", "WAKING", "SleepMixin"]

AWAKE, ENTERING, ASLEEP, WAKING = 0, 1, 2, 3  # phases of a sleeping unit


class SleepMixin(UnitCore):
    """A unit with a sleep level: idle for ``timeout_s`` (nothing running or waiting), it enters sleep (``entry_s``
    at ``entry_energy_j / entry_s`` W), sleeps at ``sleep_power_w``, and the next arrival wakes it (``wake_s`` at
    ``wake_energy_j / wake_s`` W) before any job starts; jobs arriving meanwhile queue under the owners' drop
    policies. An arrival during entry waits for the entry to end, then for the wake.

    One event when the unit goes idle (the timeout, cancelled by a token when a job starts first), one at the end
    of entry, one at the end of a wake. Every transition is a power change: with tracing, the power trace holds
    it, and energy stays the exact integral of the piecewise-constant power. Composed only for a unit with a sleep
    level (:func:`edgesim.sim.unit.make_unit_sim`), so that a unit without one does no extra work per job.
    """

    def __init__(self, env: simpy.Environment, model: UnitModel, rng: np.random.Generator, interval_s: float,
                 n_bins: int, warmup_s: float):
        super().__init__(env, model, rng, interval_s, n_bins, warmup_s)
        sleep = model.sleep
        assert sleep is not None
        self.sleep = sleep
        self._entry_w = sleep.entry_energy_j / sleep.entry_s if sleep.entry_s > 0 else 0.0
        self._wake_w = sleep.wake_energy_j / sleep.wake_s if sleep.wake_s > 0 else 0.0
        for kind, energy_j, dur_s in (("entry", sleep.entry_energy_j, sleep.entry_s), ("wake", sleep.wake_energy_j, sleep.wake_s)):
            if energy_j > 0 and dur_s == 0:
                raise ValueError(f"{self.name}: a {kind} energy needs a {kind} latency (it is drawn as a power pulse over it)")
        self.phase = AWAKE
        self._armed = False
        self._timer_token = 0
        self._wake_pending = False  # a job arrived during entry: wake as soon as the entry ends
        self._asleep_since_s = 0.0
        self.asleep_s = 0.0  # total time asleep since t = 0 (entry and wake excluded)
        self.wakes = 0  # wakes begun since t = 0
        self._sleep_snapshot = SleepSummary(0.0, 0)
        self._arm(0.0)  # idle from the start

    # -- results and fast-forward ----------------------------------------------------------------------
    def sleep_totals(self) -> SleepSummary:
        return SleepSummary(self.asleep_s + (self.last_t - self._asleep_since_s if self.phase == ASLEEP else 0.0), self.wakes)

    def sleep_summary(self) -> SleepSummary:
        total = self.sleep_totals()
        return SleepSummary(total.sleep_s - self._sleep_snapshot.sleep_s, total.wakes - self._sleep_snapshot.wakes)

    def take_snapshot(self, now: float | None = None) -> None:
        super().take_snapshot(now)
        self._sleep_snapshot = self.sleep_totals()

    def reset_window(self) -> None:
        super().reset_window()
        self._sleep_snapshot = SleepSummary(0.0, 0)

    def shift_time(self, t0: float, t1: float, inc: np.ndarray) -> None:
        """As :meth:`UnitCore.shift_time`; time asleep and wakes grow by ``inc[5]`` and ``inc[6]``."""
        super().shift_time(t0, t1, inc)
        self.asleep_s += inc[5]
        self.wakes += round(inc[6])
        self._asleep_since_s += t1 - t0

    def worst_power_w(self) -> float:
        """The most this unit can draw: its busy worst case, or an entry or wake pulse if higher."""
        return max(super().worst_power_w(), self._entry_w, self._wake_w)

    def use_fast_path(self, lazy: bool = False) -> None:
        """The lean completion handler, never lazy: idle timeouts and wakes are events."""
        super().use_fast_path(lazy=False)

    # -- power ----------------------------------------------------------------------------------
    def _update_power(self, now: float) -> None:
        """Awake: the busy/idle power, and the idle timer armed when nothing runs or waits (disarmed otherwise).
        In a sleep phase the phase sets the power (a DVFS change waits for the wake); a shutdown ends the phase."""
        if self.phase != AWAKE:
            if not self.off:
                return
            if self.phase == ASLEEP:
                self.asleep_s += now - self._asleep_since_s
            self.phase = AWAKE
            self._wake_pending = False
        super()._update_power(now)
        if self.n_busy or self.n_waiting or self.off:
            if self._armed:
                self._armed = False
                self._timer_token += 1  # the pending timeout is ignored when it fires
        elif not self._armed:
            self._arm(now)

    def _arm(self, now: float) -> None:
        self._armed = True
        self._timer_token += 1
        self._schedule(Wake(self._on_timeout, self._timer_token), NORMAL, self.sleep.timeout_s)

    # -- phases ---------------------------------------------------------------------------------
    def _on_timeout(self, event: Wake) -> None:
        if event.value != self._timer_token or not self._armed:
            return
        self._armed = False
        if self.n_busy or self.n_waiting or self.off:
            return
        now = self.env._now
        self.advance(now)
        if self.sleep.entry_s > 0:
            self.phase = ENTERING
            announce_power(self, now, self._entry_w)
            self._schedule(Wake(self._on_entered), NORMAL, self.sleep.entry_s)
        else:
            self._fall_asleep(now)

    def _on_entered(self, _event: Wake) -> None:
        if self.phase != ENTERING:
            return  # shut down meanwhile
        now = self.env._now
        self.advance(now)
        if self._wake_pending:
            self._start_wake(now)
        else:
            self._fall_asleep(now)

    def _fall_asleep(self, now: float) -> None:
        self.phase = ASLEEP
        self._asleep_since_s = now
        announce_power(self, now, self.sleep.sleep_power_w)

    def _start_wake(self, now: float) -> None:
        """Begin the wake (integrals already at ``now``); with no wake latency the unit is awake at once."""
        if self.phase == ASLEEP:
            self.asleep_s += now - self._asleep_since_s
        self._wake_pending = False
        self.wakes += 1
        if self.sleep.wake_s > 0:
            self.phase = WAKING
            announce_power(self, now, self._wake_w)
            self._schedule(Wake(self._on_woken), NORMAL, self.sleep.wake_s)
        else:
            self._awake(now)

    def _on_woken(self, _event: Wake) -> None:
        if self.phase != WAKING:
            return  # shut down meanwhile
        now = self.env._now
        self.advance(now)
        self._awake(now)

    def _awake(self, now: float) -> None:
        """Awake again: start the jobs that queued during entry and wake (a batch by the batching rule)."""
        self.phase = AWAKE
        if self.batching is not None:
            self._try_batch(now)
        else:
            while self.n_busy < self.servers:
                nxt = self.line.pop_alive()
                if nxt is None:
                    break
                nxt[J_OWNER].waiting.popleft()
                self.n_waiting -= 1
                self._begin(nxt, now)
        self._update_power(now)  # idle power, and the timer re-armed, if nothing started

    # -- jobs -----------------------------------------------------------------------------------
    def submit(self, owner: JobSource, arrival_s: float, seq: int) -> None:
        """Awake: as :meth:`UnitCore.submit`. Asleep: begin the wake and queue the job; entering or waking: queue it."""
        phase = self.phase
        if phase != AWAKE:
            self.advance(arrival_s)
            if phase == ASLEEP:
                self._start_wake(arrival_s)
            elif phase == ENTERING:
                self._wake_pending = True
            if self.phase != AWAKE:
                if arrival_s >= self.warmup_s:
                    owner.offered += 1
                self._enqueue(owner, new_job(owner, arrival_s, seq), arrival_s)
                return
        UnitCore.submit(self, owner, arrival_s, seq)

    def _try_batch(self, now: float) -> None:
        if self.phase == AWAKE:  # asleep, entering or waking: the wake starts the batch
            super()._try_batch(now)

    def close(self, end_s: float) -> None:
        super().close(end_s)
        if self.phase == ASLEEP:
            self.asleep_s += end_s - self._asleep_since_s
            self._asleep_since_s = end_s
