"""The context reads a plain JSON policy file's size bound and its `${` from the text instead
of serializing the document (`LintContext.size_bound`, `mentions_variables`). Both must agree
with the serialization whatever the text's spacing and escapes, and PS031 must still see every
document over its quota."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from policysim.lint.context import LintContext, compact_json
from policysim.lint.inputs import load_bytes
from policysim.lint.runner import lint_node
from policysim.policy.kinds import PolicyKind

_TEXT = st.lists(
    st.sampled_from(
        ["a", "$", "{", "}", "${", "/", '"', "\\", "\n", "\x01", "\u00e9", "\U0001f600"]
    ),
    max_size=6,
).map("".join)
_SCALAR = st.one_of(
    _TEXT,
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
)
_STATEMENT = st.fixed_dictionaries(
    {
        "Effect": st.sampled_from(["Allow", "Deny"]),
        "Action": st.lists(_TEXT, min_size=1, max_size=3),
    },
    optional={
        "Sid": _TEXT,
        "Resource": st.one_of(_TEXT, st.lists(_TEXT, max_size=3)),
        "Condition": st.dictionaries(
            st.sampled_from(["StringEquals", "NumericLessThan", "Bool"]),
            st.dictionaries(
                st.sampled_from(["aws:a", "s3:b"]),
                st.one_of(_SCALAR, st.lists(_SCALAR, max_size=3)),
                min_size=1,
            ),
            max_size=2,
        ),
    },
)


def _text(document: dict[str, Any], indent: int | None, ascii_only: bool, slashes: bool) -> str:
    text = json.dumps(document, indent=indent, ensure_ascii=ascii_only)
    return text.replace("/", "\\/") if slashes else text  # `\/` is a legal escape of `/`


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_STATEMENT, min_size=1, max_size=3),
    st.sampled_from([None, 0, 2, 4]),
    st.booleans(),
    st.booleans(),
)
def test_bound_and_variables_agree_with_the_serialization(
    statements: list[dict[str, Any]], indent: int | None, ascii_only: bool, slashes: bool
) -> None:
    document = {"Version": "2012-10-17", "Statement": statements}
    text = _text(document, indent, ascii_only, slashes)
    (target,) = load_bytes(text.encode("utf-8"), "p.json").targets
    assert target.text == text
    data = target.root.to_plain()
    ctx = LintContext.build("p.json", target.root, PolicyKind.IDENTITY, data=data, source=text)
    compact = compact_json(data)
    assert ctx.size_bound is not None
    assert ctx.size_bound >= len(compact)
    assert ctx.mentions_variables == ("${" in compact)


def _over_quota_by_floats() -> str:
    """A file shorter than the 10,240-character identity quota whose serialization is longer:
    each `1e9` comes back as `1000000000.0`."""
    values = ", ".join(["1e9"] * 900)
    condition = {"NumericLessThan": {"aws:a": "__VALUES__"}}
    statement = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "*",
        "Condition": condition,
    }
    text = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    return text.replace('"__VALUES__"', f"[{values}]")


def test_floats_that_grow_past_the_quota_are_caught() -> None:
    text = _over_quota_by_floats()
    assert len(text) < 10_240 < len(compact_json(json.loads(text)))
    (target,) = load_bytes(text.encode("utf-8"), "p.json").targets
    findings = lint_node(target.root, "p.json", options=None, source=target.text)
    assert "PS031" in {f.rule for f in findings}


def test_a_variable_written_with_an_escape_is_seen() -> None:
    statement = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/${aws:username}",
    }
    text = json.dumps({"Version": "2012-10-17", "Statement": [statement]}).replace("${", "\\u0024{")
    (target,) = load_bytes(text.encode("utf-8"), "p.json").targets
    ctx = LintContext.build("p.json", target.root, PolicyKind.IDENTITY, source=target.text)
    assert ctx.mentions_variables


def test_documents_over_the_quota_are_reported_from_files() -> None:
    statement = {
        "Effect": "Allow",
        "Action": [f"s3:GetObject{i:05d}" for i in range(700)],
        "Resource": "*",
    }
    text = json.dumps({"Version": "2012-10-17", "Statement": [statement]}, indent=2)
    (target,) = load_bytes(text.encode("utf-8"), "p.json").targets
    findings = lint_node(target.root, "p.json", source=target.text)
    assert "PS031" in {f.rule for f in findings}
