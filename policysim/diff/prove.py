"""The prover: is there a request that NEW allows and OLD does not?

For each caller class (`principals`) and each action class (`actions`), the engine's decision
becomes a formula (`formula`), `allowed(NEW) and not allowed(OLD)` is searched (`solver`) first
over a superset of the resources any action of the class could name and, only where that finds
something, per resource type of the actual actions. Each model becomes a request that the engine
itself re-checks; a request it does not confirm is never reported as a FAIL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from policysim.catalog.arguments import check_request
from policysim.catalog.key_values import context_value_error
from policysim.diff.actions import (
    ActionClass,
    action_classes,
    expand_pattern,
    patterns_cover,
    statement_patterns,
)
from policysim.diff.formula import (
    Atoms,
    Caller,
    ConditionAtom,
    FormulaBuilder,
    FormulaUnknownError,
    ResourceAtom,
    f_and,
    f_not,
)
from policysim.diff.principals import CALLER_KEYS, principal_text
from policysim.diff.report import Direction, Limits
from policysim.diff.solver import KeyRules, Model, SolverUnknownError, solve
from policysim.diff.spaces import (
    TypedSpace,
    action_spaces,
    service_spaces,
    space_services,
    superset_spaces,
)
from policysim.diff.values import Literal
from policysim.engine.compiled import CompiledPolicySet, CompiledStatement
from policysim.engine.context_keys import build_request, derive_principal_keys
from policysim.engine.evaluate import ALWAYS_ALLOWED, evaluate
from policysim.engine.request import Context, PrincipalKind, Request, RequestPrincipal
from policysim.engine.result import EvaluationResult
from policysim.policy.errors import PolicyError
from policysim.policy.model import Statement

UNLISTED_FINDINGS = 5
"""Witnesses sought among actions the catalog does not list, per caller: once one shows new
access the answer is FAIL; more would only repeat it for other services."""


@dataclass(slots=True)
class Question:
    """Everything one direction of a proof needs."""

    old: CompiledPolicySet
    new: CompiledPolicySet
    principals: Sequence[RequestPrincipal]
    resource_account: str
    limits: Limits
    direction: Direction = Direction.GAINED
    only_actions: frozenset[str] | None = None
    """Lower-cased action names to ask about (verify --not-granted); None: every action."""
    only_patterns: tuple[str, ...] | None = None
    """The patterns `only_actions` came from: the names the catalog does not list that they
    match are asked about too (verify --not-granted)."""
    resources: tuple[str, ...] | None = None
    """ARN patterns the request's resource must match (verify --not-granted)."""
    extra: Mapping[str, list[Literal]] = field(default_factory=dict)
    """Entries each key's value must meet besides the formula (public access)."""
    every_caller: bool = False
    """The principals stand for every caller (a standalone document can be attached to any
    principal), not for themselves (an account's principals). Policy variables of the caller
    then make a "no new access" answer unproved: the callers asked cover the usual cases, not
    every name (`principals.document_callers`), so where a variable decided an action and no
    new access was found, the answer is UNKNOWN, never PASS."""


@dataclass(slots=True)
class Hit:
    """A confirmed request and what it came from."""

    request: Request
    new_result: EvaluationResult
    members: list[str]
    unlisted: bool
    shown_context: tuple[str, ...]
    statements_by_ref: dict[tuple[str, int, int | None], Statement] = field(default_factory=dict)
    """NEW's statements by (policy name, index, level), to describe the region."""


@dataclass(slots=True)
class Answer:
    hits: list[Hit] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    caller_unproved: list[str] = field(default_factory=list)
    """The reasons in `unknown` that are only "not proved for every caller's variables"
    (`Question.every_caller`): a proof by other means (`relax`) may withdraw them."""


def all_statements(compiled: CompiledPolicySet) -> list[CompiledStatement]:
    """Every statement of a compiled set, in every layer."""
    groups = [compiled.identity, compiled.resource, compiled.boundary, compiled.session]
    groups += compiled.scp_levels or []
    groups += compiled.rcp_levels or []
    return [s for g in groups if g is not None for s in g.statements]


