"""One power-mode concept (issue 19): the selected ``power_mode`` sets the unit's power budget (its ``power_w`` at
full load) and its clock (``frequency_hz`` over the top mode's), for a measured time, a predicted one and a stated
fraction of peak alike; a mode the runtime cannot honour is refused."""
from __future__ import annotations

import pytest
import yaml

from edgesim.api import scenario_from_dict
from edgesim.errors import EdgesimError
from edgesim.model.compile import compile_system, power_model
from edgesim.model.service import service_time
from tests.helpers import SCENARIOS

BASE = yaml.safe_load((SCENARIOS / "intersection_3cam.yaml").read_text())
NANO_F_MAXN, NANO_F_5W, NANO_IDLE_W = 921.6e6, 640.0e6, 1.0  # the catalog's jetson_nano power_modes and idle power


def scenario(width_px=224, **unit):
    data = dict(BASE)
    data["models"] = [{"name": "r50", "catalog": "resnet50", "precision": "fp16"}]
    data["cameras"] = [dict(BASE["cameras"][0], width_px=width_px, height_px=224)]
    data["compute_units"] = [{"name": "gpu", "device": "jetson_nano", **unit}]
    data["streams"] = [{"camera": "cam", "model": "r50", "unit": "gpu"}]
    return scenario_from_dict(data)


def estimate(width_px=224, **unit):
    spec = scenario(width_px, **unit)
    models = {m.name: m for m in spec.models}
    return spec.compute_units[0], service_time(spec.compute_units[0], models["r50"], width_px * 224, models, width_px, 224)


@pytest.mark.parametrize("width_px", [224, 320], ids=["measured", "predicted"])
def test_5w_against_maxn_scales_time_by_the_clock_and_power_to_the_budget(width_px):
    unit_max, maxn = estimate(width_px, power_mode="MAXN")
    unit_5w, low = estimate(width_px, power_mode="5W")
    _, ref = estimate(width_px)
    assert maxn.service_s == ref.service_s and maxn.active_power_w == ref.active_power_w  # MAXN is the reference
    assert maxn.source == ref.source == ("measured" if width_px == 224 else "calibrated")
    ratio = low.service_s / maxn.service_s
    # compute and per-call costs scale with 1/clock; the input stream over the memory bandwidth does not
    assert 1.0 < ratio <= NANO_F_MAXN / NANO_F_5W + 1e-12 and ratio > 0.95 * NANO_F_MAXN / NANO_F_5W
    dyn_scale = (5.0 - NANO_IDLE_W) / (10.0 - NANO_IDLE_W)
    assert low.active_power_w == pytest.approx(NANO_IDLE_W + (maxn.active_power_w - NANO_IDLE_W) * dyn_scale, rel=1e-12)
    assert power_model(unit_5w).dynamic_power_w == pytest.approx(5.0 - NANO_IDLE_W, rel=1e-12)
    assert power_model(unit_max).dynamic_power_w == pytest.approx(10.0 - NANO_IDLE_W, rel=1e-12)
    assert "power mode 5W" in low.detail


def test_the_measured_and_the_predicted_time_scale_alike():
    _, m_ref = estimate(224)
    _, m_5w = estimate(224, power_mode="5W")
    _, p_ref = estimate(226)
    _, p_5w = estimate(226, power_mode="5W")
    assert m_ref.source == "measured" and p_ref.source == "calibrated"
    assert m_5w.service_s / m_ref.service_s == pytest.approx(p_5w.service_s / p_ref.service_s, rel=1e-3)


def test_a_stated_fraction_of_peak_scales_with_the_clock():
    _, ref = estimate(224, efficiency_by_model={"r50": 0.3}, measured=[])
    _, low = estimate(224, efficiency_by_model={"r50": 0.3}, measured=[], power_mode="5W")
    assert ref.source == low.source == "analytic"
    assert (low.service_s - low.overhead_s) / (ref.service_s - ref.overhead_s) == pytest.approx(NANO_F_MAXN / NANO_F_5W, rel=1e-12)
    assert low.active_power_w == 5.0 and ref.active_power_w == 10.0


def test_the_simulated_run_follows_the_mode():
    fast = compile_system(scenario(power_mode="MAXN")).units[0]
    slow = compile_system(scenario(power_mode="5W")).units[0]
    assert slow.power.dynamic_power_w < fast.power.dynamic_power_w


def test_a_mode_without_a_budget_is_refused():
    data = dict(BASE)
    data["compute_units"] = [{"name": "npu", "device": "jetson_agx_xavier", "power_mode": "MAXN"}]
    with pytest.raises(EdgesimError, match=r"power_mode.*no power_w"):
        compile_system(scenario_from_dict(data))


def test_a_mode_with_dvfs_states_is_refused():
    with pytest.raises(EdgesimError, match="power_mode: '5W' with dvfs_states"):
        scenario(power_mode="5W", dvfs_states=[{"name": "a", "frequency_hz": 9e8}])
