"""Reading a user's input file with the care given to a scenario: one line naming the file, never a traceback.

Every file edgesim reads from a user (scenario, sweep and catalog YAML, measurement and ambient CSVs) goes through
:func:`read_input_text` (:func:`read_input_bytes` is its byte-level half), the one policy for every such file; a
reader adds only its own size cap (the sweep's 1 MiB, :data:`edgesim.sweeps.inputs.MAX_FILE_BYTES`). The ONNX
importer applies the same directory, empty-file and size checks (cap :data:`MAX_ONNX_BYTES`) before
``onnx.load`` reads the graph. The policy:

- **encoding**: a byte-order mark says it: UTF-8 (as a spreadsheet's "CSV UTF-8" starts), UTF-16 LE or BE (a
  spreadsheet's "Unicode text") or UTF-32 LE or BE; without one, the file is UTF-8. The mark is dropped;
- **line ends**: CRLF and lone CR are read as LF;
- **refused**, each with an :class:`InputFileError` whose message is one line, ``FILE: problem`` (the CLI prints
  ``edgesim: error: ...`` and exits 2): a directory, a device, pipe or socket (never opened: a FIFO would block),
  a missing or unreadable file, a file over the size cap, binary content (a NUL byte; UTF-16 without a
  byte-order mark reads as such, and the message says so) and bytes that are not UTF-8 (or not the encoding
  their mark names), with the line and column of the first bad byte.

The size cap is read, not trusted from the file's metadata: at most cap + 1 bytes are read, so a device file or
a file that grows while read cannot exhaust memory.
"""
from __future__ import annotations

import codecs
from pathlib import Path

from .errors import EdgesimError

__all__ = ["MAX_INPUT_BYTES", "MAX_ONNX_BYTES", "InputFileError", "read_input_bytes", "read_input_text"]

MAX_INPUT_BYTES = 64 * 1024 * 1024
"""Largest text input file accepted, bytes (64 MiB): a sanity cap, about 400 times the shipped measurements table
and 1,000 times the largest shipped catalog file; a bigger "scenario" is a mistake (a log, a dataset, a disk
image), not a scenario."""

MAX_ONNX_BYTES = 2 * 1024 * 1024 * 1024
"""Largest ONNX graph accepted, bytes (2 GiB): protobuf's own limit on one serialized message, beyond which a
model keeps its weights in external data files (which the importer does not read)."""


class InputFileError(EdgesimError):
    """An input file edgesim cannot read as what it should be; ``str()`` is ``FILE: problem`` on one line.

    Parameters
    ----------
    path : str or Path
        The file.
    problem : str
        What is wrong, in words.
    """

    def __init__(self, path: str | Path, problem: str):
        self.path = str(path)
        self.problem = " ".join(str(problem).split())
        super().__init__(f"{self.path}: {self.problem}")


def _size_text(n_bytes: int) -> str:
    return f"{n_bytes / 2**20:g} MiB" if n_bytes >= 2**20 else f"{n_bytes} bytes"


def read_input_bytes(path: str | Path, max_bytes: int = MAX_INPUT_BYTES, cap_name: str = "edgesim.textfile.MAX_INPUT_BYTES") -> bytes:
    """The bytes of ``path``, refusing a directory, a missing or unreadable file and one over ``max_bytes``.

    Parameters
    ----------
    path : str or Path
        The file.
    max_bytes : int
        Size cap, bytes.
    cap_name : str
        The cap's qualified name, for the message.

    Returns
    -------
    bytes
        The whole file.

    Raises
    ------
    InputFileError
        One line naming the file and what is wrong.
    """
    p = Path(path)
    if p.is_dir():
        raise InputFileError(p, "is a directory, not a file")
    if p.exists() and not p.is_file():  # a FIFO would block the read until a writer came; a device never ends
        raise InputFileError(p, "is not a regular file (a device, pipe or socket)")
    too_big = f"larger than {_size_text(max_bytes)}, the cap on an input file ({cap_name}): is this the right file?"
    try:
        if p.is_file() and p.stat().st_size > max_bytes:
            raise InputFileError(p, too_big)  # refused before reading a byte of it
        with p.open("rb") as fh:
            data = fh.read(max_bytes + 1)  # a device or a growing file: read no more than the cap + 1
    except FileNotFoundError:
        raise InputFileError(p, "file not found") from None
    except IsADirectoryError:  # pragma: no cover - caught by is_dir above unless it races
        raise InputFileError(p, "is a directory, not a file") from None
    except OSError as exc:
        raise InputFileError(p, f"cannot read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise InputFileError(p, too_big)
    return data


def _line_column(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in bytes) of byte ``offset``."""
    line = data.count(b"\n", 0, offset) + 1
    return line, offset - (data.rfind(b"\n", 0, offset) + 1) + 1


def _looks_utf16(data: bytes) -> bool:
    """Every other byte of the first 64 is NUL, the rest not: ASCII text in UTF-16 without a byte-order mark."""
    head = data[:64] if len(data) >= 64 else data[: len(data) // 2 * 2]
    return len(head) >= 4 and any(set(head[i::2]) == {0} and 0 not in head[1 - i::2] for i in (0, 1))


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
"""Byte-order marks and the codec each names; UTF-32 LE (``FF FE 00 00``) before UTF-16 LE (``FF FE``), its prefix."""


def read_input_text(path: str | Path, max_bytes: int = MAX_INPUT_BYTES,
                    cap_name: str = "edgesim.textfile.MAX_INPUT_BYTES") -> str:
    """The text of ``path`` under edgesim's one input-file policy (see the module): UTF-8, or the encoding a
    byte-order mark names (UTF-8, UTF-16, UTF-32); the mark dropped; line ends as LF.

    Parameters
    ----------
    path : str or Path
        The file.
    max_bytes : int
        Size cap, bytes (default :data:`MAX_INPUT_BYTES`).
    cap_name : str
        The cap's qualified name, for the message.

    Returns
    -------
    str
        The decoded text, ``\\r\\n`` and lone ``\\r`` replaced by ``\\n``.

    Raises
    ------
    InputFileError
        A directory, a device or pipe, a missing or unreadable file, one over the cap, binary content or bytes that
        are not UTF-8 (or not the encoding their byte-order mark names); the message names the file and, for bad
        bytes, their line and column.
    """
    data = read_input_bytes(path, max_bytes, cap_name)
    codec = next((name for bom, name in _BOMS if data.startswith(bom)), "utf-8")
    if codec in ("utf-16", "utf-32"):
        try:
            text = data.decode(codec)  # the mark gives the byte order, and is dropped
        except UnicodeDecodeError as exc:
            raise InputFileError(path, f"not {codec.upper()} text after its byte-order mark (bad bytes at byte "
                                       f"{exc.start}; save the file as UTF-8)") from None
    else:
        nul = data.find(b"\x00")
        if nul >= 0:
            line, column = _line_column(data, nul)
            hint = " (UTF-16 text without a byte-order mark? save it as UTF-8)" if _looks_utf16(data) else ""
            raise InputFileError(path, f"line {line}, column {column}: binary content (a NUL byte), not a text file{hint}")
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as exc:
            start = exc.start + (len(codecs.BOM_UTF8) if codec == "utf-8-sig" else 0)
            line, column = _line_column(data, start)
            raise InputFileError(path, f"line {line}, column {column}: not UTF-8 text "
                                       f"(byte 0x{data[start]:02x}; save the file as UTF-8)") from None
    if "\x00" in text:
        raise InputFileError(path, "binary content (a NUL character), not a text file")
    return text.replace("\r\n", "\n").replace("\r", "\n")
