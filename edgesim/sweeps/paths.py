"""Dotted paths into a raw scenario dict (before validation): get, set, parse.

A path is a chain of steps separated by dots, each a key with optional bracketed selectors::

    cameras.cam1.fps             # a list of named items is addressed by item name ...
    streams[0].unit              # ... or by index
    cameras[cam.v2].fps          # brackets take a name too (needed when the name holds a dot)
    streams.cam/detection.unit   # streams have no name: they are addressed as CAMERA/MODEL
    compute_units.npu.device     # swapping a catalog device
    record.interval_s            # missing mappings on the way are created

Lists addressed by name: items are mappings with a ``name`` key (cameras, models, compute_units), or
``camera`` and ``model`` keys (streams, as ``camera/model``). A name that is all digits is tried as a
name first, then as an index. Setting creates missing keys of mappings (``compute_units.npu.efficiency``
where the unit had none), never list items: a name or index that does not exist is a :class:`PathError`.

Values given on the command line are parsed as YAML (``30`` -> int, ``hailo8`` -> str,
``{name: npu, device: jetson_nano}`` -> a mapping, which replaces a whole item).

Paired values: a last step named ``resolution`` sets two fields at once, ``width_px`` and ``height_px`` of the
same item: ``cameras.cam.resolution=1920x1080`` (or ``[1920, 1080]``, or ``{width_px: 1920, height_px: 1080}``).

The same syntax is shared by ``edgesim sweep``, ``edgesim fit`` and ``edgesim run`` (one value there):
:func:`parse_assignment` reads ``PATH=V1,V2,...``, :func:`format_assignment` writes one back so that it
parses to the same value (the one-line command that reproduces a sweep row).
"""
from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Mapping
from typing import Any

import yaml

from ..errors import EdgesimError
from ..yamlio import safe_load

__all__ = [
    "set_location",
    "PAIRED_STEPS", "PathError", "parse_path", "format_steps", "get_path", "set_path", "parse_value", "split_values",
    "parse_assignment", "format_value", "format_assignment", "parse_pair",
]

#: a last step that sets two fields of its item at once: ``resolution`` -> ``width_px``, ``height_px``
PAIRED_STEPS: dict[str, tuple[str, str]] = {"resolution": ("width_px", "height_px")}
_PAIR_RE = re.compile(r"^\s*(\d+)\s*[xX\u00d7]\s*(\d+)\s*$")


class PathError(EdgesimError):
    """A dotted path does not parse, or does not resolve in a scenario."""

    def __init__(self, path: str, problem: str):
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


_STEP_RE = re.compile(r"([^.\[\]]*)((?:\[[^\[\]]*\])*)")


def parse_path(path: str) -> list[str | int]:
    """``'streams[0].unit'`` -> ``['streams', 0, 'unit']``; ``'cameras.cam1.fps'`` -> ``['cameras', 'cam1', 'fps']``.

    Bracketed selectors that are integers become ``int`` (an index, or a name made of digits); other
    bracketed text stays a ``str`` (a name). Raises :class:`PathError` on empty steps or unbalanced brackets.
    """
    if not isinstance(path, str) or not path.strip():
        raise PathError(str(path), "empty path")
    text = path.strip()
    steps: list[str | int] = []
    # split on dots that are outside brackets
    parts: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(text):
        if ch == "[":
            if depth:
                raise PathError(path, "nested '[' is not allowed")
            depth = 1
        elif ch == "]":
            if not depth:
                raise PathError(path, "']' without '['")
            depth = 0
        elif ch == "." and not depth:
            parts.append(text[start:i])
            start = i + 1
    if depth:
        raise PathError(path, "'[' without ']'")
    parts.append(text[start:])
    for part in parts:
        match = _STEP_RE.fullmatch(part)
        if match is None:
            raise PathError(path, f"cannot parse step {part!r}")
        key, selectors = match.group(1), match.group(2)
        if not key and not selectors:
            raise PathError(path, "empty step (two dots in a row, or a leading/trailing dot)")
        if key:
            steps.append(key)
        for sel in re.findall(r"\[([^\[\]]*)\]", selectors):
            sel = sel.strip()
            if not sel:
                raise PathError(path, "empty [] selector")
            steps.append(int(sel) if re.fullmatch(r"-?\d+", sel) else sel)
    return steps


