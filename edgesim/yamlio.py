"""YAML reading for scenario, catalog and sweep files: the safe loader, with YAML 1.2 floats and input limits.

PyYAML follows YAML 1.1, where ``26.0e12`` and ``1e-3`` (no sign or no dot) are strings, not numbers. Every
number in a scenario is a quantity, so edgesim resolves them as floats, as YAML 1.2 does.

Every document is also checked as it is read, so that a malformed or hostile file is an input error (one line,
with its line and column), never a traceback, a hang or a memory blow-up:

- a key given twice in one mapping is an error (PyYAML would silently keep the last one);
- nesting deeper than ``max_depth`` levels is an error (20,000 ``[`` would otherwise exhaust Python's recursion
  limit);
- the document, with every alias expanded, may hold at most ``max_nodes`` nodes: a "billion laughs" alias bomb is
  refused in microseconds, before anything walks (hashes, validates, copies) the expanded tree; a recursive alias
  (a node that contains itself) is refused too.
"""
from __future__ import annotations

import re
from typing import Any

import yaml

__all__ = [
    "MAX_DEPTH",
    "MAX_NODES",
    "SafeLoader",
    "YamlInputError",
    "format_yaml_error",
    "load_packaged",
    "safe_load",
]

MAX_DEPTH = 100
"""Deepest nesting of sequences and mappings accepted (edgesim's own files nest at most 8 levels)."""

MAX_NODES = 1_000_000
"""Most nodes (scalars, sequences, mappings) a document may hold once every alias is expanded (edgesim's
package catalog holds under 2,000)."""

_MERGE_TAG = "tag:yaml.org,2002:merge"


class YamlInputError(yaml.MarkedYAMLError):
    """A YAML document edgesim refuses, with the position of the fault; ``str()`` is one line.

    Parameters
    ----------
    problem : str
        What is wrong, in words.
    mark : yaml.Mark or None
        Where (PyYAML's 0-based line and column); None when the position is unknown.
    """

    def __init__(self, problem: str, mark: yaml.Mark | None = None):
        super().__init__(problem=problem, problem_mark=mark)

    def __str__(self) -> str:
        return format_yaml_error(self)


def format_yaml_error(exc: BaseException) -> str:
    """One line for any YAML error: ``line L, column C: problem`` (1-based), without PyYAML's source excerpt.

    Parameters
    ----------
    exc : BaseException
        Usually a ``yaml.YAMLError``; anything else is reduced to its message on one line.

    Returns
    -------
    str
        E.g. ``line 3, column 5: found duplicate key 'fps' (first at line 2, column 5)``.
    """
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        return where + _problem(exc)
    return _one_line(str(exc) or type(exc).__name__)


def _problem(exc: yaml.MarkedYAMLError) -> str:
    """The problem of a PyYAML error in words, with its context (``while parsing a flow mapping``), on one line."""
    problem = exc.problem or exc.context or type(exc).__name__
    if exc.context and exc.problem and exc.context not in problem:
        problem = f"{problem} ({exc.context})"
    return _one_line(problem)


def _one_line(text: str) -> str:
    return " ".join(text.split())


class SafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` plus YAML 1.2 float syntax (``1e3``, ``26.0e12``), duplicate-key, depth and alias-expansion
    checks. ``max_depth`` and ``max_nodes`` are per-instance limits (defaults :data:`MAX_DEPTH`, :data:`MAX_NODES`)."""

    max_depth: int = MAX_DEPTH
    max_nodes: int = MAX_NODES
    _depth: int = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        """Compose one node, refusing nesting deeper than ``max_depth``."""
        self._depth += 1
        try:
            if self._depth > self.max_depth:
                event = self.peek_event()
                raise YamlInputError(f"nesting deeper than {self.max_depth} levels", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_document(self) -> yaml.Node:
        """Compose a document, then refuse it if expanding its aliases would exceed ``max_nodes`` nodes."""
        node: yaml.Node = super().compose_document()
        _check_expanded_size(node, self.max_nodes)
        return node

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """Build a mapping, refusing a key given twice (merge keys ``<<`` may still be overridden)."""
        if isinstance(node, yaml.MappingNode):
            first: dict[Any, yaml.Mark] = {}
            for key_node, _ in node.value:
                if key_node.tag == _MERGE_TAG or not isinstance(key_node, yaml.ScalarNode):
                    continue
                key = self.construct_object(key_node)
                if key in first:
                    mark = first[key]
                    raise YamlInputError(
                        f"duplicate key {key!r} (first at line {mark.line + 1}, column {mark.column + 1})",
                        key_node.start_mark)
                first[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


def _check_expanded_size(root: yaml.Node, max_nodes: int) -> None:
    """Count the nodes of ``root`` with every alias expanded (shared nodes counted once per use), without expanding.

    Raises
    ------
    YamlInputError
        When the count exceeds ``max_nodes``, or a node contains itself (a recursive alias).
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise YamlInputError("recursive alias: a node contains itself", node.start_mark)
        if isinstance(node, yaml.ScalarNode):
            sizes[key] = 1
            return 1
        open_nodes.add(key)
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            children = [part for pair in node.value for part in pair]
        total = 1
        for child in children:
            total += size(child)
            if total > max_nodes:
                raise YamlInputError(
                    f"the document expands to more than {max_nodes:,} nodes once its aliases are expanded "
                    "(an alias bomb?)", node.start_mark)
        open_nodes.discard(key)
        sizes[key] = total
        return total

    size(root)


SafeLoader.yaml_implicit_resolvers = {k: list(v) for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
SafeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
                  |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
                  |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
                  |[-+]?\.(?:inf|Inf|INF)
                  |\.(?:nan|NaN|NAN))$""", re.X),
    list("-+0123456789."),
)


def safe_load(text: str, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES) -> Any:
    """Parse YAML text with the safe loader, YAML 1.2 floats and the input limits of this module.

    Parameters
    ----------
    text : str
        The YAML document.
    max_depth : int
        Deepest nesting accepted (levels).
    max_nodes : int
        Most nodes the document may hold with every alias expanded.

    Returns
    -------
    Any
        Plain Python data (dicts, lists, str, int, float, bool, None).

    Raises
    ------
    YamlInputError
        For every problem (syntax, duplicate key, depth, alias expansion); a ``yaml.MarkedYAMLError`` whose
        ``problem`` and ``problem_mark`` say what and where, and whose ``str()`` is one line.
    """
    loader = SafeLoader(text)
    loader.max_depth = max_depth
    loader.max_nodes = max_nodes
    try:
        return loader.get_single_data()
    except YamlInputError:
        raise
    except yaml.MarkedYAMLError as exc:
        raise YamlInputError(_problem(exc), exc.problem_mark or exc.context_mark) from None
    except yaml.YAMLError as exc:
        raise YamlInputError(format_yaml_error(exc)) from None
    except RecursionError:
        raise YamlInputError(f"nesting too deep to read (the limit is {max_depth} levels)") from None
    finally:
        loader.dispose()


class _PackagedLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's safe loader (C, about 10x faster than PyYAML's Python parser) with the YAML 1.2 floats above."""


_PackagedLoader.yaml_implicit_resolvers = SafeLoader.yaml_implicit_resolvers


def load_packaged(text: str) -> Any:
    """Parse one of edgesim's own data files (the package catalog, profiles, calibration, cells): fast, same values.

    The package's files are trusted and large (the catalog and profiles are about 1 MB together, 1.4 s with the
    Python parser, most of a one-second ``edgesim run``); a test reads each with :func:`safe_load` too, so they
    keep every guard (no duplicate key, depth, aliases) and give identical data. Users' files always go through
    :func:`safe_load`.
    """
    return yaml.load(text, Loader=_PackagedLoader)  # noqa: S506 - a safe loader (CSafeLoader or SafeLoader)
