"""Sweeps: Pareto with a stated tolerance, --where constraints, fit in either direction, the one-line
command that reproduces a row, paired --set values, notes on +/- 0 and on p99 under overload, report.html."""
from __future__ import annotations

import shlex

import numpy as np
import pandas as pd
import pytest
import yaml

import edgesim
from edgesim.cli import main as cli_main
from edgesim.sweeps import REL_TOL, SweepError, fit, pareto_front, parse_constraint, sweep
from edgesim.sweeps.paths import format_assignment, parse_assignment, set_path
from edgesim.sweeps.plot import axis_label
from edgesim.sweeps.summary import DETERMINISTIC_NOTE, QUEUE_CAP_NOTE
from tests.helpers import single_queue


def test_pareto_compares_within_a_relative_tolerance():
    # the two points: the same power to the last bits, 111 ms against 81 ms
    df = pd.DataFrame({"name": ["slow", "fast"], "power_w": [1.5999999999999988, 1.600000000000001],
                       "p99_ms": [111.0, 81.0]})
    front = pareto_front(df, {"power_w": "min", "p99_ms": "min"})
    assert front["name"].tolist() == ["fast"]
    # a real difference (beyond 1e-9 relative) still counts: both on the front
    df.loc[0, "power_w"] = 1.6 * (1 - 10 * REL_TOL)
    assert sorted(pareto_front(df, {"power_w": "min", "p99_ms": "min"})["name"]) == ["fast", "slow"]
    # the exact classic front is unchanged
    df = pd.DataFrame({"name": list("abcde"), "eff": [10, 8, 12, 9, 12], "lat": [5, 3, 9, 6, 8]})
    assert pareto_front(df, {"eff": "max", "lat": "min"})["name"].tolist() == ["e", "a", "b"]


def test_where_constraints_parse_compare_with_tolerance_and_restrict_the_front():
    c = parse_constraint("drop_rate<=0.01")
    assert (c.column, c.op, c.bound) == ("drop_rate", "<=", 0.01)
    assert c.holds(0.01 * (1 + 0.5e-9)) and not c.holds(0.0101) and not c.holds(None) and not c.holds(float("nan"))
    assert not parse_constraint("x<1").holds(1 - 1e-12) and parse_constraint("x<1").holds(0.99)
    assert parse_constraint("x==2").holds(2 + 1e-12) and parse_constraint("x!=2").holds(2.1)
    assert parse_constraint("x >= 3").holds(3) and parse_constraint("x>3").holds(3.5) and not parse_constraint("x>3").holds(3)
    assert parse_constraint("compute_units.npu.device==hailo8").holds("hailo8")
    for bad in ("drop_rate", "drop_rate<=", "drop_rate<=fast", "x=>1", "x<=nan"):
        with pytest.raises(SweepError, match="--where"):
            parse_constraint(bad)
    df = pd.DataFrame({"name": list("abc"), "p": [1.0, 2.0, 3.0], "lat": [30.0, 20.0, 10.0], "drop_rate": [0.0, 0.0, 0.2]})
    front = pareto_front(df, {"p": "min", "lat": "min"}, where=[parse_constraint("drop_rate<=0.01")])
    assert front["name"].tolist() == ["a", "b"]  # c is fastest only because it drops a fifth of the frames
    with pytest.raises(SweepError, match="no result column 'drop_rat'"):
        pareto_front(df, {"p": "min", "lat": "min"}, where=[parse_constraint("drop_rat<=0.01")])


def _overload() -> dict:
    # 10 ms per frame: 50 fps fits, 150 fps overloads and drops (queue of 4 caps the latency)
    return single_queue(fps=50, service_s=0.01, arrival="periodic", duration_s=4, drop_policy="drop_oldest")


def test_sweep_where_marks_runs_and_a_bad_column_exits_2(tmp_path, capsys):
    df = sweep(_overload(), {"cameras.cam.fps": [50, 150]}, executor="serial", where=["drop_rate<=0.01"])
    assert df["violates"].tolist() == ["", "drop_rate<=0.01"]
    with pytest.raises(SweepError, match="drop_rat<=0.01: no result column 'drop_rat'"):
        sweep(_overload(), {"cameras.cam.fps": [50]}, executor="serial", where=["drop_rat<=0.01"])
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(_overload()))
    for where, named in (("drop_rat<=0.01", "drop_rat"), ("drop_rate<<1", "drop_rate<<1")):
        code = cli_main(["sweep", str(scenario), "--set", "cameras.cam.fps=50", "--jobs", "1", "--quiet", "--where", where])
        err = capsys.readouterr().err
        assert code == 2 and named in err and err.count("\n") == 1 and "Traceback" not in err, err


