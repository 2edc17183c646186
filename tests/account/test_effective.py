"""principal-can's library: every catalog action decided for one caller, summarised per service
and access level; the fast path must give exactly `Resolver.decide`'s answers."""

from __future__ import annotations

import textwrap

import pytest

from policysim.account.effective import (
    ACCESS_LEVELS,
    access_level,
    catalog_actions,
    decide_actions,
    effective_permissions,
)
from policysim.account.loaders import parse_snapshot
from policysim.account.principal_spec import split_principal
from policysim.account.resolve import Resolver
from policysim.account.workspace import aws_managed
from policysim.catalog import get_catalog
from policysim.policy.errors import PolicyError

A = "111122223333"
SANDBOX = "222233334444"
MANAGEMENT = "999999999999"

ACCOUNT = f"""
accounts:
  - id: "{A}"
    users:
      admin: {{policies: [AdministratorAccess]}}
      reader: {{policies: [AmazonS3ReadOnlyAccess]}}
      nobody: {{}}
      mixed:
        inline:
          Mixed:
            Version: "2012-10-17"
            Statement:
              - Sid: Sqs
                Effect: Allow
                Action: ["sqs:Get*", "sqs:List*", "sqs:SendMessage", "sqs:DeleteMessage"]
                Resource: "*"
              - {{Sid: NoDelete, Effect: Deny, Action: "sqs:Delete*", Resource: "*"}}
              - Sid: TagsWithMfa
                Effect: Allow
                Action: ["sqs:TagQueue", "sqs:UntagQueue", "iam:Tag*"]
                Resource: "*"
                Condition: {{Bool: {{aws:MultiFactorAuthPresent: "true"}}}}
    roles:
      deploy:
        trust_account: "{A}"
        boundary: AmazonS3FullAccess
        policies: [AdministratorAccess]
        inline:
          PassOnlyToLambda:
            Version: "2012-10-17"
            Statement:
              - Sid: DenyPassElsewhere
                Effect: Deny
                Action: iam:PassRole
                Resource: "*"
                Condition: {{StringNotEquals: {{iam:PassedToService: lambda.amazonaws.com}}}}
    resources:
      "arn:aws:s3:::data":
        policy:
          Version: "2012-10-17"
          Statement:
            - Sid: NoPutsWithoutEncryption
              Effect: Deny
              Principal: "*"
              Action: s3:PutObject
              Resource: arn:aws:s3:::data/*
              Condition: {{"Null": {{s3:x-amz-server-side-encryption: "true"}}}}
  - id: "{SANDBOX}"
    users:
      tinkerer: {{policies: [AdministratorAccess]}}
  - id: "{MANAGEMENT}"
    users:
      boss: {{policies: [AdministratorAccess]}}
organization:
  id: o-a1b2c3d4e5
  management_account: "{MANAGEMENT}"
  policies:
    EuOnly:
      Version: "2012-10-17"
      Statement:
        - Sid: DenyOutsideEu
          Effect: Deny
          NotAction: [iam:*, sts:*, organizations:*]
          Resource: "*"
          Condition: {{StringNotEquals: {{aws:RequestedRegion: [eu-west-1]}}}}
  root: {{id: r-a1b2, scps: [FullAWSAccess]}}
  ous:
    - {{id: ou-a1b2-sbox0001, name: Sandbox, scps: [FullAWSAccess, EuOnly]}}
  accounts:
    "{A}": {{}}
    "{SANDBOX}": {{parent: ou-a1b2-sbox0001}}
    "{MANAGEMENT}": {{}}
"""

SOME_SERVICES = ["s3", "sqs", "iam", "sts", "organizations", "lambda", "kms"]


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver(
        parse_snapshot(textwrap.dedent(ACCOUNT), "org.yaml"), managed_lookup=aws_managed
    )


def _target(resolver: Resolver, *words: str):  # type: ignore[no-untyped-def]
    return resolver.resolve(split_principal(list(words))[0])


PRINCIPALS = [
    ("user", "admin"),
    ("user", "reader"),
    ("user", "mixed"),
    ("role", "deploy"),
    ("user", "tinkerer"),
    ("user", "boss"),
    ("anonymous",),
]
RESOURCES = ["*", "arn:aws:s3:::data/key", "arn:aws:iam::111122223333:role/deploy"]


