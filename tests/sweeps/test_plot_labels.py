"""The sweep's Pareto plot names only what the sweep varies, with units on both axes and a title saying what is
compared."""
from __future__ import annotations

import re

import pandas as pd
import yaml

from edgesim.cli import main as cli_main
from edgesim.sweeps.plot import axis_label, pareto_figure, short_names, sweep_title, varying_columns
from tests.helpers import single_queue


def _texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]


def test_only_varying_parameters_are_named():
    means = pd.DataFrame({
        "compute_units.npu.device": ["a", "a", "b", "b"], "cameras.cam.fps": [15, 30, 15, 30],
        "duration_s": [3, 3, 3, 3], "system.avg_power_w": [1.0, 2.0, 3.0, 0.5],
        "max_p99_latency_ms": [40.0, 30.0, 10.0, 50.0],
    })
    by = ["compute_units.npu.device", "cameras.cam.fps", "duration_s"]
    varying = varying_columns(means, by)
    assert varying == ["compute_units.npu.device", "cameras.cam.fps"]
    assert short_names(["cameras.a.fps", "cameras.b.fps", "compute_units.npu.device"]) == {
        "cameras.a.fps": "cameras.a.fps", "cameras.b.fps": "cameras.b.fps", "compute_units.npu.device": "device"}
    title = sweep_title("x.yaml", "system.avg_power_w", "max_p99_latency_ms", varying, len(means))
    assert title == "x.yaml: p99 latency (ms), worst stream vs average power (W), over device x fps (4 configurations)"
    fig = pareto_figure(means, "system.avg_power_w", "max_p99_latency_ms", case="compute_units.npu.device",
                        label=["cameras.cam.fps"], title=title)
    texts = _texts(fig)
    ax = fig.axes[0]
    assert "(W)" in ax.get_xlabel() and "(ms)" in ax.get_ylabel()
    assert ax.get_legend().get_title().get_text() == "device"
    point_texts = [t for t in texts if t.startswith("fps=")]
    assert point_texts and all(re.fullmatch(r"fps=\d+", t) for t in point_texts)
    assert not any("duration_s" in t for t in texts)


def test_axis_labels_carry_units():
    assert axis_label("units.npu.utilization") == "npu utilization (fraction)"
    assert axis_label("max_utilization").endswith("(fraction)")
    assert axis_label("system.avg_power_w") == "average power (W)"


def test_sweep_report_plot_names_only_the_varying_parameters(tmp_path, capsys):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(single_queue(fps=50, service_s=0.01, duration_s=2)))
    out = tmp_path / "out"
    code = cli_main(["sweep", str(scenario), "--set", "cameras.cam.fps=25,50", "--set",
                     "compute_units.unit.idle_power_w=0.5,1.0", "--set", "record.interval_s=0.5", "--jobs", "1",
                     "--quiet", "--pareto", "system.avg_power_w:min,max_p99_latency_ms:min", "--out", str(out)])
    capsys.readouterr()
    assert code == 0 and (out / "pareto.png").stat().st_size > 0
    svg = (out / "report.html").read_text()
    assert "over fps x idle_power_w" in svg and "(4 configurations)" in svg  # the title (wrapped over lines)
    assert "interval_s" not in svg.split("<svg", 1)[1].split("</svg>", 1)[0]  # a constant is not named in the plot
    assert "average power (W)" in svg and "p99 latency (ms)" in svg
