"""PS112's verdicts equal those of testing every ARN template of the service.

`_fitting_shapes` stops searching a template shape (empty region? empty account?) at its first
fitting template and skips templates whose literal head cannot meet the resource's; here the
verdict is compared with the plain computation: every six-part template of the service tried
with `globs_intersect`, the segments of those that fit compared."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from policysim.catalog import get_catalog
from policysim.lint.glob_overlap import glob_tokens, globs_intersect
from policysim.lint.rules.catalog_rules import _segment_rule

_SERVICES = ["s3", "ec2", "iam", "kms", "lambda", "sqs", "sns", "logs", "apigateway", "a4b"]
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")


def _reference(service: str, resource: str, index: int) -> str | None:
    tail = glob_tokens(resource, template=False)
    segments = []
    for rt in get_catalog().resource_types(service):
        parts = rt.arn_template.split(":", 5)
        if len(parts) == 6 and globs_intersect(tail, glob_tokens(parts[5], template=True)):
            segments.append(parts[index])
    if not segments:
        return None
    if all(s == "" for s in segments):
        return "forbidden"
    if all(s != "" for s in segments):
        return "required"
    return None


def _resource_parts(service: str) -> list[str]:
    """The resource parts of the service's templates."""
    out = []
    for rt in get_catalog().resource_types(service):
        parts = rt.arn_template.split(":", 5)
        if len(parts) == 6:
            out.append(parts[5])
    return out or ["thing/${Id}"]


@st.composite
def _resources(draw: st.DrawFn) -> tuple[str, str]:
    """A service and a resource part: one of its templates' with placeholders filled in (by
    text, a wildcard or a policy variable), cut short or given a wildcard; or odd text."""
    service = draw(st.sampled_from(_SERVICES))
    if draw(st.integers(0, 5)) == 0:
        return service, draw(st.text(alphabet="ab/*?:${}x-", max_size=10))
    template = draw(st.sampled_from(_resource_parts(service)))
    fill = draw(st.sampled_from(["name", "*", "?", "${aws:username}", "a/b", ""]))
    text = _PLACEHOLDER.sub(fill, template)
    cut = draw(st.integers(0, len(text)))
    tail = draw(st.sampled_from(["", "", "*", "?", "/*", "x"]))
    return service, text[:cut] + tail if draw(st.booleans()) else text


@settings(max_examples=600, deadline=None)
@given(_resources(), st.sampled_from([3, 4]))
def test_segment_rule_equals_trying_every_template(case: tuple[str, str], index: int) -> None:
    service, resource = case
    assert _segment_rule(service, resource, index) == _reference(service, resource, index)


def test_every_template_of_every_service_filled_in() -> None:
    catalog = get_catalog()
    for service in sorted(catalog.service_prefixes()):
        for template in _resource_parts(service):
            for fill in ("name", "*", "${aws:username}"):
                resource = _PLACEHOLDER.sub(fill, template)
                for index in (3, 4):
                    expected = _reference(service, resource, index)
                    assert _segment_rule(service, resource, index) == expected, (
                        service,
                        resource,
                    )
