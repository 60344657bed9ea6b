"""Power model: utilization curves, DVFS f V^2 scaling, measured mode power and exponential leakage."""
from __future__ import annotations

import math

import pytest

from edgesim.physics.power import DvfsState, PowerModel, UtilizationCurve

STATES = (
    DvfsState("low", frequency_hz=0.6e9, voltage_v=0.7),
    DvfsState("mid", frequency_hz=1.0e9, voltage_v=0.85),
    DvfsState("max", frequency_hz=1.5e9, voltage_v=1.0),
)


@pytest.mark.parametrize("u", [0.0, 0.1, 0.25, 0.5, 0.9, 1.0])
def test_curves(u):
    assert UtilizationCurve("linear").fraction(u) == u
    assert UtilizationCurve("power_law", 2.0).fraction(u) == pytest.approx(u * u, rel=1e-15)
    assert UtilizationCurve("power_law", 0.5).fraction(u) == pytest.approx(math.sqrt(u), rel=1e-15)


def test_curve_validation():
    with pytest.raises(ValueError, match="utilization"):
        UtilizationCurve().fraction(1.01)
    with pytest.raises(ValueError, match="utilization"):
        UtilizationCurve().fraction(-0.01)
    with pytest.raises(ValueError, match="utilization"):
        UtilizationCurve().fraction(math.nan)
    with pytest.raises(ValueError, match="exponent"):
        UtilizationCurve("power_law", 0.0)
    with pytest.raises(ValueError, match="exponent"):
        UtilizationCurve("linear", 2.0)
    with pytest.raises(ValueError, match="kind"):
        UtilizationCurve("cubic")  # type: ignore[arg-type]


def test_single_state_power_is_static_plus_dynamic_times_curve():
    model = PowerModel(static_power_w=1.5, dynamic_power_w=4.0)
    assert model.power_w(0.0) == 1.5
    assert model.power_w(1.0) == 5.5
    assert model.power_w(0.25) == pytest.approx(2.5, rel=1e-15)
    assert model.speed_factor() == 1.0
    quad = PowerModel(1.5, 4.0, curve=UtilizationCurve("power_law", 2.0))
    assert quad.power_w(0.5) == pytest.approx(1.5 + 4.0 * 0.25, rel=1e-15)


def test_dvfs_scales_dynamic_power_with_f_v_squared():
    model = PowerModel(static_power_w=1.0, dynamic_power_w=6.0, states=STATES, reference_state="max")
    assert model.power_w(1.0, "max") == pytest.approx(7.0, rel=1e-15)
    for s in STATES:
        scale = (s.frequency_hz * s.voltage_v**2) / (1.5e9 * 1.0**2)
        assert model.power_w(1.0, s.name) == pytest.approx(1.0 + 6.0 * scale, rel=1e-14)
        assert model.power_w(0.4, s) == pytest.approx(1.0 + 6.0 * scale * 0.4, rel=1e-14)
        assert model.power_w(0.0, s.name) == 1.0  # idle power does not depend on the clock
        assert model.speed_factor(s.name) == pytest.approx(s.frequency_hz / 1.5e9, rel=1e-15)
    # Numbers: low state is 0.4 x f and 0.49 x V^2 -> 0.196 of the dynamic power.
    assert model.power_w(1.0, "low") == pytest.approx(1.0 + 6.0 * 0.196, rel=1e-13)
    assert model.speed_factor("low") == pytest.approx(0.4, rel=1e-15)


def test_reference_state_defaults_to_highest_frequency_and_can_be_lower():
    default = PowerModel(1.0, 6.0, states=STATES)
    assert default.speed_factor() == 1.0 and default.speed_factor("max") == 1.0
    mid_ref = PowerModel(1.0, 3.0, states=STATES, reference_state="mid")
    assert mid_ref.speed_factor("max") == pytest.approx(1.5, rel=1e-15)
    assert mid_ref.power_w(1.0, "max") == pytest.approx(1.0 + 3.0 * 1.5 / 0.85**2, rel=1e-14)
    assert mid_ref.power_w(1.0) == pytest.approx(4.0, rel=1e-15)


