"""Sweeps: dotted paths, seeds, executors agree, resume, failures, confidence intervals, Pareto, "what fits"."""
from __future__ import annotations

import json
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
from scipy import stats

from edgesim.calibration.predict import load_calibrated
from edgesim.cli import main as cli_main
from edgesim.sweeps import (
    PathError,
    SerialExecutor,
    confidence_intervals,
    fit,
    get_path,
    pareto_front,
    plan_runs,
    set_path,
    sweep,
)
from edgesim.sweeps.errors import SweepError
from edgesim.sweeps.paths import parse_assignment, parse_path
from edgesim.sweeps.plan import SweepSpec, parse_domain
from edgesim.sweeps.store import ResultStore
from tests.helpers import single_queue

GRID = {"cameras.cam.fps": [20, 50], "compute_units.unit.idle_power_w": [0.5, 1.0]}


def small(**kw) -> dict:
    args = dict(fps=50, service_s=0.01, duration_s=5)
    args.update(kw)
    return single_queue(**args)


def without_wall(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=["wall_s"]).reset_index(drop=True)


# ------------------------------------------------------------------------------------------------
# dotted paths
# ------------------------------------------------------------------------------------------------

def test_paths_by_name_index_stream_key_and_creation():
    d = small()
    d["cameras"].append({"name": "cam.v2", "width_px": 10, "height_px": 10, "fps": 5})
    assert get_path(d, "cameras.cam.fps") == 50
    assert get_path(d, "cameras[0].fps") == 50
    assert get_path(d, "cameras[cam.v2].fps") == 5
    assert get_path(d, "streams[0].unit") == "unit"
    assert get_path(d, "streams.cam/net.unit") == "unit"
    set_path(d, "cameras.cam.fps", 30)
    set_path(d, "compute_units.unit.efficiency", 0.5)  # a key the unit did not have
    set_path(d, "record.interval_s", 0.5)  # a mapping the scenario did not have
    set_path(d, "streams[0].queue_capacity", 8)
    assert d["cameras"][0]["fps"] == 30 and d["compute_units"][0]["efficiency"] == 0.5
    assert d["record"] == {"interval_s": 0.5} and d["streams"][0]["queue_capacity"] == 8
    with pytest.raises(PathError, match="no item named 'cam9' in cameras \\(known: cam, cam.v2\\)"):
        set_path(d, "cameras.cam9.fps", 1)
    with pytest.raises(PathError, match="out of range"):
        get_path(d, "streams[3].unit")
    with pytest.raises(PathError, match="not a mapping or list"):
        set_path(d, "cameras.cam.fps.x", 1)
    assert parse_path("streams[0].unit") == ["streams", 0, "unit"]
    with pytest.raises(PathError):
        parse_path("cameras..fps")


def test_set_values_are_yaml_and_commas_inside_mappings_do_not_split():
    assert parse_assignment("cameras.cam.fps=15,30,7.5") == ("cameras.cam.fps", [15, 30, 7.5])
    assert parse_assignment("compute_units.npu.device=hailo8,jetson_nano") == ("compute_units.npu.device", ["hailo8", "jetson_nano"])
    path, values = parse_assignment("compute_units.npu={name: npu, device: hailo8},{name: npu, device: hailo8l}")
    assert values == [{"name": "npu", "device": "hailo8"}, {"name": "npu", "device": "hailo8l"}]
    with pytest.raises(PathError):
        parse_assignment("cameras.cam.fps")


# ------------------------------------------------------------------------------------------------
# plan and seeds
# ------------------------------------------------------------------------------------------------

def _spec(params: dict, **kw) -> SweepSpec:
    return SweepSpec(scenario=small(), parameters={p: parse_domain(v, "t", p) for p, v in params.items()}, **kw)


def test_seeds_depend_on_content_not_position():
    a = {(r.params, r.replication): r.seed for r in plan_runs(_spec(GRID, replications=2, seed=7))}
    grown = dict(GRID, **{"cameras.cam.fps": [10, 20, 50]})  # a value added in front
    b = {(r.params, r.replication): r.seed for r in plan_runs(_spec(grown, replications=3, seed=7))}
    assert len(a) == 8 and len(b) == 18
    assert all(b[k] == s for k, s in a.items())  # existing runs keep their seeds (and so their results)
    assert len(set(b.values())) == len(b)  # every run its own seed
    other = {(r.params, r.replication): r.seed for r in plan_runs(_spec(GRID, replications=2, seed=8))}
    assert not set(other.values()) & set(a.values())
    common = plan_runs(_spec(GRID, replications=2, seed_mode="common"))
    assert len({r.seed for r in common}) == 2  # common random numbers: one seed per replication


