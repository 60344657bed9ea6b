"""Constraints given as text work everywhere a constraint is accepted.

``pareto_front(df, objectives, where=["drop_rate<=0.01"])``, as docs/sweeps.md writes it, used to raise
``AttributeError: 'str' object has no attribute 'column'``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from edgesim.sweeps import Constraint, pareto_front, pareto_mask
from edgesim.sweeps.constraints import check_columns, constraint_mask, violations
from edgesim.sweeps.errors import SweepError
from edgesim.sweeps.report import render_report
from edgesim.sweeps.summary import configuration_table

OBJ = {"system.avg_power_w": "min", "max_p99_latency_ms": "min"}


def _table() -> pd.DataFrame:
    # b dominates everything on power and latency but drops frames; among the rows meeting drop_rate<=0.01,
    # a (low power) and c (low latency) trade off and d is dominated by a
    return pd.DataFrame({
        "run_id": ["a", "b", "c", "d"], "status": ["ok"] * 4, "compute_units.npu.device": ["x", "y", "z", "w"],
        "system.avg_power_w": [2.0, 1.0, 5.0, 3.0], "max_p99_latency_ms": [50.0, 10.0, 20.0, 60.0],
        "drop_rate": [0.0, 0.2, 0.01, 0.0],
    })


def test_pareto_front_takes_text_constraints_as_the_docs_show():
    df = _table()
    front = pareto_front(df, OBJ, where=["drop_rate<=0.01"])
    assert list(front["run_id"]) == ["a", "c"]  # sorted by the first objective, best first
    same = pareto_front(df, OBJ, where=[Constraint("drop_rate", "<=", 0.01)])
    pd.testing.assert_frame_equal(front, same)
    # without the constraint b (which drops 20% of frames) dominates every other row
    assert list(pareto_front(df, OBJ)["run_id"]) == ["b"]
    # one text alone is one constraint, not a list of characters
    np.testing.assert_array_equal(pareto_mask(df, OBJ, where="drop_rate<=0.01"), [True, False, True, False])


def test_every_constraint_function_takes_text():
    df = _table()
    np.testing.assert_array_equal(constraint_mask(df, ["drop_rate<=0.01", "system.avg_power_w<4"]),
                                  [True, False, False, True])
    assert list(violations(df, ["drop_rate<=0.01"])) == ["", "drop_rate<=0.01", "", ""]
    check_columns(["drop_rate<=0.01"], df.columns)
    with pytest.raises(SweepError, match="no result column 'nope'"):
        check_columns(["nope<=1"], df.columns)
    with pytest.raises(SweepError, match="COLUMN OP VALUE"):
        pareto_front(df, OBJ, where=["drop_rate about 0.01"])
    table = configuration_table(df, ["system.avg_power_w"], where=["drop_rate<=0.01"])
    assert list(table["meets"]) == [True, False, True, True]
    html = render_report(df, table, ["system.avg_power_w"], title="t", objectives=OBJ, where=["drop_rate<=0.01"])
    assert "drop_rate&lt;=0.01" in html or "drop_rate<=0.01" in html


def test_sweep_and_fit_take_text_constraints():
    from edgesim.sweeps import fit, sweep
    from tests.helpers import single_queue

    data = single_queue(fps=50, service_s=0.01, duration_s=2, arrival="periodic", drop_policy="drop_oldest")
    df = sweep(data, {"cameras.cam.fps": [50, 200]}, jobs=1, where="drop_rate<=0.01")
    assert list(df["violates"] == "") == [True, False]  # 200 fps on a 10 ms unit drops half the frames
    result = fit(data, "cameras.cam.fps", 10, 200, constraints="drop_rate<=0.01")
    # capacity 1 / 10 ms = 100 fps; over 2 s the queue of 4 (and the job in service) absorbs up to ~5 frames more
    assert result.value is not None and 100 <= result.value <= 100 + 5 / 2
