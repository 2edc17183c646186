"""The context keys the resolver derives for a caller and a resource (spec §4 table, §5).

Derived keys come from the snapshot: the principal (name, unique id, path, tags, account,
organization), the resource (owner, tags, region) and the resolver's clock. Keys the user
passes win over derived ones.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from policysim.account.loaders import parse_snapshot
from policysim.account.resolve import Resolver, Target
from policysim.account.workspace import aws_managed
from policysim.engine.request import Context
from policysim.engine.result import Decision

A = "111122223333"
B = "444455556666"
NOW = datetime(2030, 6, 1, 12, 30, 15, tzinfo=UTC)
ORG = "o-exampleorg"

YAML = f"""
accounts:
  - id: "{A}"
    users:
      alice:
        path: /engineering/
        tags: {{team: blue, cost-center: "1234"}}
        inline:
          Abac:
            Version: "2012-10-17"
            Statement:
              - Sid: SameTeam
                Effect: Allow
                Action: s3:GetObject
                Resource: "*"
                Condition: {{StringEquals: {{aws:ResourceTag/team: "${{aws:PrincipalTag/team}}"}}}}
              - Sid: OwnPrefix
                Effect: Allow
                Action: s3:PutObject
                Resource: "arn:aws:s3:::home/${{aws:username}}/*"
              - Sid: UntilNewYear
                Effect: Allow
                Action: sqs:SendMessage
                Resource: "*"
                Condition: {{DateLessThan: {{aws:CurrentTime: "2031-01-01T00:00:00Z"}}}}
              - Sid: InWorkloadsOu
                Effect: Allow
                Action: sns:Publish
                Resource: "*"
                Condition:
                  ForAnyValue:StringLike:
                    aws:PrincipalOrgPaths: "{ORG}/r-root/ou-root-11111111/*"
    roles:
      app:
        path: /service-role/
        trust_account: "{A}"
        tags: {{team: green}}
        inline:
          Abac:
            Version: "2012-10-17"
            Statement:
              - Sid: RoleByPath
                Effect: Allow
                Action: s3:GetObject
                Resource: "*"
                Condition: {{ArnLike: {{aws:PrincipalArn: "arn:aws:iam::{A}:role/service-role/*"}}}}
    resources:
      "arn:aws:s3:::blue-data":
        tags: {{team: blue}}
        abac: true
      "arn:aws:s3:::green-data":
        tags: {{team: green}}
        abac: true
      "arn:aws:s3:::blue-no-abac":
        tags: {{team: blue}}
  - id: "{B}"
    users:
      outsider: {{tags: {{team: blue}}}}
    resources:
      "arn:aws:sqs:eu-west-1:{B}:jobs":
        tags: {{team: blue}}
organization:
  id: {ORG}
  root: {{id: r-root}}
  ous:
    - {{id: ou-root-11111111, name: Workloads}}
    - {{id: ou-root-22222222, name: Prod, parent: ou-root-11111111}}
  accounts:
    "{A}": {{parent: ou-root-22222222}}
