"""Precomputed solutions of conditioning a unit on its measured points, keyed by what they were conditioned on.

Conditioning a unit on its own points (:func:`edgesim.calibration.predict.condition`) solves a small robust
least-squares problem (``scipy.optimize.least_squares``, whose import alone is ~0.3 s of a run's start-up). A
catalog unit's points are fixed by the catalog, so ``experiments/calibrate_catalog.py`` solves them once when it
writes the calibration and stores each solution here (``edgesim/catalog/data/conditioned.json``), under the
:func:`fingerprint` of exactly what the fit was given:

* the engine context (kind, datasheet peak and its precision, memory bandwidth),
* the points as the fit sees them (ops per class, parameters, input elements, precision, batch, measured value),
* each point's network latents (log speed and footprint offsets) and residual scale,
* the prior (mean, spread, covariance) and the starting point,
* the fitting code: the bytes of ``calibration/fit.py`` and ``calibration/prior.py`` and :data:`FORMAT`.

Only the solution ``theta`` is stored: the posterior covariance and the anchors are recomputed from it (no
scipy). A unit whose inputs differ in any bit (a user's own points, a ``catalog_files`` entry, a re-fitted
prior, an edited fit) finds no entry and is solved at run time, so a stale file can cost time, never a wrong
answer; ``tests/test_conditioned_cache.py`` checks that every catalog unit finds its entry and that the entry
equals a fresh solution.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from edgesim.calibration import fit as _fit
from edgesim.calibration import prior as _prior
from edgesim.calibration.fit import EngineContext, GroupData

__all__ = ["FORMAT", "code_version", "conditioned_path", "fingerprint", "load_conditioned", "lookup", "write_conditioned"]

FORMAT = 1
"""Version of the fingerprint and of the file; bump it when :func:`~edgesim.calibration.predict.condition` changes
what it does with the inputs below (the test of the cache catches a forgotten bump)."""


def conditioned_path() -> Path:
    """The shipped file of precomputed solutions (beside ``calibrated.json``)."""
    return Path(str(resources.files("edgesim.catalog") / "data" / "conditioned.json"))


@lru_cache(maxsize=1)
def code_version() -> str:
    """SHA-256 of the fitting code (``fit.py``, ``prior.py``) and :data:`FORMAT`: an edited fit misses every entry."""
    digest = hashlib.sha256(f"format {FORMAT}\n".encode())
    for module in (_fit, _prior):
        try:
            digest.update(Path(str(module.__file__)).read_bytes())
        except OSError:  # no source shipped: never a hit
            digest.update(b"no source")
    return digest.hexdigest()


def _floats(values: Any) -> list[Any]:
    return np.asarray(values, float).tolist()


def fingerprint(ctx: EngineContext, data: GroupData, prior_mean: Sequence[float], prior_sd: Sequence[float],
                prior_cov: np.ndarray, theta0: np.ndarray, log_speed: np.ndarray, log_footprint: np.ndarray,
                obs_sd: np.ndarray) -> str:
    """SHA-256 of every input of the conditioning fit (the module docstring), floats written exactly (``repr``).

    The engine context's ``group`` is a label the fit never reads, so a unit's name does not enter.
    """
    doc = {
        "code": code_version(),
        "ctx": [ctx.kind, ctx.peak_ops_per_s, ctx.reference_precision, ctx.memory_bandwidth_bytes_per_s],
        "ops": _floats(data.ops), "weight_params": _floats(data.weight_params), "input_elems": _floats(data.input_elems),
        "prec_idx": np.asarray(data.prec_idx, int).tolist(), "batch": _floats(data.batch),
        "is_latency": np.asarray(data.is_latency, bool).tolist(), "log_meas": _floats(data.log_meas),
        "canonical": list(data.canonical),
        "prior_mean": _floats(prior_mean), "prior_sd": _floats(prior_sd), "prior_cov": _floats(prior_cov),
        "theta0": _floats(theta0), "log_speed": _floats(log_speed), "log_footprint": _floats(log_footprint),
        "obs_sd": _floats(obs_sd),
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True, allow_nan=True).encode()).hexdigest()


@lru_cache(maxsize=4)
def load_conditioned(path: str | None = None) -> Mapping[str, Mapping[str, Any]]:
    """The stored solutions by fingerprint (empty where the file is absent or of another :data:`FORMAT`)."""
    p = Path(path) if path else conditioned_path()
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("solutions"), dict):
        return {}
    return doc["solutions"]


def lookup(key: str, path: str | None = None) -> np.ndarray | None:
    """The stored solution ``theta`` (log parameters) of fingerprint ``key``, or None."""
    hit = load_conditioned(path).get(key)
    if hit is None:
        return None
    return np.asarray(hit["theta"], float)


def write_conditioned(path: Path, solutions: Mapping[str, Mapping[str, Any]]) -> None:
    """Write ``solutions`` (fingerprint -> ``{"unit": label, "theta": [...]}``) as the file :func:`load_conditioned` reads."""
    about = ["edgesim conditioned catalog units. GENERATED by experiments/calibrate_catalog.py: do not edit.",
             "Per fingerprint of a conditioning fit's inputs (edgesim/calibration/conditioned.py), its solution theta",
             "(natural-log parameters, edgesim.calibration.prior.PARAM_NAMES); a unit whose inputs differ is fitted at run time."]
    doc = {"about": about, "format": FORMAT, "code": code_version(),
           "solutions": {k: dict(v) for k, v in sorted(solutions.items())}}
    path.write_text(json.dumps(doc, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    load_conditioned.cache_clear()
