"""PS503-PS505 test only the entries and statements a cheap necessary condition leaves
(`_WildcardIndex`, `_FirstActionFilter`): they must report exactly what testing every wildcard
entry and every statement reports, case folding outside ASCII included."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policysim.lint.context import StatementView
from policysim.lint.rules import hygiene
from policysim.lint.runner import LintOptions, lint_source
from policysim.policy.source import Node

# Case variants, `?` and `*`, prefixes of one another, and characters that lower-case
# differently in context (capital sigma before `:`), to two characters (dotted capital I)
# or to ASCII (the Kelvin sign).
ACTIONS = [
    "*",
    "s3:*",
    "S3:*",
    "s3:Get*",
    "s3:GetObject",
    "s3:getobject",
    "s3:G?tObject",
    "s3:*Object",
    "s3:Get*Acl",
    "s3*",
    "s*:Get*",
    "ec2:Describe*",
    "ec2:DescribeInstances",
    "A\u03a3:x",
    "A\u03c3:x",
    "A\u03c2:x",
    "A\u03a3:*",
    "A\u03c2:*",
    "a\u03c3:X*",
    "\u0130am:PassRole",
    "i\u0307am:*",
    "\u212ams:Decrypt",
    "kms:*",
    "kms:D*",
    "nocolon",
]
RESOURCES = [
    "*",
    "arn:aws:s3:::*",
    "arn:aws:s3:::b",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::b/x",
    "arn:aws:s3:::b/x/*",
    "arn:aws:s3:::b/?",
    "arn:aws:s3:::B/x",
    "arn:aws:s3:::${aws:username}/*",
    "arn:aws:ec2:*:*:instance/*",
    "arn:aws:ec2:*:*:volume/*",
    "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    "arn:*:ec2:*:*:instance/i-1",
    "arn:aws:ec2:*:*:*",
    "arn:aws:ec2:*:*:instance/*:x",
    "arn:aws:s3:::\u03a3*",
    "arn:aws:s3:::\u03c3",
    "not-an-arn*",
    "not-an-arn",
]


def _report(document: dict[str, Any], rules: set[str]) -> list[tuple[str, str, str]]:
    options = LintOptions(enabled=frozenset(rules))
    found = lint_source(json.dumps(document, indent=1), "p.json", options=options)
    return [(f.rule, f.pointer, f.message) for f in found if f.rule in rules]


class _EveryWildcard:
    """`_WildcardIndex` without its filter: every wildcard entry is a candidate."""

    prefixes = ("",)

    def __init__(self, wildcards: list[tuple[int, str, str]]) -> None:
        self._all = [(j, text) for j, text, _ in wildcards]

    def candidates(self, key: str) -> list[tuple[int, str]]:
        return self._all

    def with_candidates(self, keys: Sequence[str]) -> set[int]:
        return set(range(len(keys)))


def _from_nodes(view: StatementView, key: str, node: Node) -> Sequence[str]:
    """`_strings_of` reading every statement's entries off its nodes, model or not."""
    return _STRINGS_OF(replace(view, model=None), key, node)


_STRINGS_OF = hygiene._strings_of


@contextmanager
def unfiltered() -> Iterator[None]:
    """The rules with the shortcuts off: entries read off the nodes, each entry against every
    wildcard of its list (no remembered pairs), each statement looked up in its group's index
    (`_Candidates.for_narrow`, which test_lint_redundant.py compares with every pair; it folds
    whole texts, so it is not replaced here by every member: that would differ on the sigma
    cases)."""
    with (
        mock.patch.object(hygiene, "_strings_of", _from_nodes),
        mock.patch.object(hygiene, "_may_repeat", lambda texts, fold: True),
        mock.patch.object(hygiene, "_WildcardIndex", _EveryWildcard),
        mock.patch.object(hygiene, "_pair_covered", hygiene._pair_covered.__wrapped__),
        mock.patch.object(hygiene._Candidates, "may_be_covered", lambda self, statement: True),
    ):
        yield


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": draw(st.sampled_from(["Allow", "Deny"]))}
    key = draw(st.sampled_from(["Action", "Action", "Action", "NotAction"]))
    # Now and then a list with an entry that is not a string (the statement has no model).
    others = st.sampled_from([1, None]) if draw(st.integers(0, 9)) == 0 else st.nothing()
    actions = st.one_of(st.sampled_from(ACTIONS), others)
    statement[key] = draw(st.lists(actions, min_size=1, max_size=6))
    resources = st.one_of(st.sampled_from(RESOURCES), others)
    statement["Resource"] = draw(st.lists(resources, min_size=1, max_size=6))
    return statement


