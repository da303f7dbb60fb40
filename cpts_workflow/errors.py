"""Errors the library raises, each carrying one French sentence for the user.

Every error has a stable `code` (for HTTP statuses, JSON bodies and scripts) and gives
`to_dict()` = `{"error": {"code", "message", "hint"}}`. `hint` says what to do next in
words that hold for every client: it never names a command or an option of the CLI.
`topic` (a stable key, e.g. `unknown_project`) and `details` say what the error is
about, so that a client can add its own hint (the CLI names its commands).

The CLI maps them to exit codes: `Refused` and its children exit 1, `BadInput` exits 2.
"""

from __future__ import annotations

from typing import Any


class CptsError(Exception):
    """Base of every error meant for a user."""

    code = "error"
    exit_code = 1
    topic: str | None = None  # a subclass may give its own default

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        topic: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.topic = topic or self.topic
        self.details = details or {}

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"

    def to_dict(self) -> dict[str, Any]:
        """The JSON error body: `{"error": {"code", "message", "hint"}}` (and `reasons`
        when the rules refused with a list of what is missing)."""
        body: dict[str, Any] = {"code": self.code, "message": self.message, "hint": self.hint}
        reasons = getattr(self, "reasons", None)
        if reasons:
            body["reasons"] = list(reasons)
        return {"error": body}


class BadInput(CptsError):
    """The user gave something malformed (a code, a date, a file)."""

    code = "bad_input"
    exit_code = 2


class NotFound(CptsError):
    """An unknown project, item, member, template…"""

    code = "not_found"


class Refused(CptsError):
    """A well-formed request the rules refuse (a guard fails, a state forbids it)."""

    code = "refused"

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        reasons: list[str] | None = None,
        *,
        topic: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, hint, topic=topic, details=details)
        self.reasons = reasons or []

    def __str__(self) -> str:
        lines = [self.message, *(f"  - {r}" for r in self.reasons)]
        if self.hint:
            lines.append(self.hint)
        return "\n".join(lines)


class Forbidden(CptsError):
    """The acting account's role does not allow this operation."""

    code = "forbidden"


class Unauthenticated(CptsError):
    """A sign-in refused: the same sentence whether the login exists or not."""

    code = "unauthenticated"


class Conflict(CptsError):
    """Someone else changed the same project in the meantime."""

    code = "conflict"


class DefinitionError(BadInput):
    """A workflow file is wrong; each problem is `file:line: message`."""

    code = "definition"

    def __init__(self, path: str, problems: list[tuple[int | None, str]]) -> None:
        self.path = path
        self.problems = problems
        lines = [f"{path}:{line or 1}: {msg}" for line, msg in problems]
        super().__init__("\n".join(lines))


class DatabaseError(CptsError):
    """The base cannot be reached, or its schema does not match the program."""

    code = "database"


class SchemaOutdated(DatabaseError):
    """A shared (PostgreSQL) base whose schema is older than the program: upgrading it is an
    explicit act, as other server processes may still run the previous version."""

    code = "schema_outdated"
    topic = "schema_outdated"


class Busy(CptsError):
    """Another program kept the base locked for writing longer than the wait allowed."""

    code = "busy"


class Throttled(CptsError):
    """Too many failed sign-ins from one network address: wait `retry_after` seconds."""

    code = "throttled"

    def __init__(self, message: str, hint: str | None = None, *, retry_after: int = 60) -> None:
        super().__init__(message, hint)
        self.retry_after = retry_after


# Every code, for clients that map them (HTTP statuses, documentation).
CODES = ("error", "bad_input", "not_found", "refused", "conflict", "definition", "database",
         "schema_outdated", "forbidden", "unauthenticated", "busy", "throttled")
