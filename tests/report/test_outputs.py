"""`edgesim run --out D [--trace]`: Parquet beside every CSV, a Perfetto trace, report.html (rendered in Chromium)."""
from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

import edgesim
from edgesim.cli import main
from edgesim.report import write_outputs
from edgesim.report.cdf import empirical_cdf
from edgesim.report.perfetto import PID_STREAMS, PID_UNITS, Slice, assign_lanes, started, trace_events
from edgesim.report.timeline import drops_per_interval
from tests.helpers import SCENARIOS

INTERSECTION = SCENARIOS / "intersection_3cam.yaml"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def traced_run(tmp_path_factory):
    """The issue's command: edgesim run scenarios/intersection_3cam.yaml --duration 5 --out D --trace."""
    out = tmp_path_factory.mktemp("traced")
    assert main(["run", str(INTERSECTION), "--duration", "5", "--out", str(out), "--trace"]) == 0
    return out


def test_a_parquet_file_beside_every_csv_with_the_same_table(traced_run):
    csvs = sorted(traced_run.glob("*.csv"))
    assert {"streams.csv", "units.csv", "timeseries.csv", "trace.csv", "stream_timeseries.csv"} <= {p.name for p in csvs}
    for csv in csvs:
        parquet = csv.with_suffix(".parquet")
        assert parquet.exists(), parquet.name
        pd.testing.assert_frame_equal(pd.read_parquet(parquet), pd.read_csv(csv), check_dtype=False)


