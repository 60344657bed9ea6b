"""Every file edgesim reads gets the scenario's care (the CLI run as a subprocess, as a user runs it).

Measurement CSVs (``edgesim calibrate FILE``), ONNX graphs (``edgesim model import FILE``), catalog files
(``catalog_files:``) and scenario YAML: a UTF-8 byte-order mark and CRLF line ends are accepted (a spreadsheet's
"CSV UTF-8" export); binary or truncated content, a directory and a file over the size cap each give exactly one
line on stderr naming the file (and the row, line or field), exit code 2, and no traceback.

The headline cases run the CLI as a subprocess (``sys.executable -m edgesim``, about 2 s of start-up each); the
variants run the same ``edgesim.cli.main`` in-process and assert the same things on its stderr.
"""
from __future__ import annotations

import codecs
import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from edgesim.calibration.measurements import shipped_measurements_path
from edgesim.cli import main
from edgesim.textfile import MAX_INPUT_BYTES, InputFileError, read_input_text
from tests.helpers import single_queue

ROOT = Path(__file__).resolve().parents[2]


def edgesim_cli(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m edgesim ARGV`` in a fresh interpreter that imports this checkout's edgesim."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "edgesim", *argv], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


def in_process(capsys: pytest.CaptureFixture[str], *argv: str) -> subprocess.CompletedProcess[str]:
    """``edgesim.cli.main(argv)`` in this interpreter, with its exit code and captured output."""
    capsys.readouterr()
    try:
        code = main(list(argv))
    except SystemExit as exc:  # pragma: no cover - main returns its code
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(list(argv), code, out, err)


def assert_one_line_exit_2(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    err = proc.stderr
    assert proc.returncode == 2, f"exit {proc.returncode}, stderr: {err!r}"
    assert "Traceback" not in err, err
    assert err.count("\n") == 1 and err.endswith("\n"), f"not one line: {err!r}"
    assert err.startswith("edgesim: error: "), err
    for needle in needles:
        assert needle in err, f"{needle!r} not in {err!r}"


def spreadsheet_csv(n_rows: int = 12) -> bytes:
    """The shipped measurements' header and first rows as a spreadsheet saves "CSV UTF-8": a BOM, CRLF line ends."""
    rows = list(csv.reader(io.StringIO(shipped_measurements_path().read_text(encoding="utf-8"))))[: n_rows + 1]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


def huge(path: Path) -> Path:
    """A sparse file one byte over the input cap (no disk used)."""
    with path.open("wb") as fh:
        fh.truncate(MAX_INPUT_BYTES + 1)
    return path


BINARY = bytes(range(256)) * 8  # holds NUL bytes and invalid UTF-8


# ---------------------------------------------------------------------------------------------- measurements CSV
def test_spreadsheet_csv_with_bom_and_crlf_calibrates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The file that was refused with ``missing column(s) ['device']``: now read, calibrated and reported."""
    path = tmp_path / "from_excel.csv"
    path.write_bytes(spreadsheet_csv())
    proc = edgesim_cli("calibrate", str(path), "--no-background", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "missing column" not in proc.stderr
    assert "row 2:" in proc.stdout  # the first data row, numbered as the spreadsheet numbers it
    # the same rows read from the BOM + CRLF file and from a plain LF copy are the same measurements
    plain = tmp_path / "plain.csv"
    plain.write_bytes(spreadsheet_csv().removeprefix(codecs.BOM_UTF8).replace(b"\r\n", b"\n"))
    assert in_process(capsys, "calibrate", str(plain), "--no-background").stdout == proc.stdout.replace(
        str(path), str(plain))


def _truncated_csv() -> bytes:
    """Four rows, the last cut 25 characters in (a copy interrupted)."""
    text = spreadsheet_csv(4).decode("utf-8-sig")
    return text[: text.rindex("\r\n", 0, len(text) - 2) + 2 + 25].encode()  # the last row cut 25 characters in


def test_binary_measurements_file_is_one_line_exit_2(tmp_path: Path) -> None:
    """It was a 24-line UnicodeDecodeError traceback, exit 1."""
    path = tmp_path / "measurements.csv"
    path.write_bytes(BINARY)
    proc = edgesim_cli("calibrate", str(path), cwd=tmp_path)
    assert_one_line_exit_2(proc, str(path), "line 1, column 1", "binary")


def test_truncated_measurements_file_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "measurements.csv"
    path.write_bytes(_truncated_csv())
    assert_one_line_exit_2(edgesim_cli("calibrate", str(path), "--no-background", cwd=tmp_path), str(path),
                           "row 5, column", "wrong number of fields")


def _with_value(value: str) -> bytes:
    """Three shipped rows with the first row's ``value`` replaced."""
    rows = list(csv.reader(io.StringIO(spreadsheet_csv(3).decode("utf-8-sig"))))
    rows[1][rows[0].index("value")] = value
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


@pytest.mark.parametrize("content,needles", [
    pytest.param(spreadsheet_csv(3) + b"caf\xe9\r\n", ["line 5, column 4", "not UTF-8"], id="latin1-byte"),
    pytest.param(_with_value("5e-324"), ["row 2, column 'value'", "sane range"], id="denormal-value"),
    pytest.param(_with_value("1e308"), ["row 2, column 'value'", "sane range"], id="huge-value"),
    pytest.param(b"", ["row 1", "empty file"], id="empty"),
    pytest.param(b"device,engine\r\n\"open quote,x\r\n", ["row 1", "missing column"], id="header-only"),
])
def test_bad_measurements_file_variants(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes,
                                        needles: list[str]) -> None:
    path = tmp_path / "measurements.csv"
    path.write_bytes(content)
    assert_one_line_exit_2(in_process(capsys, "calibrate", str(path), "--no-background"), str(path), *needles)


def test_measurements_directory_and_huge_file_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "looks_like.csv"
    folder.mkdir()
    assert_one_line_exit_2(edgesim_cli("calibrate", str(folder), cwd=tmp_path), str(folder), "directory")
    big = huge(tmp_path / "big.csv")
    assert_one_line_exit_2(in_process(capsys, "calibrate", str(big)), str(big), "MAX_INPUT_BYTES", "64 MiB")


# ---------------------------------------------------------------------------------------------- ONNX
def _real_onnx() -> bytes:
    onnx = pytest.importorskip("onnx")
    path = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light" / "light_squeezenet.onnx"
    if not path.is_file():
        pytest.skip("onnx's test models are not installed")
    return path.read_bytes()


@pytest.mark.parametrize("kind", ["binary", "truncated", "empty", "directory"])
def test_bad_onnx_file_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    path = tmp_path / "model.onnx"
    if kind == "directory":
        path.mkdir()
    elif kind == "binary":
        path.write_bytes(BINARY)
    elif kind == "truncated":
        path.write_bytes(_real_onnx()[:5000])  # a download cut short
    else:
        path.write_bytes(b"")
    argv = ("model", "import", str(path))
    proc = edgesim_cli(*argv, cwd=tmp_path) if kind in ("binary", "truncated") else in_process(capsys, *argv)
    assert_one_line_exit_2(proc, str(path), {"binary": "not an ONNX model", "truncated": "not an ONNX model",
                                             "empty": "empty file", "directory": "directory"}[kind])


# ---------------------------------------------------------------------------------------------- scenario and catalog YAML
def _scenario(**extra: object) -> dict[str, object]:
    data = single_queue(fps=10.0, service_s=0.01, duration_s=1.0)
    data.update(extra)
    return data


def _crlf_bom(text: str) -> bytes:
    return codecs.BOM_UTF8 + text.replace("\n", "\r\n").encode("utf-8")


CATALOG = {"models": {"my_net": {
    "description": "test fixture", "counting_convention": "ops = 2 x MACs (test fixture)", "ops_per_inference": 1.0e7,
    "ref_width_px": 100, "ref_height_px": 100,
    "sources": {"ops_per_inference": "test fixture", "ref_width_px": "test fixture", "ref_height_px": "test fixture"}}}}


def _scenario_using(catalog_file: str) -> dict[str, object]:
    """A scenario whose model comes from ``catalog_file`` (so that the file is read)."""
    return _scenario(catalog_files=[catalog_file], models=[{"name": "net", "catalog": "my_net"}])


def test_scenario_and_catalog_files_with_bom_and_crlf_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "mine.yaml").write_bytes(_crlf_bom(yaml.safe_dump(CATALOG)))
    data = _scenario_using("mine.yaml")
    scenario = tmp_path / "scenario.yaml"
    scenario.write_bytes(_crlf_bom(yaml.safe_dump(data, sort_keys=False)))
    proc = edgesim_cli("run", str(scenario), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    # the same scenario and catalog saved plainly give the same report
    (tmp_path / "plain_catalog.yaml").write_text(yaml.safe_dump(CATALOG), encoding="utf-8")
    plain = tmp_path / "plain.yaml"
    plain.write_text(yaml.safe_dump(_scenario_using("plain_catalog.yaml"), sort_keys=False), encoding="utf-8")
    assert in_process(capsys, "run", str(plain)).stdout.replace(str(plain), "X") == proc.stdout.replace(str(scenario), "X")


@pytest.mark.parametrize("kind", ["binary", "latin1", "truncated", "directory", "huge"])
def test_bad_scenario_file_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    path = tmp_path / "scenario.yaml"
    text = yaml.safe_dump(_scenario(), sort_keys=False)
    needles = [str(path)]
    if kind == "binary":
        path.write_bytes(BINARY)
        needles.append("binary")
    elif kind == "latin1":
        path.write_bytes(b"name: caf\xe9\n")
        needles.append("line 1, column 10")
    elif kind == "truncated":
        path.write_text(text[: text.index("compute_units")])  # cut before the units: the schema names the field
        needles.append("compute_units")
    elif kind == "directory":
        path.mkdir()
        needles.append("directory")
    else:
        huge(path)
        needles.append("MAX_INPUT_BYTES")
    proc = edgesim_cli("run", str(path), cwd=tmp_path) if kind == "binary" else in_process(capsys, "run", str(path))
    assert_one_line_exit_2(proc, *needles)


@pytest.mark.parametrize("kind", ["binary", "latin1", "directory", "huge"])
def test_bad_catalog_file_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    catalog = tmp_path / "mine.yaml"
    if kind == "binary":
        catalog.write_bytes(BINARY)
    elif kind == "latin1":
        catalog.write_bytes(b"models:\n  caf\xe9: {}\n")
    elif kind == "directory":
        catalog.mkdir()
    else:
        huge(catalog)
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(yaml.safe_dump(_scenario_using("mine.yaml"), sort_keys=False), encoding="utf-8")
    argv = ("run", str(scenario))
    proc = edgesim_cli(*argv, cwd=tmp_path) if kind == "binary" else in_process(capsys, *argv)
    assert_one_line_exit_2(proc, "mine.yaml")


# ---------------------------------------------------------------------------------------------- the reader itself
def test_read_input_text_accepts_bom_crlf_and_utf16(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    for raw in (codecs.BOM_UTF8 + b"a,b\r\n1,2\r\n", b"a,b\n1,2\n", b"a,b\r1,2\r", "a,b\r\n1,2\r\n".encode("utf-16")):
        path.write_bytes(raw)
        assert read_input_text(path) == "a,b\n1,2\n"


def test_read_input_text_names_the_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_bytes(codecs.BOM_UTF8 + b"ok\nab\xff\n")
    with pytest.raises(InputFileError, match=r"t\.txt: line 2, column 3: not UTF-8 text \(byte 0xff"):
        read_input_text(path)
    path.write_bytes(b"ok\n\x00")
    with pytest.raises(InputFileError, match=r"line 2, column 1: binary content"):
        read_input_text(path)
    with pytest.raises(InputFileError, match="file not found"):
        read_input_text(tmp_path / "nope.txt")
    path.write_bytes(b"12345")
    with pytest.raises(InputFileError, match="larger than 4 bytes"):
        read_input_text(path, max_bytes=4)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
@pytest.mark.parametrize("command", [["run"], ["calibrate"], ["schema", "--check"]])
def test_a_named_pipe_is_refused_without_reading_it(tmp_path: Path, command: list[str]) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(InputFileError, match="not a regular file"):
        read_input_text(fifo)  # opening it would block until a writer came
    proc = subprocess.run([sys.executable, "-m", "edgesim", *command, str(fifo)], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and str(fifo) in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


# ------------------------------------------------------------------- one policy for every reader (issue 19 item 6)
ENCODINGS = {  # what each saves: the encodings a byte-order mark names, accepted by every reader
    "utf-8": lambda t: t.encode("utf-8"),
    "utf-8 BOM + CRLF": _crlf_bom,
    "utf-16 LE BOM": lambda t: codecs.BOM_UTF16_LE + t.replace("\n", "\r\n").encode("utf-16-le"),
    "utf-16 BE BOM": lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"),
    "utf-32 LE BOM": lambda t: codecs.BOM_UTF32_LE + t.encode("utf-32-le"),
}


def _sweep_text(scenario: Path) -> str:
    return f"scenario: {scenario}\nduration_s: 1\nparameters:\n  cameras.cam.fps: [5, 10]\n"


@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_the_scenario_and_the_sweep_reader_accept_the_same_encodings(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                      encoding: str) -> None:
    """A scenario file (``edgesim run``) and a sweep file naming it (``edgesim sweep``) saved in each encoding read
    as the same text as their plain UTF-8 copies: the same report, the same plan."""
    text = yaml.safe_dump(_scenario(), sort_keys=False)
    plain, other = tmp_path / "plain.yaml", tmp_path / "other.yaml"
    plain.write_text(text, encoding="utf-8")
    other.write_bytes(ENCODINGS[encoding](text))
    run_plain, run_other = in_process(capsys, "run", str(plain)), in_process(capsys, "run", str(other))
    assert run_plain.returncode == run_other.returncode == 0, run_other.stderr
    assert run_other.stdout.replace(str(other), "X") == run_plain.stdout.replace(str(plain), "X")
    sweep_plain, sweep_other = tmp_path / "sweep_plain.yaml", tmp_path / "sweep_other.yaml"
    sweep_plain.write_text(_sweep_text(plain), encoding="utf-8")
    sweep_other.write_bytes(ENCODINGS[encoding](_sweep_text(other)))
    dry = [in_process(capsys, "sweep", str(p), "--jobs", "1", "--quiet", "--dry-run") for p in (sweep_plain, sweep_other)]
    assert dry[0].returncode == dry[1].returncode == 0, dry[1].stderr
    assert "2 runs" in dry[0].stdout and dry[1].stdout.replace(str(other), "X") == dry[0].stdout.replace(str(plain), "X")


@pytest.mark.parametrize("reader", ["run", "sweep", "catalog", "calibrate"])
def test_utf16_without_a_byte_order_mark_is_refused_alike_by_every_reader(tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str],
                                                                         reader: str) -> None:
    """UTF-16 with no mark cannot be told from binary: every reader refuses it with the same one line, exit 2."""
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(yaml.safe_dump(CATALOG if reader == "catalog" else _scenario()).encode("utf-16-le"))
    if reader == "run":
        argv: tuple[str, ...] = ("run", str(bad))
    elif reader == "sweep":
        argv = ("sweep", str(bad), "--dry-run", "--quiet")
    elif reader == "catalog":
        scenario = tmp_path / "scenario.yaml"
        scenario.write_text(yaml.safe_dump(_scenario_using("bad.yaml"), sort_keys=False), encoding="utf-8")
        argv = ("run", str(scenario))
    else:
        argv = ("calibrate", str(bad))
    proc = in_process(capsys, *argv)
    assert_one_line_exit_2(proc, "bad.yaml", "line 1, column 2: binary content (a NUL byte)",
                           "UTF-16 text without a byte-order mark? save it as UTF-8")


def test_read_input_text_policy(tmp_path: Path) -> None:
    """The reader's policy, byte by byte: each byte-order mark names its encoding and is dropped; no mark: UTF-8."""
    path = tmp_path / "t.txt"
    for name, encode in ENCODINGS.items():
        path.write_bytes(encode("a: \u00e9\n"))
        assert read_input_text(path) == "a: \u00e9\n", name
    path.write_bytes(codecs.BOM_UTF16_LE + b"a\x00\x00\xd8")  # a lone surrogate: not UTF-16 after its mark
    with pytest.raises(InputFileError, match="not UTF-16 text after its byte-order mark"):
        read_input_text(path)
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")  # binary that is not UTF-16: no UTF-16 hint
    with pytest.raises(InputFileError, match=r"binary content \(a NUL byte\), not a text file$"):
        read_input_text(path)
