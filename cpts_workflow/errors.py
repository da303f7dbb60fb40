"""Errors the library raises, each carrying one French sentence for the user.

The CLI maps them to exit codes: `Refused` and its children exit 1, `BadInput` exits 2.
Messages are complete sentences; `hint` says what to do next.
"""

from __future__ import annotations


class CptsError(Exception):
    """Base of every error meant for a user."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"


class BadInput(CptsError):
    """The user gave something malformed (a code, a date, a file)."""

    exit_code = 2


class NotFound(CptsError):
    """An unknown project, item, member, template…"""


class Refused(CptsError):
    """A well-formed request the rules refuse (a guard fails, a state forbids it)."""

    def __init__(self, message: str, hint: str | None = None, reasons: list[str] | None = None):
        super().__init__(message, hint)
        self.reasons = reasons or []

    def __str__(self) -> str:
        lines = [self.message, *(f"  - {r}" for r in self.reasons)]
        if self.hint:
            lines.append(self.hint)
        return "\n".join(lines)


class Conflict(CptsError):
    """Someone else changed the same project in the meantime."""


class DefinitionError(BadInput):
    """A workflow file is wrong; each problem is `file:line: message`."""

    def __init__(self, path: str, problems: list[tuple[int | None, str]]) -> None:
        self.path = path
        self.problems = problems
        lines = [f"{path}:{line or 1}: {msg}" for line, msg in problems]
        super().__init__("\n".join(lines))


class DatabaseError(CptsError):
    """The base cannot be reached, or its schema does not match the program."""


class Busy(CptsError):
    """Another program kept the base locked for writing longer than the wait allowed."""

    code = "busy"
