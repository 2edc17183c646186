"""Policies compiled for fast, repeated evaluation.

Compiling once turns every Action, Resource and Condition entry into a predicate and indexes
statements by service prefix, so that deciding many requests against one policy set only
touches the statements that can apply; the per-action candidate lists are cached.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from policysim.engine.condition_block import CompiledCondition, compile_conditions
from policysim.engine.options import DEFAULT_OPTIONS, EvaluationOptions
from policysim.engine.request import Context
from policysim.engine.result import MatchedStatement, PolicyType
from policysim.policy.action import action_prefix, compile_action_pattern, split_action
from policysim.policy.arn import compile_arn_glob
from policysim.policy.model import Policy, Principal, Statement
from policysim.policy.public import is_public_policy
from policysim.policy.variables import Template, compile_template, protect_literals
from policysim.policy.wildcard import Matcher

# Statements without Resource: resource-based policies mean "this resource"; elsewhere AWS
# rejects the statement, so it matches nothing.
_RESOURCE_IMPLIED = frozenset({PolicyType.RESOURCE})


@dataclass(frozen=True, slots=True)
class NamedPolicy:
    """A policy document with the name reports use for it."""

    policy: Policy
    name: str


@dataclass(slots=True)
class PolicySet:
    """Every policy that bears on one request (the batch case format of spec/cases.md)."""

    identity: list[NamedPolicy] = field(default_factory=list)
    resource: NamedPolicy | None = None
    boundary: list[NamedPolicy] | None = None
    scps: list[list[NamedPolicy]] | None = None
    rcps: list[list[NamedPolicy]] | None = None
    session: NamedPolicy | None = None
    management_account: str | None = None
    """The organization's management account: SCPs and RCPs do not apply to it."""
    restrict_public_buckets: bool = False
    """S3 Block Public Access RestrictPublicBuckets in force for the resource (spec §6)."""


@dataclass(slots=True)
class _ResourceEntry:
    static: Matcher | None
    head: str = ""
    tail: Template | None = None


_RESOURCE_CACHE_LIMIT = 4096
_ANY_PREFIX: frozenset[str | None] = frozenset({None})


@lru_cache(maxsize=8192)
def _prefixes(actions: tuple[str, ...]) -> frozenset[str | None]:
    """The service prefixes of an Action list (lists repeat: managed policies, batch cases)."""
    return frozenset(action_prefix(a) for a in actions)


@lru_cache(maxsize=8192)
def _action_matchers(actions: tuple[str, ...]) -> tuple[Matcher, ...]:
    """One predicate per Action/NotAction entry."""
    return tuple(compile_action_pattern(a) for a in actions)