def test_perfetto_trace_has_one_x_slice_per_job_on_unit_and_stream_tracks(traced_run):
    doc = json.loads((traced_run / "trace.perfetto.json").read_text())
    events = doc["traceEvents"]
    trace = pd.read_csv(traced_run / "trace.csv")
    threads = {(e["pid"], e["tid"]): e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    streams = {f"{c}/{m}" for c, m in zip(trace["camera"], trace["model"])}
    assert len(streams) == 9
    assert {n for (pid, _), n in threads.items() if pid == PID_STREAMS} >= streams  # each stream's first lane
    assert "npu" in {n for (pid, _), n in threads.items() if pid == PID_UNITS}
    x_units = [e for e in events if e["ph"] == "X" and e["pid"] == PID_UNITS]
    served = trace[started(trace["start_s"]) & trace["end_s"].notna()]
    assert len(x_units) == len(served) > 0
    # each slice is the job's service, start to end, in microseconds of simulated time
    durations_us = np.sort([e["dur"] for e in x_units])
    np.testing.assert_allclose(durations_us, np.sort((served["end_s"] - served["start_s"]).to_numpy() * 1e6), atol=2e-3)
    x_streams = [e for e in events if e["ph"] == "X" and e["pid"] == PID_STREAMS]
    assert len(x_streams) == int((trace["status"] == "completed").sum())
    assert sum(e["ph"] == "i" for e in events) == int((trace["status"] == "dropped").sum())
    counters = {e["name"] for e in events if e["ph"] == "C"}
    assert any("power" in c for c in counters) and any("waiting" in c for c in counters)


def test_perfetto_slices_on_one_track_never_overlap(traced_run):
    events = json.loads((traced_run / "trace.perfetto.json").read_text())["traceEvents"]
    by_track: dict[tuple[int, int], list[tuple[float, float]]] = {}
    for e in events:
        if e["ph"] == "X":
            by_track.setdefault((e["pid"], e["tid"]), []).append((e["ts"], e["ts"] + e["dur"]))
    for spans in by_track.values():
        spans.sort()
        assert all(a_end <= b_start + 1e-6 for (_, a_end), (b_start, _) in zip(spans, spans[1:]))


def test_waiting_jobs_counter_is_exact_and_never_negative(traced_run):
    events = json.loads((traced_run / "trace.perfetto.json").read_text())["traceEvents"]
    waiting = [e for e in events if e["ph"] == "C" and e["name"] == "npu stream jobs waiting"]
    values = [e["args"]["jobs"] for e in waiting]
    assert values and min(values) >= 0
    trace = pd.read_csv(traced_run / "trace.csv")
    still_waiting = int(((trace["status"] == "in_flight") & ~started(trace["start_s"])).sum())
    assert values[-1] == still_waiting  # jobs that arrived and were never served nor dropped


def test_report_html_is_self_contained_with_name_tables_and_figures(traced_run):
    page = (traced_run / "report.html").read_text()
    assert "<h1>intersection_3cam</h1>" in page
    assert page.count("<table") >= 3 and "p99 ms" in page and "inf/J (FPS/W)" in page
    images = re.findall(r'<img[^>]*src="data:image/png;base64,([^"]+)"', page)
    assert len(images) >= 3
    assert all(base64.b64decode(i)[:8] == PNG_MAGIC for i in images)
    assert not re.search(r'(src|href)="(?!data:)', page)  # nothing fetched: readable offline
    assert "<script" not in page


def test_without_trace_no_perfetto_file_and_the_page_says_how_to_get_one(tmp_path):
    result = edgesim.simulate(INTERSECTION, duration_s=2.0)
    written = write_outputs(result, tmp_path, trace=False)
    names = {p.name for p in written}
    assert "trace.perfetto.json" not in names and "report.html" in names and "timeline.png" in names
    assert "--trace" in (tmp_path / "report.html").read_text()
    assert all(p.exists() for p in written)


def test_battery_scenario_report_has_platform_rows_and_a_battery_figure(tmp_path):
    spec = edgesim.load_scenario(SCENARIOS / "laptop_battery_cpu_gpu.yaml")
    result = edgesim.simulate(spec, duration_s=3.0)
    loads = {load.name: load.power_w for load in spec.platform_loads}
    write_outputs(result, tmp_path, trace=False, platform_loads=loads)
    page = (tmp_path / "report.html").read_text()
    assert "<h2>Battery</h2>" in page and "rest_of_system" in page and "device total" in page
    assert "18.000 W platform loads = 25.000 W device" in page


def test_empirical_cdf_and_drop_counts():
    x, share = empirical_cdf(np.array([3.0, 1.0, 2.0, 2.0]))
    assert x.tolist() == [1.0, 2.0, 2.0, 3.0] and share.tolist() == [0.25, 0.5, 0.75, 1.0]
    trace = pd.DataFrame({"camera": ["c"] * 4, "model": ["m"] * 4, "status": ["dropped", "completed", "dropped", "dropped"],
                          "arrival_s": [0.1, 0.2, 1.4, 2.9], "end_s": [0.15, 0.3, 1.5, 3.0]})
    drops = drops_per_interval(trace, interval_s=1.0, duration_s=3.0)
    assert drops["dropped"].tolist() == [1, 1, 1]  # the drop at t = 3.0 s counts in the last interval


def test_assign_lanes_separates_overlapping_jobs_only():
    spans = [(0.0, 1.0), (0.5, 1.5), (1.0, 2.0), (1.5, 2.5), (3.0, 4.0)]
    lanes = assign_lanes([Slice("u", "j", a, b, {}) for a, b in spans])
    assert lanes == [0, 1, 0, 1, 0]
    # lanes are per track: another track's jobs at the same times start again at lane 0
    mixed = [Slice("u", "j", 0.0, 1.0, {}), Slice("v", "j", 0.5, 1.5, {}), Slice("u", "j", 0.5, 1.5, {})]
    assert assign_lanes(mixed) == [0, 0, 1]


def test_trace_events_are_valid_json_for_a_pipeline_scenario():
    result = edgesim.simulate(SCENARIOS / "cascade_detector_classifier.yaml", duration_s=2.0, trace=True)
    doc = json.loads(json.dumps(trace_events(result), allow_nan=False))
    names = {e["args"]["name"] for e in doc["traceEvents"] if e["ph"] == "M" and e["name"] == "thread_name"}
    assert {"cpu", "npu", "cascade/cam_0"} <= names  # stages on their units' tracks, frames on the pipeline's
    assert any(e["ph"] == "X" and ":detect #" in e["name"] for e in doc["traceEvents"])
    frames = result.extra["pipeline_trace"]
    done = frames[frames["stage"].isna() & (frames["status"] == "completed")]
    x_frames = [e for e in doc["traceEvents"] if e["ph"] == "X" and e["pid"] == PID_STREAMS]
    assert len(x_frames) == len(done) > 0


def test_mlperf_queries_get_one_track_per_load(tmp_path):
    result = edgesim.simulate(SCENARIOS / "mlperf_resnet50_hailo8.yaml", duration_s=1.5, trace=True)
    written = write_outputs(result, tmp_path, trace=True)
    assert tmp_path / "trace.perfetto.json" in written
    events = json.loads((tmp_path / "trace.perfetto.json").read_text())["traceEvents"]
    names = {e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    assert {"load single_stream", "load multi_stream", "load server", "load offline"} <= names


@pytest.mark.skipif(shutil.which("chromium") is None and shutil.which("chromium-browser") is None,
                    reason="headless Chromium not installed (apt-get install -y chromium)")
def test_report_renders_in_headless_chromium(traced_run, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    shot = tmp_path / "report.png"
    proc = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1200,2400",
                           f"--screenshot={shot}", (traced_run / "report.html").as_uri()], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == PNG_MAGIC and len(data) > 50_000  # a page of tables and figures, not a blank one
