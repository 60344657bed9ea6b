"""What every edgesim command shares: one error path, one table renderer, the output-directory check (numbers in
cells: :func:`edgesim.fmt.fmt`, the one formatter; ``--set``: :func:`edgesim.cli.types.parse_set_options`; argparse value
types: :mod:`edgesim.cli.types`).

Errors: any :class:`~edgesim.errors.EdgesimError` (a bad scenario, a missing file, an unwritable ``--out``)
and any argparse error (an unknown option, a bad value) end as one message on stderr,
``edgesim: error: <message>``, and exit code 2, never a traceback.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from ..errors import EdgesimError

if TYPE_CHECKING:  # an annotation only: importing edgesim.report would load matplotlib at start-up
    from ..report.tables import Table

__all__ = ["EXIT_USAGE", "EXIT_INTERRUPTED", "CliError", "UsageError", "EdgesimArgumentParser", "check_writable_dir",
           "format_table", "render_table", "report_errors"]

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class CliError(EdgesimError):
    """A user error found by the command line itself (e.g. an unwritable output directory)."""


class UsageError(CliError):
    """A command line argparse rejected: unknown option, missing argument, bad value."""


class EdgesimArgumentParser(argparse.ArgumentParser):
    """An :class:`argparse.ArgumentParser` whose errors join the single error path (one line, exit 2).

    ``argparse`` prints the usage and exits; this parser raises :class:`UsageError` instead, so that
    :func:`report_errors` prints it like every other user error. Subparsers inherit the class.
    """

    def error(self, message: str) -> NoReturn:
        """Raise :class:`UsageError` with argparse's message (``argument --x: ...`` shortened to ``--x: ...``)."""
        if message.startswith("argument "):
            message = message[len("argument "):]
        command = self.prog.split(" ", 1)[1] if " " in self.prog else ""
        if message.startswith(("unrecognized arguments", "the following arguments are required", "invalid choice")) and command:
            message = f"{command}: {message}"
        raise UsageError(message)


def report_errors(func: Callable[[], int]) -> int:
    """Run ``func`` and turn user errors into one line on stderr and exit code 2.

    Parameters
    ----------
    func : callable
        The command to run; returns its exit code.

    Returns
    -------
    int
        ``func``'s exit code; 2 after an :class:`~edgesim.errors.EdgesimError`; 130 when interrupted; 0 when
        stdout was closed early (``edgesim ... | head``).
    """
    try:
        return int(func() or 0)
    except EdgesimError as exc:
        print(f"edgesim: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("edgesim: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0


def check_writable_dir(path: str | Path, option: str = "--out") -> Path:
    """Create ``path`` if needed and prove it is writable, before any long run starts.

    Parameters
    ----------
    path : str or Path
        The output directory.
    option : str
        The option that named it, for the message.

    Returns
    -------
    Path
        The directory.

    Raises
    ------
    CliError
        When the directory cannot be created or written.
    """
    out = Path(path)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".edgesim-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise CliError(f"{out}: {option}: cannot write there ({exc.strerror or exc})") from None
    return out


def format_table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> str:
    """A plain-text table: the first column left-aligned, the others right-aligned, a rule under the header.

    Parameters
    ----------
    rows : sequence of sequences
        Cells, already formatted (anything with ``str``).
    header : sequence of str
        Column titles (with their units).
    """
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]

    def line(cells: Sequence[object]) -> str:
        return "  ".join(str(x).rjust(w) if i else str(x).ljust(w) for i, (x, w) in enumerate(zip(cells, widths)))

    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def render_table(table: Table) -> str:
    """A :class:`~edgesim.report.tables.Table` as text: :func:`format_table`, then its notes."""
    text = format_table(table.rows, table.header)
    return "\n".join([text, *table.notes])
