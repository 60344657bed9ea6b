"""The cited device and model catalogs: loading, validation and mapping onto the scenario schema.

The package ships two YAML files (``data/models.yaml``, ``data/devices.yaml``), each a mapping
``name -> entry``. User catalog files add to or replace entries: a user file has the top-level keys
``models:`` and/or ``devices:`` holding the same kind of mapping. They are read in this order, later
entries replacing earlier ones of the same name (whole entries, no field-by-field merge):

1. the package files,
2. the files named in the environment variable ``EDGESIM_CATALOG`` (``os.pathsep``-separated),
3. the ``extra_paths`` given to :func:`load_catalog`.

The rule of the catalog: every number names its source. Every numeric field of a model entry, of a
device entry and of each unit (including explicit ``null`` and an explicitly empty mapping such as
``peak_ops_per_s: {}``) must have a key in the ``sources`` mapping next to it. A key is the dotted
path of the field (``peak_ops_per_s.int8``, ``thermal.throttle_c``) and also covers everything below
it (``power_modes`` covers ``power_modes.MAXN.power_w``). Measured points carry their own
``source``. A missing source is an error, for package data and user files alike.

Every problem is reported as :class:`edgesim.errors.ScenarioError` naming the file and the field
path (``devices.mydev.units.npu.max_power_w``); several problems as :class:`ScenarioErrors`.
"""
from __future__ import annotations

import os
import re
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from edgesim.errors import ScenarioError, ScenarioErrors
from edgesim.spec.schema import ComputeUnitSpec, MeasuredPoint, ModelProfileSpec, ModelSpec, Precision, UnitKind
from edgesim.textfile import InputFileError, read_input_text
from edgesim.yamlio import load_packaged, safe_load

__all__ = [
    "PLACEHOLDER_MARKS",
    "is_published",
    "ENV_VAR",
    "Catalog",
    "CatalogDevice",
    "CatalogMeasured",
    "CatalogModel",
    "CatalogPowerMode",
    "CatalogThermal",
    "CatalogUnit",
    "load_catalog",
    "package_files",
]

ENV_VAR = "EDGESIM_CATALOG"

PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegativeFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
PositiveInt = Annotated[int, Field(gt=0)]
_NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]+$")

# ops = 2 x MACs must hold to this relative tolerance when both are given.
_OPS_MACS_RTOL = 1e-3


# --------------------------------------------------------------------------------------------------
# Entry models
# --------------------------------------------------------------------------------------------------


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CatalogMeasured(MeasuredPoint):
    """A published measurement of one model on one unit: exactly the scenario's MeasuredPoint."""


class CatalogPowerMode(_Entry):
    """A named power mode (e.g. a Jetson nvpmodel mode): its power budget and clock, where known."""

    power_w: PositiveFloat | None = None
    frequency_hz: PositiveFloat | None = None


class CatalogThermal(_Entry):
    """Published temperature limits in degrees C; ``null`` where unknown.

    ``operating_max_c`` is the vendor's operating limit of the part or its case/plate (the sources
    text says which), as opposed to the junction limit ``tj_max_c``.
    """

    throttle_c: FiniteFloat | None = None
    critical_c: FiniteFloat | None = None
    tj_max_c: FiniteFloat | None = None
    operating_max_c: FiniteFloat | None = None


class CatalogUnit(_Entry):
    """One compute unit of a device (maps onto ComputeUnitSpec)."""

    kind: UnitKind
    description: str = ""
    peak_ops_per_s: dict[Precision, PositiveFloat] = {}
    idle_power_w: NonNegativeFloat
    typical_power_w: PositiveFloat | None = None
    max_power_w: PositiveFloat
    efficiency_from_measured: str | None = None
    power_modes: dict[str, CatalogPowerMode] = {}
    thermal: CatalogThermal | None = None
    measured: tuple[CatalogMeasured, ...] = ()
    other_measurements: tuple[CatalogMeasured, ...] = ()
    sources: dict[str, str] = {}

    @model_validator(mode="after")
    def _consistent(self) -> CatalogUnit:
        if self.max_power_w < self.idle_power_w:
            raise ValueError(f"max_power_w ({self.max_power_w} W) is below idle_power_w ({self.idle_power_w} W)")
        if self.typical_power_w is not None and not (self.idle_power_w <= self.typical_power_w <= self.max_power_w):
            raise ValueError(
                f"typical_power_w ({self.typical_power_w} W) must lie between idle_power_w "
                f"({self.idle_power_w} W) and max_power_w ({self.max_power_w} W)"
            )
        if self.efficiency_from_measured is not None and not any(
            p.model == self.efficiency_from_measured for p in self.measured
        ):
            raise ValueError(
                f"efficiency_from_measured names {self.efficiency_from_measured!r}, which has no point in "
                f"'measured' (models measured: {sorted({p.model for p in self.measured}) or 'none'})"
            )
        return self

    def measured_point(self, model: str) -> CatalogMeasured | None:
        """The point used by default for ``model``: the first one in ``measured``."""
        return next((p for p in self.measured if p.model == model), None)


