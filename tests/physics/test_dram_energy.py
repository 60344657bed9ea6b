"""DRAM energy per byte moved."""
from __future__ import annotations

import math

import pytest

from edgesim.physics.camera_power import dram_energy_j


def test_dram_energy_per_byte():
    assert dram_energy_j(1_000_000, 5e-12) == pytest.approx(8e6 * 5e-12, rel=1e-15)
    assert dram_energy_j([1000, 3000], 5e-12) == pytest.approx(8 * 4000 * 5e-12, rel=1e-15)
    assert math.isclose(dram_energy_j(0, 5e-12), 0.0)
    with pytest.raises(ValueError, match="energy_per_bit_j"):
        dram_energy_j(10, -1.0)
