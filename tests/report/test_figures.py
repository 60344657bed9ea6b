"""Figures: never silently wrong, and they show what a reviewer needs to see.

* The latency CDF comes from every completed frame's latency, with or without ``--trace``: on
  ``passive_box_45c.yaml`` about a third of the frames (those before the box throttles) take the 80 ms service
  time, and the curve agrees with the summary's percentiles.
* The timeline always has a drop/late panel (counts per interval that add up to the summary's), and its
  temperature panel marks the throttle thresholds and the trip instants (at which the exact temperature is the
  threshold).
* Every figure has units on its axes and a title naming the scenario and what is compared, and no label or
  legend falls outside the image.
"""
from __future__ import annotations

import json
import re

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

import edgesim
from edgesim.cli import main
from edgesim.report.cdf import cdf_points, empirical_cdf, latency_cdf_curves, latency_cdf_figure
from edgesim.report.device import battery_figure, has_battery, power_temperature_figure
from edgesim.report.timeline import drops_per_interval, stream_labels, timeline_figure
from edgesim.results.latency import weighted_latencies_s
from tests.helpers import SCENARIOS

PASSIVE = SCENARIOS / "passive_box_45c.yaml"
INTERSECTION = SCENARIOS / "intersection_3cam.yaml"


@pytest.fixture(scope="module")
def passive_cli(tmp_path_factory):
    """The issue's command, without --trace: edgesim run scenarios/passive_box_45c.yaml --out D."""
    out = tmp_path_factory.mktemp("passive")
    assert main(["run", str(PASSIVE), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def passive():
    return edgesim.simulate(PASSIVE)


def share_at(curve_x: np.ndarray, curve_share: np.ndarray, x: float) -> float:
    """F(x) of a step curve drawn with where="post"."""
    i = np.searchsorted(curve_x, x, side="right")
    return float(curve_share[i - 1]) if i else 0.0


def test_cli_without_trace_writes_the_cdf_of_the_same_run(passive_cli, passive):
    assert (passive_cli / "latency_cdf.png").stat().st_size > 10_000
    assert not (passive_cli / "trace.csv").exists()
    cli_summary = json.loads((passive_cli / "summary.json").read_text())
    assert cli_summary["streams"] == passive.summary["streams"]  # the same run (fixed seed): its curve is ours


def test_cdf_without_trace_has_a_third_of_the_frames_at_the_cool_service_time(passive_cli, passive):
    summary = json.loads((passive_cli / "summary.json").read_text())
    stream, unit = summary["streams"][0], summary["units"][0]
    (curve,) = latency_cdf_curves(passive)
    assert curve.frames == stream["completed"]
    service_ms = stream["latency_model_ms"]["estimate"]  # the service time plus the result delay after it
    # before the first throttle the unit is idle at each periodic arrival (service time below the frame period):
    # every frame takes exactly the model's latency, so those frames' share is (frames before the trip) / (completed)
    assert stream["service_ms"]["estimate"] < 1e3 / stream["nominal_fps"]
    expected = np.floor(unit["first_throttle_s"] * stream["nominal_fps"]) / stream["completed"]
    near = share_at(curve.latency_ms, curve.share, 1.05 * service_ms) - share_at(curve.latency_ms, curve.share, 0.95 * service_ms)
    assert near > 0.25  # a large share of the frames, ~9 cool minutes of 30 ("36% of frames took about 80 ms" before)
    assert near == pytest.approx(expected, abs=2e-3)
    assert float(curve.latency_ms[0]) == pytest.approx(service_ms, rel=1e-5)  # float32 store
    # the old summary-only figure started at p50 (250 ms): no frame under 250 ms; the curve has a third there
    assert share_at(curve.latency_ms, curve.share, 0.9 * stream["latency_ms"]["p50"]) > 0.3


def test_cdf_agrees_with_the_summary_percentiles_and_extremes(passive_cli, passive):
    summary = json.loads((passive_cli / "summary.json").read_text())  # the CLI run's own exact percentiles
    for stream, curve in zip(summary["streams"], latency_cdf_curves(passive), strict=True):
        lat, n = stream["latency_ms"], curve.frames
        for key, q in (("p50", 0.50), ("p90", 0.90), ("p95", 0.95), ("p99", 0.99)):
            # np.percentile interpolates between neighbouring ranks: F at the summary's value is within 1/n of q
            assert share_at(curve.latency_ms, curve.share, lat[key] * (1 + 1e-6)) >= q - 1.0 / n, key
            assert share_at(curve.latency_ms, curve.share, lat[key] * (1 - 1e-6)) <= q + 1.0 / n, key
        assert float(curve.latency_ms[-1]) == pytest.approx(lat["max"], rel=1e-6)
        assert curve.share[-1] == 1.0
        sample = next(s for s in passive.detail.latencies if s.name == curve.name)
        values_s, weights = weighted_latencies_s(sample.store)  # simulated frames 1 each, forwarded stretches weighted
        assert float(np.average(values_s, weights=weights)) * 1e3 == pytest.approx(lat["mean"], rel=1e-6)


def test_the_figure_plots_the_curve_it_exposes(passive):
    fig = latency_cdf_figure(passive)
    (curve,) = latency_cdf_curves(passive)
    lines = [ln for ln in fig.axes[0].get_lines() if ln.get_label().startswith(curve.name)]
    assert len(lines) == 1
    np.testing.assert_array_equal(lines[0].get_xdata(), curve.latency_ms)
    np.testing.assert_array_equal(lines[0].get_ydata(), curve.share)
    deadline_ms = passive.summary["streams"][0]["deadline_ms"]  # the frame period by default
    assert any(ln.get_label().startswith(f"deadline {deadline_ms:.4g} ms") for ln in fig.axes[0].get_lines())


def test_stored_latencies_are_the_traced_ones():
    result = edgesim.simulate(INTERSECTION, duration_s=3.0, trace=True)
    trace = result.trace
    done = trace[(trace["status"] == "completed") & (trace["arrival_s"] >= result.summary["warmup_s"])]
    labels = stream_labels(done)
    for sample in result.detail.latencies:
        traced_ms = 1e3 * done.loc[labels == sample.name, "latency_s"].to_numpy()  # the unit's end + the result delay
        np.testing.assert_allclose(np.sort(sample.latency_ms), np.sort(traced_ms), rtol=1e-6)


def test_cdf_points_are_exact_points_of_the_full_cdf():
    rng = np.random.default_rng(3)
    values = np.concatenate([np.full(30_000, 80.0), rng.uniform(200, 330, 70_000)])  # a step of 30 % at 80
    x, share = cdf_points(values, max_points=1000)
    assert len(x) <= 1001
    full_x, full_share = empirical_cdf(values)
    for xi, si in zip(x, share):  # every drawn point lies on the full step function
        assert share_at(full_x, full_share, xi) >= si - 1e-12
        assert share_at(full_x, full_share, np.nextafter(xi, -np.inf)) < si
    assert x[0] == values.min() and x[-1] == values.max() and share[-1] == 1.0
    assert share_at(x, share, 80.0) == pytest.approx(0.3, abs=1e-3)  # the step survives the thinning


def _axes_with_ylabel(fig: Figure, word: str):
    return next(ax for ax in fig.axes if word in ax.get_ylabel())


def _step_values(line: Line2D) -> np.ndarray:
    return np.asarray(line.get_ydata(), dtype=float)[:-1]  # step_to_end repeats the last value at the end


def test_timeline_without_trace_has_drop_and_late_counts_adding_up_to_the_summary(passive):
    assert passive.trace is None
    fig = timeline_figure(passive)
    ax = _axes_with_ylabel(fig, "dropped")
    interval_s = 10.0  # record.interval_s of the scenario
    solid, dashed = [ln for ln in ax.get_lines() if len(ln.get_xdata()) > 2]
    stream = passive.summary["streams"][0]
    assert solid.get_linestyle() == "-" and dashed.get_linestyle() == "--"
    # warm-up 0 s: every drop and every late frame of the run is in the summary's totals
    assert np.sum(_step_values(solid)) * interval_s == pytest.approx(stream["dropped"])
    assert np.sum(_step_values(dashed)) * interval_s == pytest.approx(stream["late"])
    counts = passive.detail.stream_intervals
    first_drop_s = float(counts.loc[counts["dropped"] > 0, "time_s"].min())
    assert first_drop_s >= passive.summary["units"][0]["first_throttle_s"] - interval_s  # the cool box keeps up


def test_drop_and_late_intervals_match_the_trace():
    result = edgesim.simulate(INTERSECTION, duration_s=4.0, trace=True)
    counts = result.detail.stream_intervals
    trace = result.trace
    drops = drops_per_interval(trace, 1.0, result.summary["duration_s"])
    for name, rows in counts.groupby("stream", sort=False):
        expected = drops.loc[drops["stream"] == name, "dropped"].to_numpy()
        np.testing.assert_array_equal(rows["dropped"].to_numpy(), expected)
        sample = next(s for s in result.detail.latencies if s.name == name)
        done = trace[(stream_labels(trace) == name) & (trace["status"] == "completed")]
        late = done[done["latency_s"] > sample.deadline_ms / 1e3]
        late_end = (late["arrival_s"] + late["latency_s"]).to_numpy()  # when the late result is out
        expected_late = np.bincount(np.minimum((late_end // 1.0).astype(int), len(rows) - 1), minlength=len(rows))
        np.testing.assert_array_equal(rows["late"].to_numpy(), expected_late)
    by_name = {f"{s['camera']}/{s['model']}": s for s in result.summary["streams"]}
    totals = counts.groupby("stream")[["dropped", "late"]].sum()
    for name, row in totals.iterrows():  # the intervals include the warm-up's frames, the summary does not
        assert row["dropped"] >= by_name[name]["dropped"] and row["late"] >= by_name[name]["late"]


def test_temperature_panel_marks_the_pi_thresholds_and_the_trip(passive):
    fig = timeline_figure(passive)
    ax = _axes_with_ylabel(fig, "temperature")
    flat = {round(float(ln.get_ydata()[0]), 6) for ln in ax.get_lines()
            if len(ln.get_ydata()) == 2 and ln.get_ydata()[0] == ln.get_ydata()[1] and list(ln.get_xdata()) == [0, 1]}
    assert {80.0, 85.0} <= flat  # the two steps, and the first step's release
    assert 75.0 in flat
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "80 C" in texts and "85 C" in texts and "75 C" in texts
    low, high = ax.get_ylim()
    assert low < 75.0 and high > 85.0  # every threshold visible, the 85 C one above the data
    trip_s = passive.summary["units"][0]["first_throttle_s"]
    vertical = [float(ln.get_xdata()[0]) for ln in ax.get_lines() if list(ln.get_ydata()) == [0, 1]]
    assert vertical == [pytest.approx(trip_s)]
    assert any(f"{trip_s:.1f} s" in text.get_text() for text in ax.get_legend().get_texts())
    for other in fig.axes:  # the instant is marked on every panel, so the FPS sag lines up with it
        assert any(list(ln.get_ydata()) == [0, 1] and float(ln.get_xdata()[0]) == pytest.approx(trip_s) for ln in other.get_lines())


def test_each_trip_instant_is_at_its_threshold():
    result = edgesim.simulate(PASSIVE, duration_s=900.0, trace=True)
    device = result.extra["device_trace"]
    (change,) = result.detail.changes
    trips = {t.step: t.temp_c for t in result.detail.thresholds if t.kind == "trip"}
    at = device.loc[(device["time_s"] - change.time_s).abs().idxmin()]
    assert at["time_s"] == pytest.approx(change.time_s, abs=1e-9)
    assert at["temp_soc_c"] == pytest.approx(trips[change.level], abs=1e-6)


def _figures(result) -> list[tuple[str, Figure]]:
    figures = [("timeline", timeline_figure(result)), ("cdf", latency_cdf_figure(result)),
               ("power", power_temperature_figure(result))]
    if has_battery(result):
        figures.append(("battery", battery_figure(result)))
    return figures


UNIT = re.compile(r"\((W|C|ms|s|V|0-1|[^()]*, 0-1|[^()]*, jobs|frames/s)\)|/s\b")


@pytest.mark.parametrize("scenario, duration_s", [("passive_box_45c.yaml", 1200.0), ("intersection_3cam.yaml", 5.0),
                                                  ("laptop_battery_cpu_gpu.yaml", 5.0), ("rpi5_fan.yaml", 300.0)])
def test_every_figure_has_units_a_title_and_nothing_outside_the_image(scenario, duration_s):
    result = edgesim.simulate(SCENARIOS / scenario, duration_s=duration_s)
    name = result.summary["scenario"]
    for kind, fig in _figures(result):
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        canvas.draw()  # the second draw places every label where the saved image has it (constrained layout)
        renderer = canvas.get_renderer()
        title = fig.get_suptitle() or fig.axes[0].get_title()
        assert name in title and len(title) > len(name) + 20, (kind, title)
        for ax in fig.axes:
            assert UNIT.search(ax.get_ylabel().replace("\n", " ")), (kind, ax.get_ylabel())
            assert ax.get_lines() or ax.texts, (kind, ax.get_ylabel())  # no empty panel without a word why
            top = ax.get_ylim()[1]
            for line in ax.get_lines():  # no data line drawn on the top frame, where it cannot be seen
                y = np.asarray(line.get_ydata(), dtype=float)
                if len(y) > 2 and np.isfinite(y).any():
                    assert np.nanmax(y) < top, (kind, ax.get_ylabel(), line.get_label())
        bottom = fig.axes[-1]
        assert re.search(r"\((s|ms)\)", bottom.get_xlabel()), (kind, bottom.get_xlabel())
        box = fig.bbox
        artists = [fig._suptitle] if fig._suptitle is not None else []
        for ax in fig.axes:
            artists += [ax.title, ax.yaxis.label, ax.xaxis.label, *ax.texts]
            if ax.get_legend() is not None:
                artists.append(ax.get_legend())
        for artist in artists:
            if artist.get_visible() and (not hasattr(artist, "get_text") or artist.get_text()):
                extent = artist.get_window_extent(renderer)
                assert extent.x0 >= box.x0 - 1 and extent.x1 <= box.x1 + 1, (kind, scenario, artist)
                assert extent.y0 >= box.y0 - 1 and extent.y1 <= box.y1 + 1, (kind, scenario, artist)


def test_pipelines_get_their_own_curves_with_the_summary_counts():
    result = edgesim.simulate(SCENARIOS / "cascade_detector_classifier.yaml", duration_s=3.0)
    curves = latency_cdf_curves(result)
    rows = result.summary["pipelines"]
    assert [c.kind for c in curves] == ["pipeline"] * len(rows)
    assert len({c.name for c in curves}) == len(rows)  # one pipeline per camera: the names say which
    for curve, row in zip(curves, rows):
        assert row["camera"] in curve.name and curve.frames == row["completed"]
        assert float(curve.latency_ms[-1]) == pytest.approx(row["latency_ms"]["max"], rel=1e-6)


def test_frames_dropped_at_a_resize_are_in_the_stream_intervals():
    """A resize on the CPU that cannot keep up drops frames there (ResizeOwner): they count per interval too."""
    spec = edgesim.scenario_from_dict({
        "name": "resize_drops", "duration_s": 6.0, "warmup_s": 0.0, "record": {"interval_s": 0.5},
        "cameras": [{"name": "cam", "width_px": 1920, "height_px": 1080, "fps": 60}],
        "models": [{"name": "det", "ops_per_pixel": 10000}],
        "compute_units": [
            {"name": "npu", "kind": "npu", "idle_power_w": 1.0, "max_power_w": 3.0, "peak_ops_per_s": {"int8": 26e12}, "efficiency": 0.4},
            {"name": "cpu", "kind": "cpu", "idle_power_w": 2.0, "max_power_w": 8.0, "peak_ops_per_s": {"int8": 2e11}, "efficiency": 0.2}],
        "streams": [{"camera": "cam", "model": "det", "unit": "npu", "input": {
            "width_px": 640, "height_px": 640, "resize_unit": "cpu", "ops_per_pixel": 400.0, "queue_capacity": 2}}]})
    result = edgesim.simulate(spec, trace=True)
    stream = result.summary["streams"][0]
    counts = result.detail.stream_intervals
    assert stream["dropped"] > 0 and int(counts["dropped"].sum()) == stream["dropped"]  # warm-up 0: every drop
    assert len(counts) == 12  # 6 s in 0.5 s intervals
    expected = drops_per_interval(result.trace, 0.5, 6.0)["dropped"].to_numpy()
    np.testing.assert_array_equal(counts["dropped"].to_numpy(), expected)
