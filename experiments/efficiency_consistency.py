"""Efficiency consistency: FPS/W as the offered load scales from 10 % to 100 % of a unit's capacity.

The white paper: "a truly power efficient processor should be consistent in its efficiency, i.e. maintain the
same level of power efficiency as workloads vary and scale up and down". edgesim's power model v1 is
P = P_idle + (P_active - P_idle) x utilization, so at a load fraction f of the capacity C (FPS):

    FPS/W(f) = f C / (P_idle + (P_active - P_idle) f),   FPS/W(f) / FPS/W(1) = f P_active / (P_idle + (P_active - P_idle) f)

which rises with load, the more steeply the larger P_idle / P_active: idle power is what makes efficiency
inconsistent. The script simulates ResNet-50 (224 x 224) on the four Figure 4 units (their measured points)
with one periodic camera at f x capacity, f = 0.1 .. 1.0, and checks the simulated FPS/W against the closed
form. A second sweep runs the Hailo-8 with hypothetical idle powers (scenario overrides: 0, 10, 25, 50 % of
its measured busy power) to show how the curve's shape depends on idle power.

Caveat: the catalog's idle_power_w of these four units is not published; the catalog uses the labelled
convention 0.1 x max_power_w (see the ``idle_source`` column), so their curves follow that convention.

    python experiments/efficiency_consistency.py [--fast] [--out DIR]

Writes ``efficiency_consistency.csv`` / ``.md`` and ``efficiency_consistency.png``.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

DEVICES = (("jetson_agx_xavier", "Xavier AGX"), ("jetson_nano", "Jetson Nano"), ("hailo8", "Hailo-8"),
           ("myriad_x", "Myriad X"))
FRACTIONS = tuple(round(0.1 * k, 1) for k in range(1, 11))
IDLE_SWEEP_DEVICE = "hailo8"
IDLE_SWEEP_FRACTIONS = (0.0, 0.1, 0.25, 0.5)  # hypothetical P_idle / P_active

COLUMNS = ["device", "case", "idle_power_w", "active_power_w", "idle_over_active", "load_fraction", "offered_fps",
           "achieved_fps", "utilization", "avg_power_w", "fps_per_w", "fps_per_w_closed_form", "rel_err_closed_form",
           "fps_per_w_over_full_load", "idle_source"]


def closed_form_fps_per_w(fraction: float, capacity_fps: float, idle_w: float, active_w: float) -> float:
    """FPS/W at load ``fraction`` of ``capacity_fps`` under P = P_idle + (P_active - P_idle) x utilization."""
    return fraction * capacity_fps / (idle_w + (active_w - idle_w) * fraction)


def _sweep(device: str, label: str, case: str, fast: bool, unit_overrides: dict[str, Any] | None = None,
           idle_source: str = "") -> list[dict[str, Any]]:
    spec = common.single_stream_spec(device, model="resnet50", queue_capacity=2, drop_policy="drop_oldest",
                                     unit_overrides=unit_overrides)
    cap, _, _, active_w = common.unit_capacity(spec)
    idle_w = spec.unit("u").idle_power_w
    n = common.inferences_for(fast)
    rows = []
    for f in FRACTIONS:
        fps = f * cap
        period_s = 1.0 / fps
        # Frames at k x period (phase 0); the window [period/4, period/4 + n periods) then holds n arrivals, n
        # completions and exactly n x service time of busy time for every f (f = 0.25 would sit on the edge).
        warmup_s = 0.25 * period_s
        summary = common.simulate_spec(common.with_camera(spec, fps, warmup_s + n * period_s, warmup_s, phase_s=0.0))
        stream, unit = summary["streams"][0], summary["units"][0]
        expected = closed_form_fps_per_w(f, cap, idle_w, active_w)
        rows.append({
            "device": device, "label": label, "case": case, "idle_power_w": idle_w, "active_power_w": active_w,
            "idle_over_active": idle_w / active_w, "load_fraction": f, "offered_fps": fps,
            "achieved_fps": stream["achieved_fps"], "utilization": unit["utilization"],
            "avg_power_w": unit["avg_power_w"], "fps_per_w": unit["inferences_per_j"],
            "fps_per_w_closed_form": expected,
            "rel_err_closed_form": common.rel_error(unit["inferences_per_j"], expected),
            "idle_source": idle_source,
        })
    full = rows[-1]["fps_per_w"]
    for r in rows:
        r["fps_per_w_over_full_load"] = r["fps_per_w"] / full
    return rows


def run(fast: bool = False, out_dir: str | Path | None = None) -> dict[str, Any]:
    """Run both sweeps; write the table and the figure. Returns ``{"rows", "idle_rows", "files"}``."""
    out = common.out_dir(out_dir)
    rows: list[dict[str, Any]] = []
    for device, label in DEVICES:
        source = common.unit_entry(device).sources.get("idle_power_w", "")
        rows += _sweep(device, label, "catalog", fast, idle_source=source)
    idle_rows: list[dict[str, Any]] = []
    base = common.single_stream_spec(IDLE_SWEEP_DEVICE, model="resnet50")
    active_w = common.unit_capacity(base)[3]
    for share in IDLE_SWEEP_FRACTIONS:
        idle_rows += _sweep(IDLE_SWEEP_DEVICE, f"Hailo-8, P_idle = {share:.0%} of P_active",
                            f"hypothetical idle {share:.0%}", fast, unit_overrides={"idle_power_w": share * active_w},
                            idle_source=f"scenario override: {share:g} x measured busy power {active_w:g} W")
    notes = [
        "Simulated: edgesim, ResNet-50 224x224 on the unit's measured point (white paper Fig. 4), one periodic camera "
        "at load_fraction x capacity; fps_per_w = unit inferences_per_j over the statistics window.",
        "fps_per_w_closed_form = f C / (P_idle + (P_active - P_idle) f), edgesim's power model v1.",
        "case 'catalog': idle_power_w from the catalog (for these units the labelled convention 0.1 x max_power_w, "
        "not a measurement); 'hypothetical idle': the Hailo-8 with idle power overridden in the scenario.",
    ]
    csv_path, md_path = common.write_table(rows + idle_rows, out, "efficiency_consistency", COLUMNS,
                                           title="FPS/W vs offered load (ResNet-50)", notes=notes)
    png = _plot(rows, idle_rows, out / "efficiency_consistency.png")
    return {"rows": rows, "idle_rows": idle_rows, "files": [csv_path, md_path, png]}


def _plot(rows: list[dict[str, Any]], idle_rows: list[dict[str, Any]], path: Path) -> Path:
    plt = common.pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    for ax, data, key, ylabel, title in (
        (axes[0], rows, "fps_per_w", "inferences / W", "ResNet-50 FPS/W vs load (catalog idle)"),
        (axes[1], rows, "fps_per_w_over_full_load", "FPS/W / FPS/W at full load", "Relative to full load"),
        (axes[2], idle_rows, "fps_per_w_over_full_load", "FPS/W / FPS/W at full load", "Hailo-8: shape set by idle power"),
    ):
        for label in dict.fromkeys(r["label"] for r in data):
            pts = [r for r in data if r["label"] == label]
            ax.plot([100 * r["load_fraction"] for r in pts], [r[key] for r in pts], marker="o", ms=3,
                    label=f"{label} (idle/active {pts[0]['idle_over_active']:.2f})" if data is rows else label)
        ax.set_xlabel("offered load (% of capacity)")
        ax.set_ylabel(ylabel)
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    axes[0].set_yscale("log")
    return common.save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    args = common.parser(__doc__.splitlines()[0]).parse_args(argv)
    result = run(fast=args.fast, out_dir=args.out)
    common.print_table(result["rows"] + result["idle_rows"],
                       ["label", "load_fraction", "utilization", "avg_power_w", "fps_per_w", "fps_per_w_closed_form",
                        "fps_per_w_over_full_load"])
    print("wrote", ", ".join(str(p) for p in result["files"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