class Prover:
    """Answers one `Question`."""

    def __init__(self, question: Question) -> None:
        self.q = question
        self.answer = Answer()
        self._matchers: dict[int, tuple[frozenset[str] | None, bool]] = {}
        self._caller_read: dict[str, str] = {}
        """Keys of the caller read as policy variables, with an action they decided."""
        self._by_ref = {
            (s.policy_name, s.statement.index, s.level): s.statement
            for s in all_statements(question.new)
        }

    def _action_match(self, statement: CompiledStatement, action: str) -> bool:
        """The engine's Action/NotAction answer, from the catalog expansions of the patterns
        (the engine's own matcher) for catalog actions; the engine itself for the others."""
        entry = self._matchers.get(id(statement))
        if entry is None:
            patterns, negate = statement_patterns(statement)
            if not patterns:
                entry = (frozenset(), False)  # an empty list matches nothing, negated or not
            elif not negate and "*" in patterns:
                entry = (None, False)
            else:
                names: set[str] = set()
                for pattern in patterns:
                    names |= expand_pattern(pattern)
                entry = (frozenset(names), negate)
            self._matchers[id(statement)] = entry
        names_matched, negate = entry
        if names_matched is None:
            return True
        if not patterns_cover(action):
            return statement.matches_action(action)  # the engine's own test, for any name
        return (action in names_matched) != negate

    def _caller_keys(self, principal: RequestPrincipal) -> dict[str, str | None]:
        """What AWS derives from this caller, for Resource variables; the other keys it could
        derive map to None (a role session has no `aws:username`)."""
        derived = {k.lower(): v for k, v in derive_principal_keys(principal).items()}
        out: dict[str, str | None] = dict.fromkeys(CALLER_KEYS)
        out.update(derived)
        return out

    def run(self) -> Answer:
        q = self.q
        statements = all_statements(q.old) + all_statements(q.new)
        rcp = q.old.rcp_levels is not None or q.new.rcp_levels is not None
        classes = action_classes(
            statements, q.only_actions, only_patterns=q.only_patterns, rcp_sensitive=rcp
        )
        for cls in classes:
            if cls.undecided is not None:
                self.answer.unknown.append(
                    f"actions of {cls.representative.partition(':')[0]} the IAM catalog does"
                    f" not list: {cls.undecided}"
                )
        classes = [c for c in classes if c.undecided is None]
        for principal in q.principals:
            rules = KeyRules(
                must_exist={k.lower(): v for k, v in derive_principal_keys(principal).items()},
                extra={k: list(v) for k, v in q.extra.items()},
            )
            unlisted_hits = 0
            for cls in classes:
                if cls.representative.lower() in ALWAYS_ALLOWED:
                    continue
                if cls.unlisted and unlisted_hits >= UNLISTED_FINDINGS:
                    continue  # enough examples of future actions: FAIL is already shown
                before = len(self.answer.hits)
                try:
                    self._class(cls, principal, rules)
                except (SolverUnknownError, FormulaUnknownError) as err:
                    self.answer.unknown.append(
                        f"{cls.representative} for {principal.arn or 'anonymous'}: {err}"
                    )
                if cls.unlisted and len(self.answer.hits) > before:
                    unlisted_hits += 1
                if len(self.answer.hits) > q.limits.max_findings * 4:
                    return self.answer
        if q.every_caller and self._caller_read and not self.answer.hits:
            reason = self._unproved_for_every_caller()
            self.answer.unknown.append(reason)
            self.answer.caller_unproved.append(reason)
        return self.answer

    def _unproved_for_every_caller(self) -> str:
        keys = ", ".join(f"${{{k}}}" for k in sorted(self._caller_read))
        action = next(iter(self._caller_read.values()))
        asked = ", ".join(principal_text(p) for p in self.q.principals)
        return (
            f"policy variables of the caller ({keys}) decide requests such as {action}: no new"
            f" access for the callers asked ({asked}), but the callers of a standalone document"
            " can have any name, and that is not proved for every name; compare account files"
            " to ask about each principal by name"
        )

    def _solve(
        self,
        action: str,
        space: TypedSpace,
        principal: RequestPrincipal,
        rules: KeyRules,
        excluded: Sequence[str] = (),
    ) -> tuple[Model, Atoms] | None:
        q = self.q
        atoms = Atoms()
        builder = FormulaBuilder(atoms, self._action_match)
        builder.caller_keys = self._caller_keys(principal)
        caller = Caller(principal, action.lower(), q.resource_account, space.strict)
        new = builder.allowed(q.new, caller)
        self._note_caller_read(builder, action)
        if new is False:
            return None
        old = builder.allowed(q.old, caller)
        self._note_caller_read(builder, action)
        if new == old or old is True:
            return None
        parts = [new, f_not(old)]
        head_ic = q.new.options.arn_head_case_insensitive
        if q.resources is not None:
            parts.append(("atom", atoms.number(ResourceAtom(q.resources, head_ic))))
        for resource in excluded:
            parts.append(f_not(("atom", atoms.number(ResourceAtom((resource,), False)))))
        formula = f_and(parts)
        if formula is False:
            return None
        constrained = {a.domain for a in atoms.items if isinstance(a, ConditionAtom)}
        if builder.substituted & constrained:
            raise FormulaUnknownError(
                "a key is both substituted into a Resource and tested by a condition"
            )
        model = solve(
            formula,
            atoms,
            space.space,
            q.new.options,
            rules,
            budget=q.limits.search_steps,
            automaton_budget=q.limits.automaton_states,
        )
        return None if model is None else (model, atoms)

    def _note_caller_read(self, builder: FormulaBuilder, action: str) -> None:
        for key in builder.caller_read:
            self._caller_read.setdefault(key, action)

    def _class(self, cls: ActionClass, principal: RequestPrincipal, rules: KeyRules) -> None:
        representative = cls.representative
        spaces = superset_spaces(representative)
        sat = [bool(self._solve(representative, space, principal, rules)) for space in spaces]
        if not any(sat):
            return
        star_sat = sat[0]
        # `*` is a resource of every action, and an unlisted action may name any ARN: then the
        # representative alone answers for the class (one formula for every member).
        alone = star_sat or cls.unlisted
        if alone and (self._found(cls, [representative], principal, rules) or cls.unlisted):
            return
        groups: dict[tuple[str, ...], list[str]] = {}
        for member in cls.members:
            groups.setdefault(_space_key(member), []).append(member)
        ordered = list(groups.values())
        if star_sat:
            ordered = [g for g in ordered if g[0] != representative]  # asked above
        elif len(ordered) > 4:
            ordered = self._by_service(representative, ordered, principal, rules)
        for members in ordered:
            if self._found(cls, members, principal, rules):
                return

    def _found(
        self, cls: ActionClass, members: list[str], principal: RequestPrincipal, rules: KeyRules
    ) -> bool:
        """Search a witness among `members` (one resource type's); True when one is found.
        One witness per class: every member is matched by the same statements, so the region
        is the class (its resource types may narrow it further)."""
        hits = len(self.answer.hits)
        self._group(members, cls.unlisted, principal, rules)
        if len(self.answer.hits) > hits:
            self.answer.hits[-1].members = cls.members
            return True
        return False

    def _by_service(
        self,
        representative: str,
        groups: list[list[str]],
        principal: RequestPrincipal,
        rules: KeyRules,
    ) -> list[list[str]]:
        """Keep the groups whose ARN service some witness can have: one search per service
        segment (a superset of that service's formats) instead of one per resource type."""
        alive: dict[str, bool] = {}
        kept = []
        for members in groups:
            services = space_services(members[0])
            for service in services:
                if service not in alive:
                    alive[service] = service == "*" or any(
                        self._solve(representative, space, principal, rules)
                        for space in service_spaces(service, representative)
                    )
            if any(alive[s] for s in services):
                kept.append(members)
        return kept

    def _group(
        self, members: list[str], unlisted: bool, principal: RequestPrincipal, rules: KeyRules
    ) -> None:
        action = members[0]
        for space in action_spaces(action, self.q.resource_account):
            excluded: list[str] = []
            for _ in range(self.q.limits.witness_retries + 1):
                found = self._solve(action, space, principal, rules, excluded)
                if found is None:
                    break
                model, atoms = found
                verdict = self._confirm(action, model, atoms, principal, unlisted)
                if isinstance(verdict, Hit):
                    verdict.members = members
                    self.answer.hits.append(verdict)
                    return
                if verdict == "retry" and model.resource != "*":
                    excluded.append(model.resource)
                    continue
                self.answer.unknown.append(verdict)
                return
            else:
                self.answer.unknown.append(
                    f"{action} on {space.name}: every witness tried was refused by the engine"
                )
                return

    def _confirm(
        self,
        action: str,
        model: Model,
        atoms: Atoms,
        principal: RequestPrincipal,
        unlisted: bool,
    ) -> Hit | str:
        """Turn a model into a request and have the engine decide it under both sets."""
        names = {a.domain: a.condition.key for a in atoms.items if isinstance(a, ConditionAtom)}
        context = Context()
        shown: list[str] = []
        for domain, value in model.context.items():
            name = names.get(domain, domain)
            assert isinstance(value, str | tuple)
            context.set(name, value)
            shown.append(name)
            for element in (value,) if isinstance(value, str) else value:
                problem = context_value_error(name, element)
                if problem is not None:
                    return f"{action}: the only witness found needs {name} = {problem}"
        session = principal.kind is PrincipalKind.ASSUMED_ROLE and principal.role_arn
        if session and "aws:PrincipalArn" not in context:
            assert principal.role_arn is not None
            context.set("aws:PrincipalArn", principal.role_arn)
            shown.append("aws:PrincipalArn")
        request = build_request(
            principal.arn or "anonymous",
            action,
            model.resource,
            resource_account=self.q.resource_account,
            context=context,
        )
        if not unlisted:
            try:
                check_request(action, model.resource)
            except PolicyError as err:
                return f"{action}: the witness resource is refused: {err.message}"
        new = evaluate(self.q.new, request)
        old = evaluate(self.q.old, request)
        if new.allowed and not old.allowed:
            return Hit(request, new, [action], unlisted, tuple(shown), self._by_ref)
        if "aws-owned" in (new.blocked_by or []) + (old.blocked_by or []):
            return "retry"
        return (
            f"{action}: internal disagreement: the engine decides the witness"
            f" {request.resource} as {new.decision.value} (new) / {old.decision.value} (old)"
        )