"""


def yaml_resolver(now: datetime | None = NOW) -> Resolver:
    return Resolver(parse_snapshot(YAML, "org.yaml"), now=now, managed_lookup=aws_managed)


def policy_doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def json_snapshot() -> str:
    """A policysim snapshot: authorization details carry unique ids (aws:userid)."""
    allow_by_userid = policy_doc(
        {
            "Sid": "CiSessionsOnly",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"StringLike": {"aws:userid": "AROAEXAMPLEWORKER:ci-*"}},
        }
    )
    data = {
        "policysim_snapshot": 1,
        "generated_at": "2030-01-01T00:00:00Z",
        "accounts": [
            {
                "account_id": A,
                "authorization_details": {
                    "UserDetailList": [
                        {
                            "UserName": "alice",
                            "UserId": "AIDAEXAMPLEALICE",
                            "Arn": f"arn:aws:iam::{A}:user/alice",
                            "Path": "/",
                        }
                    ],
                    "RoleDetailList": [
                        {
                            "RoleName": "worker",
                            "RoleId": "AROAEXAMPLEWORKER",
                            "Arn": f"arn:aws:iam::{A}:role/jobs/worker",
                            "Path": "/jobs/",
                            "AssumeRolePolicyDocument": policy_doc(
                                {
                                    "Effect": "Allow",
                                    "Principal": {"AWS": A},
                                    "Action": "sts:AssumeRole",
                                }
                            ),
                            "RolePolicyList": [
                                {"PolicyName": "ByUserId", "PolicyDocument": allow_by_userid}
                            ],
                        }
                    ],
                },
            }
        ],
    }
    return json.dumps(data, indent=2)


def json_resolver() -> Resolver:
    return Resolver(parse_snapshot(json_snapshot(), "snap.json"), now=NOW)


def context_of(
    r: Resolver,
    target: Target,
    resource: str = "*",
    action: str = "s3:GetObject",
    given: Mapping[str, str | Iterable[str]] | None = None,
) -> Context:
    _, request = r.prepare(target, action, resource, given)
    return request.context


def value(ctx: Context, key: str) -> str | tuple[str, ...] | None:
    return ctx.get(key)


# ---- principal keys -------------------------------------------------------------------------


def test_user_keys() -> None:
    r = yaml_resolver()
    ctx = context_of(r, r.find("user", "alice"))
    assert value(ctx, "aws:username") == "alice"
    assert value(ctx, "aws:PrincipalArn") == f"arn:aws:iam::{A}:user/engineering/alice"
    assert value(ctx, "aws:PrincipalAccount") == A
    assert value(ctx, "aws:PrincipalType") == "User"
    assert value(ctx, "aws:PrincipalIsAWSService") == "false"
    assert value(ctx, "aws:PrincipalTag/team") == "blue"
    assert value(ctx, "aws:PrincipalTag/cost-center") == "1234"
    # Long-term credentials: no MFA or token keys.
    assert value(ctx, "aws:MultiFactorAuthPresent") is None
    assert value(ctx, "aws:TokenIssueTime") is None
    # The YAML format has no unique ids: aws:userid is left to the user.
    assert value(ctx, "aws:userid") is None


def test_role_session_keys() -> None:
    r = yaml_resolver()
    ctx = context_of(r, r.find("role", "app", session_name="web-1"))
    # The role ARN, with its path, although the session ARN has none.
    assert value(ctx, "aws:PrincipalArn") == f"arn:aws:iam::{A}:role/service-role/app"
    assert value(ctx, "aws:PrincipalType") == "AssumedRole"
    assert value(ctx, "aws:PrincipalAccount") == A
    assert value(ctx, "aws:username") is None
    assert value(ctx, "aws:PrincipalTag/team") == "green"
    # Temporary credentials: both keys present.
    assert value(ctx, "aws:MultiFactorAuthPresent") == "false"
    assert value(ctx, "aws:TokenIssueTime") == "2030-06-01T12:30:15Z"


def test_root_keys() -> None:
    r = yaml_resolver()
    ctx = context_of(r, r.find("root", "", account_id=A))
    assert value(ctx, "aws:PrincipalArn") == f"arn:aws:iam::{A}:root"
    assert value(ctx, "aws:PrincipalType") == "Account"
    assert value(ctx, "aws:userid") == A
    assert value(ctx, "aws:username") is None


def test_userid_of_users_and_role_sessions() -> None:
    r = json_resolver()
    assert value(context_of(r, r.find("user", "alice")), "aws:userid") == "AIDAEXAMPLEALICE"
    session = r.find("role", "worker", session_name="ci-7")
    assert session.caller_arn == f"arn:aws:sts::{A}:assumed-role/worker/ci-7"
    ctx = context_of(r, session)
    assert value(ctx, "aws:userid") == "AROAEXAMPLEWORKER:ci-7"
    assert value(ctx, "aws:PrincipalArn") == f"arn:aws:iam::{A}:role/jobs/worker"


@pytest.mark.parametrize(
    ("session", "decision"),
    [("ci-7", Decision.ALLOWED), ("laptop", Decision.IMPLICIT_DENY)],
)
def test_session_name_reaches_conditions(session: str, decision: Decision) -> None:
    r = json_resolver()
    target = r.find("role", "worker", session_name=session)
    assert r.decide(target, "s3:GetObject", "arn:aws:s3:::b/k").decision is decision
    by_arn = r.find("arn", f"arn:aws:sts::{A}:assumed-role/worker/{session}")
    assert r.decide(by_arn, "s3:GetObject", "arn:aws:s3:::b/k").decision is decision


def test_role_path_reaches_conditions() -> None:
    r = yaml_resolver()
    result = r.decide(r.find("role", "app"), "s3:GetObject", "arn:aws:s3:::x/k")
    assert result.decision is Decision.ALLOWED
    assert [m.sid for m in result.matched_statements] == ["RoleByPath"]


# ---- organization keys ----------------------------------------------------------------------


def test_org_keys_of_a_member() -> None:
    r = yaml_resolver()
    ctx = context_of(r, r.find("user", "alice"))
    assert value(ctx, "aws:PrincipalOrgID") == ORG
    assert value(ctx, "aws:PrincipalOrgPaths") == (
        f"{ORG}/r-root/ou-root-11111111/ou-root-22222222/",
    )


def test_org_keys_absent_outside_the_org() -> None:
    r = yaml_resolver()
    ctx = context_of(r, r.find("user", "outsider"))
    assert value(ctx, "aws:PrincipalOrgID") is None
    assert value(ctx, "aws:PrincipalOrgPaths") is None


def test_org_paths_reach_conditions() -> None:
    r = yaml_resolver()
    assert r.decide(r.find("user", "alice"), "sns:Publish").decision is Decision.ALLOWED


# ---- resource keys --------------------------------------------------------------------------


def test_resource_account_and_tags_of_a_bucket() -> None:
    r = yaml_resolver()
    ctx = context_of(r, r.find("user", "alice"), "arn:aws:s3:::blue-data/file.txt")
    assert value(ctx, "aws:ResourceAccount") == A
    assert value(ctx, "aws:ResourceTag/team") == "blue"
    # S3 ARNs carry no region.
    assert value(ctx, "aws:RequestedRegion") is None


def test_resource_keys_from_the_arn() -> None:
    r = yaml_resolver()
    queue = f"arn:aws:sqs:eu-west-1:{B}:jobs"
    ctx = context_of(r, r.find("user", "alice"), queue, "sqs:SendMessage")
    assert value(ctx, "aws:ResourceAccount") == B
    assert value(ctx, "aws:RequestedRegion") == "eu-west-1"
    assert value(ctx, "aws:ResourceTag/team") == "blue"
    other = context_of(r, r.find("user", "alice"), f"arn:aws:sqs:ap-south-1:{B}:other")
    assert value(other, "aws:RequestedRegion") == "ap-south-1"
    assert value(other, "aws:ResourceTag/team") is None


def test_bucket_tags_count_only_with_abac() -> None:
    # ABAC is off by default for general purpose buckets: their tags are then for cost
    # allocation only, and aws:ResourceTag is absent from requests on them.
    r = yaml_resolver()
    alice = r.find("user", "alice")
    ctx = context_of(r, alice, "arn:aws:s3:::blue-no-abac/file.txt")
    assert value(ctx, "aws:ResourceTag/team") is None
    assert not r.decide(alice, "s3:GetObject", "arn:aws:s3:::blue-no-abac/k").allowed
    assert r.decide(alice, "s3:GetObject", "arn:aws:s3:::blue-data/k").allowed


def test_resource_tags_reach_conditions() -> None:
    r = yaml_resolver()
    alice = r.find("user", "alice")
    blue = r.decide(alice, "s3:GetObject", "arn:aws:s3:::blue-data/k")
    assert blue.decision is Decision.ALLOWED
    assert [m.sid for m in blue.matched_statements] == ["SameTeam"]
    green = r.decide(alice, "s3:GetObject", "arn:aws:s3:::green-data/k")
    assert green.decision is Decision.IMPLICIT_DENY


def test_username_variable_in_resource() -> None:
    r = yaml_resolver()
    alice = r.find("user", "alice")
    assert r.decide(alice, "s3:PutObject", "arn:aws:s3:::home/alice/cv.pdf").allowed
    assert not r.decide(alice, "s3:PutObject", "arn:aws:s3:::home/bob/cv.pdf").allowed


def test_requested_region_of_iam_is_us_east_1() -> None:
    r = yaml_resolver()
    ctx = context_of(r, r.find("user", "alice"), f"arn:aws:iam::{A}:role/x", "iam:PassRole")
    assert value(ctx, "aws:RequestedRegion") == "us-east-1"


# ---- time -----------------------------------------------------------------------------------


def test_time_keys_come_from_now() -> None:
    r = yaml_resolver()
    ctx = context_of(r, r.find("user", "alice"))
    assert value(ctx, "aws:CurrentTime") == "2030-06-01T12:30:15Z"
    assert value(ctx, "aws:EpochTime") == str(int(NOW.timestamp()))
    assert value(ctx, "aws:EpochTime") == "1906547415"


def test_time_defaults_to_the_clock() -> None:
    r = yaml_resolver(now=None)
    before = int(datetime.now(UTC).timestamp())
    epoch = value(context_of(r, r.find("user", "alice")), "aws:EpochTime")
    after = int(datetime.now(UTC).timestamp())
    assert isinstance(epoch, str)
    assert before <= int(epoch) <= after


@pytest.mark.parametrize(
    ("now", "decision"),
    [
        (datetime(2030, 12, 31, 23, 59, tzinfo=UTC), Decision.ALLOWED),
        (datetime(2031, 1, 1, 0, 0, 1, tzinfo=UTC), Decision.IMPLICIT_DENY),
    ],
)
def test_now_reaches_date_conditions(now: datetime, decision: Decision) -> None:
    r = yaml_resolver(now=now)
    assert r.decide(r.find("user", "alice"), "sqs:SendMessage").decision is decision


# ---- defaults and the user's own values -----------------------------------------------------


def test_request_defaults() -> None:
    r = yaml_resolver()
    ctx = context_of(r, r.find("user", "alice"))
    assert value(ctx, "aws:SecureTransport") == "true"
    assert value(ctx, "aws:ViaAWSService") == "false"


def test_given_context_wins() -> None:
    r = yaml_resolver()
    given = {
        "aws:username": "mallory",
        "aws:PrincipalTag/team": "red",
        "aws:ResourceTag/team": "red",
        "aws:CurrentTime": "2040-01-01T00:00:00Z",
        "aws:RequestedRegion": "eu-central-1",
        "aws:SecureTransport": "false",
        "aws:PrincipalOrgPaths": ["o-x/r-y/"],
    }
    ctx = context_of(r, r.find("user", "alice"), "arn:aws:s3:::blue-data/k", given=given)
    for key, expected in given.items():
        got = value(ctx, key)
        assert (list(got) if isinstance(got, tuple) else got) == expected, key
    # Keys not given are still derived.
    assert value(ctx, "aws:PrincipalAccount") == A


def test_given_context_changes_the_decision() -> None:
    r = yaml_resolver()
    alice = r.find("user", "alice")
    result = r.decide(
        alice, "s3:GetObject", "arn:aws:s3:::blue-data/k", {"aws:PrincipalTag/team": "green"}
    )
    assert result.decision is Decision.IMPLICIT_DENY
    later = r.decide(alice, "sqs:SendMessage", "*", {"aws:CurrentTime": "2035-01-01T00:00:00Z"})
    assert later.decision is Decision.IMPLICIT_DENY


def test_region_field_fills_region_less_arns_only() -> None:
    r = yaml_resolver()
    r.region = "eu-central-1"
    alice = r.find("user", "alice")
    assert value(context_of(r, alice, "arn:aws:s3:::blue-data/k"), "aws:RequestedRegion") == (
        "eu-central-1"
    )
    queue = f"arn:aws:sqs:ap-south-1:{B}:jobs"
    assert value(context_of(r, alice, queue, "sqs:SendMessage"), "aws:RequestedRegion") == (
        "ap-south-1"
    )
    iam = context_of(r, alice, f"arn:aws:iam::{A}:role/x", "iam:PassRole")
    assert value(iam, "aws:RequestedRegion") == "us-east-1"
    given = context_of(r, alice, "*", "s3:ListAllMyBuckets", {"aws:RequestedRegion": "us-west-2"})
    assert value(given, "aws:RequestedRegion") == "us-west-2"
    assert r.requested_region("s3:GetObject", "*") == "eu-central-1"
