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
identity, resource-based or trust, is never lowered. Permissions boundaries are not taken into
account (docs/guardrails.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cache
from typing import Any

from policysim.account.model import Snapshot
from policysim.account.resolve import Resolver
from policysim.engine.compiled import CompiledPolicySet, NamedPolicy, PolicySet, compile_policy_set
from policysim.engine.evaluate import evaluate
from policysim.engine.request import PrincipalKind, Request, RequestPrincipal
from policysim.engine.result import Decision, EvaluationResult
from policysim.lint.facts import expand_action
from policysim.lint.finding import Finding, Severity
from policysim.policy.kinds import PolicyKind
from policysim.policy.model import Policy, Statement
from policysim.policy.unknown import has_unknown

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


def _most_permissive(policy: Policy) -> Policy | None:
    """The policy as it reads in the most permissive context: conditional Denies left out,
    conditional Allows kept without their conditions. None when nothing is left."""
    kept: list[Statement] = []
    for statement in policy.statements:
        if not statement.condition:
            kept.append(statement)
        elif statement.effect == "Allow":
            kept.append(statement.model_copy(update={"condition": {}}))
    if not kept:
        return None
    return policy.model_copy(update={"statements": tuple(kept)})


def _permissive_levels(levels: list[list[NamedPolicy]] | None) -> list[list[NamedPolicy]] | None:
    if levels is None:
        return None
    out: list[list[NamedPolicy]] = []
    for level in levels:
        kept: list[NamedPolicy] = []
        for named in level:
            policy = _most_permissive(named.policy)
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


def _why(result: EvaluationResult, account: str) -> list[str]:
    """The guardrail statements that denied, else (an allow-list without a grant) the engine's
    reason, naming the account."""
    denies = [
        f"{m.policy_name} statement {repr(m.sid) if m.sid else f'#{m.statement_index}'}"
        + (f" ({m.location})" if m.location else "")
        for m in result.matched_statements
        if m.effect == "Deny"
    ]
    return denies or [f"account {account}: {result.reason}"]


@dataclass(slots=True)
class Guardrails:
    """The SCPs and RCPs of an account or organization file, ready to decide findings."""

    snapshot: Snapshot
    file: str
    mode: GuardrailMode = GuardrailMode.LOWER
    _sets: dict[tuple[str, bool], list[tuple[str, CompiledPolicySet]]] = field(
        default_factory=dict, repr=False
    )
    _decided: dict[tuple[tuple[str, ...], tuple[str, ...], bool], str | None] = field(
        default_factory=dict, repr=False
    )

    def members(self) -> list[str]:
        """Account ids the guardrails govern: members of the organization other than the
        management account (SCPs and RCPs never apply to it)."""
        org = self.snapshot.organization
        if org is None:
            return []
        return sorted(a for a in org.account_paths if a != org.management_account)

    def _policy_sets(self, resource_side: bool) -> list[tuple[str, CompiledPolicySet]]:
        key = ("rcp" if resource_side else "scp", resource_side)
        found = self._sets.get(key)
        if found is None:
            resolver = Resolver(self.snapshot)
            found = []
            for account in self.members():
                levels = _permissive_levels(
                    resolver.org_levels(account, "rcp" if resource_side else "scp")
                )
                policies = PolicySet(identity=[_allow_everything()])
                if resource_side:
                    policies.rcps = levels
                else:
                    policies.scps = levels
                found.append((account, compile_policy_set(policies)))
            self._sets[key] = found
        return found

    def blocker(self, statement: Any, kind: PolicyKind) -> str | None:
        """Which guardrail blocks every grant of `statement` (plain policy data), or None when
        some grant may take effect or the lint cannot tell."""
        if kind not in _IDENTITY_SIDE and kind not in _RESOURCE_SIDE:
            return None
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            return None
        if "NotAction" in statement or "NotResource" in statement:
            return None
        actions = _strings(statement.get("Action"))
        resources = _strings(statement.get("Resource", "*" if kind in _RESOURCE_SIDE else None))
        if actions is None or resources is None:
            return None
        if any(has_unknown(text) or "${" in text for text in actions + resources):
            return None
        key = (tuple(actions), tuple(resources), kind in _RESOURCE_SIDE)
        if key not in self._decided:
            self._decided[key] = self._decide(actions, resources, kind in _RESOURCE_SIDE)
        return self._decided[key]

    def _decide(self, actions: list[str], resources: list[str], resource_side: bool) -> str | None:
        names: list[str] = []
        for pattern in actions:
            infos = expand_action(pattern)
            if not infos:
                return None  # unknown action: nothing to ask the engine about
            names.extend(info.full_name for info in infos)
        sets = self._policy_sets(resource_side)
        if not sets:
            return None
        reasons: list[str] = []
        for account, compiled in sets:
            principal = RequestPrincipal(
                f"arn:aws:iam::{account}:role/{_PROBE_ROLE}",
                PrincipalKind.ROLE,
                account=account,
                role_arn=f"arn:aws:iam::{account}:role/{_PROBE_ROLE}",
            )
            for action in dict.fromkeys(names):
                for resource in resources:
                    result = evaluate(
                        compiled,
                        Request(principal, action, resource, resource_account=account),
                    )
                    if result.decision is Decision.ALLOWED:
                        return None
                    for reason in _why(result, account):
                        if reason not in reasons:
                            reasons.append(reason)
        if len(reasons) > _SHOWN:
            return "; ".join(reasons[:_SHOWN]) + f"; and {len(reasons) - _SHOWN} more"
        return "; ".join(reasons)

    def apply(
        self, findings: list[Finding], statements: list[Any], kind: PolicyKind
    ) -> list[Finding]:
        """`findings` of one document with those a guardrail blocks lowered (or dropped).

        `statements` are the document's statements as plain data, by index."""
        out: list[Finding] = []
        for finding in findings:
            index = finding.statement
            if finding.severity not in LOWERED or index is None or index >= len(statements):
                out.append(finding)
                continue
            blocker = self.blocker(statements[index], kind)
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
