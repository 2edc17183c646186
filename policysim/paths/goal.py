"""What the search looks for: admin, or one permission.

**Admin** means "can obtain any permission in its account": the principal's identity policies
allow every action on every resource with no condition, its permissions boundary (if any) does
too, neither holds a Deny statement, and no SCP singles it out. SCP statements that read nothing
of the caller apply to every principal of the account alike (a region restriction, a denied
service): they bound what anyone there can obtain, so they do not make one principal less than
admin. An SCP statement that reads the caller (`aws:PrincipalArn`, a principal tag, ...) and
may deny it, or an SCP level whose only Allow excludes it, does.

A **permission** goal (`ACTION` on `RESOURCE`) is decided by the engine for each principal,
with the resource's policy, the SCPs and RCPs, exactly as `policysim check` would.

Both goals also answer for a changed principal: "would it be admin (or allowed) once it wrote
itself an Allow-everything policy / lost its boundary / joined a group?", which is what the
modification methods yield.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Protocol

from policysim.engine.compiled import CompiledPolicies, CompiledStatement, compile_policy_set
from policysim.engine.condition_block import conditions_hold
from policysim.paths.decide import Change, Check, Decider
from policysim.paths.nodes import Node, reads_caller_key
from policysim.policy.model import Policy, Statement

ADMIN = "admin"


class Goal(Protocol):
    """A target of the search."""

    @property
    def label(self) -> str:
        """`admin`, or the resource ARN of a permission goal."""

    def reached(self, node: Node, change: Change) -> Check | None:
        """The evidence that `node`, changed as given, has reached the goal; None if not."""


def _allows_everything(statement: CompiledStatement) -> bool:
    return _statement_allows_everything(statement.statement)


def _statement_allows_everything(model: Statement) -> bool:
    if not model.is_allow or model.condition or model.action is None or model.resource is None:
        return False
    every_action = any(set(a.replace(":", "")) <= {"*"} and a for a in model.action)
    every_resource = any(set(r) <= {"*"} and r for r in model.resource)
    return every_action and every_resource


def _denies(group: CompiledPolicies | None) -> list[CompiledStatement]:
    if group is None:
        return []
    return [s for s in group.statements if not s.allow]


@dataclass(slots=True)
class AdminGoal:
    """Admin, as the module docstring defines it (decided once per stack and change)."""

    decider: Decider
    label: str = ADMIN
    _memo: dict[tuple[int, Change], Check | None] = field(default_factory=dict)
    _documents: dict[int, tuple[Policy, bool]] = field(default_factory=dict)

    def reached(self, node: Node, change: Change) -> Check | None:
        key = (id(node.stack), change)
        if key in self._memo:
            found = self._memo[key]
        else:
            found = self._decide(node, change) if self._may_reach(node, change) else None
            self._memo[key] = found
        return found

    def _may_reach(self, node: Node, change: Change) -> bool:
        """Whether some identity policy of the changed principal holds a statement that
        allows everything: without one, `_decide` finds no evidence, and the policy set need
        not be compiled (joining any of many groups is asked for every stack)."""
        if change.allow_all:
            return True
        named = node.stack.identity
        if change.group is not None:
            named = [*named, *self.decider.group_policies(change.group)]
        return any(self._policy_allows_everything(n.policy) for n in named)

    def _policy_allows_everything(self, policy: Policy) -> bool:
        hit = self._documents.get(id(policy))
        if hit is None or hit[0] is not policy:
            found = any(_statement_allows_everything(s) for s in policy.statements)
            hit = (policy, found)
            self._documents[id(policy)] = hit
        return hit[1]

    def _decide(self, node: Node, change: Change) -> Check | None:
        decider = self.decider
        policy_set = decider.policy_set(node.target, change)
        compiled = compile_policy_set(policy_set, decider.resolver.options)
        evidence: list[CompiledStatement] = []
        if _denies(compiled.identity) or _denies(compiled.boundary):
            return None
        everything = [s for s in compiled.identity.statements if _allows_everything(s)]
        if not everything:
            return None
        evidence.append(everything[0])
        if compiled.boundary is not None:
            bounded = [s for s in compiled.boundary.statements if _allows_everything(s)]
            if not bounded:
                return None
            evidence.append(bounded[0])
        if not self._scps_leave_alone(node, compiled.scp_levels):
            return None
        reason = "allows every action on every resource with no condition" + (
            ", and so does its boundary" if compiled.boundary is not None else ""
        )
        return Check(
            "*",
            "*",
            True,
            reason,
            tuple(s.matched() for s in evidence),
            note=_change_note(change),
            evidence=True,
        )

    def _scps_leave_alone(self, node: Node, levels: list[CompiledPolicies] | None) -> bool:
        """No SCP statement that reads the caller may deny it, and no level allows only
        others."""
        if not levels:
            return True
        resolver = self.decider.resolver
        context = resolver.context(node.target, "*", None, None, None)
        options = resolver.options
        for level in levels:
            allowing = False
            for statement in level.statements:
                personal = _reads_caller(statement)
                if not personal:
                    allowing = allowing or statement.allow
                    continue
                missing: set[str] = set()
                holds = conditions_hold(statement.conditions, context, options, missing)
                if not statement.allow and (holds or missing):
                    return False
                if statement.allow and holds and not missing:
                    allowing = True
            if not allowing:
                return False
        return True


def _reads_caller(statement: CompiledStatement) -> bool:
    return any(
        reads_caller_key(key) or any("${" in v for v in values)
        for block in statement.statement.condition.values()
        for key, values in block.items()
    )


def _change_note(change: Change) -> str:
    if change.allow_all:
        return "once it holds an identity policy that allows everything"
    if change.drop_boundary:
        return "once its permissions boundary is removed"
    if change.group:
        return f"once it is a member of {change.group}"
    return ""


@dataclass(slots=True)
class PermissionGoal:
    """`ACTION` on `RESOURCE`, decided by the engine for each principal."""

    decider: Decider
    action: str
    resource: str
    context: dict[str, str]
    _memo: dict[tuple[int, Change], Check | None] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.resource

    def reached(self, node: Node, change: Change) -> Check | None:
        key = (node.index, change)
        if key not in self._memo:
            resolver = self.decider.resolver
            _, owner = resolver.find_resource(self.resource, self.action)
            check = self.decider.check(
                node.stack,
                node.target,
                self.action,
                self.resource,
                resource_account=owner or node.account,
                context=self.context,
                change=change,
                note=_change_note(change),
            )
            self._memo[key] = replace(check, evidence=True) if check.allowed else None
        return self._memo[key]
