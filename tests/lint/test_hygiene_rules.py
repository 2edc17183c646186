"""Focused cases for the PS5xx rules: positions, coverage subtleties and policy-type guards."""

from __future__ import annotations

import json
from typing import Any

from policysim.lint.finding import Finding
from policysim.lint.policy_type import PolicyKind
from policysim.lint.rules.hygiene import action_covers, resource_covers
from policysim.lint.runner import LintOptions, lint_source

S = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
TRUST = {"Effect": "Allow", "Action": "sts:AssumeRole"}


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def cond(condition: dict[str, Any]) -> dict[str, Any]:
    return doc({**S, "Condition": condition})


def run(document: Any, rule: str, kind: PolicyKind = PolicyKind.IDENTITY) -> list[Finding]:
    text = document if isinstance(document, str) else json.dumps(document, indent=2)
    options = LintOptions(enabled=frozenset({rule}))
    return [f for f in lint_source(text, "p.json", kind=kind, options=options) if f.rule == rule]


def where(text: str, needle: str) -> tuple[int, int]:
    before = text[: text.index(needle)]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def test_coverage_helpers_are_sound() -> None:
    assert action_covers("s3:Get*", "s3:GetObject*")
    assert action_covers("S3:*", "s3:GetObject")
    assert not action_covers("s3:Get?", "s3:Get*")  # '?' is one character, '*' is any
    assert not action_covers("s3:Get*", "ec2:GetConsoleOutput")
    assert not action_covers("s3:GetObject", "*")
    assert resource_covers("arn:aws:s3:::b/*", "arn:aws:s3:::b/logs/*")
    assert not resource_covers("arn:aws:s3:::b/*", "arn:aws:s3:::b")
    assert not resource_covers("arn:aws:s3:::b/${aws:username}", "arn:aws:s3:::b/x")
    assert not resource_covers("arn:aws:ec2:*:*:x/*", "arn:aws:ec2:a:b:c:x/1")


def test_ps501_explains_empty_value_lists() -> None:
    found = run(cond({"ForAllValues:StringEquals": {"aws:TagKeys": []}}), "PS501")
    assert "ForAllValues" in found[0].message
    assert run(doc({**S, "Action": []}), "PS501")
    assert run(doc({**S, "Principal": {}}), "PS501", PolicyKind.RESOURCE)
    assert run(doc({**S, "Condition": {}}), "PS501")


def test_ps502_position() -> None:
    text = json.dumps(doc({"Sid": "", **S}), indent=2)
    (finding,) = run(text, "PS502")
    assert (finding.line, finding.column) == where(text, '"Sid"')


def test_ps503_reports_the_later_duplicate_once() -> None:
    text = json.dumps(doc({**S, "Action": ["s3:GetObject", "S3:getobject"]}), indent=2)
    (finding,) = run(text, "PS503")
    assert finding.pointer == "/Statement/0/Action/1"
    assert (finding.line, finding.column) == where(text, '"S3:getobject"')
    assert run(doc({**S, "Action": ["s3:Get?", "s3:Get*"]}), "PS503")  # '?' form covered
    assert run(doc({**S, "NotAction": ["iam:*", "iam:PassRole"], "Action": None}), "PS503")


def test_ps504_duplicates_and_wildcards() -> None:
    duplicate = doc({**S, "Resource": ["arn:aws:s3:::b/*", "arn:aws:s3:::b/*"]})
    assert len(run(duplicate, "PS504")) == 1
    star = doc({**S, "Resource": ["*", "arn:aws:s3:::b/*"]})
    (finding,) = run(star, "PS504")
    assert finding.pointer == "/Statement/0/Resource/1"