class CompiledStatement:
    """One statement as predicates."""

    __slots__ = (
        "_action_matchers",
        "_action_texts",
        "_conditions",
        "_head_ignore_case",
        "_matched",
        "_resource_cache",
        "_resource_texts",
        "_resources",
        "_static_only",
        "_substitutes",
        "allow",
        "file",
        "level",
        "negate_action",
        "negate_resource",
        "policy_name",
        "policy_type",
        "prefixes",
        "principal",
        "principal_negated",
        "resource_implied",
        "statement",
    )

    def __init__(
        self,
        statement: Statement,
        policy: Policy,
        policy_type: PolicyType,
        policy_name: str,
        level: int | None,
        options: EvaluationOptions,
    ) -> None:
        self.statement = statement
        self.policy_type = policy_type
        self.policy_name = policy_name
        self.level = level
        self.file = policy.file
        self.allow = statement.is_allow
        actions = statement.action if statement.action is not None else statement.not_action
        self.negate_action = statement.action is None
        # Compiled on first use: most statements of a large policy are never asked.
        self._action_texts = actions or ()
        self._action_matchers: tuple[Matcher, ...] | None = None
        self._head_ignore_case = options.arn_head_case_insensitive
        resources = statement.resource if statement.resource is not None else statement.not_resource
        self.negate_resource = statement.resource is None and statement.not_resource is not None
        self.resource_implied = resources is None and policy_type in _RESOURCE_IMPLIED
        """A resource-policy statement without Resource means "this resource" -- except in a
        KMS key policy, where it has no effect (spec §7.2); `evaluate` handles that case."""
        # Resources and conditions are compiled on first use: a policy set often holds many
        # statements whose actions never come up (who-can over thousands of roles).
        self._substitutes = policy.substitutes_variables
        self._resource_texts = resources or ()
        self._resources: tuple[_ResourceEntry, ...] | None = None
        self._static_only = False
        self._resource_cache: dict[str, bool] = {}
        self._matched: MatchedStatement | None = None
        self.principal: Principal | None = statement.principal or statement.not_principal
        self.principal_negated = statement.not_principal is not None
        self._conditions: tuple[CompiledCondition, ...] | None = None
        self.prefixes: frozenset[str | None] = (
            _ANY_PREFIX if self.negate_action else _prefixes(statement.action or ())
        )

    @property
    def conditions(self) -> tuple[CompiledCondition, ...]:
        """The Condition block, compiled on first use."""
        if self._conditions is None:
            self._conditions = compile_conditions(
                self.statement.condition, substitutes_variables=self._substitutes
            )
        return self._conditions

    def _compiled_resources(self) -> tuple[_ResourceEntry, ...]:
        if self._resources is None:
            self._resources = tuple(
                self._compile_resource(r, self._substitutes) for r in self._resource_texts
            )
            # Without variables the answer depends on the resource alone, so it is
            # remembered: many requests against one policy set name the same few resources.
            self._static_only = all(e.static is not None for e in self._resources)
        return self._resources

    def _compile_resource(self, text: str, substitutes: bool) -> _ResourceEntry:
        if substitutes and "${" in text:
            parts = text.split(":", 5)
            if len(parts) == 6:
                template = compile_template(parts[5])
                if template is not None:
                    return _ResourceEntry(None, ":".join(parts[:5]), template)
        return _ResourceEntry(compile_arn_glob(text, head_ignore_case=self._head_ignore_case))

    def matches_action(self, action: str) -> bool:
        """Action / NotAction test (spec §2.1)."""
        matchers = self._action_matchers
        if matchers is None:
            matchers = self._action_matchers = _action_matchers(self._action_texts)
        if not matchers:
            return False  # an empty Action or NotAction list matches nothing (spec §8.1)
        hit = any(m(action) for m in matchers)
        return hit != self.negate_action

    def matches_resource(self, resource: str, context: Context) -> bool:
        """Resource / NotResource test, with variables resolved from the context (spec §2.2)."""
        entries = self._compiled_resources()
        if not entries:
            return self.resource_implied
        if self._static_only:
            known = self._resource_cache.get(resource)
            if known is None:
                known = any(e.static(resource) for e in entries if e.static) != (
                    self.negate_resource
                )
                if len(self._resource_cache) < _RESOURCE_CACHE_LIMIT:
                    self._resource_cache[resource] = known
            return known
        hit = False
        for entry in entries:
            if entry.static is not None:
                if entry.static(resource):
                    hit = True
                    break
                continue
            assert entry.tail is not None
            tail = entry.tail.render(context.single, literal_wildcards=True)
            if tail is None:
                continue  # an unresolved variable: the entry matches (and excludes) nothing
            matcher = compile_arn_glob(
                f"{entry.head}:{tail}", head_ignore_case=self._head_ignore_case
            )
            if matcher(protect_literals(resource)):
                hit = True
                break
        return hit != self.negate_resource

    def matched(self) -> MatchedStatement:
        """The explanation record for this statement (made once: it never changes)."""
        if self._matched is None:
            self._matched = self._make_matched()
        return self._matched

    def _make_matched(self) -> MatchedStatement:
        position = self.statement.position
        return MatchedStatement(
            policy_type=self.policy_type,
            policy_name=self.policy_name,
            statement_index=self.statement.index,
            sid=self.statement.sid,
            effect=self.statement.effect,
            file=self.file,
            line=position.line if position else None,
            column=position.column if position else None,
            level=self.level,
        )


