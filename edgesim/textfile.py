"""Reading a user's input file with the care given to a scenario: one line naming the file, never a traceback.

Every text file edgesim reads from a user (scenario and catalog YAML, measurement and ambient CSVs) goes through
:func:`read_input_text` (:func:`read_input_bytes` is its byte-level half); the ONNX importer applies the same
directory, empty-file and size checks (cap :data:`MAX_ONNX_BYTES`) before ``onnx.load`` reads the graph:

- a UTF-8 byte-order mark (as a spreadsheet writes one) is dropped, and CRLF (or lone CR) line ends are read as
  LF; a file that starts with a UTF-16 byte-order mark ("Unicode text" from a spreadsheet) is decoded as UTF-16;
- a directory, a missing or unreadable file, a file over the size cap (:data:`MAX_INPUT_BYTES` for text,
  :data:`MAX_ONNX_BYTES` for ONNX), binary content (a NUL byte) or bytes that are not UTF-8 each raise an
  :class:`InputFileError` whose message is one line, ``FILE: problem``, with the line and column of the first bad
  byte where there is one. The CLI prints it as ``edgesim: error: ...`` and exits 2.

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


def read_input_text(path: str | Path, max_bytes: int = MAX_INPUT_BYTES) -> str:
    """The text of ``path``: UTF-8 (a byte-order mark dropped) or UTF-16 with a byte-order mark; line ends as LF.

    Parameters
    ----------
    path : str or Path
        The file.
    max_bytes : int
        Size cap, bytes (default :data:`MAX_INPUT_BYTES`).

    Returns
    -------
    str
        The decoded text, ``\\r\\n`` and lone ``\\r`` replaced by ``\\n``.

    Raises
    ------
    InputFileError
        A directory, a missing or unreadable file, one over the cap, binary content or bytes that are not UTF-8;
        the message names the file and, for bad bytes, their line and column.
    """
    data = read_input_bytes(path, max_bytes)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputFileError(path, f"not UTF-16 text after its byte-order mark (bad bytes at byte {exc.start})") from None
    else:
        nul = data.find(b"\x00")
        if nul >= 0:
            line, column = _line_column(data, nul)
            raise InputFileError(path, f"line {line}, column {column}: binary content (a NUL byte), not a text file")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            start = exc.start + (len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0)
            line, column = _line_column(data, start)
            raise InputFileError(path, f"line {line}, column {column}: not UTF-8 text "
                                       f"(byte 0x{data[start]:02x}; save the file as UTF-8)") from None
    if "\x00" in text:
        raise InputFileError(path, "binary content (a NUL character), not a text file")
    return text.replace("\r\n", "\n").replace("\r", "\n")
