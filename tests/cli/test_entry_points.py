"""The edgesim command line as one package: entry points, every command registered, usage errors in one line with
exit 2, the YAML names of docs/pipelines.md read as text, and the white-paper formulas importing only the standard
library."""
from __future__ import annotations

import ast
import re
import subprocess
import sys

import pytest
import yaml

import edgesim
from edgesim.cli import COMMAND_MODULES, build_parser
from tests.helpers import ROOT, SCENARIOS
from tests.helpers import run_cli as run

INTERSECTION = SCENARIOS / "intersection_3cam.yaml"



# -- entry points ---------------------------------------------------------------------------------------------


def test_python_m_edgesim_version():
    proc = subprocess.run([sys.executable, "-m", "edgesim", "--version"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"edgesim {edgesim.__version__}"


def test_version_and_help_return_0(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == f"edgesim {edgesim.__version__}"
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "run" in out and "schema" in out


def test_every_command_module_registers_its_command():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert {"run", "sweep", "fit", "budget", "catalog", "schema"} <= set(sub.choices)
    assert all(callable(m.register) for m in COMMAND_MODULES)


# -- one error path: one line, exit 2, no traceback --------------------------------------------------------------


@pytest.mark.parametrize("argv,start", [
    (("run",), "edgesim: error: run: the following arguments are required: scenario"),
    (("nosuch",), "edgesim: error: COMMAND: invalid choice: 'nosuch'"),
    (("run", INTERSECTION, "--duration", "abc"), "edgesim: error: --duration: 'abc' is not a number"),
    (("run", INTERSECTION, "--bogus"), "edgesim: error: unrecognized arguments: --bogus"),
    (("run", INTERSECTION, "--set", "cameras.cam.fps"), "edgesim: error: "),
])
def test_usage_errors_are_one_line_and_exit_2(capsys, argv, start):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith(start), err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err and "usage:" not in err


# -- run --set, paired values, --duration standing in for duration_s ------------------------------------------


# -- schema --------------------------------------------------------------------------------------------------


# -- budget scenario counts pipelines and MLPerf loads per unit ------------------------------------------------


# -- the laptop's text shows the platform loads beside the units ------------------------------------------------


# -- docs and layering --------------------------------------------------------------------------------------------


def test_pipelines_doc_yaml_names_are_text():
    text = (ROOT / "docs" / "pipelines.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    assert blocks

    def names(node):
        if isinstance(node, dict):
            if "name" in node:
                yield node["name"]
            for value in node.values():
                yield from names(value)
        elif isinstance(node, list):
            for item in node:
                yield from names(item)

    found = [n for block in blocks for n in names(yaml.safe_load(block))]
    assert found and all(isinstance(n, str) for n in found), found


def test_whitepaper_formulas_import_only_the_standard_library():
    tree = ast.parse((ROOT / "edgesim" / "physics" / "whitepaper.py").read_text())
    modules = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    modules |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert modules <= {"__future__", "math"}, modules
