"""What a principal can do: every action of the IAM catalog decided for one caller, summarised
per service and access level (List, Read, Write, Permissions management, Tagging).

The answer of `check PRINCIPAL '*'` without its 22,000 rows: "s3  Read 12/40, Write 3/52".
An action denied only for want of a context key the question did not give (a region an SCP
requires, an MFA flag) is counted apart as "allowed if" that key holds, with the condition.

Speed: the policies that bear on a request by one caller on one resource are the same for
every action, and the derived context differs only by service (`aws:RequestedRegion`), so the
policy set is prepared and compiled once per service and only the action changes between
requests (`decide_actions`). Trust actions on a role ARN read the role's trust policy instead
of the resource's: those are decided one by one through `Resolver.decide`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from policysim.account.principal_spec import Outsider
from policysim.account.resolve import Resolver, Target
from policysim.catalog import get_catalog
from policysim.catalog.model import ActionInfo
from policysim.catalog.resources import acts_on
from policysim.engine.aws_owned import protection
from policysim.engine.compiled import CompiledPolicies, CompiledPolicySet, compile_policy_set
from policysim.engine.depends import dependencies
from policysim.engine.evaluate import ALWAYS_ALLOWED, TRUST_ACTIONS, evaluate
from policysim.engine.request import Request
from policysim.engine.result import Decision, Dependency, EvaluationResult
from policysim.gcpause import paused_gc
from policysim.policy.errors import PolicyError
from policysim.policy.model import Policy

ACCESS_LEVELS = ("List", "Read", "Write", "Permissions management", "Tagging")
"""The IAM catalog's access levels, in the order they are shown."""


def access_level(info: ActionInfo) -> str:
    """The one access level an action is summarised under. The catalog gives some actions two
    (`Permissions management, Write`, `Tagging, Write`): the first, more specific one counts."""
    return info.access_level.split(",", 1)[0].strip() or "Write"


def allowed_if(result: EvaluationResult) -> list[Dependency]:
    """The conditions under which a denied decision would become Allowed (none if allowed)."""
    if result.allowed:
        return []
    return [d for d in result.depends_on or [] if d.becomes is Decision.ALLOWED]


def _groups(compiled: CompiledPolicySet) -> list[CompiledPolicies]:
    """Every compiled policy group of the set, in a fixed order."""
    groups = [compiled.identity, compiled.resource, compiled.boundary, compiled.session]
    groups += compiled.scp_levels or []
    groups += compiled.rcp_levels or []
    return [g for g in groups if g is not None]


def _dependency_key(
    groups: list[CompiledPolicies], request: Request, result: EvaluationResult
) -> tuple[object, ...]:
    """What the dependency search of one request turns on, beside the service and the context
    (the same for every action of a service): the statements whose Action matches, in every
    layer, the decision and the keys missing, and the two rules that name actions (requests
    that need no permission, resources AWS owns). Two actions with equal keys get the same
    dependencies: the search re-evaluates only through those."""
    action = request.action.lower()
    statements = tuple(tuple(map(id, group.for_action(action))) for group in groups)
    owned = protection(
        request.action, request.resource, request.principal, request.aws_managed_resource
    )
    return (
        result.decision,
        tuple(result.missing_context_keys),
        statements,
        action in ALWAYS_ALLOWED,
        owned,
    )


def decide_actions(
    resolver: Resolver,
    target: Target | Outsider,
    actions: Sequence[str],
    resource: str = "*",
    context: Mapping[str, str | Iterable[str]] | None = None,
    session_policy: Policy | None = None,
    *,
    depends: bool = False,
) -> list[EvaluationResult]:
    """`resolver.decide` for each action, in order, with the same answers, compiling the
    policy set once per service rather than once per action (see the module docstring), and,
    with `depends`, searching what a decision depends on once per distinct set of statements
    that bear on it (`_dependency_key`) rather than once per action."""
    results: list[EvaluationResult | None] = [None] * len(actions)
    by_service: dict[str, list[int]] = {}
    for i, action in enumerate(actions):
        if action.lower() in TRUST_ACTIONS:
            results[i] = resolver.decide(
                target, action, resource, context, session_policy, depends=depends
            )
        else:
            by_service.setdefault(action.partition(":")[0].lower(), []).append(i)
    with paused_gc():
        for indexes in by_service.values():
            policy_set, first = resolver.prepare(
                target, actions[indexes[0]], resource, context, session_policy
            )
            compiled = compile_policy_set(policy_set, resolver.options)
            memo: dict[tuple[object, ...], list[Dependency]] = {}
            groups = _groups(compiled)
            for i in indexes:
                request = Request(
                    first.principal,
                    actions[i],
                    first.resource,
                    first.resource_account,
                    first.context,
                    first.aws_managed_resource,
                )
                result = evaluate(compiled, request)
                if depends and not result.missing_context_keys:
                    result.depends_on = []  # what the search gives when no key is missing
                elif depends:
                    key = _dependency_key(groups, request, result)
                    found = memo.get(key)
                    if found is None:
                        found = memo[key] = dependencies(compiled, request, result)
                    result.depends_on = list(found)
                results[i] = result
    return [r for r in results if r is not None]


