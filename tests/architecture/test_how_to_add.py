"""docs/architecture.md's "How to add ..." is true: each addition touches at most two files (issue 19 item 7).

Each case copies the edgesim package to a temporary folder, applies a small patch kept in
``tests/architecture/how_to_add/<name>.patch`` (the test counts the files it touches: at most two, besides tests and docs),
and runs the patched copy as a user would (``python -m edgesim ...`` in a fresh interpreter), asserting a behaviour
of the new thing against theory or the scenario, not a recorded number:

- a scheduler (``lifo``): last come, first served. With identical service times every work-conserving,
  non-preemptive discipline completes the same jobs at the same instants, so the mean latency is FIFO's (the
  conservation law of M/G/1 queues, Kleinrock, *Queueing Systems* vol. 2, 1976, sec. 3.4) while the newest-first
  order gives the oldest jobs a long tail: the maximum latency is far above FIFO's;
- a load scenario (``single_stream_p50``): a closed loop of one sample reports the median latency, which for an
  exponential service time of mean s is ln 2 x s;
- an output column (``units[].busy_s``): in the JSON summary and the units table, equal to utilization x servers x
  the statistics window;
- a command (``edgesim cameras``): listed by ``edgesim --help`` and runs.

The patches touch neither ``sim/unit.py`` nor ``sim/platform.py`` (being split into packages in parallel); git applies
them with one line of context (``-C1``), so edits near the patched lines elsewhere do not break them.
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

import edgesim
from edgesim.errors import ScenarioError
from edgesim.sweeps import flatten_summary
from tests.helpers import single_queue

ROOT = Path(__file__).resolve().parents[2]
PATCHES = ROOT / "tests" / "architecture" / "how_to_add"
FROZEN = {"edgesim/sim/unit.py", "edgesim/sim/platform.py"}

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="applies the patches with git apply")


def patched_files(patch: Path) -> set[str]:
    """The files a unified diff touches (``+++ b/PATH``, or ``--- a/PATH`` for a deleted file)."""
    files = set()
    for line in patch.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^(?:\+\+\+ b/|--- a/)(\S+)", line)
        if m:
            files.add(m.group(1))
    return files


def patched_package(tmp_path: Path, name: str) -> Path:
    """A copy of the edgesim package under ``tmp_path`` with ``<name>.patch`` applied; the patch touches <= 2 files."""
    patch = PATCHES / f"{name}.patch"
    files = patched_files(patch)
    assert 1 <= len(files) <= 2, f"{patch.name} touches {len(files)} files: {sorted(files)}"
    assert all(f.startswith("edgesim/") for f in files) and not files & FROZEN, sorted(files)
    shutil.copytree(ROOT / "edgesim", tmp_path / "edgesim", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    proc = subprocess.run(["git", "apply", "-C1", "--whitespace=nowarn", str(patch)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"{patch.name} no longer applies: {proc.stderr}"
    return tmp_path


def edgesim_in(copy: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """``python -m edgesim ARGV`` importing the patched copy (it comes first on the path)."""
    env = dict(os.environ, PYTHONPATH=str(copy))
    proc = subprocess.run([sys.executable, "-m", "edgesim", *argv], cwd=copy, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc


def run_json(copy: Path, scenario: dict[str, Any], name: str) -> dict[str, Any]:
    path = copy / f"{name}.yaml"
    path.write_text(yaml.safe_dump(scenario, sort_keys=False), encoding="utf-8")
    return json.loads(edgesim_in(copy, "run", str(path), "--json").stdout)


def test_every_patch_touches_at_most_two_files() -> None:
    patches = sorted(PATCHES.glob("*.patch"))
    assert {p.stem for p in patches} >= {"scheduler", "load_scenario", "output_column", "command"}
    for patch in patches:
        assert 1 <= len(patched_files(patch)) <= 2, patch.name


def test_a_new_scheduler(tmp_path: Path) -> None:
    base = single_queue(fps=80.0, service_s=0.01, duration_s=60.0, queue_capacity=100_000, drop_policy="never_drop")
    lifo = {**base, "compute_units": [{**base["compute_units"][0], "scheduler": "lifo"}]}
    with pytest.raises(ScenarioError, match="scheduler"):
        edgesim.scenario_from_dict(lifo)  # not a scheduler before the patch
    copy = patched_package(tmp_path, "scheduler")
    fifo_stream = run_json(copy, base, "fifo")["streams"][0]
    lifo_stream = run_json(copy, lifo, "lifo")["streams"][0]
    assert lifo_stream["completed"] == fifo_stream["completed"] > 4000 and lifo_stream["dropped"] == 0
    fifo_ms, lifo_ms = fifo_stream["latency_ms"], lifo_stream["latency_ms"]
    assert lifo_ms["mean"] == pytest.approx(fifo_ms["mean"], rel=0.02)  # conservation: the same mean
    assert lifo_ms["max"] > 2.0 * fifo_ms["max"]  # newest first: the oldest wait out whole busy periods
    assert lifo_ms["p50"] < fifo_ms["p50"]  # ... while most jobs go through faster than in FIFO order


def test_a_new_load_scenario(tmp_path: Path) -> None:
    """One sample at a time, back to back: each latency is one service time, exponential with mean 4 ms, whose
    median is ln 2 x 4 ms (and below its 90th percentile, SingleStream's metric)."""
    service_s = 0.004
    scenario = single_queue(fps=1.0, service_s=service_s, distribution="exponential", duration_s=20.0)
    del scenario["cameras"], scenario["streams"]
    scenario["loads"] = [{"name": "median", "scenario": "single_stream_p50", "model": "net", "unit": "unit",
                          "width_px": 100, "height_px": 100}]
    with pytest.raises(ScenarioError, match="scenario"):
        edgesim.scenario_from_dict(scenario)  # not a load scenario before the patch
    copy = patched_package(tmp_path, "load_scenario")
    load = run_json(copy, scenario, "p50")["loads"][0]
    assert load["scenario"] == "single_stream_p50" and load["metric"] == "p50_latency_ms"
    assert load["value"] == load["latency_ms"]["p50"] < load["latency_ms"]["p90"]
    assert load["value"] == pytest.approx(math.log(2.0) * service_s * 1e3, rel=0.05)  # ~5000 samples: ~2% error
    assert load["queries"] == pytest.approx(20.0 / service_s, rel=0.05)  # back to back for the whole run


def test_a_new_output_column(tmp_path: Path) -> None:
    copy = patched_package(tmp_path, "output_column")
    scenario = single_queue(fps=50.0, service_s=0.01, duration_s=20.0, warmup_s=2.0)
    doc = run_json(copy, scenario, "busy")
    unit = doc["units"][0]
    window_s = doc["duration_s"] - doc["warmup_s"]
    assert unit["busy_s"] == pytest.approx(unit["utilization"] * window_s, rel=1e-9)
    assert 0.4 < unit["utilization"] < 0.6  # 50 fps x 10 ms
    assert flatten_summary(doc)["units.unit.busy_s"] == unit["busy_s"]  # a sweep table's column, unchanged code
    code = ("import sys, edgesim; r = edgesim.simulate(sys.argv[1]); "
            "print(list(r.units_df().columns).index('busy_s'))")
    proc = subprocess.run([sys.executable, "-c", code, str(copy / "busy.yaml")], cwd=copy, capture_output=True,
                          text=True, timeout=300, env=dict(os.environ, PYTHONPATH=str(copy)))
    assert proc.returncode == 0 and int(proc.stdout) >= 0, proc.stderr  # a column of the units table too


def test_a_new_command(tmp_path: Path) -> None:
    copy = patched_package(tmp_path, "command")
    assert "cameras" in edgesim_in(copy, "--help").stdout
    scenario = ROOT / "scenarios" / "intersection_3cam.yaml"
    lines = edgesim_in(copy, "cameras", str(scenario)).stdout.splitlines()
    cameras = edgesim.load_scenario(scenario).cameras
    assert [line.split(":")[0] for line in lines] == [c.name for c in cameras]
    assert all(f"{c.fps:g} fps" in line for c, line in zip(cameras, lines))
