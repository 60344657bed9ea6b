"""How well does the calibrated performance model predict public measurements it did not see?

Leave-one-out (LOO) and leave-one-device-out (LODO) cross-validation over the public measurements shipped in
``edgesim/catalog/data/measurements.csv`` (see ``edgesim/calibration/validate.py`` for the exact protocol and
its stated second-order leak). Errors are ``|predicted / measured - 1|``. Power: the catalog's measured points
with a power figure, predicted by ``edgesim.calibration.predict.predict_service`` without that point's power.

    python experiments/prediction_accuracy.py [--fast] [--json]

``--fast`` refits the engine of each held-out point with a few warm-started iterations (the full run lets
each refit converge); both hold out every point. ``--json`` prints exactly one JSON object.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from edgesim.calibration.calibrate import calibrate
from edgesim.calibration.measurements import read_measurements
from edgesim.calibration.model_features import profile_from_counts
from edgesim.calibration.predict import predict_service
from edgesim.calibration.validate import HeldOut, lodo, loo, two_fold_coverage
from edgesim.catalog import load_catalog


def stats(errs: list[float]) -> dict[str, float | int | None]:
    if not errs:
        return {"median_abs_err": None, "p90_abs_err": None, "n": 0}
    a = np.asarray(errs)
    return {"median_abs_err": round(float(np.median(a)), 4), "p90_abs_err": round(float(np.percentile(a, 90)), 4), "n": len(errs)}


def power_check(catalog) -> list[float]:
    """Predicted busy power vs the catalog's measured power points (the point's own power is not used)."""
    errs = []
    for dev_name, dev in catalog.devices.items():
        for unit_name, unit in dev.units.items():
            for p in list(unit.measured) + list(unit.other_measurements):
                if p.power_w is None or p.model not in catalog.models:
                    continue
                m = catalog.models[p.model]
                prof = profile_from_counts(p.model, p.model, m.ops_per_inference, float(m.params or 0), m.ref_width_px,
                                           m.ref_height_px, "catalog")
                s = predict_service(dev_name, unit_name, prof, p.width_px or m.ref_width_px, p.height_px or m.ref_height_px,
                                    p.precision or "int8", p.batch or 1)
                errs.append(abs(s.power_w / p.power_w - 1.0))
    return errs


def table(rows: list[HeldOut], key) -> list[tuple[str, dict]]:
    by: dict[str, list[float]] = defaultdict(list)
    for h in rows:
        by[key(h)].append(h.abs_err)
    return sorted(((k, stats(v)) for k, v in by.items()), key=lambda t: -t[1]["n"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fast", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    catalog = load_catalog()
    points = read_measurements(catalog_keys=catalog.devices)
    cal = calibrate(points, catalog)
    held = loo(cal, stride=1, max_nfev=8 if args.fast else 200)
    out_dev = lodo(cal)
    power = power_check(catalog)
    result = {
        "loo": {"throughput": stats([h.abs_err for h in held if h.quantity == "throughput"]),
                "latency": stats([h.abs_err for h in held if h.quantity == "latency"]),
                "power": stats(power)},
        "lodo": {"throughput": stats([h.abs_err for h in out_dev if h.quantity == "throughput"]),
                 "latency": stats([h.abs_err for h in out_dev if h.quantity == "latency"])},
        "interval_coverage": round(two_fold_coverage(held), 4),
    }
    if args.json:
        print(json.dumps(result))
        return 0
    print(json.dumps(result, indent=1))
    for title, rows, key in (("LOO by device", held, lambda h: h.device), ("LOO by model family", held, lambda h: h.family),
                             ("LOO by category", held, lambda h: h.category), ("LODO by device", out_dev, lambda h: h.device)):
        print(f"\n### {title}\n\n| {title.split(' by ')[1]} | n | median abs err | p90 abs err |\n|---|---|---|---|")
        for k, s in table(rows, key):
            print(f"| {k} | {s['n']} | {s['median_abs_err']:.3f} | {s['p90_abs_err']:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
