"""The run plan: seeds from content, reproducible random sampling, a path typo refused up front."""
from __future__ import annotations

import pytest

from edgesim.sweeps import (
    plan_runs,
)
from edgesim.sweeps.errors import SweepError
from tests.sweeps.builders import GRID, sweep_spec


def test_seeds_depend_on_content_not_position():
    a = {(r.params, r.replication): r.seed for r in plan_runs(sweep_spec(GRID, replications=2, seed=7))}
    grown = dict(GRID, **{"cameras.cam.fps": [10, 20, 50]})  # a value added in front
    b = {(r.params, r.replication): r.seed for r in plan_runs(sweep_spec(grown, replications=3, seed=7))}
    assert len(a) == 8 and len(b) == 18
    assert all(b[k] == s for k, s in a.items())  # existing runs keep their seeds (and so their results)
    assert len(set(b.values())) == len(b)  # every run its own seed
    other = {(r.params, r.replication): r.seed for r in plan_runs(sweep_spec(GRID, replications=2, seed=8))}
    assert not set(other.values()) & set(a.values())
    common = plan_runs(sweep_spec(GRID, replications=2, seed_mode="common"))
    assert len({r.seed for r in common}) == 2  # common random numbers: one seed per replication


def test_random_sampling_is_reproducible_and_distinct():
    spec = sweep_spec({"cameras.cam.fps": {"uniform": [5, 60]}, "compute_units.unit.idle_power_w": [0.5, 1.0, 2.0]},
                 mode="random", samples=6, seed=3)
    runs1, runs2 = plan_runs(spec), plan_runs(spec)
    assert [r.params for r in runs1] == [r.params for r in runs2]
    assert all(5 <= dict(r.params)["cameras.cam.fps"] <= 60 for r in runs1)
    grid = sweep_spec({"cameras.cam.fps": [10, 20, 30], "compute_units.unit.idle_power_w": [0.5, 1.0]}, mode="random", samples=6)
    assert len({r.params for r in plan_runs(grid)}) == 6  # sampling a finite grid: without replacement


def test_path_typo_is_a_sweep_error_up_front():
    with pytest.raises(SweepError, match="cameras.cam9.fps: does not resolve"):
        plan_runs(sweep_spec({"cameras.cam9.fps": [1, 2]}))
    with pytest.raises(SweepError, match="seed"):
        plan_runs(sweep_spec({"seed": [1, 2]}))
