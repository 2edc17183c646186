"""Who can do an action on a resource: every principal of the snapshot, plus outsiders whom
the resource's policy names (IAM principals of other accounts need their own account to allow
too; service principals and CloudFront OAIs have no identity side).

A principal denied only for want of a context key the question did not give (an encryption
header, a region) is not "not allowed": it is "allowed if" that key holds, and says so."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from policysim.account.principal_spec import OutsideKind, outside_kind
from policysim.account.resolve import Resolver, Target
from policysim.engine.compiled import NamedPolicy, compile_policies
from policysim.engine.request import Context
from policysim.engine.result import (
    Decision,
    Dependency,
    EvaluationResult,
    MatchedStatement,
    PolicyType,
)
from policysim.gcpause import paused_gc
from policysim.policy.arn import is_account_id, parse_arn
from policysim.policy.public import is_public_policy


@dataclass(slots=True)
class Grant:
    """A principal of the snapshot: its decision, the statements that decided it, and how the
    decision would change with context keys the question did not give."""

    principal: str
    arn: str
    account: str
    statements: list[MatchedStatement]
    decision: Decision = Decision.ALLOWED
    reason: str = ""
    depends_on: list[Dependency] = field(default_factory=list)

    @property
    def allowed_if(self) -> list[Dependency]:
        """The conditions under which a denied principal would be allowed."""
        if self.decision is Decision.ALLOWED:
            return []
        return [d for d in self.depends_on if d.becomes is Decision.ALLOWED]

    def to_json(self) -> dict[str, Any]:
        """JSON for scripts."""
        return {
            "principal": self.principal,
            "arn": self.arn,
            "account": self.account,
            "decision": self.decision.value,
            "reason": self.reason,
            "statements": [s.to_json() for s in self.statements],
            "depends_on": [d.to_json() for d in self.depends_on],
        }


@dataclass(slots=True)
class ExternalGrant:
    """A principal outside the snapshot that the resource policy allows."""

    principal: str
    statement: MatchedStatement
    conditional: bool
    kind: OutsideKind = "principal"
    """everyone, service or oai (the resource policy alone decides: they have no identity
    side), account or principal (their own account's policies must allow too)."""

    @property
    def needs_own_account(self) -> bool:
        """Whether the grantee's own account must also allow (IAM principals of another
        account); service principals and CloudFront OAIs have no identity side."""
        return self.kind in ("account", "principal")

    def to_json(self) -> dict[str, Any]:
        """JSON for scripts."""
        return {
            "principal": self.principal,
            "kind": self.kind,
            "statement": self.statement.to_json(),
            "conditional": self.conditional,
        }


@dataclass(slots=True)
class WhoCanReport:
    """The answer to `who-can`."""

    action: str
    resource: str
    checked: int
    allowed: list[Grant] = field(default_factory=list)
    external: list[ExternalGrant] = field(default_factory=list)
    allowed_if: list[Grant] = field(default_factory=list)
    """Denied as asked, allowed if some context key the question did not give holds."""
    denied: list[Grant] | None = None
    """The other principals, when asked for (`show_denied`)."""

    @property
    def anyone(self) -> bool:
        """Whether anyone may be allowed: a principal, one under conditions, or an outsider."""
        return bool(self.allowed or self.allowed_if or self.external)

    def to_json(self) -> dict[str, Any]:
        """JSON for scripts."""
        out: dict[str, Any] = {
            "action": self.action,
            "resource": self.resource,
            "principals_checked": self.checked,
            "allowed": [g.to_json() for g in self.allowed],
            "allowed_if": [g.to_json() for g in self.allowed_if],
            "external": [g.to_json() for g in self.external],
        }
        if self.denied is not None:
            out["denied"] = [g.to_json() for g in self.denied]
        return out


def _grant(target: Target, result: EvaluationResult) -> Grant:
    return Grant(
        target.label,
        target.caller_arn,
        target.account.id,
        result.matched_statements,
        result.decision,
        result.reason,
        result.depends_on or [],
    )


def _outside(entry: str, known_accounts: Collection[str]) -> bool:
    if outside_kind(entry) in ("everyone", "service", "oai"):
        return True  # everyone, an AWS service principal, or a CloudFront OAI
    account = entry if is_account_id(entry) else (parse_arn(entry) or None)
    account_id = account if isinstance(account, str) else (account.account if account else None)
    return account_id is not None and account_id not in known_accounts


def who_can(
    resolver: Resolver,
    action: str,
    resource: str = "*",
    context: Mapping[str, str | Iterable[str]] | None = None,
    *,
    show_denied: bool = False,
    accounts: Collection[str] | None = None,
    external: bool = True,
) -> WhoCanReport:
    """Decide the request for every user and role of the snapshot; say for each denied one
    whether context keys the question lacked would allow it (and, with `show_denied`, keep the
    rest with what denied them).

    `accounts` limits the principals to those accounts and `external=False` leaves out the
    outsiders the resource policy names: `policysim.org` runs one account per task and adds
    the outsiders once."""
    with paused_gc():
        targets = resolver.principals(accounts)
        report = WhoCanReport(action, resource, len(targets))
        if show_denied:
            report.denied = []
        for target in targets:
            result = resolver.decide(target, action, resource, context, depends=True)
            grant = _grant(target, result)
            if result.allowed:
                report.allowed.append(grant)
            elif grant.allowed_if:
                report.allowed_if.append(grant)
            elif report.denied is not None:
                report.denied.append(grant)
    if external:
        report.external = external_grants(
            resolver, action, resource, context, resolver.snapshot.accounts
        )
    return report


def external_grants(
    resolver: Resolver,
    action: str,
    resource: str,
    context: Mapping[str, str | Iterable[str]] | None,
    known_accounts: Collection[str],
) -> list[ExternalGrant]:
    """The principals outside `known_accounts` (the organization's accounts) whom the resource
    policy allows: everyone, services, CloudFront OAIs, other accounts and their principals."""
    out: list[ExternalGrant] = []
    entry, owner = resolver.find_resource(resource, action)
    blocked = (
        entry is not None
        and entry.policy is not None
        and resolver.restricts_public_buckets(entry, owner)
        and is_public_policy(entry.policy)
    )  # RestrictPublicBuckets: no cross-account access through a public policy (spec §6)
    if entry is None or entry.policy is None or blocked:
        return out
    compiled = compile_policies(
        [NamedPolicy(entry.policy, f"resource policy of {entry.arn}")],
        PolicyType.RESOURCE,
        resolver.options,
    )
    ctx = Context(context)
    known = set(known_accounts)
    for statement in compiled.for_action(action.lower()):
        if not statement.allow or statement.principal is None or statement.principal_negated:
            continue
        if not statement.matches_resource(resource, ctx):
            continue
        element = statement.principal
        entries = ["*"] if element.wildcard else [*element.aws, *element.service]
        for principal in entries:
            if _outside(principal, known):
                out.append(
                    ExternalGrant(
                        principal,
                        statement.matched(),
                        bool(statement.conditions),
                        outside_kind(principal),
                    )
                )
    return out
