"""The ``edgesim`` command line: one module per command, each a thin layer over a documented function.

Commands: ``run`` (:mod:`.run`), ``sweep`` (:mod:`.sweep`), ``fit`` (:mod:`.fit`), ``budget`` (:mod:`.budget`),
``catalog`` (:mod:`.catalog`), ``calibrate`` (:mod:`.calibrate`), ``model import`` (:mod:`.model`),
``schema`` (:mod:`.schema`). A command module has one
``register(subparsers)`` function; adding a command is one line in :data:`COMMAND_MODULES`.

Every user error ends as one line ``edgesim: error: <message>`` on stderr and exit code 2
(:func:`edgesim.cli.common.report_errors`).
"""
from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from types import ModuleType

from .. import __version__
from . import budget, calibrate, catalog, fit, model, run, schema, sweep
from .common import EdgesimArgumentParser, report_errors

__all__ = ["COMMAND_MODULES", "build_parser", "main"]

COMMAND_MODULES: tuple[ModuleType, ...] = (run, sweep, fit, budget, catalog, calibrate, model, schema)
"""The modules whose ``register(subparsers)`` adds their commands, in the order ``--help`` lists them."""


def build_parser() -> argparse.ArgumentParser:
    """The ``edgesim`` parser: ``--version`` and one subcommand per module of :data:`COMMAND_MODULES`."""
    parser = EdgesimArgumentParser(prog="edgesim", description="Discrete-event simulator of edge AI systems.")
    parser.add_argument("--version", action="version", version=f"edgesim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
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
    parser = build_parser()

    def parse_and_run() -> int:
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help and --version print, then exit 0
            return int(exc.code or 0)
        return int(args.func(args) or 0)

    return report_errors(parse_and_run)
