"""What a rule reports: a located finding with a rule id and a severity."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from operator import attrgetter
from typing import Any


class Severity(StrEnum):
    """Severities of the rule catalog, most severe first."""

    ERROR = "error"
    SECURITY = "security"
    WARNING = "warning"
    SUGGESTION = "suggestion"

    @property
    def rank(self) -> int:
        """0 for error ... 3 for suggestion (read from a table: the exit status asks it of
        every finding)."""
        return _RANKS[self]


_RANKS = {severity: rank for rank, severity in enumerate(Severity)}


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
    folded: tuple[str, ...] = ()
    """Rule ids of the findings this one stands for on its statement (`runner.FOLDS`): a
    statement that grants everything implies them, and they are reported as part of it."""
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
            "folded": list(self.folded),
        } | ({"blocked_by": self.blocked_by} if self.blocked_by is not None else {})


REPORT_ORDER: Callable[[Finding], tuple[str, int, int, str]] = attrgetter(
    "file", "line", "column", "rule"
)
"""`Finding.sort_key` as a key function made in C, for sorting many findings (a corpus of
managed policies sorts 16,346 of them, document by document)."""

FOLD_MARK = "; also implies "
"""Where the note of `fold_note` starts in a message (reports leave it out of fingerprints:
a finding keeps its identity when a rule is added to what it folds)."""


def fold_note(folded: tuple[str, ...], count: int) -> str:
    """What a folding finding's message ends with: `; also implies PS202, PS301-PS330 (53
    findings folded)`, runs of consecutive ids shortened; empty when nothing is folded."""
    if not folded:
        return ""
    runs: list[list[str]] = []
    for rule_id in sorted(set(folded)):
        if runs and _number(rule_id) == _number(runs[-1][-1]) + 1:
            runs[-1].append(rule_id)
        else:
            runs.append([rule_id])
    shown = ", ".join(run[0] if len(run) == 1 else f"{run[0]}-{run[-1]}" for run in runs)
    noun = "finding" if count == 1 else "findings"
    return f"{FOLD_MARK}{shown} ({count} {noun} folded into this one)"


def _number(rule_id: str) -> int:
    digits = rule_id[2:]
    return int(digits) if digits.isdigit() else -2
