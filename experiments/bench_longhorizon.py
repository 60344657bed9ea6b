"""Long horizons: fast-forward (the default) over 1, 7 and 30 days against the exact event-by-event run's rate.

Two scenarios: ``intersection_outdoor_day.yaml`` (an overloaded Hailo-8 in a sealed roadside box: daily ambient
and sun, two throttle steps; the day repeats) and ``ip_camera_sleep.yaml`` on an ideal battery large enough to
last the horizon (a 5 FPS camera whose NPU sleeps between frames). The exact run is timed over ``--exact-s``
simulated seconds and its wall time scaled to each horizon (its cost grows linearly with simulated time); the
fast-forwarded runs are timed whole (the run itself, imports excluded), with what they simulated event by event
and the error bounds they report.

    python experiments/bench_longhorizon.py [--days 1 7 30] [--exact-s 1800]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import yaml

import edgesim

ROOT = Path(__file__).resolve().parents[1]
DAY_S = 86400.0


def _specs() -> dict[str, Any]:
    outdoor = edgesim.load_scenario(ROOT / "scenarios" / "intersection_outdoor_day.yaml")
    data = yaml.safe_load((ROOT / "scenarios" / "ip_camera_sleep.yaml").read_text())
    # ILLUSTRATIVE: a battery that outlasts 30 days at ~2.6 W (2.6 W x 720 h = 1.9 kWh), so the horizon ends the run
    data["battery"] = {"model": "ideal", "capacity_wh": 2500.0}
    camera = edgesim.scenario_from_dict(data, str(ROOT / "scenarios" / "ip_camera_sleep.yaml"), ROOT / "scenarios")
    return {"intersection_outdoor_day": outdoor, "ip_camera_sleep+2.5kWh": camera}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, nargs="+", default=[1.0, 7.0, 30.0])
    parser.add_argument("--exact-s", type=float, default=1800.0, help="simulated seconds of the timed exact run")
    args = parser.parse_args()
    for name, spec in _specs().items():
        t = time.perf_counter()
        edgesim.simulate(spec, duration_s=args.exact_s, exact=True)
        exact_wall_per_s = (time.perf_counter() - t) / args.exact_s
        print(f"{name}: exact run {exact_wall_per_s * 3600:.2f} s of wall time per simulated hour "
              f"(timed over {args.exact_s:g} s)")
        for days in args.days:
            t = time.perf_counter()
            result = edgesim.simulate(spec, duration_s=days * DAY_S)
            wall = time.perf_counter() - t
            ff = result.summary["fast_forward"]
            exact_wall = exact_wall_per_s * result.summary["duration_s"]
            print(f"  {days:5g} d: fast-forward {wall:6.2f} s wall (exact ~{exact_wall:8.0f} s, {exact_wall / wall:6.0f}x); "
                  f"{ff['simulated_s']:7.0f} s simulated in {ff['segments']} segments; bounds {ff['energy_bound_j']:.3g} J, "
                  f"{ff['completions_bound']:.3g} completions")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
