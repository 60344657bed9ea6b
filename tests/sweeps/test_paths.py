"""Dotted parameter paths and --set values: how a sweep names and writes a scenario field."""
from __future__ import annotations

import pytest

from edgesim.sweeps import (
    PathError,
    get_path,
    set_path,
)
from edgesim.sweeps.paths import parse_assignment, parse_path
from tests.sweeps.builders import small


def test_paths_by_name_index_stream_key_and_creation():
    d = small()
    d["cameras"].append({"name": "cam.v2", "width_px": 10, "height_px": 10, "fps": 5})
    assert get_path(d, "cameras.cam.fps") == 50
    assert get_path(d, "cameras[0].fps") == 50
    assert get_path(d, "cameras[cam.v2].fps") == 5
    assert get_path(d, "streams[0].unit") == "unit"
    assert get_path(d, "streams.cam/net.unit") == "unit"
    set_path(d, "cameras.cam.fps", 30)
    set_path(d, "compute_units.unit.efficiency", 0.5)  # a key the unit did not have
    set_path(d, "record.interval_s", 0.5)  # a mapping the scenario did not have
    set_path(d, "streams[0].queue_capacity", 8)
    assert d["cameras"][0]["fps"] == 30 and d["compute_units"][0]["efficiency"] == 0.5
    assert d["record"] == {"interval_s": 0.5} and d["streams"][0]["queue_capacity"] == 8
    with pytest.raises(PathError, match="no item named 'cam9' in cameras \\(known: cam, cam.v2\\)"):
        set_path(d, "cameras.cam9.fps", 1)
    with pytest.raises(PathError, match="out of range"):
        get_path(d, "streams[3].unit")
    with pytest.raises(PathError, match="not a mapping or list"):
        set_path(d, "cameras.cam.fps.x", 1)
    assert parse_path("streams[0].unit") == ["streams", 0, "unit"]
    with pytest.raises(PathError):
        parse_path("cameras..fps")


def test_set_values_are_yaml_and_commas_inside_mappings_do_not_split():
    assert parse_assignment("cameras.cam.fps=15,30,7.5") == ("cameras.cam.fps", [15, 30, 7.5])
    assert parse_assignment("compute_units.npu.device=hailo8,jetson_nano") == ("compute_units.npu.device", ["hailo8", "jetson_nano"])
    path, values = parse_assignment("compute_units.npu={name: npu, device: hailo8},{name: npu, device: hailo8l}")
    assert values == [{"name": "npu", "device": "hailo8"}, {"name": "npu", "device": "hailo8l"}]
    with pytest.raises(PathError):
        parse_assignment("cameras.cam.fps")