def test_frequency_only_scaling_without_voltages():
    states = (DvfsState("a", 1e9), DvfsState("b", 2e9))
    model = PowerModel(0.5, 4.0, states=states, reference_state="b")
    assert model.power_w(1.0, "a") == pytest.approx(0.5 + 2.0, rel=1e-15)


def test_measured_mode_power_overrides_scaling():
    states = (
        DvfsState("MAXN", 1.5e9, 1.0),
        DvfsState("10W", 1.2e9, 0.95, power_w=10.0),
        DvfsState("5W", 0.6e9, 0.8, power_w=5.0),
    )
    model = PowerModel(static_power_w=2.0, dynamic_power_w=12.0, states=states, reference_state="MAXN")
    assert model.power_w(1.0, "10W") == 10.0
    assert model.power_w(1.0, "5W") == 5.0
    assert model.power_w(0.5, "5W") == pytest.approx(2.0 + 3.0 * 0.5, rel=1e-15)
    assert model.power_w(0.0, "5W") == 2.0
    assert model.power_w(1.0, "MAXN") == 14.0
    assert model.speed_factor("5W") == pytest.approx(0.4, rel=1e-15)  # speed still follows the clock


def test_leakage_grows_exponentially_with_temperature():
    model = PowerModel(static_power_w=1.0, dynamic_power_w=3.0, leakage_coeff_per_k=0.02, leakage_ref_temp_c=25.0)
    assert model.power_w(0.0, temp_c=25.0) == 1.0
    assert model.power_w(0.0) == 1.0  # no temperature given: reference conditions
    p = [model.power_w(0.5, temp_c=t) for t in (0.0, 25.0, 50.0, 85.0, 105.0)]
    assert all(a < b for a, b in zip(p, p[1:]))
    assert model.static_power_at_temp_w(85.0) == pytest.approx(math.exp(0.02 * 60.0), rel=1e-15)
    assert model.power_w(1.0, temp_c=85.0) == pytest.approx(math.exp(1.2) + 3.0, rel=1e-15)
    # Doubling every ln(2)/alpha kelvin.
    assert model.static_power_at_temp_w(25.0 + math.log(2) / 0.02) == pytest.approx(2.0, rel=1e-14)
    flat = PowerModel(static_power_w=1.0, dynamic_power_w=3.0)
    assert flat.power_w(0.5, temp_c=100.0) == flat.power_w(0.5, temp_c=0.0) == 2.5


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: PowerModel(-1.0, 1.0), "static_power_w"),
        (lambda: PowerModel(1.0, -1.0), "dynamic_power_w"),
        (lambda: PowerModel(1.0, 1.0, leakage_coeff_per_k=-0.1), "leakage_coeff_per_k"),
        (lambda: PowerModel(1.0, 1.0, states=STATES, reference_state="turbo"), "reference_state"),
        (lambda: PowerModel(1.0, 1.0, reference_state="max"), "reference_state"),
        (lambda: PowerModel(1.0, 1.0, states=(STATES[0], STATES[0])), "duplicate state name"),
        (lambda: PowerModel(1.0, 1.0, states=(DvfsState("a", 1e9, 0.9), DvfsState("b", 2e9))), "voltage_v"),
        (lambda: PowerModel(3.0, 1.0, states=(DvfsState("a", 1e9, power_w=2.0),)), r"states\['a'\].power_w"),
        (lambda: DvfsState("a", 0.0), "frequency_hz"),
        (lambda: DvfsState("a", 1e9, voltage_v=-1.0), "voltage_v"),
        (lambda: DvfsState("a", 1e9, power_w=-1.0), "power_w"),
        (lambda: DvfsState("", 1e9), "name"),
    ],
)
def test_validation_names_the_field(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_unknown_state_raises():
    model = PowerModel(1.0, 6.0, states=STATES)
    with pytest.raises(ValueError, match="unknown DVFS state 'turbo'"):
        model.power_w(0.5, "turbo")
    with pytest.raises(ValueError, match="unknown DVFS state"):
        PowerModel(1.0, 6.0).speed_factor("max")
