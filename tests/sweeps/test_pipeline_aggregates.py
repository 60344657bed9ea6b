"""A sweep's aggregate columns count a pipeline's frames as a stream's: an overloaded pipeline-only scenario reads its
drops and its frame latency, not drop_rate 0 and no p99."""
from __future__ import annotations

import pytest

import edgesim
from edgesim.sweeps.task import flatten_summary
from tests.helpers import SCENARIOS


def test_an_overloaded_pipeline_shows_its_drops_and_latency_in_the_aggregates():
    data = edgesim.spec.read_scenario_dict(SCENARIOS / "soc_heterogeneous.yaml")
    data["cameras"][0]["fps"] = 30  # the SoC carries 10 FPS per camera, not 30
    summary = edgesim.simulate(edgesim.scenario_from_dict(data), duration_s=4.0).summary
    assert not summary["streams"] and summary["pipelines"]
    row = flatten_summary(summary)
    pipes = summary["pipelines"]
    assert row["offered"] == sum(p["offered"] for p in pipes) > 0
    assert row["dropped"] == sum(p["dropped"] for p in pipes) > 0
    assert row["drop_rate"] == pytest.approx(row["dropped"] / row["offered"])
    assert row["max_p99_latency_ms"] == max(p["latency_ms"]["p99"] for p in pipes)
    assert row["min_fps_ratio"] < 1.0
