"""Li-ion cells of the battery catalog (``edgesim/catalog/data/batteries.yaml``) as :class:`LiIonCell` objects.

Each entry holds the Thevenin parameters of one cell and the source of every number (see the file's header).
"""
from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from ..physics.liion import LiIonCell, OcvCurve, RcPair
from ..yamlio import load_packaged

__all__ = ["cell_names", "load_cell"]


@cache
def _entries() -> dict[str, Any]:
    text = resources.files("edgesim.catalog").joinpath("data/batteries.yaml").read_text(encoding="utf-8")
    data = load_packaged(text)
    return dict(data) if isinstance(data, dict) else {}


def cell_names() -> tuple[str, ...]:
    """Names of the catalog's cells."""
    return tuple(sorted(_entries()))


def load_cell(name: str) -> LiIonCell:
    """The catalog cell ``name``.

    Raises
    ------
    KeyError
        If the catalog has no such cell (the message lists the known ones).
    """
    entries = _entries()
    if name not in entries:
        raise KeyError(f"no Li-ion cell named {name!r} in the battery catalog (known: {', '.join(cell_names())})")
    e = entries[name]
    return LiIonCell(
        capacity_ah=float(e["capacity_ah"]),
        ocv=OcvCurve(tuple(e["ocv_soc"]), tuple(e["ocv_v"])),
        r0_ohm=float(e["r0_ohm"]),
        rc_pairs=tuple(RcPair(float(rc["resistance_ohm"]), float(rc["capacitance_f"])) for rc in e.get("rc_pairs", ())),
        cutoff_v=float(e["cutoff_v"]),
        ref_temp_c=float(e.get("ref_temp_c", 25.0)),
        resistance_activation_j_per_mol=float(e.get("resistance_activation_j_per_mol", 0.0)),
        capacity_temp_c=tuple(float(x) for x in e.get("capacity_temp_c", ())),
        capacity_factor=tuple(float(x) for x in e.get("capacity_factor", ())),
    )
