"""PS110 walks the model's Action tuple, locates only reported entries and gathers the
statements that may cover an entry once per document: its findings must be those of asking,
entry by entry, every other statement as the rule states it."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from policysim.lint.context import LintContext, action_patterns
from policysim.lint.policy_type import PolicyKind
from policysim.lint.rules.catalog_rules import (
    _typed_action,
    element_values,
    resource_may_match,
    resource_type_mismatch,
)
from policysim.policy.source import parse_source

_ACTIONS = [
    "s3:GetObject",
    "s3:ListBucket",
    "S3:getobject",
    "s3:Get*",
    "logs:PutLogEvents",
    "ec2:StartInstances",
    "s3:NoSuchAction",
    "*",
]
_RESOURCES = [
    "arn:aws:s3:::b",
    "arn:aws:s3:::b/*",
    "arn:aws:logs:*:*:log-group:x:*",
    "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    "arn:aws:iam::111122223333:role/r",
    "*",
]


def _reference(ctx: LintContext) -> list[str]:
    """The pointers PS110 reports, by the rule's statement: an exact action none of whose
    resource types any Resource of its statement may be, unless another statement of the
    same effect grants the action on a resource of one."""
    statements = ctx.valid_statements()
    out = []
    for view, model in statements:
        if model.action is None or model.resource is None or "*" in model.resource:
            continue
        for value in element_values(view, "Action"):
            typed = _typed_action(value.text)
            if typed is None:
                continue
            info, templates = typed
            if any(resource_may_match(r, templates) for r in model.resource):
                continue
            covered = any(
                other is not model
                and other.effect == model.effect
                and other.action is not None
                and other.resource is not None
                and action_patterns(other.action).matches(info.full_name)
                and any(resource_may_match(r, templates) for r in other.resource)
                for _v, other in statements
            )
            if not covered:
                out.append(value.pointer)
    return out


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "Effect": st.sampled_from(["Allow", "Deny"]),
                "Action": st.one_of(
                    st.sampled_from(_ACTIONS), st.lists(st.sampled_from(_ACTIONS), max_size=4)
                ),
                "Resource": st.one_of(
                    st.sampled_from(_RESOURCES),
                    st.lists(st.sampled_from(_RESOURCES), min_size=1, max_size=3),
                ),
            }
        ),
        min_size=1,
        max_size=4,
    )
)
def test_findings_are_those_of_asking_entry_by_entry(statements: list[dict[str, object]]) -> None:
    text = json.dumps({"Version": "2012-10-17", "Statement": statements})
    ctx = LintContext.build("t.json", parse_source(text, "t.json"), PolicyKind.IDENTITY)
    found = [issue.pointer for issue in resource_type_mismatch(ctx)]
    assert found == _reference(ctx)
