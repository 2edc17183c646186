"""Policy text for people: pretty JSON of a document and of one statement, and the lines each
statement occupies (what a page highlights)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policysim.policy.model import Policy
from policysim.policy.text import policy_text, statement_line_span, statement_text

DOC = Policy.model_validate(
    {
        "Version": "2012-10-17",
        "Id": "example",
        "Statement": [
            {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
            {
                "Effect": "Deny",
                "NotAction": ["iam:*", "sts:*"],
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1"]}},
            },
            {
                "Sid": "Bucket",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": "s3:ListBucket",
                "Resource": "arn:aws:s3:::b",
            },
        ],
    }
)


def test_policy_text_is_the_documents_pretty_json() -> None:
    text = policy_text(DOC)
    assert text == json.dumps(DOC.to_json(), indent=2)
    assert json.loads(text) == DOC.to_json()


def test_statement_text_is_one_statement() -> None:
    assert json.loads(statement_text(DOC, 1)) == DOC.statements[1].to_json()
    assert statement_text(DOC, 0).startswith('{\n  "Sid": "Read"')
    with pytest.raises(IndexError):
        statement_text(DOC, 3)


def test_spans_hold_exactly_each_statement() -> None:
    lines = policy_text(DOC).splitlines()
    previous_last = 0
    for i in range(len(DOC.statements)):
        first, last = statement_line_span(DOC, i)
        assert previous_last < first <= last
        previous_last = last
        chunk = "\n".join(lines[first - 1 : last]).rstrip(",")
        assert json.loads(chunk) == DOC.statements[i].to_json()
    assert statement_line_span(DOC, 0)[0] == 5  # {, Version, Id, "Statement": [, then it
    with pytest.raises(IndexError):
        statement_line_span(DOC, 3)
    with pytest.raises(IndexError):
        statement_line_span(DOC, -1)


def test_a_statement_list_of_one_and_no_version() -> None:
    single = Policy.model_validate(
        {"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}
    )
    assert policy_text(single) == json.dumps(single.to_json(), indent=2)
    assert statement_line_span(single, 0) == (3, 11)  # lists stay lists: 9 lines


def test_non_ascii_is_kept_readable() -> None:
    doc = Policy.model_validate(
        {"Statement": [{"Sid": "Ünïcode", "Effect": "Allow", "Action": "*", "Resource": "*"}]}
    )
    assert "Ünïcode" in policy_text(doc)
    assert json.loads(policy_text(doc)) == doc.to_json()


_SIDS = st.one_of(st.none(), st.text(alphabet="abcXYZ019", min_size=1, max_size=6))
_STATEMENTS = st.builds(
    lambda sid, effect, actions, resources: {
        **({"Sid": sid} if sid else {}),
        "Effect": effect,
        "Action": actions,
        "Resource": resources,
    },
    _SIDS,
    st.sampled_from(["Allow", "Deny"]),
    st.lists(st.sampled_from(["s3:GetObject", "iam:*", "ec2:Describe*"]), min_size=1, max_size=3),
    st.lists(st.sampled_from(["*", "arn:aws:s3:::b", "arn:aws:s3:::b/*"]), min_size=1, max_size=2),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_STATEMENTS, min_size=1, max_size=5))
def test_spans_locate_every_statement_of_any_document(statements: list[dict[str, object]]) -> None:
    doc = Policy.model_validate({"Version": "2012-10-17", "Statement": statements})
    text = policy_text(doc)
    assert text == json.dumps(doc.to_json(), indent=2)
    lines = text.splitlines()
    for i in range(len(statements)):
        first, last = statement_line_span(doc, i)
        assert json.loads("\n".join(lines[first - 1 : last]).rstrip(",")) == statements[i]
