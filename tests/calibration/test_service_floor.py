"""The per-inference floor is the lower convex hull of an engine's published (input pixels, seconds) points: no
published point lies below it, it touches the points that define it, it never falls as the input grows, and a
network known only by its op count on ``hailo8`` is not predicted below it."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgesim.calibration.floor import service_floor
from edgesim.calibration.measurements import read_measurements
from edgesim.catalog import load_catalog

POINTS = st.lists(st.tuples(st.floats(1e2, 1e7), st.floats(1e-5, 1.0)), min_size=1, max_size=40)


@given(POINTS)
def test_no_point_lies_below_the_floor_and_the_floor_never_falls(points):
    floor = service_floor(points)
    for px, s in points:
        assert floor.at(px) <= s * (1 + 1e-9)
    grid = sorted({px for px, _ in points} | {p * 0.5 for p, _ in points} | {p * 3 for p, _ in points})
    values = [floor.at(px) for px in grid]
    assert all(b >= a * (1 - 1e-12) for a, b in zip(values, values[1:]))
    assert floor.at(0.0) == min(s for _, s in points)  # below every input: the fastest inference


@given(POINTS)
def test_the_floor_touches_its_vertices_and_is_the_tightest_affine_bound_between_them(points):
    floor = service_floor(points)
    for px, s in zip(floor.px, floor.s):
        assert (px, s) in {(float(a), float(b)) for a, b in points}
        assert floor.at(px) == pytest.approx(s, rel=1e-12)
    # between two vertices the floor is their chord: an affine bound a + px / R that no point violates
    for (x0, y0), (x1, y1) in zip(zip(floor.px, floor.s), list(zip(floor.px, floor.s))[1:]):
        slope = (y1 - y0) / (x1 - x0)
        assert all(s >= y0 + slope * (px - x0) - 1e-12 for px, s in points if px >= floor.px[0])


def test_beyond_the_largest_input_the_floor_is_the_fastest_pixel_rate():
    floor = service_floor([(1e4, 1e-4), (1e5, 2e-4), (2e5, 1e-3)])  # the fastest rate, 5e8 px/s, is not the last point's
    assert floor.at(1e7) == pytest.approx(1e7 / 5e8)
    assert floor.at(2.5e5) == pytest.approx(1e-3)  # just beyond: the largest input's floor, not the slower rate's


def test_refuses_no_usable_point():
    with pytest.raises(ValueError):
        service_floor([(0.0, 1e-3), (1e4, 0.0)])


def test_a_small_op_count_on_hailo8_sits_on_the_floor_of_the_devices_own_points():
    # the floor at 224 x 224 from the Hailo-8's published points, computed here from the packaged file
    import edgesim

    catalog = load_catalog()
    pts = [m for m in read_measurements(catalog_keys=catalog.devices)
           if m.group == "hailo8/npu/hailo_zoo" and m.quantity == "throughput" and m.usable]
    floor_s = service_floor([(m.width_px * m.height_px, 1.0 / m.value) for m in pts]).at(224 * 224)
    # no published Hailo-8 network is faster at 224 x 224 or below; the fastest of all (11,302 FPS) is at 120 x 120
    assert floor_s >= 0.1e-3
    assert floor_s <= min(1.0 / m.value for m in pts if m.width_px * m.height_px >= 224 * 224)
    data = {"name": "t", "duration_s": 60.0, "cameras": [{"name": "cam", "width_px": 224, "height_px": 224, "fps": 0.1}],
            "models": [{"name": "tiny", "ops_per_inference": 0.118e9, "ref_width_px": 224, "ref_height_px": 224}],
            "compute_units": [{"name": "u", "device": "hailo8"}], "streams": [{"camera": "cam", "model": "tiny", "unit": "u"}]}
    ms = edgesim.simulate(edgesim.scenario_from_dict(data)).summary["streams"][0]["service_ms"]
    assert ms["estimate"] >= floor_s * 1e3 * (1 - 1e-9)
    assert ms["low"] >= floor_s * 1e3 * (1 - 1e-9)
    assert ms["high"] > 1.5 * ms["estimate"]  # an interval of non-zero width above the floor
