"""Two account files as comparison units: every principal's whole stack, every resource policy.

A principal's stack is what decides its requests (`policysim check` builds the same): its own
and its groups' identity policies, its permissions boundary, the SCPs along its account's
organization path and the RCPs of its account. Stacks are paired by the principal's ARN and
compared by content fingerprints first, so that only principals whose stack changed reach the
prover; principals with the same pair of stacks share one unit unless a document depends on who
the caller is (policy variables, principal condition keys). Resource policies and role trust
policies are paired by ARN, with their account's RCPs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from policysim.account.errors import AccountError
from policysim.account.model import Account, Resource, Snapshot
from policysim.account.resolve import Resolver, _request_principal
from policysim.diff.principals import CALLER_DEPENDENT
from policysim.diff.units import (
    EMPTY_POLICY,
    ComparisonUnit,
    Fingerprints,
    Sources,
    Status,
    same_policy,
)
from policysim.engine.compiled import NamedPolicy, PolicySet
from policysim.engine.request import RequestPrincipal
from policysim.policy.errors import PolicyError
from policysim.policy.model import Policy

__all__ = ["pair_accounts"]


@dataclass(slots=True)
class _Stack:
    """One principal's policies, and what identifies them."""

    label: str
    principal: RequestPrincipal
    account: str
    policies: PolicySet
    key: tuple[object, ...]


_DEPENDENT = CALLER_DEPENDENT
"""Principals whose stacks hold such text are never merged into one unit."""


def _account_resolver(snapshot: Snapshot) -> Resolver:
    """A resolver that finds AWS managed policies offline, as `check` does."""
    from policysim.account.workspace import aws_managed

    return Resolver(snapshot, managed_lookup=aws_managed)


def _levels_key(
    levels: list[list[NamedPolicy]] | None, prints: Fingerprints
) -> tuple[tuple[str, ...], ...] | None:
    if levels is None:
        return None
    return tuple(tuple(sorted(prints.of(n.policy) for n in level)) for level in levels)


def _principal_stacks(snapshot: Snapshot, file: str, prints: Fingerprints) -> dict[str, _Stack]:
    """Every user and role of the file, by ARN, with its whole policy stack."""
    resolver = _account_resolver(snapshot)
    management = snapshot.organization.management_account if snapshot.organization else None
    stacks: dict[str, _Stack] = {}
    try:
        rcps_of: dict[str, list[list[NamedPolicy]] | None] = {}
        scps_of: dict[str, list[list[NamedPolicy]] | None] = {}
        for target in resolver.principals():
            account = target.account.id
            if account not in scps_of:
                scps_of[account] = resolver.org_levels(account, "scp")
                rcps_of[account] = resolver.org_levels(account, "rcp")
            identity = resolver.identity_policies(target)
            boundary = resolver.boundary(target)
            policies = PolicySet(
                identity=identity,
                boundary=boundary,
                scps=scps_of[account],
                rcps=rcps_of[account],
                management_account=management,
            )
            key = (
                tuple(sorted(prints.of(n.policy) for n in identity)),
                tuple(prints.of(n.policy) for n in boundary) if boundary is not None else None,
                _levels_key(policies.scps, prints),
                _levels_key(policies.rcps, prints),
                management,
            )
            assert target.entity is not None
            arn = target.entity.arn
            stacks[arn] = _Stack(
                f"{target.kind} {target.entity.name} ({account})",
                _request_principal(target),
                account,
                policies,
                key,
            )
    except AccountError as err:
        raise PolicyError(err.message, file=file) from None
    return stacks


def _empty_stack(stack: _Stack) -> _Stack:
    """The same principal with no policy at all (it is new in NEW, or gone from it)."""
    policies = PolicySet(
        scps=stack.policies.scps,
        rcps=stack.policies.rcps,
        management_account=stack.policies.management_account,
    )
    return _Stack(stack.label, stack.principal, stack.account, policies, ())


def _dependent(key: tuple[object, ...], prints: Fingerprints) -> bool:
    texts: list[str] = []
    for part in key:
        if isinstance(part, str):
            texts.append(prints.texts.get(part, ""))
        elif isinstance(part, tuple):
            texts.extend(prints.texts.get(p, "") for p in _flatten(part))
    return any(_DEPENDENT.search(t) for t in texts)


def _flatten(value: object) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from _flatten(item)


