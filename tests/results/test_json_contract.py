"""The JSON contract of `edgesim run --json`, and the files `--out` writes."""
from __future__ import annotations

import json

import pytest

from edgesim.cli import main
from tests.helpers import SCENARIOS

CONTRACT_STREAM = {"camera", "model", "unit", "offered_fps", "achieved_fps", "completed", "dropped", "latency_ms"}


CONTRACT_UNIT = {"name", "kind", "utilization", "energy_j", "avg_power_w", "inferences", "inferences_per_j"}


CONTRACT_SYSTEM = {"energy_j", "avg_power_w", "required_tops", "achieved_tops"}


def test_json_contract(capsys):
    assert main(["run", str(SCENARIOS / "intersection_3cam.yaml"), "--json", "--duration", "3"]) == 0
    out = capsys.readouterr().out
    doc = json.loads(out)  # only JSON on stdout
    assert {"scenario", "duration_s", "seed", "streams", "units", "system"} <= doc.keys()
    assert isinstance(doc["scenario"], str) and isinstance(doc["seed"], int) and doc["duration_s"] == 3.0
    assert len(doc["streams"]) == 9
    for s in doc["streams"]:
        assert CONTRACT_STREAM <= s.keys()
        assert {"mean", "p50", "p95", "p99", "max"} <= s["latency_ms"].keys()
    for u in doc["units"]:
        assert CONTRACT_UNIT <= u.keys()
    assert CONTRACT_SYSTEM <= doc["system"].keys()
    assert doc["system"]["required_tops"] == pytest.approx(12.4416, rel=1e-12)


def test_out_writes_files(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(SCENARIOS / "intersection_3cam.yaml"), "--duration", "2", "--out", str(out), "--trace"]) == 0
    for name in ("summary.json", "streams.csv", "units.csv", "timeseries.csv", "trace.csv", "timeline.png"):
        assert (out / name).stat().st_size > 0
    assert json.loads((out / "summary.json").read_text())["scenario"] == "intersection_3cam"
