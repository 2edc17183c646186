"""who-can: every principal of the snapshot allowed an action on a resource, with the statements
that grant it, plus the outsiders that the resource's policy names."""

from __future__ import annotations

import textwrap

import pytest

from policysim.account.loaders import parse_snapshot
from policysim.account.resolve import PolicyFilter, Resolver
from policysim.account.who_can import WhoCanReport, who_can
from policysim.account.workspace import aws_managed
from policysim.engine.result import PolicyType

A = "111122223333"
B = "444455556666"
PARTNER = "777788889999"
ETL = "555566667777"

ACCOUNT = f"""
accounts:
  - id: "{A}"
    users:
      alice: {{policies: [AmazonS3ReadOnlyAccess]}}
      bob: {{}}
      carl:
        inline:
          Mixed:
            Version: "2012-10-17"
            Statement:
              - {{Sid: Everything, Effect: Allow, Action: "*", Resource: "*"}}
              - {{Sid: NoS3, Effect: Deny, Action: "s3:*", Resource: "*"}}
    roles:
      reader:
        trust_account: "{A}"
        inline:
          Read:
            Version: "2012-10-17"
            Statement:
              - Sid: ReadData
                Effect: Allow
                Action: s3:GetObject
                Resource: arn:aws:s3:::data/*
      writer:
        trust_account: "{A}"
        inline:
          Write:
            Version: "2012-10-17"
            Statement:
              - Sid: WriteData
                Effect: Allow
                Action: s3:PutObject
                Resource: arn:aws:s3:::data/*
    resources:
      "arn:aws:s3:::data":
        policy:
          Version: "2012-10-17"
          Statement:
            - Sid: Partner
              Effect: Allow
              Principal: {{AWS: "arn:aws:iam::{PARTNER}:root"}}
              Action: s3:GetObject
              Resource: arn:aws:s3:::data/*
            - Sid: EtlThroughEndpoint
              Effect: Allow
              Principal: {{AWS: ["arn:aws:iam::{ETL}:role/etl", "{A}"]}}
              Action: [s3:GetObject, s3:ListBucket]
              Resource: [arn:aws:s3:::data/*, arn:aws:s3:::data]
              Condition: {{StringEquals: {{aws:SourceVpce: vpce-0123456789abcdef0}}}}
            - Sid: ToAccountB
              Effect: Allow
              Principal: {{AWS: "{B}"}}
              Action: s3:GetObject
              Resource: arn:aws:s3:::data/*
            - Sid: BucketOnly
              Effect: Allow
              Principal: {{AWS: "888888888888"}}
              Action: s3:ListBucket
              Resource: arn:aws:s3:::data
            - Sid: DenyOthers
              Effect: Deny
              NotPrincipal: {{AWS: "arn:aws:iam::{A}:root"}}
              Action: s3:DeleteObject
              Resource: arn:aws:s3:::data/*
  - id: "{B}"
    users:
      dora: {{policies: [AmazonS3ReadOnlyAccess]}}
      eve: {{}}
    roles:
      deploy:
        trust:
          Version: "2012-10-17"
          Statement:
            - Sid: TrustPartner
              Effect: Allow
              Principal: {{AWS: "arn:aws:iam::{PARTNER}:root"}}
              Action: sts:AssumeRole
            - Sid: TrustA
              Effect: Allow
              Principal: {{AWS: "{A}"}}
              Action: sts:AssumeRole
              Condition: {{Bool: {{aws:MultiFactorAuthPresent: "true"}}}}
"""


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    snapshot = parse_snapshot(textwrap.dedent(ACCOUNT), "team.yaml")
    return Resolver(snapshot, managed_lookup=aws_managed)


def allowed(report: WhoCanReport) -> dict[str, list[str | None]]:
    return {g.principal: [s.sid for s in g.statements] for g in report.allowed}


def external(report: WhoCanReport) -> dict[str, tuple[str | None, bool]]:
    return {e.principal: (e.statement.sid, e.conditional) for e in report.external}


def test_allowed_principals_with_their_granting_statements(resolver: Resolver) -> None:
    report = who_can(resolver, "s3:GetObject", "arn:aws:s3:::data/report.csv")
    assert report.checked == 8  # A: 3 users, 2 roles; B: 2 users, 1 role
    assert report.action == "s3:GetObject"
    assert report.resource == "arn:aws:s3:::data/report.csv"
    grants = allowed(report)
    assert set(grants) == {"user alice", "role reader (session policysim)", "user dora"}
    assert grants["role reader (session policysim)"] == ["ReadData"]
    # Cross-account: dora's own policy and the bucket's grant to account B.
    assert "ToAccountB" in grants["user dora"]
    by_name = {g.principal: g for g in report.allowed}
    assert by_name["user dora"].account == B
    assert by_name["user alice"].arn == f"arn:aws:iam::{A}:user/alice"
    assert by_name["role reader (session policysim)"].arn == (
        f"arn:aws:sts::{A}:assumed-role/reader/policysim"
    )
    reader = by_name["role reader (session policysim)"].statements[0]
    assert reader.policy_type is PolicyType.IDENTITY
    assert reader.file == "team.yaml"
    assert reader.line is not None


