"""The command line is a thin layer (issue 19 item 3): one number formatter, one ``--set`` parser, shared option
types, and no command module over 300 lines."""
from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np
import pytest

from edgesim.cli.run import parse_sets
from edgesim.cli.types import parse_set_options
from edgesim.errors import ScenarioError
from edgesim.fmt import fmt

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "edgesim" / "cli"


def _calls(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.func.id if isinstance(n.func, ast.Name) else n.func.attr for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, (ast.Name, ast.Attribute))}


def test_every_cli_module_is_at_most_300_lines() -> None:
    long = {p.name: n for p in CLI.glob("*.py") if (n := len(p.read_text(encoding="utf-8").splitlines())) > 300}
    assert not long, long


def test_one_number_formatter_for_the_cli_and_the_sweep_report() -> None:
    """No private formatter is left beside edgesim.fmt.fmt (the old _g, sweep._fmt, report._cell, fit._fmt)."""
    defs = {f"{p.relative_to(ROOT)}:{n.name}" for p in [*CLI.glob("*.py"), *(ROOT / "edgesim" / "sweeps").glob("*.py")]
            for n in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
            if isinstance(n, ast.FunctionDef) and n.name in {"_g", "_fmt", "_cell", "fmt", "_f"}}
    assert not defs, defs


def test_fmt_writes_missing_floats_and_integers_as_a_reader_expects() -> None:
    assert fmt(None) == fmt(float("nan")) == fmt(np.float64("nan")) == "-"
    assert fmt(2.0 / 3.0) == "0.6667" and fmt(np.float32(0.5)) == "0.5" and fmt(1e-12) == "1e-12"
    assert fmt(math.inf) == "inf" and fmt(2.0 / 3.0, ".2f") == "0.67"
    assert fmt(123456789) == "123456789" and fmt(np.int64(7)) == "7" and fmt("hailo8") == "hailo8" and fmt(True) == "True"


def test_one_set_parser_for_run_sweep_and_fit() -> None:
    """Only cli/types.py parses a --set text; run, sweep and fit call it."""
    parsers = {p.name for p in CLI.glob("*.py") if "parse_assignment" in _calls(p)}
    assert parsers == {"types.py"}, parsers
    users = {p.name for p in CLI.glob("*.py") if "parse_set_options" in _calls(p)}
    assert {"run.py", "sweep.py", "fit.py"} <= users, users


def test_the_set_parser_reads_the_sweep_syntax_and_names_the_option_when_refusing() -> None:
    assert parse_set_options(["cameras.cam.fps=15,30", "compute_units.npu.device=hailo8"], "s.yaml") == {
        "cameras.cam.fps": [15, 30], "compute_units.npu.device": ["hailo8"]}
    assert parse_sets(["cameras.cam.resolution=640x480"], "s.yaml") == {"cameras.cam.width_px": 640,
                                                                         "cameras.cam.height_px": 480}
    for texts, one in ((["cameras.cam.fps=15,30"], "in run"), (["novalue"], None)):
        with pytest.raises(ScenarioError) as info:
            parse_set_options(texts, "s.yaml", one_value=one)
        assert info.value.source == "s.yaml" and info.value.field == f"--set {texts[0]}"
