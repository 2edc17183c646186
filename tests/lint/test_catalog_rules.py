"""PS1xx: catalog rules, beyond the catalog's example and near miss."""

from __future__ import annotations

import json
from typing import Any

from policysim.lint.finding import Finding, Severity
from policysim.lint.policy_type import PolicyKind
from policysim.lint.runner import LintOptions, lint_source


def _lint(
    rule: str | set[str], *statements: Any, kind: PolicyKind = PolicyKind.IDENTITY
) -> list[Finding]:
    wanted = {rule} if isinstance(rule, str) else rule
    text = json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)
    options = LintOptions(enabled=frozenset(wanted))
    return [f for f in lint_source(text, "p.json", kind=kind, options=options) if f.rule in wanted]


def _s(**kw: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Resource": "*", **kw}


def test_unknown_prefix_points_at_the_entry() -> None:
    found = _lint("PS101", _s(Action=["s3:GetObject", "ec3:RunInstances"]))
    assert len(found) == 1
    assert found[0].pointer == "/Statement/0/Action/1"
    assert (found[0].line, found[0].column) == (9, 9)
    assert found[0].hint is not None and "ec2" in found[0].hint


def test_malformed_and_star_actions_are_not_unknown_prefixes() -> None:
    assert _lint("PS101", _s(Action=["*", "s3GetObject", "s*:GetObject"])) == []


def test_unknown_action_only_for_known_prefix_and_in_notaction() -> None:
    assert _lint("PS102", _s(Action="nosuchsvc:DoIt")) == []
    found = _lint("PS102", {"Effect": "Allow", "NotAction": "s3:Gett*", "Resource": "*"})
    assert [f.message.startswith("'s3:Gett*' matches no action") for f in found] == [True]


def test_unknown_action_suggests_the_close_name() -> None:
    (found,) = _lint("PS102", _s(Action="iam:PassRoles"))
    assert found.hint is not None and "iam:PassRole" in found.hint


def test_oidc_and_saml_keys_are_never_unknown() -> None:
    cond = {
        "StringEquals": {
            "token.actions.githubusercontent.com:sub": "repo:o/r:*",
            "saml:aud": "https://signin.aws.amazon.com/saml",
            "accounts.google.com:aud": "x",
        }
    }
    statement = _s(Action="sts:AssumeRoleWithWebIdentity", Condition=cond)
    assert _lint("PS103", statement) == []
    assert _lint("PS104", statement) == []


def test_global_keys_case_insensitive_and_templated() -> None:
    cond = {"StringEquals": {"AWS:PrincipalTag/team": "a", "aws:requesttag/env": "p"}}
    assert _lint("PS103", _s(Action="s3:GetObject", Condition=cond)) == []


def test_deprecated_key_is_not_also_unknown() -> None:
    statement = _s(Action="s3:GetObject", Condition={"ArnEquals": {"aws:arn": "arn:aws:iam::1:x"}})
    assert _lint("PS103", statement) == []
    assert len(_lint("PS107", statement)) == 1


def test_key_supported_by_some_actions_is_a_warning() -> None:
    statement = _s(
        Action=["s3:ListBucket", "s3:GetObject"],
        Condition={"StringLike": {"s3:prefix": "home/*"}},
    )
    (found,) = _lint("PS105", statement)
    assert found.severity is Severity.WARNING
    assert "s3:GetObject" in found.message


def test_key_support_skips_ifexists_wildcards_and_context_keys() -> None:
    if_exists = {"StringLikeIfExists": {"s3:prefix": "home/*"}}
    assert _lint("PS105", _s(Action="s3:GetObject", Condition=if_exists)) == []
    assert _lint("PS105", _s(Action="*", Condition={"StringLike": {"s3:prefix": "x"}})) == []
    source = {"ArnEquals": {"ec2:SourceInstanceARN": "arn:aws:ec2:us-east-1:1:instance/i-1"}}
    assert _lint("PS105", _s(Action="ssm:SendCommand", Condition=source)) == []


def test_tag_key_style_placeholders_match() -> None:
    cond = {"StringEquals": {"secretsmanager:ResourceTag/aws:secretsmanager:owningService": "x"}}
    assert _lint("PS105", _s(Action="secretsmanager:GetSecretValue", Condition=cond)) == []


def test_bucket_key_irrelevant_only_in_bucket_policy() -> None:
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/*",
        "Condition": {"StringEquals": {"s3:ResourceAccount": "123456789012"}},
    }
    assert len(_lint("PS106", statement, kind=PolicyKind.RESOURCE)) == 1
    identity = {k: v for k, v in statement.items() if k != "Principal"}
    assert _lint("PS106", identity) == []


def test_string_operator_on_arn_key_is_reported_once_by_ps513() -> None:
    """PS108 and PS513 both reported a String operator on an ARN key; PS513 alone does now."""
    for operator in ("StringLike", "StringEquals", "StringNotEquals"):
        cond = {operator: {"aws:SourceArn": "arn:aws:sns:*:1:t"}}
        found = _lint({"PS108", "PS513"}, _s(Action="sns:Publish", Condition=cond))
        assert [(f.rule, f.severity) for f in found] == [("PS513", Severity.SUGGESTION)]
    wrong_family = {"NumericEquals": {"aws:SourceArn": "1"}}
    assert [f.rule for f in _lint("PS108", _s(Action="sns:Publish", Condition=wrong_family))] == [
        "PS108"
    ]
    numeric_epoch = {"NumericLessThan": {"aws:EpochTime": "1700000000"}}
    assert _lint("PS108", _s(Action="sns:Publish", Condition=numeric_epoch)) == []


def test_unparseable_values_are_located_and_variables_skipped() -> None:
    cond = {
        "NumericLessThan": {"s3:max-keys": ["10", "ten"]},
        "Bool": {"aws:SecureTransport": "yes"},
    }
    found = _lint("PS109", _s(Action="s3:ListBucket", Condition=cond))
    assert sorted(f.pointer for f in found) == [
        "/Statement/0/Condition/Bool/aws:SecureTransport",
        "/Statement/0/Condition/NumericLessThan/s3:max-keys/1",
    ]
    with_var = {"DateLessThan": {"aws:CurrentTime": "${aws:TokenIssueTime}"}}
    assert _lint("PS109", _s(Action="s3:ListBucket", Condition=with_var)) == []


def test_resource_type_matching_uses_patterns() -> None:
    ok = ["arn:aws:s3:::${aws:username}-*/*", "arn:aws:logs:*:*:log-group:g:*"]
    assert _lint("PS110", _s(Action="s3:GetObject", Resource=ok)) == []
    assert _lint("PS110", _s(Action="logs:PutLogEvents", Resource=ok)) == []
    found = _lint("PS110", _s(Action="logs:PutLogEvents", Resource="arn:aws:logs:*:*:/aws/x/*"))
    assert len(found) == 1


def test_no_resource_level_action_severity_and_guards() -> None:
    specific = _s(Action="s3:ListAllMyBuckets", Resource="arn:aws:s3:::b")
    (found,) = _lint("PS111", specific)
    assert found.severity is Severity.WARNING  # a real bucket ARN: the catalog may lag
    (wrong,) = _lint(
        "PS111", _s(Action="s3:ListAllMyBuckets", Resource="arn:aws:nosuchsvc:us-east-1:1:x/y")
    )
    assert wrong.severity is Severity.ERROR
    assert _lint("PS111", specific, _s(Action="s3:List*")) == []
    assert _lint("PS111", _s(Action="s3:ListAllMyBuckets", Resource="arn:aws:s3:::*")) == []


def test_arn_segments_follow_the_matching_template() -> None:
    access_point = "arn:aws:s3:us-east-1:123456789012:accesspoint/ap/object/*"
    assert _lint("PS112", _s(Action="s3:GetObject", Resource=access_point)) == []
    (found,) = _lint("PS112", _s(Action="logs:GetLogEvents", Resource="arn:aws:logs:::log-group:x"))
    assert "region" in found.message and "account" in found.message
    iam = _lint("PS112", _s(Action="iam:GetRole", Resource="arn:aws:iam:us-east-1:1:role/x"))
    assert len(iam) == 1


def test_foreign_action_in_bucket_policy() -> None:
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": ["s3:GetObject", "s3-object-lambda:GetObject", "sqs:SendMessage"],
        "Resource": "arn:aws:s3:::b/*",
    }
    found = _lint("PS114", statement, kind=PolicyKind.RESOURCE)
    assert [f.pointer for f in found] == ["/Statement/0/Action/2"]


