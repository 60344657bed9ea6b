"""Raspberry Pi 5 in a 45 C box: the Pi 5 fan curve keeps the SoC below the 80 C throttle point; the passive box
(the same scenario without its fan) throttles.

    .venv/bin/python experiments/rpi5_fan_vs_passive.py [--out experiments/out/rpi5_fan_vs_passive.png]

One PNG: SoC temperature (interval means, 10 s bins) of both runs with the 80 C trip, fan duty, and achieved FPS.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import edgesim  # noqa: E402

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "rpi5_fan.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="experiments/out/rpi5_fan_vs_passive.png")
    args = parser.parse_args()
    spec = edgesim.load_scenario(SCENARIO)
    data = spec.model_dump(exclude_none=True)
    data["thermal"].pop("fan")
    data["name"] = "rpi5_passive"
    runs = {"fan (Pi 5 curve)": edgesim.simulate(spec), "passive": edgesim.simulate(edgesim.scenario_from_dict(data))}
    fig, (ax_t, ax_d, ax_f) = plt.subplots(3, 1, figsize=(9, 8), sharex=True, gridspec_kw={"height_ratios": [3, 1, 2]})
    for label, result in runs.items():
        dev = result.device_timeseries
        minutes = dev["time_s"] / 60.0
        ax_t.step(minutes, dev["temp_soc_c"], where="post", label=f"SoC, {label}")
        ts = result.timeseries
        ax_f.step(ts["time_s"] / 60.0, ts["achieved_fps"], where="post", label=label)
        if "fan_duty" in dev:
            ax_d.step(minutes, dev["fan_duty"] * 100.0, where="post", label="fan duty")
    ax_t.axhline(80.0, color="red", ls="--", lw=1, label="80 C throttle point")
    ax_t.set_ylabel("temperature (C)")
    ax_t.legend(loc="lower right")
    ax_d.set_ylabel("fan duty (%)")
    ax_f.set_ylabel("achieved FPS")
    ax_f.set_xlabel("time (min)")
    ax_f.legend(loc="lower left")
    fan, passive = (r.summary["units"][0] for r in runs.values())
    fig.suptitle(f"Pi 5 in a 45 C box: fan max {fan['max_temp_c']:.1f} C, never throttled; "
                 f"passive throttles at {passive['first_throttle_s']:.0f} s")
    fig.tight_layout()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    print(f"{out}: fan max {fan['max_temp_c']:.2f} C throttled {fan['throttled_s']:.0f} s; passive max "
          f"{passive['max_temp_c']:.2f} C throttled {passive['throttled_s']:.0f} s")


if __name__ == "__main__":
    main()
