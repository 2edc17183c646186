"""Shortest paths to the goal: one reverse search from the goal over the graph.

Distances start at the goal: 0 for principals already there, 1 for a principal that can change
itself into it (or use a named combination), and `k + 1` for a principal that can change
another principal P into it and reach P in `k` steps of becoming other principals (it keeps its
own credentials while it walks, so it can change P first and then walk). From there, one
Dijkstra pass over the reversed "can become" edges gives every principal its distance; all
edges cost one hop. Principals that share a stack share their edges, so each group of sources
is expanded once.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from policysim.paths.decide import NO_CHANGE, Check
from policysim.paths.edges import Edge, Graph, Modification, Sources
from policysim.paths.goal import Goal
from policysim.paths.method import Method, MethodSet

INFINITY = 1 << 30
Offer = Callable[[int, int, "Reach"], None]


@dataclass(frozen=True, slots=True)
class Hop:
    """One step of a path."""

    source: str
    to: str
    method: Method
    checks: tuple[Check, ...]
    annotations: tuple[str, ...] = ()
    by: str | None = None
    """For the last hop of a path that changed another principal: who changed it."""
    changed: str | None = None
    """What was changed (the role, user, group or policy the method acted on)."""


@dataclass(slots=True)
class Reach:
    """How a principal reaches the goal: the first step of its shortest path."""

    kind: str
    """`goal` (already there), `edge` (become `edge.target`), `self` (change itself),
    `combo` (a named combination), `walk` (change another principal, then walk to it)."""
    evidence: Check | None = None
    edge: Edge | None = None
    modification: Modification | None = None
    combo: Method | None = None
    changed: int | None = None
    walk: WalkSearch | None = None


@dataclass(slots=True)
class WalkSearch:
    """Distances to a set of principals over "can become" edges, with the next edge."""

    distance: dict[int, int] = field(default_factory=dict)
    next_edge: dict[int, Edge] = field(default_factory=dict)


def _walk_search(graph: Graph, targets: frozenset[int], max_hops: int) -> WalkSearch:
    found = WalkSearch({t: 0 for t in targets})
    queue = deque(targets)
    expanded: set[int] = set()
    while queue:
        node = queue.popleft()
        depth = found.distance[node]
        if depth >= max_hops:
            continue
        for edge in graph.into.get(node, ()):
            if id(edge.sources) in expanded:
                continue
            expanded.add(id(edge.sources))
            for source in edge.sources.members:
                if source not in found.distance:
                    found.distance[source] = depth + 1
                    found.next_edge[source] = edge
                    queue.append(source)
    return found


@dataclass(slots=True)
class Search:
    """Distances and first steps of every principal."""

    graph: Graph
    goal: Goal
    distance: list[int]
    reach: list[Reach | None]

    def path(self, source: int) -> list[Hop]:
        """The shortest path of `source`, hop by hop (empty when it is at the goal)."""
        nodes = self.graph.principals.nodes
        label = self.goal.label
        hops: list[Hop] = []
        current = source
        for _ in range(len(nodes) + 1):
            reach = self.reach[current]
            assert reach is not None
            if reach.kind == "goal":
                return hops
            if reach.kind == "edge":
                assert reach.edge is not None
                hops.append(_edge_hop(self.graph, current, reach.edge))
                current = reach.edge.target
                continue
            modification = reach.modification
            assert modification is not None and reach.changed is not None
            checks, evidence, thing = modification.targets[reach.changed]
            if reach.kind == "self":
                hops.append(
                    _change_hop(
                        nodes[current].arn, label, modification.method, checks, evidence, thing
                    )
                )
                return hops
            if reach.kind == "combo":
                assert reach.edge is not None and reach.combo is not None
                hops.append(
                    _change_hop(
                        nodes[current].arn,
                        label,
                        modification.method,
                        checks,
                        evidence,
                        thing,
                        via=reach.combo,
                        edge=reach.edge,
                    )
                )
                return hops
            assert reach.walk is not None
            walker = nodes[current].arn
            while current != reach.changed:
                edge = reach.walk.next_edge[current]
                hops.append(_edge_hop(self.graph, current, edge))
                current = edge.target
            hops.append(
                _change_hop(
                    nodes[current].arn,
                    label,
                    modification.method,
                    checks,
                    evidence,
                    thing,
                    by=walker,
                )
            )
            return hops
        raise AssertionError("path longer than the graph")  # pragma: no cover


def _change_hop(
    source: str,
    label: str,
    method: Method,
    checks: tuple[Check, ...],
    evidence: Check,
    changed: str,
    *,
    via: Method | None = None,
    edge: Edge | None = None,
    by: str | None = None,
) -> Hop:
    """The last hop of a path that rewrites a policy, trust or boundary: its checks are the
    rewrite's own, then (for a combination, `via`) the edge's, then the goal's evidence; its
    notes are the checks' annotations, the method's, then the edge's, each once."""
    notes = [n for c in checks for n in c.annotations]
    if method.annotation:
        notes.append(method.annotation)
    edge_checks: tuple[Check, ...] = ()
    if edge is not None:
        edge_checks = edge.checks
        notes.extend(edge.annotations)
    return Hop(
        source,
        label,
        via or method,
        (*checks, *edge_checks, evidence),
        tuple(dict.fromkeys(notes)),
        by=by,
        changed=changed,
    )