class CatalogDevice(_Entry):
    """A device: one or more compute units plus device-level facts (link, memory)."""

    vendor: str = Field(min_length=1)
    description: str = ""
    host_link: str = ""
    memory_bandwidth_bytes_per_s: PositiveFloat | None = None
    on_chip_memory_bytes: PositiveFloat | None = None
    default_unit: str
    units: dict[str, CatalogUnit] = Field(min_length=1)
    sources: dict[str, str] = {}

    @model_validator(mode="after")
    def _default_unit_exists(self) -> CatalogDevice:
        if self.default_unit not in self.units:
            raise ValueError(f"default_unit {self.default_unit!r} is not one of the units {sorted(self.units)}")
        bad = [u for u in self.units if not _NAME_RE.match(u)]
        if bad:
            raise ValueError(f"unit names must match {_NAME_RE.pattern}: {bad}")
        return self

    def unit(self, name: str | None = None) -> CatalogUnit:
        key = self.default_unit if name is None else name
        try:
            return self.units[key]
        except KeyError:
            raise KeyError(f"unknown unit {key!r}; known units: {', '.join(sorted(self.units))}") from None


class CatalogModel(_Entry):
    """A neural model's cost and size (maps onto ModelSpec).

    ``profile`` (optional) is its operator-class profile at ``ref_width_px`` x ``ref_height_px``, as ``edgesim model
    import`` counts it from an ONNX graph: the performance model runs the model with that class split.
    """

    description: str = ""
    ops_per_inference: PositiveFloat
    macs_per_inference: PositiveFloat | None = None
    ref_width_px: PositiveInt
    ref_height_px: PositiveInt
    params: PositiveInt | None = None
    weight_bytes: dict[Precision, PositiveFloat] = {}
    counting_convention: str = Field(min_length=1)
    profile: ModelProfileSpec | None = None
    sources: dict[str, str] = {}

    @model_validator(mode="after")
    def _ops_are_twice_macs(self) -> CatalogModel:
        if self.macs_per_inference is not None:
            expected = 2.0 * self.macs_per_inference
            if abs(self.ops_per_inference - expected) > _OPS_MACS_RTOL * expected:
                raise ValueError(
                    f"ops_per_inference ({self.ops_per_inference:.6g}) must equal 2 x macs_per_inference "
                    f"({expected:.6g}): one op is one multiply or one add"
                )
        return self


# --------------------------------------------------------------------------------------------------
# The source rule
# --------------------------------------------------------------------------------------------------

# Fields whose content is checked elsewhere (measured points carry their own `source`; units are
# walked one by one against their own `sources`).
_NOT_WALKED = frozenset({"sources", "measured", "other_measurements", "units"})


