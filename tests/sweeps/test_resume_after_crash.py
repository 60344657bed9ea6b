"""Resume: after a crash or a kill, a sweep runs only what is missing, and a row cut short is dropped."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
import yaml

from edgesim.sweeps import (
    SerialExecutor,
    sweep,
)
from edgesim.sweeps.store import ResultStore
from tests.helpers import single_queue
from tests.sweeps.builders import GRID, small, without_wall


class CrashAfter(SerialExecutor):
    """Serial executor that dies (like a killed process) after ``n`` finished runs."""

    def __init__(self, n: int):
        self.n = n
        self.ran: list[str] = []

    def run(self, tasks, fn=None):
        from edgesim.sweeps.executors import execute_run

        for task in tasks:
            if len(self.ran) == self.n:
                raise RuntimeError("injected crash")
            self.ran.append(task.run_id)
            yield execute_run(task)


def test_resume_after_injected_crash_runs_only_the_rest(tmp_path):
    out = tmp_path / "sweep"
    crash = CrashAfter(3)
    with pytest.raises(RuntimeError, match="injected crash"):
        sweep(small(), GRID, replications=2, out=out, executor=crash)
    assert len(ResultStore(out).finished()) == 3
    rest = CrashAfter(10**6)
    df = sweep(small(), GRID, replications=2, out=out, executor=rest)
    assert len(rest.ran) == 5 and not set(rest.ran) & set(crash.ran)
    assert df.attrs["skipped"] == 3 and len(df) == 8 and df["run_id"].is_unique
    on_disk = pd.read_csv(out / "results.csv")
    assert len(on_disk) == 8 and on_disk["run_id"].is_unique
    fresh = sweep(small(), GRID, replications=2, executor="serial")
    pd.testing.assert_frame_equal(without_wall(df), without_wall(fresh))


def test_resume_after_the_process_is_killed(tmp_path):
    scenario = tmp_path / "busy.yaml"
    scenario.write_text(yaml.safe_dump(single_queue(fps=900, service_s=0.001, duration_s=25)))
    out = tmp_path / "out"
    cmd = [sys.executable, "-c", "import sys; from edgesim.cli import main; sys.exit(main(sys.argv[1:]))", "sweep",
           str(scenario), "--set", "compute_units.unit.idle_power_w=0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1.0",
           "--jobs", "1", "--quiet", "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    results = out / "results.csv"
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if results.exists() and results.read_text().count("\n") >= 4:  # header + 3 finished runs
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the sweep finished before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    done_before = ResultStore(out).finished()
    assert 3 <= len(done_before) < 10
    counter = CrashAfter(10**6)
    df = sweep(scenario, {"compute_units.unit.idle_power_w": [round(0.1 * i, 1) for i in range(1, 11)]},
               out=out, executor=counter)
    assert len(counter.ran) == 10 - len(done_before) and not set(counter.ran) & done_before
    assert len(df) == 10 and df["run_id"].is_unique and (df["status"] == "ok").all()
    assert len(pd.read_csv(results)) == 10


def test_a_row_cut_short_by_a_crash_is_dropped(tmp_path):
    out = tmp_path / "s"
    sweep(small(), GRID, out=out, executor="serial")
    path = out / "results.csv"
    text = path.read_text()
    last = text.rstrip("\n").rfind("\n")
    path.write_text(text[: last + 1] + text[last + 1: last + 40])  # the last row half-written
    assert len(ResultStore(out).finished()) == 3
    counter = CrashAfter(10**6)
    df = sweep(small(), GRID, out=out, executor=counter)
    assert len(counter.ran) == 1 and len(df) == 4 and len(pd.read_csv(path)) == 4
