"""PS505 (redundant statement) indexes statements instead of comparing every pair: it must
report exactly what the all-pairs comparison reports, and stay fast on long policies."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from policysim.lint.context import LintContext
from policysim.lint.finding import Finding
from policysim.lint.policy_type import PolicyKind
from policysim.lint.rules import hygiene
from policysim.lint.runner import LintOptions, lint_source
from policysim.policy.source import parse_source

OPTIONS = LintOptions(enabled=frozenset({"PS505"}))

ACTIONS = [
    "*",
    "s3:*",
    "S3:*",
    "s3:Get*",
    "s3:GetObject",
    "s3:getobject",
    "s3:G?tObject",
    "s3:*Object",
    "s3:PutObject",
    "s3:Get*Acl",
    "ec2:Describe*",
    "ec2:DescribeInstances",
    "iam:PassRole",
    "sqs:*",
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
    "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    "arn:*:ec2:*:*:instance/i-1",
]
CONDITIONS = [
    None,
    {"Bool": {"aws:SecureTransport": "true"}},
    {"Bool": {"aws:SecureTransport": "false"}},
]
PRINCIPALS = [None, "*", {"AWS": "arn:aws:iam::111122223333:root"}]


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"]))}
    action_key = draw(st.sampled_from(["Action", "Action", "Action", "NotAction"]))
    resource_key = draw(st.sampled_from(["Resource", "Resource", "Resource", "NotResource"]))
    statement[action_key] = draw(st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=3))
    statement[resource_key] = draw(st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=3))
    condition = draw(st.sampled_from(CONDITIONS))
    if condition is not None:
        statement["Condition"] = condition
    principal = draw(st.sampled_from(PRINCIPALS))
    if principal is not None:
        statement["Principal"] = principal
    return statement


def findings(document: dict[str, Any]) -> list[Finding]:
    text = json.dumps(document, indent=1)
    return [f for f in lint_source(text, "p.json", options=OPTIONS) if f.rule == "PS505"]


@contextmanager
def all_pairs() -> Iterator[None]:
    """The rule as it was: one group per effect and condition, every member compared."""

    def every_member(self: Any, shape: Any) -> list[Any]:
        return [other for other in self.members if other is not shape]

    with (
        mock.patch.object(hygiene, "_group_key", lambda view, model, key: key),
        mock.patch.object(hygiene._Candidates, "may_be_covered", lambda self, statement: True),
        mock.patch.object(hygiene._Candidates, "for_narrow", every_member),
    ):
        yield


@settings(max_examples=100, deadline=None)
@given(st.lists(statements(), min_size=2, max_size=30))
def test_indexed_findings_equal_all_pairs(body: list[dict[str, Any]]) -> None:
    document = {"Version": "2012-10-17", "Statement": body}
    indexed = findings(document)
    with all_pairs():
        reference = findings(document)
    assert indexed == reference


def test_reference_is_really_all_pairs() -> None:
    """The patched reference finds what the index finds on a plain case (so the comparison
    above compares two working rules)."""
    s = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/x"}
    broad = {"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"}
    document = {"Version": "2012-10-17", "Statement": [s, broad, s]}
    with all_pairs():
        reference = [f.message for f in findings(document)]
    assert reference == [
        "statement #0 is covered by statement #1",
        "statement #2 duplicates statement #0",
    ]
    assert [f.message for f in findings(document)] == reference


def _long(count: int, resource: str) -> dict[str, Any]:
    body = [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": resource.format(i=i)}
        for i in range(count)
    ]
    return {"Version": "2012-10-17", "Statement": body}


def test_thousands_of_statements_stay_fast() -> None:
    """2,500 statements took half a minute when every pair was compared (4,000 a minute); both
    shapes share one effect and action, and the second one literal resource prefix too: the
    worst case for the index, bounded by `MAX_CANDIDATES`."""
    for resource in ("arn:aws:s3:::bucket-{i}/*", "arn:aws:s3:::b/*x{i}"):
        start = time.perf_counter()
        assert findings(_long(2500, resource)) == []
        assert time.perf_counter() - start < 15, resource


def test_duplicates_among_thousands_are_all_reported() -> None:
    document = _long(2000, "arn:aws:s3:::b/*")
    found = findings(document)
    assert len(found) == 1999
    assert found[0].message == "statement #1 duplicates statement #0"


def test_reports_come_in_statement_order_across_groups() -> None:
    """The rule settles one group after another and sorts its reports by statement: with
    two groups interleaved, the reports still follow the document."""
    allow = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    deny = {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"}
    document = {"Version": "2012-10-17", "Statement": [deny, allow, deny, allow, deny]}
    root = parse_source(json.dumps(document), "p.json")
    ctx = LintContext.build("p.json", root, PolicyKind.IDENTITY)
    assert [(i.statement, i.message) for i in hygiene.redundant_statement(ctx)] == [
        (2, "statement #2 duplicates statement #0"),
        (3, "statement #3 duplicates statement #1"),
        (4, "statement #4 duplicates statement #0"),
    ]