def test_denied_and_unpermitted_principals_are_left_out(resolver: Resolver) -> None:
    report = who_can(resolver, "s3:GetObject", "arn:aws:s3:::data/report.csv")
    names = set(allowed(report))
    assert "user carl" not in names  # explicit deny in his own policy
    assert "user bob" not in names  # nothing attached
    assert "user eve" not in names  # named by the bucket through her account, no identity allow


def test_external_principals_named_by_the_bucket_policy(resolver: Resolver) -> None:
    report = who_can(resolver, "s3:GetObject", "arn:aws:s3:::data/report.csv")
    # Accounts of the snapshot (A, B) are answered principal by principal, not listed here.
    assert external(report) == {
        f"arn:aws:iam::{PARTNER}:root": ("Partner", False),
        f"arn:aws:iam::{ETL}:role/etl": ("EtlThroughEndpoint", True),
    }


def test_conditional_external_grants_are_flagged(resolver: Resolver) -> None:
    report = who_can(resolver, "s3:ListBucket", "arn:aws:s3:::data")
    assert external(report) == {
        f"arn:aws:iam::{ETL}:role/etl": ("EtlThroughEndpoint", True),
        "888888888888": ("BucketOnly", False),
    }


def test_external_grants_follow_action_and_resource(resolver: Resolver) -> None:
    put = who_can(resolver, "s3:PutObject", "arn:aws:s3:::data/x")
    assert external(put) == {}
    assert set(allowed(put)) == {"role writer (session policysim)"}
    # Deny statements and NotPrincipal never make anyone an external grantee.
    delete = who_can(resolver, "s3:DeleteObject", "arn:aws:s3:::data/x")
    assert external(delete) == {}


def test_resource_without_policy_has_no_external_grants(resolver: Resolver) -> None:
    report = who_can(resolver, "s3:GetObject", "arn:aws:s3:::elsewhere/x")
    assert external(report) == {}
    assert set(allowed(report)) == {"user alice", "user dora"}


def test_trust_policy_outsiders(resolver: Resolver) -> None:
    role = f"arn:aws:iam::{B}:role/deploy"
    report = who_can(resolver, "sts:AssumeRole", role)
    assert external(report) == {f"arn:aws:iam::{PARTNER}:root": ("TrustPartner", False)}
    # Account A is trusted only with MFA, and nobody there may call sts:AssumeRole anyway.
    assert allowed(report) == {}


def test_context_is_passed_to_every_decision(resolver: Resolver) -> None:
    report = who_can(
        resolver,
        "s3:GetObject",
        "arn:aws:s3:::data/report.csv",
        {"aws:SourceVpce": "vpce-0123456789abcdef0"},
    )
    # Same answer for the snapshot (A's identity policies already decide) ...
    assert set(allowed(report)) == {"user alice", "role reader (session policysim)", "user dora"}
    # ... and the external grant is still reported as conditional: the flag is about the policy.
    assert external(report)[f"arn:aws:iam::{ETL}:role/etl"] == ("EtlThroughEndpoint", True)


def test_policy_filter_applies_to_who_can() -> None:
    snapshot = parse_snapshot(textwrap.dedent(ACCOUNT), "team.yaml")
    r = Resolver(
        snapshot,
        managed_lookup=aws_managed,
        policy_filter=PolicyFilter(exclude=frozenset({"AmazonS3ReadOnlyAccess"})),
    )
    report = who_can(r, "s3:GetObject", "arn:aws:s3:::data/report.csv")
    assert set(allowed(report)) == {"role reader (session policysim)"}


def test_to_json(resolver: Resolver) -> None:
    data = who_can(resolver, "s3:ListBucket", "arn:aws:s3:::data").to_json()
    assert set(data) == {
        "action",
        "resource",
        "principals_checked",
        "allowed",
        "allowed_if",
        "external",
    }
    assert data["principals_checked"] == 8
    assert data["allowed"][0] == {
        "principal": "user alice",
        "arn": f"arn:aws:iam::{A}:user/alice",
        "account": A,
        "decision": "Allowed",
        "reason": "allowed: identity-based policies allow it",
        "statements": [
            {
                "policy_type": "identity",
                "policy": "AmazonS3ReadOnlyAccess",
                "statement_index": 0,
                "sid": None,
                "effect": "Allow",
                "file": "aws-managed:AmazonS3ReadOnlyAccess",
            }
        ],
        "depends_on": [],
    }
    etl = next(e for e in data["external"] if e["principal"].endswith(":role/etl"))
    assert etl["conditional"] is True
    assert etl["statement"]["sid"] == "EtlThroughEndpoint"
    assert etl["statement"]["policy_type"] == "resource"
    assert etl["statement"]["file"] == "team.yaml"
    assert isinstance(etl["statement"]["line"], int)


