"""PS2xx: security rules, beyond the catalog's example and near miss."""

from __future__ import annotations

import json
from typing import Any

from policysim.lint.finding import Finding, Severity
from policysim.lint.policy_type import PolicyKind
from policysim.lint.runner import LintOptions, lint_source


def _lint(
    rules: str | set[str],
    *statements: Any,
    kind: PolicyKind = PolicyKind.IDENTITY,
    fold: bool = True,
) -> list[Finding]:
    wanted = {rules} if isinstance(rules, str) else rules
    text = json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)
    options = LintOptions(enabled=frozenset(wanted), fold=fold)
    return [f for f in lint_source(text, "p.json", kind=kind, options=options) if f.rule in wanted]


def _allow(**kw: Any) -> dict[str, Any]:
    return {"Effect": "Allow", **kw}


ADMIN = _allow(Action="*", Resource="*")


def test_admin_supersedes_the_overlapping_rules() -> None:
    rules = {"PS201", "PS202", "PS204", "PS205", "PS221", "PS222", "PS223", "PS224"}
    (admin,) = _lint(rules, ADMIN)
    assert admin.rule == "PS201"
    assert {"PS202", "PS204"} <= set(admin.folded)
    assert {f.rule for f in _lint(rules, ADMIN, fold=False)} == {"PS201", "PS202", "PS204"}


def test_admin_is_a_ceiling_in_boundary_and_nothing_in_scp() -> None:
    assert _lint("PS201", ADMIN, kind=PolicyKind.SCP) == []  # FullAWSAccess grants nothing
    (boundary,) = _lint("PS201", ADMIN, kind=PolicyKind.BOUNDARY)
    assert boundary.severity is Severity.WARNING
    (identity,) = _lint("PS201", ADMIN)
    assert identity.severity is Severity.SECURITY


def test_resource_star_ignores_star_only_actions_and_deny() -> None:
    only_star = _allow(Action=["s3:ListAllMyBuckets", "sts:GetCallerIdentity"], Resource="*")
    assert _lint("PS204", only_star) == []
    deny = {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}
    assert _lint("PS204", deny) == []


def test_resource_star_downgraded_by_resource_bounds_and_ceilings() -> None:
    bounded = _allow(
        Action="s3:GetObject",
        Resource="*",
        Condition={"StringEquals": {"aws:ResourceAccount": "123456789012"}},
    )
    (found,) = _lint("PS204", bounded)
    assert found.severity is Severity.WARNING
    star = _allow(Action="s3:GetObject", Resource="*")
    (boundary,) = _lint("PS204", star, kind=PolicyKind.BOUNDARY)
    assert boundary.severity is Severity.WARNING
    assert _lint("PS204", star, kind=PolicyKind.SCP) == []


def test_kms_key_policy_root_statement_is_not_flagged() -> None:
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    found = _lint(
        {"PS201", "PS202", "PS203", "PS204", "PS205"}, statement, kind=PolicyKind.RESOURCE
    )
    assert found == []


def test_effectively_star_resources() -> None:
    wide = ["arn:aws:s3:::*", "arn:*:*:*:*:*", "arn:aws:iam::*:role/*", "arn:aws:s3:::*/*"]
    narrow = [
        "arn:aws:s3:::b/*",
        "arn:aws:iam::123456789012:role/*",
        "arn:aws:iam::*:role/app/*",
        "arn:aws:ec2:us-east-1:123456789012:instance/*",
    ]
    found = _lint("PS205", _allow(Action="s3:GetObject", Resource=wide + narrow))
    assert [f.pointer for f in found] == [f"/Statement/0/Resource/{i}" for i in range(4)]


def test_service_wildcard_abac_downgrade_and_low_risk_services() -> None:
    abac = _allow(
        Action=["ec2:*", "logs:*"],
        Resource="*",
        Condition={"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}},
    )
    (found,) = _lint("PS203", abac)
    assert found.severity is Severity.WARNING
    assert found.pointer == "/Statement/0/Action/0"


def test_not_action_and_not_resource_fold_into_ps208() -> None:
    statement = _allow(NotAction="iam:*", NotResource="arn:aws:s3:::x")
    assert [f.rule for f in _lint({"PS206", "PS207", "PS208"}, statement)] == ["PS208"]


def test_deny_not_principal_is_only_a_warning() -> None:
    statement = {
        "Effect": "Deny",
        "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/Admin"},
        "Action": "s3:*",
        "Resource": "arn:aws:s3:::b/*",
    }
    (found,) = _lint("PS209", statement, kind=PolicyKind.RESOURCE)
    assert found.severity is Severity.WARNING


def test_deny_with_negated_star_carve_out() -> None:
    statement = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"ArnNotLike": {"aws:PrincipalArn": "*"}},
    }
    (found,) = _lint("PS210", statement, kind=PolicyKind.RESOURCE)
    assert found.pointer == "/Statement/0/Condition/ArnNotLike/aws:PrincipalArn"


