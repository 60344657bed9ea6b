"""Shared helpers of the white-paper experiments: scenarios built as dicts, runs, tables, figures.

Every experiment script in this folder RUNS THE SIMULATOR (``edgesim.simulate``) and writes a PNG figure and
a CSV + Markdown table to ``experiments/out/`` (or ``--out DIR``). ``--fast`` shortens the simulated
durations; ``tests/scenarios/test_experiments.py`` runs every script in that mode and checks its numbers.

The one scenario shape most experiments need is *maximum throughput*: one camera whose frames arrive far
faster than the unit can serve them (periodic, ``overload`` x the unit's capacity), a queue of one job and
``drop_newest``, so the unit never idles. The achieved FPS is then the unit's throughput, the unit's average
power is its busy power, and ``inferences_per_j`` is FPS/W, exactly how the white paper's Figure 4 points
were measured (ResNet-50, batch 1, as fast as it goes).
"""
from __future__ import annotations

import argparse
import csv
import math
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

os.environ.setdefault("MPLBACKEND", "Agg")

import edgesim  # noqa: E402
from edgesim.calibration.predict import load_calibrated  # noqa: E402
from edgesim.catalog import Catalog, load_catalog  # noqa: E402
from edgesim.model.service import service_time  # noqa: E402

EXPERIMENTS_DIR = Path(__file__).resolve().parent
ROOT = EXPERIMENTS_DIR.parent
SCENARIOS = ROOT / "scenarios"
DEFAULT_OUT = EXPERIMENTS_DIR / "out"
WHITEPAPER = "A Practical Guide to Edge AI Power Efficiency (Hailo white paper)"

# Order in which a unit's precisions are tried when no measured point says which one a model runs at.
PRECISION_PREFERENCE = ("int8", "fp16", "bf16", "fp32", "int4")

# Simulated inferences per maximum-throughput run: enough that one frame of boundary effect at the edges
# of the statistics window is < 0.3 % (fast) / < 0.01 % (full) of the achieved FPS.
FAST_INFERENCES = 400
FULL_INFERENCES = 20000


def inferences_for(fast: bool) -> int:
    return FAST_INFERENCES if fast else FULL_INFERENCES


