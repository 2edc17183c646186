"""The located helpers of the catalog rules: values put their pointer together on demand, and
a document's condition list is every statement's, in order."""

from __future__ import annotations

import json

from policysim.catalog import get_catalog
from policysim.lint.context import LintContext
from policysim.lint.policy_type import PolicyKind
from policysim.lint.rules.catalog_rules import (
    Value,
    _service_supported_keys,
    _star,
    conditions,
    document_conditions,
    element_values,
    supported_keys,
)
from policysim.policy.arn import parse_arn
from policysim.policy.source import parse_source


def _ctx(statements: list[dict[str, object]]) -> LintContext:
    text = json.dumps({"Version": "2012-10-17", "Statement": statements})
    return LintContext.build("t.json", parse_source(text, "t.json"), PolicyKind.IDENTITY)


def test_values_are_located() -> None:
    ctx = _ctx(
        [
            {"Effect": "Allow", "Action": ["s3:GetObject", 3, "s3:PutObject"], "Resource": "*"},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        ]
    )
    first, second = ctx.statements
    assert [(v.text, v.pointer) for v in element_values(first, "Action")] == [
        ("s3:GetObject", "/Statement/0/Action/0"),
        ("s3:PutObject", "/Statement/0/Action/2"),
    ]
    assert [(v.text, v.pointer) for v in element_values(second, "Action")] == [
        ("s3:GetObject", "/Statement/1/Action")
    ]
    value = element_values(first, "Action")[1]
    assert value == Value("s3:PutObject", value.node, "/Statement/0/Action/2")
    assert value != Value("s3:PutObject", value.node, "/Statement/0/Action/1")
    assert "pointer='/Statement/0/Action/2'" in repr(value)


def test_document_conditions_are_every_statements_in_order() -> None:
    ctx = _ctx(
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": ["111122223333", "444455556666"]},
                    "Bool": {"aws:SecureTransport": "true"},
                },
            },
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
            {
                "Effect": "Deny",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"NoSuchOperator": {"aws:x": "1"}, "Null": {"AWS:SourceIp": "true"}},
            },
        ]
    )
    expected = [cond for view in ctx.statements for cond in conditions(view)]
    assert document_conditions(ctx) == expected
    assert [(c.key, c.lower, c.view.index) for c in expected] == [
        ("aws:SourceAccount", "aws:sourceaccount", 0),
        ("aws:SecureTransport", "aws:securetransport", 0),
        ("AWS:SourceIp", "aws:sourceip", 2),
    ]
    assert [v.pointer for v in expected[0].values] == [
        "/Statement/0/Condition/StringEquals/aws:SourceAccount/0",
        "/Statement/0/Condition/StringEquals/aws:SourceAccount/1",
    ]


def test_star_remembered_answers_as_computed() -> None:
    def computed(resources: tuple[str, ...] | None) -> bool:
        if resources is None:
            return False
        for resource in resources:
            arn = parse_arn(resource)
            if resource.strip("*") == "" or (arn is not None and arn.resource.strip("*") == ""):
                return True
        return False

    for resources in [None, (), ("*",), ("arn:aws:s3:::*",), ("arn:aws:s3:::b", "**"), ("x",)]:
        assert _star(resources) is computed(resources)
        assert _star(resources) is computed(resources)


def test_service_supported_keys_are_the_union_over_the_services_actions() -> None:
    catalog = get_catalog()
    for service in sorted(catalog.service_prefixes()):
        union = frozenset().union(*(supported_keys(info) for info in catalog.actions(service)))
        assert _service_supported_keys(service) == union, service
    assert _service_supported_keys("nosuchservice") == frozenset()
