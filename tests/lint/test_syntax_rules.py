"""Focused cases for the PS0xx rules: positions, dual severities and policy-type guards."""

from __future__ import annotations

import json
from typing import Any

from policysim.lint.finding import Finding, Severity
from policysim.lint.policy_type import PolicyKind
from policysim.lint.rules.syntax import policy_size
from policysim.lint.runner import lint_node, lint_source
from policysim.policy.source import parse_source

S = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
TRUST = {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole"}


def doc(*statements: dict[str, Any], version: str | None = "2012-10-17") -> dict[str, Any]:
    out: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        out = {"Version": version, **out}
    return out


def run(
    document: Any,
    rule: str,
    kind: PolicyKind = PolicyKind.IDENTITY,
    service: str | None = None,
) -> list[Finding]:
    text = document if isinstance(document, str) else json.dumps(document, indent=2)
    findings = lint_source(text, "p.json", kind=kind, service=service)
    return [f for f in findings if f.rule == rule]


def where(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column of the first occurrence of `needle`."""
    before = text[: text.index(needle)]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def messages(findings: list[Finding]) -> str:
    return " | ".join(f.message for f in findings)


# --- PS005 / PS006 / PS007 / PS008 ------------------------------------------------------------


def test_ps005_severity_depends_on_variables() -> None:
    plain = run(doc(S, version="2008-10-17"), "PS005")
    assert [f.severity for f in plain] == [Severity.SUGGESTION]
    with_var = doc({**S, "Resource": "arn:aws:s3:::b/${aws:username}/*"}, version="2008-10-17")
    assert [f.severity for f in run(with_var, "PS005")] == [Severity.ERROR]
    assert run(doc(S), "PS005") == []


def test_ps006_null_and_empty_statement() -> None:
    assert run({"Version": "2012-10-17", "Statement": []}, "PS006")
    assert run({"Version": "2012-10-17", "Statement": None}, "PS006")
    assert run(doc(S), "PS006") == []


def test_ps007_points_at_the_key_and_explains_case() -> None:
    text = (
        '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow",'
        ' "action": "s3:GetObject", "Resource": "*"}\n  ]\n}'
    )
    (finding,) = run(text, "PS007")
    assert (finding.line, finding.column) == where(text, '"action"')
    assert finding.pointer == "/Statement/0/action"
    assert finding.hint is not None and "'Action'" in finding.hint


def test_ps007_top_level_typo() -> None:
    (finding,) = run({"Version": "2012-10-17", "Statements": [S]}, "PS007")
    assert finding.pointer == "/Statements"


def test_ps008_points_at_the_value() -> None:
    text = (
        '{"Version": "2012-10-17",\n "Statement": {"Effect": "Allow ", "Action": "*",'
        ' "Resource": "*"}}'
    )
    (finding,) = run(text, "PS008")
    assert (finding.line, finding.column) == where(text, '"Allow "')
    assert run(doc({"Action": "*", "Resource": "*"}), "PS008")


# --- PS010 / PS011 / PS012 --------------------------------------------------------------------


def test_ps010_by_policy_type() -> None:
    no_resource = doc({"Effect": "Allow", "Action": "s3:GetObject"})
    assert run(no_resource, "PS010", PolicyKind.SCP)
    assert run(no_resource, "PS010", PolicyKind.BOUNDARY)
    trust_with_resource = doc({**TRUST, "Resource": "*"})
    (finding,) = run(trust_with_resource, "PS010", PolicyKind.TRUST)
    assert finding.pointer == "/Statement/0/Resource"
    assert run(doc(TRUST), "PS010", PolicyKind.TRUST) == []
    bucket = doc({**S, "Principal": "*"})
    assert run({**bucket, "Statement": [TRUST]}, "PS010", PolicyKind.RESOURCE) == []


def test_ps011_points_at_the_not_element() -> None:
    (finding,) = run(doc({**S, "NotResource": "arn:aws:s3:::c/*"}), "PS011")
    assert finding.pointer == "/Statement/0/NotResource"


def test_ps012_wrong_types() -> None:
    bad = doc(
        {**S, "Sid": 1},
        {**S, "Principal": ["*"]},
        {**S, "Condition": {"StringEquals": {"aws:PrincipalTag/team": {"x": "y"}}}},
        {**S, "Action": ["s3:GetObject", 7]},
    )
    found = run(bad, "PS012", PolicyKind.RESOURCE)
    assert {f.pointer for f in found} == {
        "/Statement/0/Sid",
        "/Statement/1/Principal",
        "/Statement/2/Condition/StringEquals/aws:PrincipalTag/team",
        "/Statement/3/Action/1",
    }
    assert [f.statement for f in found] == sorted(f.statement for f in found)
    assert {f.statement for f in found} == {0, 1, 2, 3}


def test_ps012_accepts_scalar_condition_values() -> None:
    ok = doc({**S, "Condition": {"NumericLessThan": {"s3:max-keys": 10}, "Bool": {"x:y": True}}})
    assert run(ok, "PS012") == []


def test_ps012_root_not_an_object() -> None:
    assert run("[1, 2]", "PS012")


# --- PS013 / PS014 / PS015 --------------------------------------------------------------------


def test_ps013_only_identity_like() -> None:
    lenient = doc({**S, "Sid": "allow read", "Principal": "*"})
    assert run(lenient, "PS013", PolicyKind.RESOURCE) == []
    assert run(doc({**S, "Sid": "allow read"}), "PS013", PolicyKind.SCP)
    assert run(doc({**S, "Sid": ""}), "PS013") == []


def test_ps014_dual_severity_and_position() -> None:
    text = (
        '{"Version": "2012-10-17", "Statement": [\n'
        ' {"Sid": "Read", "Effect": "Deny", "Action": "s3:*", "Resource": "*"},\n'
        ' {"Sid": "Read", "Effect": "Deny", "Action": "ec2:*", "Resource": "*"}]}'
    )
    (identity,) = run(text, "PS014")
    assert identity.severity is Severity.WARNING
    assert (identity.line, identity.column, identity.statement) == (3, 10, 1)
    assert (identity.line, identity.column) == where(
        text, '"Read", "Effect": "Deny", "Action": "ec2'
    )
    (scp,) = run(text, "PS014", PolicyKind.SCP)
    assert scp.severity is Severity.ERROR
    assert run(doc({**S, "Sid": ""}, {**S, "Sid": ""}), "PS014") == []


def test_ps015_required_and_forbidden() -> None:
    assert run(doc(S), "PS015", PolicyKind.RESOURCE)
    assert run(doc(S), "PS015", PolicyKind.RCP)
    assert run(doc({**S, "NotPrincipal": {"AWS": "111122223333"}}), "PS015", PolicyKind.SCP)
    assert run(doc({**S, "Principal": "*"}), "PS015", PolicyKind.RESOURCE) == []
    assert run(doc(S), "PS015", PolicyKind.ENDPOINT) == []


# --- principals -------------------------------------------------------------------------------


def test_ps016_points_at_the_unknown_key() -> None:
    text = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",\n "Principal":'
        ' {"aws": "111122223333"}, "Action": "s3:*", "Resource": "*"}]}'
    )
    (finding,) = run(text, "PS016", PolicyKind.RESOURCE)
    assert (finding.line, finding.column) == where(text, '"aws"')
    assert finding.hint is not None and "'AWS'" in finding.hint


def _principal(kind: str, value: Any) -> dict[str, Any]:
    return doc({**S, "Principal": {kind: value}})


def test_ps017_accepted_forms() -> None:
    good = [
        "*",
        "111122223333",
        "arn:aws:iam::111122223333:root",
        "arn:aws:iam::111122223333:role/path/app",
        "arn:aws-cn:iam::111122223333:user/u",
        "arn:aws:sts::111122223333:assumed-role/r/session",
        "arn:aws:sts::111122223333:federated-user/bob",
        "AROAEXAMPLEEXAMPLE123",
        "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2EXAMPLE",
    ]
    assert run(_principal("AWS", good), "PS017", PolicyKind.RESOURCE) == []


def test_ps017_rejected_forms() -> None:
    bad = [
        "arn:aws:iam::*:root",
        "12345",
        "arn:aws:iam::111122223333:group/g",
        "arn:aws:s3:::bucket",
        "arn:aws:iam:us-east-1:111122223333:root",
    ]
    found = run(_principal("AWS", bad), "PS017", PolicyKind.RESOURCE)
    assert [f.pointer.rsplit("/", 1)[1] for f in found] == ["0", "1", "2", "3", "4"]
    assert "wildcard" in found[0].message
    assert run(_principal("CanonicalUser", "abc"), "PS017", PolicyKind.RESOURCE)


def test_ps018_service_principals() -> None:
    ok = ["s3.amazonaws.com", "logs.eu-west-1.amazonaws.com", "ec2.amazonaws.com.cn"]
    assert run(_principal("Service", ok), "PS018", PolicyKind.RESOURCE) == []
    (finding,) = run(_principal("Service", "lambda.amazon.com"), "PS018", PolicyKind.RESOURCE)
    assert finding.hint == "did you mean 'lambda.amazonaws.com'?"


def _federated(value: str, action: Any) -> dict[str, Any]:
    return doc({"Effect": "Allow", "Principal": {"Federated": value}, "Action": action})


OIDC = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"


def test_ps019_pairings() -> None:
    assert run(_federated(OIDC, "sts:AssumeRoleWithSAML"), "PS019", PolicyKind.TRUST)
    assert run(_federated(OIDC, "sts:AssumeRole"), "PS019", PolicyKind.TRUST)
    assert run(_federated(OIDC, "sts:AssumeRoleWithWebIdentity"), "PS019", PolicyKind.TRUST) == []
    cognito = _federated("cognito-identity.amazonaws.com", "sts:AssumeRoleWithWebIdentity")
    assert run(cognito, "PS019", PolicyKind.TRUST) == []
    (unknown,) = run(_federated("okta.com", "sts:AssumeRoleWithSAML"), "PS019", PolicyKind.TRUST)
    assert "neither" in unknown.message


def test_ps020_only_trust() -> None:
    deny = doc({**S, "Effect": "Deny", "NotPrincipal": {"AWS": "111122223333"}})
    assert run(deny, "PS020", PolicyKind.RESOURCE) == []


# --- conditions -------------------------------------------------------------------------------


def test_ps021_position_and_null_handoff() -> None:
    text = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*",\n'
        ' "Resource": "*", "Condition": {"ForAllValue:StringLike": {"aws:TagKeys": "a*"}}}]}'
    )
    (finding,) = run(text, "PS021")
    assert (finding.line, finding.column) == where(text, '"ForAllValue')
    assert finding.pointer == "/Statement/0/Condition/ForAllValue:StringLike"
    null = doc({**S, "Condition": {"NullIfExists": {"aws:TokenIssueTime": "true"}}})
    assert run(null, "PS021") == []
    assert run(null, "PS024")
    qualified = doc({**S, "Condition": {"ForAllValues:Null": {"aws:TagKeys": "true"}}})
    assert run(qualified, "PS021") == []
    bad_qualifier = doc({**S, "Condition": {"ForEach:Null": {"aws:TagKeys": "true"}}})
    assert run(bad_qualifier, "PS021")


def test_ps022_spaces_and_prefix() -> None:
    for key in ("aws:Source Ip", "SourceIp", " aws:SourceIp", "aws:ResourceTag/"):
        assert run(doc({**S, "Condition": {"StringEquals": {key: "x"}}}), "PS022"), key


def test_ps022_accepts_provider_url_prefixes() -> None:
    keys = {
        "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub": "x",
        "token.actions.githubusercontent.com:sub": "repo:o/r:*",
        "aws:PrincipalTag/${aws:username}": "x",
    }
    assert run(doc({**S, "Condition": {"StringLike": keys}}), "PS022") == []


def test_ps023_ignores_qualified_bool() -> None:
    qualified = {"ForAnyValue:Bool": {"x:y": ["true", "false"]}}
    assert run(doc({**S, "Condition": qualified}), "PS023") == []


def test_ps024_null_value() -> None:
    (finding,) = run(doc({**S, "Condition": {"Null": {"aws:TokenIssueTime": "yes"}}}), "PS024")
    assert finding.pointer == "/Statement/0/Condition/Null/aws:TokenIssueTime"
    ok = doc({**S, "Condition": {"Null": {"aws:TokenIssueTime": False}}})
    assert run(ok, "PS024") == []


# --- variables --------------------------------------------------------------------------------


def _resource(value: str, version: str = "2012-10-17") -> dict[str, Any]:
    return doc({**S, "Resource": value}, version=version)


def test_ps025_problems() -> None:
    cases = {
        "arn:aws:s3:::b/${}/*": "empty",
        "arn:aws:s3:::b/${aws: username}/*": "space",
        "arn:aws:s3:::b/${aws:username, anon}/*": "single quotes",
        "arn:aws:s3:::b/${aws:user#name}/*": "unsupported symbols",
        "arn:aws:s3:::b/${aws:username": "no closing",
    }
    for value, word in cases.items():
        assert word in messages(run(_resource(value), "PS025")), value
    fine = ["arn:aws:s3:::b/${*}/${aws:PrincipalTag/team-name, 'x'}", "arn:aws:s3:::b/${?}"]
    assert run(doc({**S, "Resource": fine}), "PS025") == []


def test_ps025_and_ps026_only_when_variables_are_substituted() -> None:
    legacy = _resource("arn:aws:s3:::b/${aws:username", version="2008-10-17")
    assert run(legacy, "PS025") == []
    action = doc({**S, "Action": "s3:${aws:username}"}, version=None)
    assert run(action, "PS026") == []


def test_ps026_sites() -> None:
    numeric = doc({**S, "Condition": {"NumericLessThan": {"s3:max-keys": "${aws:username}"}}})
    assert run(numeric, "PS026")
    head = _resource("arn:aws:s3:${aws:RequestedRegion}::b/*")
    assert "fifth colon" in messages(run(head, "PS026"))
    key = doc({**S, "Condition": {"StringEquals": {"aws:PrincipalTag/${aws:username}": "x"}}})
    assert run(key, "PS026")
    bool_value = doc({**S, "Condition": {"Bool": {"aws:SecureTransport": "${aws:x}"}}})
    assert run(bool_value, "PS026") == []


# --- actions and resources --------------------------------------------------------------------


def test_ps027_shapes() -> None:
    bad = ["s3GetObject", "s3: GetObject", "s3:Get:Object", "s*:GetObject", "s3:", "s3:Get#"]
    found = run(doc({**S, "Action": bad}), "PS027")
    assert len(found) == len(bad)
    good = ["s3:Get*", "*", "kafka-cluster:Connect", "s3:?etObject"]
    assert run(doc({**S, "Action": good}), "PS027") == []
    assert run(doc({**S, "Action": "s3:${aws:username}"}), "PS027") == []  # PS026's


def test_ps028_shapes() -> None:
    bad = [
        "arn:aws:S3:::b",
        "arn:aws:iam::12345:role/x",
        "arn:aws:s3:::bucket1:*",
        "arn:aws:s3:::",
        "arn:aws:s3",
        "arn:foo:s3:::b",
        "bucket/*",
        "arn:aws:ec2:useast1:111122223333:instance/*",
    ]
    found = run(doc({**S, "Resource": bad}), "PS028")
    assert len(found) == len(bad), messages(found)
    good = [
        "*",
        "arn:*:s3:::b/*",
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "arn:aws:s3:::b-${aws:PrincipalAccount}/*",
        "arn:aws:s3:eu-west-1:111122223333:accesspoint/ap",
        "arn:aws:ec2:*:*:instance/*",
        "arn:aws-us-gov:ec2:us-gov-west-1:111122223333:instance/i-1",
    ]
    assert run(doc({**S, "Resource": good}), "PS028") == []


def test_ps028_position_in_array() -> None:
    text = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*",\n'
        ' "Resource": ["arn:aws:s3:::a/*",\n   "arn:aws:s3:::b:*"]}]}'
    )
    (finding,) = run(text, "PS028")
    assert (finding.line, finding.column) == where(text, '"arn:aws:s3:::b:*"')
    assert finding.pointer == "/Statement/0/Resource/1"


# --- SCP / RCP --------------------------------------------------------------------------------


def test_ps029_scp_only() -> None:
    middle = doc({**S, "Action": ["iam:*Role", "s3:Get?bject", "ec2:*"]})
    assert len(run(middle, "PS029", PolicyKind.SCP)) == 2
    assert run(middle, "PS029", PolicyKind.IDENTITY) == []


def test_ps030_rcp_rules() -> None:
    statement = {
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "NotAction": "s3:Get*",
        "Resource": "*",
    }
    found = run(
        doc(statement, {**statement, "NotAction": None, "Action": ["*", "ec2:*"]}),
        "PS030",
        PolicyKind.RCP,
    )
    text = messages(found)
    assert "exactly" in text and "NotAction" in text and "bare" in text and "'ec2'" in text
    assert run(doc(statement), "PS030", PolicyKind.RESOURCE) == []


# --- size -------------------------------------------------------------------------------------


def _sized(chars: int, statement: dict[str, Any]) -> dict[str, Any]:
    base = doc({**statement, "Sid": ""})
    pad = chars - policy_size(base)
    return doc({**statement, "Sid": "A" * pad})


def test_ps031_trust_is_raisable() -> None:
    assert run(_sized(2048, TRUST), "PS031", PolicyKind.TRUST) == []
    (warning,) = run(_sized(3000, TRUST), "PS031", PolicyKind.TRUST)
    assert warning.severity is Severity.WARNING
    (error,) = run(_sized(4097, TRUST), "PS031", PolicyKind.TRUST)
    assert error.severity is Severity.ERROR


def test_ps031_whitespace_outside_strings_is_free() -> None:
    document = _sized(5120, S)
    padded = json.dumps(document, indent=8)
    assert run(padded, "PS031", PolicyKind.SCP) == []


def test_ps031_identity_needs_attachment_and_resource_needs_service() -> None:
    big = _sized(7000, S)
    assert run(big, "PS031") == []  # AWS managed policies may be larger
    root = parse_source(json.dumps(big), "t.json")
    managed = {"source": "cloudformation", "type": "AWS::IAM::ManagedPolicy"}
    findings = lint_node(root, "t.json", kind=PolicyKind.IDENTITY, attachment=managed)
    assert [f.rule for f in findings if f.rule == "PS031"] == ["PS031"]
    role = {"source": "terraform", "type": "aws_iam_role_policy"}
    findings = lint_node(root, "t.json", kind=PolicyKind.IDENTITY, attachment=role)
    assert [f for f in findings if f.rule == "PS031"] == []
    bucket = _sized(20000, {**S, "Principal": "*"})
    assert run(bucket, "PS031", PolicyKind.RESOURCE, "s3") == []
    assert run(bucket, "PS031", PolicyKind.RESOURCE, "sqs")


def test_ps032_wildcards_cover() -> None:
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "rolesanywhere.amazonaws.com"},
        "Action": ["sts:AssumeRole", "sts:TagSession"],
    }
    (finding,) = run(doc(statement), "PS032", PolicyKind.TRUST)
    assert "sts:SetSourceIdentity" in finding.message and "TagSession" not in finding.message
    assert run(doc({**statement, "Action": "sts:*"}), "PS032", PolicyKind.TRUST) == []
