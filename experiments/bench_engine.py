"""Engine speed: edgesim's intersection scenario against a bare SimPy skeleton of the same traffic, same process.

The skeleton is 3 cameras x 30 FPS, each frame 3 jobs, each job a request / timeout / release on a
simpy.Resource (about five SimPy events per inference), with a service time that loads the resource to 80%
(an overloaded skeleton's queue grows without bound and would flatter edgesim). edgesim runs the scenario as
written (the intersection overloads its one Hailo-8, so it also drops frames) and computes every metric of the
summary. Both rates count jobs offered (frames x models) per wall-second: the same traffic.

    python experiments/bench_engine.py [--duration 600] [--repeat 3]

Prints simulated inferences per wall-second of both and the ratio (edgesim / skeleton; >= 1 is the bar).
"""
from __future__ import annotations

import argparse
import time
import tracemalloc
from pathlib import Path

import simpy

import edgesim

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "intersection_3cam.yaml"


def skeleton(duration_s: float, service_s: float, n_cameras: int = 3, fps: float = 30.0, n_models: int = 3) -> int:
    """Bare SimPy: a process per job doing request, timeout(service), release. Returns completed jobs."""
    env = simpy.Environment()
    unit = simpy.Resource(env, capacity=1)
    done = [0]

    def job(env: simpy.Environment):
        with unit.request() as req:
            yield req
            yield env.timeout(service_s)
        done[0] += 1

    def camera(env: simpy.Environment, phase_s: float):
        yield env.timeout(phase_s)
        while True:
            for _ in range(n_models):
                env.process(job(env))
            yield env.timeout(1.0 / fps)

    for i in range(n_cameras):
        env.process(camera(env, i / (fps * n_cameras)))
    env.run(until=duration_s)
    return done[0]


def best_of_interleaved(fns: list, repeat: int) -> list[tuple[float, int]]:
    """Best CPU time of each function over ``repeat`` rounds, the functions alternating within each round.

    CPU time of this process (``time.process_time``), not wall time: on a shared machine other processes take turns
    on the cores, which stretches wall time by whatever else runs but leaves the work a run does unchanged.
    Alternating the two sides within each round makes the rest (caches, clock boost) hit both alike."""
    best = [(float("inf"), 0) for _ in fns]
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t0 = time.process_time()
            n = fn()
            elapsed = time.process_time() - t0
            if elapsed < best[i][0]:
                best[i] = (elapsed, n)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=600.0, help="simulated seconds (default 600)")
    parser.add_argument("--repeat", type=int, default=5, help="best of N interleaved rounds (default 5)")
    parser.add_argument("--scenario", default=str(SCENARIO), help="scenario file (default: the intersection)")
    args = parser.parse_args()
    spec = edgesim.load_scenario(args.scenario)
    service_s = 0.8 / (3 * 30.0 * 3)

    def run_edgesim() -> int:
        result = edgesim.simulate(spec, duration_s=args.duration)
        return sum(s["offered"] for s in result.summary["streams"])

    (t_sk, n_sk), (t_es, n_es) = best_of_interleaved([lambda: skeleton(args.duration, service_s), run_edgesim], args.repeat)
    rate_sk, rate_es = n_sk / t_sk, n_es / t_es
    print(f"scenario: {Path(args.scenario).name}, {args.duration:g} simulated s, best CPU time of {args.repeat} interleaved rounds")
    print(f"bare SimPy skeleton : {n_sk:>9d} jobs in {t_sk:7.3f} s = {rate_sk / 1e6:6.3f} M simulated inferences/s")
    print(f"edgesim (all stats) : {n_es:>9d} jobs in {t_es:7.3f} s = {rate_es / 1e6:6.3f} M simulated inferences/s")
    print(f"ratio edgesim / skeleton: {rate_es / rate_sk:.2f}x  (bar >= 1.0, aim 3.0)")
    # memory: peak traced allocation at two durations; the growth per extra inference is what a long run costs
    peaks = []
    for dur in (args.duration / 4, args.duration):
        tracemalloc.start()
        result = edgesim.simulate(spec, duration_s=dur)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        jobs = sum(s["offered"] for s in result.summary["streams"])
        peaks.append((peak, jobs))
        print(f"memory at {dur:g} simulated s: peak {peak / 1e6:.2f} MB traced ({jobs} jobs)")
    (p1, n1), (p2, n2) = peaks
    print(f"memory growth: {(p2 - p1) / max(n2 - n1, 1):.2f} bytes per extra job (latency store: 4 bytes per completed inference)")


if __name__ == "__main__":
    main()
