"""24 h of the 3-camera intersection in a sealed outdoor box: FPS and junction temperature vs time of day.

    .venv/bin/python experiments/outdoor_day.py [--out experiments/out/outdoor_day.png] [--duration 86400]

Runs scenarios/intersection_outdoor_day.yaml and plots, per 10-minute bin, the achieved inferences/s of the NPU, the
mean junction and box temperatures, and the ambient (the profile's value) with the throttle trips marked.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import edgesim  # noqa: E402
from edgesim.physics.ambient import DailySineAmbient  # noqa: E402

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "intersection_outdoor_day.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="experiments/out/outdoor_day.png")
    parser.add_argument("--duration", type=float, default=None)
    args = parser.parse_args()
    spec = edgesim.load_scenario(SCENARIO)
    t0 = time.perf_counter()
    result = edgesim.simulate(spec, duration_s=args.duration)
    wall_s = time.perf_counter() - t0
    dev = result.device_timeseries
    ts = result.timeseries
    hours = dev["time_s"] / 3600.0
    prof = spec.thermal.ambient_profile if spec.thermal is not None else None
    fig, (ax_fps, ax_t) = plt.subplots(2, 1, figsize=(10, 7), sharex=True)
    ax_fps.step(ts["time_s"] / 3600.0, ts["achieved_fps"], where="post", label="NPU inferences/s")
    ax_fps.set_ylabel("completed inferences/s")
    ax_fps.axhline(270.0, color="grey", ls=":", label="offered (3 cameras x 3 networks x 30 FPS)")
    ax_fps.legend(loc="lower left")
    ax_t.step(hours, dev["temp_junction_c"], where="post", label="junction (interval mean)")
    ax_t.step(hours, dev["temp_box_c"], where="post", label="box")
    if prof is not None:
        amb = DailySineAmbient(prof.mean_c, prof.amplitude_c, prof.peak_time_s)
        ax_t.plot(hours, [amb.temp_c(t + 300.0) for t in dev["time_s"]], color="grey", label="ambient")
    for trip in (85.0, 95.0):
        ax_t.axhline(trip, color="red", ls="--", lw=0.8)
    ax_t.set_ylabel("temperature (C)")
    ax_t.set_xlabel("time of day (h)")
    ax_t.legend(loc="upper left")
    unit = result.summary["units"][0]
    fig.suptitle(f"Intersection in a sealed box, 24 h: throttled {unit['throttled_s'] / 3600:.1f} h, "
                 f"max T_j {unit['max_temp_c']:.1f} C (simulated in {wall_s:.0f} s)")
    fig.tight_layout()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    print(f"{out}: throttled_s {unit['throttled_s']:.0f}, first_throttle_s {unit['first_throttle_s']}, "
          f"max_temp_c {unit['max_temp_c']:.2f}, wall {wall_s:.1f} s")


if __name__ == "__main__":
    main()
