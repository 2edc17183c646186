"""ArnLike / ArnEquals (spec §3.2): six segments, case-sensitive globs, `*` not crossing `:`."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policysim.engine.conditions.arn import arn_like
from policysim.engine.conditions.comparators import comparator_for
from policysim.engine.conditions.strings import string_like
from policysim.policy.operators import parse_operator

SPEC_PATTERN = "arn:aws:someservice:*:111122223333:finance/*"
SPEC_DECOY = (
    "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"
)


def test_spec_example_star_does_not_cross_colon() -> None:
    assert not arn_like(SPEC_DECOY, SPEC_PATTERN)
    assert string_like(SPEC_DECOY, SPEC_PATTERN)  # why ArnLike exists


@pytest.mark.parametrize(
    ("request_value", "policy_value", "expected"),
    [
        ("arn:aws:someservice:us-east-2:111122223333:finance/document.txt", SPEC_PATTERN, True),
        ("arn:aws:someservice::111122223333:finance/x", SPEC_PATTERN, True),  # `*` may be empty
        ("arn:aws:iam::111122223333:role/Admin", "arn:aws:iam::111122223333:role/Admin", True),
        ("arn:aws:iam::111122223333:role/admin", "arn:aws:iam::111122223333:role/Admin", False),
        ("arn:AWS:iam::111122223333:role/Admin", "arn:aws:iam::111122223333:role/Admin", False),
        ("arn:aws:IAM::111122223333:role/Admin", "arn:aws:iam::*:role/*", False),
        ("arn:aws:iam::111122223333:role/a/b/c", "arn:aws:iam::*:role/*", True),
        ("arn:aws:s3:::bucket/key:with:colons", "arn:aws:s3:::bucket/*", True),  # resource: crosses
        ("arn:aws:s3:::bucket", "arn:aws:s3:*:*:bucket", True),
        ("arn:aws:s3:::bucket", "arn:aws:s3:::bucke?", True),
        ("arn:aws:s3:::bucket", "arn:aws:s3:::bucke", False),
        ("arn:aws:ec2:us-east-1:1:x", "arn:aws:ec2:us-east-?:1:x", True),
        ("arn:aws:ec2:us-east-1:1:x", "arn:aws:ec2:us-east?1:1:x", True),
        ("arn:aws:ec2:us:east:1:x", "arn:aws:ec2:us?east:1:x", False),  # `?` does not cross `:`
        ("arn:aws:sns:us-east-1:111122223333:topic", "arn:aws:sns:*:*:*", True),
        ("arn:aws:sns:us-east-1:111122223333:topic", "*", True),
        ("arn:aws-cn:sns:cn-north-1:111122223333:t", "arn:aws:sns:*:*:*", False),
        # request values that are not six-part ARNs never match, even `*`
        ("not-an-arn", "*", False),
        ("arn:aws:s3", "arn:aws:s3*", False),
        ("", "*", False),
        ("ARN:aws:s3:::bucket", "*", False),
        # policy values that are not ARN patterns match nothing
        ("arn:aws:s3:::bucket", "bucket", False),
        ("arn:aws:s3:::bucket:extra", "arn:aws:s3:::*:extra", True),  # resource may hold `:`
        ("arn:aws:s3:::bucket", "arn:aws:s3:::*:extra", False),
        ("arn:aws:s3:::bucket", "arn:aws:s3", False),
    ],
)
def test_arn_like(request_value: str, policy_value: str, expected: bool) -> None:
    assert arn_like(request_value, policy_value) is expected


@pytest.mark.parametrize("name", ["ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"])
def test_arn_equals_is_arn_like(name: str) -> None:
    assert comparator_for(parse_operator(name)) is arn_like


segment = st.text(
    alphabet=st.characters(exclude_characters=":*?", exclude_categories=["Cs"]), max_size=12
)
resource = st.text(
    alphabet=st.characters(exclude_characters="*?", exclude_categories=["Cs"]), max_size=30
)


@given(segment, segment, segment, segment, resource)
def test_arn_matches_itself_and_wildcarded_forms(
    partition: str, service: str, region: str, account: str, res: str
) -> None:
    arn = f"arn:{partition}:{service}:{region}:{account}:{res}"
    assert arn_like(arn, arn)
    assert arn_like(arn, f"arn:{partition}:{service}:{region}:{account}:*")
    assert arn_like(arn, f"arn:{partition}:{service}:*:*:{res}")
    assert arn_like(arn, "arn:*:*:*:*:*")


@given(segment, segment, segment, segment, resource, resource)
def test_without_wildcards_arn_like_is_equality(
    partition: str, service: str, region: str, account: str, res: str, other: str
) -> None:
    arn = f"arn:{partition}:{service}:{region}:{account}:{res}"
    pattern = f"arn:{partition}:{service}:{region}:{account}:{other}"
    assert arn_like(arn, pattern) is (res == other)


@given(st.text(), st.text())
def test_never_raises(request_value: str, policy_value: str) -> None:
    assert isinstance(arn_like(request_value, policy_value), bool)
