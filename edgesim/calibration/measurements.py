"""Read and validate a measurements CSV (the columns of ``edgesim/catalog/data/measurements.csv``).

Each row is one published number: throughput (``fps``), a latency (``latency_ms``, ``latency_ms_mean``,
``_p90``, ``_p99``, ``_median``) or a power (``power_w``); other metrics (tokens/s, diffusion iterations/s,
MultiStream samples per query) are read but not modelled. Every problem is a :class:`MeasurementsError` whose
message names the row (the file's line number; the header is row 1) and the column.

What each row measures is typed on a :class:`Measurement`: the canonical device and its engine group (one part
with one software stack, power mode and timing convention: ``jetson_agx_xavier/gpu/mlperf``), the model's
features, the input size, precision, the number of inferences in flight, and the quantity.
"""
from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from edgesim.calibration.devices import engine_kind, mode_tag, resolve_device, source_family
from edgesim.calibration.model_features import features_for
from edgesim.physics.profile import ModelProfile
from edgesim.spec.schema import MAX_DURATION_S, MAX_FPS, MAX_POWER_W, MIN_TIME_S
from edgesim.textfile import InputFileError, read_input_text

__all__ = [
    "REQUIRED_COLUMNS",
    "Measurement",
    "MeasurementsError",
    "Quantity",
    "normalize_precision",
    "read_measurements",
    "shipped_measurements_path",
]

REQUIRED_COLUMNS = ("device", "engine", "model", "input_w", "input_h", "precision", "batch_or_scenario", "metric", "value")
Quantity = Literal["throughput", "latency", "power", "other"]

_LATENCY_METRICS = {"latency_ms", "latency_ms_mean", "latency_ms_p90", "latency_ms_p99", "latency_ms_median"}
_OTHER_METRICS = {"tokens_per_s", "iterations_per_s", "samples_per_query"}
_VALUE_BOUNDS: dict[str, tuple[float, float]] = {  # per quantity, in the file's units; from the scenario schema
    "throughput": (1e-9, MAX_FPS * 1e3),  # fps: as MeasuredPoint.fps
    "latency": (MIN_TIME_S * 1e3, MAX_DURATION_S * 1e3),  # ms
    "power": (1e-12, MAX_POWER_W),  # W: a picowatt to the schema's largest power
    "other": (1e-9, MAX_FPS * 1e3),  # tokens, iterations, samples per second or per query
}
_KIND_DEFAULT_PRECISION = {"cpu": "fp32", "gpu": "fp16", "gpu+2dla": "int8"}


class MeasurementsError(ValueError):
    """A measurements file that cannot be used; the message names the file, row and column."""


@dataclass(frozen=True)
class Measurement:
    """One validated measured number.

    Attributes
    ----------
    row : int
        Line of the file (header = 1).
    device_raw, device, catalog_device : str, str, str or None
        Name as written, canonical device, and its catalog key (None when not in the catalog).
    kind : str
        Engine kind (npu, gpu, cpu, tpu, vpu, gpu+2dla).
    group : str
        Engine group calibrated as one parameter set: ``device/kind[/mode]/source family``.
    model, canonical : str
        Model name as written and its shared identity.
    profile : ModelProfile or None
        Cost features (None: not modelled, see ``skip_reason``).
    width_px, height_px : int
        Input size (the profile's reference when the row gives none).
    precision : str
        Normalized precision (int8, fp16, fp32).
    batch : float
        Inferences in flight (1 for SingleStream; 0 for Offline: the engine's own saturation batch).
    quantity : {"throughput", "latency", "power", "other"}
    value : float
        In SI: inferences/s, seconds, or watts.
    source, confidence, metric, scenario : str
        As in the file.
    """

    row: int
    device_raw: str
    device: str
    catalog_device: str | None
    kind: str
    group: str
    model: str
    canonical: str
    profile: ModelProfile | None
    skip_reason: str
    width_px: int
    height_px: int
    precision: str
    batch: float
    quantity: Quantity
    value: float
    metric: str
    scenario: str
    source: str
    confidence: str
    host_inclusive: bool

    @property
    def offline(self) -> bool:
        return self.batch == 0.0

    @property
    def usable(self) -> bool:
        """Modelled: a profile and a throughput, latency or power."""
        return self.profile is not None and self.quantity != "other"


