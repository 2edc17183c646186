"""Guardrail awareness for `policysim lint --account FILE`.

A finding about what an Allow statement grants matters less when the organization's SCPs (for
identity policies) or RCPs (for resource-based and trust policies) already deny every action
the statement grants on every resource it names. The decision is the engine's, not a second
implementation: for every member account of the file's organization (the management account
is exempt from SCPs and RCPs) and every (action, resource) the statement grants, the engine
decides a request with an identity policy that allows everything plus the account's guardrails.
Only when every such request is denied by a guardrail is the finding lowered (or dropped).

Conservative by construction: the lint knows no request context, so guardrail statements are
read in their most permissive form: a Deny with a Condition is left out (it may not apply) and
an Allow with a Condition counts as unconditional (it may apply). A statement with NotAction or
NotResource, variables or placeholders it cannot pin down, or a policy type other than
identity, resource-based or trust, is never lowered. A permissions boundary counts only where
the lint knows the principal: an inline policy of a user or role inside the account file
(docs/guardrails.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cache
from typing import Any

from policysim.account.errors import AccountError
from policysim.account.model import Role, Snapshot, User
from policysim.account.resolve import PrincipalKindName, Resolver, Target
from policysim.account.workspace import aws_managed
from policysim.engine.compiled import CompiledPolicySet, NamedPolicy, PolicySet, compile_policy_set
from policysim.engine.evaluate import evaluate
from policysim.engine.request import PrincipalKind, Request, RequestPrincipal
from policysim.engine.result import Decision, EvaluationResult
from policysim.lint.facts import expand_action
from policysim.lint.finding import Finding, Severity
from policysim.policy.kinds import PolicyKind
from policysim.policy.model import Policy, Statement
from policysim.policy.unknown import has_unknown
from policysim.policy.wildcard import has_wildcard

LOWERED = frozenset({Severity.SECURITY, Severity.WARNING})
"""Severities a guardrail can lower; errors (a policy AWS rejects) stay errors."""

_IDENTITY_SIDE = frozenset({PolicyKind.IDENTITY})
_RESOURCE_SIDE = frozenset({PolicyKind.RESOURCE, PolicyKind.TRUST})
_PROBE_ROLE = "policysim-lint-probe"
_SHOWN = 3
"""Guardrail reasons named in one note; the rest are counted."""


class GuardrailMode(StrEnum):
    """What happens to a finding a guardrail blocks."""

    LOWER = "lower"
    """Lowered to suggestion, with a note naming the guardrail."""
    DROP = "drop"
    """Left out of the report."""


@cache
def _allow_everything() -> NamedPolicy:
    policy = Policy.model_validate(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        }
    )
    return NamedPolicy(policy, "(every permission)")


def _most_permissive(policy: Policy, wide: bool) -> Policy | None:
    """The policy as it reads in the most permissive context: conditional Denies left out, and
    Allows kept without their conditions on every resource (an allow-list guardrail that grants
    only some resources may grant the ones the linted statement means). None when nothing is
    left.

    `wide`: the linted statement names resources by pattern (`*`, `arn:...:bucket/*`). The
    engine matches a guardrail's pattern against that text as if it were one resource, which
    proves nothing about the resources the pattern stands for, so only Denies on every resource
    (`"Resource": "*"`) are kept; for exact ARNs every unconditional Deny is kept.
    """
    kept: list[Statement] = []
    for statement in policy.statements:
        if statement.effect == "Allow":
            kept.append(
                statement.model_copy(
                    update={"condition": {}, "resource": ("*",), "not_resource": None}
                )
            )
        elif not statement.condition and (not wide or _every_resource(statement)):
            kept.append(statement)
    if not kept:
        return None
    return policy.model_copy(update={"statements": tuple(kept)})


def _every_resource(statement: Statement) -> bool:
    return statement.not_resource is None and "*" in (statement.resource or ())


def _permissive_levels(
    levels: list[list[NamedPolicy]] | None, wide: bool
) -> list[list[NamedPolicy]] | None:
    if levels is None:
        return None
    out: list[list[NamedPolicy]] = []
    for level in levels:
        kept: list[NamedPolicy] = []
        for named in level:
            policy = _most_permissive(named.policy, wide)
            if policy is not None:
                kept.append(NamedPolicy(policy, named.name))
        out.append(kept)
    return out


def _strings(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def _why(
    result: EvaluationResult, account: str, policies: PolicySet, principal: str | None
) -> list[str]:
    """The guardrail statements that denied, else (an allow-list without a grant) the
    boundary that grants nothing of it or the engine's reason, naming the account."""
    denies = [
        f"{m.policy_name} statement {repr(m.sid) if m.sid else f'#{m.statement_index}'}"
        + (f" ({m.location})" if m.location else "")
        for m in result.matched_statements
        if m.effect == "Deny"
    ]
    if denies:
        return denies
    if result.allowed_by_boundary is False and policies.boundary:
        names = ", ".join(named.name for named in policies.boundary)
        return [f"{names} of {principal} in account {account}, which does not allow it"]
    return [f"account {account}: {result.reason}"]