@pytest.mark.parametrize(("few", "few_prefixes"), [(hygiene.FEW_WILDCARDS, 16), (0, 0)])
@settings(max_examples=300, deadline=None)
@given(body=st.lists(statements(), min_size=1, max_size=8))
def test_shortcuts_report_what_testing_everything_reports(
    few: int, few_prefixes: int, body: list[dict[str, Any]]
) -> None:
    """With lists short enough to scan and (`few` 0) with every list indexed and its keys
    looked up among the prefixes by bisection."""
    document = {"Version": "2012-10-17", "Statement": body}
    rules = {"PS503", "PS504", "PS505"}
    with (
        mock.patch.object(hygiene, "FEW_WILDCARDS", few),
        mock.patch.object(hygiene, "FEW_PREFIXES", few_prefixes),
    ):
        fast = _report(document, rules)
    with unfiltered():
        reference = _report(document, rules)
    assert fast == reference


def test_reference_is_really_unfiltered() -> None:
    """The patched reference finds covers (so the comparison above compares working rules)."""
    statement = {
        "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:Get*", "S3:*"],
        "Resource": ["arn:aws:ec2:*:*:instance/i-1", "arn:aws:ec2:*:*:instance/*"],
    }
    document = {"Version": "2012-10-17", "Statement": [statement, statement]}
    with unfiltered():
        reference = _report(document, {"PS503", "PS504", "PS505"})
    assert len(reference) == 7
    assert _report(document, {"PS503", "PS504", "PS505"}) == reference


def test_sigma_folds_apart_from_its_neighbours() -> None:
    """`A` final sigma `:*` covers `A` capital sigma `:x` once service and name fold apart,
    though the whole texts lower-case to a final and a plain sigma: the index must still offer
    the wildcard."""
    assert hygiene.action_covers("A\u03c2:*", "A\u03a3:x")
    statement = {"Effect": "Allow", "Action": ["A\u03a3:x", "A\u03c2:*"], "Resource": "*"}
    found = _report({"Version": "2012-10-17", "Statement": [statement]}, {"PS503"})
    assert found == [
        ("PS503", "/Statement/0/Action/0", "action 'A\u03a3:x' is already covered by 'A\u03c2:*'")
    ]


_PIECES = st.sampled_from(["", "a", "b", "ab", "a:", "s3:", "s3:get", "\u03a3", "*", "z"])


@settings(max_examples=500, deadline=None)
@given(
    prefixes=st.lists(st.lists(_PIECES, max_size=3).map("".join), min_size=1, max_size=12),
    keys=st.lists(st.lists(_PIECES, max_size=4).map("".join), max_size=12),
)
def test_bisection_finds_the_keys_that_start_with_a_prefix(
    prefixes: list[str], keys: list[str]
) -> None:
    """`_WildcardIndex.with_candidates` past `FEW_PREFIXES` (bisection among the minimal
    prefixes) picks exactly the keys some prefix starts."""
    index = hygiene._WildcardIndex([(j, f"{p}*", f"{p}*") for j, p in enumerate(prefixes)])
    # The prefixes as filed: a key that is not ASCII goes under the empty prefix.
    filed = index.prefixes
    assert set(filed) == {hygiene.literal_prefix(p) if p.isascii() else "" for p in prefixes}
    expected = {i for i, k in enumerate(keys) if any(k.startswith(p) for p in filed)}
    with mock.patch.object(hygiene, "FEW_PREFIXES", 0):
        assert index.with_candidates(keys) == expected
    assert index.with_candidates(keys) == expected