def pyplot():
    """matplotlib.pyplot on the non-interactive Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig: Any, path: Path, dpi: int = 120) -> Path:
    """Lay out, write and close a figure; returns its path."""
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    pyplot().close(fig)
    return path


def out_dir(path: str | Path | None = None) -> Path:
    """The output folder (default ``experiments/out``), created if missing."""
    out = Path(path) if path is not None else DEFAULT_OUT
    out.mkdir(parents=True, exist_ok=True)
    return out


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    """The package catalog (``edgesim/catalog/data/*.yaml``), loaded once."""
    return load_catalog()


def catalog_units(cat: Catalog | None = None) -> list[tuple[str, str]]:
    """Every (device, unit) pair of the catalog that the shipped calibration covers, in catalog order.

    A unit added to the catalog after ``data/calibrated.json`` was generated (``experiments/calibrate_catalog.py``
    writes one entry per catalog unit) has no parameters to predict from yet and is left out; what the existing path
    does with such a unit is checked in ``tests/catalog/test_measured_devices.py``.
    """
    cat = cat or catalog()
    covered = set(load_calibrated()["units"])
    return [(dev_name, unit_name) for dev_name, dev in cat.devices.items() for unit_name in dev.units
            if f"{dev_name}/{unit_name}" in covered]


def unit_entry(device: str, unit: str | None = None, cat: Catalog | None = None):
    """The catalog's CatalogUnit for ``device`` (its default unit when ``unit`` is None)."""
    cat = cat or catalog()
    return cat.device(device).unit(unit)


def unit_precision(device: str, unit: str | None = None, model: str = "resnet50", cat: Catalog | None = None) -> str | None:
    """Precision ``model`` runs at on this unit: its measured point's, else the first of
    :data:`PRECISION_PREFERENCE` the unit has a peak for; None when neither is known."""
    entry = unit_entry(device, unit, cat)
    point = entry.measured_point(model)
    if point is not None and point.precision is not None:
        return point.precision
    for precision in PRECISION_PREFERENCE:
        if precision in entry.peak_ops_per_s:
            return precision
    return None


def model_entry(name: str, catalog_model: str | None = None, precision: str | None = None) -> dict[str, Any]:
    """A scenario ``models`` entry taken from the catalog (``catalog: resnet50``).

    Under another name (``resnet50_analytic`` from ``resnet50``) the catalog's fields are copied without the catalog
    identity, so the unit's measured points for that model (matched by identity) stay out: the analytic route."""
    if catalog_model is not None and catalog_model != name:
        fields = {k: v for k, v in catalog().model_fields(catalog_model, precision).items() if k != "catalog"}
        return {**fields, "name": name, **({"precision": precision} if precision is not None else {})}
    entry: dict[str, Any] = {"name": name, "catalog": catalog_model or name}
    if precision is not None:
        entry["precision"] = precision
    return entry


def unit_entry_dict(device: str, unit: str | None = None, name: str = "u", **overrides: Any) -> dict[str, Any]:
    """A scenario ``compute_units`` entry naming a catalog device; ``overrides`` win over the catalog."""
    entry: dict[str, Any] = {"name": name, "device": device}
    if unit is not None:
        entry["device_unit"] = unit
    entry.update(overrides)
    return entry


def _scenario(name: str, fps: float, width_px: int, height_px: int, models: list[dict], unit: dict, model: str,
              duration_s: float, warmup_s: float, queue_capacity: int, drop_policy: str,
              phase_s: float = 0.0) -> dict[str, Any]:
    return {
        "name": name,
        "duration_s": duration_s,
        "warmup_s": warmup_s,
        "seed": 0,
        "cameras": [{"name": "cam", "width_px": width_px, "height_px": height_px, "fps": fps,
                     "arrival": {"kind": "periodic", "phase_s": phase_s}}],
        "models": models,
        "compute_units": [unit],
        "streams": [{"camera": "cam", "model": model, "unit": unit["name"], "queue_capacity": queue_capacity,
                     "drop_policy": drop_policy}],
    }


def unit_capacity(spec: edgesim.ScenarioSpec, stream_index: int = 0) -> tuple[float, str, str, float]:
    """Service capacity of a stream's unit for its model and frame size, as the simulator computes it.

    Returns ``(capacity_fps, service_source, service_detail, active_power_w)``: 1 / service time of one
    inference, which source it came from (measured / analytic), how, and the power drawn while busy.
    """
    stream = spec.streams[stream_index]
    est = service_time(spec.unit(stream.unit), spec.model(stream.model), spec.camera(stream.camera).pixels,
                       {m.name: m for m in spec.models})
    return 1.0 / est.service_s, est.source, est.detail, est.active_power_w


def with_camera(spec: edgesim.ScenarioSpec, fps: float, duration_s: float, warmup_s: float,
                phase_s: float | None = None) -> edgesim.ScenarioSpec:
    """``spec`` (one camera) with the camera's fps, the duration and the warm-up replaced.

    Copies the validated spec instead of validating a new dict: validation resolves catalog references, which
    reads the catalog YAML each time and costs more than a short run.
    """
    if not (fps > 0 and duration_s > warmup_s >= 0):
        raise ValueError(f"need fps > 0 and duration_s > warmup_s >= 0, got {fps}, {duration_s}, {warmup_s}")
    (camera,) = spec.cameras
    update: dict[str, Any] = {"fps": float(fps)}
    if phase_s is not None:
        update["arrival"] = camera.arrival.model_copy(update={"phase_s": float(phase_s)})
    return spec.model_copy(update={"cameras": (camera.model_copy(update=update),), "duration_s": float(duration_s),
                                   "warmup_s": float(warmup_s)})


def single_stream_spec(
    device: str,
    unit: str | None = None,
    model: str = "resnet50",
    width_px: int = 224,
    height_px: int = 224,
    precision: str | None = None,
    *,
    catalog_model: str | None = None,
    queue_capacity: int = 1,
    drop_policy: str = "drop_newest",
    extra_models: Sequence[Mapping[str, Any]] = (),
    unit_overrides: Mapping[str, Any] | None = None,
) -> edgesim.ScenarioSpec:
    """One periodic camera -> one catalog model -> one catalog unit, validated (camera at 1 fps, 1 s long:
    set both with :func:`with_camera`).

    Parameters
    ----------
    device, unit : str
        Catalog device and unit (None: the device's default unit).
    model : str
        The scenario's model name; a unit's measured point applies when it names this model.
    width_px, height_px : int
        Frame size, pixels.
    precision : str, optional
        Model precision; default: the unit's measured point's, else its best supported (:func:`unit_precision`).
    catalog_model : str, optional
        Catalog model it is built from (default: ``model``). A different name (``resnet50_analytic`` from
        ``resnet50``) keeps the unit's measured point out, so the analytic estimate is used.
    queue_capacity, drop_policy
        The stream's queue.
    extra_models : sequence of dict
        More ``models`` entries (e.g. the model an ``efficiency_from_measured`` refers to).
    unit_overrides : mapping, optional
        Fields of the compute unit that replace the catalog's (a scenario override, never a catalog edit).

    Raises
    ------
    edgesim.ScenarioError
        When the unit cannot run the model (no measured point and no analytic estimate), with the reason.
    """
    if precision is None:
        precision = unit_precision(device, unit, catalog_model or model)
    models = [model_entry(model, catalog_model, precision=precision), *[dict(m) for m in extra_models]]
    unit_dict = unit_entry_dict(device, unit, **dict(unit_overrides or {}))
    scenario = _scenario(f"{device}_{model}", 1.0, width_px, height_px, models, unit_dict, model, 1.0, 0.0,
                         queue_capacity, drop_policy)
    return edgesim.scenario_from_dict(scenario)


def max_throughput_spec(device: str, unit: str | None = None, model: str = "resnet50", *,
                        inferences: int = FULL_INFERENCES, overload: float = 20.0,
                        **kwargs: Any) -> tuple[edgesim.ScenarioSpec, float]:
    """Scenario that saturates one catalog unit with one model, and the unit's capacity in FPS.

    One camera sends periodic frames at ``overload`` x the unit's capacity into a queue of one job that drops
    the newest, so the unit is busy all the time. The run lasts ``inferences`` service times after a warm-up
    of five. Other keyword arguments as :func:`single_stream_spec`.
    """
    spec = single_stream_spec(device, unit, model, queue_capacity=1, drop_policy="drop_newest", **kwargs)
    cap_fps = unit_capacity(spec)[0]
    service_s = 1.0 / cap_fps
    warmup_s = 5.0 * service_s
    return with_camera(spec, overload * cap_fps, warmup_s + inferences * service_s, warmup_s), cap_fps


def simulate_spec(spec: edgesim.ScenarioSpec, duration_s: float | None = None) -> dict[str, Any]:
    """Run a validated spec; return its summary (the JSON contract)."""
    return edgesim.simulate(spec, duration_s=duration_s).summary


def simulate_dict(scenario: Mapping[str, Any], duration_s: float | None = None) -> dict[str, Any]:
    """Validate and run a scenario dict; return its summary."""
    return simulate_spec(edgesim.scenario_from_dict(scenario), duration_s)


def simulate_file(path: str | Path, duration_s: float | None = None) -> dict[str, Any]:
    """Run a scenario file; return its summary."""
    return simulate_spec(edgesim.load_scenario(path), duration_s)


def run_max_throughput(device: str, unit: str | None = None, model: str = "resnet50", *, fast: bool = False,
                       **kwargs: Any) -> dict[str, Any]:
    """Saturate one unit (:func:`max_throughput_spec`) and read FPS, W and FPS/W from the summary.

    Returns a flat dict: ``capacity_fps`` (1 / service time), ``fps`` (the stream's ``achieved_fps``),
    ``power_w`` (the unit's ``avg_power_w``), ``fps_per_w`` (``fps / power_w``),
    ``utilization``, ``service_source`` / ``service_detail`` and ``summary`` (the whole run summary).
    """
    spec, cap = max_throughput_spec(device, unit, model, inferences=inferences_for(fast), **kwargs)
    summary = simulate_spec(spec)
    stream = summary["streams"][0]
    unit_summary = summary["units"][0]
    return {
        "device": device,
        "unit": unit or catalog().device(device).default_unit,
        "model": model,
        "precision": spec.models[0].precision,
        "capacity_fps": cap,
        "fps": stream["achieved_fps"],
        "power_w": unit_summary["avg_power_w"],
        # FPS/W from the same FPS as the row shows: the unit's inferences_per_j counts completions inside the window
        # (jobs queued during the warm-up included), the stream's achieved_fps frames that arrived inside it; on a
        # saturated unit in a short run the two differ by the queue's length (0.5% in --fast mode)
        "fps_per_w": stream["achieved_fps"] / unit_summary["avg_power_w"],
        "utilization": unit_summary["utilization"],
        "ops_per_inference": stream["ops_per_inference"],
        "service_source": stream["service_source"],
        "service_detail": stream["service_detail"],
        "simulated_s": summary["duration_s"],
        "summary": summary,
    }


def rel_error(value: float, reference: float) -> float:
    """(value - reference) / reference."""
    return (value - reference) / reference


def _fmt(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:.6g}"
    return str(value)


def write_table(rows: Sequence[Mapping[str, Any]], out: Path, stem: str, columns: Iterable[str] | None = None,
                title: str | None = None, notes: Sequence[str] = ()) -> tuple[Path, Path]:
    """Write ``rows`` to ``out/stem.csv`` (full precision) and ``out/stem.md`` (6 significant digits + notes)."""
    cols = list(columns) if columns is not None else list(dict.fromkeys(k for r in rows for k in r))
    csv_path, md_path = out / f"{stem}.csv", out / f"{stem}.md"
    with csv_path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(cols)
        for r in rows:
            writer.writerow(["" if r.get(c) is None else r.get(c) for c in cols])
    lines = []
    if title:
        lines += [f"# {title}", ""]
    lines.append("| " + " | ".join(cols) + " |")
    lines.append("|" + "---|" * len(cols))
    for r in rows:
        lines.append("| " + " | ".join(_fmt(r.get(c)).replace("|", "/") for c in cols) + " |")
    if notes:
        lines.append("")
        lines += [f"- {n}" for n in notes]
    md_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return csv_path, md_path


def parser(description: str) -> argparse.ArgumentParser:
    """Command line shared by the experiments: ``--fast`` and ``--out DIR``."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--fast", action="store_true", help="short simulated durations (what the tests run)")
    p.add_argument("--out", default=None, help=f"output folder (default {DEFAULT_OUT.relative_to(ROOT)})")
    return p


def print_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> None:
    """Plain-text table on stdout."""
    text = [[_fmt(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(t[i]) for t in text)) if text else len(c) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    for t in text:
        print("  ".join(v.ljust(w) for v, w in zip(t, widths)))
    sys.stdout.flush()
