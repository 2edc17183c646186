"""The shortcuts of the PS2xx rules answer what their plain restatements answer.

`_arn_scoped` (PS204) and `_at_levels` (PS223, PS224) join per-entry answers instead of
filtering `statement_actions` of the whole list; they are compared here with that filter on
generated Action lists (odd spellings, wildcards, placeholders, bare `*`) and, when the
managed-policy corpus is at hand, on every Action list it holds."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policysim.catalog import ActionInfo
from policysim.lint.rules import security as sec
from policysim.lint.rules.catalog_rules import statement_actions
from policysim.policy.unknown import unknown

_LEVELS = [
    frozenset({"Permissions management"}),
    frozenset({"Write", "Tagging"}),
]
_ENTRIES = [
    "*",
    "s3:GetObject",
    "S3:getobject",
    "s3:Get*",
    "s3:Get?bject",
    "s3:*Object*",
    "s3:*",
    "iam:PassRole",
    "iam:passrole",
    "iam:*Policy*",
    "iam:Put*",
    "ec2:RunInstances",
    "ec2:Describe*",
    "comprehend:StartPiiEntitiesDetectionJob",
    "comprehend:Start*Job",
    "sagemaker:Create*Job",
    "kms:Decrypt",
    "logs:DescribeLogGroups",
    "s3:ListAllMyBuckets",
    "nosuch:Thing",
    "s3:NoSuchAction",
    "s3:",
    ":GetObject",
    "s3",
    "",
    "s3:Get Object",
    "s3:GetObject:x",
    f"s3:{unknown('Name')}",
    f"{unknown('Service')}:GetObject",
    "s3:${aws:username}",
]


def _plain_scoped(patterns: tuple[str, ...]) -> tuple[ActionInfo, ...]:
    actions, _ = statement_actions(patterns)
    return tuple(a for a in actions if a.resource_types and not sec._generated_job(a))


def _plain_levels(patterns: tuple[str, ...], levels: frozenset[str]) -> tuple[ActionInfo, ...]:
    actions, _ = statement_actions(patterns)
    return tuple(a for a in actions if levels.intersection(a.access_level.split(", ")))


def _check(patterns: tuple[str, ...]) -> None:
    assert sec._arn_scoped.__wrapped__(patterns) == _plain_scoped(patterns), patterns
    for levels in _LEVELS:
        assert sec._at_levels.__wrapped__(patterns, levels) == _plain_levels(patterns, levels)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_ENTRIES), min_size=1, max_size=6))
def test_joined_entry_answers_equal_the_filtered_expansion(entries: list[str]) -> None:
    _check(tuple(entries))


def test_memo_cleared_when_full_keeps_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """A nearly full memo is cleared before a list's entries are filled, never during."""
    memo = {f"x:{n}": () for n in range(65530)}
    monkeypatch.setattr(sec, "_ARN_SCOPED", memo)
    patterns = tuple(_ENTRIES)
    assert sec._arn_scoped.__wrapped__(patterns) == _plain_scoped(patterns)
    assert len(memo) <= len(patterns)


def _corpus() -> Path | None:
    for parent in Path(__file__).resolve().parents:
        found = parent / "shared" / "corpus" / "aws-managed"
        if found.is_dir():
            return found
    return None


def _action_lists(corpus: Path) -> Iterator[tuple[str, ...]]:
    for path in sorted(corpus.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        statements = document.get("Statement") if isinstance(document, dict) else None
        if isinstance(statements, dict):
            statements = [statements]
        for statement in statements if isinstance(statements, list) else []:
            actions = statement.get("Action") if isinstance(statement, dict) else None
            if isinstance(actions, str):
                actions = [actions]
            if isinstance(actions, list) and all(isinstance(a, str) for a in actions):
                yield tuple(actions)


@pytest.mark.skipif(_corpus() is None, reason="../shared/corpus/aws-managed is absent")
def test_managed_corpus_lists() -> None:
    corpus = _corpus()
    assert corpus is not None
    for patterns in dict.fromkeys(_action_lists(corpus)):
        _check(patterns)
