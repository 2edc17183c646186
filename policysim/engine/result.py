"""The engine's answer: the decision and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Decision(StrEnum):
    """AWS's three outcomes (the simulator API's allowed / explicitDeny / implicitDeny)."""

    ALLOWED = "Allowed"
    EXPLICIT_DENY = "ExplicitDeny"
    IMPLICIT_DENY = "ImplicitDeny"

    @property
    def api_name(self) -> str:
        """The spelling of AWS's simulator API."""
        return self.value[0].lower() + self.value[1:]


class PolicyType(StrEnum):
    """Where a policy sits in the evaluation."""

    IDENTITY = "identity"
    RESOURCE = "resource"
    BOUNDARY = "boundary"
    SESSION = "session"
    SCP = "scp"
    RCP = "rcp"


@dataclass(frozen=True, slots=True)
class MatchedStatement:
    """A statement that decided (or helped decide) the request."""

    policy_type: PolicyType
    policy_name: str
    statement_index: int
    sid: str | None
    effect: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    level: int | None = None

    @property
    def location(self) -> str | None:
        """`file:line:col` where known."""
        if self.line is None:
            return self.file
        return f"{self.file or '<input>'}:{self.line}:{self.column}"

    def describe(self) -> str:
        """`identity policy 'p' statement 'Sid'` for humans."""
        label = repr(self.sid) if self.sid else f"#{self.statement_index}"
        where = f" ({self.location})" if self.location else ""
        level = f" level {self.level}" if self.level is not None else ""
        if self.policy_name.startswith(f"{self.policy_type.value} policy of "):
            # Resource policies are named after their resource already: say it once.
            return f"{self.policy_name} statement {label}{where}"
        return (
            f"{self.policy_type.value}{level} policy {self.policy_name!r} statement {label}{where}"
        )

    def to_json(self) -> dict[str, Any]:
        """JSON for scripts."""
        out: dict[str, Any] = {
            "policy_type": self.policy_type.value,
            "policy": self.policy_name,
            "statement_index": self.statement_index,
            "sid": self.sid,
            "effect": self.effect,
        }
        if self.level is not None:
            out["level"] = self.level
        if self.file is not None:
            out["file"] = self.file
        if self.line is not None:
            out["line"] = self.line
            out["column"] = self.column
        return out


@dataclass(frozen=True, slots=True)
class UnmetCondition:
    """An Allow statement that matched the action and resource, but whose condition failed."""

    statement: MatchedStatement
    failed: tuple[str, ...]
    """Each failed entry as `Operator key [values] (request: value)`."""

    def to_json(self) -> dict[str, Any]:
        """JSON for scripts."""
        return {"statement": self.statement.to_json(), "failed_conditions": list(self.failed)}


_WORDS = {
    "StringEquals": "is",
    "StringEqualsIgnoreCase": "is (any case)",
    "ArnEquals": "is",
    "BinaryEquals": "is",
    "Bool": "is",
    "NumericEquals": "is",
    "DateEquals": "is",
    "StringLike": "matches",
    "ArnLike": "matches",
    "IpAddress": "is in",
    "NumericLessThan": "is less than",
    "NumericLessThanEquals": "is at most",
    "NumericGreaterThan": "is greater than",
    "NumericGreaterThanEquals": "is at least",
    "DateLessThan": "is before",
    "DateLessThanEquals": "is at or before",
    "DateGreaterThan": "is after",
    "DateGreaterThanEquals": "is at or after",
}
"""How a positive operator reads in `key <words> value`."""

_NEGATED_WORDS = {
    "StringNotEquals": ("not", "none of"),
    "StringNotEqualsIgnoreCase": ("not (any case)", "none (any case) of"),
    "ArnNotEquals": ("not", "none of"),
    "NumericNotEquals": ("not", "none of"),
    "DateNotEquals": ("not", "none of"),
    "StringNotLike": ("does not match", "matches none of"),
    "ArnNotLike": ("does not match", "matches none of"),
    "NotIpAddress": ("not in", "in none of"),
}
"""Negated operators read as `key is present and <words> values`: the key is set."""


@dataclass(frozen=True, slots=True)
class KeyCondition:
    """A test on one context key, written as an IAM condition entry.

    `Null ["false"]` means "the key is present, whatever its value"; a negated operator
    (`StringNotEquals`, ...) means the key is present *and* none of the values match.
    """

    key: str
    operator: str
    values: tuple[str, ...]

    def describe(self) -> str:
        """`s3:x-amz-server-side-encryption is AES256 or aws:kms` for humans."""
        if self.operator == "Null":
            return f"{self.key} is {'absent' if self.values == ('true',) else 'present'}"
        shown = " or ".join(self.values)
        words = _WORDS.get(self.operator)
        if words is not None:
            if words == "matches" and not any(c in v for v in self.values for c in "*?"):
                words = "is"
            return f"{self.key} {words} {shown}"
        one, many = _NEGATED_WORDS.get(self.operator, (f"not {self.operator}", "none of"))
        if len(self.values) == 1:
            return f"{self.key} is present and {one} {self.values[0]}"
        return f"{self.key} is present and {many} {', '.join(self.values)}"

    def to_json(self) -> dict[str, Any]:
        """JSON for scripts: an IAM-style condition entry."""
        return {"key": self.key, "operator": self.operator, "values": list(self.values)}


