"""`resource_may_match` of several ARN templates answers as trying each alone and taking
`any` (PS111's `_fits_some_type` asks once for all the templates of a service)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from policysim.catalog import get_catalog
from policysim.lint.rules.catalog_rules import _fits_some_type, resource_may_match

_SERVICES = ["s3", "ec2", "iam", "kms", "lambda", "sqs", "logs", "ssm", "a4b", "a2c", "aws-portal"]
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")


def _templates(service: str) -> list[str]:
    return [rt.arn_template for rt in get_catalog().resource_types(service)]


@st.composite
def _resources(draw: st.DrawFn) -> str:
    """ARNs made from catalog templates (placeholders filled with text, wildcards or
    variables, cut or extended), `*`, and odd texts."""
    if draw(st.integers(0, 6)) == 0:
        return draw(st.sampled_from(["*", "arn:aws:s3:::*", "not-an-arn", "arn:aws:*:*:*:*"]))
    template = draw(st.sampled_from(_templates(draw(st.sampled_from(_SERVICES))) or ["x"]))
    fill = draw(st.sampled_from(["aws", "us-east-1", "123456789012", "name", "*", "${x}"]))
    text = _PLACEHOLDER.sub(fill, template)
    cut = draw(st.integers(0, len(text)))
    return text[:cut] + draw(st.sampled_from(["", "*", "/x", "?"]))


@settings(max_examples=400, deadline=None)
@given(_resources(), st.sampled_from(_SERVICES), st.data())
def test_many_templates_at_once_equal_any_of_one_at_a_time(
    resource: str, service: str, data: st.DataObject
) -> None:
    templates = _templates(service)
    chosen = tuple(data.draw(st.lists(st.sampled_from(templates or ["x"]), max_size=6)))
    if chosen:  # no templates: `any` says False, `resource_may_match` True for a non-ARN
        expected = any(resource_may_match(resource, (t,)) for t in chosen)
        assert resource_may_match(resource, chosen) is expected
    arn_service = resource.split(":")[2] if resource.count(":") >= 5 else ""
    every = _templates(service) + (  # a service without resource types included
        _templates(arn_service.lower()) if arn_service and "*" not in arn_service else []
    )
    assert _fits_some_type(resource, service) is any(
        resource_may_match(resource, (t,)) for t in every
    )
