"""`QueryError`: a malformed query, located by column, with a hint that suggests the fix."""

from __future__ import annotations

from policysim.policy.errors import PolicyError, Position

QUERY_SOURCE = "query"
"""The pseudo file name errors carry: ``query:1:16: ...``."""


class QueryError(PolicyError):
    """A query that does not parse: ``query:LINE:COL: message (hint)`` on one line.

    `message` says what is wrong, `hint` (possibly empty) how to fix it, often as
    ``try: <the corrected query>``. The CLI prints `str(err)` like any `PolicyError`.
    """

    def __init__(
        self,
        message: str,
        *,
        position: Position,
        hint: str = "",
        file: str | None = QUERY_SOURCE,
        path: str | None = None,
    ) -> None:
        super().__init__(message, file=file, position=position, path=path)
        self.hint = hint

    def located(self, *, file: str | None = None, path_prefix: str | None = None) -> QueryError:
        """A copy with the file name (and an outer path prefix) filled in; the hint is kept."""
        path = self.path
        if path_prefix:
            path = f"{path_prefix}.{path}" if path else path_prefix
        assert self.position is not None
        return QueryError(
            self.message,
            position=self.position,
            hint=self.hint,
            file=file or self.file,
            path=path,
        )

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base} ({self.hint})" if self.hint else base