def _item_key(item: Any) -> str | None:
    if isinstance(item, dict):
        if "name" in item:
            return str(item["name"])
        if "camera" in item and "model" in item:
            return f"{item['camera']}/{item['model']}"
    return None


def _list_index(container: list, step: str | int, path: str, where: str) -> int:
    """The index in ``container`` that ``step`` selects (a name first, then an integer index)."""
    names = [_item_key(item) for item in container]
    key = str(step)
    if key in names:
        return names.index(key)
    if isinstance(step, int) or re.fullmatch(r"-?\d+", key):
        index = int(key)
        if -len(container) <= index < len(container):
            return index % len(container)
        raise PathError(path, f"index {index} is out of range at {where} (it has {len(container)} items)")
    known = ", ".join(n for n in names if n is not None) or "none"
    raise PathError(path, f"no item named {key!r} in {where} (known: {known})")


def _where(steps: list[str | int], i: int) -> str:
    return format_steps(steps[:i]) or "the scenario"


def format_steps(steps: list[str | int]) -> str:
    out = ""
    for s in steps:
        out += f"[{s}]" if isinstance(s, int) else ("." if out else "") + str(s)
    return out


def get_path(data: Any, path: str) -> Any:
    """The value at ``path`` in ``data``; :class:`PathError` if any step does not exist."""
    steps = parse_path(path)
    current = data
    for i, step in enumerate(steps):
        where = _where(steps, i)
        if isinstance(current, list):
            current = current[_list_index(current, step, path, where)]
        elif isinstance(current, dict):
            pair = PAIRED_STEPS.get(str(step)) if i == len(steps) - 1 and str(step) not in current else None
            if pair is not None and all(k in current for k in pair):
                return f"{current[pair[0]]}x{current[pair[1]]}"
            if str(step) not in current:
                known = ", ".join(map(str, current)) or "none"
                raise PathError(path, f"no key {str(step)!r} in {where} (keys: {known})")
            current = current[str(step)]
        else:
            raise PathError(path, f"{where} is a {type(current).__name__} ({current!r}), not a mapping or list")
    return current


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``path`` in ``data`` (in place) to ``value``.

    Missing mapping keys on the way are created as empty mappings; list items are never created.
    """
    steps = parse_path(path)
    if not isinstance(data, dict):
        raise PathError(path, "the scenario is not a mapping")
    current: Any = data
    for i, step in enumerate(steps):
        last = i == len(steps) - 1
        where = _where(steps, i)
        if isinstance(current, list):
            index = _list_index(current, step, path, where)
            if last:
                current[index] = value
                return
            current = current[index]
        elif isinstance(current, dict):
            key = str(step)
            if last:
                pair = PAIRED_STEPS.get(key) if key not in current else None
                if pair is not None:
                    current[pair[0]], current[pair[1]] = parse_pair(value, path, pair)
                    return
                current[key] = value
                return
            if key not in current or current[key] is None:
                current[key] = {}
            current = current[key]
        else:
            raise PathError(path, f"{where} is a {type(current).__name__} ({current!r}), not a mapping or list")


def parse_pair(value: Any, path: str, fields: tuple[str, str] = ("width_px", "height_px")) -> tuple[int, int]:
    """``'1920x1080'``, ``[1920, 1080]`` or ``{width_px: 1920, height_px: 1080}`` -> ``(1920, 1080)``.

    Raises :class:`PathError` for anything else (two positive integers are required).
    """
    pair: Any = None
    if isinstance(value, str):
        match = _PAIR_RE.match(value)
        pair = (int(match.group(1)), int(match.group(2))) if match else None
    elif isinstance(value, (list, tuple)) and len(value) == 2:
        pair = tuple(value)
    elif isinstance(value, dict) and set(value) == set(fields):
        pair = (value[fields[0]], value[fields[1]])
    if pair is None or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in pair):
        raise PathError(path, f"sets {fields[0]} and {fields[1]} together: write WIDTHxHEIGHT with two positive "
                        f"integers (e.g. 1920x1080), got {value!r}")
    return int(pair[0]), int(pair[1])


def parse_value(text: str) -> Any:
    """A value from the command line, parsed as YAML (``30`` -> 30, ``1e3`` -> 1000.0, ``hailo8`` -> 'hailo8').

    Text that is not valid YAML is kept as a string.
    """
    try:
        return safe_load(text) if text.strip() else ""
    except yaml.YAMLError:
        return text


def split_values(text: str) -> list[str]:
    """Split ``'a,b,{x: 1, y: 2},[1, 2]'`` on the commas outside brackets, braces and quotes."""
    out: list[str] = []
    depth = 0
    quote: str | None = None
    start = 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in "[{(":
            depth += 1
        elif ch in "]})":
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return [part.strip() for part in out]


def parse_assignment(text: str) -> tuple[str, list[Any]]:
    """``'cameras.cam.fps=15,30'`` -> ``('cameras.cam.fps', [15, 30])``. Raises :class:`PathError`."""
    if "=" not in text:
        raise PathError(text, "write PATH=V1,V2,... (no '=' found)")
    path, _, values = text.partition("=")
    path = path.strip()
    parse_path(path)
    parts = split_values(values)
    if not values.strip() or any(p == "" for p in parts):
        raise PathError(path, f"empty value in {values!r}")
    return path, [parse_value(p) for p in parts]


def format_value(value: Any) -> str:
    """A value as ``--set`` text that :func:`parse_assignment` reads back as exactly ``value`` (one value).

    Scalars as YAML writes them (``30``, ``0.5``, ``hailo8``, ``'30'`` for the string), mappings and lists in
    YAML flow style (``{name: npu, device: hailo8}``); JSON where YAML would not round-trip.
    """
    if isinstance(value, bool) or value is None:
        text = "true" if value is True else "false" if value is False else "null"
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        text = repr(value) if math.isfinite(value) else (".nan" if value != value else ".inf" if value > 0 else "-.inf")
    else:
        text = yaml.safe_dump(value, default_flow_style=True, width=10**9, sort_keys=False, allow_unicode=True).strip()
        if text.endswith("\n..."):
            text = text[:-4].strip()
        if text.endswith("..."):
            text = text[:-3].strip()
    if _round_trips(text, value):
        return text
    return json.dumps(value, sort_keys=False, separators=(", ", ": "))


def _round_trips(text: str, value: Any) -> bool:
    parts = split_values(text)
    if len(parts) != 1 or "\n" in text:
        return False
    parsed = parse_value(parts[0])
    return bool(parsed == value and type(parsed) is type(value)) or (
        isinstance(value, float) and isinstance(parsed, float) and value != value and parsed != parsed)


def format_assignment(path: str, value: Any) -> str:
    """``('cameras.cam.fps', 15)`` -> ``'cameras.cam.fps=15'``: the ``--set`` text of one value."""
    return f"{path}={format_value(value)}"


def set_location(data: Mapping[str, Any], dotted: str) -> tuple[str | int, ...] | None:
    """The field location (pydantic's ``loc``: ``("cameras", 0, "fps")``) that ``--set dotted=...`` replaces.

    Found by setting a marker at ``dotted`` in a copy of ``data`` and looking for it, so that it follows the
    sweep's path rules (items by name or index) exactly; ``None`` when the path does not apply (the real
    ``--set`` then reports why).
    """
    marker = object()
    probe = copy.deepcopy(dict(data))
    try:
        set_path(probe, dotted, marker)
    except PathError:
        return None

    def find(node: Any, loc: tuple[str | int, ...]) -> tuple[str | int, ...] | None:
        if node is marker:
            return loc
        items: Any = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, child in items:
            found = find(child, (*loc, key))
            if found is not None:
                return found
        return None

    return find(probe, ())
