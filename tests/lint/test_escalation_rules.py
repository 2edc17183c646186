"""Subtle cases of the PS3xx privilege-escalation methods."""

from __future__ import annotations

import json
from typing import Any

from policysim.lint.finding import Finding, Severity
from policysim.lint.policy_type import PolicyKind
from policysim.lint.runner import lint_source

ACCT = "arn:aws:iam::123456789012"


def _lint(*statements: dict[str, Any], kind: PolicyKind = PolicyKind.IDENTITY) -> list[Finding]:
    doc = {"Version": "2012-10-17", "Statement": list(statements)}
    return lint_source(json.dumps(doc), "p.json", kind=kind)


def _ids(findings: list[Finding]) -> set[str]:
    """The escalation rules that fired, on their own or folded into a broader finding."""
    fired = {f.rule for f in findings} | {r for f in findings for r in f.folded}
    return {r for r in fired if r.startswith("PS3")}


def _allow(action: Any, resource: Any = "*", **condition: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"Effect": "Allow", "Action": action, "Resource": resource}
    if condition:
        out["Condition"] = condition
    return out


def test_required_actions_may_come_from_different_statements() -> None:
    found = _ids(_lint(_allow("iam:PassRole"), _allow("ec2:RunInstances")))
    assert "PS314" in found


def test_method_needs_every_action() -> None:
    assert "PS317" not in _ids(_lint(_allow(["iam:PassRole", "lambda:CreateFunction"])))
    assert "PS317" not in _ids(_lint(_allow(["lambda:CreateFunction", "lambda:InvokeFunction"])))


def test_wildcard_actions_count() -> None:
    found = _ids(_lint(_allow(["iam:*", "lambda:*"])))
    assert {"PS301", "PS303", "PS308", "PS317"} <= found


def test_not_action_grants_escalation_actions() -> None:
    assert "PS303" in _ids(_lint({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}))


def test_deny_grants_nothing() -> None:
    deny = {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}
    assert not _ids(_lint(deny))


def test_self_service_access_keys_are_not_escalation() -> None:
    found = _ids(_lint(_allow("iam:CreateAccessKey", f"{ACCT}:user/${{aws:username}}")))
    assert "PS303" not in found


def test_self_scope_still_counts_for_own_policy_edits() -> None:
    found = _ids(_lint(_allow("iam:PutUserPolicy", f"{ACCT}:user/${{aws:username}}")))
    assert "PS309" in found


def test_resource_of_another_service_does_not_grant() -> None:
    found = _ids(_lint(_allow(["iam:CreateAccessKey"], "arn:aws:s3:::bucket/*")))
    assert "PS303" not in found


def test_passed_to_other_service_does_not_enable_method() -> None:
    found = _ids(
        _lint(
            _allow("iam:PassRole", StringEquals={"iam:PassedToService": "lambda.amazonaws.com"}),
            _allow("ec2:RunInstances"),
        )
    )
    assert "PS314" not in found


def test_passed_to_matching_service_on_every_role_still_fires() -> None:
    found = _ids(
        _lint(
            _allow("iam:PassRole", StringEquals={"iam:PassedToService": "ec2.amazonaws.com"}),
            _allow("ec2:RunInstances"),
        )
    )
    assert "PS314" in found


def test_named_role_in_every_account_is_not_every_role() -> None:
    found = _ids(_lint(_allow("sts:AssumeRole", "arn:aws:iam::*:role/Auditor")))
    assert "PS332" not in found
    assert "PS332" in _ids(_lint(_allow("sts:AssumeRole")))


def test_policy_arn_pin_to_admin_still_fires() -> None:
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    found = _ids(_lint(_allow("iam:AttachRolePolicy", ArnEquals={"iam:PolicyARN": admin})))
    assert "PS308" in found


def test_target_dependent_alternative_is_a_warning() -> None:
    findings = [f for f in _lint(_allow("cloudformation:UpdateStack")) if f.rule == "PS320"]
    assert findings and findings[0].severity is Severity.WARNING
    findings = [
        f
        for f in _lint(_allow(["iam:PassRole", "cloudformation:CreateStack"]))
        if f.rule == "PS320"
    ]
    assert findings and findings[0].severity is Severity.SECURITY


def test_describe_does_not_count_as_escalation() -> None:
    assert "PS320" not in _ids(_lint(_allow(["iam:PassRole", "cloudformation:DescribeStacks"])))


def test_boundaries_skip_escalation_types() -> None:
    for kind in (PolicyKind.BOUNDARY, PolicyKind.SCP):
        assert not _ids(_lint(_allow("*"), kind=kind))


def test_resource_policy_writer_not_reported_when_nothing_is_withheld() -> None:
    found = _ids(_lint(_allow("s3:*"), _allow("s3:PutBucketPolicy", "arn:aws:s3:::b")))
    assert "PS331" not in found
    found = _ids(_lint({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}))
    assert "PS331" not in found


def test_service_only_grant_is_not_self_escalation() -> None:
    found = _ids(_lint(_allow("kms:CreateGrant", Bool={"kms:GrantIsForAWSResource": "true"})))
    assert "PS331" not in found


def test_finding_names_the_granting_statements() -> None:
    findings = _lint(
        {"Sid": "Pass", **_allow("iam:PassRole")},
        {"Sid": "Run", **_allow("ec2:RunInstances")},
    )
    (finding,) = [f for f in findings if f.rule == "PS314"]
    assert "statement Pass" in finding.message and "statement Run" in finding.message
    assert finding.statement == 1