def _is_numeric_type(tp: Any) -> bool:
    if tp in (int, float):
        return True
    origin = typing.get_origin(tp)
    if origin is Annotated:
        return _is_numeric_type(typing.get_args(tp)[0])
    if origin in (Union, types.UnionType):
        return any(_is_numeric_type(a) for a in typing.get_args(tp) if a is not type(None))
    if origin is dict:
        args = typing.get_args(tp)
        return len(args) == 2 and _is_numeric_type(args[1])
    return False


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def numeric_paths(obj: BaseModel, prefix: str = "") -> list[str]:
    """Dotted paths of every numeric field of ``obj`` that needs a source.

    That is each number, each explicit ``null`` of a numeric field, each entry of a numeric mapping
    and an explicitly given empty numeric mapping; nested models are walked (``thermal.tj_max_c``).
    """
    out: list[str] = []
    for name, finfo in type(obj).model_fields.items():
        if name in _NOT_WALKED:
            continue
        value = getattr(obj, name)
        path = f"{prefix}{name}"
        explicit = name in obj.model_fields_set
        if isinstance(value, BaseModel):
            out += numeric_paths(value, path + ".")
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, BaseModel):
                    out += numeric_paths(item, f"{path}.{key}.")
                elif _is_number(item) or item is None:
                    out.append(f"{path}.{key}")
            if not value and explicit and _is_numeric_type(finfo.annotation):
                out.append(path)
        elif _is_number(value):
            out.append(path)
        elif value is None and explicit and _is_numeric_type(finfo.annotation):
            out.append(path)
    return out


def _covered(path: str, sources: Mapping[str, str]) -> bool:
    parts = path.split(".")
    return any(".".join(parts[:i]) in sources and sources[".".join(parts[:i])].strip() for i in range(1, len(parts) + 1))


def unsourced(obj: BaseModel) -> list[str]:
    """Numeric paths of ``obj`` that have no (non-empty) key in ``obj.sources``."""
    sources: Mapping[str, str] = getattr(obj, "sources", {})
    return [p for p in numeric_paths(obj) if not _covered(p, sources)]


# --------------------------------------------------------------------------------------------------
# YAML reading
# --------------------------------------------------------------------------------------------------


PLACEHOLDER_MARKS = ("ILLUSTRATIVE", "UPPER BOUND", "UNKNOWN")
"""How a catalog source marks a number that is not a measurement or a datasheet figure (a class placeholder, a
supply rating, a convention): visible and overridable, never learnt from."""


def is_published(obj: BaseModel, path: str) -> bool:
    """True when the field ``path`` of a catalog entry (``max_power_w``) has a source that is a published figure,
    not one marked as a placeholder (:data:`PLACEHOLDER_MARKS`)."""
    source = str(getattr(obj, "sources", {}).get(path, ""))
    return bool(source.strip()) and not source.lstrip().upper().startswith(PLACEHOLDER_MARKS)


def _read_yaml(path: Path, packaged: bool = False) -> Any:
    try:
        text = read_input_text(path)  # UTF-8 (BOM dropped), CRLF read as LF; binary, huge, a directory: one line
    except InputFileError as exc:
        raise ScenarioError(str(path), "", f"cannot read catalog file: {exc.problem}") from None
    try:
        return load_packaged(text) if packaged else safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(str(path), "", f"invalid YAML: {exc}") from None


def package_files() -> tuple[Path, Path]:
    """Paths of the package's ``models.yaml`` and ``devices.yaml``."""
    data = resources.files("edgesim.catalog").joinpath("data")
    return Path(str(data.joinpath("models.yaml"))), Path(str(data.joinpath("devices.yaml")))


def _field_path(prefix: str, loc: Iterable[Any]) -> str:
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}"
    return path


# --------------------------------------------------------------------------------------------------
# The catalog
# --------------------------------------------------------------------------------------------------