class CompiledPolicies:
    """The statements of one or more policies, indexed by service prefix."""

    __slots__ = ("_by_prefix", "_cache", "_effect_cache", "_wildcard", "names", "statements")

    def __init__(self, statements: Sequence[CompiledStatement], names: Sequence[str]) -> None:
        self.statements = tuple(statements)
        self.names = tuple(names)
        self._by_prefix: dict[str, list[CompiledStatement]] = {}
        self._wildcard: list[CompiledStatement] = []
        for statement in self.statements:
            for prefix in statement.prefixes:
                if prefix is None:
                    self._wildcard.append(statement)
                else:
                    self._by_prefix.setdefault(prefix, []).append(statement)
        self._cache: dict[str, tuple[CompiledStatement, ...]] = {}
        self._effect_cache: dict[tuple[str, bool], tuple[CompiledStatement, ...]] = {}

    def for_action(self, action: str) -> tuple[CompiledStatement, ...]:
        """Statements whose Action/NotAction matches `action` (cached per action)."""
        found = self._cache.get(action)
        if found is None:
            parts = split_action(action)
            prefix = parts[0] if parts else ""
            candidates = self._by_prefix.get(prefix, []) + self._wildcard
            seen: set[int] = set()
            ordered: list[CompiledStatement] = []
            for statement in candidates:
                if id(statement) not in seen and statement.matches_action(action):
                    seen.add(id(statement))
                    ordered.append(statement)
            found = tuple(ordered)
            self._cache[action] = found
        return found

    def for_action_effect(self, action: str, allow: bool) -> tuple[CompiledStatement, ...]:
        """The Allow (or Deny) statements whose Action/NotAction matches `action`."""
        key = (action, allow)
        found = self._effect_cache.get(key)
        if found is None:
            found = tuple(s for s in self.for_action(action) if s.allow == allow)
            self._effect_cache[key] = found
        return found

    def __bool__(self) -> bool:
        return bool(self.names)


# Keys hold object ids (of the policies and of the options: hashing the options dataclass
# field by field on every lookup is slow); each entry holds those objects, so an id cannot be
# reused while its entry lives.
_CacheKey = tuple[int, PolicyType, int | None, int]
_GroupKey = tuple[tuple[int, ...], PolicyType, int | None, int]


class CompileCache:
    """Compiled statements and policy groups, keyed by the identity of `NamedPolicy` objects.

    Callers that reuse `NamedPolicy` objects (a batch whose cases share documents, an account
    whose users share managed policies) compile each document and each group once, and the
    groups keep their per-action candidate lists. Entries hold their `NamedPolicy` objects, so
    an `id` cannot be reused while its entry lives. Each table is emptied when it reaches
    `limit` entries, which bounds the memory a long run can hold.
    """

    __slots__ = ("groups", "limit", "stacks", "statements")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.statements: dict[
            _CacheKey, tuple[NamedPolicy, EvaluationOptions, list[CompiledStatement]]
        ] = {}
        self.groups: dict[
            _GroupKey, tuple[list[NamedPolicy], EvaluationOptions, CompiledPolicies]
        ] = {}
        self.stacks: dict[tuple[object, ...], tuple[tuple[object, ...], CompiledPolicySet]] = {}
        """Whole policy stacks (`compile_policy_set`), by the identity of their policies."""


_STATEMENT_CACHE_LIMIT = 65536
_SHARED_CACHE = CompileCache(_STATEMENT_CACHE_LIMIT)
"""The cache used when callers bring none: sized for who-can over large accounts."""


def _compiled_statements(
    named: NamedPolicy,
    policy_type: PolicyType,
    options: EvaluationOptions,
    level: int | None,
    cache: CompileCache,
) -> list[CompiledStatement]:
    """Compile a policy's statements once per (policy object, role, options)."""
    key = (id(named), policy_type, level, id(options))
    table = cache.statements
    hit = table.get(key)
    if hit is not None:
        return hit[2]
    statements = [
        CompiledStatement(s, named.policy, policy_type, named.name, level, options)
        for s in named.policy.statements
    ]
    if len(table) >= cache.limit:
        table.clear()
    table[key] = (named, options, statements)
    return statements


def compile_policies(
    policies: Sequence[NamedPolicy],
    policy_type: PolicyType,
    options: EvaluationOptions,
    level: int | None = None,
    cache: CompileCache | None = None,
) -> CompiledPolicies:
    """Compile a group of policies that are OR-ed together.

    Groups are cached like statements (by the identity of their `NamedPolicy` objects), so that
    principals sharing the same attached policies, or cases of a batch sharing documents, share
    the compiled index and its per-action caches.
    """
    if cache is None:
        cache = _SHARED_CACHE
    key = (tuple([id(p) for p in policies]), policy_type, level, id(options))
    table = cache.groups
    hit = table.get(key)
    if hit is not None:
        return hit[2]
    statements = [
        statement
        for named in policies
        for statement in _compiled_statements(named, policy_type, options, level, cache)
    ]
    compiled = CompiledPolicies(statements, [p.name for p in policies])
    if len(table) >= cache.limit:
        table.clear()
    table[key] = (list(policies), options, compiled)
    return compiled


