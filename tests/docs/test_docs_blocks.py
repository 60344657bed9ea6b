"""Every ``bash`` and ``python`` block of README.md and docs/*.md runs (as SimPy runs its .rst files), or is listed
in :data:`SKIP` with the reason it cannot run here.

Shell blocks: each command (``\\``-continued lines joined, ``#`` comments dropped) runs as its own process from the
repository root, without a shell: ``edgesim`` (or ``.venv/bin/edgesim``) is ``sys.executable -m edgesim`` and
``python`` is ``sys.executable``, so the checkout under test is what runs. Python blocks run as
``sys.executable -c BLOCK`` from the repository root. Each must exit 0.

To keep the file to seconds, the commands are shortened by one documented table, :func:`shorten`:

* ``edgesim run``, ``sweep``, ``fit`` and ``budget scenario``: ``--duration 2`` (replacing any given), and
  ``sweep`` / ``fit`` serially (``--jobs 1``) unless the block names ``--jobs``;
* any ``--out DIR`` (and a Python ``out="DIR"``) goes to a temporary folder, never into the checkout;
* Python blocks: ``duration_s=N`` becomes ``duration_s=2``;
* a glob (``scenarios/*.yaml``) is expanded as a shell would.

The numbers printed are not compared with the comments in the docs: the golden summaries, the experiments'
tests and the device-scenario tests pin those.
"""
from __future__ import annotations

import glob
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHORT_DURATION_S = "2"

SKIP: dict[str, str] = {
    "python3 -m venv .venv": "installs the package into a new virtual environment (network, minutes)",
    ".venv/bin/python -m pytest": "the whole test suite, of which this file is part",
    "source .venv/bin/activate": "a shell built-in; these tests call the interpreter directly",
    "edgesim calibrate my_measurements.csv": "needs the reader's own measurements file (the command: tests/calibration/test_calibrate_command.py)",
    "edgesim model import mynet.onnx": "needs the reader's ONNX file (the command: tests/profiles/test_onnx_catalog.py)",
    "edgesim run my_onnx_scenario.yaml": "needs the catalog file of the reader's ONNX graph (the flow: tests/profiles/test_onnx_catalog.py)",
    "edgesim catalog show mydev --catalog mine.yaml": "needs the reader's catalog file (the option: tests/cli/test_catalog.py)",
    "edgesim budget scenario scenarios/poe_camera_class3.yaml [": "a usage line ([...] marks optional arguments); its forms run above",
    "python experiments/bench_engine.py": "a benchmark: minutes of CPU (run it by hand)",
    "python experiments/accelerator_whatif.py --fast": "minutes of CPU; checked by tests/sweeps/test_whatif_experiment.py (its fast test)",
    "python experiments/outdoor_day.py": "a simulated day (about a minute); the scenario is checked by tests/scenarios/test_outdoor_day.py",
    "python experiments/rpi5_fan_vs_passive.py": "two 30-minute thermal runs and a figure; the scenario runs in the rpi5_fan block",
}
"""Commands (by how they start, comments dropped) that are not run here, and why."""


@dataclass(frozen=True)
class Block:
    """A fenced code block: file, first line (1-based, the fence), language, text."""

    path: Path
    line: int
    lang: str
    text: str

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.S | re.M)


def blocks() -> list[Block]:
    out = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for m in FENCE.finditer(text):
            if m.group(1) in ("bash", "python"):
                out.append(Block(path, text[:m.start()].count("\n") + 1, m.group(1), m.group(2)))
    return out


def commands(text: str) -> list[list[str]]:
    """The commands of a shell block, as words: continued lines joined, comments and blank lines dropped."""
    joined = re.sub(r"\\\n\s*", " ", text)
    return [words for line in joined.splitlines() if (words := shlex.split(line, comments=True))]


def skip_reason(words: list[str]) -> str | None:
    command = " ".join(words)
    for start, reason in SKIP.items():
        if command.startswith(start):
            return reason
    return None