def test_random_sampling_is_reproducible_and_distinct():
    spec = _spec({"cameras.cam.fps": {"uniform": [5, 60]}, "compute_units.unit.idle_power_w": [0.5, 1.0, 2.0]},
                 mode="random", samples=6, seed=3)
    runs1, runs2 = plan_runs(spec), plan_runs(spec)
    assert [r.params for r in runs1] == [r.params for r in runs2]
    assert all(5 <= dict(r.params)["cameras.cam.fps"] <= 60 for r in runs1)
    grid = _spec({"cameras.cam.fps": [10, 20, 30], "compute_units.unit.idle_power_w": [0.5, 1.0]}, mode="random", samples=6)
    assert len({r.params for r in plan_runs(grid)}) == 6  # sampling a finite grid: without replacement


def test_path_typo_is_a_sweep_error_up_front():
    with pytest.raises(SweepError, match="cameras.cam9.fps: does not resolve"):
        plan_runs(_spec({"cameras.cam9.fps": [1, 2]}))
    with pytest.raises(SweepError, match="seed"):
        plan_runs(_spec({"seed": [1, 2]}))


# ------------------------------------------------------------------------------------------------
# executors agree
# ------------------------------------------------------------------------------------------------

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


# ------------------------------------------------------------------------------------------------
# resume
# ------------------------------------------------------------------------------------------------

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


# ------------------------------------------------------------------------------------------------
# failures
# ------------------------------------------------------------------------------------------------

def test_an_invalid_plan_is_refused_before_any_run(tmp_path, capsys):
    out = tmp_path / "s"
    with pytest.raises(SweepError, match=r"run 1 \(cameras.cam.fps=0\): cameras\[0\].fps: Input should be greater than 0"):
        sweep(small(), {"cameras.cam.fps": [20, 0, 50]}, out=out, executor="serial")
    assert not (out / "results.csv").exists()  # nothing ran
    d = small()
    d["compute_units"] = [{"name": "unit", "device": "hailo8"}]
    d["models"] = [{"name": "net", "ops_per_pixel": 150000.0, "precision": "int8"}]
    with pytest.raises(SweepError, match=r"run 1 \(compute_units.unit.device=hailo9\): .*hailo9"):  # unknown device
        sweep(d, {"compute_units.unit.device": ["hailo8", "hailo9"]}, executor="serial")
    # every catalog device predicts a model it has no point for (the calibrated model; the Nano has no int8: fp16 fallback)
    swap = sweep(d, {"compute_units.unit.device": ["hailo8", "hailo8l", "jetson_nano"]}, executor="serial")
    assert swap["status"].tolist() == ["ok", "ok", "ok"]
    assert swap.loc[1, "streams.cam/net.service_source"] in ("calibrated", "prior")
    # a unit that cannot run the model is not a plan error: recorded as a failed run, the sweep goes on
    inline = {"name": "unit", "kind": "npu", "idle_power_w": 1.0, "max_power_w": 2.0, "peak_ops_per_s": {"int8": 1e12}}
    # a unit known only by its datasheet now runs, from its kind's prior
    runs = sweep(d, {"compute_units.unit": [{"name": "unit", "device": "hailo8"}, inline]}, executor="serial")
    assert runs["status"].tolist() == ["ok", "ok"] and runs.loc[1, "streams.cam/net.service_source"] == "prior"
    failing = sweep(d, {"compute_units.unit": [{"name": "unit", "device": "hailo8"}, {**inline, "efficiency": 0.5,
                                                                                      "peak_ops_per_s": {"fp16": 1e12}}]},
                    executor="serial")
    assert failing["status"].tolist() == ["ok", "failed"] and "peak" in failing.loc[1, "error"]
    items = [{"name": "unit", "device": "hailo8"}, {"name": "unit", "device": "hailo8l", "efficiency": 0.38}]
    swap = sweep(d, {"compute_units.unit": items}, executor="serial")  # whole-item swap
    assert swap["status"].tolist() == ["ok", "ok"]
    assert swap.loc[0, "units.unit.device"] == "hailo8" and swap.loc[1, "units.unit.device"] == "hailo8l"
    assert swap.loc[0, "streams.cam/net.service_ms.estimate"] < swap.loc[1, "streams.cam/net.service_ms.estimate"]
    # the CLI: exit 2, one line naming the file, the run and the field, nothing run
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(small()))
    code = cli_main(["sweep", str(scenario), "--set", "cameras.cam.fps=20,fast", "--jobs", "1", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"edgesim: error: {scenario}: run 1 (cameras.cam.fps=fast): cameras[0].fps: "), err


def test_a_run_failing_while_running_is_recorded_and_the_others_complete(tmp_path, monkeypatch, capsys):
    import edgesim.sweeps.executors as executors

    real = executors.simulate

    def flaky(spec, *a, **kw):
        if spec.cameras[0].fps == 40:
            raise RuntimeError("simulated crash")
        return real(spec, *a, **kw)

    monkeypatch.setattr(executors, "simulate", flaky)
    df = sweep(small(), {"cameras.cam.fps": [20, 40, 50]}, out=tmp_path / "s", executor="serial")
    assert df["status"].tolist() == ["ok", "failed", "ok"]
    assert "RuntimeError: simulated crash" in df.loc[1, "error"] and df.attrs["failed"] == 1
    assert df.loc[df["status"] == "ok", "system.energy_j"].notna().all()
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(small()))
    code = cli_main(["sweep", str(scenario), "--set", "cameras.cam.fps=20,40", "--jobs", "1", "--quiet"])
    captured = capsys.readouterr()
    assert code == 1 and "1 failed" in captured.err and "simulated crash" in captured.err
    assert "runs ok" in captured.out


