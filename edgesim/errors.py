"""Errors that carry where the bad input is: the file, the field path and the problem."""
from __future__ import annotations


class EdgesimError(Exception):
    """Base class of every error edgesim reports to a user (exit code 2 on the CLI)."""


class ScenarioError(EdgesimError):
    """A scenario (or catalog, or sweep) file is invalid.

    Parameters
    ----------
    source : str
        File path, or a short label such as ``"<dict>"`` for in-memory scenarios.
    field : str
        Field path in the document, e.g. ``cameras[1].fps``; empty when the whole document is at fault.
    problem : str
        What is wrong, in words.
    """

    def __init__(self, source: str, field: str, problem: str):
        self.source = source
        self.field = field
        self.problem = problem
        where = f"{source}: {field}" if field else source
        super().__init__(f"{where}: {problem}")


class ScenarioErrors(ScenarioError):
    """Several problems in one file; the message lists each on its own line."""

    def __init__(self, errors: list[ScenarioError]):
        self.errors = errors
        first = errors[0]
        super().__init__(first.source, first.field, first.problem)
        self.args = ("\n".join(str(e) for e in errors),)

    def __str__(self) -> str:
        return self.args[0]
