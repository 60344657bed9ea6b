"""A sleep state entered after an idle timeout: energy and wake delay of an idle gap in closed form.

A unit that finishes its last job at ``t = 0`` and receives the next at ``t = g`` (the idle gap):

* ``g <= timeout``: it idles at ``P_idle`` the whole gap; the next job starts at once.
* otherwise it idles ``timeout``, then enters sleep (``t_entry`` s, ``E_entry`` J), sleeps at ``P_sleep``,
  and is woken by the arrival (reactive wake: ``t_wake`` s, ``E_wake`` J). The next job starts at
  ``max(g, timeout + t_entry) + t_wake``: the wake delay adds to that frame's latency. An arrival during
  entry waits for the entry to finish.

Energy from the end of the last job to the start of the next::

    E(g) = P_idle g                                                         g <= timeout
    E(g) = P_idle timeout + E_entry + P_sleep max(0, g - timeout - t_entry) + E_wake     otherwise

Break-even time (Benini, Bogliolo and De Micheli, "A survey of design techniques for system-level dynamic
power management", IEEE Trans. VLSI Systems 8(3):299-316, 2000): the shortest idle period for which going
to sleep at once saves energy, with ``T_tr = t_entry + t_wake`` and ``E_tr = E_entry + E_wake`` inside the
period::

    T_BE = max(T_tr, (E_tr - P_sleep T_tr) / (P_idle - P_sleep))

A timeout equal to ``T_BE`` spends at most twice the energy of an oracle that knows each gap in advance
(the ski-rental argument, Karlin et al., Algorithmica 11(6), 1994), in Benini's accounting.

No sleep parameters of any catalog part are published in the references read (public-measurements.md):
every number here is the caller's.

Pure Python; no SimPy.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["SleepState", "IdleGap"]


@dataclass(frozen=True)
class IdleGap:
    """Outcome of one idle gap.

    Attributes
    ----------
    energy_j : float
        Energy from the end of the last job to the start of the next, J.
    wake_delay_s : float
        Delay added to the next job's start, s (0 if the unit never slept).
    slept : bool
        True if the unit entered the sleep state.
    sleep_s : float
        Time spent asleep (after entry, before the wake), s.
    """

    energy_j: float
    wake_delay_s: float
    slept: bool
    sleep_s: float


@dataclass(frozen=True)
class SleepState:
    """Sleep level of one unit.

    Parameters
    ----------
    idle_power_w : float
        Power while idle and awake, W.
    sleep_power_w : float
        Power while asleep, W (<= idle).
    timeout_s : float
        Idle time before entering sleep, s (>= 0; ``inf`` never sleeps).
    entry_s, entry_energy_j : float
        Duration (s) and energy (J) of the entry transition.
    wake_s, wake_energy_j : float
        Duration (s) and energy (J) of the wake transition.
    """

    idle_power_w: float
    sleep_power_w: float
    timeout_s: float
    entry_s: float = 0.0
    entry_energy_j: float = 0.0
    wake_s: float = 0.0
    wake_energy_j: float = 0.0

    def __post_init__(self) -> None:
        for name in ("idle_power_w", "sleep_power_w", "entry_s", "entry_energy_j", "wake_s", "wake_energy_j"):
            v = getattr(self, name)
            if not (v >= 0.0 and math.isfinite(v)):
                raise ValueError(f"{name}: must be finite and >= 0, got {v!r}")
        if not self.timeout_s >= 0.0:
            raise ValueError(f"timeout_s: must be >= 0, got {self.timeout_s!r}")
        if self.sleep_power_w > self.idle_power_w:
            raise ValueError(f"sleep_power_w: must not exceed idle_power_w ({self.idle_power_w}), "
                             f"got {self.sleep_power_w!r}")

    def idle_gap(self, gap_s: float) -> IdleGap:
        """Energy and wake delay of an idle gap of ``gap_s`` seconds (closed form above)."""
        if not gap_s >= 0.0:
            raise ValueError(f"gap_s: must be >= 0, got {gap_s!r}")
        if gap_s <= self.timeout_s:
            return IdleGap(self.idle_power_w * gap_s, 0.0, False, 0.0)
        asleep_at_s = self.timeout_s + self.entry_s
        sleep_s = max(0.0, gap_s - asleep_at_s)
        energy_j = (self.idle_power_w * self.timeout_s + self.entry_energy_j + self.sleep_power_w * sleep_s
                    + self.wake_energy_j)
        # max(gap, asleep_at) + wake - gap, without the cancellation that loses wake_s after a long gap (1e300 s)
        delay_s = max(0.0, asleep_at_s - gap_s) + self.wake_s
        return IdleGap(energy_j, delay_s, True, sleep_s)

    def break_even_s(self) -> float:
        """``T_BE = max(T_tr, (E_tr - P_sleep T_tr) / (P_idle - P_sleep))``, s (``inf`` if sleeping saves no power)."""
        if self.idle_power_w == self.sleep_power_w:
            return math.inf
        t_tr = self.entry_s + self.wake_s
        e_tr = self.entry_energy_j + self.wake_energy_j
        return max(t_tr, (e_tr - self.sleep_power_w * t_tr) / (self.idle_power_w - self.sleep_power_w))

    def power_w_at(self, since_idle_s: float) -> float:
        """Mean power during the phase the unit is in ``since_idle_s`` after going idle (no arrival yet), W:
        idle, then entry (its energy spread over ``entry_s``), then sleep. The phase boundaries
        ``timeout_s`` and ``timeout_s + entry_s`` are the events a simulator schedules."""
        if since_idle_s < self.timeout_s:
            return self.idle_power_w
        if since_idle_s < self.timeout_s + self.entry_s:
            return self.entry_energy_j / self.entry_s
        return self.sleep_power_w
