"""Every edge of the graph is a set of engine decisions: this module asks them.

`Decider.check` prepares a request with the resolver (the policies of the caller, the resource's
policy, the SCPs and RCPs, the context keys AWS would set), optionally rewrites the policy set
the way an escalation would (a trust policy naming the caller; an identity policy that allows
everything; no boundary; a group's policies added), evaluates it, and turns what the decision
depended on into annotations:

* keys the attacker chooses when making the request (MFA, `sts:ExternalId`, session tags, the
  source identity, the session name) make an allowed edge that *requires* them;
* other keys the request lacked (a source IP, a VPC endpoint, ...) make the edge
  "depends on K": allowed under that condition, and said so.

Answers are remembered per stack (see `paths.nodes`) and, when every statement that could
decide the action names `*` as its resource and reads nothing of the resource, per stack and
action alone: the same answer holds for every resource of the account.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from policysim.account.resolve import Resolver, Target
from policysim.engine.compiled import (
    CompiledPolicySet,
    CompiledStatement,
    NamedPolicy,
    PolicySet,
    compile_policy_set,
)
from policysim.engine.depends import with_dependencies
from policysim.engine.evaluate import TRUST_ACTIONS, evaluate
from policysim.engine.request import Context, Request
from policysim.engine.result import Decision, Dependency, EvaluationResult, MatchedStatement
from policysim.paths.nodes import Stack
from policysim.policy.build import policy_from_data
from policysim.policy.model import Policy

ALLOW_ALL = policy_from_data(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)
"""The identity policy an attacker who may write one writes."""

_MFA_KEYS = frozenset({"aws:multifactorauthpresent", "aws:multifactorauthage"})
_TAG_KEYS = ("aws:requesttag/", "aws:tagkeys", "sts:transitivetagkeys")
_SOURCE_IDENTITY = frozenset({"sts:sourceidentity", "aws:sourceidentity"})
_RESOURCE_KEY_PREFIXES = ("aws:resource", "iam:resourcetag/", "aws:requestedregion")
_EMPTY = Context()


class Change(NamedTuple):
    """How an escalation changes the caller's own policies before a request is decided.

    A named tuple: it keys every remembered decision, and tuples hash fast."""

    allow_all: bool = False
    """An identity policy that allows every action on every resource is added."""
    drop_boundary: bool = False
    group: str | None = None
    """The ARN of a group whose policies are added (the user joined it)."""

    @property
    def none(self) -> bool:
        return not (self.allow_all or self.drop_boundary or self.group)


NO_CHANGE = Change()


@dataclass(frozen=True, slots=True)
class Check:
    """One engine decision an edge relies on."""

    action: str
    resource: str
    allowed: bool
    reason: str
    statements: tuple[MatchedStatement, ...] = ()
    annotations: tuple[str, ...] = ()
    note: str = ""
    """What was assumed (`trust policy rewritten to name the caller`, ...)."""
    evidence: bool = False
    """The goal's evidence (who is admin and why), not a permission a hop uses."""

    def on(self, resource: str) -> Check:
        """The same decision, reported for another resource it holds for equally."""
        if resource == self.resource:
            return self
        return Check(
            self.action,
            resource,
            self.allowed,
            self.reason,
            self.statements,
            self.annotations,
            self.note,
            self.evidence,
        )

    def describe(self) -> str:
        """`iam:PassRole on arn:... allowed` for humans."""
        note = f" ({self.note})" if self.note else ""
        return f"{self.action} on {self.resource}{note}"

    def to_json(self) -> dict[str, Any]:
        """JSON for scripts."""
        out: dict[str, Any] = {
            "action": self.action,
            "resource": self.resource,
            "decision": "Allowed" if self.allowed else "Denied",
            "statements": [_statement_json(s) for s in self.statements],
        }
        if self.annotations:
            out["annotations"] = list(self.annotations)
        if self.note:
            out["note"] = self.note
        if self.evidence:
            out["evidence"] = True  # why the target counts as reached, not a request made
            out["reason"] = self.reason
        return out


