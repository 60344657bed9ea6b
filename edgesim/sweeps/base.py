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
from ..textfile import InputFileError, read_input_bytes
from .errors import SweepError
from .identity import check_expanded_size

__all__ = ["MAX_FILE_BYTES", "BaseScenario", "base_scenario", "read_yaml_file"]

MAX_FILE_BYTES = 1 << 20
"""Largest sweep or scenario file a sweep reads (1 MiB; edgesim's own files are a few kB, a sweep of a 200-site
city under 100 kB). PyYAML reads about 0.1 MB a second, so a larger file would stall for minutes."""


def read_yaml_file(path: str | Path, what: str = "sweep or scenario file") -> dict[str, Any]:
    """Read a sweep (or base scenario) file into a dict, refusing what is not a small UTF-8 text file.

    A UTF-8 byte-order mark and CRLF line ends are read as the text they are. A directory, a file that is not a
    regular file, one larger than :data:`MAX_FILE_BYTES`, binary content (a NUL byte, bytes that are not
    UTF-8, a UTF-16 or UTF-32 byte-order mark) are a :class:`SweepError` naming the file: one line, exit 2.
    """
    p = Path(path)
    src = str(p)
    try:  # a directory, a pipe or device, a missing file, one over the cap: the shared reader's checks
        raw = read_input_bytes(p, MAX_FILE_BYTES, cap_name="edgesim.sweeps.base.MAX_FILE_BYTES")
    except InputFileError as exc:
        raise SweepError(src, "", f"{exc.problem} ({what})") from None
    for bom, name in ((b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe\x00\x00", "UTF-32"), (b"\xfe\xff", "UTF-16"),
                      (b"\xff\xfe", "UTF-16")):
        if raw.startswith(bom):
            raise SweepError(src, "", f"is {name} text (it starts with a {name} byte-order mark): save it as UTF-8")
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise SweepError(src, "", f"is binary, not a {what} (a NUL byte at offset {nul})")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SweepError(src, "", f"is not UTF-8 text, not a {what} (byte 0x{raw[exc.start]:02x} at offset "
                         f"{exc.start})") from None
    return read_scenario_dict(p)  # parses the text (a UTF-8 BOM and CRLF line ends are fine), one-line YAML errors


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
        return BaseScenario(read_yaml_file(path, "scenario file"), str(path), str(path.parent))
    if isinstance(scenario, Mapping):
        check_expanded_size(scenario, "<dict>")
        return BaseScenario(dict(scenario), "<dict>", None)
    raise EdgesimError(f"{who}: scenario must be a file path, a dict or a ScenarioSpec, got {type(scenario).__name__}")