def _edge_hop(graph: Graph, source: int, edge: Edge) -> Hop:
    nodes = graph.principals.nodes
    return Hop(
        nodes[source].arn, nodes[edge.target].arn, edge.method, edge.checks, edge.annotations
    )


def search(graph: Graph, goal: Goal, methods: MethodSet, max_hops: int | None = None) -> Search:
    """Every principal's distance to the goal (up to `max_hops`) and its first step."""
    nodes = graph.principals.nodes
    limit = max_hops if max_hops is not None else len(nodes) + 1
    distance = [INFINITY] * len(nodes)
    reach: list[Reach | None] = [None] * len(nodes)
    heap: list[tuple[int, int]] = []

    def offer(node: int, cost: int, how: Reach) -> None:
        if cost < distance[node] and cost <= limit:
            distance[node] = cost
            reach[node] = how
            heapq.heappush(heap, (cost, node))

    for principal in nodes:
        evidence = goal.reached(principal, NO_CHANGE)
        if evidence is not None:
            offer(principal.index, 0, Reach("goal", evidence))
    for modification in graph.modifications:
        for member in modification.sources.members:
            if member in modification.targets:
                offer(member, 1, Reach("self", modification=modification, changed=member))
    if limit >= 1:
        _offer_combos(graph, methods, distance, offer)
    if limit >= 3:
        _offer_walks(graph, distance, limit, offer)
    expanded: set[int] = set()
    while heap:
        cost, node = heapq.heappop(heap)
        if cost > distance[node] or cost >= limit:
            continue
        for edge in graph.into.get(node, ()):
            if id(edge.sources) in expanded:
                continue
            expanded.add(id(edge.sources))
            for source in edge.sources.members:
                offer(source, cost + 1, Reach("edge", edge=edge))
    return Search(graph, goal, distance, reach)


def _offer_combos(graph: Graph, methods: MethodSet, distance: list[int], offer: Offer) -> None:
    """A named combination (change P, then become P by one edge) is one hop."""
    combos = methods.combos()
    by_modify = {modify for modify, _ in combos}
    for modification in graph.modifications:
        if modification.method.id not in by_modify:
            continue
        targets = modification.targets
        others = {m for m in modification.sources.members if distance[m] > 1}
        for sources in _covering(graph, others):
            for edge in graph.out.get(id(sources), ()):
                named = combos.get((modification.method.id, edge.method.id))
                if named is None or edge.target not in targets:
                    continue
                how = Reach(
                    "combo",
                    modification=modification,
                    edge=edge,
                    combo=named,
                    changed=edge.target,
                )
                for member in sources.members:
                    if member in others and member != edge.target:
                        offer(member, 1, how)
                break


def _covering(graph: Graph, nodes: set[int]) -> list[Sources]:
    """Every group of sources that holds one of `nodes`."""
    seen: dict[int, Sources] = {}
    for node in nodes:
        for sources in graph.node_sources.get(node, ()):
            seen.setdefault(id(sources), sources)
    return list(seen.values())


def _offer_walks(graph: Graph, distance: list[int], limit: int, offer: Offer) -> None:
    """Change P, then walk to P over `k` edges: `k + 1` hops (only when it can beat 2)."""
    walks: dict[frozenset[int], WalkSearch] = {}
    for modification in graph.modifications:
        targets = modification.targets
        others = {m for m in modification.sources.members if m not in targets and distance[m] > 2}
        if not others:
            continue
        key = frozenset(targets)
        walk = walks.get(key)
        if walk is None:
            walk = _walk_search(graph, key, limit - 1)
            walks[key] = walk
        for member in others:
            steps = walk.distance.get(member)
            if steps is None:
                continue
            changed = _walk_end(walk, member, key)
            offer(
                member,
                steps + 1,
                Reach("walk", modification=modification, changed=changed, walk=walk),
            )


def _walk_end(walk: WalkSearch, start: int, targets: frozenset[int]) -> int:
    current = start
    while current not in targets:
        current = walk.next_edge[current].target
    return current
