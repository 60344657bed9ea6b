"""Bad input: one message naming the file, the field path and the problem; exit code 2; no traceback."""
from __future__ import annotations

import copy
import subprocess
import sys

import pytest
import yaml

from tests.helpers import run_cli, single_queue


def write(tmp_path, data, name="bad.yaml"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return path



def base():
    return copy.deepcopy(single_queue(fps=10.0, service_s=1e-3, duration_s=1.0))


def set_path(data, path, value):
    *parents, last = path
    node = data
    for p in parents:
        node = node[p]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return data


DELETE = object()

CASES = [
    # (description, path into the dict, value, expected field text, expected words in the problem)
    ("unknown key", ("cameras", 0, "colour"), "red", "cameras[0].colour", "unknown key"),
    ("missing field", ("cameras", 0, "fps"), DELETE, "cameras[0].fps", "missing"),
    ("wrong type", ("cameras", 0, "fps"), "fast", "cameras[0].fps", "number"),
    ("zero fps", ("cameras", 0, "fps"), 0, "cameras[0].fps", "greater than 0"),
    ("negative fps", ("cameras", 0, "fps"), -30, "cameras[0].fps", "greater than 0"),
    ("zero width", ("cameras", 0, "width_px"), 0, "cameras[0].width_px", "greater than 0"),
    ("negative height", ("cameras", 0, "height_px"), -480, "cameras[0].height_px", "greater than 0"),
    ("negative idle power", ("compute_units", 0, "idle_power_w"), -1.0, "compute_units[0].idle_power_w", "greater than or equal to 0"),
    ("zero max power", ("compute_units", 0, "max_power_w"), 0.0, "compute_units[0].max_power_w", "greater than 0"),
    ("unknown camera", ("streams", 0, "camera"), "nocam", "streams[0].camera", "no camera named 'nocam'"),
    ("unknown model", ("streams", 0, "model"), "nonet", "streams[0].model", "no model named 'nonet'"),
    ("unknown unit", ("streams", 0, "unit"), "nounit", "streams[0].unit", "no unit named 'nounit'"),
    ("bad drop policy", ("streams", 0, "drop_policy"), "drop_random", "streams[0].drop_policy", "drop_oldest"),
    ("top-level unknown key", ("durration_s",), 5, "durration_s", "unknown key"),
]


@pytest.mark.parametrize("desc,path,value,field,words", CASES, ids=[c[0] for c in CASES])
def test_bad_scenario_exit_2_names_file_and_field(tmp_path, capsys, desc, path, value, field, words):
    bad = write(tmp_path, set_path(base(), path, value))
    code, out, err = run_cli(capsys, "run", str(bad))
    assert code == 2
    assert out == ""
    assert str(bad) in err
    assert f": {field}:" in err
    assert words in err
    assert "Traceback" not in err


def test_yaml_syntax_error_gives_line_and_column(tmp_path, capsys):
    bad = write(tmp_path, "name: x\ncameras: [\n  {name: a, fps: 3\nmodels: []\n")
    code, _, err = run_cli(capsys, "run", str(bad))
    assert code == 2
    assert str(bad) in err and "YAML syntax error at line" in err and "column" in err


def test_missing_file(tmp_path, capsys):
    code, _, err = run_cli(capsys, "run", str(tmp_path / "nope.yaml"))
    assert code == 2 and "nope.yaml" in err and "file not found" in err


def test_unwritable_out_is_refused_before_running(tmp_path, capsys):
    good = write(tmp_path, base(), "good.yaml")
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, out, err = run_cli(capsys, "run", str(good), "--out", str(blocker / "sub"))
    assert code == 2 and "--out" in err and str(blocker / "sub") in err and out == ""


def test_warmup_not_below_duration(tmp_path, capsys):
    data = base()
    data["warmup_s"] = 2.0
    code, _, err = run_cli(capsys, "run", str(write(tmp_path, data)))
    assert code == 2 and "warmup_s" in err


def test_a_datasheet_only_unit_runs_from_its_kinds_prior(tmp_path, capsys):
    # no efficiency and no point is no longer an error: the unit predicts from its datasheet
    data = base()
    unit = data["compute_units"][0]
    unit["measured"] = []
    unit["peak_ops_per_s"] = {"int8": 1e12}
    code, _, err = run_cli(capsys, "run", str(write(tmp_path, data)))
    assert code == 0, err


def test_several_problems_are_all_listed(tmp_path, capsys):
    data = base()
    data["cameras"][0]["fps"] = 0
    data["compute_units"][0]["max_power_w"] = -1
    code, _, err = run_cli(capsys, "run", str(write(tmp_path, data)))
    assert code == 2 and "cameras[0].fps" in err and "compute_units[0].max_power_w" in err


def test_console_script_exits_2_without_traceback(tmp_path):
    bad = write(tmp_path, set_path(base(), ("cameras", 0, "fps"), -1))
    proc = subprocess.run([sys.executable, "-m", "edgesim.cli", "run", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "cameras[0].fps" in proc.stderr and "Traceback" not in proc.stderr
