"""Sweeps: a sweep killed with SIGKILL at random moments (also while a row is written) and rerun keeps
exactly one complete row per run, with the numbers of a serial sweep; alias bombs are refused, not expanded."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from edgesim.cli import main as cli_main
from edgesim.sweeps import SweepError, sweep
from edgesim.sweeps.identity import content_hash, expanded_size
from edgesim.sweeps.store import ResultStore
from tests.helpers import single_queue

IDLE_W = [round(0.1 * i, 1) for i in range(1, 13)]

# The sweep process: edgesim's CLI, with the store's file writes optionally slowed down so that a kill can land
# in the middle of a row (half of it written and fsync'ed, the rest not).
RUNNER = r"""
import os, sys, time
import edgesim.sweeps.store as store

slow_at = int(os.environ.get("SLOW_ROW_AT", "0"))
marker = os.environ.get("SLOW_MARKER", "")
count = {"n": 0}

class HalfWriter:
    def __init__(self, fh):
        self.fh = fh
    def write(self, text):
        count["n"] += 1
        if count["n"] == slow_at:
            self.fh.write(text[: len(text) // 2]); self.fh.flush(); os.fsync(self.fh.fileno())
            open(marker, "w").close()
            time.sleep(60)
        return self.fh.write(text)
    def __getattr__(self, name):
        return getattr(self.fh, name)

real_open = store.ResultStore._open
def _open(self):
    if self._fh is None:
        real_open(self)
        self._fh = HalfWriter(self._fh)
    return self._fh
store.ResultStore._open = _open

from edgesim.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _start(scenario: Path, out: Path, env: dict[str, str]) -> subprocess.Popen:
    cmd = [sys.executable, "-c", RUNNER, "sweep", str(scenario), "--set",
           "compute_units.unit.idle_power_w=" + ",".join(map(str, IDLE_W)), "--jobs", "2", "--quiet", "--out", str(out)]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                            env={**os.environ, **env})


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def test_sweep_killed_at_random_moments_keeps_one_complete_row_per_run(tmp_path):
    scenario = tmp_path / "busy.yaml"
    scenario.write_text(yaml.safe_dump(single_queue(fps=400, service_s=0.002, duration_s=6)))
    out = tmp_path / "out"
    results = out / "results.csv"
    marker = tmp_path / "mid-row"
    # 1. killed while the 4th row is half written (the header is the 1st write through the file, rows follow)
    proc = _start(scenario, out, {"SLOW_ROW_AT": "3", "SLOW_MARKER": str(marker)})
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert marker.exists(), "the sweep never reached the slowed row"
    finally:
        _kill(proc)
    raw = results.read_bytes()
    assert not raw.endswith(b"\n"), "the kill should have left half a row"
    # 2. killed at random moments, twice
    rng = np.random.default_rng(11)
    for _ in range(2):
        proc = _start(scenario, out, {})
        try:
            time.sleep(float(rng.uniform(1.0, 3.0)))
        finally:
            _kill(proc)
    # 3. run to the end
    proc = _start(scenario, out, {})
    assert proc.wait(timeout=120) == 0
    stored = ResultStore(out)
    assert len(stored) == len(IDLE_W)
    df = pd.read_csv(results)
    assert len(df) == len(IDLE_W) and df["run_id"].is_unique and (df["status"] == "ok").all()
    assert results.read_bytes().endswith(b"\n")
    serial = sweep(scenario, {"compute_units.unit.idle_power_w": IDLE_W}, executor="serial")
    resumed = sweep(scenario, {"compute_units.unit.idle_power_w": IDLE_W}, out=out, executor="serial")
    assert resumed.attrs["skipped"] == len(IDLE_W)  # nothing left to run
    for col in ("run_id", "seed", "system.energy_j", "max_p99_latency_ms", "streams.cam/net.latency_ms.p50", "completed"):
        assert resumed[col].tolist() == serial[col].tolist(), col


def _bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + f"\nname: bomb\ncameras: *a{levels - 1}\n"


def test_an_alias_bomb_is_refused_without_expanding(tmp_path, capsys):
    path = tmp_path / "bomb.yaml"
    path.write_text(_bomb())
    t0 = time.perf_counter()
    code = cli_main(["sweep", str(path), "--set", "cameras.cam.fps=1,2", "--jobs", "1", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err and str(path) in err
    assert time.perf_counter() - t0 < 5
    # a dict with shared parts (9^9 nodes expanded) given from Python: refused before anything expands it
    leaf: object = ["lol"] * 9
    for _ in range(8):
        leaf = [leaf] * 9
    d = single_queue(fps=10, service_s=0.01) | {"notes": leaf}
    assert expanded_size(leaf, 10**6) == 10**6 + 1
    with pytest.raises(SweepError, match="expands to more than"):
        sweep(d, {"cameras.cam.fps": [1]}, executor="serial")
    t0 = time.perf_counter()
    content_hash(leaf)  # Merkle: each shared part hashed once
    assert time.perf_counter() - t0 < 1
