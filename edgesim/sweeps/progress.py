"""A one-line progress bar on stderr: done/total, failures, rate and ETA. No dependency.

Shown only when stderr is a terminal (or when forced with ``enabled=True``); ``--quiet`` turns it off.
Redrawn at most ten times a second.
"""
from __future__ import annotations

import sys
import time
from typing import IO

__all__ = ["Progress"]


def _fmt_s(seconds: float) -> str:
    if seconds != seconds or seconds == float("inf"):
        return "--:--"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class Progress:
    """Progress of ``total`` runs, of which ``skipped`` were already finished (resumed).

    Parameters
    ----------
    total : int
        Runs in the sweep, finished earlier or not.
    skipped : int
        Runs already finished when this session started (counted as done, not in the rate).
    enabled : bool or None
        None: on when ``stream`` is a TTY.
    stream : file, optional
        Default ``sys.stderr``.
    """

    def __init__(self, total: int, skipped: int = 0, enabled: bool | None = None, stream: IO[str] | None = None,
                 label: str = "sweep", width: int = 28):
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = enabled
        self.total = total
        self.skipped = skipped
        self.done = skipped
        self.failed = 0
        self.label = label
        self.width = width
        self.t0 = time.monotonic()
        self._last = 0.0
        self._drawn = False
        self._t_first: float | None = None  # first completion: the rate leaves out start-up (pool, cluster)
        self._done_first = 0
        self.draw(force=True)

    def update(self, ok: bool = True, n: int = 1) -> None:
        if self._t_first is None:
            self._t_first = time.monotonic()
            self._done_first = self.done + n
        self.done += n
        if not ok:
            self.failed += n
        self.draw()

    def eta_s(self) -> float:
        """Remaining runs x the time per run measured since the first run finished (NaN until two have)."""
        if self._t_first is None or self.done <= self._done_first:
            return float("nan")
        per_run = (time.monotonic() - self._t_first) / (self.done - self._done_first)
        return per_run * (self.total - self.done)

    def line(self) -> str:
        frac = self.done / self.total if self.total else 1.0
        filled = int(round(frac * self.width))
        bar = "#" * filled + "." * (self.width - filled)
        elapsed = time.monotonic() - self.t0
        parts = [f"{self.label} [{bar}] {self.done}/{self.total}"]
        if self.skipped:
            parts.append(f"({self.skipped} resumed)")
        parts.append(f"failed {self.failed}")
        parts.append(f"elapsed {_fmt_s(elapsed)}")
        parts.append(f"ETA {_fmt_s(self.eta_s()) if self.done < self.total else '00:00'}")
        return "  ".join(parts)

    def draw(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < 0.1 and self.done < self.total:
            return
        self._last = now
        self.stream.write("\r" + self.line() + "\x1b[K")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self.enabled:
            self.draw(force=True)
            if self._drawn:
                self.stream.write("\n")
                self.stream.flush()
