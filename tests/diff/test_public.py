"""`verify_no_public_access`: the one definition of "public", with requests as proof."""

from __future__ import annotations

from typing import Any

import pytest

from policysim.diff import Outcome, verify_no_public_access
from policysim.policy.model import Policy


def bucket(
    principal: Any, condition: dict[str, Any] | None = None, action: str = "s3:GetObject"
) -> Policy:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": action,
        "Resource": "arn:aws:s3:::b/*",
    }
    if condition:
        statement["Condition"] = condition
    return Policy.model_validate({"Version": "2012-10-17", "Statement": [statement]})


CASES = [
    ("everyone", bucket("*"), "FAIL"),
    ("account", bucket({"AWS": "111122223333"}), "PASS"),
    ("org pinned", bucket("*", {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}), "PASS"),
    ("narrow ip", bucket("*", {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}), "PASS"),
    ("wide ip", bucket("*", {"IpAddress": {"aws:SourceIp": "0.0.0.0/1"}}), "FAIL"),
    ("vpce", bucket("*", {"StringEquals": {"aws:SourceVpce": "vpce-1"}}), "PASS"),
    ("wildcard org", bucket("*", {"StringLike": {"aws:PrincipalOrgID": "o-*"}}), "FAIL"),
    ("non-restricting key", bucket("*", {"StringEquals": {"aws:PrincipalTag/x": "y"}}), "FAIL"),
    (
        "ifexists org",
        bucket("*", {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-abc"}}),
        "FAIL",
    ),
]


@pytest.mark.parametrize(("name", "policy", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bucket_policies(name: str, policy: Policy, expected: str) -> None:
    report = verify_no_public_access(policy, "AWS::S3::Bucket")
    assert report.result.value == expected, report.to_json()
    for finding in report.findings:
        assert finding.request.principal.account in (None, "999988887777")


def test_trust_policy_public() -> None:
    trust = Policy.model_validate(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
            ],
        }
    )
    report = verify_no_public_access(trust, "AWS::IAM::AssumeRolePolicyDocument")
    assert report.result is Outcome.FAIL
    assert report.findings[0].request.action.lower() == "sts:assumerole"


def test_unknown_resource_type() -> None:
    with pytest.raises(ValueError, match="unknown resource type"):
        verify_no_public_access(bucket("*"), "AWS::Nope::Thing")