def normalize_precision(text: str, kind: str) -> str | None:
    """int8 / fp16 / fp32 from the source's wording; None for precisions not modelled (int4, palettized)."""
    t = text.strip().lower()
    if t.startswith(("quantized", "int8", "w8a8", "w8a16", "uint8")) or "edge tpu" in t:
        return "int8"
    if t.startswith("fp16") or "16-bit" in t:
        return "fp16"
    if t.startswith(("fp32", "float")):
        return "fp32"
    if t.startswith(("int4", "6-bit", "unet 4")):
        return None
    if t == "" or "not stated" in t:
        return _KIND_DEFAULT_PRECISION.get(kind, "int8")
    return None


def _batch_of(text: str) -> tuple[float, str] | None:
    t = text.strip()
    low = t.lower()
    if low == "offline":
        return 0.0, "Offline"
    if low.startswith("singlestream") or "single stream" in low:
        return 1.0, "SingleStream"
    if low.startswith("multistream"):
        return None
    m = re.match(r"^(?:gpu batch )?(\d+)", low)
    if m:
        return float(m.group(1)), "batch"
    if low.startswith("not stated"):
        return 1.0, "batch (not stated: 1 assumed)"
    return None


@lru_cache(maxsize=1)
def _public_model_names() -> frozenset[str]:
    with shipped_measurements_path().open(newline="", encoding="utf-8") as fh:
        return frozenset(r["model"] for r in csv.DictReader(fh))


def shipped_measurements_path() -> Path:
    """The copy of the public measurements shipped with edgesim (sources kept per row)."""
    return Path(str(resources.files("edgesim.catalog") / "data" / "measurements.csv"))