@dataclass(slots=True)
class LevelSummary:
    """One access level of one service: how many actions there are, which are allowed, and
    which would be allowed if a condition held."""

    level: str
    total: int = 0
    allowed: list[str] = field(default_factory=list)
    conditional: list[tuple[str, list[Dependency]]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """JSON for scripts."""
        return {
            "level": self.level,
            "total": self.total,
            "allowed": len(self.allowed),
            "allowed_if": len(self.conditional),
            "allowed_actions": list(self.allowed),
            "allowed_if_actions": [
                {"action": a, "depends_on": [d.to_json() for d in deps]}
                for a, deps in self.conditional
            ],
        }


@dataclass(slots=True)
class ServiceSummary:
    """One service of the catalog: its levels in `ACCESS_LEVELS` order (those it has)."""

    prefix: str
    name: str
    levels: list[LevelSummary] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Actions of the service that were decided."""
        return sum(level.total for level in self.levels)

    @property
    def allowed(self) -> int:
        """Actions allowed as asked."""
        return sum(len(level.allowed) for level in self.levels)

    @property
    def conditional(self) -> int:
        """Actions allowed only if a condition the question did not give holds."""
        return sum(len(level.conditional) for level in self.levels)

    def to_json(self) -> dict[str, Any]:
        """JSON for scripts."""
        return {
            "service": self.prefix,
            "name": self.name,
            "total": self.total,
            "allowed": self.allowed,
            "allowed_if": self.conditional,
            "levels": [level.to_json() for level in self.levels],
        }


@dataclass(slots=True)
class EffectivePermissions:
    """Every service asked about, each with its levels."""

    principal: str
    resource: str
    services: list[ServiceSummary] = field(default_factory=list)

    @property
    def checked(self) -> int:
        """Actions decided."""
        return sum(s.total for s in self.services)

    @property
    def allowed(self) -> int:
        """Actions allowed as asked."""
        return sum(s.allowed for s in self.services)

    @property
    def conditional(self) -> int:
        """Actions allowed only if a condition holds."""
        return sum(s.conditional for s in self.services)

    def to_json(self) -> dict[str, Any]:
        """JSON for scripts."""
        return {
            "principal": self.principal,
            "resource": self.resource,
            "actions_checked": self.checked,
            "allowed": self.allowed,
            "allowed_if": self.conditional,
            "services": [s.to_json() for s in self.services],
        }


def check_service(prefix: str) -> str:
    """`prefix` when the IAM catalog knows the service; a `PolicyError` naming the nearest
    prefixes otherwise."""
    catalog = get_catalog()
    if not catalog.has_service(prefix):
        near = catalog.suggest_services(prefix)
        hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""
        raise PolicyError(f"unknown service {prefix!r}{hint}")
    return prefix


def catalog_actions(services: Sequence[str] | None = None, resource: str = "*") -> list[ActionInfo]:
    """The catalog's actions of `services` (every service when None) that act on `resource`.
    An unknown service prefix is a `PolicyError` naming the nearest ones."""
    catalog = get_catalog()
    if services is None:
        infos: Iterable[ActionInfo] = catalog.all_actions()
    else:
        chosen: list[ActionInfo] = []
        for prefix in services:
            check_service(prefix)
            chosen += catalog.actions(prefix)
        infos = chosen
    return [info for info in infos if acts_on(info, resource)]


def effective_permissions(
    resolver: Resolver,
    target: Target | Outsider,
    *,
    services: Sequence[str] | None = None,
    resource: str = "*",
    context: Mapping[str, str | Iterable[str]] | None = None,
    session_policy: Policy | None = None,
) -> EffectivePermissions:
    """Decide every catalog action of `services` (all when None) that acts on `resource` for
    `target`, and summarise the answers per service and access level."""
    infos = catalog_actions(services, resource)
    results = decide_actions(
        resolver,
        target,
        [info.full_name for info in infos],
        resource,
        context,
        session_policy,
        depends=True,
    )
    catalog = get_catalog()
    by_service: dict[str, dict[str, LevelSummary]] = {}
    for info, result in zip(infos, results, strict=True):
        levels = by_service.setdefault(info.service, {})
        level = access_level(info)
        summary = levels.get(level)
        if summary is None:
            summary = levels[level] = LevelSummary(level)
        summary.total += 1
        if result.allowed:
            summary.allowed.append(info.full_name)
        elif conditions := allowed_if(result):
            summary.conditional.append((info.full_name, conditions))
    order = {name: i for i, name in enumerate(ACCESS_LEVELS)}
    answer = EffectivePermissions(target.label, resource)
    for prefix in sorted(by_service):
        ordered = sorted(by_service[prefix].values(), key=lambda s: order.get(s.level, 99))
        answer.services.append(ServiceSummary(prefix, catalog.service_name(prefix) or "", ordered))
    return answer