@dataclass(frozen=True, slots=True)
class Dependency:
    """How a decision would change if the request carried context keys it lacked.

    `conditions` all hold together (a conjunction); `example` is a request assignment that was
    evaluated and gave `becomes`. `becomes` None means the search could not say how: the
    decision may depend on `keys` in ways not summarised (too many keys or values to try).
    """

    becomes: Decision | None
    conditions: tuple[KeyCondition, ...]
    example: tuple[tuple[str, str], ...] = ()
    more: bool = False
    """Only some of the values the policies name were tried; others may qualify too."""
    keys: tuple[str, ...] = ()

    def condition_text(self) -> str:
        """The conditions joined by `and`."""
        text = " and ".join(c.describe() for c in self.conditions)
        return text + (" (or other values: not all were tried)" if self.more else "")

    def describe(self) -> str:
        """`allowed if K is V`, `ExplicitDeny if ...`, or `may depend on K1, K2`."""
        if self.becomes is None:
            return "may also depend on " + ", ".join(self.keys) + " (not searched further)"
        word = "allowed" if self.becomes is Decision.ALLOWED else self.becomes.value
        return f"{word} if {self.condition_text()}"

    def to_json(self) -> dict[str, Any]:
        """JSON for scripts."""
        out: dict[str, Any] = {
            "becomes": self.becomes.value if self.becomes is not None else None,
            "conditions": [c.to_json() for c in self.conditions],
            "example": dict(self.example),
        }
        if self.more:
            out["more"] = True
        if self.keys:
            out["keys"] = list(self.keys)
        return out


def describe_dependencies(dependencies: list[Dependency]) -> str:
    """All alternatives in one line: `allowed if A, or if B; ExplicitDeny if C`."""
    parts: list[str] = []
    for becomes in (Decision.ALLOWED, Decision.EXPLICIT_DENY, Decision.IMPLICIT_DENY, None):
        same = [d for d in dependencies if d.becomes is becomes]
        if not same:
            continue
        if becomes is None:
            parts += [d.describe() for d in same]
        else:
            parts.append(
                same[0].describe() + "".join(f", or if {d.condition_text()}" for d in same[1:])
            )
    return "; ".join(parts)


@dataclass(slots=True)
class EvaluationResult:
    """The decision with its explanation (a superset of AWS's EvaluationResult, spec §1.6)."""

    decision: Decision
    reason: str
    matched_statements: list[MatchedStatement] = field(default_factory=list)
    missing_context_keys: list[str] = field(default_factory=list)
    policy_results: dict[str, str] = field(default_factory=dict)
    blocked_by: list[str] = field(default_factory=list)
    same_account: bool | None = None
    principal_match_kind: str | None = None
    allowed_by_scp: bool | None = None
    allowed_by_rcp: bool | None = None
    allowed_by_boundary: bool | None = None
    allowed_by_session_policy: bool | None = None
    unmet_conditions: list[UnmetCondition] = field(default_factory=list)
    """Allow statements that would have applied but for their Condition (why not allowed)."""
    depends_on: list[Dependency] | None = None
    """How the decision changes with context keys the request lacked; None when not analysed
    (only asked for by interactive commands: see `engine.depends`)."""

    @property
    def allowed(self) -> bool:
        """True only for Allowed."""
        return self.decision is Decision.ALLOWED

    def to_json(self) -> dict[str, Any]:
        """JSON for scripts: every field, with enum values as strings."""
        out: dict[str, Any] = {
            "decision": self.decision.value,
            "reason": self.reason,
            "matched_statements": [m.to_json() for m in self.matched_statements],
            "missing_context_keys": self.missing_context_keys,
            "policy_results": self.policy_results,
            "blocked_by": self.blocked_by,
            "same_account": self.same_account,
            "principal_match_kind": self.principal_match_kind,
            "allowed_by_organizations": {"scp": self.allowed_by_scp, "rcp": self.allowed_by_rcp},
            "allowed_by_boundary": self.allowed_by_boundary,
            "allowed_by_session_policy": self.allowed_by_session_policy,
            "unmet_conditions": [u.to_json() for u in self.unmet_conditions],
        }
        if self.depends_on is not None:
            out["depends_on"] = [d.to_json() for d in self.depends_on]
        return out
