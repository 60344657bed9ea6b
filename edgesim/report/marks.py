"""Throttle marks shared by the figures: threshold lines on a temperature axis, trip instants on any time axis.

The thresholds and instants come from :attr:`SimulationResult.detail <edgesim.results.result.SimulationResult.detail>`
(each unit's trip, release and shutdown temperatures; every change of its throttle level and every shutdown).
"""
from __future__ import annotations

from collections.abc import Sequence

from matplotlib.axes import Axes

from ..results.detail import ThrottleChange, ThrottleThreshold

__all__ = ["MAX_LABELLED_CHANGES", "change_kind", "mark_changes", "mark_thresholds", "threshold_label"]

MAX_LABELLED_CHANGES = 6
"""Above this many changes of one unit, its instants are drawn without one legend entry each."""

_STYLE: dict[str, tuple[str, str, float]] = {  # color, line style, line width
    "trip": ("tab:red", "--", 0.9), "release": ("tab:green", ":", 0.9), "shutdown": ("black", "-.", 1.0)}
_CHANGE_STYLE: dict[str, tuple[str, str, float]] = {
    "throttle": ("tab:red", "-", 0.8), "release": ("tab:green", "-", 0.8), "shutdown": ("black", "-", 1.2)}


def threshold_label(t: ThrottleThreshold) -> str:
    """What happens at a threshold, e.g. ``throttle step 1 above 80 C`` (the unit is said apart)."""
    if t.kind == "trip":
        return f"throttle step {t.step} above {t.temp_c:g} C"
    if t.kind == "release":
        return f"step {t.step} released below {t.temp_c:g} C"
    return f"shuts down at {t.temp_c:g} C"


def _group_label(group: Sequence[ThrottleThreshold], with_node: bool) -> str:
    by_unit: dict[str, list[str]] = {}
    for t in group:
        by_unit.setdefault(f"{t.unit} on {t.node}" if with_node else t.unit, []).append(threshold_label(t))
    return "; ".join(f"{who}: {', '.join(parts)}" for who, parts in by_unit.items())


def mark_thresholds(ax: Axes, thresholds: Sequence[ThrottleThreshold], nodes: Sequence[str] | None = None) -> None:
    """A horizontal line at each threshold (trip dashed red, release dotted green, shutdown dash-dot black),
    labelled at the right end inside the axes; thresholds at one temperature share a line and a label. The y
    range grows to show every threshold.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        A temperature axis (C).
    thresholds : sequence of ThrottleThreshold
        What to draw.
    nodes : sequence of str, optional
        The thermal nodes the axis shows: labels name the node when there are several.
    """
    if not thresholds:
        return
    with_node = nodes is None or len(set(nodes)) > 1
    by_temp: dict[float, list[ThrottleThreshold]] = {}
    for t in thresholds:
        by_temp.setdefault(t.temp_c, []).append(t)
    low, high = ax.get_ylim()
    temps = sorted(by_temp)
    low, high = min(low, temps[0] - 2.0), max(high, temps[-1])
    high = max(high, temps[-1] + 0.1 * (high - low))  # room for the top line's label inside the axes
    ax.set_ylim(low, high)
    span = high - low
    last_y, last_slot = -float("inf"), 1
    for temp in temps:
        group = by_temp[temp]
        kind = next(k for k in ("shutdown", "trip", "release") if any(t.kind == k for t in group))
        color, ls, lw = _STYLE[kind]
        ax.axhline(temp, color=color, ls=ls, lw=lw, zorder=1)
        # labels of lines closer than ~ a text height alternate between the right end and the middle
        slot = 1 - last_slot if temp - last_y < 0.08 * span else 0
        ax.text((0.995, 0.6)[slot], temp, _group_label(group, with_node), transform=ax.get_yaxis_transform(),
                ha="right", va="bottom", fontsize=6.5, color=color,
                bbox=dict(facecolor="white", edgecolor="none", alpha=0.7, pad=0.5))
        last_y, last_slot = temp, slot


def change_kind(change: ThrottleChange, previous_level: int) -> str:
    """``"shutdown"``, ``"throttle"`` (the level went up) or ``"release"`` (it went down)."""
    if change.shutdown:
        return "shutdown"
    return "throttle" if change.level > previous_level else "release"


def mark_changes(ax: Axes, changes: Sequence[ThrottleChange], *, label: bool) -> None:
    """A vertical line at every throttle change (red: deeper, green: released, black: shutdown).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        An axis over simulated time (s).
    changes : sequence of ThrottleChange
        In time order.
    label : bool
        Give the lines legend entries (one per change, or one per unit and kind above
        :data:`MAX_LABELLED_CHANGES` changes of a unit).
    """
    level: dict[str, int] = {}
    count: dict[str, int] = {}
    for c in changes:
        count[c.unit] = count.get(c.unit, 0) + 1
    seen: set[tuple[str, str]] = set()
    for c in changes:
        kind = change_kind(c, level.get(c.unit, 0))
        level[c.unit] = c.level
        text = None
        if label:
            if count[c.unit] <= MAX_LABELLED_CHANGES or kind == "shutdown":
                what = "shuts down" if kind == "shutdown" else (f"throttle level {c.level}" if c.level else "unthrottled")
                text = f"{c.unit} {what} at {c.time_s:.1f} s"
            elif (c.unit, kind) not in seen:
                text = f"{c.unit}: {kind} instants ({count[c.unit]} changes in all)"
                seen.add((c.unit, kind))
        color, ls, lw = _CHANGE_STYLE[kind]
        ax.axvline(c.time_s, color=color, ls=ls, lw=lw, alpha=0.7, label=text, zorder=1)
