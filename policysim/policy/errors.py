"""Errors that carry a source position.

Every malformed input is reported as one line naming the file, the line and column and the
problem; the CLI renders a `PolicyError` and exits with status 2, never with a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Position:
    """A 1-based line and column in a source text."""

    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.line}:{self.column}"


def position_at(text: str, offset: int) -> Position:
    """The 1-based line and column of `offset` in `text`."""
    line_start = text.rfind("\n", 0, offset) + 1
    return Position(text.count("\n", 0, offset) + 1, offset - line_start + 1)


class PolicyError(ValueError):
    """Malformed input, located: `file:line:col: message`."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        position: Position | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.position = position
        self.path = path

    def located(self, *, file: str | None = None, path_prefix: str | None = None) -> PolicyError:
        """Return a copy with the file name (and an outer path prefix) filled in."""
        path = self.path
        if path_prefix:
            path = f"{path_prefix}.{path}" if path else path_prefix
        return PolicyError(self.message, file=file or self.file, position=self.position, path=path)

    def __str__(self) -> str:
        detail = f"{self.path}: {self.message}" if self.path else self.message
        if self.file is None and self.position is None:
            return detail
        where = self.file or "<input>"
        if self.position is not None:
            where = f"{where}:{self.position}"
        return f"{where}: {detail}"
