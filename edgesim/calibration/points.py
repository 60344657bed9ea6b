"""How many rows of the packaged measurements file each catalog device and unit is fitted on.

``edgesim catalog devices`` shows these counts beside each unit: a device fitted on 40 points is known far better
than one with none (which predicts from its datasheet through the priors alone).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..catalog.loader import Catalog, CatalogDevice
from .measurements import read_measurements

__all__ = ["FittedPoints", "fitted_points"]

_ACCELERATORS = ("npu", "tpu", "vpu", "dla")


@dataclass(frozen=True)
class FittedPoints:
    """Rows of the packaged measurements file mapped to each catalog device (and unit) by ``calibration/devices.py``.

    Attributes
    ----------
    by_device : dict of str to int
        Rows per catalog device key.
    by_unit : dict of (str, str) to int
        Rows per (device, unit): the row's engine kind matched to the unit of that kind (``gpu+2dla`` to the gpu; an
        accelerator kind to the device's accelerator unit; an unstated engine to the default unit).
    modelled : dict of str to int
        Rows per device whose network has a profile (the rows a fit can use).
    total_rows : int
        Rows in the file.
    """

    by_device: dict[str, int]
    by_unit: dict[tuple[str, str], int]
    modelled: dict[str, int]
    total_rows: int


def _unit_for(dev: CatalogDevice, kind: str) -> str | None:
    k = "gpu" if kind.startswith("gpu") else kind
    for name, unit in dev.units.items():
        if unit.kind == k:
            return name
    if k in _ACCELERATORS:
        return next((name for name, unit in dev.units.items() if unit.kind in _ACCELERATORS), None)
    return dev.default_unit if k == "unstated" else None


def fitted_points(catalog: Catalog) -> FittedPoints:
    """Count the packaged measurements per catalog device and unit (the points the calibration fits them on)."""
    rows = read_measurements(catalog_keys=catalog.devices)
    by_device: dict[str, int] = {}
    by_unit: dict[tuple[str, str], int] = {}
    modelled: dict[str, int] = {}
    for m in rows:
        key = m.catalog_device
        if key is None or key not in catalog.devices:
            continue
        by_device[key] = by_device.get(key, 0) + 1
        if m.profile is not None:
            modelled[key] = modelled.get(key, 0) + 1
        unit = _unit_for(catalog.devices[key], m.kind)
        if unit is not None:
            by_unit[(key, unit)] = by_unit.get((key, unit), 0) + 1
    return FittedPoints(by_device, by_unit, modelled, len(rows))
