"""Frame arrival instants of one camera (pure numpy; no SimPy). Generated in chunks so memory stays flat."""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..model.records import ArrivalModel

__all__ = ["CHUNK", "arrival_times_s"]

CHUNK = 4096


def arrival_times_s(arrival: ArrivalModel, fps: float, rng: np.random.Generator, chunk: int = CHUNK,
                    start: int = 0, after_s: float | None = None) -> Iterator[np.ndarray]:
    """Yield successive chunks of absolute arrival times (s), increasing, without end (periodic and jitter: from
    frame ``start``; poisson: after ``after_s``, default the phase).

    periodic: t_k = phase + k / fps; jitter: t_k = phase + k / fps + U(-j, +j) (clipped at 0);
    poisson: t_k = phase + sum of k exponential gaps of mean 1 / fps.
    """
    period_s = 1.0 / fps
    k0 = start
    last_s = arrival.phase_s if after_s is None else after_s
    while True:
        k = np.arange(k0, k0 + chunk, dtype=np.float64)
        if arrival.kind == "periodic":
            times = arrival.phase_s + k * period_s
        elif arrival.kind == "jitter":
            offsets = rng.uniform(-arrival.jitter_s, arrival.jitter_s, size=chunk)
            times = np.maximum(arrival.phase_s + k * period_s + offsets, 0.0)
        else:  # poisson
            times = last_s + np.cumsum(rng.exponential(period_s, size=chunk))
            last_s = float(times[-1])
        k0 += chunk
        yield times