def test_sweep_cli_notes_pareto_and_report(tmp_path, capsys):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(_overload()))
    out = tmp_path / "out"
    code = cli_main(["sweep", str(scenario), "--set", "cameras.cam.fps=25,50,150", "--set",
                     "compute_units.unit.idle_power_w=0.5,1.0", "--replications", "2", "--jobs", "1", "--quiet",
                     "--where", "drop_rate<=0.01", "--pareto", "system.avg_power_w:min,max_p99_latency_ms:min",
                     "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0
    assert "+/- 0*" in text and DETERMINISTIC_NOTE in text  # periodic arrivals: replications repeat one run
    assert QUEUE_CAP_NOTE in text  # 150 fps drops: p99 is capped by the queue
    front_part = text.split("Pareto front")[1]
    assert "150" not in front_part.split("wrote")[0]  # the overloaded configurations violate --where
    page = (out / "report.html").read_text()
    for needed in ("average power (W)", "p99 latency (ms)", "violates --where", "Pareto front", "<svg", "drop_rate&lt;=0.01"):
        assert needed in page, needed
    assert (out / "pareto.png").stat().st_size > 0
    assert axis_label("units.npu.avg_power_w") == "npu average power (W)"
    assert axis_label("system.inferences_per_j") == "inferences per joule (1/J)"


def test_every_row_records_the_command_that_reproduces_it(tmp_path):
    scenario = tmp_path / "s.yaml"
    base = single_queue(fps=50, service_s=0.01, duration_s=3)
    scenario.write_text(yaml.safe_dump(base))
    item = {"name": "unit", "kind": "npu", "idle_power_w": 0.7, "max_power_w": 5.0,
            "measured": [{"model": "net", "fps": 80.0, "power_w": 5.0, "width_px": 100, "height_px": 100, "source": "t"}]}
    df = sweep(scenario, {"cameras.cam.fps": [20, 40], "compute_units.unit": [item]}, duration_s=2.5,
               executor="serial")
    for _, row in df.iterrows():
        argv = shlex.split(row["command"])
        assert argv[:3] == ["edgesim", "run", str(scenario)]
        assert argv[argv.index("--seed") + 1] == str(row["seed"]) and argv[argv.index("--duration") + 1] == "2.5"
        sets = [argv[i + 1] for i, a in enumerate(argv) if a == "--set"]
        data = yaml.safe_load(scenario.read_text())
        for text in sets:  # the same parser as edgesim run --set
            path, values = parse_assignment(text)
            assert len(values) == 1
            set_path(data, path, values[0])
        data["duration_s"], data["seed"] = 2.5, int(argv[argv.index("--seed") + 1])
        again = edgesim.simulate(edgesim.scenario_from_dict(data))
        assert again.summary["system"]["energy_j"] == row["system.energy_j"]
        assert again.summary["streams"][0]["latency_ms"]["p99"] == row["streams.cam/net.latency_ms.p99"]


@pytest.mark.parametrize("value", [15, 0.1, 1e-05, "hailo8", "30", True, None, "a,b", {"name": "npu", "device": "hailo8"},
                                   [1, 2], {"x": "1,2"}])
def test_format_assignment_round_trips(value):
    path, values = parse_assignment(format_assignment("a.b", value))
    assert path == "a.b" and values == [value] and type(values[0]) is type(value)


def test_resolution_sets_width_and_height_together():
    d = single_queue(fps=10, service_s=0.01)
    set_path(d, "cameras.cam.resolution", "1920x1080")
    assert (d["cameras"][0]["width_px"], d["cameras"][0]["height_px"]) == (1920, 1080) and "resolution" not in d["cameras"][0]
    set_path(d, "cameras.cam.resolution", [640, 480])
    assert (d["cameras"][0]["width_px"], d["cameras"][0]["height_px"]) == (640, 480)
    assert parse_assignment("cameras.cam.resolution=1920x1080,1280x720")[1] == ["1920x1080", "1280x720"]
    with pytest.raises(edgesim.EdgesimError, match="WIDTHxHEIGHT"):
        set_path(d, "cameras.cam.resolution", "big")
    df = sweep(d | {"duration_s": 2}, {"cameras.cam.resolution": ["100x100", "200x100"]}, executor="serial")
    assert df["cameras.cam.resolution"].tolist() == ["100x100", "200x100"]
    ms = df["streams.cam/net.service_ms.estimate"].tolist()
    # twice the pixels: more time, at most twice (measured 10 ms at 100 x 100; the performance model scales the
    # compute with the pixels, not the per-call share it attributes to the rest)
    assert ms[0] == pytest.approx(10.0) and ms[0] < ms[1] <= 2 * ms[0]


def _efficiency_scenario() -> dict:
    """An analytic unit: 1e6 ops a frame at 100 fps on 1e9 ops/s x efficiency; 10 ms budget."""
    d = single_queue(fps=100, service_s=0.01, arrival="periodic", duration_s=3, drop_policy="drop_newest")
    unit = d["compute_units"][0]
    del unit["measured"]
    unit["peak_ops_per_s"] = {"int8": 1.0e9}
    d["models"][0].update(ops_per_pixel=100.0, precision="int8")  # 100 x 100 px x 100 = 1e6 ops
    return d


def test_fit_searches_in_either_direction():
    # service time 1e6 / (1e9 e) = 1 ms / e: no drops at 100 fps while e >= 0.1 (service <= 10 ms)
    d = _efficiency_scenario()
    unit = d["compute_units"][0]
    unit["efficiency"] = 0.5
    res = fit(d, "compute_units.unit.efficiency", 0.02, 1.0, integer=False, tol=0.005, constraints=["drop_rate<=0"])
    assert res.seek == "smallest" and res.monotone
    assert res.first_infeasible < 0.1 <= res.value <= res.first_infeasible + 0.005 + 1e-12
    assert "smallest compute_units.unit.efficiency that fits" in res.message()
    up = fit(d, "cameras.cam.fps", 10, 400, constraints=["drop_rate<=0"])  # e = 0.5: 2 ms a frame, 500 fps
    assert up.seek == "largest" and up.value == 400 and up.capped
    down = fit(d, "cameras.cam.fps", 10, 1000, constraints=["drop_rate<=0", "max_p99_latency_ms<=2.5"])
    assert down.seek == "largest" and down.value == 500 and down.first_infeasible == 501
    none = fit(d, "compute_units.unit.efficiency", 0.01, 0.05, integer=False, constraints=["drop_rate<=0"])
    assert none.value is None and "nothing fits" in none.message()
    with pytest.raises(SweepError, match="no result column 'nosuch'"):
        fit(d, "cameras.cam.fps", 10, 20, constraints=["nosuch<=1"])
    np.testing.assert_equal(res.probes["feasible"].to_numpy(), res.probes["value"].to_numpy() >= res.value)
