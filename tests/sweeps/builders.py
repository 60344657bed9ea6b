"""Small scenarios and helpers shared by the sweep tests."""
from __future__ import annotations

import pandas as pd

from edgesim.sweeps.plan import SweepSpec, parse_domain
from tests.helpers import single_queue

GRID = {"cameras.cam.fps": [20, 50], "compute_units.unit.idle_power_w": [0.5, 1.0]}


def small(**kw) -> dict:
    args = dict(fps=50, service_s=0.01, duration_s=5)
    args.update(kw)
    return single_queue(**args)


def without_wall(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=["wall_s"]).reset_index(drop=True)


def sweep_spec(params: dict, **kw) -> SweepSpec:
    return SweepSpec(scenario=small(), parameters={p: parse_domain(v, "t", p) for p, v in params.items()}, **kw)