def test_ps505_subsumed_and_duplicate() -> None:
    broad = {"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}
    (finding,) = run(doc(S, broad), "PS505")
    assert finding.statement == 0 and "covered" in finding.message
    (finding,) = run(doc({**S, "Sid": "A"}, {**S, "Sid": "B"}), "PS505")
    assert finding.statement == 1 and "duplicates" in finding.message
    assert run(doc(S, {**broad, "Effect": "Deny"}), "PS505") == []
    other_principal = {**S, "Principal": {"AWS": "111122223333"}}
    assert (
        run(doc(other_principal, {**broad, "Principal": "*"}), "PS505", PolicyKind.RESOURCE) == []
    )


def test_ps506_picks_the_widest() -> None:
    (finding,) = run(cond({"NumericGreaterThan": {"s3:max-keys": ["10", "5"]}}), "PS506")
    assert "'5'" in finding.message
    assert run(cond({"NumericEquals": {"s3:max-keys": ["10", "5"]}}), "PS506") == []


def test_ps507_ipv6_and_plain_address() -> None:
    (finding,) = run(cond({"NotIpAddress": {"aws:SourceIp": "2001:db8::1/32"}}), "PS507")
    assert finding.hint == "write '2001:db8::/32'"
    assert run(cond({"IpAddress": {"aws:SourceIp": "203.0.113.7"}}), "PS507") == []


def test_ps508_only_mixed_lists() -> None:
    private = cond({"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}})
    assert run(private, "PS508") == []
    other_key = cond({"IpAddress": {"aws:VpcSourceIp": ["203.0.113.0/24", "10.0.0.0/8"]}})
    assert run(other_key, "PS508") == []
    mixed = cond({"IpAddress": {"aws:SourceIp": ["10.1.0.0/16", "198.51.100.0/24"]}})
    (finding,) = run(mixed, "PS508")
    assert finding.pointer.endswith("/aws:SourceIp/0")


def test_ps510_full_service_wildcard_is_not_flagged() -> None:
    assert run(doc({**S, "Resource": "arn:aws:*:*:111122223333:*"}), "PS510") == []


def test_ps511_session_alone() -> None:
    alone = doc({**TRUST, "Principal": {"AWS": "arn:aws:sts::111122223333:assumed-role/r/s"}})
    (finding,) = run(alone, "PS511", PolicyKind.TRUST)
    assert "name the role" in finding.message


def test_ps512_ignores_other_claims() -> None:
    sub = {"ForAnyValue:StringLike": {"token.actions.githubusercontent.com:sub": "repo:o/*"}}
    assert (
        run(
            doc({**TRUST, "Principal": {"Federated": "x"}, "Condition": sub}),
            "PS512",
            PolicyKind.TRUST,
        )
        == []
    )


def test_ps513_negated_operator() -> None:
    (finding,) = run(cond({"StringNotLike": {"aws:SourceArn": "arn:aws:sns:*:*:t"}}), "PS513")
    assert "ArnNotLike" in finding.message


def test_ps514_operator_and_key_casing() -> None:
    text = json.dumps(cond({"stringequals": {"aws:sourcevpc": "vpc-1"}}), indent=2)
    found = run(text, "PS514")
    assert {f.hint for f in found} == {"write 'StringEquals'", "write 'aws:SourceVpc'"}
    assert run(doc({**S, "Action": "s3:get*"}), "PS514") == []  # name casing of a pattern
    assert run(doc({**S, "Action": "S3:Get*"}), "PS514")


def test_ps515_off_by_default() -> None:
    big = doc({**S, "Action": [f"s3:GetObject{i}" for i in range(150)]})
    assert not [f for f in lint_source(json.dumps(big), "p.json") if f.rule == "PS515"]
    assert run(big, "PS515")


def test_ps516_cases() -> None:
    strict = {"NumericGreaterThan": {"s3:max-keys": "5"}, "NumericLessThan": {"s3:max-keys": "5"}}
    assert run(cond(strict), "PS516")
    inclusive = {
        "NumericGreaterThanEquals": {"s3:max-keys": "5"},
        "NumericLessThanEquals": {"s3:max-keys": "5"},
    }
    assert run(cond(inclusive), "PS516") == []
    if_exists = {
        "DateGreaterThanIfExists": {"aws:CurrentTime": "2026-06-01T00:00:00Z"},
        "DateLessThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"},
    }
    assert run(cond(if_exists), "PS516") == []
    null = {
        "Null": {"aws:PrincipalTag/team": "true"},
        "StringEquals": {"aws:PrincipalTag/team": "a"},
    }
    (finding,) = run(cond(null), "PS516")
    assert "absent" in finding.message
    deny = doc({**S, "Effect": "Deny", "Condition": strict})
    assert "never fires" in run(deny, "PS516")[0].message


def test_ps517_guards() -> None:
    deny_all = {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}
    other_resource = {**S, "Resource": "arn:aws:dynamodb:*:*:table/t", "Action": "dynamodb:*"}
    assert run(doc(other_resource, deny_all), "PS517") == []
    principal_allow = {**S, "Principal": {"AWS": "111122223333"}}
    principal_deny = {**deny_all, "Principal": {"AWS": "444455556666"}}
    assert run(doc(principal_allow, principal_deny), "PS517", PolicyKind.RESOURCE) == []
    everyone_deny = {**deny_all, "Principal": "*"}
    assert run(doc(principal_allow, everyone_deny), "PS517", PolicyKind.RESOURCE)
    not_action = {"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}
    assert run(doc(S, not_action), "PS517") == []
