"""Statistics over seeds: exact confidence intervals, their coverage, the Pareto front."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from edgesim.sweeps import (
    confidence_intervals,
    pareto_front,
    sweep,
)
from tests.helpers import single_queue


def test_confidence_interval_exact_values():
    df = pd.DataFrame({"status": "ok", "replication": range(5), "x": [1.0, 2.0, 3.0, 4.0, 5.0], "k": "a"})
    ci = confidence_intervals(df, ["x"], by=["k"]).iloc[0]
    half = stats.t.ppf(0.975, 4) * np.sqrt(2.5) / np.sqrt(5)
    assert ci["n"] == 5 and ci["mean"] == 3.0 and ci["std"] == pytest.approx(np.sqrt(2.5))
    assert ci["half_width"] == pytest.approx(half) and ci["ci_low"] == pytest.approx(3.0 - half)
    assert half == pytest.approx(1.9632, abs=1e-4)


def test_confidence_intervals_cover_a_known_variance():
    # 2000 configurations x 5 replications of N(10, 2^2): about 95% of the intervals hold 10
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"status": "ok", "cfg": np.repeat(np.arange(2000), 5), "x": rng.normal(10.0, 2.0, 10000)})
    ci = confidence_intervals(df, ["x"], by=["cfg"])
    coverage = ((ci["ci_low"] <= 10.0) & (10.0 <= ci["ci_high"])).mean()
    assert 0.94 <= coverage <= 0.96  # binomial sd of the coverage: 0.005
    # and through real runs: Poisson arrivals at 100 fps for 10 s give offered ~ Poisson(1000), variance 1000
    d = single_queue(fps=100, service_s=0.001, duration_s=10)
    runs = sweep(d, None, replications=40, seed=5, executor="serial", per_stream=False)
    row = confidence_intervals(runs, ["offered"]).iloc[0]
    assert row["n"] == 40 and row["ci_low"] <= 1000 <= row["ci_high"]
    lo, hi = stats.chi2.ppf([0.005, 0.995], 39) / 39 * 1000  # 99% band for the sample variance
    assert lo <= row["std"] ** 2 <= hi


def test_pareto_front():
    df = pd.DataFrame({"name": list("abcde"), "eff": [10, 8, 12, 9, 12], "lat": [5, 3, 9, 6, 8]})
    front = pareto_front(df, {"eff": "max", "lat": "min"})
    assert front["name"].tolist() == ["e", "a", "b"]  # c is beaten by e, d by a
