"""Device-level figures: power with temperature, and the battery's state of charge.

Power comes from the per-change power trace when the run kept one (``--trace``: every change, exact),
else from the per-interval averages; the device line adds the platform loads. Temperatures and the state of
charge come from the run's series (interval means / interval ends) or, with ``--trace``, from the device
state at every power change.
"""
from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from ..results.result import SimulationResult
from .marks import mark_changes, mark_thresholds
from .timeline import figure_title, legend_outside, shade_warmup, step_to_end

__all__ = ["power_temperature_figure", "battery_figure", "has_battery"]


def has_battery(result: SimulationResult) -> bool:
    """True when the run simulated a battery (a state-of-charge series exists)."""
    return "state of charge" in result.extra.get("series", {})


def power_temperature_figure(result: SimulationResult) -> Figure:
    """Power per unit and for the device (W); below it, each thermal node's temperature (C) when simulated."""
    series: dict[str, pd.DataFrame] = result.extra.get("series", {})
    temps = series.get("temperature (C)")
    fig = Figure(figsize=(9, 5.6 if temps is not None else 3.4), layout="constrained")
    axes = fig.subplots(2 if temps is not None else 1, 1, sharex=True, squeeze=False)[:, 0]
    ax = axes[0]
    end_s = float(result.summary["duration_s"])
    power_trace = result.extra.get("power_trace")
    for k, (unit, rows) in enumerate(result.timeseries.groupby("unit", sort=False)):
        color = f"C{k % 10}"
        if power_trace is not None and len(power_trace):  # every change, faint, under the interval mean
            changes = power_trace[power_trace["unit"] == unit]
            step_to_end(ax, changes["time_s"], changes["power_w"], end_s, lw=0.4, alpha=0.35, color=color,
                        label=f"{unit} (every change)")
        step_to_end(ax, rows["time_s"], rows["power_w"], end_s, lw=1.6, color=color, label=f"{unit} (interval mean)")
    device = result.device_timeseries
    if device is not None and len(device):
        fan = " + fan" if "fan_power_w" in device.columns else ""
        step_to_end(ax, device["time_s"], device["device_power_w"], end_s, color="black", lw=1.2, ls="--",
                    label=f"device: units + platform loads{fan}\n(interval mean)")
    ax.set_ylabel("power (W)")
    tops = [float(result.timeseries["power_w"].max()) if len(result.timeseries) else 0.0]
    if device is not None and len(device):
        tops.append(float(device["device_power_w"].max()))
    if power_trace is not None and len(power_trace):
        tops.append(float(power_trace["power_w"].max()))
    ax.set_ylim(bottom=0, top=max(tops) * 1.1 or 1.0)  # a constant line at the top would hide under the frame
    has_device = device is not None and len(device)
    figure_title(fig, f"{result.summary['scenario']}: power per unit" + (" and for the device" if has_device else "")
                 + (", temperature per thermal node" if temps is not None else "") + " over simulated time",
                 "vertical lines: throttle changes" if result.detail.changes else "", width=90)
    if temps is not None:
        exact: pd.DataFrame | None = result.extra.get("device_trace")
        columns = [c for c in exact.columns if c.startswith("temp_")] if exact is not None and len(exact) else []
        if exact is not None and columns:  # the device state at every power change: smooth in between
            for column in columns:
                axes[1].plot(exact["time_s"], exact[column], lw=1, label=column[len("temp_"):-len("_c")])
            axes[1].set_ylabel("temperature (C)")
        else:
            for name, rows in temps.groupby("name", sort=False):
                step_to_end(axes[1], rows["time_s"], rows["value"], end_s, label=str(name))
            axes[1].set_ylabel("temperature (C),\ninterval mean")
        mark_thresholds(axes[1], result.detail.thresholds, nodes=list(temps["name"].unique()))
    for a in axes:
        mark_changes(a, result.detail.changes, label=a is axes[-1])
    for a in axes:
        a.grid(alpha=0.3)
        shade_warmup(a, float(result.summary.get("warmup_s", 0.0)))
        legend_outside(a)
    axes[-1].set_xlabel("simulated time (s)")
    axes[-1].set_xlim(0.0, end_s)
    return fig


def battery_figure(result: SimulationResult) -> Figure:
    """State of charge (0..1) over the run, with the battery life the summary reports."""
    soc = result.extra.get("series", {}).get("state of charge")
    fig = Figure(figsize=(9, 3.2), layout="constrained")
    ax = fig.subplots()
    if soc is not None:
        ax.plot(soc["time_s"], soc["value"], label="state of charge")
    system = result.summary["system"]
    life = system.get("battery_life_h")
    draw = f"device draw {system.get('device_avg_power_w', 0.0):.3f} W"
    if life is not None:
        kind = "projected" if system.get("battery_life_is_projection") else "simulated"
        figure_title(fig, f"{result.summary['scenario']}: battery state of charge over simulated time",
                     f"{kind} life {life:.3f} h ({draw})", width=90)
    else:
        figure_title(fig, f"{result.summary['scenario']}: battery state of charge over simulated time",
                     f"{draw}; no cut-off in sight: no life projected", width=90)
    ax.set_xlabel("simulated time (s)")
    ax.set_ylabel("state of charge (0-1)")
    legend_outside(ax)
    ax.ticklabel_format(axis="y", useOffset=False)
    ax.grid(alpha=0.3)
    return fig

