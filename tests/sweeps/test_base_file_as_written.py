"""A sweep never hides a bad value in its base file: the file is checked as written where the sweep replaces it."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import edgesim
from edgesim.errors import EdgesimError

ROOT = Path(__file__).resolve().parents[2]


def _bad_copy(tmp_path: Path, field: str, value: str) -> Path:
    text = (ROOT / "scenarios" / "intersection_3cam.yaml").read_text()
    lines = [f"{field}: {value}" if line.startswith(f"{field}:") else line for line in text.splitlines()]
    path = tmp_path / "bad.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("value", ["-5", ".nan", "'10 s'"])
def test_sweep_api_refuses_a_bad_duration_it_would_replace(tmp_path, value):
    path = _bad_copy(tmp_path, "duration_s", value)
    with pytest.raises(EdgesimError, match=r"duration_s: .*\(in the file, before the sweep's duration\)"):
        edgesim.sweep(str(path), {"cameras.cam.fps": [15]}, duration_s=1)


def test_sweep_cli_refuses_a_bad_duration_it_would_replace(tmp_path):
    path = _bad_copy(tmp_path, "duration_s", "-5")
    proc = subprocess.run([sys.executable, "-m", "edgesim", "sweep", str(path), "--set", "cameras.cam.fps=15,30",
                           "--duration", "1"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "duration_s" in lines[0] and "Traceback" not in proc.stderr


def test_library_load_scenario_checks_the_file_before_overrides(tmp_path):
    path = _bad_copy(tmp_path, "duration_s", "-5")
    with pytest.raises(EdgesimError, match=r"duration_s: .*\(in the file, before the override\)"):
        edgesim.load_scenario(path, overrides={"duration_s": 5})
