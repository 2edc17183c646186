"""The cheapest fix, checked: remove a statement, search again, count the sources that lost
their path.

`PathsReport.cheapest_fix` names the statement the most reported paths rely on; another
statement may grant the same, so a path can survive its removal (as another path). Here the
few statements that the most paths use are each taken out of their policy in turn, the search
runs again from the sources that had a path, and the statement whose removal leaves the most of
them with no path at all wins. The document is changed in place for the length of one search
and always restored.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from policysim.account.model import Principal, Snapshot
from policysim.account.resolve import Resolver
from policysim.engine.result import MatchedStatement
from policysim.paths.api import Target, find_paths
from policysim.paths.nodes import forget_policy
from policysim.paths.report import Fix, PathsReport
from policysim.policy.model import Policy

CANDIDATES = 5
"""Statements tried, the most used first."""


def _documents(snapshot: Snapshot) -> Iterator[Policy]:
    for account in snapshot.accounts.values():
        for principal in (*account.users.values(), *account.groups.values()):
            yield from principal.inline_policies.values()
        for role in account.roles.values():
            yield from role.inline_policies.values()
            if role.trust_policy is not None:
                yield role.trust_policy
        for managed in account.policies.values():
            yield managed.document
        for resource in account.resources.values():
            if resource.policy is not None:
                yield resource.policy
    if snapshot.organization is not None:
        yield from snapshot.organization.policies.values()


def _named(snapshot: Snapshot, name: str) -> list[Policy]:
    """Documents by the name the resolver gives them in explanations."""
    if name.startswith("resource policy of "):
        arn = name.removeprefix("resource policy of ")
        found: list[Policy] = []
        for account in snapshot.accounts.values():
            found += [
                r.trust_policy for r in account.roles.values() if r.arn == arn and r.trust_policy
            ]
            entry = account.resources.get(arn)
            if entry is not None and entry.policy is not None:
                found.append(entry.policy)
        return found
    words = name.split(" ", 3)
    if len(words) == 4 and words[0] in ("user", "group", "role") and words[2] == "inline":
        kind, owner, _, policy = words
        found = []
        for account in snapshot.accounts.values():
            entity: Principal | None = (
                account.users.get(owner)
                if kind == "user"
                else account.groups.get(owner)
                if kind == "group"
                else account.roles.get(owner)
            )
            if entity is not None and policy in entity.inline_policies:
                found.append(entity.inline_policies[policy])
        return found
    managed = name.removeprefix("boundary ")
    return [
        p.document
        for account in snapshot.accounts.values()
        for p in account.policies.values()
        if p.name == managed and not p.aws_managed
    ]


def find_document(snapshot: Snapshot, statement: MatchedStatement) -> Policy | None:
    """The document of the snapshot that holds the statement (None when it is not one of the
    snapshot's own, such as a bundled AWS managed policy, or when several could be)."""
    named = _named(snapshot, statement.policy_name)
    found: list[Policy] = []
    for document in named or _documents(snapshot):
        if document.file != statement.file or statement.statement_index >= len(document.statements):
            continue
        candidate = document.statements[statement.statement_index]
        position = candidate.position
        if statement.line is not None and (
            position is None
            or (position.line, position.column) != (statement.line, statement.column)
        ):
            continue
        if candidate.sid != statement.sid or candidate.effect != statement.effect:
            continue
        if all(existing is not document for existing in found):
            found.append(document)
    return found[0] if len(found) == 1 else None


def _cut(
    resolver: Resolver,
    target: Target,
    sources: list[str],
    max_hops: int | None,
    document: Policy,
    index: int,
) -> int:
    """How many of `sources` have no path once statement `index` leaves `document`."""
    kept = document.statements
    document.statements = kept[:index] + kept[index + 1 :]
    forget_policy(document)
    try:
        fresh = replace(resolver, _named={})
        again = find_paths(fresh, target, sources, max_hops)
    finally:
        document.statements = kept
        forget_policy(document)
    still = {p.source for p in again.paths} | set(again.reached)
    return sum(1 for s in sources if s not in still)


def verified_fix(
    resolver: Resolver,
    report: PathsReport,
    target: Target,
    max_hops: int | None = None,
    candidates: int = CANDIDATES,
) -> Fix | None:
    """The statement, among the `candidates` most used, whose removal leaves the most
    sources of `report` with no path (ties: the most used); None when no path relies on a
    statement of the snapshot's own documents."""
    ranked = report.ranked_statements()
    sources = [p.source for p in report.paths]
    best: Fix | None = None
    tried = 0
    for statement, used in ranked:
        if tried >= candidates:
            break
        document = find_document(resolver.snapshot, statement)
        if document is None:
            continue
        tried += 1
        cut = _cut(resolver, target, sources, max_hops, document, statement.statement_index)
        if best is None or cut > (best.cuts or 0):
            best = Fix(statement, used, len(report.paths), cuts=cut)
    return best
