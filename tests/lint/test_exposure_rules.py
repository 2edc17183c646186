"""Subtle cases of the PS4xx exposure and trust rules."""

from __future__ import annotations

import json
from typing import Any

from policysim.lint.context import LintSettings
from policysim.lint.finding import Finding
from policysim.lint.policy_type import PolicyKind
from policysim.lint.runner import LintOptions, lint_source

GITHUB = "token.actions.githubusercontent.com"
GITHUB_ARN = f"arn:aws:iam::123456789012:oidc-provider/{GITHUB}"


def _lint(
    *statements: dict[str, Any],
    kind: PolicyKind = PolicyKind.RESOURCE,
    settings: LintSettings | None = None,
) -> list[Finding]:
    doc = {"Version": "2012-10-17", "Statement": list(statements)}
    options = LintOptions(settings=settings or LintSettings())
    return lint_source(json.dumps(doc), "p.json", kind=kind, options=options)


def _ids(findings: list[Finding]) -> set[str]:
    return {f.rule for f in findings if f.rule.startswith("PS4")}


def _st(principal: Any, action: Any, resource: Any = None, **condition: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": action}
    if resource is not None:
        out["Resource"] = resource
    if condition:
        out["Condition"] = condition
    return out


def _trust(*statements: dict[str, Any], **kw: Any) -> set[str]:
    return _ids(_lint(*statements, kind=PolicyKind.TRUST, **kw))


def test_wildcard_trust_with_wildcard_org_is_public_in_disguise() -> None:
    found = _trust(_st("*", "sts:AssumeRole", StringLike={"aws:PrincipalOrgID": "o-*"}))
    assert "PS402" in found and "PS401" not in found


def test_wildcard_trust_with_external_id_is_narrowed() -> None:
    found = _trust(_st("*", "sts:AssumeRole", StringEquals={"sts:ExternalId": "abc"}))
    assert not {"PS401", "PS402"} & found


def test_negated_org_condition_does_not_restrict() -> None:
    cond = {"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}
    found = _ids(_lint(_st("*", "s3:GetObject", "arn:aws:s3:::b/*", **cond)))
    assert "PS414" in found


def test_deny_with_everyone_is_not_public() -> None:
    deny = {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}
    assert not {"PS413", "PS414", "PS415"} & _ids(_lint(deny))


def test_trusted_account_is_not_reported() -> None:
    statement = _st({"AWS": "444455556666"}, "sts:AssumeRole")
    assert "PS403" in _trust(statement)
    trusted = LintSettings(trusted_accounts=frozenset({"444455556666"}))
    assert "PS403" not in _trust(statement, settings=trusted)


def test_role_principal_is_not_whole_account() -> None:
    statement = _st({"AWS": "arn:aws:iam::444455556666:role/deployer"}, "sts:AssumeRole")
    assert "PS403" not in _trust(statement)


def test_compute_service_principals_are_exempt_only_in_trust() -> None:
    assert "PS404" not in _trust(_st({"Service": "ec2.amazonaws.com"}, "sts:AssumeRole"))
    assert "PS404" in _trust(_st({"Service": "config.amazonaws.com"}, "sts:AssumeRole"))


def test_lambda_permission_is_ps418_not_ps404() -> None:
    fn = "arn:aws:lambda:eu-west-1:123456789012:function:f"
    found = _ids(_lint(_st({"Service": "events.amazonaws.com"}, "lambda:InvokeFunction", fn)))
    assert "PS418" in found and "PS404" not in found


def test_source_arn_with_account_is_enough_for_ps418() -> None:
    fn = "arn:aws:lambda:eu-west-1:123456789012:function:f"
    rule = "arn:aws:events:eu-west-1:123456789012:rule/r"
    statement = _st(
        {"Service": "events.amazonaws.com"},
        "lambda:InvokeFunction",
        fn,
        ArnLike={"aws:SourceArn": rule},
    )
    assert "PS418" not in _ids(_lint(statement))


def test_bucket_source_arn_alone_is_not_enough_for_ps418() -> None:
    fn = "arn:aws:lambda:eu-west-1:123456789012:function:f"
    statement = _st(
        {"Service": "s3.amazonaws.com"},
        "lambda:InvokeFunction",
        fn,
        ArnLike={"aws:SourceArn": "arn:aws:s3:::my-bucket"},
    )
    assert "PS418" in _ids(_lint(statement))


def test_github_sub_shapes() -> None:
    def sub(value: str) -> set[str]:
        return _trust(
            _st(
                {"Federated": GITHUB_ARN},
                "sts:AssumeRoleWithWebIdentity",
                StringLike={f"{GITHUB}:sub": value},
            )
        )

    assert "PS408" in sub("repo:acme/deploy:*")
    assert "PS408" in sub("*")
    assert "PS408" not in sub("repo:acme/deploy:ref:refs/heads/main")
    assert not {"PS406", "PS407"} & sub("repo:acme/deploy:ref:refs/heads/main")


def test_generic_oidc_subject_wildcards() -> None:
    host = "gitlab.example.com"
    arn = f"arn:aws:iam::123456789012:oidc-provider/{host}"

    def sub(value: str) -> set[str]:
        return _trust(
            _st(
                {"Federated": arn},
                "sts:AssumeRoleWithWebIdentity",
                StringLike={f"{host}:sub": value},
            )
        )

    assert "PS409" in sub("project_path:group/*")
    assert "PS409" not in sub("project_path:group/app:ref_type:branch:ref:main")


def test_cognito_needs_amr_too() -> None:
    found = _trust(
        _st(
            {"Federated": "cognito-identity.amazonaws.com"},
            "sts:AssumeRoleWithWebIdentity",
            StringEquals={"cognito-identity.amazonaws.com:aud": "eu-west-1:1111"},
        )
    )
    assert "PS410" in found


def test_kms_caller_account_narrows_key_policy() -> None:
    statement = _st(
        {"AWS": "*"},
        ["kms:Decrypt", "kms:CreateGrant"],
        "*",
        StringEquals={"kms:CallerAccount": "123456789012"},
    )
    assert not {"PS414", "PS415", "PS417"} & _ids(_lint(statement))


def test_public_read_is_not_public_write() -> None:
    found = _ids(_lint(_st("*", ["s3:GetObject", "s3:ListBucket"], "arn:aws:s3:::b/*")))
    assert "PS413" in found and "PS415" not in found


def test_lockout_needs_policy_actions_and_no_condition() -> None:
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": "arn:aws:s3:::b",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    assert "PS420" not in _ids(_lint(deny))


def test_tls_rule_only_for_bucket_policies() -> None:
    statement = _st(
        {"AWS": "arn:aws:iam::123456789012:root"},
        "sqs:SendMessage",
        "arn:aws:sqs:eu-west-1:123456789012:q",
    )
    assert "PS422" not in _ids(_lint(statement))


def test_contradiction_ignores_wildcard_accounts() -> None:
    statement = _st(
        {"Service": "sns.amazonaws.com"},
        "sqs:SendMessage",
        "arn:aws:sqs:eu-west-1:222222222222:q",
        ArnLike={"aws:SourceArn": "arn:aws:sns:eu-west-1:*:t"},
        StringEquals={"aws:SourceAccount": "222222222222"},
    )
    assert "PS425" not in _ids(_lint(statement))


def test_sharing_actions_on_specific_resources_are_fine() -> None:
    statement = {
        "Effect": "Allow",
        "Action": "ec2:ModifySnapshotAttribute",
        "Resource": "arn:aws:ec2:eu-west-1::snapshot/snap-0123",
    }
    assert "PS424" not in _ids(_lint(statement, kind=PolicyKind.IDENTITY))
