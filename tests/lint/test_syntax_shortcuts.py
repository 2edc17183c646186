"""Shortcuts of the PS0xx rules and PS510/PS514 (pointers built on demand, a `${` pre-test,
a cached ARN check, string-only condition values passed over, actions grouped by statement)
report exactly what the plain walks report."""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from policysim.lint.rules import syntax
from policysim.lint.runner import LintOptions, lint_source
from policysim.policy.source import parse_source

TEXTS = [
    "*",
    "s3:GetObject",
    "S3:getobject",
    "s3:${aws:username}",
    "arn:aws:s3:::b/${aws:username}/*",
    "arn:aws:s3:::${aws:username",
    "arn:${aws:partition}:s3:::b",
    "arn:aws:s3:::b/${ aws:username}",
    "arn:aws:s3:::b/${aws:username, anon}",
    "arn:aws:s3:::b/${}",
    "arn:aws:s3:::b:${aws:username}",
    "arn:aws:ec2:us-east-1:123:instance/*",
    "Arn:aws:s3:::b",
    "arn:aws:S3:::b",
    "arn:aws:s3:::b/x:y",
    "arn:aws:s3",
    "$",
    "{x}",
    "home/${aws:username}/*",
]
SCALARS = st.one_of(st.sampled_from(TEXTS), st.integers(0, 3), st.booleans(), st.none())
VALUES = st.one_of(
    st.sampled_from(TEXTS),
    st.lists(st.one_of(SCALARS, st.just({"a": "b"}), st.just(["x"])), max_size=4),
    SCALARS,
)


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow"}
    for key in ("Sid", "Action", "NotAction", "Resource", "NotResource"):
        if draw(st.booleans()):
            statement[key] = draw(VALUES) if key != "Sid" else draw(st.sampled_from(TEXTS))
    if draw(st.booleans()):
        operator = draw(st.sampled_from(["StringLike", "NumericEquals", "ArnLike", "Bool"]))
        key = draw(st.sampled_from(["aws:username", "s3:prefix", "aws:${aws:username}"]))
        statement["Condition"] = {operator: {key: draw(VALUES)}}
    if draw(st.booleans()):
        statement["Principal"] = {"AWS": draw(VALUES)}
    return statement


RULES = frozenset({"PS012", "PS025", "PS026", "PS028", "PS510", "PS514"})


def _report(document: dict[str, Any]) -> list[tuple[str, str, str]]:
    found = lint_source(
        json.dumps(document, indent=1), "p.json", options=LintOptions(enabled=RULES)
    )
    return [(f.rule, f.pointer, f.message) for f in found if f.rule in RULES]


@settings(max_examples=200, deadline=None)
@given(st.lists(statements(), min_size=1, max_size=4))
def test_shortcuts_change_nothing(body: list[dict[str, Any]]) -> None:
    document = {"Version": "2012-10-17", "Statement": body}
    fast = _report(document)
    syntax._arn_problem.cache_clear()
    with (
        mock.patch.object(syntax, "_may_hold_variable", lambda node: True),
        mock.patch.object(syntax, "_strings_only", lambda node: False),
        mock.patch.object(syntax, "_arn_problem", syntax._arn_problem.__wrapped__),
    ):
        reference = _report(document)
    assert fast == reference


@settings(max_examples=100, deadline=None)
@given(VALUES)
def test_string_nodes_are_string_entries_without_pointers(value: Any) -> None:
    node = parse_source(json.dumps({"k": value}), "p.json").value["k"]
    assert [
        (syntax.entry_pointer("/p", i), n) for i, n in syntax.string_nodes(node)
    ] == syntax.string_entries(node, "/p")
    assert syntax._may_hold_variable(node) == any(
        "${" in n.value for _, n in syntax.string_entries(node, "")
    )
