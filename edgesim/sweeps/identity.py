"""What makes two runs the same run: canonical content hashes, the size of a document, and each run's seed.

Content hashes are Merkle hashes: a mapping or a list hashes the hashes of its items, and an object met twice in
one document (a YAML alias, a shared Python object) is hashed once. Hashing a document is therefore linear in
its *distinct* nodes, never in its expanded size: an alias bomb that slipped past the YAML loader (or a dict
built in Python with shared parts) cannot make hashing explode. :func:`check_expanded_size` refuses such a
document before anything expands it (validation, JSON, copies for each run).

Seeds
-----
Every run's seed is drawn from ``numpy.random.SeedSequence(sweep_seed, spawn_key=KEY)`` where ``KEY`` is
derived from the run's *content*, not its position: four 32-bit words of the SHA-256 of its parameter values
(sorted by path, with the case name if any), then the replication number. So a run gets the same seed on any
executor, in any order, and when the sweep grows. ``seed_mode="common"`` keys by replication only (common
random numbers across configurations).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..yamlio import MAX_NODES
from .errors import SweepError

__all__ = ["canonical_json", "content_hash", "expanded_size", "check_expanded_size", "run_seed"]


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, (tuple, set)):
        return list(obj)
    if isinstance(obj, Path):
        return str(obj)
    return str(obj)


def canonical_json(obj: Any) -> str:
    """Deterministic JSON (sorted keys, no spaces, numpy scalars as Python numbers) of a *small* object."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=_json_default, allow_nan=True)


def _scalar_bytes(obj: Any) -> bytes:
    if isinstance(obj, np.generic):
        obj = obj.item()
    return b"s" + canonical_json(obj).encode()


def _merkle(obj: Any, memo: dict[int, bytes]) -> bytes:
    key = id(obj)
    if key in memo:
        return memo[key]
    h = hashlib.sha256()
    if isinstance(obj, Mapping):
        h.update(b"d")
        for k in sorted(obj, key=str):
            h.update(_scalar_bytes(str(k)))
            h.update(_merkle(obj[k], memo))
    elif isinstance(obj, (list, tuple)):
        h.update(b"l")
        for item in obj:
            h.update(_merkle(item, memo))
    else:
        h.update(_scalar_bytes(obj))
    digest = h.digest()
    if isinstance(obj, (Mapping, list, tuple)):
        memo[key] = digest  # only containers: scalars are cheap, and small ints share ids anyway
    return digest


def content_hash(obj: Any, n_hex: int = 16) -> str:
    """The first ``n_hex`` hex digits of the Merkle SHA-256 of ``obj`` (mappings by sorted key, lists in order).

    Linear in the distinct objects of ``obj``: a part shared in several places is hashed once.
    """
    return _merkle(obj, {}).hex()[:n_hex]


def expanded_size(obj: Any, limit: int = MAX_NODES) -> int:
    """Nodes of ``obj`` with every shared part counted each time it appears, stopping once above ``limit``.

    Returns
    -------
    int
        The expanded node count, or ``limit + 1`` when it is larger than ``limit`` (computed in time linear
        in the distinct nodes).
    """
    memo: dict[int, int] = {}

    def size(node: Any, depth: int) -> int:
        key = id(node)
        if key in memo:
            return memo[key]
        if depth > 200:
            return limit + 1
        total = 1
        if isinstance(node, Mapping):
            children: Any = node.values()
        elif isinstance(node, (list, tuple)):
            children = node
        else:
            return 1
        for child in children:
            total += size(child, depth + 1)
            if total > limit:
                total = limit + 1
                break
        memo[key] = total
        return total

    return size(obj, 0)


def check_expanded_size(obj: Any, source: str, limit: int = MAX_NODES) -> None:
    """Raise :class:`SweepError` when ``obj`` expands to more than ``limit`` nodes (an alias bomb, say)."""
    if expanded_size(obj, limit) > limit:
        raise SweepError(source, "", f"the scenario expands to more than {limit:,} nodes once its shared parts (YAML "
                         "aliases) are expanded; refusing to sweep it")


def run_seed(sweep_seed: int, params: Sequence[tuple[str, Any]], replication: int, case: str | None = None,
             seed_mode: str = "independent") -> int:
    """The seed of one run: a 63-bit integer from the ``SeedSequence`` tree rooted at ``sweep_seed``.

    Parameters
    ----------
    sweep_seed : int
        The sweep seed.
    params : sequence of (path, value)
        The run's overrides (their order does not matter).
    replication : int
        Replication number, from 0.
    case : str, optional
        The case name, when the sweep has cases.
    seed_mode : {"independent", "common"}
        ``common``: the key is the replication only (common random numbers).
    """
    if seed_mode == "common":
        key: tuple[int, ...] = (int(replication),)
    else:
        content = {"case": case, "params": sorted(([p, v] for p, v in params), key=lambda pv: str(pv[0]))}
        digest = hashlib.sha256(canonical_json(content).encode()).digest()
        words = tuple(int.from_bytes(digest[4 * i: 4 * i + 4], "little") for i in range(4))
        key = words + (int(replication),)
    state = np.random.SeedSequence(sweep_seed, spawn_key=key).generate_state(2, np.uint32)
    return (int(state[0]) | (int(state[1]) << 32)) >> 1

