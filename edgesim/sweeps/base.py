"""The base scenario of a sweep or a search, as a document that overrides apply to before catalog resolution.

A file, a raw dict and a :class:`~edgesim.spec.schema.ScenarioSpec` give the same document: the scenario as
written, ``device:`` and ``catalog:`` references unresolved, so an override of ``compute_units.npu.device``
brings in the new device's catalog fields, on a loaded spec exactly as on its file (see
:func:`edgesim.api.scenario_document`). A spec whose document is unknown and that names catalog entries is
refused (:class:`~edgesim.errors.EdgesimError`) rather than swept wrongly.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..api import scenario_document
from ..errors import EdgesimError
from ..spec.load import read_scenario_dict
from ..spec.schema import ScenarioSpec
from .identity import check_expanded_size

__all__ = ["BaseScenario", "base_scenario"]


@dataclass(frozen=True)
class BaseScenario:
    """A base scenario: its raw document, where it came from, and the folder relative ``catalog_files`` are in."""

    data: dict[str, Any]
    source: str
    base_dir: str | None


def base_scenario(scenario: Any, who: str = "sweep") -> BaseScenario:
    """The raw document of ``scenario`` (a file path, a raw dict or a ScenarioSpec), to apply overrides to.

    Raises
    ------
    EdgesimError
        ``scenario`` is none of these, or a spec whose catalog references cannot be re-resolved.
    """
    if isinstance(scenario, ScenarioSpec):
        doc = scenario_document(scenario)
        return BaseScenario(doc.data, doc.source, str(doc.base_dir) if doc.base_dir is not None else None)
    if isinstance(scenario, (str, Path)):
        path = Path(scenario)
        return BaseScenario(read_scenario_dict(path), str(path), str(path.parent))
    if isinstance(scenario, Mapping):
        check_expanded_size(scenario, "<dict>")
        return BaseScenario(dict(scenario), "<dict>", None)
    raise EdgesimError(f"{who}: scenario must be a file path, a dict or a ScenarioSpec, got {type(scenario).__name__}")
