"""One run of a sweep as data: the task an executor runs, and how its scenario is built from the base.

This module sits below both the planner (:mod:`.plan`, which makes tasks) and the executors (:mod:`.executors`,
which run them), so neither imports the other.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .identity import canonical_json, content_hash
from .paths import PathError, set_path

__all__ = ["RunTask", "build_scenario", "run_identity", "label"]


@dataclass(frozen=True)
class RunTask:
    """Everything one run needs; picklable and small (the base scenario dict and the overrides).

    Attributes
    ----------
    run_id : str
        Content identity of the run (see :func:`run_identity`); resuming skips a run_id already stored.
    index : int
        Position in the plan (0-based), as the ``index`` column and ``run N`` in messages.
    case : str or None
        Case name, when the sweep has cases.
    params : tuple of (path, value)
        Overrides, applied in order.
    replication : int
        Replication number, from 0.
    seed : int
        The run's scenario seed.
    scenario : mapping
        The base scenario (raw, not validated).
    duration_s : float or None
        Simulated seconds (None: the scenario's).
    source, base_dir : str, str or None
        Where the base scenario came from (messages, relative ``catalog_files``).
    per_stream : bool
        Keep one column per stream and metric.
    command : str
        The one-line ``edgesim run`` command that reproduces the run (empty when the base is not a file).
    """

    run_id: str
    index: int
    case: str | None
    params: tuple[tuple[str, Any], ...]
    replication: int
    seed: int
    scenario: Mapping[str, Any]
    duration_s: float | None = None
    source: str = "<dict>"
    base_dir: str | None = None
    per_stream: bool = True
    max_events: float = 2e8  # the run budget (edgesim.model.run_budget.DEFAULT_MAX_EVENTS unless the sweep raises it)
    command: str = ""


def build_scenario(base: Mapping[str, Any], params: Sequence[tuple[str, Any]], seed: int | None,
                   duration_s: float | None) -> dict[str, Any]:
    """The run's scenario dict: the base, then ``duration_s``, then each override in order, then the seed.

    Raises :class:`~edgesim.sweeps.paths.PathError` when a path does not resolve.
    """
    data = copy.deepcopy(dict(base))
    if duration_s is not None:
        data["duration_s"] = duration_s
    for path, value in params:
        set_path(data, path, copy.deepcopy(value))
    if seed is not None:
        data["seed"] = seed
    return data


def run_identity(base: Mapping[str, Any], params: Sequence[tuple[str, Any]], seed: int, duration_s: float | None) -> str:
    """``run_id``: the content hash of the run's scenario dict (overrides, seed and duration applied).

    A path that does not resolve hashes the base and the overrides instead (the run will fail, but it has an
    identity).
    """
    try:
        data: Any = build_scenario(base, params, seed, duration_s)
    except PathError:
        data = {"base": dict(base), "params": [list(p) for p in params], "seed": seed, "duration_s": duration_s}
    return content_hash(data)


def label(value: Any) -> Any:
    """A parameter value as a result-table cell: scalars as they are, mappings and lists as canonical JSON."""
    if isinstance(value, (dict, list, tuple)):
        return canonical_json(value)
    return value
