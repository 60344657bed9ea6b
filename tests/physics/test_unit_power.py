"""physics.power.unit_power_w: the power law of a unit with several servers, checked against PowerModel.power_w."""
from __future__ import annotations

import ast
import math

import pytest

from edgesim.physics.power import DvfsState, PowerModel, UtilizationCurve, unit_power_w
from tests.helpers import ROOT

CURVES = [UtilizationCurve(), UtilizationCurve("power_law", 1.7), UtilizationCurve("power_law", 0.6)]


@pytest.mark.parametrize("curve", CURVES, ids=["linear", "pl1.7", "pl0.6"])
@pytest.mark.parametrize("servers", [1, 3, 8])
def test_equal_jobs_give_the_model_power_at_their_utilization(curve: UtilizationCurve, servers: int) -> None:
    # n jobs that each draw the model's reference dynamic power: P(u = n / N, state) of the model itself
    states = (DvfsState("hi", 2.0e9, 1.0), DvfsState("lo", 1.0e9, 0.8))
    model = PowerModel(1.5, 6.0, curve, states)
    for state in ("hi", "lo"):
        scale = model.dynamic_full_power_w(state) / model.dynamic_full_power_w(None)
        for n in range(servers + 1):
            got = unit_power_w(1.5, scale, n * 6.0, n, servers, curve)
            assert math.isclose(got, model.power_w(n / servers, state), rel_tol=1e-12)


def test_idle_is_static() -> None:
    for curve in CURVES:
        assert unit_power_w(2.0, 0.5, 0.0, 0, 4, curve) == 2.0


def test_linear_is_additive_over_jobs() -> None:
    # each job adds s * P_dyn,j / N, whatever the others draw
    dyn = [3.0, 7.5, 1.25]
    total = unit_power_w(1.0, 0.8, sum(dyn), len(dyn), 4, UtilizationCurve())
    assert math.isclose(total, 1.0 + sum(0.8 * d / 4 for d in dyn), rel_tol=1e-12)


@pytest.mark.parametrize("curve", CURVES, ids=["linear", "pl1.7", "pl0.6"])
def test_one_server_is_static_plus_scaled_dynamic(curve: UtilizationCurve) -> None:
    assert unit_power_w(1.0, 0.7, 5.0, 1, 1, curve) == 1.0 + 0.7 * 5.0


def test_power_law_uses_the_mean_dynamic_power_of_the_running_jobs() -> None:
    curve = UtilizationCurve("power_law", 2.0)
    got = unit_power_w(0.5, 1.0, 4.0 + 8.0, 2, 4, curve)
    assert math.isclose(got, 0.5 + 6.0 * (2 / 4) ** 2, rel_tol=1e-12)


def test_the_sim_calls_the_one_power_law_and_recodes_none() -> None:
    # no copy of P = static + s * dyn * g(u) in the simulator: the unit and the energy meter call unit_power_w
    sim = ROOT / "edgesim" / "sim"
    for path in sorted(sim.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
                names = {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}
                assert not {"static_power_w", "dyn_scale"} <= names, f"{path.name}:{node.lineno}: {ast.unparse(node)}"
    callers = [p.name for p in sorted(sim.rglob("*.py")) if "unit_power_w(" in p.read_text(encoding="utf-8")]
    assert {"core.py", "meter.py"} <= set(callers), callers