class Catalog:
    """Loaded, validated catalog. ``models`` and ``devices`` map names to entries."""

    def __init__(
        self,
        models: dict[str, CatalogModel],
        devices: dict[str, CatalogDevice],
        files: Sequence[str] = (),
        origins: Mapping[str, str] | None = None,
    ):
        self.models: dict[str, CatalogModel] = dict(models)
        self.devices: dict[str, CatalogDevice] = dict(devices)
        self.files: tuple[str, ...] = tuple(files)
        # "models.NAME" / "devices.NAME" -> the file the entry came from
        self.origins: dict[str, str] = dict(origins or {})

    def __repr__(self) -> str:
        return f"Catalog({len(self.models)} models, {len(self.devices)} devices, files={list(self.files)})"

    # -- look-ups ----------------------------------------------------------------------------------

    def model(self, name: str) -> CatalogModel:
        try:
            return self.models[name]
        except KeyError:
            raise KeyError(f"unknown catalog model {name!r}; known models: {', '.join(sorted(self.models))}") from None

    def device(self, name: str) -> CatalogDevice:
        try:
            return self.devices[name]
        except KeyError:
            raise KeyError(
                f"unknown catalog device {name!r}; known devices: {', '.join(sorted(self.devices))}"
            ) from None

    # -- mapping onto the scenario schema ----------------------------------------------------------

    def model_fields(self, name: str, precision: str | None = None) -> dict[str, Any]:
        """ModelSpec fields for catalog model ``name`` at ``precision``.

        ``precision`` None means ModelSpec's default precision. ``weight_bytes`` is the entry's figure for
        that precision, left out where the entry has none. Only fields ModelSpec has are returned.
        """
        entry = self.model(name)
        prec = precision if precision is not None else ModelSpec.model_fields["precision"].default
        sources = dict(entry.sources)
        sources["counting_convention"] = entry.counting_convention
        sources["catalog"] = f"models.{name} ({self.origins.get(f'models.{name}', 'catalog')})"
        fields: dict[str, Any] = {
            "ops_per_inference": entry.ops_per_inference,
            "ref_width_px": entry.ref_width_px,
            "ref_height_px": entry.ref_height_px,
            "precision": prec,
            "weight_bytes": entry.weight_bytes.get(prec),  # type: ignore[arg-type]
            "profile": entry.profile.model_dump() if entry.profile is not None else None,
            "sources": sources,
        }
        return {k: v for k, v in fields.items() if v is not None and k in ModelSpec.model_fields}

    def unit_fields(self, device: str, unit: str | None = None) -> dict[str, Any]:
        """ComputeUnitSpec fields for ``unit`` (default: the device's ``default_unit``) of ``device``.

        ``measured`` holds the entry's ``measured`` points only (``other_measurements`` are never used by
        default). Only fields ComputeUnitSpec has are returned, so fields the schema gains later
        (e.g. ``typical_power_w``, ``power_modes``, ``thermal``) flow through without a change here.
        """
        dev = self.device(device)
        unit_name = dev.default_unit if unit is None else unit
        entry = dev.unit(unit_name)
        point_keys = MeasuredPoint.model_fields
        sources = dict(entry.sources)
        sources["catalog"] = f"devices.{device}.units.{unit_name} ({self.origins.get(f'devices.{device}', 'catalog')})"
        fields: dict[str, Any] = {
            "device_unit": unit_name,  # the unit the prediction and the power fields are for (the scenario's wins)
            "kind": entry.kind,
            "peak_ops_per_s": dict(entry.peak_ops_per_s),
            "idle_power_w": entry.idle_power_w,
            "typical_power_w": entry.typical_power_w,
            "max_power_w": entry.max_power_w,
            "efficiency_from_measured": entry.efficiency_from_measured,
            "measured": [
                {k: v for k, v in p.model_dump().items() if k in point_keys} for p in entry.measured
            ],
            "power_modes": {k: m.model_dump() for k, m in entry.power_modes.items()} or None,
            "thermal": entry.thermal.model_dump() if entry.thermal is not None else None,
            "sources": sources,
        }
        return {k: v for k, v in fields.items() if v is not None and k in ComputeUnitSpec.model_fields}


# --------------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------------


def _env_paths() -> list[Path]:
    raw = os.environ.get(ENV_VAR, "")
    return [Path(p) for p in raw.split(os.pathsep) if p.strip()]


def _problem(err: Mapping[str, Any]) -> str:
    """A pydantic error's message, without pydantic's "Value error, " prefix and with the value it refused."""
    problem = str(err["msg"])
    if problem.startswith("Value error, "):
        problem = problem[len("Value error, "):]
    if err["type"] == "extra_forbidden":
        problem = "unknown key"
    elif "input" in err and not isinstance(err["input"], (dict, list)):
        problem += f" (got {err['input']!r})"
    return problem