def _statement_json(statement: MatchedStatement) -> dict[str, Any]:
    out = statement.to_json()
    if statement.location:
        out["location"] = statement.location
    return out


def annotate(result: EvaluationResult) -> tuple[bool, tuple[str, ...]]:
    """`judge` without the dependency it chose."""
    allowed, notes, _ = judge(result)
    return allowed, notes


def judge(
    result: EvaluationResult,
) -> tuple[bool, tuple[str, ...], Dependency | None]:
    """Whether an edge holds, its annotations, and the dependency that makes it hold, from a
    decision with `depends_on` filled.

    Denied for want of keys the attacker sets: allowed, "requires ...". Denied for want of
    other keys: allowed, "depends on K: ...". Allowed, but other keys would deny: allowed,
    "depends on K"."""
    dependencies = result.depends_on or []
    if result.allowed:
        notes = [
            _depends(d) for d in dependencies if d.becomes is not Decision.ALLOWED and d.conditions
        ]
        return True, tuple(dict.fromkeys(notes)), None
    alternatives = [d for d in dependencies if d.becomes is Decision.ALLOWED]
    if not alternatives:
        return False, (), None
    chosen = min(alternatives, key=lambda d: (not _attacker_sets(d), len(d.conditions)))
    if _attacker_sets(chosen):
        return True, tuple(dict.fromkeys(_requires(chosen))), chosen
    return True, (_depends(chosen),), chosen


def _attacker_sets(dependency: Dependency) -> bool:
    return all(_attacker_key(c.key) for c in dependency.conditions)


def _attacker_key(key: str) -> bool:
    lowered = key.lower()
    return (
        lowered in _MFA_KEYS
        or lowered in _SOURCE_IDENTITY
        or lowered in ("sts:externalid", "sts:rolesessionname")
        or lowered.startswith(_TAG_KEYS)
    )


def _requires(dependency: Dependency) -> list[str]:
    notes: list[str] = []
    for condition in dependency.conditions:
        key = condition.key.lower()
        if key in _MFA_KEYS:
            notes.append("requires MFA")
        elif key == "sts:externalid":
            notes.append(f"requires {condition.describe()}")
        elif key.startswith(_TAG_KEYS):
            notes.append(f"requires session tags: {condition.describe()}")
        elif key in _SOURCE_IDENTITY:
            notes.append(f"requires source identity: {condition.describe()}")
        else:
            notes.append(f"requires {condition.describe()}")
    return notes


def _depends(dependency: Dependency) -> str:
    keys = sorted({c.key for c in dependency.conditions} | set(dependency.keys))
    if dependency.becomes is None:
        return f"depends on {', '.join(keys)}"
    word = "allowed" if dependency.becomes is Decision.ALLOWED else "denied"
    return f"depends on {', '.join(keys)} ({word} if {dependency.condition_text()})"


