"""Never silently wrong at the numerical extremes: zero, denormal and huge values, zero-length intervals.

Two halves:

- the physics has a *defined* answer at each extreme, pinned against its analytic limit (a KiBaM battery under a
  vanishing load is the ideal battery; zero power never empties a battery; a zero-length step changes nothing; a
  root-finder given a bracket without a sign change says so instead of returning garbage);
- a property test over 1,000 random scenarios whose numbers are drawn from 1e-300 (and the smallest doubles where
  the schema allows 0) up to the schema's bounds (``edgesim/spec/schema.py``): ``edgesim.simulate`` either runs or
  raises an :class:`edgesim.EdgesimError` (one line naming the field), never a raw ``RuntimeError``,
  ``ZeroDivisionError``, ``OverflowError`` or ``ValueError`` from deep inside scipy.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import edgesim
from edgesim.errors import EdgesimError
from edgesim.physics.ambient import PiecewiseLinearAmbient
from edgesim.physics.battery import IdealBattery, KiBaMBattery, KiBaMState, PeukertBattery
from edgesim.physics.dvfs import DvfsEnergyModel, VfPoint
from edgesim.physics.leakage import ExpLeakageNode
from edgesim.physics.numerics import bisect_root, bracketed_root, exp_or_inf
from edgesim.physics.power import PowerModel
from edgesim.physics.sleep import SleepState
from edgesim.physics.thermal import ThermalNetwork, rc_step_temp_c, rc_time_to_reach_s
from edgesim.spec import schema

DENORMAL_W = 2.2e-311  # the load that once made brentq fail in KiBaM.time_to_cutoff_s (a fresh-clone CI failure)
TINY = 5e-324  # the smallest positive double


# ---------------------------------------------------------------------------------------------- batteries
@pytest.mark.parametrize("power_w", [0.0, TINY, DENORMAL_W, 1e-300])
def test_kibam_tiny_load_is_the_ideal_battery_limit(power_w: float) -> None:
    """As P -> 0, KiBaM's time to cut-off tends to the ideal battery's usable energy / P (the lag (1-c)/(c k') is
    below one ulp), and is inf once that quotient passes the largest double, or at zero power."""
    kibam = KiBaMBattery(capacity_wh=1.0, nominal_voltage_v=3.7, c=0.5, k_per_s=0.01, cutoff_soc=0.1)
    ideal = IdealBattery(capacity_wh=1.0, cutoff_soc=0.1)
    t_kibam = kibam.time_to_cutoff_s(kibam.initial_state(), power_w)
    t_ideal = ideal.time_to_cutoff_s(ideal.initial_state(), power_w)
    expected = 0.9 * 3600.0 / power_w if power_w > 0.0 else math.inf  # 0.9 Wh usable, in J, over P
    assert t_ideal == pytest.approx(expected, rel=1e-15)
    if math.isinf(expected):
        assert t_kibam == math.inf
    else:
        assert t_kibam == pytest.approx(t_ideal, rel=1e-12)


def test_kibam_time_to_cutoff_of_zero_power_is_inf() -> None:
    kibam = KiBaMBattery(capacity_wh=1.0, nominal_voltage_v=3.7, c=0.5, k_per_s=0.01)
    assert kibam.time_to_cutoff_s(kibam.initial_state(), 0.0) == math.inf
    # and at rest a full battery stays full for any time (no drift from the closed form)
    rest = kibam.step(kibam.initial_state(), 0.0, 1e9)
    assert rest.y1_coulomb == pytest.approx(kibam.initial_state().y1_coulomb, rel=1e-15)


def test_kibam_long_time_crossing_matches_the_closed_form_line() -> None:
    """Away from the transient, the crossing is exactly t = (c y0 - level - I (1 - c) / k') / (c I)."""
    kibam = KiBaMBattery(capacity_wh=10.0, nominal_voltage_v=3.7, c=0.3, k_per_s=0.01)
    power_w = 1e-3
    current_a = power_w / 3.7
    y0 = kibam.capacity_coulomb
    kp = kibam.k_prime_per_s
    expected = (0.3 * y0 - current_a * 0.7 / kp) / (0.3 * current_a)
    assert kibam.time_to_cutoff_s(kibam.initial_state(), power_w) == pytest.approx(expected, rel=1e-13)
    # and the state at that instant has the available well at the cut-off (here 0)
    end = kibam.evolve(kibam.initial_state(), current_a, expected)
    assert abs(end.y1_coulomb) <= 1e-9 * y0


@pytest.mark.parametrize("power_w", [1e6, 1e300, 1.7e308])
def test_kibam_huge_load_empties_at_once_not_never(power_w: float) -> None:
    """A huge load drains the available well in about y1 / I (the bound well cannot follow): finite and tiny."""
    kibam = KiBaMBattery(capacity_wh=1.0, nominal_voltage_v=3.7, c=0.5, k_per_s=0.01)
    state = kibam.initial_state()
    t_s = kibam.time_to_cutoff_s(state, power_w)
    t_bare_s = state.y1_coulomb / (power_w / 3.7)
    # the bound well refills y1 by a fraction of order k' t during the drain
    assert t_s == pytest.approx(t_bare_s, rel=max(1e-13, kibam.k_prime_per_s * t_bare_s))
    assert t_s >= t_bare_s
    after = kibam.step(state, power_w, 1.0)  # cut at the dry instant, then relaxing: never nan
    assert math.isfinite(after.y1_coulomb) and math.isfinite(after.y2_coulomb)
    # what is left is the bound well, less what it passed to y1 during the drain (order k' t)
    assert after.y1_coulomb + after.y2_coulomb == pytest.approx(state.y2_coulomb, rel=max(1e-12, 2.0 * kibam.k_prime_per_s * t_s))


@pytest.mark.parametrize("battery", [IdealBattery(1.0), PeukertBattery(1.0, 3.7, 1.2, 20.0),
                                     KiBaMBattery(1.0, 3.7, 0.5, 0.01)], ids=["ideal", "peukert", "kibam"])
@pytest.mark.parametrize("power_w", [0.0, TINY, DENORMAL_W, 1.0, 1e300])
def test_zero_length_step_changes_nothing(battery: Any, power_w: float) -> None:
    state = battery.initial_state()
    assert battery.step(state, power_w, 0.0) == state


@pytest.mark.parametrize("dt_s", [math.inf, math.nan, -1.0])
def test_battery_step_refuses_a_non_finite_or_negative_interval(dt_s: float) -> None:
    kibam = KiBaMBattery(1.0, 3.7, 0.5, 0.01)
    with pytest.raises(ValueError, match="dt_s"):
        kibam.step(kibam.initial_state(), 1.0, dt_s)


def test_peukert_extremes_are_defined() -> None:
    """Peukert's (I / I_rated)^(k-1) overflows for a tiny rated current and underflows for a tiny load: the drain
    is then inf (time to cut-off 0) or 0 (time to cut-off inf), never an OverflowError."""
    bat = PeukertBattery(capacity_wh=1e-9, nominal_voltage_v=1e4, peukert_exponent=10.0, rated_hours=1e9)
    full = bat.initial_state()
    assert bat.time_to_cutoff_s(full, 1e300) == 0.0
    assert bat.step(full, 1e300, 1.0).energy_j == 0.0
    assert bat.time_to_cutoff_s(full, DENORMAL_W) == math.inf
    assert bat.effective_current_a(1e300) == math.inf


def test_kibam_step_from_a_dry_well_gives_the_load_nothing() -> None:
    kibam = KiBaMBattery(1.0, 3.7, 0.5, 0.01)
    dry = KiBaMState(0.0, 400.0)
    after = kibam.step(dry, 1e6, 10.0)
    # no current drawn: the charge is conserved and flows from the bound well into the available one
    assert after.y1_coulomb + after.y2_coulomb == pytest.approx(400.0, rel=1e-14)
    assert after.y1_coulomb > 0.0


# ---------------------------------------------------------------------------------------------- root-finding
def test_bracketed_root_ends_and_sign_checks() -> None:
    assert bracketed_root(lambda t: t - 1.0, 1.0, 2.0) == 1.0  # a root at an end is that end
    assert bracketed_root(lambda t: t - 2.0, 1.0, 2.0) == 2.0
    with pytest.raises(ValueError, match="change sign"):
        bracketed_root(lambda t: t + 1.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="finite"):
        bracketed_root(lambda t: t - 1.0, 0.0, math.inf)


def test_bracketed_root_over_600_decades_bisects_to_the_root() -> None:
    """A bracket spanning [0, 1e300] around a root at 1e-300 (brentq's 200 iterations may stall): bisection
    finishes it, to adjacent doubles."""
    root = bracketed_root(lambda t: t - 1e-300, 0.0, 1e300, xtol=5e-324, maxiter=5)
    assert root == pytest.approx(1e-300, rel=1e-12)
    assert bisect_root(lambda t: t * t - 2.0, 0.0, 2.0) == pytest.approx(math.sqrt(2.0), rel=1e-15)


def test_bisect_treats_an_overflowing_function_as_past_the_crossing() -> None:
    root = bisect_root(lambda t: math.inf if t > 2.0 else t - 1.0, 0.0, 1e300)
    assert root == pytest.approx(1.0, rel=1e-15)


# ---------------------------------------------------------------------------------------------- thermal
def test_rc_zero_interval_and_infinite_interval() -> None:
    assert rc_step_temp_c(30.0, 25.0, 2.0, 10.0, 1.0, 0.0) == 30.0
    assert rc_step_temp_c(30.0, 25.0, 2.0, 10.0, 1.0, 1e300) == pytest.approx(45.0, rel=1e-15)  # steady state
    assert rc_time_to_reach_s(30.0, 25.0, 0.0, 10.0, 1.0, 30.0) == 0.0
    # a denormal power: the node cools towards 25 C (+ 5e-323 K): never 20 C, 27 C after -RC ln(2/5)
    assert rc_time_to_reach_s(30.0, 25.0, TINY, 10.0, 1.0, 20.0) == math.inf
    assert rc_time_to_reach_s(30.0, 25.0, TINY, 10.0, 1.0, 27.0) == pytest.approx(-10.0 * math.log(0.4), rel=1e-15)


def test_network_time_to_reach_with_a_denormal_power_is_inf_not_an_error() -> None:
    net = ThermalNetwork(["a", "b"], [1.0, 2.0], 25.0, resistance_k_per_w={("a", "b"): 1.0},
                         ambient_resistance_k_per_w={"b": 5.0})
    t0 = np.array([25.0, 25.0])
    assert net.time_to_reach_s(t0, np.array([DENORMAL_W, 0.0]), "a", 60.0) == math.inf
    assert net.time_to_reach_s(t0, np.array([1e6, 0.0]), "a", 60.0) == pytest.approx(35.0 * 1.0 / 1e6, rel=1e-3)
    np.testing.assert_array_equal(net.step(t0, np.array([1.0, 1.0]), 0.0), t0)


# ---------------------------------------------------------------------------------------------- leakage
def test_exp_or_inf_saturates() -> None:
    assert exp_or_inf(0.0) == 1.0
    assert exp_or_inf(709.0) == math.exp(709.0)
    assert exp_or_inf(710.0) == math.inf
    assert exp_or_inf(-math.inf) == 0.0


def test_exponential_leakage_far_above_its_reference_is_runaway_not_an_overflow() -> None:
    """k = 10 /K at 1000 C (the schema's bounds): exp(9750) overflows; the leakage is inf, the node in runaway."""
    node = ExpLeakageNode(resistance_k_per_w=10.0, capacity_j_per_k=1.0, ambient_c=25.0, leakage_ref_w=0.1,
                          leakage_coeff_per_k=10.0)
    assert node.leakage_power_w(1000.0) == math.inf
    assert node.fixed_points(1e6) is None  # T_amb + P R = 1e7 C: no equilibrium
    assert node.is_runaway(1e6)
    step = node.advance(25.0, 1e6, 1.0)
    assert step.temp_c == math.inf  # the documented runaway answer


def test_critical_power_when_the_product_underflows_is_the_same_logarithm() -> None:
    """``ln(1 / (e R P0 k))`` equals ``-(1 + ln R + ln P0 + ln k)``; the sum form is used where the product is 0."""
    ordinary = ExpLeakageNode(10.0, 1.0, 25.0, 0.1, 0.05)
    r, p0, k = 10.0, 0.1, 0.05
    assert ordinary.critical_power_w() == (math.log(1.0 / (math.e * r * p0 * k)) / k - 25.0 + 25.0) / r
    tiny = ExpLeakageNode(1e-200, 1.0, 25.0, 1e-200, 1e-20)  # e R P0 k = 2.7e-420: underflows to 0
    expected = (-(1.0 + math.log(1e-200) + math.log(1e-200) + math.log(1e-20)) / 1e-20) / 1e-200
    assert tiny.critical_power_w() == pytest.approx(expected, rel=1e-12)


def test_static_power_at_a_runaway_temperature_is_inf() -> None:
    model = PowerModel(static_power_w=1.0, dynamic_power_w=1.0, leakage_coeff_per_k=10.0)
    assert model.static_power_at_temp_w(1000.0) == math.inf
    assert model.static_power_at_temp_w(25.0) == 1.0


def test_ambient_csv_with_bom_crlf_and_bad_content(tmp_path: Path) -> None:
    path = tmp_path / "ambient.csv"
    path.write_bytes(b"\xef\xbb\xbftime_s,temp_c\r\n0,20\r\n3600,30\r\n")
    profile = PiecewiseLinearAmbient.from_csv(path)
    assert profile.temp_c(1800.0) == pytest.approx(25.0, rel=1e-15)
    path.write_bytes(b"time_s,temp_c\n0,20\n3600,nan\n")
    with pytest.raises(ValueError, match="finite"):
        PiecewiseLinearAmbient.from_csv(path)
    path.write_bytes(bytes(range(256)))
    with pytest.raises(ValueError, match="binary content"):
        PiecewiseLinearAmbient.from_csv(path)


def test_static_power_of_a_huge_voltage_ratio_is_inf_not_an_overflow() -> None:
    model = DvfsEnergyModel(switched_capacitance_f=1e-9, static_power_ref_w=1.0, ref_voltage_v=1e-3,
                          static_voltage_exponent=100.0)
    assert model.static_power_w(VfPoint(1e9, 1e4)) == math.inf  # (1e7)^100
    assert model.static_power_w(VfPoint(1e9, 1e-3)) == 1.0


# ---------------------------------------------------------------------------------------------- sleep
@pytest.mark.parametrize("gap_s", [2.0, 1e9, 1e300])
def test_wake_delay_after_a_long_gap_is_the_wake_latency(gap_s: float) -> None:
    """Asleep long before the next job, the job waits exactly ``wake_s`` (it once cancelled to 0 after 1e300 s)."""
    state = SleepState(idle_power_w=1.0, sleep_power_w=0.1, timeout_s=0.5, entry_s=0.25, wake_s=1e-3)
    gap = state.idle_gap(gap_s)
    assert gap.slept and gap.wake_delay_s == 1e-3
    assert gap.energy_j == pytest.approx(0.5 + 0.1 * (gap_s - 0.75), rel=1e-12)
    assert state.idle_gap(0.0).energy_j == 0.0  # a zero-length gap costs nothing


# ---------------------------------------------------------------------------------------------- simulate
def _tiny_scenario(**unit: Any) -> dict[str, Any]:
    base_unit = {"name": "u", "kind": "npu", "idle_power_w": 0.0, "max_power_w": 1.0, "peak_ops_per_s": {"int8": 1e10},
                 "efficiency": 0.5}
    base_unit.update(unit)
    return {
        "name": "extreme", "duration_s": 0.05, "seed": 1,
        "cameras": [{"name": "c", "width_px": 8, "height_px": 8, "fps": 100.0}],
        "models": [{"name": "m", "ops_per_pixel": 1000.0}],
        "compute_units": [base_unit],
        "streams": [{"camera": "c", "model": "m", "unit": "u"}],
    }


def test_kibam_battery_under_a_denormal_load_runs() -> None:
    """The fresh-clone failure: a KiBaM battery under a 2.2e-311 W load made brentq fail inside simulate."""
    data = _tiny_scenario(idle_power_w=DENORMAL_W, max_power_w=DENORMAL_W)
    data["battery"] = {"model": "kibam", "capacity_wh": 1.0, "kibam_k_per_s": 0.01, "nominal_voltage_v": 3.7}
    summary = edgesim.simulate(edgesim.scenario_from_dict(data)).summary
    assert summary["duration_s"] == pytest.approx(0.05)  # the battery does not run out
    assert summary["system"]["energy_j"] == pytest.approx(DENORMAL_W * 0.05, rel=1e-9, abs=0.0)


def test_cold_leaky_scenario_with_a_denormal_radio_runs() -> None:
    """The shape of the failing ``test_energy_is_never_negative_in_a_cold_ambient`` example: idle units (0 W), a
    2.2e-311 W platform load between frames, linear leakage clamped in a -10 C ambient, a KiBaM battery. It raised
    ``RuntimeError: Failed to converge after 200 iterations`` from brentq; now the battery simply outlasts the run."""
    data = _tiny_scenario(max_power_w=0.5, thermal_node="j", leakage_w_per_k=0.02)
    data.update(duration_s=0.5, platform_loads=[{"name": "radio", "power_w": DENORMAL_W}],
                thermal={"ambient_c": -10.0, "nodes": [{"name": "j", "capacity_j_per_k": 1.0}],
                         "links": [{"between": ["j", "ambient"], "resistance_k_per_w": 3.0}]},
                battery={"model": "kibam", "capacity_wh": 1.0, "kibam_k_per_s": 0.01})
    data["cameras"][0]["fps"] = 10.0
    summary = edgesim.simulate(edgesim.scenario_from_dict(data)).summary
    assert summary["duration_s"] == pytest.approx(0.5)
    unit = summary["units"][0]
    assert unit["energy_j"] >= 0.0
    # below T_ref the clamped leakage is 0: the unit's energy is its busy power x busy time, the radio's ~1e-311 J
    assert summary["system"]["energy_j"] == pytest.approx(unit["energy_j"], rel=1e-12)


@pytest.mark.parametrize("hysteresis_c", [1e-300, 1e-12])
def test_a_chattering_throttle_is_refused_in_one_line(hysteresis_c: float) -> None:
    """1 kW into 1 J/K through a 90 C throttle of hysteresis 1e-12 K switches ~1e15 times a second (1e-300 K: below
    one ulp of 90, at one instant forever): the run stops after 1,000 switches, naming the hysteresis to raise."""
    data = _tiny_scenario(idle_power_w=1000.0, max_power_w=1000.0, thermal_node="j",
                          dvfs_states=[{"name": "hi", "frequency_hz": 1e9, "voltage_v": 1.0},
                                       {"name": "lo", "frequency_hz": 5e8, "voltage_v": 0.8}],
                          throttle={"threshold_c": 90.0, "hysteresis_c": hysteresis_c, "critical_c": 1000.0})
    data.update(duration_s=1.0, thermal={"ambient_c": 0.0, "nodes": [{"name": "j", "capacity_j_per_k": 1.0}],
                                         "links": [{"between": ["j", "ambient"], "resistance_k_per_w": 671.0}]})
    with pytest.raises(EdgesimError, match=r"compute_units\[0\]\.throttle\.hysteresis_c: unit 'u' switched 1000 times") as err:
        edgesim.simulate(edgesim.scenario_from_dict(data))
    assert "\n" not in str(err.value)
    data["compute_units"][0]["throttle"]["hysteresis_c"] = 5.0  # a real band: runs, and throttles
    unit = edgesim.simulate(edgesim.scenario_from_dict(data)).summary["units"][0]
    assert unit["throttle_count"] >= 1


# Values from the smallest doubles up to each schema bound: exact ends, powers of ten between, and log-uniform.
def _magnitudes(lo: float, hi: float, zero: bool = False) -> st.SearchStrategy[float]:
    ends = [v for v in (TINY, DENORMAL_W, 1e-300, 1e-30, 1e-9, 1e-3, 1.0, 1e3, 1e9, 1e18, 1e300) if lo <= v <= hi]
    edges = [lo, hi, *ends] + ([0.0] if zero else [])
    log_lo = math.log10(max(lo, 1e-300))
    log_hi = math.log10(hi)
    return st.one_of(st.sampled_from(sorted(set(edges))),
                     st.floats(log_lo, log_hi).map(lambda e: min(max(10.0 ** e, lo), hi)))


@st.composite
def extreme_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """A short scenario (few events) whose physical numbers go from the smallest double to the schema's bounds."""
    idle_w = draw(_magnitudes(TINY, schema.MAX_POWER_W, zero=True))
    max_w = max(idle_w, draw(_magnitudes(TINY, schema.MAX_POWER_W)))
    unit: dict[str, Any] = {
        "name": "u", "kind": "npu", "idle_power_w": idle_w, "max_power_w": max_w,
        "peak_ops_per_s": {"int8": draw(_magnitudes(schema.MIN_OPS_PER_S, schema.MAX_OPS_PER_S))},
        "efficiency": draw(_magnitudes(schema.MIN_FRACTION, 1.0)),
        "service_time_distribution": draw(st.sampled_from(["deterministic", "exponential"])),
    }
    fps = draw(_magnitudes(1e-9, schema.MAX_FPS))
    duration_s = draw(_magnitudes(1e-9, schema.MAX_DURATION_S))
    if 5e2 < fps * duration_s <= 1e9:  # few events: a run the budget lets through stays short (one with a platform
        duration_s = 5e2 / fps         # costs ~70 us a frame: 1e6 frames would take a minute); larger ones are refused
    data: dict[str, Any] = {
        "name": "extreme", "duration_s": duration_s, "seed": draw(st.integers(0, 2**32)),
        "cameras": [{"name": "c", "width_px": draw(st.sampled_from([1, 8, schema.MAX_PIXELS_PER_SIDE])), "height_px": 1,
                     "fps": fps, "arrival": {"kind": draw(st.sampled_from(["periodic", "poisson"]))}}],
        "models": [{"name": "m", "ops_per_pixel": draw(_magnitudes(1e-300, schema.MAX_OPS_PER_PIXEL))}],
        "compute_units": [unit],
        "streams": [{"camera": "c", "model": "m", "unit": "u"}],
        "record": {"interval_s": max(duration_s, schema.MIN_RECORD_INTERVAL_S)},
    }
    if draw(st.booleans()):
        unit["thermal_node"] = "j"
        data["thermal"] = {
            "ambient_c": draw(st.sampled_from([schema.ABSOLUTE_ZERO_C, -20.0, 0.0, 25.0, 100.0, schema.MAX_TEMP_C])),
            "nodes": [{"name": "j", "capacity_j_per_k": draw(_magnitudes(1e-9, 1e12))}],
            "links": [{"between": ["j", "ambient"], "resistance_k_per_w": draw(_magnitudes(1e-9, 1e12))}]}
        kind = draw(st.sampled_from(["none", "linear", "throttle"]))
        if kind == "linear":
            unit["leakage_w_per_k"] = draw(_magnitudes(TINY, 1e3, zero=True))
        elif kind == "throttle":
            # Moderate numbers only: a throttle whose hysteresis band is crossed in C h / P << the run is a bang-bang
            # controller that really switches ~P / (C h) times per second (1e-12 K at 1 kW on 1 J/K: 1e15 per
            # simulated second; below one ulp of the threshold, at one instant forever). A run that would need over
            # 1e8 switches now ends with a ScenarioError (test_a_chattering_throttle_is_refused_in_one_line), but
            # the run budget does not count switches below that, so a 1e7-switch run would take minutes here.
            # So C h / P >= 5 ms in these examples.
            unit["dvfs_states"] = [{"name": "hi", "frequency_hz": 1e9, "voltage_v": 1.0},
                                   {"name": "lo", "frequency_hz": 5e8, "voltage_v": 0.8}]
            unit["idle_power_w"] = min(idle_w, 1.0)
            unit["max_power_w"] = min(max_w, 10.0)
            data["duration_s"] = min(duration_s, 1.0)
            data["record"] = {"interval_s": max(data["duration_s"], schema.MIN_RECORD_INTERVAL_S)}
            data["thermal"]["nodes"][0]["capacity_j_per_k"] = draw(st.floats(0.1, 10.0))
            threshold_c = draw(st.sampled_from([schema.ABSOLUTE_ZERO_C + 1.0, 30.0, 90.0, schema.MAX_TEMP_C - 1.0]))
            unit["throttle"] = {"threshold_c": threshold_c, "hysteresis_c": draw(st.floats(0.5, 5.0)),
                                "critical_c": schema.MAX_TEMP_C}
    if draw(st.booleans()):
        model = draw(st.sampled_from(["ideal", "peukert", "kibam"]))
        data["battery"] = {"model": model, "capacity_wh": draw(_magnitudes(1e-9, 1e9)),
                           "nominal_voltage_v": draw(_magnitudes(1e-3, 1e4)),
                           "dcdc_efficiency": draw(_magnitudes(schema.MIN_FRACTION, 1.0)),
                           "cutoff_soc": draw(st.sampled_from([0.0, 0.1, 0.999999]))}
        if model == "peukert":
            data["battery"].update(peukert_exponent=draw(st.sampled_from([1.0, 1.3, 10.0])),
                                   rated_hours=draw(_magnitudes(1e-6, 1e9)))
        if model == "kibam":
            data["battery"].update(kibam_c=draw(st.sampled_from([1e-6, 0.5, 1 - 1e-6])),
                                   kibam_k_per_s=draw(_magnitudes(1e-12, 1e6)))
        data["platform_loads"] = [{"name": "radio", "power_w": draw(_magnitudes(TINY, schema.MAX_POWER_W, zero=True))}]
    return data


@pytest.mark.slow
@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(extreme_scenarios())
def test_simulate_at_the_extremes_runs_or_names_the_field(data: dict[str, Any]) -> None:
    """1,000 scenarios between the smallest doubles and the schema's bounds: a result or an EdgesimError."""
    try:
        spec = edgesim.scenario_from_dict(data)
        result = edgesim.simulate(spec, max_events=2_000)
    except EdgesimError as err:
        assert "\n" not in str(err)
        return
    summary = result.summary
    unit = summary["units"][0]
    assert 0.0 <= unit["utilization"] <= 1.0
    assert unit["energy_j"] >= 0.0 and not math.isnan(unit["energy_j"])
    assert summary["duration_s"] >= 0.0
