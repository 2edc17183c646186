"""Gaps that the Access Analyzer reference benchmark (benchmarks/lint_reference.py) showed:
each fix with the policy that must be reported and the near miss that must not."""

from __future__ import annotations

import json
from typing import Any

import pytest

from policysim.lint.finding import Finding, Severity
from policysim.lint.policy_type import PolicyKind
from policysim.lint.runner import LintOptions, lint_source

ROLE = "arn:aws:iam::111122223333:role/app"
KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _lint(
    rule: str,
    *statements: Any,
    kind: PolicyKind = PolicyKind.RESOURCE,
    service: str | None = None,
    attachment: dict[str, Any] | None = None,
) -> list[Finding]:
    text = json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)
    found = lint_source(
        text, "p.json", kind=kind, service=service, options=LintOptions(), attachment=attachment
    )
    return [f for f in found if f.rule == rule]


def _grant(resource: Any, action: str = "s3:GetObject") -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": action, "Resource": resource}


# --- PS113 without an attachment target: another service's ARN -------------------------------


def test_bucket_policy_naming_a_kms_key_is_reported_without_a_target() -> None:
    (found,) = _lint("PS113", _grant(KEY), service="s3")
    assert found.severity is Severity.ERROR
    assert "kms resource" in found.message and found.pointer == "/Statement/0/Resource"


@pytest.mark.parametrize(
    ("service", "resource", "action"),
    [
        ("sqs", "arn:aws:sns:us-east-1:111122223333:alerts", "sqs:SendMessage"),
        ("sns", "arn:aws:sqs:us-east-1:111122223333:jobs", "sns:Publish"),
        ("kms", "arn:aws:s3:::amzn-s3-demo-bucket/*", "kms:Decrypt"),
    ],
)
def test_other_resource_policies_naming_a_foreign_arn(
    service: str, resource: str, action: str
) -> None:
    assert _lint("PS113", _grant(resource, action), service=service)


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:s3:::amzn-s3-demo-bucket/*",
        "arn:aws:s3:::amzn-s3-demo-bucket",
        "arn:aws:s3-object-lambda:us-east-1:111122223333:accesspoint/ap",
        "arn:aws:*:::amzn-s3-demo-bucket/*",
        "arn:aws:${aws:PrincipalTag/svc}:::amzn-s3-demo-bucket/*",
        "*",
    ],
)
def test_bucket_policy_with_its_own_resources_is_not_reported(resource: str) -> None:
    assert _lint("PS113", _grant(resource), service="s3") == []


def test_foreign_arns_are_judged_only_for_services_known_to_hold_their_own() -> None:
    # API Gateway policies name `execute-api` ARNs, and a service we do not know is not judged.
    api = _grant("arn:aws:execute-api:us-east-1:111122223333:abc/*", "execute-api:Invoke")
    assert _lint("PS113", api, service="apigateway") == []
    assert _lint("PS113", _grant(KEY), service=None) == []


def test_the_attachment_target_still_decides_when_given() -> None:
    target = {"target_arn": "arn:aws:s3:::amzn-s3-demo-bucket"}
    (found,) = _lint("PS113", _grant(KEY), service="s3", attachment=target)
    assert "attached to" in found.message
    ok = _grant("arn:aws:s3:::amzn-s3-demo-bucket/*")
    assert _lint("PS113", ok, service="s3", attachment=target) == []


# --- PS030: the AWS-managed RCPFullAWSAccess statement is legal ------------------------------

FULL_ACCESS = {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}


def test_rcp_full_aws_access_gets_no_grammar_error() -> None:
    assert _lint("PS030", FULL_ACCESS, kind=PolicyKind.RCP) == []
    assert _lint("PS030", {"Sid": "RCPFullAWSAccess", **FULL_ACCESS}, kind=PolicyKind.RCP) == []


@pytest.mark.parametrize(
    "statement",
    [
        {**FULL_ACCESS, "Action": "s3:GetObject"},
        {**FULL_ACCESS, "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*"},
        {**FULL_ACCESS, "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
        {**FULL_ACCESS, "Principal": {"AWS": "111122223333"}},
    ],
)
def test_any_other_allow_in_an_rcp_is_still_an_error(statement: dict[str, Any]) -> None:
    found = _lint("PS030", statement, kind=PolicyKind.RCP)
    assert found and all(f.severity is Severity.ERROR for f in found)


def test_bare_star_action_in_a_deny_rcp_is_still_an_error() -> None:
    deny = {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}
    (found,) = _lint("PS030", deny, kind=PolicyKind.RCP)
    assert "bare" in found.message


# --- PS204/PS205: a service's own resource-tag key bounds the resources too -------------------


@pytest.mark.parametrize("key", ["ec2:ResourceTag/stage", "aws:ResourceTag/stage"])
def test_resource_tag_condition_lowers_resource_star_to_a_warning(key: str) -> None:
    tagged = {
        "Effect": "Allow",
        "Action": "ec2:StartInstances",
        "Resource": "*",
        "Condition": {"StringEquals": {key: "test"}},
    }
    (found,) = _lint("PS204", tagged, kind=PolicyKind.IDENTITY)
    assert found.severity is Severity.WARNING


@pytest.mark.parametrize(
    "condition",
    [
        None,
        {"StringNotEquals": {"ec2:ResourceTag/stage": "prod"}},
        {"StringEqualsIfExists": {"ec2:ResourceTag/stage": "test"}},
        {"StringEquals": {"ec2:InstanceType": "t3.micro"}},
    ],
)
def test_without_a_positive_resource_tag_test_resource_star_stays_security(
    condition: dict[str, Any] | None,
) -> None:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Action": "ec2:StartInstances",
        "Resource": "*",
    }
    if condition:
        statement["Condition"] = condition
    (found,) = _lint("PS204", statement, kind=PolicyKind.IDENTITY)
    assert found.severity is Severity.SECURITY