# ------------------------------------------------------------------------------------------------
# confidence intervals
# ------------------------------------------------------------------------------------------------

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


# ------------------------------------------------------------------------------------------------
# what fits
# ------------------------------------------------------------------------------------------------

def capacity_scenario() -> dict:
    """Cameras of 10 fps, staggered, on one unit of 10 ms per frame: exactly 10 cameras saturate it."""
    d = single_queue(fps=10, service_s=0.01, arrival="periodic", duration_s=10, drop_policy="drop_newest")
    d["cameras"][0]["stagger"] = True
    return d


@pytest.mark.parametrize("jobs", [1, 2])
def test_fit_finds_the_camera_count_capacity(jobs):
    result = fit(capacity_scenario(), "cameras.cam.count", 1, 40, jobs=jobs,
                 constraints=["drop_rate<=0.001", "max_p99_latency_ms<=50"])
    assert (result.value, result.first_infeasible) == (10, 11) and result.monotone and result.integer
    assert result.simulations <= 9


def test_fit_float_fps_boundary_and_edges():
    d = single_queue(fps=10, service_s=0.01, arrival="periodic", duration_s=10, drop_policy="drop_newest")
    result = fit(d, "cameras.cam.fps", 10.0, 200.0, integer=False, tol=0.5, constraints={"max_p99_latency_ms": 15})
    assert 99.5 <= result.value <= 100.0 < result.first_infeasible <= result.value + 0.5
    assert fit(d, "cameras.cam.fps", 1, 50, constraints={"max_p99_latency_ms": 15}).capped
    none = fit(d, "cameras.cam.fps", 150, 200, constraints={"max_p99_latency_ms": 15})
    assert none.value is None and "nothing fits" in none.message()


def test_fit_resolution_scales_width_and_height_together():
    d = single_queue(fps=50, service_s=0.01, arrival="periodic", duration_s=4)
    d["compute_units"][0]["measured"][0].update(width_px=100, height_px=100)  # 10 ms at 100 x 100
    # a datasheet peak at which the 10 MOPs network's 10 ms is compute (not per-call overhead): it scales with pixels
    d["compute_units"][0]["peak_ops_per_s"] = {"int8": 3.0e9}
    result = fit(d, ["cameras.cam.width_px", "cameras.cam.height_px"], 1.0, 3.0, integer=False, tol=0.01,
                 constraints=["drop_rate<=0", "max_p99_latency_ms<=25"])
    # 50 fps -> at most 20 ms a frame -> about 2x the pixels -> scale sqrt(2) (within the performance model's split of
    # the 10 ms between compute, which scales with the pixels, and the per-call overhead, which does not)
    assert result.value == pytest.approx(np.sqrt(2), rel=0.03)


