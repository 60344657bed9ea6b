"""The engine against queueing theory: M/D/1 (Pollaczek-Khinchine) and M/M/1 mean waits within 3%."""
from __future__ import annotations

import numpy as np
import pytest

import edgesim
from tests.helpers import single_queue

SERVICE_S = 1e-3


def mean_wait_s(rho: float, distribution: str, seeds=(1, 2, 3, 4), duration_s: float = 400.0) -> float:
    """Mean time in queue (latency minus mean service time), pooled over several seeds, after a warm-up."""
    waits, weights = [], []
    for seed in seeds:
        spec = edgesim.scenario_from_dict(single_queue(fps=rho / SERVICE_S, service_s=SERVICE_S, distribution=distribution,
                                                       duration_s=duration_s, warmup_s=5.0, seed=seed))
        stream = edgesim.simulate(spec).summary["streams"][0]
        assert stream["dropped"] == 0
        waits.append(stream["latency_ms"]["mean"] / 1e3 - SERVICE_S)
        weights.append(stream["completed"])
    return float(np.average(waits, weights=weights))


@pytest.mark.parametrize("rho", [0.5, 0.8])
def test_md1_mean_wait_matches_pollaczek_khinchine(rho):
    # P-K for deterministic service: Wq = rho * S / (2 (1 - rho))
    theory_s = rho * SERVICE_S / (2 * (1 - rho))
    assert mean_wait_s(rho, "deterministic") == pytest.approx(theory_s, rel=0.03)


@pytest.mark.parametrize("rho", [0.5, 0.8])
def test_mm1_mean_wait_matches_theory(rho):
    # M/M/1: Wq = rho * S / (1 - rho)
    theory_s = rho * SERVICE_S / (1 - rho)
    assert mean_wait_s(rho, "exponential") == pytest.approx(theory_s, rel=0.03)


def test_dd1_below_saturation_never_waits():
    spec = edgesim.scenario_from_dict(single_queue(fps=500.0, service_s=SERVICE_S, arrival="periodic", duration_s=10.0))
    lat = edgesim.simulate(spec).summary["streams"][0]["latency_ms"]
    assert lat["max"] == pytest.approx(SERVICE_S * 1e3, rel=1e-9)
    assert lat["mean"] == pytest.approx(SERVICE_S * 1e3, rel=1e-9)


def test_overloaded_unit_serves_at_its_rate():
    # offered 2000/s to a 1000/s unit, drop newest: achieved fps is the service rate
    spec = edgesim.scenario_from_dict(single_queue(fps=2000.0, service_s=SERVICE_S, arrival="periodic", duration_s=20.0,
                                                   warmup_s=1.0, drop_policy="drop_newest", queue_capacity=2))
    s = edgesim.simulate(spec).summary["streams"][0]
    assert s["achieved_fps"] == pytest.approx(1000.0, rel=1e-3)
    assert s["dropped"] == pytest.approx(s["offered"] / 2, rel=1e-3)
