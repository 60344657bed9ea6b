"""Start-up of the command line.

* ``edgesim --version`` / ``--help`` import no command, and ``edgesim run`` none of the heavy modules it does not
  use: asserted on ``sys.modules`` in a fresh interpreter (a timing test would be flaky on a shared machine;
  ``experiments/bench_startup.py`` measures the times).
* The lazy parser (one command imported) says the same as the full one (every command imported).
"""
from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from edgesim.cli import COMMANDS, build_parser, command_in
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


def test_run_without_out_loads_neither_figures_nor_sweeps_nor_optimisers():
    # the Hailo-8 has measured points: its conditioning on them is precomputed with the calibration
    # (edgesim/catalog/data/conditioned.json), so a run of catalog units needs no scipy.optimize
    loaded = modules_after(["run", str(INTERSECTION), "--duration", "2"])
    assert not loaded & NOT_FOR_RUN, loaded


def test_a_units_own_points_are_fitted_at_run_time(tmp_path):
    # points of the user's own (not the catalog's): the small least-squares fit runs at compile, with scipy.optimize
    data = yaml.safe_load(INTERSECTION.read_text())
    data["compute_units"][0]["measured"] = [{"model": "yolov8n", "fps": 500.0, "width_px": 640, "height_px": 640,
                                             "source": "illustrative point (test)"}]
    path = tmp_path / "own_points.yaml"
    path.write_text(yaml.safe_dump(data))
    loaded = modules_after(["run", str(path), "--duration", "2"])
    assert "scipy.optimize" in loaded and not loaded & (NOT_FOR_RUN - {"scipy.optimize"}), loaded


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


# -- battery life in days ------------------------------------------------------------------------------------