def _float(value: str, row: int, column: str, where: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise MeasurementsError(f"{where}: row {row}, column '{column}': not a number ({value!r})") from None
    if not math.isfinite(x):
        raise MeasurementsError(f"{where}: row {row}, column '{column}': not a finite number ({value!r})")
    return x


def _parse_row(r: dict[str, str], row: int, where: str, catalog_keys: frozenset[str]) -> Measurement:
    resolved = resolve_device(r["device"], catalog_keys)
    if resolved is None:
        raise MeasurementsError(f"{where}: row {row}, column 'device': unknown device {r['device']!r} "
                                "(use a catalog key or a name listed in edgesim.calibration.devices.DEVICE_ALIASES)")
    device, catalog_device = resolved
    kind = engine_kind(r["engine"], None)
    if kind is None:
        raise MeasurementsError(f"{where}: row {row}, column 'engine': unknown engine {r['engine']!r} "
                                "(start it with npu, gpu, cpu, tpu, vpu, dla or gpu+2dla)")
    metric = r["metric"].strip()
    value = _float(r["value"], row, "value", where)
    quantity: Quantity
    if metric == "fps":
        quantity = "throughput"
    elif metric in _LATENCY_METRICS:
        quantity = "latency"
    elif metric == "power_w":
        quantity = "power"
    elif metric in _OTHER_METRICS:
        quantity = "other"
    else:
        raise MeasurementsError(f"{where}: row {row}, column 'metric': unknown metric {metric!r} "
                                f"(known: fps, power_w, {', '.join(sorted(_LATENCY_METRICS | _OTHER_METRICS))})")
    if value <= 0:
        raise MeasurementsError(f"{where}: row {row}, column 'value': {metric} must be > 0 (got {value:g})")
    low, high = _VALUE_BOUNDS.get(quantity, _VALUE_BOUNDS["other"])
    if not low <= value <= high:  # the scenario schema's sanity bounds: a denormal or 1e308 is a typo, not a fit
        raise MeasurementsError(f"{where}: row {row}, column 'value': {metric} {value:g} is outside the sane range "
                                f"[{low:g}, {high:g}] (the bounds of edgesim.spec.schema)")
    feats = features_for(r["model"], r.get("notes", "") or "")
    if feats.profile is None and not feats.reason and r["model"] not in _public_model_names():
        raise MeasurementsError(f"{where}: row {row}, column 'model': unknown model {r['model']!r} "
                                "(give a catalog model name, a Hailo zoo row with 'Params(M)=..., OPS(G)=...' in notes, "
                                "or a name listed in edgesim.calibration.model_features.NAME_ALIASES)")
    sizes = []
    for col in ("input_w", "input_h"):
        text = (r[col] or "").strip()
        sizes.append(int(_float(text, row, col, where)) if text else 0)
        if text and sizes[-1] <= 0:
            raise MeasurementsError(f"{where}: row {row}, column '{col}': must be > 0 (got {text})")
    prof = feats.profile
    width_px = sizes[0] or (prof.ref_width_px if prof else 0)
    height_px = sizes[1] or (prof.ref_height_px if prof else 0)
    precision = normalize_precision(r["precision"], kind)
    batch_scn = _batch_of(r["batch_or_scenario"])
    skip = feats.reason if prof is None else ""
    if precision is None:
        skip, precision = skip or f"precision {r['precision']!r} not modelled", "int8"
    if batch_scn is None:
        skip, batch_scn = skip or f"scenario {r['batch_or_scenario']!r} not modelled", (1.0, "other")
        quantity = "other"
    batch, scenario = batch_scn
    if quantity == "throughput" and scenario == "SingleStream":
        batch = 1.0
    if not (width_px > 0 and height_px > 0) and prof is not None:
        skip = "no input size"
    if skip and quantity != "other":
        quantity = "other"
    family = source_family(r.get("source", "") or "")
    mode = mode_tag(r["device"], r.get("power_mode", "") or "")
    group = "/".join(x for x in (device, kind, mode, family) if x)
    host_inclusive = family in ("mlperf", "aallan_e2e") or "on Raspberry Pi 5" in r["device"]
    return Measurement(row=row, device_raw=r["device"], device=device, catalog_device=catalog_device, kind=kind, group=group,
                       model=r["model"], canonical=feats.canonical, profile=prof, skip_reason=skip,
                       width_px=width_px, height_px=height_px, precision=precision, batch=batch, quantity=quantity,
                       value=value / 1e3 if quantity == "latency" else value, metric=metric, scenario=scenario,
                       source=r.get("source", "") or "", confidence=r.get("confidence", "") or "", host_inclusive=host_inclusive)


def read_measurements(path: str | Path | None = None, catalog_keys: Iterable[str] = ()) -> list[Measurement]:
    """Read and validate a measurements CSV (the shipped public copy when ``path`` is None).

    Parameters
    ----------
    path : str or Path, optional
        The CSV file.
    catalog_keys : iterable of str
        Catalog device keys accepted as device names.

    Raises
    ------
    MeasurementsError
        A missing file or column, a non-numeric or non-positive value, an unknown device, engine, metric or model;
        the message names the row and the column.
    """
    p = shipped_measurements_path() if path is None else Path(path)
    where = str(p)
    keys = frozenset(catalog_keys)
    try:
        text = read_input_text(p)  # UTF-8 with or without a BOM, CRLF or LF; binary, huge or a directory refused
    except InputFileError as exc:
        raise MeasurementsError(str(exc)) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in reader.fieldnames or []]
        if reader.fieldnames is not None:
            reader.fieldnames = header  # a spreadsheet may pad names with spaces
        if not header:
            raise MeasurementsError(f"{where}: row 1: empty file (no header row; required columns: "
                                    f"{', '.join(REQUIRED_COLUMNS)})")
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise MeasurementsError(f"{where}: row 1, column '{missing[0]}': missing column(s) {missing} "
                                    f"(required: {', '.join(REQUIRED_COLUMNS)})")
        out = []
        for r in reader:
            i = reader.line_num  # the line the row ends on (a quoted field may hold newlines)
            if None in r or any(r.get(c) is None for c in REQUIRED_COLUMNS):
                short = next((c for c in header if r.get(c) is None), REQUIRED_COLUMNS[-1])
                raise MeasurementsError(f"{where}: row {i}, column '{short}': wrong number of fields "
                                        f"({sum(v is not None for v in r.values())} of {len(header)}; a truncated file?)")
            out.append(_parse_row(r, i, where, keys))
    except csv.Error as exc:
        raise MeasurementsError(f"{where}: row {reader.line_num}: not a readable CSV row ({exc})") from None
    return out
