"""PS112's per-entry message equals asking `_segment_rule` of both segments of every ARN.

`_segment_problem` skips a segment when no ARN template of the service has it the other way
(empty where the entry's is written, written where it is empty): then no verdict can go
against the entry. Here the message is compared with the plain computation that asks for
both verdicts of every entry, on generated ARNs and on every Resource of the test corpora."""

from __future__ import annotations

import json
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from policysim.catalog import get_catalog
from policysim.lint.rules.catalog_rules import _segment_problem, _segment_rule
from policysim.policy.arn import parse_arn
from policysim.policy.wildcard import has_wildcard

_SERVICES = ["s3", "ec2", "iam", "kms", "lambda", "sqs", "sns", "logs", "apigateway", "a4b"]
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")
_ROOT = Path(__file__).resolve().parents[2]


def _reference(text: str) -> str | None:
    """`_segment_problem` without the shortcut: both verdicts asked of every entry."""
    arn = parse_arn(text)
    if arn is None or has_wildcard(arn.service) or not get_catalog().has_service(arn.service):
        return None
    problems = []
    for index, name, segment in ((3, "a region", arn.region), (4, "an account", arn.account)):
        if "${" in segment or has_wildcard(segment):
            continue
        verdict = _segment_rule(arn.service.lower(), arn.resource, index)
        if verdict == "forbidden" and segment:
            problems.append(f"have no {name.split()[1]}")
        elif verdict == "required" and not segment:
            problems.append(f"need {name} (or *)")
    if not problems:
        return None
    return f"{arn.service} ARNs of this kind {' and '.join(problems)}: {text!r} never matches"


def _templates(service: str) -> list[str]:
    return [rt.arn_template for rt in get_catalog().resource_types(service)] or ["arn:x:y:::z"]


@st.composite
def _arns(draw: st.DrawFn) -> str:
    """A template of a service with its placeholders filled, its region and account
    segments replaced by empty, written or wildcard ones, its service recased."""
    service = draw(st.sampled_from(_SERVICES))
    template = draw(st.sampled_from(_templates(service)))
    fill = draw(st.sampled_from(["name", "*", "${aws:username}", ""]))
    parts = _PLACEHOLDER.sub(fill, template).split(":", 5)
    if len(parts) == 6:
        segment = st.sampled_from(["", "us-east-1", "123456789012", "*", "${aws:x}"])
        parts[3] = draw(segment)
        parts[4] = draw(segment)
        parts[2] = draw(st.sampled_from([parts[2], parts[2].upper()]))
    return ":".join(parts)


@settings(max_examples=800, deadline=None)
@given(_arns())
def test_segment_problem_equals_asking_both_verdicts(text: str) -> None:
    assert _segment_problem(text) == _reference(text)


def _resources(value: object) -> list[str]:
    """Every string under a Resource/NotResource key of a parsed document."""
    out: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("Resource", "NotResource"):
                items = item if isinstance(item, list) else [item]
                out += [i for i in items if isinstance(i, str)]
            else:
                out += _resources(item)
    elif isinstance(value, list):
        for item in value:
            out += _resources(item)
    return out


def test_segment_problem_on_every_resource_of_the_corpora() -> None:
    texts: set[str] = set()
    for folder in ("tests/lint/data", "fixtures", "examples"):
        for path in sorted((_ROOT / folder).rglob("*.json")):
            try:
                texts.update(_resources(json.loads(path.read_text(encoding="utf-8"))))
            except (ValueError, UnicodeDecodeError):
                continue
    corpus = Path("/work/shared/corpus/aws-managed")
    if corpus.is_dir():
        for path in sorted(corpus.glob("*.json")):
            texts.update(_resources(json.loads(path.read_text(encoding="utf-8"))))
    assert len(texts) > 100
    for text in sorted(texts):
        assert _segment_problem(text) == _reference(text), text
