"""Dask sweeps send the base scenario to each worker once, not with every run."""
from __future__ import annotations

import pickle

import pandas as pd
import pytest

from edgesim.sweeps import sweep
from tests.helpers import single_queue

pytest.importorskip("distributed")

GRID = {"cameras.cam.fps": [20, 50], "compute_units.unit.idle_power_w": [0.5, 1.0]}


def test_the_base_scenario_is_scattered_once_and_tasks_carry_only_their_overrides():
    from edgesim.sweeps import DaskExecutor, RunTask

    base = single_queue(fps=50, service_s=0.01, duration_s=3)
    ex = DaskExecutor(jobs=2, processes=False)
    sent: list[bytes] = []
    submit = ex.client.submit

    def spy(fn, *args, **kwargs):
        sent.extend(pickle.dumps(a) for a in args if isinstance(a, RunTask))
        return submit(fn, *args, **kwargs)

    ex.client.submit = spy
    with ex:
        df = sweep(base, GRID, replications=2, seed=3, executor=ex)
        scattered = ex.scattered
    assert len(df) == 8 and (df["status"] == "ok").all()
    assert scattered == 1  # one base scenario, scattered once for the whole sweep
    tasks = [pickle.loads(b) for b in sent]
    assert len(tasks) == 8 and all(dict(t.scenario) == {} for t in tasks)  # the tasks carry no scenario ...
    assert {t.params for t in tasks} == {((p, a), (q, b)) for p, q in [tuple(GRID)] for a in GRID[p] for b in GRID[q]}
    assert len({t.seed for t in tasks}) == 8
    serial = sweep(base, GRID, replications=2, seed=3, executor="serial")
    pd.testing.assert_frame_equal(df.drop(columns="wall_s"), serial.drop(columns="wall_s"))
