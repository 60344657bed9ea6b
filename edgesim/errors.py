"""Errors that carry where the bad input is: the file, the field path and the problem.

Every message is one line: ``FILE: field.path: problem``. Several problems found in one file are reported
together on that same line, the first in full and the others after it (``...; also: field: problem; ...``), so
a user sees every fault at once and a script reading stderr sees exactly one line.
"""
from __future__ import annotations

__all__ = ["EdgesimError", "ScenarioError", "ScenarioErrors", "one_line"]


def one_line(text: str) -> str:
    """``text`` with every run of whitespace (newlines included) collapsed to one space."""
    return " ".join(str(text).split())


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
        What is wrong, in words (newlines are folded into spaces: the message stays one line).
    """

    def __init__(self, source: str, field: str, problem: str):
        self.source = source
        self.field = field
        self.problem = one_line(problem)
        super().__init__(f"{self.where}: {self.problem}")

    @property
    def where(self) -> str:
        """``source: field`` (or ``source`` alone when no field is at fault)."""
        return f"{self.source}: {self.field}" if self.field else self.source

    @property
    def field_problem(self) -> str:
        """``field: problem`` without the file (the form used after the first of several errors)."""
        return f"{self.field}: {self.problem}" if self.field else self.problem


class ScenarioErrors(ScenarioError):
    """Several problems in one file, on one line: the first in full, then ``; also: field: problem`` for each other.

    Exact repeats are dropped. ``errors`` keeps every problem as its own :class:`ScenarioError`.

    Parameters
    ----------
    errors : list of ScenarioError
        At least one.
    """

    errors: list[ScenarioError]

    def __init__(self, errors: list[ScenarioError]):
        if not errors:
            raise ValueError("ScenarioErrors needs at least one error")
        unique: list[ScenarioError] = []
        seen: set[str] = set()
        for err in errors:
            for single in err.errors if isinstance(err, ScenarioErrors) else [err]:
                if str(single) not in seen:
                    seen.add(str(single))
                    unique.append(single)
        self.errors = unique
        first = unique[0]
        super().__init__(first.source, first.field, first.problem)
        rest = [e.field_problem if e.source == first.source else str(e) for e in unique[1:]]
        message = str(first) + "".join(f"; also: {r}" for r in rest)
        self.args = (message,)

    def __str__(self) -> str:
        return str(self.args[0])
