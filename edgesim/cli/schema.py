"""``edgesim schema``: the JSON Schema of a scenario file, and a check of files against it.

``edgesim schema`` prints the schema (from the pydantic model :class:`edgesim.ScenarioSpec`), the file that
``docs/scenario.schema.json`` holds and that the shipped scenarios name on their first line for editors
(``# yaml-language-server: $schema=../docs/scenario.schema.json``: completion and checks in VS Code, Neovim,
JetBrains). ``edgesim schema --check FILE...`` validates YAML files against it (needs ``jsonschema``) and names
each problem's file and field path; exit 2 when any file fails.

The schema checks what a file may say (keys, types, ranges) before catalog references are resolved: the fields
a catalog device supplies (``device: hailo8``) are not required by it. ``edgesim run`` checks the rest
(cross-references, physics).
"""
from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..errors import ScenarioError, ScenarioErrors
from ..spec.load import read_scenario_dict
from ..spec.schema import ScenarioSpec

__all__ = ["CATALOG_FILLED", "scenario_json_schema", "schema_text", "check_files", "cmd_schema", "register"]

_OUTPUT_ONLY = frozenset({"source"})  # fields the loader fills in; a file never gives them
CATALOG_FILLED: dict[str, frozenset[str]] = {"ComputeUnitSpec": frozenset({"name"})}
"""Definitions whose other fields a catalog entry may supply (``device: hailo8``): only these stay required."""


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario YAML file.

    Built from :meth:`ScenarioSpec.model_json_schema` (validation mode), less what a file never states:
    the ``source`` field (the loader's), and the required fields a catalog device supplies (a compute unit
    naming ``device:`` needs only its ``name``; see :data:`CATALOG_FILLED`).

    Returns
    -------
    dict
        The schema, JSON-serializable.
    """
    schema = ScenarioSpec.model_json_schema(mode="validation")
    for name in _OUTPUT_ONLY:
        schema.get("properties", {}).pop(name, None)
    schema["required"] = [k for k in schema.get("required", []) if k not in _OUTPUT_ONLY]
    for name, keep in CATALOG_FILLED.items():
        definition = schema.get("$defs", {}).get(name)
        if definition is not None and "required" in definition:
            definition["required"] = [k for k in definition["required"] if k in keep]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "edgesim scenario", **{k: v for k, v in schema.items() if k != "title"}}


def schema_text() -> str:
    """:func:`scenario_json_schema` as indented JSON text with a final newline (the committed file's text)."""
    return json.dumps(scenario_json_schema(), indent=2, sort_keys=False) + "\n"


def _location(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def check_files(paths: Sequence[str | Path]) -> list[ScenarioError]:
    """Validate YAML files against :func:`scenario_json_schema`.

    Parameters
    ----------
    paths : sequence of path
        Scenario files.

    Returns
    -------
    list of ScenarioError
        One per problem (file, field path, message); empty when every file conforms. A file that cannot be
        read or parsed is one problem.

    Raises
    ------
    ScenarioError
        When the ``jsonschema`` package is not installed.
    """
    try:
        import jsonschema  # noqa: PLC0415 (optional dependency, the test extra)
    except ModuleNotFoundError:
        raise ScenarioError("edgesim schema", "--check", "needs the jsonschema package (pip install jsonschema)") from None
    validator = jsonschema.Draft202012Validator(scenario_json_schema())
    problems: list[ScenarioError] = []
    for path in paths:
        try:
            data = read_scenario_dict(path)
        except ScenarioError as exc:
            problems.append(exc)
            continue
        for err in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
            problems.append(ScenarioError(str(path), _location(err.absolute_path), err.message))
    return problems


def cmd_schema(args: argparse.Namespace) -> int:
    """Print the schema, or check files against it (exit 2 with every problem listed when one fails)."""
    if not args.check:
        print(schema_text(), end="")
        return 0
    problems = check_files(args.check)
    if problems:
        raise ScenarioErrors(problems)
    print(f"{len(args.check)} file(s) conform to the scenario schema")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``edgesim schema`` to the command line."""
    p = sub.add_parser("schema", help="print the JSON Schema of a scenario file, or --check files against it",
                       description="Print the JSON Schema of scenario files (for editors: docs/scenario.schema.json), "
                                   "or validate files with --check.")
    p.add_argument("--check", nargs="+", metavar="FILE", help="validate these scenario files against the schema")
    p.set_defaults(func=cmd_schema)
