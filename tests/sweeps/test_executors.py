"""Executors agree: serial, process pool and Dask give identical rows; results round-trip on disk; a killed worker is replaced."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from edgesim.sweeps import (
    plan_runs,
    sweep,
)
from tests.sweeps.builders import GRID, small, sweep_spec, without_wall


def test_serial_process_pool_and_dask_local_give_identical_results():
    pytest.importorskip("distributed")
    serial = sweep(small(), GRID, replications=2, seed=11, executor="serial")
    pool = sweep(small(), GRID, replications=2, seed=11, executor="process", jobs=2)
    dask = sweep(small(), GRID, replications=2, seed=11, executor="dask", jobs=1)
    assert len(serial) == 8 and (serial["status"] == "ok").all()
    pd.testing.assert_frame_equal(without_wall(serial), without_wall(pool))
    pd.testing.assert_frame_equal(without_wall(serial), without_wall(dask))
    # and a run is the plain simulation of its scenario with its seed
    import edgesim

    row = serial.iloc[3]
    d = small()
    d["cameras"][0]["fps"] = row["cameras.cam.fps"]
    d["compute_units"][0]["idle_power_w"] = row["compute_units.unit.idle_power_w"]
    direct = edgesim.simulate(edgesim.scenario_from_dict(d), seed=int(row["seed"]))
    assert direct.summary["system"]["energy_j"] == row["system.energy_j"]
    assert direct.summary["streams"][0]["latency_ms"]["p99"] == row["streams.cam/net.latency_ms.p99"]


def test_results_on_disk_round_trip_exactly(tmp_path):
    mem = sweep(small(), GRID, seed=2, executor="serial")
    disk = sweep(small(), GRID, seed=2, executor="serial", out=tmp_path / "s")
    for col in ("seed", "system.energy_j", "max_p99_latency_ms", "units.unit.utilization"):
        assert mem[col].tolist() == disk[col].tolist()
    assert json.loads((tmp_path / "s" / "sweep.json").read_text())["runs"] == 4


def test_a_killed_worker_is_replaced_and_its_runs_retried():
    from edgesim.sweeps import ProcessExecutor
    from edgesim.sweeps.plan import iter_tasks  # noqa: PLC0415

    spec = sweep_spec(dict(GRID, **{"cameras.cam.fps": [20, 21, 50]}))
    runs = plan_runs(spec)
    for run in runs:
        _die_marker(run.run_id).unlink(missing_ok=True)
    try:
        with ProcessExecutor(2) as ex:
            rows = {r["index"]: r for r in ex.run(iter_tasks(spec, runs), fn=_kills_its_worker)}
    finally:
        for run in runs:
            _die_marker(run.run_id).unlink(missing_ok=True)
    assert sorted(rows) == list(range(6))  # every run once
    for run in runs:
        status = rows[run.index]["status"]
        if dict(run.params)["cameras.cam.fps"] == 21:  # always kills its worker: recorded as failed
            assert status == "failed" and "WorkerDied" in rows[run.index]["error"]
        else:  # died once (or was on the broken pool): retried and done
            assert status == "ok", (run.index, run.params, {i: (r["status"], r["error"]) for i, r in rows.items()})


def _die_marker(run_id: str) -> Path:
    import tempfile

    return Path(tempfile.gettempdir()) / f"edgesim-test-worker-died-{run_id}"


def _kills_its_worker(task):
    """Worker function for the test below: fps 21 always kills its worker process; fps 20 at idle 1.0 W once."""
    from edgesim.sweeps.executors import execute_run

    params = dict(task.params)
    if params["cameras.cam.fps"] == 21:
        os._exit(1)
    if params["cameras.cam.fps"] == 20 and params["compute_units.unit.idle_power_w"] == 1.0:
        marker = _die_marker(task.run_id)
        if not marker.exists():
            marker.write_text("died")
            os._exit(1)
    return execute_run(task)