@cache
def _space_key(action: str) -> tuple[str, ...]:
    """What decides an action's resource spaces: its types and formats, and the trust rule."""
    from policysim.catalog import get_catalog
    from policysim.catalog.resources import action_resources

    info = get_catalog().action(action)
    if info is None:
        return ("?", action.lower().partition(":")[0])
    listed = action_resources(info)
    parts: list[str] = [str(listed.complete)]
    for name, formats in listed.types:
        parts.append(name)
        parts += formats
    lower = action.lower()
    parts.append(str(lower in _trust()))
    return tuple(parts)


def _trust() -> frozenset[str]:
    from policysim.engine.evaluate import TRUST_ACTIONS

    return TRUST_ACTIONS


def policies_json(policy_set: Any) -> dict[str, Any]:
    """The batch-case policy fields of a `PolicySet` (docs/cases.md)."""
    out: dict[str, Any] = {"identity_policies": [p.policy.to_json() for p in policy_set.identity]}
    if policy_set.resource is not None:
        out["resource_policy"] = policy_set.resource.policy.to_json()
    if policy_set.boundary is not None:
        out["permission_boundaries"] = [p.policy.to_json() for p in policy_set.boundary]
    if policy_set.scps is not None:
        out["scps"] = [[p.policy.to_json() for p in level] for level in policy_set.scps]
    if policy_set.rcps is not None:
        out["rcps"] = [[p.policy.to_json() for p in level] for level in policy_set.rcps]
    if policy_set.session is not None:
        out["session_policy"] = policy_set.session.policy.to_json()
    return out
