"""``edgesim calibrate MEASUREMENTS.csv [--devices DEVICES.yaml] [--device NAME] [--out my_catalog.yaml]``: fit devices to measurements.

Reads and validates the file (a bad file ends with one message naming the row and column, exit code 2),
calibrates every engine group (with the shipped public measurements as the background that the kind priors
and model factors are learnt from), prints each fitted group's residuals and the parameters' uncertainty, says
which parameters lacked data and came from the prior, and with ``--out`` writes a catalog file (the devices with
their datasheet fields and your throughput points) that a scenario loads with ``catalog_files: [my_catalog.yaml]``
and uses as ``device: NAME``: every network then runs through the performance model conditioned on your points.
A device the catalog lacks is named by its key in a ``--devices`` catalog file that gives its datasheet fields.
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from edgesim.calibration.calibrate import calibrate
from edgesim.calibration.catalog_entry import user_catalog
from edgesim.calibration.measurements import MeasurementsError, read_measurements
from edgesim.calibration.prior import PARAM_NAMES
from edgesim.catalog import load_catalog
from edgesim.errors import EdgesimError

__all__ = ["main", "register"]


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``calibrate`` on an argparse subparsers object."""
    p = subparsers.add_parser("calibrate", help="fit device performance parameters to measurements (CSV)")
    p.add_argument("measurements", type=Path, help="CSV with the columns of edgesim/catalog/data/measurements.csv")
    p.add_argument("--device", default=None, help="only report groups of this canonical device or catalog key")
    p.add_argument("--out", type=Path, default=None,
                   help="write a catalog file with the devices and your points, for a scenario's catalog_files: (YAML)")
    p.add_argument("--devices", type=Path, action="append", default=[],
                   help="catalog file (devices:) with the datasheet fields of devices the catalog lacks (repeatable)")
    p.add_argument("--no-background", action="store_true", help="do not add the shipped public measurements")
    p.set_defaults(func=main)
    return p


def main(args: argparse.Namespace) -> int:
    """Run the command; 0 on success, 2 on bad input."""
    try:
        catalog = load_catalog(getattr(args, "devices", None) or [])
        points = read_measurements(args.measurements, catalog_keys=catalog.devices)
        background = [] if args.no_background else read_measurements(None, catalog_keys=catalog.devices)
    except (MeasurementsError, EdgesimError) as exc:
        print(f"edgesim: error: {exc}", file=sys.stderr)
        return 2
    user_rows = {(m.group, m.row) for m in points}
    try:
        cal = calibrate(points + [m for m in background if (m.group, m.row) not in user_rows], catalog)
    except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
        # every value passed the reader's checks, yet the fit cannot use them: say so in one line, naming the file
        print(f"edgesim: error: {args.measurements}: the fit failed on these measurements "
              f"({type(exc).__name__}: {' '.join(str(exc).split())})", file=sys.stderr)
        return 2
    own_groups = {m.group for m in points if m.usable}
    for name in sorted(own_groups):
        g = cal.groups.get(name)
        if g is None or g.fit is None or (args.device and args.device not in (g.device, g.catalog_device)):
            continue
        print(f"{name}: {g.fit.summary()}")
        for k, n in enumerate(PARAM_NAMES):
            flag = "  (prior: lacks data)" if n in g.fit.prior_used else ""
            print(f"  {n:24s} {math.exp(g.fit.theta[k]):.4g}  x/÷ {math.exp(g.fit.sd[k]):.3g}{flag}")
        for m, r in zip(g.points, g.fit.residuals):
            print(f"  row {m.row}: {m.model} {m.quantity} measured {m.value:.4g} residual {math.expm1(r):+.1%}")
    skipped = [m for m in points if not m.usable]
    if skipped:
        print(f"{len(skipped)} row(s) not modelled (e.g. row {skipped[0].row}: {skipped[0].skip_reason or 'not a modelled quantity'})")
    if args.out is not None:
        doc, notes = user_catalog(points, catalog)
        for note in notes[:10]:
            print(f"not written: {note}")
        try:
            args.out.write_text(yaml.safe_dump(doc, sort_keys=False, width=160), encoding="utf-8")
        except OSError as exc:
            print(f"edgesim: error: {args.out}: cannot write ({exc.strerror or exc})", file=sys.stderr)
            return 2
        print(f"wrote {args.out}")
    return 0
