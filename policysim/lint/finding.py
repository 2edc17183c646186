"""What a rule reports: a located finding with a rule id and a severity."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """Severities of the rule catalog, most severe first."""

    ERROR = "error"
    SECURITY = "security"
    WARNING = "warning"
    SUGGESTION = "suggestion"

    @property
    def rank(self) -> int:
        """0 for error ... 3 for suggestion."""
        return list(Severity).index(self)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem at one place."""

    rule: str
    severity: Severity
    message: str
    file: str
    line: int = 1
    column: int = 1
    pointer: str = ""
    """JSON pointer of the offending element inside the policy document."""
    statement: int | None = None
    hint: str | None = None
    blocked_by: str | None = None
    """The guardrail (SCP or RCP of `lint --account`) that keeps the statement from taking
    effect, when one lowered this finding."""

    def sort_key(self) -> tuple[str, int, int, str]:
        """Order of reports: by file, position, rule."""
        return (self.file, self.line, self.column, self.rule)

    def to_json(self) -> dict[str, Any]:
        """JSON for scripts."""
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "pointer": self.pointer,
            "statement": self.statement,
            "hint": self.hint,
        } | ({"blocked_by": self.blocked_by} if self.blocked_by is not None else {})
