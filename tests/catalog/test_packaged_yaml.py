"""The package's own YAML files are read with libyaml for speed; they must pass every guard and read the same."""
from __future__ import annotations

from pathlib import Path

import pytest

from edgesim.yamlio import load_packaged, safe_load

DATA = Path(__file__).resolve().parents[2] / "edgesim" / "catalog" / "data"


@pytest.mark.parametrize("path", sorted(DATA.glob("*.yaml")), ids=lambda p: p.name)
def test_packaged_file_reads_the_same_with_every_guard(path):
    text = path.read_text(encoding="utf-8")
    strict = safe_load(text)  # duplicate keys, depth, alias expansion: raises if the file breaks a guard
    assert load_packaged(text) == strict


def test_packaged_loader_reads_yaml_1_2_floats():
    # PyYAML's YAML 1.1 resolver reads 1e9 as a string; edgesim's files are read as YAML 1.2 everywhere
    assert load_packaged("a: 1e9\nb: 26.0e12\nc: .5\nd: 12\n") == {"a": 1e9, "b": 26.0e12, "c": 0.5, "d": 12}
