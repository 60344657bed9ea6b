"""One writer per results folder: a second sweep into a folder being written stops with exit 2 naming
the lock, and no run ever appears twice in results.csv, concurrent or resumed."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from edgesim.cli import main as cli_main
from edgesim.sweeps import sweep
from edgesim.sweeps.store import LOCK, ResultStore, StoreError
from tests.helpers import single_queue

IDLE_W = [0.5, 0.75, 1.0, 1.25, 1.5, 1.75]
ROOT = Path(__file__).resolve().parents[2]


def _scenario(tmp_path: Path, duration_s: float = 2.0) -> Path:
    path = tmp_path / "busy.yaml"
    path.write_text(yaml.safe_dump(single_queue(fps=400, service_s=0.002, duration_s=duration_s)))
    return path


# `edgesim` whose sweeps pause SLOW_APPEND_S seconds after writing each row (a slow run, without burning CPU)
SLOW = """
import os, sys, time
from edgesim.sweeps import store
pause = float(os.environ.get("SLOW_APPEND_S", "0"))
real_append = store.ResultStore.append
def append(self, row):
    real_append(self, row)
    time.sleep(pause)
store.ResultStore.append = append
from edgesim.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _sweep_cmd(scenario: Path, out: Path) -> list[str]:
    return [sys.executable, "-c", SLOW, "sweep", str(scenario), "--set",
            "compute_units.unit.idle_power_w=" + ",".join(map(str, IDLE_W)), "--jobs", "1", "--quiet", "--out", str(out)]


def test_a_held_folder_is_refused_naming_the_lock_and_its_pid(tmp_path, capsys):
    scenario, out = _scenario(tmp_path, 1.0), tmp_path / "out"
    holder = ResultStore(out, lock=True)
    try:
        with pytest.raises(StoreError, match=rf"pid {os.getpid()}\b.*{LOCK}"):
            sweep(scenario, {"compute_units.unit.idle_power_w": IDLE_W[:2]}, out=out, jobs=1)
        code = cli_main(["sweep", str(scenario), "--set", "compute_units.unit.idle_power_w=0.5", "--jobs", "1",
                         "--quiet", "--out", str(out)])
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
        assert str(out / LOCK) in err and "another edgesim sweep" in err
        assert not (out / "results.csv").exists()  # the refused sweep wrote nothing
    finally:
        holder.release()
    df = sweep(scenario, {"compute_units.unit.idle_power_w": IDLE_W[:2]}, out=out, jobs=1)  # free again
    assert list(df["status"]) == ["ok", "ok"]
    again = sweep(scenario, {"compute_units.unit.idle_power_w": IDLE_W[:2]}, out=out, jobs=1)  # resume
    assert again.attrs["skipped"] == 2
    assert pd.read_csv(out / "results.csv")["run_id"].is_unique


def test_a_killed_holder_leaves_no_stale_lock(tmp_path):
    out = tmp_path / "out"
    code = ("import sys, time; from edgesim.sweeps.store import ResultStore; s = ResultStore(sys.argv[1], lock=True); "
            "print('locked', flush=True); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(out)], stdout=subprocess.PIPE, text=True, cwd=ROOT,
                            start_new_session=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        with pytest.raises(StoreError, match=rf"pid {proc.pid}\b"):
            ResultStore(out, lock=True)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    with ResultStore(out, lock=True) as store:  # the OS released the dead holder's lock
        assert store.locked


def test_two_concurrent_sweeps_into_one_folder_record_each_run_once(tmp_path):
    # the first sweep pauses 1 s after each row: it is still running when the second one starts
    scenario, out = _scenario(tmp_path, 1.0), tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    first = subprocess.Popen(_sweep_cmd(scenario, out), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                             cwd=ROOT, env={**env, "SLOW_APPEND_S": "1"})
    try:
        deadline = time.monotonic() + 120
        while first.poll() is None and time.monotonic() < deadline:  # wait for its first row: it is mid-sweep
            rows = (out / "results.csv").read_text().count("\n") if (out / "results.csv").exists() else 0
            if rows >= 2:
                break
            time.sleep(0.02)
        assert first.poll() is None, "the first sweep ended early"
        second = subprocess.run(_sweep_cmd(scenario, out), capture_output=True, text=True, cwd=ROOT, env=env,
                                timeout=300)
        assert first.wait(timeout=300) == 0
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    lines = [line for line in second.stderr.splitlines() if line.strip()]
    assert second.returncode == 2 and len(lines) == 1 and "Traceback" not in second.stderr
    assert str(out / LOCK) in lines[0] and "another edgesim sweep (pid" in lines[0]
    df = pd.read_csv(out / "results.csv")
    assert len(df) == len(IDLE_W) and df["run_id"].is_unique and (df["status"] == "ok").all()
    assert sorted(df["compute_units.unit.idle_power_w"]) == IDLE_W
    # and once more, resumed: nothing runs, nothing is appended
    rerun = subprocess.run(_sweep_cmd(scenario, out), capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert rerun.returncode == 0 and "6 resumed" in rerun.stderr
    df = pd.read_csv(out / "results.csv")
    assert len(df) == len(IDLE_W) and df["run_id"].is_unique


def test_two_sweeps_started_together_record_each_run_once(tmp_path):
    scenario, out = _scenario(tmp_path, 1.0), tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SLOW_APPEND_S": "0.3"}
    procs = [subprocess.Popen(_sweep_cmd(scenario, out), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              cwd=ROOT, env=env) for _ in range(2)]
    results = [(p.wait(timeout=300), p.stderr.read() if p.stderr else "") for p in procs]
    # the loser of the race stops on the lock (2), or starts after the winner finished and resumes everything (0)
    assert sorted(code for code, _ in results) in ([0, 0], [0, 2]), results
    df = pd.read_csv(out / "results.csv")
    assert len(df) == len(IDLE_W) and df["run_id"].is_unique


def test_the_lock_is_held_while_the_sweep_runs(tmp_path):
    """A sweep holds the lock from before it reads the finished runs to its last row (checked from inside a run)."""
    scenario, out = _scenario(tmp_path, 1.0), tmp_path / "out"
    seen: list[bool] = []

    from edgesim.sweeps import SerialExecutor

    class Probe(SerialExecutor):
        def run(self, tasks, fn=None):
            for row in super().run(tasks):
                try:
                    ResultStore(out, lock=True).release()
                    seen.append(False)
                except StoreError:
                    seen.append(True)
                yield row

    t0 = time.perf_counter()
    sweep(scenario, {"compute_units.unit.idle_power_w": IDLE_W[:3]}, out=out, executor=Probe())
    assert seen == [True, True, True] and time.perf_counter() - t0 < 120
