"""Shortcuts of the PS5xx rules report exactly what their plain walks report: PS516 passes
over statements whose condition entries `_may_be_unsatisfiable` rules out, PS509 remembers
its verdict per operator name, PS513 per condition key."""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

from hypothesis import example, given, settings
from hypothesis import strategies as st

from policysim.lint.rules import hygiene
from policysim.lint.runner import LintOptions, lint_source

OPERATORS = [
    "Null",
    "null",
    "ForAllValues:Null",
    "foranyvalue:NULL",
    "StringNotLike",
    "StringNotLikeIfExists",
    "ForAnyValue:StringNotLike",
    "ArnNotLike",
    "ArnNotEquals",
    "StringNotEquals",
    "StringEquals",
    "StringLike",
    "ArnLike",
    "Bool",
    "NumericLessThan",
    "NumericGreaterThanEquals",
    "NumericEquals",
    "NumericLessThanIfExists",
    "DateGreaterThan",
    "DateLessThanEquals",
    "DateEquals",
    "IpAddress",
    "StringEqual",
]
KEYS = [
    "aws:PrincipalArn",
    "aws:principalarn",
    "aws:CurrentTime",
    "aws:MultiFactorAuthAge",
    "s3:max-keys",
    "aws:TagKeys",
    "aws:SourceIp",
]
VALUES = st.sampled_from(
    [
        "*",
        "true",
        "false",
        "1",
        "10",
        "2026-01-01T00:00:00Z",
        "2026-06-01T00:00:00Z",
        "arn:aws:iam::111122223333:role/r",
        "x",
    ]
)
CONDITIONS = st.dictionaries(
    st.sampled_from(OPERATORS),
    st.dictionaries(
        st.sampled_from(KEYS),
        st.one_of(VALUES, st.lists(VALUES, max_size=3), st.integers(0, 20)),
        max_size=3,
    ),
    max_size=4,
)


REPORTED: list[dict[str, Any]] = [
    {"NumericLessThan": {"s3:max-keys": "1"}, "NumericGreaterThanEquals": {"s3:max-keys": "10"}},
    {"Null": {"aws:TagKeys": "true"}, "StringEquals": {"aws:TagKeys": "x"}},
    {"StringNotLike": {"aws:PrincipalArn": "*"}},
]
"""One condition for each way PS516 reports."""


def _with(condition: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": condition}]


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": draw(st.sampled_from(["Allow", "Deny"])),
        "Action": "s3:GetObject",
        "Resource": "*",
    }
    if draw(st.integers(0, 4)):
        statement["Condition"] = draw(CONDITIONS)
    return statement


def _report(document: dict[str, Any]) -> list[tuple[str, str, str]]:
    found = lint_source(json.dumps(document, indent=1), "p.json", options=LintOptions())
    return [(f.rule, f.pointer, f.message) for f in found if f.rule in ("PS509", "PS513", "PS516")]


@settings(max_examples=400, deadline=None)
@given(st.lists(statements(), min_size=1, max_size=4))
@example(_with(REPORTED[0]))
@example(_with(REPORTED[1]))
@example(_with(REPORTED[2]))
def test_unsatisfiable_shortcut_changes_nothing(body: list[dict[str, Any]]) -> None:
    document = {"Version": "2012-10-17", "Statement": body}
    fast = _report(document)
    with (
        mock.patch.object(hygiene, "_may_be_unsatisfiable", lambda entries: True),
        mock.patch.object(hygiene, "_qualified_null", hygiene._qualified_null.__wrapped__),
        mock.patch.object(hygiene, "_arn_typed", hygiene._arn_typed.__wrapped__),
    ):
        reference = _report(document)
    assert fast == reference


def test_each_kind_of_finding_is_generated() -> None:
    """Each way PS516 reports is reached by the operators above: empty bounds, Null true next
    to a test of the value, and a negated `*` on a key every signed request carries."""
    for condition in REPORTED:
        assert _report({"Version": "2012-10-17", "Statement": _with(condition)})
