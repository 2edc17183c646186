"""The edges of the graph, found per stack and confirmed by the engine.

Candidates come from indexes, never from all pairs: a stack is considered for a method only if
its identity policies hold an Allow statement for every action the method needs (the engine's
per-action index); targets come from the Resource patterns of those statements through an ARN
index (`nodes.ArnIndex`), or, when every statement that decides the action names `*`, from one
decision that holds for the whole account. Roles to assume come from an index of who their
trust policies name. Every candidate is then decided by the engine (`decide.Decider`).

Three kinds of result:

* `Edge`: every source can obtain the permissions of `target` (a user or role);
* `Modification`: every source can change the policies of the `targets` (a principal's own,
  its group's, a policy attached to it), so that each target reaches the goal once changed;
* the goal itself (`goal.Goal`), which the search asks node by node.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from policysim.account.model import Role, User
from policysim.catalog.resources import action_resources
from policysim.engine.compiled import NamedPolicy, compile_policies
from policysim.engine.request import Context
from policysim.engine.result import PolicyType
from policysim.paths.decide import NO_CHANGE, Change, Check, Decider
from policysim.paths.goal import Goal
from policysim.paths.method import Method, MethodSet, Requirement
from policysim.paths.nodes import Node, Principals, Stack, policy_reads_caller, reads_caller_key
from policysim.policy.model import Policy
from policysim.policy.variables import compile_template

DEFAULT_REGION = "us-east-1"


@dataclass(eq=False, slots=True)
class Sources:
    """Principals that share an edge (the members of a stack, or one principal)."""

    members: tuple[int, ...]


@dataclass(slots=True)
class Edge:
    """Each source can obtain the permissions of `target` by `method`."""

    sources: Sources
    target: int
    method: Method
    checks: tuple[Check, ...]

    @property
    def annotations(self) -> tuple[str, ...]:
        return _annotations(self.method, self.checks)


@dataclass(slots=True)
class Modification:
    """Each source can change the targets' policies by `method`; once changed, each target
    reaches the goal (with the goal's evidence)."""

    sources: Sources
    method: Method
    change: Change
    targets: dict[int, tuple[tuple[Check, ...], Check, str]] = field(default_factory=dict)
    """Target node -> (the method's checks, the goal's evidence, what was changed)."""


def _annotations(method: Method, checks: Iterable[Check]) -> tuple[str, ...]:
    notes = [n for c in checks for n in c.annotations]
    if method.annotation:
        notes.append(method.annotation)
    return tuple(dict.fromkeys(notes))


@dataclass(slots=True)
class Graph:
    """Everything the search needs."""

    principals: Principals
    edges: list[Edge]
    modifications: list[Modification]
    into: dict[int, list[Edge]]
    """Edges by target."""
    out: dict[int, list[Edge]] = field(default_factory=dict)
    """Edges by the id of their `Sources`."""
    node_sources: dict[int, list[Sources]] = field(default_factory=dict)
    """For each node, the groups of sources it belongs to."""


class Builder:
    """Finds the edges and modifications of one snapshot for one goal."""

    def __init__(
        self, principals: Principals, decider: Decider, methods: MethodSet, goal: Goal
    ) -> None:
        self.principals = principals
        self.decider = decider
        self.methods = methods
        self.goal = goal
        self.region = principals.resolver.region or DEFAULT_REGION
        self._sources: dict[int, Sources] = {}
        self._single: dict[int, Sources] = {}
        self._service_roles: dict[str, list[tuple[int, Check]]] = {}
        self._kinds: dict[tuple[str, str], list[int]] = {}
        self._trust_names: dict[int, NamedPolicy] = {}
        self._caller_context: dict[int, Context] = {}
        self._at_goal: dict[int, bool] = {}
        self.edges: list[Edge] = []
        self.modifications: list[Modification] = []

    # ---- helpers ----------------------------------------------------------------------------

    def sources_of(self, stack: Stack) -> Sources:
        found = self._sources.get(id(stack))
        if found is None:
            found = Sources(tuple(stack.members))
            self._sources[id(stack)] = found
        return found

    def single(self, node: int) -> Sources:
        found = self._single.get(node)
        if found is None:
            found = Sources((node,))
            self._single[node] = found
        return found

    def rep(self, stack: Stack) -> Node:
        return self.principals.nodes[stack.members[0]]

    def allows_somewhere(self, stack: Stack, actions: Iterable[str]) -> bool:
        """The action index: the stack's identity policies hold an Allow for every action."""
        compiled = compile_policies(
            stack.identity, PolicyType.IDENTITY, self.decider.resolver.options
        )
        return all(compiled.for_action_effect(a.lower(), True) for a in actions)

    def resource_patterns(self, stack: Stack, action: str) -> list[str] | None:
        """The Resource patterns of the stack's Allow statements for `action`; None when one
        uses NotResource (anything may match)."""
        compiled = compile_policies(
            stack.identity, PolicyType.IDENTITY, self.decider.resolver.options
        )
        patterns: list[str] = []
        for statement in compiled.for_action_effect(action.lower(), True):
            model = statement.statement
            if model.resource is None:
                return None
            patterns.extend(model.resource)
        return patterns

    def candidates(self, stack: Stack, action: str, pool: list[int], index_kind: str) -> list[int]:
        """Targets of `pool` that some Allow statement of the stack may name."""
        node = self.rep(stack)
        if self.decider.uniform(stack, node.target, action, stack.account, NO_CHANGE):
            return pool
        patterns = self.resource_patterns(stack, action)
        if patterns is None:
            return pool
        index = self.principals.users if index_kind == "user" else self.principals.roles
        allowed = set(pool)
        found: dict[int, None] = {}
        for pattern in patterns:
            for candidate in index.candidates(self.caller_pattern(stack, pattern)):
                if candidate in allowed:
                    found[candidate] = None
        return list(found)

    def caller_pattern(self, stack: Stack, pattern: str) -> str:
        """`pattern` with the variables that name the caller (`${aws:username}`, a principal
        tag) filled in, for the one member of a per-caller stack: `user/${aws:username}` then
        names one user, not every user (without it, each user of the account is decided).
        Unchanged when another variable is read, one is missing (a key the attacker may
        set, such as the source identity, can still make the engine allow it), one sits
        outside the resource segment (the engine substitutes only there), or the stack is
        shared, so the candidates stay a superset of what the engine allows."""
        template = compile_template(pattern)
        if template is None or not stack.per_caller or len(stack.members) != 1:
            return pattern
        keys = template.keys()
        head = pattern.split(":", 5)[:5]
        if not keys or not all(reads_caller_key(k) for k in keys) or "${" in ":".join(head):
            return pattern
        context = self._caller_context.get(id(stack))
        if context is None:
            node = self.rep(stack)
            context = self.decider.resolver.context(node.target, "*", None, None, None)
            self._caller_context[id(stack)] = context
        rendered = template.render(context.single)
        return pattern if rendered is None else rendered

    def requirement_check(
        self, stack: Stack, requirement: Requirement, resource: str, account: str
    ) -> Check:
        node = self.rep(stack)
        partition = node.target.account.partition
        context = {k: v.replace("{partition}", partition) for k, v in requirement.context}
        return self.decider.check(
            stack,
            node.target,
            requirement.action,
            resource,
            resource_account=account,
            context=context or None,
        )

    def nodes_in(self, account: str, kind: str) -> list[int]:
        """The users (or roles) of one account."""
        key = (account, kind)
        found = self._kinds.get(key)
        if found is None:
            found = [
                n.index for n in self.principals.nodes if n.account == account and n.kind == kind
            ]
            self._kinds[key] = found
        return found

    # ---- building ---------------------------------------------------------------------------

    def build(self) -> Graph:
        self._assume_edges()
        for method in self.methods.of_kind("become"):
            if method.id != "sts-001":
                self._action_edges(method)
        for method in self.methods.of_kind("passrole"):
            self._passrole_edges(method)
        for method in self.methods.of_kind("modify"):
            self._modifications(method)
        into: dict[int, list[Edge]] = {}
        out: dict[int, list[Edge]] = {}
        groups: dict[int, Sources] = {}
        for edge in self.edges:
            into.setdefault(edge.target, []).append(edge)
            out.setdefault(id(edge.sources), []).append(edge)
            groups.setdefault(id(edge.sources), edge.sources)
        node_sources: dict[int, list[Sources]] = {}
        for sources in groups.values():
            for member in sources.members:
                node_sources.setdefault(member, []).append(sources)
        return Graph(self.principals, self.edges, self.modifications, into, out, node_sources)

    # ---- sts:AssumeRole ---------------------------------------------------------------------

    def _assume_edges(self) -> None:
        """Who each role's trust policy may let in: principals it names by ARN one by one;
        for a named account (or everyone), the stacks of that account whose policies allow
        sts:AssumeRole on the role (found through the ARN index of their Resource patterns)."""
        method = self.methods["sts-001"]
        principals = self.principals
        nodes = principals.nodes
        by_account: dict[str, list[int]] = {}
        open_roles: list[int] = []
        named_by_role: dict[int, set[int]] = {}
        keys: dict[int, object] = {}
        for role_node in nodes:
            role = role_node.entity
            if not isinstance(role, Role) or role.trust_policy is None:
                continue
            named, accounts, everyone = self._trusted(role.trust_policy, role_node.account)
            named_by_role[role_node.index] = named
            keys[role_node.index] = _trust_key(role)
            for caller in sorted(named):
                if caller != role_node.index:
                    self._assume_one(method, caller, role_node)
            if everyone:
                open_roles.append(role_node.index)
            for account in accounts:
                by_account.setdefault(account, []).append(role_node.index)
        for stack in principals.stacks:
            if self.at_goal(stack):
                continue
            trusting = by_account.get(stack.account, [])
            roles = set(self._assumable(stack, trusting)) if trusting else set()
            for role_index in open_roles:
                if nodes[role_index].account == stack.account or role_index in self._assumable(
                    stack, [role_index]
                ):
                    roles.add(role_index)
            for role_index in sorted(roles):
                self._assume_by_stack(
                    stack, nodes[role_index], method, named_by_role[role_index], keys[role_index]
                )

    def _assumable(self, stack: Stack, roles: list[int]) -> list[int]:
        """The roles of `roles` some sts:AssumeRole Allow statement of the stack may name."""
        if not self.allows_somewhere(stack, ["sts:AssumeRole"]):
            return []
        pool = [r for r in roles if r not in stack.members or len(stack.members) > 1]
        return self.candidates(stack, "sts:AssumeRole", pool, "role")

    def _assume_one(self, method: Method, caller: int, role_node: Node) -> None:
        caller_node = self.principals.nodes[caller]
        if self.at_goal(caller_node.stack):
            return
        check = self.decider.check(
            caller_node.stack,
            caller_node.target,
            "sts:AssumeRole",
            role_node.arn,
            resource_account=role_node.account,
        )
        if check.allowed:
            self.edges.append(Edge(self.single(caller), role_node.index, method, (check,)))

    def _assume_by_stack(
        self,
        stack: Stack,
        role_node: Node,
        method: Method,
        named: set[int],
        key: object | None,
    ) -> None:
        members = [m for m in stack.members if m not in named and m != role_node.index]
        if not members:
            return
        if key is None and len(members) > 1:
            for member in members:
                self._assume_one(method, member, role_node)
            return
        caller = self.principals.nodes[members[0]]
        check = self.decider.check(
            stack,
            caller.target,
            "sts:AssumeRole",
            role_node.arn,
            resource_account=role_node.account,
            policy_key=key,
        )
        if not check.allowed:
            return
        sources = (
            self.sources_of(stack)
            if len(members) == len(stack.members)
            else Sources(tuple(members))
            if len(members) > 1
            else self.single(members[0])
        )
        self.edges.append(Edge(sources, role_node.index, method, (check,)))

    def _named_trust(self, trust: Policy) -> NamedPolicy:
        """One `NamedPolicy` per trust document and run (the engine's compile cache is keyed
        by it)."""
        found = self._trust_names.get(id(trust))
        if found is None or found.policy is not trust:
            found = NamedPolicy(trust, "trust policy")
            self._trust_names[id(trust)] = found
        return found

    def _trusted(self, trust: Policy, account: str) -> tuple[set[int], set[str], bool]:
        """(nodes named by ARN, accounts named, whether everyone is) in the trust policy's
        Allow statements for sts:AssumeRole."""
        compiled = compile_policies(
            [self._named_trust(trust)], PolicyType.RESOURCE, self.decider.resolver.options
        )
        named: set[int] = set()
        accounts: set[str] = set()
        everyone = False
        for statement in compiled.for_action_effect("sts:assumerole", True):
            principal = statement.principal
            if principal is None or statement.principal_negated:
                continue
            if principal.wildcard:
                everyone = True
                continue
            for value in principal.aws:
                if value == "*":
                    everyone = True
                elif value.isdigit():
                    accounts.add(value)
                elif value.endswith(":root"):
                    accounts.add(value.split(":")[4])
                else:
                    node = self.principals.node_for(value)
                    if node is not None:
                        named.add(node.index)
        return named, accounts, everyone

    # ---- actions on a user or role: CreateAccessKey, UpdateAssumeRolePolicy, ... ------------

    def _action_edges(self, method: Method) -> None:
        kind = method.on or "user"
        plain = [r for r in method.requires if not r.trust_names_caller]
        for stack in self.principals.stacks:
            if self.at_goal(stack):
                continue
            if not self.allows_somewhere(stack, [r.action for r in plain]):
                continue
            pool = self.nodes_in(stack.account, kind)
            for target in self.candidates(stack, plain[0].action, pool, kind):
                if target in stack.members and len(stack.members) == 1:
                    continue
                checks = self._target_checks(stack, method, target)
                if checks is None:
                    continue
                members = tuple(m for m in stack.members if m != target)
                sources = (
                    self.sources_of(stack)
                    if len(members) == len(stack.members)
                    else Sources(members)
                )
                self.edges.append(Edge(sources, target, method, checks))

    def _target_checks(self, stack: Stack, method: Method, target: int) -> tuple[Check, ...] | None:
        node = self.principals.nodes[target]
        checks: list[Check] = []
        for requirement in method.requirements_for(node.kind):
            if requirement.trust_names_caller:
                caller = self.rep(stack)
                check = self.decider.check(
                    stack,
                    caller.target,
                    requirement.action,
                    node.arn,
                    resource_account=node.account,
                    trust=_trust_naming(caller),
                    note="trust policy rewritten to name the caller",
                    policy_key=("names the caller",),
                )
            else:
                check = self.requirement_check(stack, requirement, node.arn, node.account)
            if not check.allowed:
                return None
            checks.append(check)
        return tuple(checks)

    # ---- PassRole to a service --------------------------------------------------------------

    def _roles_trusting(self, service: str) -> list[tuple[int, Check]]:
        """Roles whose trust policy lets `service` assume them (engine-confirmed)."""
        found = self._service_roles.get(service)
        if found is None:
            found = []
            for node in self.principals.nodes:
                role = node.entity
                if not isinstance(role, Role) or role.trust_policy is None:
                    continue
                if not _mentions_service(role.trust_policy, service):
                    continue
                check = self.decider.service_trusts(service, node.arn, node.account)
                if check.allowed:
                    found.append((node.index, check))
            self._service_roles[service] = found
        return found

    def _passrole_edges(self, method: Method) -> None:
        service = method.service or ""
        roles = self._roles_trusting(service)
        if not roles:
            return
        pass_requirement = next(r for r in method.requires if r.action.lower() == "iam:passrole")
        others = [r for r in method.requires if r is not pass_requirement]
        for stack in self.principals.stacks:
            if self.at_goal(stack):
                continue
            if not self.allows_somewhere(stack, [r.action for r in method.requires]):
                continue
            service_checks: list[Check] = []
            for requirement in others:
                check = self.new_resource_check(stack, requirement)
                if not check.allowed:
                    break
                service_checks.append(check)
            else:
                self._pass_roles(stack, method, roles, service_checks)

    def _pass_roles(
        self,
        stack: Stack,
        method: Method,
        roles: list[tuple[int, Check]],
        service_checks: list[Check],
    ) -> None:
        service = method.service or ""
        same_account = [
            (r, c) for r, c in roles if self.principals.nodes[r].account == stack.account
        ]
        pool = [r for r, _ in same_account]
        wanted = set(self.candidates(stack, "iam:PassRole", pool, "role"))
        profile_checks: tuple[Check, ...] | None = None
        for role_index, trust_check in same_account:
            if role_index not in wanted:
                continue
            role_node = self.principals.nodes[role_index]
            node = self.rep(stack)
            passed = self.decider.check(
                stack,
                node.target,
                "iam:PassRole",
                role_node.arn,
                resource_account=role_node.account,
                context={"iam:PassedToService": service},
            )
            if not passed.allowed:
                continue
            checks = [passed, *service_checks, trust_check]
            if method.instance_profile:
                role = role_node.entity
                if not (isinstance(role, Role) and role.instance_profiles):
                    if profile_checks is None:
                        profile_checks = self._profile_checks(stack)
                    if not profile_checks:
                        continue
                    checks.extend(profile_checks)
            members = tuple(m for m in stack.members if m != role_index)
            if not members:
                continue
            sources = (
                self.sources_of(stack) if len(members) == len(stack.members) else Sources(members)
            )
            self.edges.append(Edge(sources, role_index, method, tuple(checks)))

    def _profile_checks(self, stack: Stack) -> tuple[Check, ...]:
        """The rights to make an instance profile for a role that has none (empty: lacking)."""
        out: list[Check] = []
        for action in ("iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile"):
            check = self.new_resource_check(stack, Requirement(action, "new"))
            if not check.allowed:
                return ()
            out.append(check)
        return tuple(out)

    def new_resource_check(self, stack: Stack, requirement: Requirement) -> Check:
        """Whether the stack may do the action on some resource it creates: tried on the
        resource each Allow statement names (wildcards filled in) and on a made-up ARN of the
        action's resource type; the first allowed one is the witness."""
        node = self.rep(stack)
        account = node.target.account
        witnesses = _witnesses(
            requirement.action,
            account.partition,
            self.region,
            account.id,
            self.resource_patterns(stack, requirement.action) or [],
        )
        last: Check | None = None
        for witness in witnesses:
            last = self.decider.check(
                stack, node.target, requirement.action, witness, resource_account=account.id
            )
            if last.allowed:
                return last
        assert last is not None
        return last

    # ---- modifications ----------------------------------------------------------------------

    def _modifications(self, method: Method) -> None:
        for stack in self.principals.stacks:
            if self.at_goal(stack):
                continue
            actions = [r.action for r in method.requires]
            if method.on == "principal":
                needed = [a for a in actions if self.allows_somewhere(stack, [a])]
                if not needed:
                    continue
            elif not self.allows_somewhere(stack, actions):
                continue
            modification = self._modification(stack, method)
            if modification.targets:
                self.modifications.append(modification)

    def at_goal(self, stack: Stack) -> bool:
        """Every member of the stack is already at the goal: its edges and modifications are
        not built (an admin stack may become and change every principal of the account).

        No answer depends on them. Such members have distance 0. Their modifications are asked
        nothing (a change of oneself costs 1; a combination or a walk is tried only for members
        further away). Their edges only offer them a longer way to where they are. The walk
        search (change P, then walk to P) could route through them, but a walker that can
        reach a member at the goal in `a` steps has distance at most `a`, less than any walk
        through that member (at least `a + 1` steps, plus the change), so such a walk never
        wins, and the walks of everyone else are found in the same order without them."""
        found = self._at_goal.get(id(stack))
        if found is None:
            nodes = self.principals.nodes
            found = all(self.goal.reached(nodes[m], NO_CHANGE) is not None for m in stack.members)
            self._at_goal[id(stack)] = found
        return found

    def _modification(self, stack: Stack, method: Method) -> Modification:
        change = _change(method)
        modification = Modification(self.sources_of(stack), method, change)
        for thing, account, affected in self._things(stack, method):
            checks = self._thing_checks(stack, method, thing, account, affected)
            if checks is None:
                continue
            for node_index, node_change in affected:
                node = self.principals.nodes[node_index]
                evidence = self.goal.reached(node, node_change)
                if evidence is None:
                    continue
                if node_index not in modification.targets:
                    modification.targets[node_index] = (checks, evidence, thing)
        return modification

    def _thing_checks(
        self,
        stack: Stack,
        method: Method,
        thing: str,
        account: str,
        affected: list[tuple[int, Change]],
    ) -> tuple[Check, ...] | None:
        kind = None
        if method.on == "principal" and affected:
            kind = self.principals.nodes[affected[0][0]].kind
        requirements = method.requirements_for(kind) if kind else method.requires
        checks: list[Check] = []
        for requirement in requirements:
            check = self.requirement_check(stack, requirement, thing, account)
            if not check.allowed:
                return None
            checks.append(check)
        return tuple(checks)

    def _things(
        self, stack: Stack, method: Method
    ) -> list[tuple[str, str, list[tuple[int, Change]]]]:
        """(ARN acted on, its account, the principals it changes and how) for each candidate
        the method could act on in the stack's account."""
        account_id = stack.account
        change = _change(method)
        principals = self.principals
        out: list[tuple[str, str, list[tuple[int, Change]]]] = []
        if method.on in ("user", "role", "principal"):
            kinds = ("user", "role") if method.on == "principal" else (method.on,)
            for kind in kinds:
                pool = self.nodes_in(account_id, kind)
                if method.on == "principal":
                    pool = [p for p in pool if principals.nodes[p].entity.permissions_boundary]
                if not pool:
                    continue
                action = next(
                    (r.action for r in method.requirements_for(kind)), method.requires[0].action
                )
                for target in self.candidates(stack, action, pool, kind):
                    node = principals.nodes[target]
                    out.append((node.arn, account_id, [(target, change)]))
        elif method.on == "group":
            account = principals.resolver.snapshot.accounts[account_id]
            users = self.nodes_in(account_id, "user")
            for group in account.groups.values():
                if method.change == "join":
                    joined = Change(group=group.arn)
                    out.append((group.arn, account_id, [(u, joined) for u in users]))
                else:
                    members = principals.members_of(group.arn)
                    out.append((group.arn, account_id, [(m, change) for m in members]))
        elif method.on == "policy":
            out.extend(self._policies(account_id, change))
        return out

    def _policies(
        self, account_id: str, change: Change
    ) -> list[tuple[str, str, list[tuple[int, Change]]]]:
        """Customer managed policies of the account, with the principals holding each."""
        principals = self.principals
        account = principals.resolver.snapshot.accounts[account_id]
        holders: dict[str, list[int]] = {}
        for node in principals.nodes:
            if node.account != account_id:
                continue
            entity = node.entity
            arns = list(entity.managed_policies)
            if isinstance(entity, User):
                for group_name in entity.groups:
                    group = account.groups.get(group_name)
                    if group is not None:
                        arns.extend(group.managed_policies)
            for arn in dict.fromkeys(arns):
                holders.setdefault(arn, []).append(node.index)
        return [
            (arn, account_id, [(n, change) for n in holders.get(arn, [])])
            for arn, policy in account.policies.items()
            if not policy.aws_managed and holders.get(arn)
        ]


def _change(method: Method) -> Change:
    if method.change == "boundary":
        return Change(drop_boundary=True)
    if method.change == "identity":
        return Change(allow_all=True)
    return NO_CHANGE  # join: the group is named per target


def _trust_key(role: Role) -> object | None:
    """What decides a trust policy for callers it does not name: its content (with the role's
    tags when it reads them, and the role's ARN when a statement names resources); None when
    it reads the caller, so that each caller is decided on its own."""
    trust = role.trust_policy
    if trust is None or policy_reads_caller(trust):
        return None
    text = json.dumps(trust.to_json(), sort_keys=True)
    key: tuple[object, ...] = (text,)
    if "resourcetag" in text.lower():
        key += (tuple(sorted(role.tags.items())),)
    if any(s.resource is not None or s.not_resource is not None for s in trust.statements):
        key += (role.arn,)
    return key


def _trust_naming(caller: Node) -> Policy:
    """The trust policy an attacker who may rewrite it writes: the caller's ARN, nothing
    else (one per caller, so that decisions are remembered)."""
    found = _CALLER_TRUSTS.get(caller.arn)
    if found is None:
        from policysim.policy.build import policy_from_data

        found = policy_from_data(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": caller.arn},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        )
        _CALLER_TRUSTS[caller.arn] = found
    return found


_CALLER_TRUSTS: dict[str, Policy] = {}


def _mentions_service(trust: Policy, service: str) -> bool:
    for statement in trust.statements:
        principal = statement.principal
        if principal is None:
            continue
        if principal.wildcard or "*" in principal.aws:
            return True
        if service in principal.service:
            return True
    return False


_TYPE_HINTS = {
    "ec2:runinstances": "instance",
    "ec2:requestspotinstances": "spot-instances-request",
}


def _witnesses(
    action: str, partition: str, region: str, account: str, patterns: list[str]
) -> list[str]:
    """Resources to try for an action on something the caller creates."""
    from policysim.catalog import get_catalog

    out: list[str] = []
    for pattern in patterns:
        if "${" in pattern or set(pattern) <= {"*"}:
            continue
        out.append(pattern.replace("*", "policysim").replace("?", "x"))
    info = get_catalog().action(action)
    resources = action_resources(info) if info is not None else None
    if resources is None or resources.star_only:
        out.append("*")
    else:
        lowered = action.lower()
        hint = _TYPE_HINTS.get(lowered)
        name = lowered.split(":", 1)[1]
        types = list(resources.types)
        types.sort(key=lambda t: (t[0] != hint, t[0].replace("-", "") not in name))
        template = types[0][1][0]
        out.append(_fill(template, partition, region, account))
    return list(dict.fromkeys(out))


def _fill(template: str, partition: str, region: str, account: str) -> str:
    import re

    text = (
        template.replace("${Partition}", partition)
        .replace("${Region}", region)
        .replace("${Account}", account)
    )
    return re.sub(r"\$\{[^}]*\}", "policysim-new", text)
