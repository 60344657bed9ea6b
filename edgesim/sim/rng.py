"""One independent random generator per named source, spawned from the scenario seed.

Keyed by the source's name, not its position, so adding a camera leaves every other source's draws unchanged.
"""
from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["source_rng", "stable_key"]


def stable_key(name: str) -> int:
    """A 64-bit integer from a name, so each source's random stream depends on its name, not its position."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")


def source_rng(seed: int, name: str) -> np.random.Generator:
    """The generator of source ``name`` (e.g. ``"camera:cam_0"``) under the scenario ``seed``."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stable_key(name),)))