@dataclass(slots=True)
class Guardrails:
    """The SCPs, RCPs and permissions boundaries of an account or organization file, ready to
    decide findings."""

    snapshot: Snapshot
    file: str
    mode: GuardrailMode = GuardrailMode.LOWER
    _sets: dict[tuple[str, bool, str | None, bool], CompiledPolicySet | None] = field(
        default_factory=dict, repr=False
    )
    _decided: dict[tuple[Any, ...], str | None] = field(default_factory=dict, repr=False)

    def members(self) -> list[str]:
        """Account ids the guardrails govern: members of the organization other than the
        management account (SCPs and RCPs never apply to it)."""
        org = self.snapshot.organization
        if org is None:
            return []
        return sorted(a for a in org.account_paths if a != org.management_account)

    def _boundary(self, account_id: str, principal: str) -> list[NamedPolicy] | None:
        """The permissions boundary of `role/NAME` or `user/NAME` in the account file."""
        account = self.snapshot.account(account_id)
        kind, _, name = principal.partition("/")
        entity: User | Role | None = None
        if account is not None and kind == "role":
            entity = account.roles.get(name)
        elif account is not None and kind == "user":
            entity = account.users.get(name)
        if account is None or entity is None:
            return None
        holder: PrincipalKindName = "role" if kind == "role" else "user"
        resolver = Resolver(self.snapshot, managed_lookup=aws_managed)
        try:
            return resolver.boundary(Target(account, holder, entity, entity.arn))
        except AccountError:
            return None  # the boundary is not in the file: nothing known about it

    def _policy_set(
        self, account: str, resource_side: bool, principal: str | None, wide: bool
    ) -> CompiledPolicySet | None:
        """The guardrails over one account's requests (RCPs for the resource side, SCPs and the
        principal's boundary for the identity side) in their most permissive reading (`wide`
        as for `_most_permissive`), with an identity policy that allows everything; None when
        no guardrail governs them."""
        key = (account, resource_side, principal, wide)
        if key in self._sets:
            return self._sets[key]
        levels = None
        if account in self.members():
            levels = _permissive_levels(
                Resolver(self.snapshot).org_levels(account, "rcp" if resource_side else "scp"),
                wide,
            )
        boundary = None
        if not resource_side and principal is not None:
            found = self._boundary(account, principal)
            if found is not None:
                boundary = [
                    NamedPolicy(doc, named.name)
                    for named in found
                    if (doc := _most_permissive(named.policy, wide)) is not None
                ]
        compiled = None
        if levels is not None or boundary is not None:
            policies = PolicySet(identity=[_allow_everything()], boundary=boundary)
            if resource_side:
                policies.rcps = levels
            else:
                policies.scps = levels
            compiled = compile_policy_set(policies)
        self._sets[key] = compiled
        return compiled

    def blocker(
        self,
        statement: Any,
        kind: PolicyKind,
        account: str | None = None,
        principal: str | None = None,
    ) -> str | None:
        """Which guardrail blocks every grant of `statement` (plain policy data), or None when
        some grant may take effect or the lint cannot tell.

        `account`: the account the policy belongs to, when known (a policy inside an account
        file); else every member account of the organization must block. `principal`
        (`role/NAME` or `user/NAME` of that account): the identity the policy is attached to,
        whose permissions boundary then counts too."""
        if kind not in _IDENTITY_SIDE and kind not in _RESOURCE_SIDE:
            return None
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            return None
        if "NotAction" in statement or "NotResource" in statement:
            return None
        resource_side = kind in _RESOURCE_SIDE
        actions = _strings(statement.get("Action"))
        resources = _strings(statement.get("Resource", "*" if resource_side else None))
        if actions is None or resources is None:
            return None
        if any(has_unknown(text) or "${" in text for text in actions + resources):
            return None
        key = (tuple(actions), tuple(resources), resource_side, account, principal)
        if key not in self._decided:
            accounts = [account] if account is not None else self.members()
            self._decided[key] = self._decide(
                actions, resources, resource_side, accounts, None if account is None else principal
            )
        return self._decided[key]

    def _decide(
        self,
        actions: list[str],
        resources: list[str],
        resource_side: bool,
        accounts: list[str],
        principal: str | None,
    ) -> str | None:
        names: list[str] = []
        for pattern in actions:
            infos = expand_action(pattern)
            if not infos:
                return None  # unknown action: nothing to ask the engine about
            names.extend(info.full_name for info in infos)
        if not accounts:
            return None
        reasons: list[str] = []
        for member in accounts:
            arn = f"arn:aws:iam::{member}:role/{_PROBE_ROLE}"
            caller = RequestPrincipal(arn, PrincipalKind.ROLE, account=member, role_arn=arn)
            for resource in resources:
                compiled = self._policy_set(
                    member, resource_side, principal, has_wildcard(resource)
                )
                if compiled is None:
                    return None  # nothing governs this account's requests
                for action in dict.fromkeys(names):
                    result = evaluate(
                        compiled, Request(caller, action, resource, resource_account=member)
                    )
                    if result.decision is Decision.ALLOWED:
                        return None
                    for reason in _why(result, member, compiled.source, principal):
                        if reason not in reasons:
                            reasons.append(reason)
        if len(reasons) > _SHOWN:
            return "; ".join(reasons[:_SHOWN]) + f"; and {len(reasons) - _SHOWN} more"
        return "; ".join(reasons)

    def apply(
        self,
        findings: list[Finding],
        statements: list[Any],
        kind: PolicyKind,
        account: str | None = None,
        principal: str | None = None,
    ) -> list[Finding]:
        """`findings` of one document with those a guardrail blocks lowered (or dropped).

        `statements` are the document's statements as plain data, by index; `account` and
        `principal` as for `blocker`."""
        out: list[Finding] = []
        for finding in findings:
            index = finding.statement
            if finding.severity not in LOWERED or index is None or index >= len(statements):
                out.append(finding)
                continue
            blocker = self.blocker(statements[index], kind, account, principal)
            if blocker is None:
                out.append(finding)
            elif self.mode is GuardrailMode.LOWER:
                out.append(
                    replace(
                        finding,
                        severity=Severity.SUGGESTION,
                        message=f"{finding.message} (blocked by {blocker})",
                        blocked_by=blocker,
                    )
                )
        return out
