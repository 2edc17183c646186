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

    @property
    def allowed(self) -> bool:
        """True only for Allowed."""
        return self.decision is Decision.ALLOWED

    def to_json(self) -> dict[str, Any]:
        """JSON for scripts: every field, with enum values as strings."""
        return {
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
