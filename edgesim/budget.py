"""The white paper's back-of-the-envelope formulas as reports: capacity, thermal resistance, what fits, a scenario.

* :func:`capacity_report`: ``C = streams x FPS x W x H x ops/pixel``.
* :func:`thermal_report`: ``R = (Tj - Tc) / P`` or ``R = (Tj - Tc) x eff / C``.
* :func:`fit_report`: the largest capacity a thermal resistance, a power budget or a battery life allows,
  ``C = eff x P_available``.
* :func:`scenario_report`: the formulas applied to a SIMULATED run's throughput and power (the white paper:
  compare processors by measured throughput and power on a specific task, end to end, not by rated TOPS / TDP),
  read from the run's result alone (each unit's required and achieved ops/s, its power).

Units: capacity in ops/s and TOPS (1 TOPS = 1e12 ops/s), efficiency in TOPS/W (= 1e12 ops/J), power in W,
temperature in degrees C, thermal resistance in K/W, energy in Wh, time in h; every key names its unit.
``edgesim budget ...`` (:mod:`edgesim.cli.budget`) is the command line over these functions.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import edgesim  # simulate loads on first use (PEP 562): capacity, thermal and fit reports never load the simulator

from .physics import whitepaper
from .spec.schema import ScenarioSpec

if TYPE_CHECKING:
    from .results.result import SimulationResult

__all__ = ["capacity_report", "thermal_report", "fit_report", "scenario_report", "TOPS", "WHITE_PAPER_OPS_PER_PIXEL",
           "REFERENCE_TJ_C", "REFERENCE_TC_C"]

TOPS = 1e12  # ops/s per TOPS; also ops/J per TOPS/W
WHITE_PAPER_OPS_PER_PIXEL = 150_000.0  # white paper: "the typical backbone ... roughly 150 thousand operations per pixel"
# Reference limits used when none are given to `budget scenario` (the values the project's thermal experiment uses;
# NOT a particular device's limits: pass the device's --tj and the product's --tc).
REFERENCE_TJ_C = 105.0
REFERENCE_TC_C = 85.0


def capacity_report(fps: float, width_px: float, height_px: float, ops_per_pixel: float = WHITE_PAPER_OPS_PER_PIXEL,
                    n_streams: int = 1) -> dict[str, Any]:
    """Required capacity of a vision workload (white paper: ``C ~ FPS x W x H``, ~150k ops/pixel).

    Parameters
    ----------
    fps : float
        Frame rate of each stream, frames/s.
    width_px, height_px : float
        Frame size, pixels.
    ops_per_pixel : float
        Network cost, ops per input pixel (one op = one multiply or one add).
    n_streams : int
        Identical (camera, network) streams.

    Returns
    -------
    dict
        ``required_capacity_ops_per_s``, ``required_tops`` and the inputs.
    """
    c = whitepaper.required_capacity_ops_per_s(fps, width_px, height_px, ops_per_pixel, n_streams)
    return {"required_capacity_ops_per_s": c, "required_tops": c / TOPS, "fps": fps, "width_px": width_px,
            "height_px": height_px, "ops_per_pixel": ops_per_pixel, "n_streams": n_streams,
            "pixels_per_s": n_streams * fps * width_px * height_px}


def thermal_report(tj_c: float, tc_c: float, power_w: float | None = None, capacity_ops_per_s: float | None = None,
                   efficiency_ops_per_j: float | None = None) -> dict[str, Any]:
    """Thermal resistance a design needs: ``R = (Tj - Tc) / P``, or ``(Tj - Tc) x eff / C`` (white paper).

    Give ``power_w``, or ``capacity_ops_per_s`` with ``efficiency_ops_per_j`` (then ``P = C / eff``).

    Returns
    -------
    dict
        ``required_resistance_k_per_w``, ``power_w`` (given or C / eff), ``tj_c``, ``tc_c``, ``margin_k``.
    """
    if power_w is not None:
        r = whitepaper.required_thermal_resistance_k_per_w(tj_c, tc_c, power_w)
        p = power_w
        form = "(Tj - Tc) / P"
    else:
        if capacity_ops_per_s is None or efficiency_ops_per_j is None:
            raise ValueError("give power_w, or capacity_ops_per_s and efficiency_ops_per_j")
        r = whitepaper.required_thermal_resistance_from_efficiency(tj_c, tc_c, efficiency_ops_per_j, capacity_ops_per_s)
        p = capacity_ops_per_s / efficiency_ops_per_j
        form = "(Tj - Tc) x eff / C"
    out = {"required_resistance_k_per_w": r, "power_w": p, "tj_c": tj_c, "tc_c": tc_c, "margin_k": tj_c - tc_c,
           "formula": form}
    if capacity_ops_per_s is not None:
        out["capacity_ops_per_s"] = capacity_ops_per_s
        out["capacity_tops"] = capacity_ops_per_s / TOPS
    if efficiency_ops_per_j is not None:
        out["efficiency_tops_per_w"] = efficiency_ops_per_j / TOPS
    return out


def fit_report(efficiency_ops_per_j: float, *, resistance_k_per_w: float | None = None, tj_c: float | None = None,
               tc_c: float | None = None, power_budget_w: float | None = None, battery_wh: float | None = None,
               life_h: float | None = None, platform_w: float = 0.0, dcdc_efficiency: float = 1.0,
               width_px: float | None = None, height_px: float | None = None,
               ops_per_pixel: float = WHITE_PAPER_OPS_PER_PIXEL, n_streams: int = 1) -> dict[str, Any]:
    """The largest capacity that fits one limit, ``C = eff x P_available``, and the frame rate it buys.

    Exactly one limit: a thermal resistance (``resistance_k_per_w`` with ``tj_c`` and ``tc_c``:
    ``P = (Tj - Tc) / R``), a power budget (``power_budget_w``; the AI gets what ``platform_w`` leaves), or a
    battery life (``battery_wh`` lasting ``life_h`` hours through a converter of ``dcdc_efficiency``; the AI
    gets ``eta x E / H - platform_w``).

    Parameters
    ----------
    efficiency_ops_per_j : float
        The processor's efficiency on the task, ops/J (TOPS/W x 1e12); measured, not rated.
    width_px, height_px, ops_per_pixel, n_streams : optional
        When the frame size is given, the report adds the largest frame rate per stream,
        ``FPS = C / (n_streams x W x H x ops/pixel)``.

    Returns
    -------
    dict
        ``max_capacity_ops_per_s``, ``max_tops``, ``ai_power_w`` (the power the AI may draw), ``limit``.
    """
    if resistance_k_per_w is not None:
        if tj_c is None or tc_c is None:
            raise ValueError("a thermal limit needs tj_c and tc_c")
        c = whitepaper.max_capacity_for_thermal_resistance(tj_c, tc_c, efficiency_ops_per_j, resistance_k_per_w)
        out: dict[str, Any] = {"limit": "thermal", "resistance_k_per_w": resistance_k_per_w, "tj_c": tj_c, "tc_c": tc_c,
                               "ai_power_w": (tj_c - tc_c) / resistance_k_per_w}
    elif power_budget_w is not None:
        ai_power_w = power_budget_w - platform_w
        if not ai_power_w > 0:
            raise ValueError(f"platform_w: {platform_w:g} W leaves nothing of the {power_budget_w:g} W budget for AI")
        c = whitepaper.max_capacity_for_power_budget(efficiency_ops_per_j, ai_power_w)
        out = {"limit": "power_budget", "power_budget_w": power_budget_w, "platform_w": platform_w, "ai_power_w": ai_power_w}
    elif battery_wh is not None and life_h is not None:
        c = whitepaper.max_capacity_for_battery_life(efficiency_ops_per_j, battery_wh, life_h, platform_w, dcdc_efficiency)
        out = {"limit": "battery", "battery_wh": battery_wh, "life_h": life_h, "platform_w": platform_w,
               "dcdc_efficiency": dcdc_efficiency, "ai_power_w": dcdc_efficiency * battery_wh / life_h - platform_w}
    else:
        raise ValueError("give one limit: resistance_k_per_w (+ tj_c, tc_c), power_budget_w, or battery_wh + life_h")
    out.update({"efficiency_ops_per_j": efficiency_ops_per_j, "efficiency_tops_per_w": efficiency_ops_per_j / TOPS,
                "max_capacity_ops_per_s": c, "max_tops": c / TOPS})
    if width_px is not None and height_px is not None:
        per_frame_ops = n_streams * width_px * height_px * ops_per_pixel
        out.update({"width_px": width_px, "height_px": height_px, "ops_per_pixel": ops_per_pixel,
                    "n_streams": n_streams, "max_fps_per_stream": c / per_frame_ops})
    return out


def scenario_report(scenario: SimulationResult | ScenarioSpec | str | Path, tj_c: float = REFERENCE_TJ_C, tc_c: float = REFERENCE_TC_C,
                    duration_s: float | None = None, seed: int | None = None) -> dict[str, Any]:
    """Simulate a scenario, then apply the white paper's formulas to the SIMULATED throughput and power.

    Per compute unit and for all units together: achieved capacity ``C`` (ops/s of completed inferences),
    simulated average power ``P`` (W), efficiency ``eff = C / P`` (TOPS/W) and inferences/J (FPS/W), and the
    thermal resistance the unit's package needs, ``R = (Tj - Tc) / P`` (K/W). The whole device (units plus
    platform loads) gets its own ``R`` (one enclosure holding everything).

    Parameters
    ----------
    scenario : SimulationResult, ScenarioSpec or path
        A finished run (its summary carries every figure used), or a scenario to simulate (a spec or a file).
    tj_c, tc_c : float
        Junction limit and case/ambient limit, degrees C (defaults: the reference 105 / 85 C, not a device's).
    duration_s, seed : optional
        Override the scenario's simulated seconds and root seed (when a scenario is given, not a result).

    Returns
    -------
    dict
        ``units`` (list), ``ai`` (all units), ``device``, ``required_tops``, ``achieved_tops`` and the inputs.
    """
    whitepaper.required_thermal_resistance_k_per_w(tj_c, tc_c, 1.0)  # validates tj_c > tc_c
    if isinstance(scenario, (ScenarioSpec, str, Path)):
        result: SimulationResult = edgesim.simulate(scenario, duration_s=duration_s, seed=seed)
    else:
        result = scenario
    s = result.summary
    margin_k = tj_c - tc_c

    def figures(capacity_ops_per_s: float, power_w: float, inferences_per_j: float | None) -> dict[str, Any]:
        eff = capacity_ops_per_s / power_w if power_w > 0 else None
        return {"achieved_capacity_ops_per_s": capacity_ops_per_s, "achieved_tops": capacity_ops_per_s / TOPS,
                "avg_power_w": power_w, "efficiency_ops_per_j": eff,
                "efficiency_tops_per_w": None if eff is None else eff / TOPS, "inferences_per_j": inferences_per_j,
                "required_resistance_k_per_w": margin_k / power_w if power_w > 0 else None}

    units = []
    for u in s["units"]:
        row = {"name": u["name"], "kind": u["kind"], "device": u.get("device"), "utilization": u["utilization"],
               "required_capacity_ops_per_s": u["required_ops_per_s"], "required_tops": u["required_ops_per_s"] / TOPS,
               "closed_loop_loads": list(u["closed_loop_loads"])}
        row.update(figures(u["achieved_ops_per_s"], u["avg_power_w"], u["inferences_per_j"]))
        units.append(row)
    system = s["system"]
    ai = figures(system["achieved_tops"] * TOPS, system["avg_power_w"], system["inferences_per_j"])
    device_power_w = system.get("device_avg_power_w", system["avg_power_w"] + system.get("platform_load_w", 0.0))
    device = {"avg_power_w": device_power_w, "platform_load_w": system.get("platform_load_w", 0.0),
              "max_interval_power_w": system.get("device_max_interval_power_w"),
              "power_budget_w": system.get("power_budget_w"), "within_power_budget": system.get("within_power_budget"),
              "required_resistance_k_per_w": margin_k / device_power_w if device_power_w > 0 else None}
    return {"scenario": s["scenario"], "source": s.get("source"), "duration_s": s["duration_s"], "warmup_s": s["warmup_s"],
            "seed": s["seed"], "tj_c": tj_c, "tc_c": tc_c, "margin_k": margin_k,
            "required_tops": system["required_tops"], "achieved_tops": system["achieved_tops"],
            "closed_loop_loads": [name for u in s["units"] for name in u["closed_loop_loads"]],
            "units": units, "ai": ai, "device": device}