PUBLIC = f"""
account: "{A}"
users:
  owner: {{}}
resources:
  "arn:aws:s3:::site":
    policy:
      Version: "2012-10-17"
      Statement:
        - Sid: Everyone
          Effect: Allow
          Principal: "*"
          Action: s3:GetObject
          Resource: arn:aws:s3:::site/*
        - Sid: Partner
          Effect: Allow
          Principal: {{AWS: "{PARTNER}"}}
          Action: s3:GetObject
          Resource: arn:aws:s3:::site/*
    {{bpa}}
"""


def test_public_bucket_lists_everyone() -> None:
    r = Resolver(parse_snapshot(PUBLIC.replace("{bpa}", ""), "site.yaml"))
    report = who_can(r, "s3:GetObject", "arn:aws:s3:::site/index.html")
    assert external(report) == {"*": ("Everyone", False), PARTNER: ("Partner", False)}
    assert allowed(report) == {"user owner": ["Everyone"]}


def test_restrict_public_buckets_hides_external_grants() -> None:
    bpa = "block_public_access: {restrict_public_buckets: true}"
    r = Resolver(parse_snapshot(PUBLIC.replace("{bpa}", bpa), "site.yaml"))
    report = who_can(r, "s3:GetObject", "arn:aws:s3:::site/index.html")
    assert allowed(report) == {"user owner": ["Everyone"]}  # same account keeps access
    assert external(report) == {}


CONDITIONAL = f"""
account: "{A}"
users:
  uploader:
    inline:
      W:
        {{Version: "2012-10-17",
          Statement: [{{Effect: Allow, Action: s3:PutObject, Resource: "*"}}]}}
  reader:
    inline:
      R:
        {{Version: "2012-10-17",
          Statement: [{{Effect: Allow, Action: s3:GetObject, Resource: "*"}}]}}
  admin:
    inline:
      A:
        {{Version: "2012-10-17", Statement: [{{Effect: Allow, Action: "*", Resource: "*"}}]}}
resources:
  "arn:aws:s3:::box":
    policy:
      Version: "2012-10-17"
      Statement:
        - Effect: Deny
          Principal: "*"
          Action: s3:PutObject
          Resource: arn:aws:s3:::box/*
          Condition: {{"Null": {{s3:x-amz-server-side-encryption: "true"}}}}
          """


def test_allowed_if_and_denied_are_reported_apart() -> None:
    r = Resolver(parse_snapshot(textwrap.dedent(CONDITIONAL), "c.yaml"))
    plain = who_can(r, "s3:PutObject", "arn:aws:s3:::box/k")
    assert plain.allowed == [] and plain.denied is None
    assert sorted(g.principal for g in plain.allowed_if) == ["user admin", "user uploader"]
    [dep] = plain.allowed_if[0].allowed_if
    assert dep.describe() == "allowed if s3:x-amz-server-side-encryption is present"
    assert plain.anyone
    shown = who_can(r, "s3:PutObject", "arn:aws:s3:::box/k", show_denied=True)
    assert [g.principal for g in shown.denied or []] == ["user reader"]
    given = who_can(
        r, "s3:PutObject", "arn:aws:s3:::box/k", {"s3:x-amz-server-side-encryption": "AES256"}
    )
    assert sorted(g.principal for g in given.allowed) == ["user admin", "user uploader"]
    assert given.allowed_if == []


def test_anyone_is_false_only_when_nobody_may() -> None:
    r = Resolver(parse_snapshot(textwrap.dedent(CONDITIONAL), "c.yaml"))
    admin_only = who_can(r, "s3:DeleteBucket", "arn:aws:s3:::box", show_denied=True)
    assert [g.principal for g in admin_only.allowed] == ["user admin"]
    assert admin_only.anyone
    assert not WhoCanReport("s3:DeleteBucket", "arn:aws:s3:::box", 3).anyone
    denied = who_can(r, "s3:GetObject", "arn:aws:s3:::box/k", show_denied=True)
    assert sorted(g.principal for g in denied.allowed) == ["user admin", "user reader"]
    assert [(g.principal, g.reason) for g in denied.denied or []] == [
        ("user uploader", "no identity-based policy allows it")
    ]
