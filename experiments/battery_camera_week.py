"""A battery site camera over its whole life: charge, voltage, temperature and throughput until the pack's cut-off.

    python experiments/battery_camera_week.py [--out experiments/out/battery_camera_week.png]

Runs scenarios/battery_camera_week.yaml (fast-forwarded; every number there cited or marked illustrative) and
plots, per 10-minute bin against days: the pack's state of charge and terminal voltage at the bin's end, the
module's mean temperature, and the detector's completed inferences per second. Prints the life in days and what
the run simulated event by event.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import edgesim  # noqa: E402

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "battery_camera_week.yaml"
DAY_S = 86400.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="experiments/out/battery_camera_week.png")
    args = parser.parse_args()
    result = edgesim.simulate(SCENARIO)
    summary = result.summary
    device = result.device_timeseries
    assert device is not None
    units = result.timeseries[result.timeseries["unit"] == "npu"]
    days = device["time_s"] / DAY_S
    fig, axes = plt.subplots(4, 1, figsize=(9, 9), sharex=True)
    axes[0].plot(days, 100.0 * device["soc_end"])
    axes[0].set_ylabel("charge (%)")
    axes[1].plot(days, device["battery_voltage_end_v"])
    axes[1].set_ylabel("pack voltage (V)")
    axes[2].plot(days, device["temp_module_c"])
    axes[2].set_ylabel("module (C)")
    axes[3].plot(units["time_s"] / DAY_S, units["achieved_fps"])
    axes[3].set_ylabel("inferences/s")
    axes[3].ticklabel_format(axis="y", useOffset=False)
    axes[3].set_ylim(bottom=0.0)
    axes[3].set_xlabel("days")
    life_d = summary["system"]["battery_life_h"] / 24.0
    fig.suptitle(f"battery_camera_week: {life_d:.2f} days to cut-off (2s4p LG M50, illustrative load)")
    fig.tight_layout()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    ff = summary["fast_forward"]
    print(f"life {life_d:.3f} days, final voltage {summary['system'].get('final_voltage_v')}, "
          f"{ff['simulated_s']:.0f} s simulated event by event in {ff['segments']} segments; wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