@pytest.mark.parametrize("words", PRINCIPALS, ids=lambda w: "-".join(w))
@pytest.mark.parametrize("resource", RESOURCES)
def test_decide_actions_agrees_with_decide_one_by_one(
    resolver: Resolver, words: tuple[str, ...], resource: str
) -> None:
    target = _target(resolver, *words)
    actions = [info.full_name for info in catalog_actions(SOME_SERVICES, resource)]
    assert actions
    # the trust actions take the role's trust policy on a role ARN: they are in the mix
    if resource.endswith("role/deploy"):
        assert "sts:AssumeRole" in actions
    fast = decide_actions(resolver, target, actions, resource, depends=True)
    slow = [resolver.decide(target, a, resource, None, depends=True) for a in actions]
    assert [r.to_json() for r in fast] == [r.to_json() for r in slow]


def test_context_given_reaches_every_action(resolver: Resolver) -> None:
    target = _target(resolver, "user", "tinkerer")
    context = {"aws:RequestedRegion": "us-east-1"}
    actions = ["s3:GetObject", "iam:GetRole", "sqs:SendMessage"]
    fast = decide_actions(resolver, target, actions, "*", context, depends=True)
    assert [r.decision.value for r in fast] == ["ExplicitDeny", "Allowed", "ExplicitDeny"]


def test_administrator_is_allowed_every_action(resolver: Resolver) -> None:
    answer = effective_permissions(resolver, _target(resolver, "user", "boss"))
    total = sum(1 for _ in get_catalog().all_actions())
    assert answer.checked == total
    assert answer.allowed == total
    assert answer.conditional == 0
    assert len(answer.services) == len(get_catalog().service_prefixes())


def test_region_scp_makes_allows_conditional(resolver: Resolver) -> None:
    answer = effective_permissions(resolver, _target(resolver, "user", "tinkerer"))
    services = {s.prefix: s for s in answer.services}
    # iam, sts and organizations are outside the SCP's NotAction: allowed as asked
    assert services["iam"].allowed == services["iam"].total
    # everything else is allowed only in eu-west-1
    s3 = services["s3"]
    assert s3.allowed == 0
    assert s3.conditional == s3.total
    read = next(level for level in s3.levels if level.level == "Read")
    action, conditions = read.conditional[0]
    assert action.startswith("s3:")
    assert "aws:RequestedRegion" in conditions[0].describe()
    assert "eu-west-1" in conditions[0].describe()
    # global services outside the NotAction carry us-east-1 already: denied, no condition helps
    route53 = services["route53"]
    assert (route53.allowed, route53.conditional) == (0, 0)
    assert answer.allowed + answer.conditional < answer.checked


def test_levels_partition_a_service_in_catalog_order(resolver: Resolver) -> None:
    answer = effective_permissions(resolver, _target(resolver, "user", "mixed"), services=["sqs"])
    (sqs,) = answer.services
    assert sqs.total == len(get_catalog().actions("sqs"))
    assert [level.level for level in sqs.levels] == [
        lv for lv in ACCESS_LEVELS if lv in {level.level for level in sqs.levels}
    ]
    allowed = {a for level in sqs.levels for a in level.allowed}
    conditional = {a for level in sqs.levels for a, _ in level.conditional}
    assert "sqs:SendMessage" in allowed
    assert "sqs:GetQueueUrl" in allowed
    assert not {a for a in allowed if a.startswith(("sqs:Delete", "sqs:Tag"))}
    assert conditional == {"sqs:TagQueue", "sqs:UntagQueue"}
    tagging = next(level for level in sqs.levels if level.level == "Tagging")
    assert {a for a, _ in tagging.conditional} == {"sqs:TagQueue", "sqs:UntagQueue"}
    assert "aws:MultiFactorAuthPresent" in tagging.conditional[0][1][0].describe()


def test_access_level_takes_the_specific_one_of_two() -> None:
    catalog = get_catalog()
    assert access_level(catalog.action("iam:AttachUserPolicy")) == "Permissions management"  # type: ignore[arg-type]
    assert access_level(catalog.action("s3:PutObjectTagging")) == "Tagging"  # type: ignore[arg-type]
    assert access_level(catalog.action("s3:GetObject")) == "Read"  # type: ignore[arg-type]
    assert {access_level(a) for a in catalog.all_actions()} <= set(ACCESS_LEVELS)


def test_resource_keeps_the_actions_that_act_on_it(resolver: Resolver) -> None:
    answer = effective_permissions(
        resolver, _target(resolver, "user", "reader"), resource="arn:aws:s3:::data/key"
    )
    assert {s.prefix for s in answer.services} == {"s3"}
    names = {a for s in answer.services for level in s.levels for a in level.allowed}
    assert "s3:GetObject" in names
    assert "s3:ListBucket" not in {
        a.full_name for a in catalog_actions(["s3"], "arn:aws:s3:::data/key")
    }


def test_unknown_service_is_an_error_with_suggestions() -> None:
    with pytest.raises(PolicyError, match=r"unknown service 'sqss'.*did you mean.*'sqs'"):
        catalog_actions(["sqss"])