def _validate_entries(
    kind: str,
    raw: Any,
    source: str,
    cls: type[_Entry],
    errors: list[ScenarioError],
) -> dict[str, Any]:
    """Validate ``name -> entry`` mapping ``raw`` (the ``kind`` section of file ``source``)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        errors.append(ScenarioError(source, kind, f"must be a mapping name -> entry, got {type(raw).__name__}"))
        return {}
    out: dict[str, Any] = {}
    for name, body in raw.items():
        prefix = f"{kind}.{name}"
        if not isinstance(name, str) or not _NAME_RE.match(name):
            errors.append(ScenarioError(source, prefix, f"entry name must match {_NAME_RE.pattern}"))
            continue
        if not isinstance(body, dict):
            errors.append(ScenarioError(source, prefix, f"entry must be a mapping, got {type(body).__name__}"))
            continue
        try:
            entry = cls.model_validate(body)
        except ValidationError as exc:
            for err in exc.errors():
                errors.append(ScenarioError(source, _field_path(prefix, err["loc"]), _problem(err)))
            continue
        missing = [f"{prefix}.{p}" for p in unsourced(entry)]
        if isinstance(entry, CatalogDevice):
            for unit_name, unit in entry.units.items():
                missing += [f"{prefix}.units.{unit_name}.{p}" for p in unsourced(unit)]
        for path in missing:
            errors.append(
                ScenarioError(
                    source,
                    path,
                    "no source: every number needs a key in the 'sources' mapping beside it (write "
                    "'UNKNOWN: ...' and the default's reason where the figure is not published)",
                )
            )
        if not missing:
            out[name] = entry
    return out


_CACHE: dict[tuple, Catalog] = {}


def load_catalog(extra_paths: Sequence[str | Path] = ()) -> Catalog:
    """Load the package catalog, then the files in ``$EDGESIM_CATALOG``, then ``extra_paths``.

    The result is cached per set of files and their modification times: a sweep resolves thousands of
    scenarios against the same catalog, and parsing it costs a tenth of a second.

    Raises :class:`edgesim.errors.ScenarioError` (or :class:`ScenarioErrors` for several problems)
    naming the file and the field path of each malformed entry.
    """
    paths = [*package_files(), *_env_paths(), *(Path(p) for p in extra_paths)]
    try:
        key = tuple((str(p), p.stat().st_mtime_ns) for p in paths)
    except OSError:
        key = None  # a missing file: let the loader report it
    if key is not None and key in _CACHE:
        return _CACHE[key]
    catalog = _load_catalog(extra_paths)
    if key is not None:
        _CACHE[key] = catalog
    return catalog


def _load_catalog(extra_paths: Sequence[str | Path]) -> Catalog:
    errors: list[ScenarioError] = []
    models: dict[str, CatalogModel] = {}
    devices: dict[str, CatalogDevice] = {}
    origins: dict[str, str] = {}
    files: list[str] = []

    def add(kind: str, entries: dict[str, Any], source: str) -> None:
        target: dict[str, Any] = models if kind == "models" else devices
        for name, entry in entries.items():
            target[name] = entry
            origins[f"{kind}.{name}"] = source

    models_file, devices_file = package_files()
    for kind, path, cls in (("models", models_file, CatalogModel), ("devices", devices_file, CatalogDevice)):
        raw = _read_yaml(path, packaged=True)
        add(kind, _validate_entries(kind, raw, str(path), cls, errors), str(path))
        files.append(str(path))

    for user_path in [*_env_paths(), *(Path(p) for p in extra_paths)]:
        source = str(user_path)
        raw = _read_yaml(user_path)
        files.append(source)
        if raw is None:
            continue
        if not isinstance(raw, dict):
            errors.append(ScenarioError(source, "", "a catalog file is a mapping with keys 'models:' and/or 'devices:'"))
            continue
        for key in raw:
            if key not in ("models", "devices"):
                errors.append(
                    ScenarioError(source, str(key), "unknown top-level key; a catalog file has 'models:' and/or 'devices:'")
                )
        add("models", _validate_entries("models", raw.get("models"), source, CatalogModel, errors), source)
        add("devices", _validate_entries("devices", raw.get("devices"), source, CatalogDevice, errors), source)

    # Cross-references, on the merged catalog: every measured point names a known model.
    for dev_name, dev in devices.items():
        for unit_name, unit in dev.units.items():
            for list_name in ("measured", "other_measurements"):
                for i, point in enumerate(getattr(unit, list_name)):
                    if point.model not in models:
                        errors.append(
                            ScenarioError(
                                origins[f"devices.{dev_name}"],
                                f"devices.{dev_name}.units.{unit_name}.{list_name}[{i}].model",
                                f"unknown model {point.model!r}; known models: {', '.join(sorted(models))}",
                            )
                        )

    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ScenarioErrors(errors)
    return Catalog(models, devices, files, origins)