def _principal_units(
    old: dict[str, _Stack], new: dict[str, _Stack], prints: Fingerprints
) -> tuple[list[ComparisonUnit], int]:
    """One unit per distinct change of stack; identical stacks cost one key comparison."""
    groups: dict[tuple[object, ...], list[tuple[_Stack, _Stack, Status]]] = {}
    singles: list[tuple[_Stack, _Stack, Status]] = []
    unchanged = 0
    for arn, new_stack in new.items():
        old_stack = old.get(arn)
        status: Status = "changed"
        if old_stack is None:
            old_stack, status = _empty_stack(new_stack), "added"
        elif old_stack.key == new_stack.key:
            unchanged += 1
            continue
        entry = (old_stack, new_stack, status)
        if _dependent(old_stack.key, prints) or _dependent(new_stack.key, prints):
            singles.append(entry)
        else:
            group = (old_stack.key, new_stack.key, new_stack.account, new_stack.principal.kind)
            groups.setdefault(group, []).append(entry)
    for arn, old_stack in old.items():
        if arn not in new:
            singles.append((old_stack, _empty_stack(old_stack), "removed"))
    units = [_stack_unit(*entry) for entry in singles]
    for members in groups.values():
        first = members[0]
        others = tuple(new_stack.label for _, new_stack, _ in members[1:])
        units.append(_stack_unit(*first, also=others))
    return units, unchanged


def _stack_unit(
    old: _Stack, new: _Stack, status: Status, also: tuple[str, ...] = ()
) -> ComparisonUnit:
    return ComparisonUnit(
        name=new.label,
        kind="principal",
        status=status,
        old=old.policies,
        new=new.policies,
        principal=new.principal,
        resource_account=new.account,
        also=also,
    )


@dataclass(slots=True)
class _ResourcePolicy:
    arn: str
    kind: str
    account: Account
    policy: Policy
    entry: Resource | None


def _resource_policies(snapshot: Snapshot) -> dict[str, _ResourcePolicy]:
    """Every resource policy and role trust policy of the file, by ARN."""
    found: dict[str, _ResourcePolicy] = {}
    for account in snapshot.accounts.values():
        for arn, resource in account.resources.items():
            if resource.policy is not None:
                found[arn] = _ResourcePolicy(arn, "resource", account, resource.policy, resource)
        for role in account.roles.values():
            if role.trust_policy is not None:
                found[role.arn] = _ResourcePolicy(
                    role.arn, "trust", account, role.trust_policy, None
                )
    return found


def _resource_set(found: _ResourcePolicy | None, resolver: Resolver) -> PolicySet:
    """The resource side of the engine's inputs: the policy and its account's RCP chain."""
    if found is None:
        return PolicySet(resource=NamedPolicy(EMPTY_POLICY, "(absent)"))
    account = found.account.id
    snapshot = resolver.snapshot
    try:
        rcps = resolver.org_levels(account, "rcp")
    except AccountError as err:
        raise PolicyError(err.message, file=snapshot.source) from None
    return PolicySet(
        resource=NamedPolicy(found.policy, f"{found.kind} policy of {found.arn}"),
        rcps=rcps,
        management_account=(
            snapshot.organization.management_account if snapshot.organization else None
        ),
        restrict_public_buckets=resolver.restricts_public_buckets(found.entry, account),
    )


def _resource_units(
    old: Snapshot, new: Snapshot, prints: Fingerprints
) -> tuple[list[ComparisonUnit], int]:
    """One unit per resource or trust policy that differs (or whose RCPs differ)."""
    old_found, new_found = _resource_policies(old), _resource_policies(new)
    old_resolver, new_resolver = _account_resolver(old), _account_resolver(new)
    units: list[ComparisonUnit] = []
    unchanged = 0
    for arn in [*new_found, *(a for a in old_found if a not in new_found)]:
        before, after = old_found.get(arn), new_found.get(arn)
        old_set, new_set = _resource_set(before, old_resolver), _resource_set(after, new_resolver)
        if (
            before is not None
            and after is not None
            and same_policy(before.policy, after.policy, prints)
            and _levels_key(old_set.rcps, prints) == _levels_key(new_set.rcps, prints)
            and old_set.restrict_public_buckets == new_set.restrict_public_buckets
        ):
            unchanged += 1
            continue
        either = after or before
        assert either is not None
        status: Status = "changed" if before and after else ("added" if after else "removed")
        units.append(
            ComparisonUnit(
                name=f"{either.kind} policy of {arn}",
                kind=either.kind,
                status=status,
                old=old_set,
                new=new_set,
                resource_account=either.account.id,
                old_policy=before.policy if before else None,
                new_policy=after.policy if after else None,
            )
        )
    return units, unchanged


def pair_accounts(old: Snapshot, old_file: str, new: Snapshot, new_file: str) -> Sources:
    """Units for every principal and resource policy whose policies differ."""
    prints = Fingerprints()
    sources = Sources("account")
    for snapshot in (old, new):
        sources.notes.extend(f"{snapshot.source}: {w}" for w in snapshot.warnings)
    principal_units, same_principals = _principal_units(
        _principal_stacks(old, old_file, prints),
        _principal_stacks(new, new_file, prints),
        prints,
    )
    resource_units, same_resources = _resource_units(old, new, prints)
    sources.units = principal_units + resource_units
    sources.unchanged = same_principals + same_resources
    return sources
