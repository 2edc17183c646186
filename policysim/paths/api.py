"""`find_paths`: the one call the CLI, the benchmark and scripts make."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from policysim.account.errors import AccountError
from policysim.account.model import Snapshot
from policysim.account.resolve import Resolver
from policysim.account.workspace import aws_managed
from policysim.gcpause import paused_gc
from policysim.paths.decide import Decider
from policysim.paths.edges import Builder
from policysim.paths.goal import ADMIN, AdminGoal, Goal, PermissionGoal
from policysim.paths.method import MethodSet, shipped_methods
from policysim.paths.nodes import Principals, collect
from policysim.paths.report import FoundPath, PathsReport
from policysim.paths.search import INFINITY, search

Target = str | tuple[str, str]
"""`"admin"`, or `(ACTION, RESOURCE)` for a permission."""


def _resolver(workspace: Resolver | Snapshot | str | os.PathLike[str]) -> Resolver:
    if isinstance(workspace, Resolver):
        return workspace
    if isinstance(workspace, Snapshot):
        return Resolver(workspace, managed_lookup=aws_managed)
    from policysim.account.workspace import open_resolver

    return open_resolver(Path(workspace))


def _goal(decider: Decider, target: Target, context: Mapping[str, str] | None) -> Goal:
    if target == ADMIN:
        return AdminGoal(decider)
    if isinstance(target, str):
        raise AccountError(f"target must be 'admin' or (ACTION, RESOURCE), got {target!r}")
    action, resource = target
    from policysim.catalog import get_catalog

    catalog = get_catalog()
    info = catalog.action(action)
    if info is None:
        suggestions = catalog.suggest_actions(action)
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        raise AccountError(f"unknown action {action!r}{hint}")
    return PermissionGoal(decider, info.full_name, resource, dict(context or {}))


def _sources(principals: Principals, sources: Iterable[str] | None) -> list[int]:
    if sources is None:
        return [n.index for n in principals.nodes]
    out: list[int] = []
    for arn in sources:
        node = principals.node_for(arn)
        if node is None:
            target = principals.resolver.find("arn", arn)  # raises with suggestions
            if target.kind not in ("user", "role"):
                raise AccountError(f"{arn!r} is a {target.kind}: paths start at a user or role")
            node = principals.node_for(target.entity.arn if target.entity else arn)
            if node is None:  # pragma: no cover - find() only returns known principals
                raise AccountError(f"no user or role {arn!r}")
        out.append(node.index)
    return list(dict.fromkeys(out))


def find_paths(
    workspace: Resolver | Snapshot | str | os.PathLike[str],
    target: Target = ADMIN,
    sources: Iterable[str] | None = None,
    max_hops: int | None = None,
    *,
    context: Mapping[str, str] | None = None,
    methods: MethodSet | None = None,
) -> PathsReport:
    """Every source's shortest path to `target` ("admin", or (ACTION, RESOURCE)).

    `workspace` is a resolver, a loaded snapshot, or an account file; `sources` are user or role
    ARNs (default: every user and role); `max_hops` bounds the path length; `context` gives
    keys a permission target's request carries. Raises `AccountError` (a `PolicyError`) for an
    unknown source, target action or account file problem."""
    started = time.perf_counter()
    resolver = _resolver(workspace)
    if max_hops is not None and max_hops < 0:
        raise AccountError(f"max_hops must be at least 0, got {max_hops}")
    with paused_gc():
        principals = collect(resolver)
        chosen = _sources(principals, sources)
        decider = Decider(resolver)
        goal = _goal(decider, target, context)
        method_set = methods if methods is not None else shipped_methods()
        graph = Builder(principals, decider, method_set, goal).build()
        built = time.perf_counter()
        found = search(graph, goal, method_set, max_hops)
        report = PathsReport(
            goal.label,
            action=None if target == ADMIN else goal_action(goal),
            principals=len(principals.nodes),
        )
        for index in chosen:
            node = principals.nodes[index]
            distance = found.distance[index]
            if distance >= INFINITY:
                continue
            reach = found.reach[index]
            if distance == 0 and reach is not None and reach.evidence is not None:
                report.reached[node.arn] = reach.evidence
                continue
            report.paths.append(FoundPath(node.arn, goal.label, found.path(index)))
    report.paths.sort(key=lambda p: (len(p.hops), p.source))
    report.stats = {
        "seconds": time.perf_counter() - started,
        "build_seconds": built - started,
        "engine_calls": decider.engine_calls,
        "stacks": len(principals.stacks),
        "edges": len(graph.edges),
        "modifications": len(graph.modifications),
    }
    return report


def goal_action(goal: Goal) -> str | None:
    """The action of a permission goal."""
    return goal.action if isinstance(goal, PermissionGoal) else None
