"""The located helpers of the catalog rules: values put their pointer together on demand, and
a document's condition list is every statement's, in order."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from policysim.catalog import get_catalog
from policysim.lint.context import LintContext
from policysim.lint.inputs import load_path
from policysim.lint.policy_type import PolicyKind, detect_kind
from policysim.lint.rules.catalog_rules import (
    Value,
    _service_supported_keys,
    _star,
    conditions,
    document_conditions,
    element_values,
    model_value,
    supported_keys,
)
from policysim.lint.runner import LintOptions
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


_ELEMENTS = ("Action", "NotAction", "Resource", "NotResource")


def _assert_models_hold_the_located_strings(ctx: LintContext) -> int:
    """`model_value` reads entry i of a model's tuple as `element_values(...)[i]`: right only
    while a statement's model holds exactly the located strings, in order."""
    checked = 0
    for view, model in ctx.valid_statements():
        for element in _ELEMENTS:
            held = getattr(model, element_field[element])
            if held is None:
                continue  # absent, or an explicit null: nothing to locate
            texts = [v.text for v in element_values(view, element)]
            assert list(held) == texts, (view.pointer, element)
            for index, text in enumerate(held):
                value = model_value(view, element, index)
                assert value.text == text
                assert value is element_values(view, element)[index]
            checked += 1
    return checked


element_field = {
    "Action": "action",
    "NotAction": "not_action",
    "Resource": "resource",
    "NotResource": "not_resource",
}

_ENTRY = st.one_of(
    st.sampled_from(["s3:GetObject", "iam:PassRole", "*", "arn:aws:s3:::b/*", "${x}", ""]),
    st.integers(),
    st.booleans(),
    st.none(),
    st.lists(st.just("s3:GetObject"), max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {"Effect": st.sampled_from(["Allow", "Deny"])},
            optional={
                element: st.one_of(_ENTRY, st.lists(_ENTRY, max_size=4)) for element in _ELEMENTS
            },
        ),
        min_size=1,
        max_size=3,
    )
)
def test_models_hold_the_located_strings_generated(statements: list[dict[str, object]]) -> None:
    _assert_models_hold_the_located_strings(_ctx(statements))


def test_models_hold_the_located_strings_in_the_repository_policies() -> None:
    root = Path(__file__).resolve().parents[2]
    options = LintOptions()
    checked = 0
    for folder in ("tests/lint/data", "fixtures", "examples"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix not in {".json", ".yaml", ".yml"} or not path.is_file():
                continue
            try:
                loaded = load_path(str(path))
            except Exception:  # not a policy file: nothing to check
                continue
            for target in loaded.targets:
                data = target.root.to_plain()
                kind = target.kind or detect_kind(data)[0]
                ctx = LintContext.build(
                    target.file, target.root, kind, target.service, options.settings, None, data
                )
                checked += _assert_models_hold_the_located_strings(ctx)
    assert checked > 100
