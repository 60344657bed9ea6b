"""Start-up and "never silently wrong" on the command line.

* ``edgesim --version`` / ``--help`` import no command, and ``edgesim run`` none of the heavy modules it does not
  use: asserted on ``sys.modules`` in a fresh interpreter (a timing test would be flaky on a shared machine;
  ``experiments/bench_startup.py`` measures the times).
* The lazy parser (one command imported) says the same as the full one (every command imported).
* A bad value in the file is an error even where ``--duration``, ``--seed`` or ``--set`` replaces it.
* ``battery_life_days`` beside ``battery_life_h``, and in the text output when the life exceeds 48 h.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from edgesim.cli import COMMANDS, build_parser, command_in, main
from tests.helpers import ROOT, SCENARIOS

INTERSECTION = SCENARIOS / "intersection_3cam.yaml"
HEAVY = ("pandas", "matplotlib", "pyarrow", "scipy.optimize", "scipy.stats", "dask", "edgesim.calibration.calibrate",
         "edgesim.sweeps.runner")


def modules_after(argv: list[str]) -> set[str]:
    """The modules loaded once ``edgesim ARGV`` has run, in a fresh interpreter (the heavy ones only)."""
    code = ("import sys, contextlib, io\nfrom edgesim.cli import main\n"
            f"with contextlib.redirect_stdout(io.StringIO()):\n    code = main({argv!r})\n"
            f"print(code, ','.join(m for m in {HEAVY!r} if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    code_text, _, loaded = proc.stdout.strip().partition(" ")
    assert code_text == "0", proc.stdout + proc.stderr
    return set(filter(None, loaded.split(",")))


BUDGET_CAPACITY = ["budget", "capacity", "--fps", "30", "--width", "640", "--height", "480", "--ops-per-pixel", "150000"]


@pytest.mark.parametrize("argv", [["--version"], ["--help"], BUDGET_CAPACITY], ids=["version", "help", "budget-capacity"])
def test_version_help_and_formulas_import_nothing_heavy(argv):
    assert modules_after(argv) == set()


NOT_FOR_RUN = {"matplotlib", "scipy.optimize", "scipy.stats", "dask", "networkx", "edgesim.calibration.calibrate", "edgesim.sweeps.runner"}
"""What ``edgesim run`` of a scenario without pipelines or ``--out`` does not need (pandas it does: the result's tables are
DataFrames)."""


def test_run_help_loads_no_figures_sweeps_or_optimisers():
    assert not modules_after(["run", "--help"]) & NOT_FOR_RUN


def test_run_without_out_loads_neither_figures_nor_sweeps():
    # the Hailo-8 has measured points: the performance model conditions its parameters on them at compile, a small
    # least-squares fit, so this run needs scipy.optimize (~0.4 s of the run's start-up; docs/architecture.md)
    loaded = modules_after(["run", str(INTERSECTION), "--duration", "2"])
    assert not loaded & (NOT_FOR_RUN - {"scipy.optimize"}), loaded


def test_run_of_units_without_measured_points_loads_no_optimiser(tmp_path):
    data = yaml.safe_load(INTERSECTION.read_text())
    data["compute_units"] = [{"name": "npu", "kind": "npu", "peak_ops_per_s": {"int8": 26e12}, "idle_power_w": 0.5,
                              "max_power_w": 3.0, "sources": {"all": "illustrative datasheet-only unit (test)"}}]
    path = tmp_path / "datasheet_only.yaml"
    path.write_text(yaml.safe_dump(data))
    loaded = modules_after(["run", str(path), "--duration", "2"])
    assert not loaded & NOT_FOR_RUN, loaded


def test_the_console_script_prints_the_version_without_pandas():
    code = ("import runpy, sys\nsys.argv = ['edgesim', '--version']\n"
            "try:\n    runpy.run_module('edgesim', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('pandas', 'matplotlib', 'scipy.optimize') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.splitlines() == [f"edgesim {__import__('edgesim').__version__}", "[]"]


def test_lazy_help_lists_what_the_full_parser_lists():
    full = build_parser().format_help()
    lazy = build_parser([]).format_help()
    assert lazy == full


@pytest.mark.parametrize("command", [c.name for c in COMMANDS])
def test_registry_help_is_the_modules_own_help(command):
    sub = next(a for a in build_parser([command])._actions if a.dest == "command")
    helps = {c.dest: c.help for c in sub._choices_actions}
    assert helps[command] == next(c.help for c in COMMANDS if c.name == command)
    assert sub.choices[command].format_help() == next(
        a for a in build_parser()._actions if a.dest == "command").choices[command].format_help()


def test_command_in_reads_the_first_argument_only():
    assert command_in(["run", "x.yaml"]) == "run"
    assert command_in(["--version"]) is None
    assert command_in(["x.yaml", "run"]) is None
    assert command_in([]) is None


# -- the file as written, before the overrides ---------------------------------------------------------------


def write_scenario(tmp_path, **changes):
    data = yaml.safe_load(INTERSECTION.read_text())
    data.update(changes)
    path = tmp_path / "x.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("bad", [-5, float("nan"), "10 s", 0])
def test_bad_duration_in_the_file_is_an_error_under_duration(tmp_path, capsys, bad):
    path = write_scenario(tmp_path, duration_s=bad)
    code, out, err = run_cli(capsys, "run", path, "--duration", 5)
    assert code == 2 and out == ""
    assert err.startswith(f"edgesim: error: {path}: duration_s: ") and err.rstrip().endswith("(in the file, before --duration)"), err
    assert len(err.strip().splitlines()) == 1


def test_the_documented_message(tmp_path, capsys):
    path = write_scenario(tmp_path, duration_s=-5)
    _, _, err = run_cli(capsys, "run", path, "--duration", 5)
    assert err.strip() == f"edgesim: error: {path}: duration_s: Input should be greater than 0 (got -5) (in the file, before --duration)"


def test_bad_seed_in_the_file_is_an_error_under_seed(tmp_path, capsys):
    path = write_scenario(tmp_path, seed=-1)
    code, _, err = run_cli(capsys, "run", path, "--seed", 3, "--duration", 2)
    assert code == 2 and "seed" in err and err.rstrip().endswith("(in the file, before --seed)"), err


def test_bad_field_in_the_file_is_an_error_under_set(tmp_path, capsys):
    data = yaml.safe_load(INTERSECTION.read_text())
    data["cameras"][0]["fps"] = -3
    path = tmp_path / "x.yaml"
    path.write_text(yaml.safe_dump(data))
    code, _, err = run_cli(capsys, "run", path, "--set", "cameras.cam.fps=15", "--duration", 2)
    assert code == 2 and "cameras[0].fps" in err and "(in the file, before --set cameras.cam.fps)" in err, err


def test_unknown_device_in_the_file_is_an_error_under_set(tmp_path, capsys):
    data = yaml.safe_load(INTERSECTION.read_text())
    data["compute_units"][0]["device"] = "nosuch"
    path = tmp_path / "x.yaml"
    path.write_text(yaml.safe_dump(data))
    code, _, err = run_cli(capsys, "run", path, "--set", "compute_units.npu.device=hailo8", "--duration", 2)
    assert code == 2 and "compute_units[0].device" in err and "before --set compute_units.npu.device" in err, err


def test_a_missing_duration_is_still_supplied_by_duration(tmp_path, capsys):
    data = yaml.safe_load(INTERSECTION.read_text())
    del data["duration_s"]
    path = tmp_path / "x.yaml"
    path.write_text(yaml.safe_dump(data))
    code, out, err = run_cli(capsys, "run", path, "--duration", 2, "--json")
    assert code == 0, err
    assert json.loads(out)["duration_s"] == 2.0


def test_a_valid_file_with_overrides_runs_with_the_overrides(capsys):
    code, out, err = run_cli(capsys, "run", INTERSECTION, "--duration", 2, "--seed", 7, "--set", "cameras.cam.fps=15", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["duration_s"] == 2.0 and summary["seed"] == 7
    assert all(s["nominal_fps"] == 15.0 for s in summary["streams"])


def test_library_overrides_check_the_file_too(tmp_path):
    import edgesim
    from edgesim.errors import ScenarioError

    path = write_scenario(tmp_path, duration_s=-5)
    with pytest.raises(ScenarioError, match=r"duration_s: .*\(in the file, before the override\)"):
        edgesim.load_scenario(path, overrides={"duration_s": 5})


# -- battery life in days ------------------------------------------------------------------------------------


def test_battery_life_days_beside_hours_and_in_the_text_above_48_h(capsys):
    battery = SCENARIOS / "battery_camera_yolov8n.yaml"
    code, out, err = run_cli(capsys, "run", battery, "--set", "battery.capacity_wh=500", "--duration", 20, "--json")
    assert code == 0, err
    system = json.loads(out)["system"]
    assert system["battery_life_h"] > 48
    assert system["battery_life_days"] == pytest.approx(system["battery_life_h"] / 24.0, rel=1e-12)
    code, out, err = run_cli(capsys, "run", battery, "--set", "battery.capacity_wh=500", "--duration", 20)
    line = next(x for x in out.splitlines() if x.startswith("battery:"))
    assert f"({system['battery_life_days']:.2f} days)" in line, line


def test_battery_life_under_48_h_stays_in_hours(capsys):
    code, out, err = run_cli(capsys, "run", SCENARIOS / "battery_camera_yolov8n.yaml", "--duration", 20)
    assert code == 0, err
    line = next(x for x in out.splitlines() if x.startswith("battery:"))
    assert " h," in line and "days" not in line


def test_no_battery_no_battery_life_days(capsys):
    code, out, _ = run_cli(capsys, "run", INTERSECTION, "--duration", 2, "--json")
    system = json.loads(out)["system"]
    assert system["battery_life_h"] is None and system["battery_life_days"] is None
