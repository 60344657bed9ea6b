"""Sweep files are read under edgesim's one input-file policy (edgesim.textfile): a UTF-8 BOM, CRLF line
ends and UTF-16 with a byte-order mark read as the text they are; a file that is not small text (binary, Latin-1,
UTF-16 without a mark, over the sweep's 1 MiB cap, a directory, a pipe) gives one line naming the file and exit 2."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from edgesim.cli import main as cli_main
from edgesim.sweeps.inputs import MAX_FILE_BYTES

ROOT = Path(__file__).resolve().parents[2]
PLAIN = (f"scenario: {ROOT / 'scenarios' / 'intersection_3cam.yaml'}\nduration_s: 2\n"
         "parameters:\n  cameras.cam.fps: [15, 30]\n  compute_units.npu.device: [hailo8, hailo8l]\n")


def _dry_run(path: Path, capsys) -> tuple[int, str, str]:
    code = cli_main(["sweep", str(path), "--jobs", "1", "--quiet", "--dry-run"])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("kind", ["bom", "crlf", "bom+crlf", "utf-16", "utf-16-be"])
def test_bom_and_crlf_read_as_the_same_plan(tmp_path, capsys, kind):
    plain = tmp_path / "plain.yaml"
    plain.write_text(PLAIN, encoding="utf-8")
    text = PLAIN.replace("\n", "\r\n") if "crlf" in kind else PLAIN
    other = tmp_path / f"{kind}.yaml"
    if kind.startswith("utf-16"):  # a spreadsheet's "Unicode text": UTF-16 with a byte-order mark
        other.write_bytes(b"\xfe\xff" + text.encode("utf-16-be") if kind.endswith("be") else text.encode("utf-16"))
    else:
        other.write_bytes((b"\xef\xbb\xbf" if "bom" in kind else b"") + text.encode("utf-8"))
    code_plain, out_plain, _ = _dry_run(plain, capsys)
    code, out, err = _dry_run(other, capsys)
    assert code == code_plain == 0 and err == ""
    assert out == out_plain and "4 runs" in out


def _bad_files(tmp_path: Path) -> dict[str, Path]:
    files = {
        "binary": b"scenario: x\n\x00\x01\x02\xff" * 10,
        "latin-1": "scenario: caf\u00e9.yaml\n".encode("latin-1"),
        "utf-16 without BOM": PLAIN.encode("utf-16-le"),
        "huge": (PLAIN + "# padding\n" * (MAX_FILE_BYTES // 10 + 1)).encode("utf-8"),
    }
    out = {}
    for name, data in files.items():
        out[name] = tmp_path / f"{name}.yaml"
        out[name].write_bytes(data)
    out["directory"] = tmp_path / "folder.yaml"
    out["directory"].mkdir()
    if hasattr(os, "mkfifo"):
        out["fifo"] = tmp_path / "pipe.yaml"
        os.mkfifo(out["fifo"])
    return out


@pytest.mark.parametrize("name", ["binary", "latin-1", "utf-16 without BOM", "huge", "directory", "fifo"])
def test_a_bad_sweep_file_is_one_line_naming_it_and_exit_2(tmp_path, capsys, name):
    files = _bad_files(tmp_path)
    if name not in files:
        pytest.skip("no FIFOs here")
    t0 = time.perf_counter()
    code, out, err = _dry_run(files[name], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"edgesim: error: {files[name]}: ") and "Traceback" not in err
    assert time.perf_counter() - t0 < 5  # refused before it is parsed (a huge file), never read (a FIFO)


def test_a_sweep_file_naming_a_bad_scenario_names_that_file(tmp_path, capsys):
    bad = tmp_path / "scenario.yaml"
    bad.write_bytes(b"\x00" * 64)
    sweep_file = tmp_path / "sweep.yaml"
    sweep_file.write_text(f"scenario: {bad}\nparameters:\n  cameras.cam.fps: [15]\n")
    code, _, err = _dry_run(sweep_file, capsys)
    assert code == 2 and err.count("\n") == 1 and str(bad) in err and "binary" in err
