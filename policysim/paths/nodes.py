"""The principals of the graph, grouped by policy stack, and an index of their ARNs.

Two principals of the same account and kind with the same identity policies (their own and
their groups'), the same boundary and the same SCP chain get the same decision for any request
that does not read who they are: the same `NamedPolicy` objects, the same organization path.
So requests are decided once per *stack* and the answer is shared, unless one of the stack's
policies reads the caller (a policy variable, `aws:PrincipalArn`, `aws:username`,
`aws:PrincipalTag/...`): then each such principal is its own stack.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from policysim.account.model import Group, Role, User
from policysim.account.resolve import Resolver, Target
from policysim.engine.compiled import NamedPolicy
from policysim.policy.model import Policy, Statement

NodeKind = Literal["user", "role"]

_CALLER_KEYS = frozenset(
    {
        "aws:username",
        "aws:userid",
        "aws:principalarn",
        "aws:sourceidentity",
        "aws:principaltype",
        "aws:principalservicename",
        "aws:principalisawsservice",
        "aws:federatedprovider",
    }
)
_CALLER_PREFIXES = ("aws:principaltag/",)
_WILDCARDS = ("*", "?", "${")


def reads_caller_key(key: str) -> bool:
    """Whether a condition key takes a value from the caller (its name, ARN, tags, ...)."""
    lowered = key.lower()
    return lowered in _CALLER_KEYS or lowered.startswith(_CALLER_PREFIXES)


def statement_reads_caller(statement: Statement) -> bool:
    """A statement whose outcome may differ between two callers with the same policies."""
    for values in (statement.resource or (), statement.not_resource or ()):
        if any("${" in v for v in values):
            return True
    for block in statement.condition.values():
        for key, values in block.items():
            if reads_caller_key(key) or any("${" in v for v in values):
                return True
    return False


_READS_CALLER: dict[int, tuple[Policy, bool]] = {}


def forget_policy(policy: Policy) -> None:
    """Drop what is remembered about a document whose statements were changed in place."""
    _READS_CALLER.pop(id(policy), None)


def policy_reads_caller(policy: Policy) -> bool:
    """`statement_reads_caller` for any statement (cached per document object)."""
    hit = _READS_CALLER.get(id(policy))
    if hit is not None and hit[0] is policy:
        return hit[1]
    found = any(statement_reads_caller(s) for s in policy.statements)
    _READS_CALLER[id(policy)] = (policy, found)
    return found


@dataclass(eq=False, slots=True)
class Stack:
    """Principals that share every policy of their requests (see the module docstring)."""

    key: tuple[object, ...]
    account: str
    kind: NodeKind
    identity: list[NamedPolicy]
    boundary: list[NamedPolicy] | None
    members: list[int] = field(default_factory=list)
    per_caller: bool = False
    """A policy of the stack reads the caller: the stack holds one principal."""


@dataclass(eq=False, slots=True)
class Node:
    """One user or role of the snapshot."""

    index: int
    target: Target
    arn: str
    kind: NodeKind
    account: str
    stack: Stack

    @property
    def entity(self) -> User | Role:
        entity = self.target.entity
        assert isinstance(entity, User | Role)
        return entity


class ArnIndex:
    """Sorted ARNs of one kind of thing, searched by the literal head of a pattern.

    `arn:aws:iam::111:role/app-*` can only match ARNs that begin with
    `arn:aws:iam::111:role/app-`: a binary search finds them without testing every ARN. Keys
    are compared without letter case, so the candidates are a superset whatever case rules
    the engine applies; the engine decides."""

    __slots__ = ("_arns", "_values")

    def __init__(self, items: Iterable[tuple[str, int]]) -> None:
        pairs = sorted((arn.lower(), value) for arn, value in items)
        self._arns = [a for a, _ in pairs]
        self._values = [v for _, v in pairs]

    def candidates(self, pattern: str) -> Iterator[int]:
        """Every value whose ARN may match `pattern` (a superset: the engine decides)."""
        pattern = pattern.lower()
        cut = min((i for i in (pattern.find(w) for w in _WILDCARDS) if i >= 0), default=-1)
        if cut < 0:
            head = pattern
            start = bisect.bisect_left(self._arns, head)
            end = bisect.bisect_right(self._arns, head)
        else:
            head = pattern[:cut]
            start = bisect.bisect_left(self._arns, head)
            end = bisect.bisect_left(self._arns, head + "\U0010ffff")
        if head[:4] != "arn:" and head:
            # a pattern that is not an ARN head (`*`) can match anything
            start, end = 0, len(self._arns)
        yield from self._values[start:end]

    def all(self) -> list[int]:
        """Every value."""
        return list(self._values)


@dataclass(slots=True)
class Principals:
    """Every user and role of the snapshot as graph nodes, with their stacks and indexes."""

    resolver: Resolver
    nodes: list[Node]
    stacks: list[Stack]
    by_arn: dict[str, int]
    users: ArnIndex
    roles: ArnIndex
    groups: dict[str, tuple[str, Group]]
    """Group ARN -> (account id, group)."""
    _members: dict[str, list[int]] | None = None

    def node_for(self, arn: str) -> Node | None:
        """The node of a user or role ARN (or of a role session ARN)."""
        index = self.by_arn.get(arn)
        return self.nodes[index] if index is not None else None

    def members_of(self, group_arn: str) -> list[int]:
        """The users of a group."""
        if self._members is None:
            names = {(account, group.name): arn for arn, (account, group) in self.groups.items()}
            members: dict[str, list[int]] = {}
            for node in self.nodes:
                entity = node.entity
                if isinstance(entity, User):
                    for name in entity.groups:
                        arn = names.get((node.account, name))
                        if arn is not None:
                            members.setdefault(arn, []).append(node.index)
            self._members = members
        return self._members.get(group_arn, [])


def collect(resolver: Resolver) -> Principals:
    """Every user and role, grouped into stacks."""
    nodes: list[Node] = []
    stacks: dict[tuple[object, ...], Stack] = {}
    by_arn: dict[str, int] = {}
    groups: dict[str, tuple[str, Group]] = {}
    for account in resolver.snapshot.accounts.values():
        for group in account.groups.values():
            groups[group.arn] = (account.id, group)
    for target in resolver.principals():
        entity = target.entity
        assert isinstance(entity, User | Role)
        kind: NodeKind = "user" if isinstance(entity, User) else "role"
        identity = resolver.identity_policies(target)
        boundary = resolver.boundary(target)
        named = [*identity, *(boundary or [])]
        per_caller = any(policy_reads_caller(n.policy) for n in named) or _scps_read_caller(
            resolver, target.account.id
        )
        key: tuple[object, ...] = (
            target.account.id,
            kind,
            tuple(id(n) for n in identity),
            tuple(id(n) for n in boundary or ()),
            entity.arn if per_caller else None,
        )
        stack = stacks.get(key)
        if stack is None:
            stack = Stack(key, target.account.id, kind, identity, boundary, per_caller=per_caller)
            stacks[key] = stack
        node = Node(len(nodes), target, entity.arn, kind, target.account.id, stack)
        stack.members.append(node.index)
        nodes.append(node)
        by_arn[entity.arn] = node.index
        if kind == "role":
            by_arn[target.caller_arn] = node.index
    return Principals(
        resolver,
        nodes,
        list(stacks.values()),
        by_arn,
        ArnIndex((n.arn, n.index) for n in nodes if n.kind == "user"),
        ArnIndex((n.arn, n.index) for n in nodes if n.kind == "role"),
        groups,
    )


def _scps_read_caller(resolver: Resolver, account_id: str) -> bool:
    levels = resolver.org_levels(account_id, "scp") or []
    return any(policy_reads_caller(n.policy) for level in levels for n in level)