def shorten(words: list[str], tmp: Path) -> list[str]:
    """The substitution table of the module docstring, applied to one command's words (``edgesim`` first)."""
    words = list(words)
    for i, w in enumerate(words[:-1]):
        if w in ("--out", "-o"):
            words[i + 1] = str(tmp / words[i + 1])
    sub = words[1] if len(words) > 1 else ""
    if sub in ("run", "sweep", "fit") or words[1:3] == ["budget", "scenario"]:
        if "--duration" in words:
            i = words.index("--duration")
            del words[i:i + 2]
        words += ["--duration", SHORT_DURATION_S]
    if sub in ("sweep", "fit") and "--jobs" not in words and "-j" not in words:
        words += ["--jobs", "1"]
    expanded: list[str] = []
    for w in words:
        matches = sorted(glob.glob(w, root_dir=ROOT)) if any(c in w for c in "*?") else []
        expanded += matches or [w]
    return expanded


def argv_of(words: list[str], tmp: Path) -> list[str]:
    head = words[0]
    if head in ("edgesim", ".venv/bin/edgesim"):
        return [sys.executable, "-m", "edgesim", *shorten(words, tmp)[1:]]
    if head in ("python", "python3", ".venv/bin/python"):
        return [sys.executable, *words[1:]]
    raise AssertionError(f"no rule to run {head!r}: add one to argv_of or the command to SKIP")


def run(argv: list[str], what: str) -> None:
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "MPLBACKEND": "Agg"})
    assert proc.returncode == 0, f"{what} exited {proc.returncode}:\n{proc.stderr[-2000:]}"


ALL = blocks()


def test_blocks_are_found():
    assert any(b.lang == "bash" for b in ALL) and any(b.lang == "python" for b in ALL)
    assert any(b.path.name == "README.md" for b in ALL)


@pytest.mark.parametrize("block", [b for b in ALL if b.lang == "bash"], ids=lambda b: b.id)
def test_shell_block_runs(block: Block, tmp_path: Path) -> None:
    if "<<" in block.text:  # a here-document writes a file the next command reads: run the block as one bash script
        prelude = f'set -euo pipefail\nedgesim() {{ "{sys.executable}" -m edgesim "$@"; }}\n'
        run(["bash", "-c", prelude + block.text], block.id)
        return
    ran = 0
    for command in commands(block.text):
        if skip_reason(command) is not None:
            continue
        run(argv_of(command, tmp_path), f"{block.id}: {' '.join(command)}")
        ran += 1
    if ran == 0:
        pytest.skip("; ".join(sorted({skip_reason(c) or "" for c in commands(block.text)})))


@pytest.mark.parametrize("block", [b for b in ALL if b.lang == "python"], ids=lambda b: b.id)
def test_python_block_runs(block: Block, tmp_path: Path) -> None:
    code = re.sub(r"\bduration_s=\d+(\.\d*)?", f"duration_s={SHORT_DURATION_S}", block.text)
    code = re.sub(r"""\bout=(["'])(.+?)\1""", lambda m: f"out={str(tmp_path / m.group(2))!r}", code)
    run([sys.executable, "-c", code], block.id)


def test_every_skipped_command_exists_in_the_docs():
    """A skip entry whose command left the docs is stale: remove it."""
    every = [" ".join(c) for b in ALL if b.lang == "bash" for c in commands(b.text)]
    stale = [start for start in SKIP if not any(c.startswith(start) for c in every)]
    assert not stale, stale


def test_the_shell_parser_on_a_continued_commented_block():
    text = "edgesim sweep a.yaml \\\n    --set x=1,2   # two runs\n# a comment line\n\nedgesim --version\n"
    assert commands(text) == [["edgesim", "sweep", "a.yaml", "--set", "x=1,2"], ["edgesim", "--version"]]
    tmp = Path("/tmp/x")
    assert shorten(["edgesim", "run", "s.yaml", "--duration", "30", "--out", "o"], tmp) == [
        "edgesim", "run", "s.yaml", "--out", "/tmp/x/o", "--duration", SHORT_DURATION_S]