class Decider:
    """Asks the engine, remembering answers per stack (and per resource when it matters)."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self._memo: dict[tuple[object, ...], Check] = {}
        self._classes: dict[tuple[object, ...], tuple[CompiledStatement, ...] | None] = {}
        self._groups: dict[str, list[NamedPolicy]] = {}
        self._policies: dict[tuple[str, bool], bool] = {}
        self._rcps: dict[str, bool] = {}
        self.engine_calls = 0

    # ---- memoized questions -----------------------------------------------------------------

    def check(
        self,
        stack: Stack,
        caller: Target,
        action: str,
        resource: str,
        *,
        resource_account: str,
        context: Mapping[str, str] | None = None,
        trust: Policy | None = None,
        change: Change = NO_CHANGE,
        note: str = "",
        policy_key: object | None = None,
    ) -> Check:
        """Decide `action` on `resource` for a member of `stack` (`caller`).

        Without a resource policy, the answer is shared by every member of the stack and by
        every resource that the same statements of the stack match (`resource_class`). When
        the resource has a policy (a trust policy, a bucket policy), the answer is the
        caller's own and the resource's own, unless `policy_key` identifies the policy's
        content and promises that it names and reads nothing of the caller: then resources
        with the same key and class share it too."""
        context_key = tuple(sorted(context.items())) if context else ()
        has_policy = trust is not None or self._has_resource_policy(action, resource)
        found_class = (
            None
            if _owned_by_aws(resource) or self._has_rcps(resource_account)
            else self.resource_class(stack, caller, action, resource, resource_account, change)
        )
        where: object = resource if found_class is None else found_class
        who: object = id(stack)
        if has_policy:
            if policy_key is None:
                who, where = caller.caller_arn, resource
            else:
                where = (policy_key, where)
        key: tuple[object, ...] = (
            who,
            action,
            where,
            resource_account,
            context_key,
            id(trust) if trust is not None else None,
            change,
        )
        found = self._memo.get(key)
        if found is None:
            found = self._decide(caller, action, resource, context, trust, change, note)
            self._memo[key] = found
        return found.on(resource)

    def _has_rcps(self, account: str) -> bool:
        """RCPs name resources of their own: their account's resources are decided one by
        one (resource classes only look at the caller's statements)."""
        known = self._rcps.get(account)
        if known is None:
            levels = self.resolver.org_levels(account, "rcp") or []
            known = any(level for level in levels)
            self._rcps[account] = known
        return known

    def _has_resource_policy(self, action: str, resource: str) -> bool:
        key = (resource, action.lower() in TRUST_ACTIONS)
        known = self._policies.get(key)
        if known is None:
            entry, _ = self.resolver.find_resource(resource, action)
            known = entry is not None and entry.policy is not None
            self._policies[key] = known
        return known

    def resource_class(
        self,
        stack: Stack,
        caller: Target,
        action: str,
        resource: str,
        resource_account: str,
        change: Change,
    ) -> tuple[int, ...] | None:
        """Which of the stack's statements for `action` match `resource` (two resources that
        the same statements match get the same decision from the stack's side); None when a
        statement reads something of the resource beyond its ARN (a tag, its region)."""
        deciding = self._deciding(stack, caller, action, resource_account, change)
        if deciding is None:
            return None
        if not deciding:
            return ()
        return tuple(i for i, st in enumerate(deciding) if st.matches_resource(resource, _EMPTY))

    def uniform(
        self, stack: Stack, caller: Target, action: str, resource_account: str, change: Change
    ) -> bool:
        """Whether the stack decides `action` alike for every resource of `resource_account`:
        every statement that could decide it names `*` and reads nothing of the resource."""
        return self._deciding(stack, caller, action, resource_account, change) == ()

    def _deciding(
        self, stack: Stack, caller: Target, action: str, resource_account: str, change: Change
    ) -> tuple[CompiledStatement, ...] | None:
        """The statements that tell one resource from another for `action`: those that name
        resources other than `*` (a `*` statement matches every resource alike); None when
        one reads more of the resource than its ARN."""
        key = (id(stack), action, resource_account, change)
        if key in self._classes:
            return self._classes[key]
        policy_set = self.policy_set(caller, change)
        compiled = compile_policy_set(policy_set, self.resolver.options)
        groups = [compiled.identity, compiled.boundary, *(compiled.scp_levels or [])]
        lowered = action.lower()
        deciding: list[CompiledStatement] = []
        found: tuple[CompiledStatement, ...] | None = None
        for group in groups:
            if group is None:
                continue
            for statement in group.for_action(lowered):
                model = statement.statement
                if model.resource is None or any("${" in r for r in model.resource):
                    break
                if any(
                    k.lower().startswith(_RESOURCE_KEY_PREFIXES)
                    for block in model.condition.values()
                    for k in block
                ):
                    break
                if not all(set(r) <= {"*"} for r in model.resource):
                    deciding.append(statement)
            else:
                continue
            break
        else:
            found = tuple(deciding)
        self._classes[key] = found
        return found

    def policy_set(self, caller: Target, change: Change = NO_CHANGE) -> PolicySet:
        """The caller's own policies (identity, boundary, SCPs), changed as asked."""
        resolver = self.resolver
        policy_set = PolicySet(
            identity=resolver.identity_policies(caller),
            boundary=resolver.boundary(caller),
            scps=resolver.org_levels(caller.account.id, "scp"),
            management_account=(
                resolver.snapshot.organization.management_account
                if resolver.snapshot.organization
                else None
            ),
        )
        return self._changed(policy_set, change)

    def _changed(self, policy_set: PolicySet, change: Change) -> PolicySet:
        if change.none:
            return policy_set
        identity = list(policy_set.identity)
        if change.allow_all:
            identity.append(_ALLOW_ALL_NAMED)
        if change.group is not None:
            identity.extend(self.group_policies(change.group))
        return replace(
            policy_set,
            identity=identity,
            boundary=None if change.drop_boundary else policy_set.boundary,
        )

    def group_policies(self, group_arn: str) -> list[NamedPolicy]:
        """The policies a user gains by joining the group."""
        found = self._groups.get(group_arn)
        if found is None:
            found = []
            for account in self.resolver.snapshot.accounts.values():
                for group in account.groups.values():
                    if group.arn == group_arn:
                        target = Target(account, "group", group, group.arn)
                        found = self.resolver.identity_policies(target)
            self._groups[group_arn] = found
        return found

    # ---- one engine decision ----------------------------------------------------------------

    def _decide(
        self,
        caller: Target,
        action: str,
        resource: str,
        context: Mapping[str, str] | None,
        trust: Policy | None,
        change: Change,
        note: str,
    ) -> Check:
        resolver = self.resolver
        policy_set, request = resolver.prepare(caller, action, resource, context)
        if trust is not None:
            policy_set.resource = NamedPolicy(trust, f"trust policy of {resource} ({note})")
        policy_set = self._changed(policy_set, change)
        compiled = compile_policy_set(policy_set, resolver.options)
        return self._evaluate(compiled, request, note)

    def _evaluate(self, compiled: CompiledPolicySet, request: Request, note: str) -> Check:
        self.engine_calls += 1
        result = evaluate(compiled, request)
        notes: tuple[str, ...] = ()
        allowed = result.allowed
        if result.missing_context_keys:
            with_dependencies(compiled, request, result)
            allowed, notes, chosen = judge(result)
            if chosen is not None and chosen.example:
                # the statements that allow it once the condition holds
                context = request.context.copy()
                for key, value in chosen.example:
                    context.set(key, value)
                result = evaluate(compiled, replace(request, context=context))
        return Check(
            request.action,
            request.resource,
            allowed,
            result.reason,
            tuple(result.matched_statements),
            notes,
            note,
        )

    def service_trusts(self, service: str, role_arn: str, account: str) -> Check:
        """Whether the role's trust policy lets `service` assume it (for a passed role)."""
        key = ("service", service, role_arn)
        found = self._memo.get(key)
        if found is None:
            self.engine_calls += 1
            context: dict[str, str | Iterable[str]] = {"aws:SourceAccount": account}
            result = self.resolver.decide_outsider(
                service, "sts:AssumeRole", role_arn, context, depends=True
            )
            allowed, annotations = annotate(result)
            found = Check(
                "sts:AssumeRole",
                role_arn,
                allowed,
                result.reason,
                tuple(result.matched_statements),
                annotations,
                f"trust of the passed role, asked by {service}",
            )
            self._memo[key] = found
        return found


def _owned_by_aws(resource: str) -> bool:
    """Resources AWS protects whatever the policies say (AWS managed policies, service-linked
    and Identity Center roles): decided one by one, never shared with a look-alike."""
    return (
        ":iam::aws:" in resource
        or ":role/aws-service-role/" in resource
        or ":role/aws-reserved/" in resource
        or ":alias/aws/" in resource
    )


ATTACKER_POLICY = "identity policy the attacker writes (Allow * on *)"
_ALLOW_ALL_NAMED = NamedPolicy(ALLOW_ALL, ATTACKER_POLICY)