@dataclass(slots=True)
class CompiledPolicySet:
    """A `PolicySet` compiled once for many requests."""

    source: PolicySet
    options: EvaluationOptions
    identity: CompiledPolicies
    resource: CompiledPolicies | None
    boundary: CompiledPolicies | None
    session: CompiledPolicies | None
    scp_levels: list[CompiledPolicies] | None
    rcp_levels: list[CompiledPolicies] | None
    resource_policy_is_public: Callable[[], bool] | None = None


def compile_policy_set(
    policies: PolicySet,
    options: EvaluationOptions = DEFAULT_OPTIONS,
    cache: CompileCache | None = None,
) -> CompiledPolicySet:
    """Compile every policy of a set (through `cache`, else the process-wide one).

    A whole stack is compiled once: principals that share identity policies, boundary, SCP
    and RCP levels (the same `NamedPolicy` objects, and the same level lists, as a resolver
    hands them out) and the resource's side share one `CompiledPolicySet`."""
    if cache is None:
        cache = _SHARED_CACHE
    key = _stack_key(policies, options)
    hit = cache.stacks.get(key)
    if hit is not None:
        return hit[1]
    compiled = _compile_policy_set(policies, options, cache)
    if len(cache.stacks) >= cache.limit:
        cache.stacks.clear()
    # The entry holds what its key names by identity, so that no id is reused while it lives.
    held = (
        tuple(policies.identity),
        policies.resource,
        tuple(policies.boundary or ()),
        tuple(tuple(level) for level in policies.scps or ()),
        tuple(tuple(level) for level in policies.rcps or ()),
        policies.session,
        options,
    )
    cache.stacks[key] = (held, compiled)
    return compiled


def _stack_key(policies: PolicySet, options: EvaluationOptions) -> tuple[object, ...]:
    """What makes two policy sets compile alike: the identity of each policy and level list,
    and the plain values of the set."""

    def group(named: list[NamedPolicy] | None) -> tuple[int, ...] | None:
        return None if named is None else tuple([id(p) for p in named])

    def levels(spec: list[list[NamedPolicy]] | None) -> tuple[tuple[int, ...] | None, ...] | None:
        return None if spec is None else tuple([group(level) for level in spec])

    return (
        group(policies.identity),
        id(policies.resource) if policies.resource is not None else None,
        group(policies.boundary),
        levels(policies.scps),
        levels(policies.rcps),
        id(policies.session) if policies.session is not None else None,
        policies.management_account,
        policies.restrict_public_buckets,
        id(options),
    )


def _compile_policy_set(
    policies: PolicySet, options: EvaluationOptions, cache: CompileCache
) -> CompiledPolicySet:
    def levels(
        spec: list[list[NamedPolicy]] | None, kind: PolicyType
    ) -> list[CompiledPolicies] | None:
        if spec is None:
            return None
        return [compile_policies(level, kind, options, i, cache) for i, level in enumerate(spec)]

    return CompiledPolicySet(
        source=policies,
        options=options,
        identity=compile_policies(policies.identity, PolicyType.IDENTITY, options, None, cache),
        resource=(
            compile_policies([policies.resource], PolicyType.RESOURCE, options, None, cache)
            if policies.resource
            else None
        ),
        boundary=(
            compile_policies(policies.boundary, PolicyType.BOUNDARY, options, None, cache)
            if policies.boundary
            else None
        ),
        session=(
            compile_policies([policies.session], PolicyType.SESSION, options, None, cache)
            if policies.session
            else None
        ),
        scp_levels=levels(policies.scps, PolicyType.SCP),
        rcp_levels=levels(policies.rcps, PolicyType.RCP),
        resource_policy_is_public=_public_check(policies),
    )


def _public_check(policies: PolicySet) -> Callable[[], bool] | None:
    """With RestrictPublicBuckets in force, a lazy test of whether the bucket policy is public."""
    if not policies.restrict_public_buckets or policies.resource is None:
        return None
    document = policies.resource.policy
    return lambda: is_public_policy(document)