# ------------------------------------------------------------------------------------------------
# CLI and sweep files
# ------------------------------------------------------------------------------------------------

def test_sweep_file_and_cli_user_errors(tmp_path, capsys):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(small()))
    sweep_file = tmp_path / "w.yaml"
    sweep_file.write_text(yaml.safe_dump({
        "scenario": "s.yaml", "seed": 4, "replications": 2, "duration_s": 3,
        "parameters": {"cameras.cam.fps": [20, 40]}, "cases": {"a": {"compute_units.unit.idle_power_w": 0.5},
                                                               "b": {"compute_units.unit.idle_power_w": 1.5}},
        "out": "res", "pareto": {"system.inferences_per_j": "max", "max_p99_latency_ms": "min"},
    }))
    assert cli_main(["sweep", str(sweep_file), "--jobs", "1", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "Pareto front" in out and (tmp_path / "res" / "pareto.png").exists()
    df = pd.read_csv(tmp_path / "res" / "results.csv")
    assert len(df) == 8 and set(df["case"]) == {"a", "b"} and (df["duration_s"] == 3).all()
    assert cli_main(["fit", str(scenario), "--param", "cameras.cam.fps", "--range", "10:200", "--max-p99-ms", "1000",
                     "--max-drop-rate", "0", "--duration", "3", "--json", "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out)["value"] >= 10
    bad = [
        (["sweep", str(scenario), "--set", "cameras.nope.fps=1,2"], "--set cameras.nope.fps: does not resolve"),
        (["sweep", str(scenario), "--set", "cameras.cam.fps"], "no '=' found"),
        (["sweep", str(tmp_path / "missing.yaml"), "--set", "cameras.cam.fps=1"], "file not found"),
        (["sweep", str(scenario), "--set", "cameras.cam.fps=1", "--pareto", "x:max"], "at least two objectives"),
        (["fit", str(scenario), "--param", "cameras.cam.fps", "--range", "5:1", "--max-p99-ms", "5"], "--range"),
        (["fit", str(scenario), "--param", "cameras.cam.fps", "--range", "1:5"], "at least one bound"),
        (["fit", str(scenario), "--param", "cameras.cam.fps", "--range", "1:5", "--constraint", "nosuch<=1",
          "--duration", "1"], "no result column 'nosuch'"),
    ]
    for argv, message in bad:
        code = cli_main(argv)
        err = capsys.readouterr().err
        assert code == 2, argv
        assert message in err and err.count("\n") == 1 and "Traceback" not in err, (argv, err)
    bad_file = tmp_path / "bad.yaml"
    bad_file.write_text(yaml.safe_dump({"scenario": "s.yaml", "parameters": {"cameras.cam.fps": {"uniform": [1, 2]}}}))
    assert cli_main(["sweep", str(bad_file)]) == 2
    assert "needs mode: random" in capsys.readouterr().err


def test_progress_bar_counts_and_eta():
    import io

    from edgesim.sweeps.progress import Progress

    stream = io.StringIO()
    bar = Progress(10, skipped=2, enabled=True, stream=stream)
    bar.update(ok=True)
    bar.update(ok=False)
    bar.close()
    text = stream.getvalue()
    assert "4/10" in text and "failed 1" in text and "(2 resumed)" in text and "ETA" in text
    quiet = io.StringIO()
    Progress(5, stream=quiet).close()  # not a TTY: nothing
    assert quiet.getvalue() == ""


# ------------------------------------------------------------------------------------------------
# the experiment runs through the same machinery
# ------------------------------------------------------------------------------------------------

def test_accelerator_whatif_experiment_fast(tmp_path):
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "experiments" / "accelerator_whatif.py"
    spec = importlib.util.spec_from_file_location("edgesim_experiment_accelerator_whatif", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.run(fast=True, out_dir=tmp_path, jobs=1, replications=1, duration_s=2.0, sites=4)
    for f in result["files"]:
        assert Path(f).is_file() and Path(f).stat().st_size > 0
    rows = {r["case"]: r for r in result["rows"]}
    # every catalog unit runs, with no assumed efficiency (every unit the shipped calibration covers:
    # experiments/common.catalog_units; a unit added after it is checked in tests/catalog/test_measured_devices.py)
    covered = set(load_calibrated()["units"])
    catalog_units = {f"{d}.{u}" for d, dev in module.common.catalog().devices.items() for u in dev.units
                     if f"{d}/{u}" in covered}
    assert set(rows) == catalog_units
    for case, r in rows.items():
        assert r["runs_ok"] == 1 and not r["error"], (case, r["error"])
        assert "efficiency_assumed" not in r
        assert r["service_source"] in ("measured", "measured, scaled by pixel count", "calibrated", "prior"), case
        # the interval: low <= estimate <= high, a point for a measured source, and the capacity ordered the other way
        assert r["service_ms_low"] <= r["service_ms"] <= r["service_ms_high"], case
        if r["service_source"].startswith("measured"):
            assert r["service_ms_low"] == r["service_ms"] == r["service_ms_high"], case
        assert r["capacity_inf_per_s@service_low"] >= r["capacity_inf_per_s"] >= r["capacity_inf_per_s@service_high"]
        assert r["capacity_inf_per_s"] == pytest.approx(1e3 / r["service_ms"])
        for bound in module.BOUNDS:
            assert r[f"achieved_inf_per_s@{bound}"] >= 0 and r[f"system.avg_power_w@{bound}"] > 0
    predicted = [r for r in rows.values() if r["service_source"] in ("calibrated", "prior")]
    assert predicted and all(r["service_ms_low"] < r["service_ms_high"] for r in predicted)
    # simulated again at both ends of the interval: a faster unit completes at least as much as a slower one
    for r in predicted:
        assert r["achieved_inf_per_s@service_low"] >= r["achieved_inf_per_s@service_high"], r["case"]
        assert r["drop_rate@service_low"] <= r["drop_rate@service_high"], r["case"]
    # the hailo8 serves the intersection's networks (ResNet-50 identity, the scenario's op count) at 640 x 480 through
    # the model its 224 x 224 point conditions: a little faster than scaling the point by pixel count
    # (1223 fps x 50176 / 307200), as the scenario counts fewer ops and the per-call overhead does not scale
    hailo = rows["hailo8.npu"]
    assert hailo["service_source"] == "calibrated"
    scaled = 1223 * 224 * 224 / (640 * 480)
    assert scaled <= hailo["capacity_inf_per_s"] <= 1.2 * scaled  # 150k ops/px < ResNet-50's 163k; overhead fixed
    # one Hailo-8 cannot carry the 12.44 TOPS intersection (270 inferences/s): it drops frames (README, "capacity")
    assert hailo["system.achieved_tops"] < hailo["system.required_tops"] == pytest.approx(12.4416)
    # at the estimate it drops frames; the optimistic end of its 80% interval (an op-count-only network takes its
    # kind's spread of networks) would keep up, so the verdict is "within interval", never "yes"
    assert hailo["drop_rate"] > 0.1 and hailo["keeps_up"] in ("no", "within interval")
    assert any(r["pareto"] for r in result["rows"])
    header = (tmp_path / "accelerator_whatif.csv").read_text().splitlines()[0].split(",")
    assert {"service_source", "service_ms", "service_ms_low", "service_ms_high"} <= set(header)
    assert {r["case"] for r in result["battery_rows"]} == catalog_units | {"scenario as written"}
    assert all(r["status"] == "ok" and r["battery_life_h"] > 0 for r in result["battery_rows"])
    assert result["city"]["sites_simulated"] == 4
    # rerun: every sweep resumes, nothing is simulated again
    again = module.run(fast=True, out_dir=tmp_path, jobs=1, replications=1, duration_s=2.0, sites=4)
    assert again["city"] == {**result["city"], "wall_s": again["city"]["wall_s"]}


def test_a_validated_spec_sweeps_like_its_dict():
    import edgesim

    d = small()
    from_spec = sweep(edgesim.scenario_from_dict(d), {"cameras.cam.fps": [20, 40]}, executor="serial")
    from_dict = sweep(d, {"cameras.cam.fps": [20, 40]}, executor="serial")
    assert from_spec["system.energy_j"].tolist() == from_dict["system.energy_j"].tolist()


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


def test_a_killed_worker_is_replaced_and_its_runs_retried():
    from edgesim.sweeps import ProcessExecutor
    from edgesim.sweeps.plan import iter_tasks  # noqa: PLC0415

    spec = _spec(dict(GRID, **{"cameras.cam.fps": [20, 21, 50]}))
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
