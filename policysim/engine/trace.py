"""A statement-by-statement account of an evaluation, for `policysim explain`.

The decision itself comes from `engine.evaluate`; this walks the same compiled statements and
says, for each, whether its action, resource, principal and each condition matched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from policysim.engine.compiled import CompiledPolicies, CompiledPolicySet, CompiledStatement
from policysim.engine.principal_match import MatchKind, statement_principal_kind
from policysim.engine.request import Request
from policysim.engine.result import MatchedStatement, PolicyType


@dataclass(slots=True)
class ConditionTrace:
    """One condition entry and whether it held."""

    text: str
    holds: bool


@dataclass(slots=True)
class StatementTrace:
    """Why one statement did or did not apply."""

    statement: MatchedStatement
    action_matches: bool
    resource_matches: bool | None = None
    principal: str | None = None
    conditions: list[ConditionTrace] = field(default_factory=list)

    @property
    def applies(self) -> bool:
        """The statement matched the request."""
        return (
            self.action_matches
            and bool(self.resource_matches)
            and self.principal != "no match"
            and all(c.holds for c in self.conditions)
        )

    def why(self) -> str:
        """A short reason."""
        if not self.action_matches:
            return "action not matched"
        if not self.resource_matches:
            return "resource not matched"
        if self.principal == "no match":
            return "principal not matched"
        failed = [c.text for c in self.conditions if not c.holds]
        if failed:
            return "condition failed: " + "; ".join(failed)
        return "applies"

    def to_json(self) -> dict[str, Any]:
        """JSON for scripts."""
        return {
            "statement": self.statement.to_json(),
            "applies": self.applies,
            "action_matches": self.action_matches,
            "resource_matches": self.resource_matches,
            "principal": self.principal,
            "conditions": [{"condition": c.text, "holds": c.holds} for c in self.conditions],
            "why": self.why(),
        }


@dataclass(slots=True)
class GroupTrace:
    """The statements of one policy type (or one organization level)."""

    label: str
    statements: list[StatementTrace]


def _trace_statement(
    statement: CompiledStatement, request: Request, compiled: CompiledPolicySet
) -> StatementTrace:
    out = StatementTrace(statement.matched(), statement.matches_action(request.action.lower()))
    if not out.action_matches:
        return out
    out.resource_matches = statement.matches_resource(request.resource, request.context)
    if statement.principal is not None:
        kind = statement_principal_kind(
            statement.principal,
            negated=statement.principal_negated,
            allow=statement.allow,
            caller=request.principal,
            caller_has_boundary=compiled.boundary is not None
            and request.principal.kind.has_identity,
            principal_required=statement.policy_type is PolicyType.RESOURCE,
        )
        out.principal = (
            "no match" if kind is MatchKind.NONE else kind.name.lower().replace("_", " ")
        )
    elif statement.policy_type is PolicyType.RESOURCE:
        out.principal = "no match"
    opts = compiled.options
    for condition in statement.conditions:
        out.conditions.append(
            ConditionTrace(
                condition.describe(request.context), condition.holds(request.context, opts, None)
            )
        )
    return out


def trace(compiled: CompiledPolicySet, request: Request) -> list[GroupTrace]:
    """Every statement of every policy in the set, grouped by policy type and level."""
    # Service principals, CloudFront OAIs and anonymous callers have no identity side.
    identity = compiled.identity if request.principal.kind.has_identity else None
    groups: list[tuple[str, CompiledPolicies | None]] = [
        ("identity policies", identity),
        ("resource-based policy", compiled.resource),
        ("permissions boundary", compiled.boundary),
        ("session policy", compiled.session),
    ]
    for kind, levels in (("SCPs", compiled.scp_levels), ("RCPs", compiled.rcp_levels)):
        for i, level in enumerate(levels or []):
            groups.append((f"{kind} at organization level {i}", level))
    out: list[GroupTrace] = []
    for label, policies in groups:
        if policies is None:
            continue
        out.append(
            GroupTrace(label, [_trace_statement(s, request, compiled) for s in policies.statements])
        )
    return out
