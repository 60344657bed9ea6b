"""Start-up time of the ``edgesim`` command: ``--version``, ``--help``, a 1-s ``run``, and an 8-run sweep.

    python experiments/bench_startup.py [--repeat 5] [--no-sweep]

Each command runs as its own process (``python -m edgesim ...`` from the repository root, what the ``edgesim``
console script does), ``--repeat`` times, interleaved with ``python -c pass``; the median wall time of each is
printed with its ratio to the bare interpreter's median measured in the same run, so that a loaded machine shows
in both; the median CPU time (user + system) is printed beside it, the figure least moved by other processes.
The run is ``scenarios/intersection_3cam.yaml --duration 1 --set warmup_s=0`` (1 simulated second: the
process is almost all start-up). Targets on a 2-core machine: ``--version`` and ``--help`` <= 0.3 s, the run
<= 1.0 s.

With dask installed, also an 8-run sweep (4 frame rates x 2 replications, 1 simulated s each) run serially
(``--jobs 1``) and on a Dask LocalCluster (``--dask-local --jobs 2``), end to end with the cluster's start-up:
reported, not optimised here.

Prints the table and writes experiments/out/bench_startup.json (``--out DIR`` elsewhere).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = "scenarios/intersection_3cam.yaml"
COMMANDS: dict[str, list[str]] = {
    "python -c pass": ["-c", "pass"],
    "edgesim --version": ["-m", "edgesim", "--version"],
    "edgesim --help": ["-m", "edgesim", "--help"],
    "edgesim run (1 s)": ["-m", "edgesim", "run", SCENARIO, "--duration", "1", "--set", "warmup_s=0"],
}
SWEEP = ["-m", "edgesim", "sweep", SCENARIO, "--set", "cameras.cam.fps=15,20,25,30", "--replications", "2",
         "--duration", "1", "--set", "warmup_s=0", "--quiet"]
SWEEPS: dict[str, list[str]] = {"sweep 8 runs, serial": [*SWEEP, "--jobs", "1"],
                                "sweep 8 runs, Dask LocalCluster": [*SWEEP, "--dask-local", "--jobs", "2"]}


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wall_s(args: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, the process and its children) of ``python ARGS`` from the repository
    root; output discarded, a failure stops the bench. The CPU time barely moves when other processes load the
    machine; the wall time does."""
    cpu0, t0 = _children_cpu_s(), time.perf_counter()
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed, cpu = time.perf_counter() - t0, _children_cpu_s() - cpu0
    if proc.returncode != 0:
        raise SystemExit(f"python {' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return elapsed, cpu


def medians(commands: dict[str, list[str]], repeat: int) -> dict[str, list[tuple[float, float]]]:
    """Every command ``repeat`` times, interleaved (a slow moment of the machine hits all of them alike)."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, args in commands.items():
            times[name].append(wall_s(args))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each command; the median is reported (default 5)")
    parser.add_argument("--sweep-repeat", type=int, default=1, help="runs of each sweep (default 1: they take seconds)")
    parser.add_argument("--no-sweep", action="store_true", help="skip the 8-run sweeps")
    parser.add_argument("--out", default=str(ROOT / "experiments" / "out"), help="folder for bench_startup.json")
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"median of {args.repeat}")
    commands = dict(COMMANDS)
    times = medians(commands, args.repeat)
    if not args.no_sweep:
        sweeps = dict(SWEEPS) if importlib.util.find_spec("distributed") else {k: v for k, v in SWEEPS.items() if "Dask" not in k}
        if len(sweeps) < len(SWEEPS):
            print("dask not installed: the Dask sweep is skipped (pip install 'dask[distributed]')")
        sweep_times = medians(sweeps, args.sweep_repeat)
        sweep_times["python -c pass"] = times["python -c pass"]
        times.update(sweep_times)
    base = statistics.median(w for w, _ in times["python -c pass"])
    result = {}
    print(f"{'command':34s} {'median wall s':>13s} {'x python -c pass':>17s} {'median CPU s':>13s}")
    for name, values in times.items():
        median = statistics.median(w for w, _ in values)
        cpu = statistics.median(c for _, c in values)
        result[name] = {"median_s": median, "ratio_to_python": median / base, "median_cpu_s": cpu,
                        "all_s": [w for w, _ in values], "all_cpu_s": [c for _, c in values]}
        print(f"{name:34s} {median:13.3f} {median / base:17.1f} {cpu:13.3f}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_startup.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out / 'bench_startup.json'}")


if __name__ == "__main__":
    main()