def test_pass_role_through_wildcards_and_not_action() -> None:
    assert len(_lint("PS211", _allow(Action="iam:Pass*", Resource="arn:aws:iam::1:role/*"))) == 1
    not_action = _allow(NotAction="s3:*", Resource="*")
    assert len(_lint("PS211", not_action, fold=False)) == 1
    assert _lint("PS211", not_action) == []  # folded into PS206's finding, which names it
    (allow_not_action,) = _lint("PS206", not_action)
    assert "PS211" in allow_not_action.folded
    assert _lint("PS211", _allow(NotAction="iam:*", Resource="*")) == []
    named = _allow(Action="iam:PassRole", Resource="arn:aws:iam::*:role/BatchServiceRole")
    assert _lint("PS211", named) == []


def test_for_all_values_on_unknown_keys_is_not_judged() -> None:
    cond = {"ForAllValues:StringEquals": {"token.actions.githubusercontent.com:sub": "x"}}
    assert _lint("PS213", _allow(Action="sts:AssumeRoleWithWebIdentity", Condition=cond)) == []


def test_for_all_values_with_for_any_value_guard() -> None:
    cond = {
        "ForAllValues:StringEquals": {"aws:TagKeys": ["env"]},
        "ForAnyValue:StringEquals": {"aws:TagKeys": ["env"]},
    }
    assert _lint("PS214", _allow(Action="ec2:CreateTags", Resource="*", Condition=cond)) == []


def test_negated_allow_on_always_present_key_is_fine() -> None:
    cond = {"StringNotEquals": {"aws:PrincipalAccount": "999999999999"}}
    assert _lint("PS216", _allow(Action="s3:GetObject", Resource="*", Condition=cond)) == []


def test_mfa_allow_with_if_exists() -> None:
    cond = {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}
    (found,) = _lint("PS217", _allow(Action="iam:*", Resource="*", Condition=cond))
    assert found.hint == "use Bool"


def test_wildcard_equals_severity_by_effect() -> None:
    cond = {"StringEquals": {"aws:PrincipalArn": "arn:aws:iam::*:role/x"}}
    (allow,) = _lint("PS218", _allow(Action="s3:GetObject", Resource="*", Condition=cond))
    assert allow.severity is Severity.WARNING
    (deny,) = _lint(
        "PS218", {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": cond}
    )
    assert deny.severity is Severity.SECURITY
    escaped = {"StringEquals": {"s3:prefix": "${aws:username}/a"}}
    assert _lint("PS218", _allow(Action="s3:ListBucket", Resource="*", Condition=escaped)) == []


def test_credentials_self_service_and_ecr_token() -> None:
    own = _allow(Action="iam:CreateAccessKey", Resource="arn:aws:iam::*:user/${aws:username}")
    assert _lint("PS221", own) == []
    (ecr,) = _lint("PS221", _allow(Action="ecr:GetAuthorizationToken", Resource="*"))
    assert ecr.severity is Severity.SUGGESTION


def test_data_reads_expand_wildcards_and_honour_conditions() -> None:
    (found,) = _lint("PS222", _allow(Action="s3:Get*", Resource="arn:aws:s3:::*/*"))
    assert "s3:GetObject" in found.message
    conditioned = _allow(
        Action="kms:Decrypt",
        Resource="*",
        Condition={"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}},
    )
    (soft,) = _lint("PS222", conditioned)
    assert soft.severity is Severity.WARNING


def test_infrastructure_modification_is_off_by_default() -> None:
    text = json.dumps(
        {"Version": "2012-10-17", "Statement": [_allow(Action="ec2:RunInstances", Resource="*")]}
    )
    assert all(f.rule != "PS224" for f in lint_source(text, "p.json"))
    (found,) = _lint("PS224", _allow(Action="ec2:RunInstances", Resource="*"))
    assert "ec2: 1" in found.message


def test_deny_list_siblings_are_variants_only() -> None:
    allow = _allow(Action="profile:*", Resource="*")
    deny = {"Effect": "Deny", "Action": "profile:CreateDomain", "Resource": "*"}
    assert _lint("PS226", allow, deny) == []


def test_perimeter_deny_positive_ip_is_not_a_perimeter() -> None:
    deny = {
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {"IpAddress": {"aws:SourceIp": "198.51.100.7/32"}},
    }
    assert _lint("PS227", deny) == []


def test_assume_role_any_account_role() -> None:
    found = _lint("PS228", _allow(Action="sts:Assume*", Resource="arn:aws:iam::*:role/*"))
    assert len(found) == 1
    own = _allow(Action="sts:AssumeRole", Resource="arn:aws:iam::123456789012:role/*")
    assert _lint("PS228", own) == []


def test_secure_transport_allow_false() -> None:
    cond = {"Bool": {"aws:SecureTransport": "false"}}
    assert len(_lint("PS230", _allow(Action="s3:GetObject", Resource="*", Condition=cond))) == 1