def test_service_principal_keys_only_for_pure_service_principals() -> None:
    mixed = {
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com", "AWS": "arn:aws:iam::1:root"},
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc1234567"}},
    }
    assert _lint("PS115", mixed, kind=PolicyKind.RESOURCE) == []


def test_private_source_ip_only_when_all_private() -> None:
    mixed = {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "10.0.0.0/8"]}}
    assert _lint("PS117", _s(Action="s3:GetObject", Condition=mixed)) == []
    deny = {
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {"NotIpAddress": {"aws:SourceIp": ["192.168.0.0/16", "fd00::/8"]}},
    }
    assert len(_lint("PS117", deny)) == 1


def test_vpc_ids_with_wildcards_are_not_judged() -> None:
    cond = {"StringLike": {"aws:SourceVpc": "vpc-*", "aws:SourceVpce": "vpce-0123456789abcdef0"}}
    assert _lint("PS118", _s(Action="s3:GetObject", Condition=cond)) == []


def test_unique_id_principal() -> None:
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": ["arn:aws:iam::1:root", "AIDAJQABLZS4A3QDU576Q"]},
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/*",
    }
    (found,) = _lint("PS119", statement, kind=PolicyKind.RESOURCE)
    assert found.pointer == "/Statement/0/Principal/AWS/1"
    assert "user" in found.message


def test_org_paths_are_checked_up_to_the_wildcard() -> None:
    good = {
        "ForAnyValue:StringLike": {
            "aws:PrincipalOrgPaths": ["o-a1b2c3d4e5/*", "o-a1b2c3d4e5/r-ab12/ou-*"]
        }
    }
    assert _lint("PS120", _s(Action="s3:GetObject", Condition=good)) == []
    bad = {"ForAnyValue:StringEquals": {"aws:PrincipalOrgPaths": "o-a1b2c3d4e5/ou-ab12-11111111/"}}
    assert len(_lint("PS120", _s(Action="s3:GetObject", Condition=bad))) == 1


def test_account_numbers_in_principals_and_conditions() -> None:
    text = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        '"Principal":{"AWS":[12345678901,"1234567890123"]},"Action":"s3:GetObject",'
        '"Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":'
        '{"aws:PrincipalAccount":"anonymous","aws:SourceAccount":"${aws:PrincipalAccount}"}}}]}'
    )
    options = LintOptions(enabled=frozenset({"PS121"}))
    found = [
        f
        for f in lint_source(text, "p.json", kind=PolicyKind.RESOURCE, options=options)
        if f.rule == "PS121"
    ]
    assert sorted(f.pointer for f in found) == [
        "/Statement/0/Principal/AWS/0",
        "/Statement/0/Principal/AWS/1",
    ]


def test_tag_condition_negated_or_ifexists_is_not_reported() -> None:
    actions = ["ec2:StartInstances", "s3:ListAllMyBuckets"]
    for op in ("StringNotEquals", "StringEqualsIfExists"):
        cond = {op: {"aws:ResourceTag/team": "a"}}
        assert _lint("PS122", _s(Action=actions, Condition=cond)) == []
    deny = {
        "Effect": "Deny",
        "Action": actions,
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceTag/team": "a"}},
    }
    assert _lint("PS122", deny) == []


def test_region_snapshot_covers_every_partition() -> None:
    from policysim.catalog.regions import known_regions, regions_source

    regions = known_regions()
    assert {"us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1"} <= regions
    assert regions_source().startswith("botocore ")


def test_unknown_region_in_arns_and_requested_region() -> None:
    found = _lint(
        "PS116",
        _s(
            Action="ec2:*",
            Resource=[
                "arn:aws:ec2:eu-west-9:123456789012:instance/*",
                "arn:aws:ec2:US-EAST-1:123456789012:instance/*",  # case-insensitive head
                "arn:aws:ec2:${aws:RequestedRegion}:123456789012:instance/*",
                "arn:aws:s3:::bucket",
            ],
            Condition={
                "StringNotEqualsIfExists": {"aws:RequestedRegion": ["us-east-1", "moon-1"]},
                "StringLike": {"aws:RequestedRegion": "eu-*"},
            },
        ),
        {"Effect": "Deny", "NotResource": "arn:aws:sqs:xx-north-7:*:*", "Action": "sqs:*"},
    )
    assert sorted(f.pointer for f in found) == [
        "/Statement/0/Condition/StringNotEqualsIfExists/aws:RequestedRegion/1",
        "/Statement/0/Resource/0",
        "/Statement/1/NotResource",
    ]
    assert all(f.severity is Severity.ERROR for f in found)
