"""Golden outputs: every scenario's summary JSON (fixed seed, short run) matches the recorded one.

Numbers must agree to 1e-9 relative; keys may be added but not removed; free-text ``*detail`` strings may be
reworded. Recorded by ``tests/scenarios/golden/record_golden.py`` (exact runs); re-recorded only for a change meant to move
numbers, with the reasons in the commit (the last: the one performance model).
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from tests.scenarios.golden.record_golden import golden_runs, summary_of

GOLDEN = Path(__file__).resolve().parent / "golden"
REL_TOL = 1e-9
FREE_TEXT_SUFFIXES = ("detail",)
MACHINE_KEYS = ("source",)  # the scenario file's absolute path: where the checkout lives, not what it computes


def mismatches(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Every place where ``actual`` departs from ``expected`` (numbers to REL_TOL)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected a mapping, got {actual!r}"]
        out = []
        for key, value in expected.items():
            if key not in actual:
                out.append(f"{path}.{key}: missing")
            elif not key.endswith(FREE_TEXT_SUFFIXES) and not (path == "" and key in MACHINE_KEYS):
                out.extend(mismatches(value, actual[key], f"{path}.{key}"))
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected {len(expected)} items, got {actual!r:.80}"]
        return [m for i, (e, a) in enumerate(zip(expected, actual)) for m in mismatches(e, a, f"{path}[{i}]")]
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        return [] if expected == actual else [f"{path}: expected {expected!r}, got {actual!r}"]
    if isinstance(expected, (int, float)):
        if isinstance(actual, bool) or not isinstance(actual, (int, float)):
            return [f"{path}: expected {expected!r}, got {actual!r}"]
        if math.isclose(expected, actual, rel_tol=REL_TOL, abs_tol=1e-12):
            return []
        return [f"{path}: expected {expected!r}, got {actual!r}"]
    return [] if expected == actual else [f"{path}: expected {expected!r}, got {actual!r}"]


RECORDED = golden_runs()


def test_every_shipped_scenario_has_a_golden_file() -> None:
    missing = [stem for stem, _ in golden_runs() if not (GOLDEN / f"{stem}.json").exists()]
    assert not missing, f"record them with python tests/scenarios/golden/record_golden.py: {missing}"


@pytest.mark.parametrize("stem,duration_s", RECORDED, ids=[s for s, _ in RECORDED])
def test_summary_matches_golden(stem: str, duration_s: float | None) -> None:
    expected = json.loads((GOLDEN / f"{stem}.json").read_text())
    actual = summary_of(stem, duration_s)
    problems = mismatches(expected, actual)
    assert not problems, f"{len(problems)} differences, first: " + "; ".join(problems[:8])


def test_mismatch_finder_catches_a_small_change() -> None:
    assert mismatches({"a": [1.0, {"b": 2.0}]}, {"a": [1.0, {"b": 2.0 * (1 + 1e-8)}]})
    assert not mismatches({"a": 1.0, "x_detail": "old"}, {"a": 1.0 + 1e-12, "x_detail": "new", "extra": 3})
