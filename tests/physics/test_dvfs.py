"""DVFS with voltage scaling (energy per inference) and the Burd-Brodersen transition latency and energy."""
from __future__ import annotations

import pytest

from edgesim.physics.dvfs import DvfsEnergyModel, VfPoint, VoltageRegulator, most_efficient_state

# Illustrative V(f) table (not a catalog part's): 0.6 V at 0.6 GHz up to 1.0 V at 1.8 GHz.
TABLE = (VfPoint(0.6e9, 0.60), VfPoint(1.0e9, 0.70), VfPoint(1.4e9, 0.85), VfPoint(1.8e9, 1.00))
CYCLES = 2.0e9  # one inference


def test_voltage_scaling_lowers_energy_per_inference_frequency_alone_does_not():
    model = DvfsEnergyModel(switched_capacitance_f=1.0e-9, static_power_ref_w=1.0, ref_voltage_v=1.0)
    # f alone at 1.0 V: dynamic energy identical, static energy grows as f falls -> lowest f is worst.
    fixed_v = [VfPoint(p.freq_hz, 1.0) for p in TABLE]
    energies = [model.energy_j(CYCLES, p) for p in fixed_v]
    assert energies == sorted(energies, reverse=True)
    assert energies[0] - energies[-1] == pytest.approx(1.0 * CYCLES * (1 / 0.6e9 - 1 / 1.8e9), rel=1e-12)
    # With V(f): E = C V^2 N + P_s (V / V_ref) N / f, closed form for each point.
    for p in TABLE:
        expected = 1.0e-9 * p.voltage_v ** 2 * CYCLES + 1.0 * p.voltage_v * CYCLES / p.freq_hz
        assert model.energy_j(CYCLES, p) == pytest.approx(expected, rel=1e-14)
    best = most_efficient_state(model, CYCLES, TABLE)
    # 2.72, 2.38, 2.66, 3.11 J: 0.7 V at 1 GHz is best; at 0.6 GHz the static energy outweighs the V^2 saving
    assert best == 1
    assert model.energy_j(CYCLES, TABLE[best]) < model.energy_j(CYCLES, TABLE[-1])
    # A deadline excludes the slow points.
    assert most_efficient_state(model, CYCLES, TABLE, deadline_s=1.5) == 2
    with pytest.raises(ValueError, match="deadline_s"):
        most_efficient_state(model, CYCLES, TABLE, deadline_s=0.5)
    # The dynamic power at a point is C V^2 f.
    assert model.dynamic_power_w(TABLE[-1]) == pytest.approx(1.8, rel=1e-14)


def test_transition_latency_and_energy_burd_brodersen():
    reg = VoltageRegulator(decoupling_capacitance_f=5e-6, max_current_a=1.0, efficiency=0.9, relock_s=20e-6)
    tr = reg.transition(TABLE[3], TABLE[0])
    assert tr.latency_s == pytest.approx(2 * 5e-6 * 0.4 / 1.0 + 20e-6, rel=1e-14)
    assert tr.energy_j == pytest.approx(0.1 * 5e-6 * (1.0 - 0.36), rel=1e-14)
    same = reg.transition(TABLE[1], TABLE[1])
    assert (same.latency_s, same.energy_j) == (0.0, 0.0)
    # Symmetric in direction.
    back = reg.transition(TABLE[0], TABLE[3])
    assert (back.latency_s, back.energy_j) == pytest.approx((tr.latency_s, tr.energy_j))
