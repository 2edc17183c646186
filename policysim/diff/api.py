"""The public entry points: diff two policy sets or two documents, verify "not granted"."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from policysim.diff.principals import (
    DEFAULT_ACCOUNT,
    candidates,
    document_callers,
    fresh_account,
)
from policysim.diff.prove import Answer, Hit, Prover, Question, policies_json
from policysim.diff.region import describe_region, statement_refs
from policysim.diff.relax import bounds
from policysim.diff.report import DiffReport, Direction, Finding, Limits, Outcome
from policysim.diff.values import Literal
from policysim.engine.compiled import NamedPolicy, PolicySet, compile_policy_set
from policysim.engine.evaluate import TRUST_ACTIONS
from policysim.engine.options import DEFAULT_OPTIONS, EvaluationOptions
from policysim.engine.request import RequestPrincipal
from policysim.policy.model import Policy

POLICY_TYPES = ("identity", "resource", "trust", "scp", "rcp", "boundary")

ALLOW_ALL = Policy.model_validate(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)
"""The permissive other side when one guardrail or resource policy is what is compared."""


def _principals(
    old: PolicySet, new: PolicySet, principal: RequestPrincipal | None, resource_account: str
) -> list[RequestPrincipal]:
    if principal is not None:
        return [principal]
    if old.resource is None and new.resource is None:
        return [RequestPrincipal.parse(f"arn:aws:iam::{resource_account}:user/alice")]
    return candidates([old, new], resource_account)


def _answer(question: Question) -> Answer:
    return Prover(question).run()


def diff_policy_sets(
    old: PolicySet,
    new: PolicySet,
    *,
    principal: RequestPrincipal | None = None,
    resource_account: str | None = None,
    both: bool = False,
    limits: Limits | None = None,
    options: EvaluationOptions = DEFAULT_OPTIONS,
    principals: Sequence[RequestPrincipal] | None = None,
) -> DiffReport:
    """Is there a request NEW allows and OLD does not (and, with `both`, the reverse)?

    Without `principal`, callers are drawn from the Principal elements of the sets'
    resource policies (or a user of the resource's account when there are none).
    `principals` overrides the list entirely.
    """
    limits = limits or Limits()
    account = resource_account or (principal.account if principal else None) or DEFAULT_ACCOUNT
    callers = (
        list(principals) if principals is not None else _principals(old, new, principal, account)
    )
    compiled_old = compile_policy_set(old, options)
    compiled_new = compile_policy_set(new, options)
    runs = [(Direction.GAINED, compiled_old, compiled_new, new)]
    if both:
        runs.append((Direction.LOST, compiled_new, compiled_old, old))
    parts: list[tuple[Direction, Answer, PolicySet]] = []
    for direction, before, after, allowing in runs:
        question = Question(before, after, callers, account, limits, direction)
        parts.append((direction, _answer(question), allowing))
    return build_report(parts, limits)


def build_report(
    parts: Sequence[tuple[Direction, Answer, PolicySet]], limits: Limits
) -> DiffReport:
    """Findings grouped by the statements that grant them; the outcome from all parts."""
    unknown: list[str] = []
    grouped: dict[tuple[Any, ...], list[Any]] = {}
    for direction, answer, allowing in parts:
        unknown += answer.unknown
        cases = policies_json(allowing)
        for hit in answer.hits:
            refs = statement_refs(hit.new_result)
            key = (direction, refs, hit.unlisted)
            entry = grouped.get(key)
            if entry is None:
                grouped[key] = [direction, hit, cases, len(hit.members)]
            else:
                entry[3] += len(hit.members)
    findings = [
        _finding(direction, hit, cases, count) for direction, hit, cases, count in grouped.values()
    ]
    shown = findings[: limits.max_findings]
    if findings:
        return DiffReport(Outcome.FAIL, tuple(shown), tuple(unknown), len(findings) - len(shown))
    if unknown:
        return DiffReport(Outcome.UNKNOWN, (), tuple(dict.fromkeys(unknown)))
    return DiffReport(Outcome.PASS)


def _finding(direction: Direction, hit: Hit, cases: dict[str, Any], count: int) -> Finding:
    refs = statement_refs(hit.new_result)
    actions, resources, conditions = describe_region(hit)
    return Finding(
        direction=direction,
        request=hit.request,
        statements=refs,
        actions=actions,
        action_count=count,
        resources=resources,
        conditions=conditions,
        policies=cases,
        shown_context=hit.shown_context,
        unlisted=hit.unlisted,
    )


def _named(policy: Policy, name: str) -> NamedPolicy:
    return NamedPolicy(policy, name)


def document_sets(
    old: Policy, new: Policy, policy_type: str
) -> list[tuple[PolicySet, PolicySet, list[RequestPrincipal] | None]]:
    """The policy sets that compare two documents of one type, with their callers.

    identity: the document is the caller's identity policy. scp/rcp/boundary: the guardrail
    over an allow-all identity policy. resource: callers of the resource's own account get no
    identity policy (only the resource policy grants them), callers of other accounts an
    allow-all one (their account allows; the resource policy decides). trust: the role's
    trust policy with allow-all identity policies, for the sts:AssumeRole* actions.
    """
    if policy_type not in POLICY_TYPES:
        raise ValueError(
            f"unknown policy type {policy_type!r}; use one of {', '.join(POLICY_TYPES)}"
        )
    allow = _named(ALLOW_ALL, "allow-all")
    o, n = _named(old, "old"), _named(new, "new")
    if policy_type == "identity":
        return [(PolicySet(identity=[o]), PolicySet(identity=[n]), None)]
    if policy_type == "boundary":
        return [
            (
                PolicySet(identity=[allow], boundary=[o]),
                PolicySet(identity=[allow], boundary=[n]),
                None,
            )
        ]
    if policy_type == "scp":
        return [
            (PolicySet(identity=[allow], scps=[[o]]), PolicySet(identity=[allow], scps=[[n]]), None)
        ]
    if policy_type == "rcp":
        return [
            (PolicySet(identity=[allow], rcps=[[o]]), PolicySet(identity=[allow], rcps=[[n]]), None)
        ]
    old_rp, new_rp = PolicySet(resource=o), PolicySet(resource=n)
    every = candidates([old_rp, new_rp], DEFAULT_ACCOUNT)
    own = [p for p in every if p.account in (None, DEFAULT_ACCOUNT)]
    others = [p for p in every if p.account not in (None, DEFAULT_ACCOUNT)]
    if policy_type == "trust":
        return [
            (
                PolicySet(identity=[allow], resource=o),
                PolicySet(identity=[allow], resource=n),
                every,
            )
        ]
    return [
        (old_rp, new_rp, own),
        (PolicySet(identity=[allow], resource=o), PolicySet(identity=[allow], resource=n), others),
    ]


TRUST_ROLE = f"arn:aws:iam::{DEFAULT_ACCOUNT}:role/trusted-role"


def diff_documents(
    old: Policy,
    new: Policy,
    policy_type: str,
    *,
    both: bool = False,
    limits: Limits | None = None,
) -> DiffReport:
    """Diff two policy documents of one type (identity|resource|trust|scp|rcp|boundary)."""
    limits = limits or Limits()
    parts: list[tuple[Direction, Answer, PolicySet]] = []
    for old_set, new_set, callers in document_sets(old, new, policy_type):
        parts += _directions(old_set, new_set, callers, policy_type, both, limits)
    return build_report(parts, limits)


def _directions(
    old_set: PolicySet,
    new_set: PolicySet,
    callers: list[RequestPrincipal] | None,
    policy_type: str,
    both: bool,
    limits: Limits,
    *,
    only: frozenset[str] | None = None,
    only_patterns: tuple[str, ...] | None = None,
    resources: tuple[str, ...] | None = None,
    extra: dict[str, list[Literal]] | None = None,
) -> list[tuple[Direction, Answer, PolicySet]]:
    compiled_old = compile_policy_set(old_set)
    compiled_new = compile_policy_set(new_set)
    old_json, new_json = policies_json(old_set), policies_json(new_set)
    # the same documents on both sides: no caller gains anything, whoever it is
    every_caller = old_json != new_json
    groups: dict[str, list[RequestPrincipal]] = {DEFAULT_ACCOUNT: list(callers or [])}
    if callers is None:
        # an identity document or guardrail: each caller in its own account (the requests'
        # resources there too, so that no cross-account rule decides instead of the document)
        texts = [json.dumps(old_json), json.dumps(new_json)]
        groups = {}
        for caller in document_callers(texts):
            groups.setdefault(caller.account or DEFAULT_ACCOUNT, []).append(caller)
    if policy_type == "trust":
        only = TRUST_ACTIONS if only is None else only & TRUST_ACTIONS
        only_patterns = None  # a trust policy decides the trust actions only
        resources = (TRUST_ROLE,)
    out = []
    runs = [(Direction.GAINED, compiled_old, compiled_new, old_set, new_set)]
    if both:
        runs.append((Direction.LOST, compiled_new, compiled_old, new_set, old_set))
    for direction, before, after, before_set, after_set in runs:
        allowing = after_set
        answer = Answer()
        for account, group in groups.items():
            question = Question(
                before,
                after,
                group,
                account,
                limits,
                direction,
                only_actions=only,
                only_patterns=only_patterns,
                resources=resources,
                extra=extra or {},
                every_caller=every_caller,
            )
            part = _answer(question)
            answer.hits += part.hits
            answer.unknown += part.unknown
            answer.caller_unproved += part.caller_unproved
        if (
            answer.caller_unproved
            and not answer.hits
            and _proved_for_every_caller(question, groups, before_set, after_set, policy_type)
        ):
            answer.unknown = [u for u in answer.unknown if u not in answer.caller_unproved]
        out.append((direction, answer, allowing))
    return out


def _compared(policy_set: PolicySet) -> Policy | None:
    """The document a document diff compares (named old or new) in one of its sets."""
    named = [*policy_set.identity, *(policy_set.boundary or [])]
    named += [n for level in (policy_set.scps or []) + (policy_set.rcps or []) for n in level]
    if policy_set.resource is not None:
        named.append(policy_set.resource)
    return next((n.policy for n in named if n.name in ("old", "new")), None)


def _with_compared(policy_set: PolicySet, policy: Policy) -> PolicySet:
    """The set with its compared document replaced by `policy` (same name)."""

    def one(named: NamedPolicy) -> NamedPolicy:
        return NamedPolicy(policy, named.name) if named.name in ("old", "new") else named

    def levels(items: list[list[NamedPolicy]] | None) -> list[list[NamedPolicy]] | None:
        return None if items is None else [[one(n) for n in level] for level in items]

    return dataclasses.replace(
        policy_set,
        identity=[one(n) for n in policy_set.identity],
        resource=None if policy_set.resource is None else one(policy_set.resource),
        boundary=None if policy_set.boundary is None else [one(n) for n in policy_set.boundary],
        scps=levels(policy_set.scps),
        rcps=levels(policy_set.rcps),
    )


def _proved_for_every_caller(
    question: Question,
    groups: dict[str, list[RequestPrincipal]],
    before_set: PolicySet,
    after_set: PolicySet,
    policy_type: str,
) -> bool:
    """No new access for any caller, by comparisons without policy variables (`relax.bounds`):
    each must find nothing and leave nothing undecided."""
    before, after = _compared(before_set), _compared(after_set)
    if before is None or after is None:
        return False
    principal = policy_type in ("resource", "trust")
    for old_bound, new_bound in bounds(before, after, principal=principal):
        old_set = compile_policy_set(_with_compared(before_set, old_bound))
        new_set = compile_policy_set(_with_compared(after_set, new_bound))
        for account, group in groups.items():
            part = _answer(
                dataclasses.replace(
                    question, old=old_set, new=new_set, principals=group, resource_account=account
                )
            )
            if part.hits or part.unknown:
                return False
    return True


EMPTY_POLICY = Policy.model_validate({"Version": "2012-10-17", "Statement": []})


def verify_not_granted(
    policy: Policy,
    policy_type: str,
    actions: Sequence[str],
    resources: Sequence[str] = ("*",),
    *,
    limits: Limits | None = None,
) -> DiffReport:
    """FAIL when the policy allows any of the actions (patterns allowed) on any of the
    resources (ARN patterns), with a request as proof; PASS when it allows none.

    Every action must name or match a catalog action (`ValueError` otherwise, with a
    suggestion: a misspelt name would otherwise be proved "not granted"). Actions a pattern
    matches that the catalog does not list yet are asked about as well.
    """
    from policysim.catalog import get_catalog
    from policysim.catalog.names import action_problem

    limits = limits or Limits()
    catalog = get_catalog()
    wanted: set[str] = set()
    for pattern in actions:
        problem = action_problem(pattern)
        if problem is not None:
            raise ValueError(problem)
        wanted |= {i.full_name.lower() for i in catalog.expand(pattern)}
    allowed_resources = None if "*" in resources else tuple(resources)
    parts: list[tuple[Direction, Answer, PolicySet]] = []
    for old_set, new_set, callers in document_sets(EMPTY_POLICY, policy, policy_type):
        parts += _directions(
            old_set,
            new_set,
            callers,
            policy_type,
            False,
            limits,
            only=frozenset(wanted),
            only_patterns=tuple(actions),
            resources=allowed_resources,
        )
    return build_report(parts, limits)


__all__ = [
    "ALLOW_ALL",
    "POLICY_TYPES",
    "diff_documents",
    "diff_policy_sets",
    "document_sets",
    "fresh_account",
    "verify_not_granted",
]
