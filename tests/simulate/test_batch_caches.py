"""Caching in the batch path never changes an answer.

Every conformance case is answered once with nothing cached (documents parsed and compiled
afresh, through caches of their own), and again through the batch path, in a shuffled stream
where each case comes several times, so that later copies take every cache (documents,
compiled statements, groups and their per-action lists). The JSON of every answer must be
identical.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from policysim.engine.compiled import CompileCache, NamedPolicy, PolicySet, compile_policy_set
from policysim.engine.evaluate import evaluate
from policysim.policy.build import policy_from_data
from policysim.simulate.cases import CaseOutcome, outcome_line, parse_case, simulate_lines

DATA = Path(__file__).resolve().parents[1] / "data" / "conformance"


def conformance_lines() -> list[str]:
    lines: list[str] = []
    for path in sorted(DATA.glob("*.jsonl")):
        lines.extend(t for t in path.read_text(encoding="utf-8").splitlines() if t.strip())
    return lines


def fresh_answer(data: dict[str, Any]) -> dict[str, Any]:
    """The case answered with new objects throughout: nothing can come from a cache."""
    case = parse_case(data)

    def anew(named: NamedPolicy) -> NamedPolicy:
        return NamedPolicy(policy_from_data(named.policy.to_json()), named.name)

    def levels(spec: list[list[NamedPolicy]] | None) -> list[list[NamedPolicy]] | None:
        return None if spec is None else [[anew(p) for p in level] for level in spec]

    p = case.policies
    policies = PolicySet(
        identity=[anew(x) for x in p.identity],
        resource=anew(p.resource) if p.resource else None,
        boundary=[anew(x) for x in p.boundary] if p.boundary is not None else None,
        scps=levels(p.scps),
        rcps=levels(p.rcps),
        session=anew(p.session) if p.session else None,
    )
    result = evaluate(compile_policy_set(policies, cache=CompileCache(limit=64)), case.request)
    outcome = CaseOutcome(case.id, 1, case.expected, result)
    outcome.warnings = case.warnings
    return outcome.to_json()


def test_cached_answers_equal_fresh_ones() -> None:
    lines = conformance_lines()
    expected = {json.loads(t)["id"]: fresh_answer(json.loads(t)) for t in lines}
    stream = lines * 3
    random.Random(7).shuffle(stream)
    seen: dict[str, int] = {}

    def check(outcome: CaseOutcome) -> None:
        assert outcome.to_json() == expected[outcome.id], outcome.id
        seen[outcome.id] = seen.get(outcome.id, 0) + 1

    simulate_lines(stream, file="<test>", on_outcome=check, keep=False)
    assert len(seen) == len(expected) and set(seen.values()) == {3}


def test_keep_false_streams_without_keeping() -> None:
    lines = conformance_lines()[:50]
    received: list[CaseOutcome] = []
    kept = simulate_lines(lines, file="<test>", on_outcome=received.append, keep=False)
    assert kept == []
    assert [o.id for o in received] == [json.loads(t)["id"] for t in lines]
    again = simulate_lines(lines, file="<test>")
    assert [o.to_json() for o in again] == [o.to_json() for o in received]


def test_outcome_line_is_compact_json() -> None:
    outcome = simulate_lines(conformance_lines()[:1], file="<test>")[0]
    line = outcome_line(outcome)
    assert line.endswith("\n") and "\n" not in line[:-1]
    assert line == json.dumps(outcome.to_json(), separators=(",", ":")) + "\n"
