"""The answer of `policysim paths`: each source's shortest path, hop by hop, and the cheapest fix.

The cheapest fix is the Allow statement that the most reported paths rely on (it decides a
check of one of their hops): removing it cuts each of those paths as reported. Another, longer
path may remain for some sources; the count says how many reported paths use the statement,
not that all of them disappear.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from policysim.engine.result import MatchedStatement
from policysim.paths.decide import Check
from policysim.paths.search import Hop


def hop_json(hop: Hop) -> dict[str, Any]:
    """One hop as the issue's JSON: from, to, rule, checks, annotations (and a little more)."""
    out: dict[str, Any] = {
        "from": hop.source,
        "to": hop.to,
        "rule": hop.method.id,
        "checks": [c.to_json() for c in hop.checks],
        "annotations": list(hop.annotations),
    }
    if hop.method.link:
        out["link"] = hop.method.link
    if hop.by:
        out["by"] = hop.by
    if hop.changed:
        out["changed"] = hop.changed
    return out


@dataclass(slots=True)
class FoundPath:
    """A source's shortest path to the target."""

    source: str
    target: str
    hops: list[Hop]

    def statements(self) -> list[MatchedStatement]:
        """The Allow statements the path relies on, once each, in hop order."""
        seen: dict[MatchedStatement, None] = {}
        for hop in self.hops:
            for check in hop.checks:
                if check.evidence:
                    continue
                for statement in check.statements:
                    if statement.effect == "Allow":
                        seen.setdefault(statement, None)
        return list(seen)

    def to_json(self) -> dict[str, Any]:
        """`{"source", "target", "hops": [...]}`."""
        return {
            "source": self.source,
            "target": self.target,
            "hops": [hop_json(h) for h in self.hops],
        }


@dataclass(frozen=True, slots=True)
class Fix:
    """The statement whose removal cuts the most reported paths."""

    statement: MatchedStatement
    paths: int
    """How many reported paths use the statement."""
    of: int
    cuts: int | None = None
    """Checked by searching again without it: how many sources then have no path (None: not
    checked)."""

    def describe(self) -> str:
        """`remove ...: it is used by 3 of 4 paths (without it, 2 principals have none)`."""
        text = f"remove {self.statement.describe()}: it is used by {self.paths} of {self.of} paths"
        if self.cuts is not None:
            who = "principal has" if self.cuts == 1 else "principals have"
            text += f"; without it, {self.cuts} of those {who} no path"
        return text

    def to_json(self) -> dict[str, Any]:
        out = self.statement.to_json()
        if self.statement.location:
            out["location"] = self.statement.location
        fix: dict[str, Any] = {"statement": out, "paths": self.paths, "of": self.of}
        if self.cuts is not None:
            fix["cuts"] = self.cuts
        return fix


@dataclass(slots=True)
class PathsReport:
    """Every source's shortest path to the target, and who is already there."""

    target: str
    """`admin`, or the resource ARN of a permission target."""
    action: str | None = None
    """The action of a permission target."""
    paths: list[FoundPath] = field(default_factory=list)
    reached: dict[str, Check] = field(default_factory=dict)
    """Principals already at the target (0 hops), with the evidence."""
    principals: int = 0
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def any(self) -> bool:
        """Whether some source has a path."""
        return bool(self.paths)

    def ranked_statements(self) -> list[tuple[MatchedStatement, int]]:
        """The statements the paths rely on with how many paths use each, the most used first
        (ties: the first by location)."""
        counts: Counter[MatchedStatement] = Counter()
        for path in self.paths:
            counts.update(path.statements())
        return sorted(
            counts.items(),
            key=lambda item: (
                -item[1],
                item[0].location or item[0].policy_name,
                item[0].statement_index,
            ),
        )

    def cheapest_fix(self) -> Fix | None:
        """The statement the most paths rely on (ties: the first by location)."""
        ranked = self.ranked_statements()
        if not ranked:
            return None
        statement, count = ranked[0]
        return Fix(statement, count, len(self.paths))

    def to_json(self, fix: Fix | None = None) -> dict[str, Any]:
        """The issue's JSON, with who is already at the target and the cheapest fix (`fix`
        when given, such as a checked one, else `cheapest_fix()`)."""
        fix = fix if fix is not None else self.cheapest_fix()
        out: dict[str, Any] = {"target": self.target}
        if self.action is not None:
            out["action"] = self.action
        out["paths"] = [p.to_json() for p in self.paths]
        out["already"] = sorted(self.reached)
        out["cheapest_fix"] = fix.to_json() if fix is not None else None
        out["principals_checked"] = self.principals
        return out
