"""The white paper's worked numbers and the round trips between its formulas."""
from __future__ import annotations

import pytest

from edgesim.physics.whitepaper import (
    battery_life_h,
    efficiency_ops_per_j,
    max_capacity_for_battery_life,
    max_capacity_for_power_budget,
    max_capacity_for_thermal_resistance,
    required_capacity_ops_per_s,
    required_thermal_resistance_from_efficiency,
    required_thermal_resistance_k_per_w,
)

RESNET50_OPS_PER_PIXEL = 150_000  # white paper, note i


def test_two_megapixel_camera_needs_9_tops():
    # 30 FPS x 2 MP = 60 MP/s, x 150k ops/pixel = 9e12 ops/s.
    assert required_capacity_ops_per_s(30, 2_000_000, 1, RESNET50_OPS_PER_PIXEL) == 9e12
    assert required_capacity_ops_per_s(30, 1600, 1250, RESNET50_OPS_PER_PIXEL) == 9e12


def test_five_megapixel_camera_needs_22_5_tops():
    assert required_capacity_ops_per_s(30, 5_000_000, 1, RESNET50_OPS_PER_PIXEL) == 22.5e12


def test_intersection_three_cameras_three_networks():
    # 3 cameras x 640 x 480 x 30 FPS x 3 networks x 150k = 12,441,600,000,000 ops/s exactly.
    exact = 3 * 640 * 480 * 30 * 3 * 150_000
    assert exact == 12_441_600_000_000
    assert required_capacity_ops_per_s(30, 640, 480, RESNET50_OPS_PER_PIXEL, n_streams=9) == exact
    # The paper rounds 640 x 480 to 300k pixels: 12.15e12, "12 TOPS".
    assert required_capacity_ops_per_s(30, 300_000, 1, RESNET50_OPS_PER_PIXEL, n_streams=9) == 12.15e12


def test_efficiency_and_power_budget_round_trip():
    eff = efficiency_ops_per_j(26e12, 2.5)
    assert eff == pytest.approx(10.4e12, rel=1e-15)  # 10.4 TOPS/W
    assert max_capacity_for_power_budget(eff, 2.5) == pytest.approx(26e12, rel=1e-15)
    # Hailo-8 ResNet-50 measurement: 1328.8 FPS at 3.19 W -> FPS/W.
    assert efficiency_ops_per_j(1328.8, 3.19) == pytest.approx(416.55, rel=1e-4)


@pytest.mark.parametrize("power_w", [0.5, 2.5, 10.0, 30.0])
def test_thermal_resistance_round_trip(power_w):
    r = required_thermal_resistance_k_per_w(105.0, 85.0, power_w)
    assert r == pytest.approx(20.0 / power_w, rel=1e-15)
    eff = 4e12  # ops/J
    capacity = eff * power_w
    assert required_thermal_resistance_from_efficiency(105.0, 85.0, eff, capacity) == pytest.approx(r, rel=1e-15)
    assert max_capacity_for_thermal_resistance(105.0, 85.0, eff, r) == pytest.approx(capacity, rel=1e-15)


def test_battery_life_laptop_example():
    # 50 Wh laptop: 2 h in active use means 25 W; cutting power by 1/3 gives 3 h.
    assert battery_life_h(50.0, 25.0) == 2.0
    assert battery_life_h(50.0, 25.0 * 2.0 / 3.0) == pytest.approx(3.0, rel=1e-15)
    assert battery_life_h(50.0, 25.0, usable_fraction=0.8) == pytest.approx(1.6, rel=1e-15)


def test_max_capacity_for_battery_life():
    eff = 5e12
    # 50 Wh over 10 h = 5 W; 90 % converter -> 4.5 W of load; platform takes 3 W; AI gets 1.5 W.
    c = max_capacity_for_battery_life(eff, 50.0, 10.0, platform_power_w=3.0, dcdc_efficiency=0.9)
    assert c == pytest.approx(eff * 1.5, rel=1e-12)
    assert max_capacity_for_battery_life(eff, 50.0, 10.0) == pytest.approx(eff * 5.0, rel=1e-15)
    with pytest.raises(ValueError, match="platform_power_w"):
        max_capacity_for_battery_life(eff, 50.0, 10.0, platform_power_w=4.5, dcdc_efficiency=0.9)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: required_thermal_resistance_k_per_w(85.0, 85.0, 1.0), "tj_c"),
        (lambda: required_thermal_resistance_k_per_w(80.0, 85.0, 1.0), "tj_c"),
        (lambda: required_thermal_resistance_k_per_w(105.0, 85.0, 0.0), "power_w"),
        (lambda: max_capacity_for_thermal_resistance(105.0, 85.0, 1e12, 0.0), "resistance_k_per_w"),
        (lambda: required_thermal_resistance_from_efficiency(105.0, 85.0, 1e12, 0.0), "capacity_ops_per_s"),
        (lambda: efficiency_ops_per_j(1e12, -1.0), "power_w"),
        (lambda: efficiency_ops_per_j(-1.0, 1.0), "capacity_ops_per_s"),
        (lambda: required_capacity_ops_per_s(0, 640, 480, 1.0), "fps"),
        (lambda: required_capacity_ops_per_s(30, 640, 480, 1.0, n_streams=0), "n_streams"),
        (lambda: required_capacity_ops_per_s(30, 640, 480, 1.0, n_streams=1.5), "n_streams"),
        (lambda: battery_life_h(50.0, 0.0), "average_power_w"),
        (lambda: battery_life_h(50.0, 1.0, usable_fraction=1.2), "usable_fraction"),
        (lambda: max_capacity_for_power_budget(1e12, 0.0), "power_budget_w"),
        (lambda: max_capacity_for_battery_life(1e12, 50.0, 0.0), "life_h"),
        (lambda: max_capacity_for_battery_life(1e12, 50.0, 1.0, dcdc_efficiency=0.0), "dcdc_efficiency"),
    ],
)
def test_non_physical_inputs_raise(call, match):
    with pytest.raises(ValueError, match=match):
        call()
