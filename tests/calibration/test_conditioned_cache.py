"""The precomputed conditioning of the catalog units (edgesim/catalog/data/conditioned.json, issue 17's start-up).

The stored solutions must be what a fresh fit gives now: every catalog unit with measured points (and every unit of
a shipped scenario) finds its entry,
the entry equals a fresh ``scipy.optimize`` solution, and the file holds nothing else. When the fit, the priors or
the calibration change, these tests fail until ``python experiments/calibrate_catalog.py`` (or its
``--conditioned-only``) is rerun; a run meanwhile fits at run time, never uses a stale solution.
"""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from edgesim import load_scenario
from edgesim.calibration import conditioned, predict
from edgesim.calibration.predict import condition, condition_solution
from edgesim.model import service
from edgesim.model.compile import compile_system
from edgesim.model.service import catalog_condition_solutions, catalog_units, unconditioned_posterior
from tests.helpers import ROOT, SCENARIOS

REGENERATE = "stale: rerun python experiments/calibrate_catalog.py --conditioned-only"


def catalog_cases():
    out = []
    for unit in catalog_units():
        post, points = unconditioned_posterior(unit, {})
        if points:
            out.append((f"{unit.device}/{unit.device_unit}", post, points))
    return out


CASES = catalog_cases()
SHIPPED = [load_scenario(p) for p in sorted(SCENARIOS.glob("*.yaml"))]


def stale_entries(stored: dict, fresh: dict, atol: float = 1e-9) -> list[str]:
    """What differs between a stored file's solutions and fresh ones (empty: up to date)."""
    bad = [f"{v['unit']}: no stored solution" for k, v in fresh.items() if k not in stored]
    bad += [f"{v.get('unit', k)}: stored for inputs no catalog unit has now" for k, v in stored.items() if k not in fresh]
    for key in set(stored) & set(fresh):
        diff = np.max(np.abs(np.asarray(stored[key]["theta"], float) - np.asarray(fresh[key]["theta"], float)))
        if not diff <= atol:
            bad.append(f"{fresh[key]['unit']}: stored theta differs from a fresh fit by {diff:.3g}")
    return bad


def test_the_catalog_has_units_with_points():
    assert len(CASES) >= 5, [c[0] for c in CASES]


def test_the_stored_file_is_exactly_the_fresh_solutions():
    stored = dict(conditioned.load_conditioned())
    assert not stale_entries(stored, catalog_condition_solutions(scenarios=SHIPPED)), REGENERATE


def test_every_shipped_scenario_compiles_without_a_fit(monkeypatch):
    def no_fit(self, post):
        raise AssertionError(f"{post.name}: fitted at run time ({REGENERATE})")

    monkeypatch.setattr(predict._FitInputs, "solve", no_fit)
    for spec in SHIPPED:
        service._CACHE.clear()
        service._PRED_CACHE.clear()
        compile_system(spec)


@pytest.mark.parametrize("label,post,points", CASES, ids=[c[0] for c in CASES])
def test_every_catalog_unit_finds_its_solution_and_it_is_a_fresh_fit(label, post, points):
    key, fresh = condition_solution(post, points)
    stored = conditioned.lookup(key)
    assert stored is not None, f"{label}: {REGENERATE}"
    np.testing.assert_allclose(stored, fresh, rtol=0, atol=1e-9, err_msg=f"{label}: {REGENERATE}")
    # the whole posterior (covariance and anchors are derived from the solution)
    cached, solved = condition(post, points), condition(post, points, use_stored=False)
    np.testing.assert_allclose(cached.theta, solved.theta, rtol=0, atol=1e-9)
    np.testing.assert_allclose(cached.cov, solved.cov, rtol=1e-9, atol=1e-15)
    assert cached.anchors.keys() == solved.anchors.keys()
    assert all(abs(cached.anchors[k] - solved.anchors[k]) <= 1e-9 for k in solved.anchors)
    assert cached.notes == solved.notes and cached.points == solved.points


def test_other_points_miss_and_are_fitted_at_run_time():
    label, post, points = next(c for c in CASES if c[0] == "hailo8/npu")
    moved = [replace(points[0], value=points[0].value * 1.3), *points[1:]]
    key, fresh = condition_solution(post, moved)
    assert conditioned.lookup(key) is None
    got = condition(post, moved)
    np.testing.assert_array_equal(got.theta, fresh)
    assert not np.allclose(got.theta, condition(post, points).theta)
    fewer = points[:1]
    assert conditioned.lookup(condition_solution(post, fewer)[0]) is None


def test_another_prior_misses():
    label, post, points = CASES[0]
    shifted = replace(post, theta=post.theta + 1e-12)
    assert conditioned.lookup(condition_solution(shifted, points)[0]) is None


def test_an_edited_fit_misses_every_entry(monkeypatch):
    keys = [condition_solution(post, points)[0] for _, post, points in CASES]
    monkeypatch.setattr(conditioned, "code_version", lambda: "an edited fit.py")
    assert all(condition_solution(post, points)[0] not in keys for _, post, points in CASES)


def test_the_staleness_check_catches_a_changed_solution(tmp_path):
    fresh = catalog_condition_solutions(scenarios=SHIPPED)
    tampered = {k: dict(v) for k, v in fresh.items()}
    key = sorted(tampered)[0]
    tampered[key]["theta"] = [x + 1e-7 for x in tampered[key]["theta"]]
    path = tmp_path / "conditioned.json"
    conditioned.write_conditioned(path, tampered)
    assert stale_entries(dict(conditioned.load_conditioned(str(path))), fresh) == [
        f"{fresh[key]['unit']}: stored theta differs from a fresh fit by {1e-7:.3g}"]
    del tampered[key]
    conditioned.write_conditioned(path, tampered)
    assert stale_entries(dict(conditioned.load_conditioned(str(path))), fresh) == [f"{fresh[key]['unit']}: no stored solution"]


def test_a_file_of_another_format_is_ignored(tmp_path):
    path = tmp_path / "conditioned.json"
    path.write_text(json.dumps({"format": conditioned.FORMAT + 1, "solutions": {"x": {"theta": [0.0]}}}))
    assert conditioned.load_conditioned(str(path)) == {}
    assert conditioned.load_conditioned(str(tmp_path / "absent.json")) == {}


def test_conditioning_every_catalog_unit_needs_no_optimiser():
    code = ("import sys\nfrom edgesim.model.service import catalog_units, unit_posterior\n"
            "posts = [unit_posterior(u, {}) for u in catalog_units()]\n"
            "print(sum(p.n_own > 0 for p in posts), 'scipy.optimize' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout.split()
    assert out == [str(len(CASES)), "False"]
