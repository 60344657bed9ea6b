"""The test suite's shared setup: the hypothesis profile, a marker per folder, and the ``make_scenario`` fixture.

The helpers tests import (``ROOT``, ``SCENARIOS``, ``single_queue``) live in ``tests/helpers.py``.
"""
from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest
from hypothesis import settings

from tests.helpers import single_queue

os.environ.setdefault("MPLBACKEND", "Agg")

# Hypothesis: the same examples on every machine, and no hidden example database.
#
# Decided: the "deterministic" profile is loaded always (on CI and locally), not only when ``CI`` is set. With
# the default settings each machine draws its own random examples and keeps the failing ones in a local
# ``.hypothesis/`` directory that it replays first on the next run; so a failure seen on a fresh clone (a
# KiBaM brentq failure, once) could pass on a developer's machine, or fail there silently from a replayed
# example nobody else had. ``derandomize=True`` draws the examples from each test's own source, so a commit
# runs the same examples everywhere, and ``database=None`` keeps no state between runs: a failure is reported
# (with its example and ``print_blob`` to reproduce it), never replayed from a file. To explore new random
# examples locally, run with ``EDGESIM_HYPOTHESIS=explore`` (random draws, still no database); a failure found
# there is then pinned with ``@example``.
settings.register_profile("deterministic", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, database=None, print_blob=True)
settings.load_profile(os.environ.get("EDGESIM_HYPOTHESIS", "deterministic"))

TESTS = Path(__file__).resolve().parent


def folder_marker(path: Path) -> str | None:
    """The marker of a test file: the name of its folder directly under ``tests/`` (``tests/physics/x.py``: physics)."""
    parts = path.resolve().relative_to(TESTS).parts
    return parts[0] if len(parts) > 1 else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test by its folder, as PyBaMM does, so ``pytest -m physics`` selects what ``pytest tests/physics`` runs.

    The markers are registered in pyproject.toml (an unregistered one warns); tests/architecture/test_tests_layout.py
    checks that every folder has one.
    """
    for item in items:
        name = folder_marker(Path(str(item.path)))
        if name is not None:
            item.add_marker(getattr(pytest.mark, name))


@pytest.fixture
def make_scenario():
    def make(**kwargs):
        return copy.deepcopy(single_queue(**kwargs))
    return make
