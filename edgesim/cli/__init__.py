"""The ``edgesim`` command line: one module per command, each a thin layer over a documented function.

Commands: ``run`` (:mod:`.run`), ``sweep`` (:mod:`.sweep`), ``fit`` (:mod:`.fit`), ``budget`` (:mod:`.budget`),
``catalog`` (:mod:`.catalog`), ``calibrate`` (:mod:`.calibrate`), ``model import`` (:mod:`.model`),
``schema`` (:mod:`.schema`). A command module has one ``register(subparsers)`` function; adding a command is
one line in :data:`COMMANDS`.

Start-up: :func:`main` reads the command name from the arguments and imports that command's module alone
(:func:`importlib.import_module` on its :data:`COMMANDS` entry), so ``edgesim --version`` and ``--help`` import
no command at all and ``edgesim run`` never loads the sweep, fit, budget or calibration machinery (pandas'
statistics, scipy's optimisers, dask). The other commands stay in the parser as placeholders that carry their
one-line help, so ``edgesim --help`` lists every command. :func:`build_parser` with no argument builds the full
parser (every module imported), the one the tests compare the lazy one against.

Every user error ends as one line ``edgesim: error: <message>`` on stderr and exit code 2
(:func:`edgesim.cli.common.report_errors`).
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Iterable, Sequence
from types import ModuleType
from typing import Any, NamedTuple

from .._version import __version__
from .common import EdgesimArgumentParser, report_errors

__all__ = ["Command", "COMMANDS", "COMMAND_MODULES", "command_module", "command_in", "build_parser", "main"]


class Command(NamedTuple):
    """One ``edgesim`` command: its name, the module whose ``register(subparsers)`` adds it, its one-line help."""

    name: str
    module: str
    help: str


COMMANDS: tuple[Command, ...] = (
    Command("run", "edgesim.cli.run", "run one scenario and report latency, FPS, power and energy"),
    Command("sweep", "edgesim.cli.sweep", "run a scenario over a grid or random sample of field values (parallel, resumable)"),
    Command("fit", "edgesim.cli.fit", "boundary value of a field (cameras, fps, resolution, efficiency) within latency/drop/power bounds"),
    Command("budget", "edgesim.cli.budget", "the white paper's capacity, efficiency, thermal and battery formulas"),
    Command("catalog", "edgesim.cli.catalog", "list and show the cited device and model catalogs"),
    Command("calibrate", "edgesim.cli.calibrate", "fit device performance parameters to measurements (CSV)"),
    Command("model", "edgesim.cli.model", "model profiles: import an ONNX graph"),
    Command("schema", "edgesim.cli.schema", "print the JSON Schema of a scenario file, or --check files against it"),
)
"""Every command, in the order ``--help`` lists them. ``help`` repeats the module's own ``help=`` (a test checks
that they agree), so that ``--help`` can list a command without importing it."""


def command_module(name: str) -> ModuleType:
    """Import and return the module of the command ``name`` (a :data:`COMMANDS` name)."""
    entry = next(c for c in COMMANDS if c.name == name)
    return importlib.import_module(entry.module)


def __getattr__(name: str) -> Any:
    """``COMMAND_MODULES``: every command module, imported on first use (the full parser's modules)."""
    if name == "COMMAND_MODULES":
        return tuple(command_module(c.name) for c in COMMANDS)
    raise AttributeError(f"module 'edgesim.cli' has no attribute {name!r}")


def command_in(argv: Sequence[str]) -> str | None:
    """The command that ``argv`` runs: its first argument when that is a known command name, else ``None``.

    The top-level parser has only ``--version`` and ``--help``, both of which end the parse, so the command is
    always the first argument that is not an option.
    """
    names = {c.name for c in COMMANDS}
    return argv[0] if argv and argv[0] in names else None


def build_parser(commands: Iterable[str] | None = None) -> argparse.ArgumentParser:
    """The ``edgesim`` parser: ``--version`` and one subcommand per :data:`COMMANDS` entry.

    Parameters
    ----------
    commands : iterable of str, optional
        The commands whose modules are imported and registered with all their options; the others are
        placeholders with their help line only (enough for ``edgesim --help``). Default: every command.
    """
    wanted = None if commands is None else set(commands)
    parser = EdgesimArgumentParser(prog="edgesim", description="Discrete-event simulator of edge AI systems.")
    parser.add_argument("--version", action="version", version=f"edgesim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for entry in COMMANDS:
        if wanted is None or entry.name in wanted:
            command_module(entry.name).register(sub)
        else:
            sub.add_parser(entry.name, help=entry.help)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit code: 0 success, 1 some sweep runs failed, 2 a user error, 130 interrupted.
    """
    os.environ.setdefault("MPLBACKEND", "Agg")
    args_in = list(sys.argv[1:] if argv is None else argv)
    command = command_in(args_in)

    def parse_and_run() -> int:
        parser = build_parser([] if command is None else [command])
        try:
            args = parser.parse_args(args_in)
        except SystemExit as exc:  # --help and --version print, then exit 0
            return int(exc.code or 0)
        return int(args.func(args) or 0)

    return report_errors(parse_and_run)
