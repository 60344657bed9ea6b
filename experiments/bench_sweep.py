"""Sweep speed: parallel efficiency of the local process pool, and the Dask path's ratio, start-up and overhead.

    python experiments/bench_sweep.py [--fast] [--runs 16] [--run-s 1.0] [--jobs J] [--dask-sweep-runs 8] [--dask-runs 64]

1. A 16-run sweep (the intersection scenario, 4 frame rates x 4 replications) whose simulated duration
   is calibrated so one run takes about ``--run-s`` wall seconds, run serially and then on the local process
   pool (``--jobs``, default all cores), in this same process one after the other. Times are end to end
   (pool start-up included). Speed-up = serial / pool; efficiency = speed-up / jobs. The bar: >= 1.8x on
   two cores.
2. Dask: an 8-run sweep (``--dask-sweep-runs``, runs of ``--run-s`` each) serially and on a Dask LocalCluster
   of ``--jobs`` single-threaded worker processes, end to end through ``sweep()`` (cluster start-up
   included, and also reported alone); prints serial / Dask. Then the per-run overhead: ``--dask-runs`` tiny
   runs (a few ms each) serially and on a warm LocalCluster of one worker, (Dask time - serial time) / runs.
   The bytes a task carries are printed too: the base scenario goes to each worker once (scattered), so a
   task carries only its overrides. Without dask installed this part is skipped.

Other processes on the machine only ever slow a run down, so each timing is repeated (``--repeat``,
serial and parallel interleaved) and the best kept.

Prints the timings and writes experiments/out/bench_sweep.json (``--out DIR`` elsewhere).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import pickle
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import edgesim  # noqa: E402
from edgesim.spec.load import read_scenario_dict  # noqa: E402
from edgesim.sweeps import sweep  # noqa: E402
from edgesim.sweeps.executors import available_cores  # noqa: E402

SCENARIO = ROOT / "scenarios" / "intersection_3cam.yaml"


def calibrate(base: dict, run_s: float) -> float:
    """Simulated seconds that take about ``run_s`` wall seconds for this scenario on this machine."""
    spec = edgesim.scenario_from_dict(base)
    probe = 20.0
    t0 = time.perf_counter()
    edgesim.simulate(spec, duration_s=probe, seed=0)
    per_sim_s = (time.perf_counter() - t0) / probe
    return max(2.0, run_s / per_sim_s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fast", action="store_true", help="shorter runs (0.3 s each) and 32 Dask runs")
    parser.add_argument("--runs", type=int, default=16, help="runs in the pool benchmark (default 16)")
    parser.add_argument("--run-s", type=float, help="target wall seconds per run (default 1.0; --fast 0.3)")
    parser.add_argument("--jobs", type=int, help="pool workers (default: all usable cores)")
    parser.add_argument("--dask-sweep-runs", type=int, default=8, help="runs of the serial vs Dask sweep (default 8)")
    parser.add_argument("--dask-runs", type=int, help="tiny runs for the Dask overhead (default 64; --fast 32)")
    parser.add_argument("--repeat", type=int, help="repeats, interleaved; the best of each is kept (default 3; --fast 2)")
    parser.add_argument("--only", choices=("pool", "dask"), help="run one part only")
    parser.add_argument("--out", default=str(ROOT / "experiments" / "out"), help="folder for bench_sweep.json")
    args = parser.parse_args()
    repeat = args.repeat or (2 if args.fast else 3)
    run_s = args.run_s or (0.3 if args.fast else 1.0)
    dask_runs = args.dask_runs or (32 if args.fast else 64)
    jobs = args.jobs or available_cores()
    base = read_scenario_dict(SCENARIO)
    camera = base["cameras"][0]["name"]
    duration = calibrate(base, run_s)
    reps = max(1, args.runs // 4)
    params = {f"cameras.{camera}.fps": [24, 25, 29, 30][: max(1, min(4, args.runs))]}
    n = len(params[f"cameras.{camera}.fps"]) * reps
    print(f"machine: {platform.processor() or platform.machine()}, {available_cores()} usable cores, Python {platform.python_version()}")
    result: dict = {}
    if args.only != "dask":
        print(f"[1] {n} runs of {SCENARIO.name} at {duration:.0f} simulated s (~{run_s:g} wall s each)")
        serial_times, pool_times = [], []
        same = True
        for i in range(repeat):  # interleaved, best of `repeat`: other processes on the machine only slow runs down
            t0 = time.perf_counter()
            serial = sweep(SCENARIO, params, replications=reps, duration_s=duration, executor="serial", per_stream=False,
                           progress=False)
            serial_times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            pool = sweep(SCENARIO, params, replications=reps, duration_s=duration, executor="process", jobs=jobs,
                         per_stream=False, progress=False)
            pool_times.append(time.perf_counter() - t0)
            same = same and serial.drop(columns="wall_s").equals(pool.drop(columns="wall_s"))
            print(f"    repeat {i + 1}: serial {serial_times[-1]:6.2f} s   pool ({jobs} workers) {pool_times[-1]:6.2f} s   "
                  f"ratio {serial_times[-1] / pool_times[-1]:.2f}x")
        t_serial, t_pool = min(serial_times), min(pool_times)
        speedup = t_serial / t_pool
        print(f"    best of {repeat}: serial {t_serial:6.2f} s   pool {t_pool:6.2f} s   speed-up {speedup:.2f}x   "
              f"efficiency {speedup / jobs:.0%}   identical tables: {same}")
        result = {"runs": n, "simulated_s_per_run": duration, "serial_s": t_serial, "pool_s": t_pool, "jobs": jobs,
                  "speedup": speedup, "efficiency": speedup / jobs, "identical": same, "repeat": repeat,
                  "serial_s_all": serial_times, "pool_s_all": pool_times,
                  "mean_run_wall_s": float(serial["wall_s"].mean())}

    if args.only == "pool":
        pass
    elif importlib.util.find_spec("distributed") is None:
        print("[2] dask not installed: Dask overhead skipped (pip install 'dask[distributed]')")
    else:
        result.update(bench_dask(base, camera, duration, jobs, args.dask_sweep_runs, dask_runs, repeat))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_sweep.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out / 'bench_sweep.json'}")


def bench_dask(base: dict, camera: str, duration: float, jobs: int, sweep_runs: int, tiny_runs: int,
               repeat: int) -> dict:
    """Serial vs Dask LocalCluster on a sweep of ``sweep_runs`` runs; per-run overhead on ``tiny_runs`` tiny ones."""
    from edgesim.sweeps import DaskExecutor, SerialExecutor
    from edgesim.sweeps.plan import SweepSpec, iter_tasks, parse_domain, plan_runs

    fps = f"cameras.{camera}.fps"
    reps = max(1, sweep_runs // 2)
    params = {fps: [29, 30][: max(1, min(2, sweep_runs))]}
    serial_times, dask_times, startups = [], [], []
    same = True
    for i in range(repeat):
        t0 = time.perf_counter()
        serial = sweep(SCENARIO, params, replications=reps, duration_s=duration, executor="serial", per_stream=False,
                       progress=False)
        serial_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        ex = DaskExecutor(jobs=jobs)  # closed by the sweep
        startups.append(time.perf_counter() - t0)
        dask = sweep(SCENARIO, params, replications=reps, duration_s=duration, executor=ex, per_stream=False,
                     progress=False)
        dask_times.append(time.perf_counter() - t0)
        same = same and serial.drop(columns="wall_s").equals(dask.drop(columns="wall_s"))
        print(f"    repeat {i + 1}: serial {serial_times[-1]:6.2f} s   Dask LocalCluster ({jobs} workers, start-up "
              f"{startups[-1]:.2f} s included) {dask_times[-1]:6.2f} s   ratio {serial_times[-1] / dask_times[-1]:.2f}x")
    n = len(serial)
    t_serial, t_dask = min(serial_times), min(dask_times)
    print(f"[2] {n} runs (~{serial['wall_s'].mean():.2f} wall s each): best of {repeat}: serial {t_serial:.2f} s, "
          f"Dask LocalCluster {t_dask:.2f} s (start-up {min(startups):.2f} s of it) -> serial / Dask "
          f"{t_serial / t_dask:.2f}x; identical tables: {same}")
    out = {"dask_sweep_runs": n, "dask_sweep_serial_s": t_serial, "dask_sweep_s": t_dask,
           "dask_sweep_ratio": t_serial / t_dask, "dask_startup_s": min(startups), "dask_sweep_identical": same,
           "dask_workers": jobs}

    spec = SweepSpec(scenario=base, parameters={fps: parse_domain([30], "bench", "fps")},
                     replications=tiny_runs, duration_s=2.0, per_stream=False, source=str(SCENARIO))
    runs = plan_runs(spec)
    tasks = list(iter_tasks(spec, runs[:1]))
    full_bytes = len(pickle.dumps(tasks[0]))
    slim_bytes = len(pickle.dumps(replace(tasks[0], scenario={})))
    ex = DaskExecutor(jobs=1)
    ser_times, tiny_times = [], []
    try:
        list(ex.run(iter_tasks(spec, runs[:2])))  # warm the worker (imports) outside the timing
        for _ in range(repeat):
            t0 = time.perf_counter()
            with SerialExecutor() as serial_ex:
                rows_serial = list(serial_ex.run(iter_tasks(spec, runs)))
            ser_times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            rows_dask = list(ex.run(iter_tasks(spec, runs)))
            tiny_times.append(time.perf_counter() - t0)
        scattered = ex.scattered
    finally:
        ex.close()
    t_ser, t_tiny = min(ser_times), min(tiny_times)
    overhead_ms = (t_tiny - t_ser) / len(runs) * 1e3
    same_tiny = sorted((r["run_id"], r["system.energy_j"]) for r in rows_serial) == sorted(
        (r["run_id"], r["system.energy_j"]) for r in rows_dask)
    print(f"[3] {len(runs)} tiny runs ({t_ser / len(runs) * 1e3:.1f} ms each serially): serial {t_ser:.2f} s, "
          f"Dask LocalCluster (1 warm worker process) {t_tiny:.2f} s -> {overhead_ms:.1f} ms overhead per run; "
          f"identical: {same_tiny}; the base scenario was scattered {scattered} time(s) for "
          f"{len(runs) * repeat + 2} runs; a task pickles to {slim_bytes} bytes ({full_bytes} with the scenario in it)")
    out.update({"dask_runs": len(runs), "dask_serial_s": t_ser, "dask_s": t_tiny, "dask_overhead_ms_per_run": overhead_ms,
                "dask_identical": same_tiny, "dask_scattered": scattered, "task_bytes": slim_bytes,
                "task_bytes_with_scenario": full_bytes})
    return out


if __name__ == "__main__":
    main()
