"""The resolver: from "user alice, s3:GetObject on this bucket" to the decision.

Each test builds a small account from compact YAML text (`parse_snapshot`) and asks the resolver,
so what is checked is the whole path a command takes: finding the principal, gathering its
policies (groups, boundary, session policy, resource policy, SCPs and RCPs on both sides) and
the engine's decision. Context derivation is in `test_resolve_context.py`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest

from policysim.account.errors import AccountError
from policysim.account.loaders import load_snapshot, parse_snapshot
from policysim.account.resolve import PolicyFilter, Resolver, Target
from policysim.account.workspace import aws_managed, open_resolver
from policysim.engine.result import Decision, EvaluationResult, PolicyType
from policysim.policy.model import Policy

DATA = Path(__file__).parent / "data"
A = "111122223333"
B = "444455556666"
C = "777788889999"
MGMT = "999999999999"
NOW = datetime(2030, 6, 1, 12, 0, 0, tzinfo=UTC)
FILE = "account.yaml"

ALLOWED = Decision.ALLOWED
EXPLICIT = Decision.EXPLICIT_DENY
IMPLICIT = Decision.IMPLICIT_DENY


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def resolver(text: str, *, policy_filter: PolicyFilter | None = None) -> Resolver:
    """A resolver over a YAML account given as (indented) text, AWS managed policies offline."""
    snapshot = parse_snapshot(dedent(text), FILE)
    return Resolver(
        snapshot,
        now=NOW,
        policy_filter=policy_filter or PolicyFilter(),
        managed_lookup=aws_managed,
    )


def who(r: Resolver, principal: str, *, session_name: str = "policysim") -> Target:
    """`user NAME`, `role NAME`, `root ACCOUNT` or an ARN."""
    if principal.startswith("arn:"):
        return r.find("arn", principal, session_name=session_name)
    kind, name = principal.split(" ", 1)
    if kind == "root":
        return r.find("root", "", account_id=name)
    assert kind in ("user", "role")
    return r.find(kind, name, session_name=session_name)  # type: ignore[arg-type]


def decide(
    r: Resolver,
    principal: str,
    action: str,
    resource: str = "*",
    context: Mapping[str, str | Iterable[str]] | None = None,
    *,
    session_name: str = "policysim",
    session_policy: Policy | None = None,
) -> EvaluationResult:
    target = who(r, principal, session_name=session_name)
    return r.decide(target, action, resource, context, session_policy)


def sids(result: EvaluationResult) -> list[str | None]:
    return [m.sid for m in result.matched_statements]


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line of the dedented YAML containing `needle`."""
    lines = dedent(text).splitlines()
    return next(i + 1 for i, line in enumerate(lines) if needle in line)


def policy(*statements: dict[str, object]) -> Policy:
    return Policy.model_validate({"Version": "2012-10-17", "Statement": list(statements)})


# ============================================================================================
# Principals: users, roles as sessions, ARN forms, root
# ============================================================================================

PRINCIPALS = f"""
    account: "{A}"
    users:
      alice:
        path: /engineering/
        inline:
          Own:
            Version: "2012-10-17"
            Statement:
              - Sid: AliceReads
                Effect: Allow
                Action: s3:GetObject
                Resource: arn:aws:s3:::data/*
      bob: {{}}
    roles:
      app:
        path: /service-role/
        trust_account: "{A}"
        inline:
          Own:
            Version: "2012-10-17"
            Statement:
              - Sid: AppWrites
                Effect: Allow
                Action: s3:PutObject
                Resource: arn:aws:s3:::data/*
    """


def test_user_by_name() -> None:
    r = resolver(PRINCIPALS)
    target = r.find("user", "alice")
    assert target.kind == "user"
    assert target.caller_arn == f"arn:aws:iam::{A}:user/engineering/alice"
    assert target.session_name is None
    assert target.label == "user alice"
    result = r.decide(target, "s3:GetObject", "arn:aws:s3:::data/report.csv")
    assert result.decision is ALLOWED
    assert sids(result) == ["AliceReads"]
    statement = result.matched_statements[0]
    assert statement.policy_type is PolicyType.IDENTITY
    assert statement.file == FILE
    assert statement.line == line_of(PRINCIPALS, "Sid: AliceReads")
    assert decide(r, "user bob", "s3:GetObject", "arn:aws:s3:::data/x").decision is IMPLICIT


def test_user_name_is_case_insensitive() -> None:
    # IAM user and role names are unique without regard to case.
    r = resolver(PRINCIPALS)
    assert r.find("user", "ALICE").caller_arn == f"arn:aws:iam::{A}:user/engineering/alice"
    assert r.find("role", "App").entity is not None


def test_role_is_a_session_named_by_session_name() -> None:
    r = resolver(PRINCIPALS)
    target = r.find("role", "app", session_name="deploy-42")
    assert target.kind == "role"
    # The session ARN carries no role path.
    assert target.caller_arn == f"arn:aws:sts::{A}:assumed-role/app/deploy-42"
    assert target.session_name == "deploy-42"
    assert target.label == "role app (session deploy-42)"
    result = r.decide(target, "s3:PutObject", "arn:aws:s3:::data/x")
    assert result.decision is ALLOWED
    assert sids(result) == ["AppWrites"]
    assert r.find("role", "app").caller_arn == f"arn:aws:sts::{A}:assumed-role/app/policysim"


@pytest.mark.parametrize(
    ("arn", "kind", "caller", "session"),
    [
        (
            f"arn:aws:iam::{A}:user/engineering/alice",
            "user",
            f"arn:aws:iam::{A}:user/engineering/alice",
            None,
        ),
        (
            f"arn:aws:iam::{A}:role/service-role/app",
            "role",
            f"arn:aws:sts::{A}:assumed-role/app/from-flag",
            "from-flag",
        ),
        (
            f"arn:aws:sts::{A}:assumed-role/app/from-arn",
            "role",
            f"arn:aws:sts::{A}:assumed-role/app/from-arn",
            "from-arn",
        ),
        (f"arn:aws:iam::{A}:root", "root", f"arn:aws:iam::{A}:root", None),
    ],
    ids=["user-arn", "role-arn", "assumed-role-arn", "root-arn"],
)
def test_arn_forms(arn: str, kind: str, caller: str, session: str | None) -> None:
    r = resolver(PRINCIPALS)
    target = r.find("arn", arn, session_name="from-flag")
    assert target.kind == kind
    assert target.caller_arn == caller
    assert target.session_name == session
    assert target.account.id == A


def test_arn_forms_decide_like_names() -> None:
    r = resolver(PRINCIPALS)
    by_arn = decide(
        r, f"arn:aws:sts::{A}:assumed-role/app/s1", "s3:PutObject", "arn:aws:s3:::data/k"
    )
    by_name = decide(r, "role app", "s3:PutObject", "arn:aws:s3:::data/k", session_name="s1")
    assert by_arn.decision is by_name.decision is ALLOWED
    assert sids(by_arn) == sids(by_name) == ["AppWrites"]


def test_root_is_allowed_in_its_own_account() -> None:
    r = resolver(PRINCIPALS)
    target = r.find("root", "", account_id=A)
    assert target.kind == "root"
    assert target.label == f"root of {A}"
    result = r.decide(target, "ec2:TerminateInstances", "*")
    assert result.decision is ALLOWED
    assert "root" in result.reason


def test_same_name_in_two_accounts_needs_the_account() -> None:
    r = resolver(
        f"""
        accounts:
          - id: "{A}"
            users: {{ops: {{policies: [AmazonS3ReadOnlyAccess]}}}}
          - id: "{B}"
            users: {{ops: {{}}}}
        """
    )
    with pytest.raises(AccountError, match=r"user 'ops' exists in several accounts .*ARN"):
        r.find("user", "ops")
    assert r.find("user", "ops", account_id=B).caller_arn == f"arn:aws:iam::{B}:user/ops"
    assert decide(r, f"arn:aws:iam::{A}:user/ops", "s3:GetObject").decision is ALLOWED
    assert decide(r, f"arn:aws:iam::{B}:user/ops", "s3:GetObject").decision is IMPLICIT


# ============================================================================================
# Unknown names: one line, with the nearest names
# ============================================================================================


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (("user", "alise"), "no user named 'alise' in account 111122223333; did you mean 'alice'?"),
        (("role", "ap"), "no role named 'ap' in account 111122223333; did you mean 'app'?"),
        (("user", "zzzzzz"), "no user named 'zzzzzz' in account 111122223333"),
    ],
)
def test_unknown_principal_suggests(call: tuple[str, str], message: str) -> None:
    r = resolver(PRINCIPALS)
    with pytest.raises(AccountError) as err:
        r.find(*call)  # type: ignore[arg-type]
    assert str(err.value) == message


def test_unknown_account_suggests() -> None:
    r = resolver(PRINCIPALS)
    with pytest.raises(
        AccountError, match=r"no account '111122223334'.*did you mean '111122223333'"
    ):
        r.find("user", "alice", account_id="111122223334")
    with pytest.raises(AccountError, match=r"account 111122223334 of .* not in the snapshot.*did"):
        r.find("arn", "arn:aws:iam::111122223334:user/alice")


@pytest.mark.parametrize(
    ("arn", "fragment"),
    [
        (f"arn:aws:iam::{A}:user/alise", "did you mean 'alice'?"),
        (f"arn:aws:sts::{A}:assumed-role/apq/s", "did you mean 'app'?"),
        (f"arn:aws:iam::{A}:group/devs", "no group named 'devs'"),
        (f"arn:aws:iam::{A}:policy/devs", "is not a user, role, role session, group or root"),
        ("not-an-arn", "is not an ARN"),
    ],
)
def test_bad_principal_arns(arn: str, fragment: str) -> None:
    r = resolver(PRINCIPALS)
    with pytest.raises(AccountError) as err:
        r.find("arn", arn)
    assert fragment in str(err.value)
    assert "\n" not in str(err.value)


# ============================================================================================
# Groups, managed policies, boundaries
# ============================================================================================

GROUPS = f"""
    account: "{A}"
    users:
      alice:
        groups: [devs, ops]
      bob: {{}}
    groups:
      devs:
        policies: [QueueSender]
        inline:
          Topics:
            Version: "2012-10-17"
            Statement:
              - Sid: DevsPublish
                Effect: Allow
                Action: sns:Publish
                Resource: "*"
      ops:
        inline:
          NoDeletes:
            Version: "2012-10-17"
            Statement:
              - Sid: OpsNeverDelete
                Effect: Deny
                Action: sqs:DeleteQueue
                Resource: "*"
        policies: [AmazonSQSFullAccess]
    policies:
      QueueSender:
        Version: "2012-10-17"
        Statement:
          - Sid: SendOnly
            Effect: Allow
            Action: sqs:SendMessage
            Resource: "*"
    """


def test_group_inline_policy_grants() -> None:
    r = resolver(GROUPS)
    result = decide(r, "user alice", "sns:Publish", "arn:aws:sns:eu-west-1:111122223333:t")
    assert result.decision is ALLOWED
    assert sids(result) == ["DevsPublish"]
    assert result.matched_statements[0].policy_name == "group devs inline Topics"
    assert result.matched_statements[0].line == line_of(GROUPS, "Sid: DevsPublish")
    assert decide(r, "user bob", "sns:Publish").decision is IMPLICIT


def test_group_managed_policy_grants() -> None:
    r = resolver(GROUPS)
    result = decide(r, "user alice", "sqs:SendMessage", "arn:aws:sqs:eu-west-1:111122223333:q")
    assert result.decision is ALLOWED
    assert "SendOnly" in sids(result)
    assert {m.policy_name for m in result.matched_statements} >= {"QueueSender"}


def test_group_deny_wins_over_other_groups_allow() -> None:
    r = resolver(GROUPS)
    result = decide(r, "user alice", "sqs:DeleteQueue", "arn:aws:sqs:eu-west-1:111122223333:q")
    assert result.decision is EXPLICIT
    assert sids(result) == ["OpsNeverDelete"]
    # The AWS managed policy of the second group still grants what is not denied.
    assert decide(r, "user alice", "sqs:PurgeQueue").decision is ALLOWED


def test_identity_policies_list_user_then_groups() -> None:
    r = resolver(GROUPS)
    names = [p.name for p in r.identity_policies(r.find("user", "alice"))]
    assert names == [
        "group devs inline Topics",
        "QueueSender",
        "group ops inline NoDeletes",
        "AmazonSQSFullAccess",
    ]


BOUNDARIES = f"""
    account: "{A}"
    users:
      alice:
        policies: [AdministratorAccess]
        boundary: S3Only
      nobody:
        boundary: S3Only
    roles:
      app:
        trust_account: "{A}"
        policies: [AdministratorAccess]
        boundary: arn:aws:iam::{A}:policy/bounds/S3Only
      free:
        trust_account: "{A}"
        policies: [AdministratorAccess]
    policies:
      S3Only:
        path: /bounds/
        document:
          Version: "2012-10-17"
          Statement:
            - Sid: BoundaryS3
              Effect: Allow
              Action: s3:*
              Resource: "*"
    resources:
      "arn:aws:sqs:eu-west-1:{A}:jobs":
        policy:
          Version: "2012-10-17"
          Statement:
            - Sid: NamesAliceAndApp
              Effect: Allow
              Principal:
                AWS: ["arn:aws:iam::{A}:user/alice", "arn:aws:iam::{A}:role/app"]
              Action: sqs:SendMessage
              Resource: "*"
    """


@pytest.mark.parametrize("principal", ["user alice", "role app"])
def test_boundary_limits_user_and_role(principal: str) -> None:
    r = resolver(BOUNDARIES)
    inside = decide(r, principal, "s3:GetObject", "arn:aws:s3:::data/k")
    assert inside.decision is ALLOWED
    assert inside.allowed_by_boundary is True
    assert "BoundaryS3" in sids(inside)
    outside = decide(r, principal, "ec2:RunInstances")
    assert outside.decision is IMPLICIT
    assert outside.allowed_by_boundary is False
    assert "boundary" in outside.blocked_by


def test_boundary_does_not_grant() -> None:
    r = resolver(BOUNDARIES)
    result = decide(r, "user nobody", "s3:GetObject", "arn:aws:s3:::data/k")
    assert result.decision is IMPLICIT
    assert "identity" in result.blocked_by


def test_role_without_boundary_is_not_limited() -> None:
    r = resolver(BOUNDARIES)
    assert decide(r, "role free", "ec2:RunInstances").decision is ALLOWED


def test_resource_policy_naming_the_user_is_not_limited_by_the_boundary() -> None:
    # Spec §1.3: a same-account grant to the IAM user ARN needs no identity allow and is not
    # limited by the boundary; a grant to the role ARN is limited by the role's boundary.
    r = resolver(BOUNDARIES)
    queue = f"arn:aws:sqs:eu-west-1:{A}:jobs"
    alice = decide(r, "user alice", "sqs:SendMessage", queue)
    assert alice.decision is ALLOWED
    assert alice.principal_match_kind == "direct"
    assert sids(alice) == ["NamesAliceAndApp"]
    app = decide(r, "role app", "sqs:SendMessage", queue)
    assert app.decision is IMPLICIT
    assert app.principal_match_kind == "role"
    assert app.blocked_by == ["boundary"]


def test_boundary_is_resolved_by_name_and_by_arn() -> None:
    r = resolver(BOUNDARIES)
    for name in ("alice", "app"):
        kind = "user" if name == "alice" else "role"
        found = r.boundary(r.find(kind, name))  # type: ignore[arg-type]
        assert found is not None
        assert [p.name for p in found] == ["boundary S3Only"]
    assert r.boundary(r.find("role", "free")) is None


# ============================================================================================
# Sessions and session policies
# ============================================================================================

SESSIONS = f"""
    account: "{A}"
    roles:
      reader:
        trust_account: "{A}"
        policies: [AmazonS3ReadOnlyAccess]
    """


def test_session_policy_narrows_a_role_session() -> None:
    r = resolver(SESSIONS)
    only_get = policy(
        {"Sid": "OnlyGet", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    )
    kept = decide(r, "role reader", "s3:GetObject", "arn:aws:s3:::b/k", session_policy=only_get)
    assert kept.decision is ALLOWED
    assert kept.allowed_by_session_policy is True
    assert "OnlyGet" in sids(kept)
    cut = decide(r, "role reader", "s3:ListBucket", "arn:aws:s3:::b", session_policy=only_get)
    assert cut.decision is IMPLICIT
    assert cut.blocked_by == ["session"]
    assert cut.allowed_by_session_policy is False
    # Without the session policy the role's own policies decide.
    assert decide(r, "role reader", "s3:ListBucket", "arn:aws:s3:::b").decision is ALLOWED


def test_session_policy_cannot_grant_more() -> None:
    r = resolver(SESSIONS)
    everything = policy({"Effect": "Allow", "Action": "*", "Resource": "*"})
    result = decide(r, "role reader", "s3:PutObject", "arn:aws:s3:::b/k", session_policy=everything)
    assert result.decision is IMPLICIT
    assert "identity" in result.blocked_by


def test_session_policy_deny_is_explicit() -> None:
    r = resolver(SESSIONS)
    deny = policy(
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Sid": "NoGet", "Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"},
    )
    result = decide(r, "role reader", "s3:GetObject", "arn:aws:s3:::b/k", session_policy=deny)
    assert result.decision is EXPLICIT
    assert sids(result) == ["NoGet"]


# ============================================================================================
# SCPs: every level must allow; management account and service-linked roles are exempt
# ============================================================================================


def org_account(root_scps: str, ou_scps: str, account_scps: str) -> str:
    """Account A under one OU, its admin user, a service-linked role; B the management account."""
    return f"""
        accounts:
          - id: "{A}"
            users:
              admin: {{policies: [AdministratorAccess]}}
            roles:
              AWSServiceRoleForSupport:
                path: /aws-service-role/support.amazonaws.com/
                trust_service: support.amazonaws.com
                policies: [AdministratorAccess]
              worker:
                trust_account: "{A}"
                policies: [AdministratorAccess]
          - id: "{MGMT}"
            users:
              boss: {{policies: [AdministratorAccess]}}
        organization:
          id: o-exampleorg
          management_account: "{MGMT}"
          policies:
            S3Only:
              Version: "2012-10-17"
              Statement:
                - Sid: OnlyS3
                  Effect: Allow
                  Action: s3:*
                  Resource: "*"
            NoBucketDeletion:
              Version: "2012-10-17"
              Statement:
                - Sid: KeepBuckets
                  Effect: Deny
                  Action: s3:DeleteBucket
                  Resource: "*"
          root: {{id: r-root, scps: {root_scps}}}
          ous:
            - {{id: ou-root-11111111, name: Workloads, scps: {ou_scps}}}
          accounts:
            "{A}": {{parent: ou-root-11111111, scps: {account_scps}}}
            "{MGMT}": {{scps: [S3Only, NoBucketDeletion]}}
        """


FULL = "[FullAWSAccess]"


def test_scps_all_full_access_allow() -> None:
    r = resolver(org_account(FULL, FULL, FULL))
    result = decide(r, "user admin", "ec2:RunInstances")
    assert result.decision is ALLOWED
    assert result.allowed_by_scp is True


@pytest.mark.parametrize(
    ("root", "ou", "account", "level"),
    [
        ("[S3Only]", FULL, FULL, 0),
        (FULL, "[S3Only]", FULL, 1),
        (FULL, FULL, "[S3Only]", 2),
        ("[]", FULL, FULL, 0),
        (FULL, FULL, "[]", 2),
    ],
    ids=["root", "ou", "account", "nothing-at-root", "nothing-at-account"],
)
def test_missing_scp_allow_at_one_level_blocks(
    root: str, ou: str, account: str, level: int
) -> None:
    r = resolver(org_account(root, ou, account))
    result = decide(r, "user admin", "ec2:RunInstances")
    assert result.decision is IMPLICIT
    assert result.blocked_by == ["scp"]
    assert result.allowed_by_scp is False
    assert f"level {level}" in result.reason
    # What every level allows still goes through; a level with nothing attached allows nothing.
    s3 = decide(r, "user admin", "s3:GetObject", "arn:aws:s3:::b/k")
    assert s3.decision is (IMPLICIT if "[]" in (root, ou, account) else ALLOWED), s3.reason


def test_scp_levels_follow_the_org_path() -> None:
    r = resolver(org_account(FULL, "[FullAWSAccess, NoBucketDeletion]", FULL))
    levels = r.org_levels(A, "scp")
    assert levels is not None
    assert [[p.name for p in level] for level in levels] == [
        ["SCP FullAWSAccess (Root)"],
        ["SCP FullAWSAccess (Workloads)", "SCP NoBucketDeletion (Workloads)"],
        [f"SCP FullAWSAccess ({A})"],
    ]
    assert r.org_levels("123412341234", "scp") is None


def test_scp_deny_at_any_level_is_explicit() -> None:
    r = resolver(org_account(FULL, "[FullAWSAccess, NoBucketDeletion]", FULL))
    result = decide(r, "user admin", "s3:DeleteBucket", "arn:aws:s3:::b")
    assert result.decision is EXPLICIT
    assert result.blocked_by == ["scp"]
    assert sids(result) == ["KeepBuckets"]
    assert result.matched_statements[0].policy_type is PolicyType.SCP
    assert result.matched_statements[0].level == 1


def test_scps_apply_to_role_sessions_and_root() -> None:
    r = resolver(org_account(FULL, "[S3Only]", FULL))
    assert decide(r, "role worker", "ec2:RunInstances").decision is IMPLICIT
    root = decide(r, f"root {A}", "ec2:RunInstances")
    assert root.decision is IMPLICIT
    assert root.blocked_by == ["scp"]


def test_management_account_is_exempt_from_scps() -> None:
    r = resolver(org_account(FULL, FULL, FULL))
    # The management account's own attachment allows only S3 and denies DeleteBucket.
    assert decide(r, "user boss", "ec2:RunInstances").decision is ALLOWED
    assert decide(r, "user boss", "s3:DeleteBucket", "arn:aws:s3:::b").decision is ALLOWED


def test_service_linked_role_is_exempt_from_scps() -> None:
    r = resolver(org_account(FULL, "[S3Only]", FULL))
    target = r.find("role", "AWSServiceRoleForSupport")
    assert target.entity is not None and target.entity.service_linked  # type: ignore[union-attr]
    assert r.decide(target, "ec2:RunInstances").decision is ALLOWED
    assert decide(r, "role worker", "ec2:RunInstances").decision is IMPLICIT


def test_account_outside_the_org_has_no_scps() -> None:
    r = resolver(
        f"""
        accounts:
          - id: "{A}"
            users: {{admin: {{policies: [AdministratorAccess]}}}}
          - id: "{B}"
            users: {{admin2: {{policies: [AdministratorAccess]}}}}
        organization:
          root: {{id: r-root, scps: []}}
          accounts:
            "{A}": {{}}
        """
    )
    assert decide(r, "user admin", "ec2:RunInstances").decision is IMPLICIT
    outsider = decide(r, "user admin2", "ec2:RunInstances")
    assert outsider.decision is ALLOWED
    assert outsider.allowed_by_scp is None


# ============================================================================================
# RCPs: the resource's account path; external callers too; management account exempt
# ============================================================================================

RCPS = f"""
    accounts:
      - id: "{A}"
        users:
          alice: {{policies: [AmazonS3FullAccess]}}
      - id: "{B}"
        resources:
          "arn:aws:s3:::b-data":
            policy:
              Version: "2012-10-17"
              Statement:
                - Sid: ShareWithAandC
                  Effect: Allow
                  Principal: {{AWS: ["{A}", "{C}"]}}
                  Action: s3:GetObject
                  Resource: arn:aws:s3:::b-data/*
      - id: "{C}"
        users:
          mallory: {{policies: [AmazonS3FullAccess]}}
      - id: "{MGMT}"
        resources:
          "arn:aws:s3:::mgmt-data":
            policy:
              Version: "2012-10-17"
              Statement:
                - Sid: ShareWithC
                  Effect: Allow
                  Principal: {{AWS: "{C}"}}
                  Action: s3:GetObject
                  Resource: arn:aws:s3:::mgmt-data/*
    organization:
      id: o-exampleorg
      management_account: "{MGMT}"
      policies:
        OrgOnly:
          type: RCP
          document:
            Version: "2012-10-17"
            Statement:
              - Sid: DenyOutsideOrg
                Effect: Deny
                Principal: "*"
                Action: s3:*
                Resource: "*"
                Condition: {{StringNotEqualsIfExists: {{aws:PrincipalOrgID: o-exampleorg}}}}
      root: {{id: r-root, rcps: [OrgOnly]}}
      accounts:
        "{A}": {{}}
        "{B}": {{}}
        "{MGMT}": {{}}
    """


def test_rcp_denies_callers_from_outside_the_org() -> None:
    r = resolver(RCPS)
    result = decide(r, "user mallory", "s3:GetObject", "arn:aws:s3:::b-data/k")
    assert result.decision is EXPLICIT
    assert result.blocked_by == ["rcp"]
    assert sids(result) == ["DenyOutsideOrg"]
    assert result.matched_statements[0].policy_type is PolicyType.RCP


def test_rcp_lets_org_members_through() -> None:
    r = resolver(RCPS)
    result = decide(r, "user alice", "s3:GetObject", "arn:aws:s3:::b-data/k")
    assert result.decision is ALLOWED
    assert result.allowed_by_rcp is True
    assert result.same_account is False


def test_rcps_come_from_the_resource_account() -> None:
    r = resolver(RCPS)
    levels = r.org_levels(B, "rcp")
    assert levels is not None
    assert [[p.name for p in level] for level in levels] == [["RCP OrgOnly (Root)"], []]
    # Mallory's own account is not in the org: nothing of hers is subject to RCPs by itself.
    assert decide(r, "user mallory", "s3:GetObject", "arn:aws:s3:::c-own/k").decision is ALLOWED


def test_management_account_resources_are_exempt_from_rcps() -> None:
    r = resolver(RCPS)
    result = decide(r, "user mallory", "s3:GetObject", "arn:aws:s3:::mgmt-data/k")
    assert result.decision is ALLOWED, result.reason


# ============================================================================================
# Cross-account within one snapshot: both sides must allow
# ============================================================================================

CROSS = f"""
    accounts:
      - id: "{A}"
        users:
          alice: {{policies: [AmazonS3ReadOnlyAccess]}}
          bob: {{}}
        roles:
          builder:
            trust_account: "{A}"
            policies: [AmazonS3FullAccess]
          other:
            trust_account: "{A}"
            policies: [AmazonS3FullAccess]
          bare:
            trust_account: "{A}"
      - id: "{B}"
        resources:
          "arn:aws:s3:::b-reports":
            policy:
              Version: "2012-10-17"
              Statement:
                - Sid: AccountA
                  Effect: Allow
                  Principal: {{AWS: "arn:aws:iam::{A}:root"}}
                  Action: s3:GetObject
                  Resource: arn:aws:s3:::b-reports/*
          "arn:aws:s3:::b-artifacts":
            policy:
              Version: "2012-10-17"
              Statement:
                - Sid: BuilderOnly
                  Effect: Allow
                  Principal:
                    AWS: ["arn:aws:iam::{A}:role/builder", "arn:aws:iam::{A}:role/bare"]
                  Action: s3:PutObject
                  Resource: arn:aws:s3:::b-artifacts/*
                - Sid: NoDeleteForA
                  Effect: Deny
                  Principal: {{AWS: "{A}"}}
                  Action: s3:DeleteObject
                  Resource: arn:aws:s3:::b-artifacts/*
          "arn:aws:s3:::b-nopolicy":
            tags: {{team: b}}
    """


def test_cross_account_grant_to_the_account_needs_identity_allow() -> None:
    r = resolver(CROSS)
    alice = decide(r, "user alice", "s3:GetObject", "arn:aws:s3:::b-reports/q1.csv")
    assert alice.decision is ALLOWED
    assert alice.same_account is False
    assert alice.principal_match_kind == "account"
    assert {m.policy_type for m in alice.matched_statements} == {
        PolicyType.IDENTITY,
        PolicyType.RESOURCE,
    }
    assert "AccountA" in sids(alice)
    bob = decide(r, "user bob", "s3:GetObject", "arn:aws:s3:::b-reports/q1.csv")
    assert bob.decision is IMPLICIT
    assert bob.blocked_by == ["identity"]


def test_cross_account_grant_to_a_role_covers_only_its_sessions() -> None:
    r = resolver(CROSS)
    obj = "arn:aws:s3:::b-artifacts/build.zip"
    builder = decide(r, "role builder", "s3:PutObject", obj, session_name="ci-1")
    assert builder.decision is ALLOWED
    assert builder.principal_match_kind == "role"
    assert "BuilderOnly" in sids(builder)
    other = decide(r, "role other", "s3:PutObject", obj)
    assert other.decision is IMPLICIT
    assert "resource" in other.blocked_by
    # Named by the bucket but without an identity allow in A: still denied.
    bare = decide(r, "role bare", "s3:PutObject", obj)
    assert bare.decision is IMPLICIT
    assert bare.blocked_by == ["identity"]


def test_cross_account_deny_in_resource_policy() -> None:
    r = resolver(CROSS)
    result = decide(r, "role builder", "s3:DeleteObject", "arn:aws:s3:::b-artifacts/x")
    assert result.decision is EXPLICIT
    assert sids(result) == ["NoDeleteForA"]


def test_cross_account_without_resource_policy_is_denied() -> None:
    r = resolver(CROSS)
    result = decide(r, "role builder", "s3:GetObject", "arn:aws:s3:::b-nopolicy/x")
    assert result.decision is IMPLICIT
    assert "resource" in result.blocked_by
    assert result.same_account is False


def test_bucket_unknown_to_the_snapshot_belongs_to_the_caller() -> None:
    # No account claims the bucket: like the simulator API, it is the caller's own.
    r = resolver(CROSS)
    result = decide(r, "role builder", "s3:PutObject", "arn:aws:s3:::somewhere/x")
    assert result.decision is ALLOWED
    assert result.same_account is True


def test_s3_object_is_governed_by_its_buckets_policy() -> None:
    r = resolver(CROSS)
    entry, owner = r.find_resource("arn:aws:s3:::b-reports/deep/path/file.csv", "s3:GetObject")
    assert entry is not None
    assert entry.arn == "arn:aws:s3:::b-reports"
    assert owner == B
    _, request = r.prepare(r.find("user", "alice"), "s3:GetObject", "arn:aws:s3:::b-reports/k")
    assert request.resource_account == B
    assert request.context.single("aws:resourceaccount") == B


# ============================================================================================
# Trust policies: sts:AssumeRole on a role ARN
# ============================================================================================

TRUST = f"""
    accounts:
      - id: "{A}"
        users:
          dave: {{}}
          erin:
            inline:
              MayAssume:
                Version: "2012-10-17"
                Statement:
                  - Sid: AssumeAnything
                    Effect: Allow
                    Action: sts:AssumeRole
                    Resource: "*"
        roles:
          names-dave:
            trust:
              Version: "2012-10-17"
              Statement:
                - Sid: TrustDave
                  Effect: Allow
                  Principal: {{AWS: "arn:aws:iam::{A}:user/dave"}}
                  Action: sts:AssumeRole
          names-account:
            trust_account: "{A}"
          lambda-only:
            trust_service: lambda.amazonaws.com
          for-b:
            trust_account: "{B}"
          names-b-user:
            trust:
              Version: "2012-10-17"
              Statement:
                - Sid: TrustBUser
                  Effect: Allow
                  Principal: {{AWS: "arn:aws:iam::{B}:user/carol"}}
                  Action: sts:AssumeRole
      - id: "{B}"
        users:
          carol:
            inline:
              MayAssume:
                Version: "2012-10-17"
                Statement:
                  - Sid: CarolAssumes
                    Effect: Allow
                    Action: sts:AssumeRole
                    Resource: arn:aws:iam::{A}:role/for-b
          zed: {{}}
    """


def role_arn(name: str, account: str = A) -> str:
    return f"arn:aws:iam::{account}:role/{name}"


def test_trust_naming_the_user_needs_no_identity_policy() -> None:
    r = resolver(TRUST)
    result = decide(r, "user dave", "sts:AssumeRole", role_arn("names-dave"))
    assert result.decision is ALLOWED
    assert result.principal_match_kind == "direct"
    assert sids(result) == ["TrustDave"]
    assert result.matched_statements[0].line == line_of(TRUST, "Sid: TrustDave")


def test_trust_naming_the_account_needs_an_identity_allow() -> None:
    r = resolver(TRUST)
    dave = decide(r, "user dave", "sts:AssumeRole", role_arn("names-account"))
    assert dave.decision is IMPLICIT
    assert dave.blocked_by == ["identity"]
    erin = decide(r, "user erin", "sts:AssumeRole", role_arn("names-account"))
    assert erin.decision is ALLOWED
    assert "AssumeAnything" in sids(erin)


def test_trust_not_naming_the_caller_denies_despite_identity_allow() -> None:
    r = resolver(TRUST)
    for role in ("names-dave", "lambda-only"):
        result = decide(r, "user erin", "sts:AssumeRole", role_arn(role))
        assert result.decision is IMPLICIT, role
        assert "resource" in result.blocked_by


def test_cross_account_trust_needs_both_sides() -> None:
    r = resolver(TRUST)
    carol = decide(r, "user carol", "sts:AssumeRole", role_arn("for-b"))
    assert carol.decision is ALLOWED
    assert carol.same_account is False
    assert "CarolAssumes" in sids(carol)
    zed = decide(r, "user zed", "sts:AssumeRole", role_arn("for-b"))
    assert zed.decision is IMPLICIT
    assert zed.blocked_by == ["identity"]


def test_cross_account_trust_naming_the_user_is_not_enough() -> None:
    r = resolver(TRUST)
    result = decide(r, "user carol", "sts:AssumeRole", role_arn("names-b-user"))
    assert result.decision is IMPLICIT
    assert result.principal_match_kind == "direct"
    assert result.blocked_by == ["identity"]


def test_trust_policy_is_the_roles_resource_policy() -> None:
    r = resolver(TRUST)
    entry, owner = r.find_resource(role_arn("names-dave"), "sts:AssumeRole")
    assert entry is not None and entry.policy is not None
    assert owner == A
    # For other actions the role ARN has no resource policy.
    entry, _ = r.find_resource(role_arn("names-dave"), "iam:GetRole")
    assert entry is None


# ============================================================================================
# Include / exclude of attached policies
# ============================================================================================

FILTERED = f"""
    account: "{A}"
    users:
      alice:
        groups: [readers]
        policies: [AmazonS3ReadOnlyAccess]
        inline:
          Own:
            Version: "2012-10-17"
            Statement:
              - Sid: OwnPut
                Effect: Allow
                Action: s3:PutObject
                Resource: "*"
              - Sid: OwnGet
                Effect: Allow
                Action: s3:GetObject
                Resource: "*"
    groups:
      readers:
        policies: [NoGets]
    policies:
      NoGets:
        Version: "2012-10-17"
        Statement:
          - Sid: DenyGet
            Effect: Deny
            Action: s3:GetObject
            Resource: arn:aws:s3:::secret/*
    """


def test_no_filter_counts_every_policy() -> None:
    r = resolver(FILTERED)
    assert decide(r, "user alice", "s3:GetObject", "arn:aws:s3:::secret/k").decision is EXPLICIT


@pytest.mark.parametrize(
    "excluded",
    ["NoGets", "nogets", f"arn:aws:iam::{A}:policy/NoGets"],
    ids=["name", "case", "arn"],
)
def test_exclude_drops_a_policy(excluded: str) -> None:
    r = resolver(FILTERED, policy_filter=PolicyFilter(exclude=frozenset({excluded})))
    result = decide(r, "user alice", "s3:GetObject", "arn:aws:s3:::secret/k")
    assert result.decision is ALLOWED


def test_include_keeps_only_the_named_policies() -> None:
    r = resolver(FILTERED, policy_filter=PolicyFilter(include=frozenset({"Own"})))
    names = [p.name for p in r.identity_policies(r.find("user", "alice"))]
    assert names == ["user alice inline Own"]
    assert decide(r, "user alice", "s3:GetObject", "arn:aws:s3:::secret/k").decision is ALLOWED
    assert decide(r, "user alice", "s3:ListBucket", "arn:aws:s3:::secret").decision is IMPLICIT


def test_include_an_aws_managed_policy_only() -> None:
    r = resolver(
        FILTERED, policy_filter=PolicyFilter(include=frozenset({"AmazonS3ReadOnlyAccess"}))
    )
    assert decide(r, "user alice", "s3:ListBucket", "arn:aws:s3:::secret").decision is ALLOWED
    assert decide(r, "user alice", "s3:PutObject", "arn:aws:s3:::secret/k").decision is IMPLICIT


def test_policy_filter_keeps() -> None:
    keep_all = PolicyFilter()
    assert keep_all.keeps("anything")
    only = PolicyFilter(include=frozenset({"A"}))
    assert only.keeps("a", "arn:x") and not only.keeps("b")
    drop = PolicyFilter(exclude=frozenset({"arn:aws:iam::aws:policy/X"}))
    assert not drop.keeps("X", "arn:aws:iam::aws:policy/X")
    assert drop.keeps("Y", "arn:aws:iam::aws:policy/Y")


# ============================================================================================
# AWS managed policies, offline, by name
# ============================================================================================

MANAGED = f"""
    account: "{A}"
    users:
      reader: {{policies: [AmazonS3ReadOnlyAccess]}}
    roles:
      fn:
        trust_service: lambda.amazonaws.com
        policies: [service-role/AWSLambdaBasicExecutionRole]
    """


def test_aws_managed_policy_by_name_resolves_offline() -> None:
    r = resolver(MANAGED)
    user = r.find("user", "reader")
    assert user.entity is not None
    assert user.entity.managed_policies == ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]
    # The file does not carry the document; the bundled copy does.
    assert r.snapshot.accounts[A].policies == {}
    got = decide(r, "user reader", "s3:GetObject", "arn:aws:s3:::any/k")
    assert got.decision is ALLOWED
    assert got.matched_statements[0].policy_name == "AmazonS3ReadOnlyAccess"
    assert decide(r, "user reader", "s3:PutObject", "arn:aws:s3:::any/k").decision is IMPLICIT


def test_aws_managed_policy_with_a_path() -> None:
    r = resolver(MANAGED)
    role = r.find("role", "fn")
    assert role.entity is not None
    assert role.entity.managed_policies == [
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    ]
    logs = "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/fn:*"
    assert decide(r, "role fn", "logs:CreateLogStream", logs).decision is ALLOWED
    assert decide(r, "role fn", "s3:GetObject", "arn:aws:s3:::b/k").decision is IMPLICIT


def test_without_the_bundled_policies_a_missing_document_is_an_error() -> None:
    snapshot = parse_snapshot(dedent(MANAGED), FILE)
    bare = Resolver(snapshot, now=NOW)
    with pytest.raises(AccountError, match=r"AmazonS3ReadOnlyAccess.*not in the snapshot"):
        bare.decide(bare.find("user", "reader"), "s3:GetObject")


# ============================================================================================
# S3 Block Public Access: RestrictPublicBuckets
# ============================================================================================


def public_bucket(bucket_bpa: str = "", account_bpa: str = "", condition: str = "") -> str:
    return f"""
        accounts:
          - id: "{A}"
            users:
              owner: {{}}
            {account_bpa}
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
                      {condition}
                    - Sid: PartnerAccount
                      Effect: Allow
                      Principal: {{AWS: "{B}"}}
                      Action: s3:GetObject
                      Resource: arn:aws:s3:::site/*
                {bucket_bpa}
          - id: "{B}"
            users:
              carol: {{policies: [AmazonS3ReadOnlyAccess]}}
        """


BUCKET_RPB = "block_public_access: {restrict_public_buckets: true}"
ACCOUNT_RPB = "block_public_access: {restrict_public_buckets: true}"


@pytest.mark.parametrize(
    "text",
    [public_bucket(bucket_bpa=BUCKET_RPB), public_bucket(account_bpa=ACCOUNT_RPB)],
    ids=["bucket-level", "account-level"],
)
def test_restrict_public_buckets_blocks_cross_account(text: str) -> None:
    r = resolver(text)
    carol = decide(r, "user carol", "s3:GetObject", "arn:aws:s3:::site/index.html")
    assert carol.decision is EXPLICIT
    assert carol.blocked_by == ["s3-bpa"]
    # Same-account callers keep access through the public statement.
    owner = decide(r, "user owner", "s3:GetObject", "arn:aws:s3:::site/index.html")
    assert owner.decision is ALLOWED
    assert sids(owner) == ["Everyone"]


def test_without_restrict_public_buckets_cross_account_is_allowed() -> None:
    r = resolver(public_bucket())
    carol = decide(r, "user carol", "s3:GetObject", "arn:aws:s3:::site/index.html")
    assert carol.decision is ALLOWED
    assert carol.blocked_by == []


def test_restrict_public_buckets_ignores_a_non_public_policy() -> None:
    fixed = "Condition: {StringEquals: {aws:SourceVpce: vpce-0123456789abcdef0}}"
    r = resolver(public_bucket(bucket_bpa=BUCKET_RPB, condition=fixed))
    carol = decide(r, "user carol", "s3:GetObject", "arn:aws:s3:::site/index.html")
    assert carol.decision is ALLOWED
    assert sids(carol)[-1] == "PartnerAccount"


# ============================================================================================
# Other resource policies: KMS key policies, Lambda function policies
# ============================================================================================

KEYS = f"""
    account: "{A}"
    users:
      admin: {{policies: [AdministratorAccess]}}
      keyuser: {{}}
    resources:
      "arn:aws:kms:eu-west-1:{A}:key/no-delegation":
        policy:
          Version: "2012-10-17"
          Statement:
            - Sid: OnlyKeyUser
              Effect: Allow
              Principal: {{AWS: "arn:aws:iam::{A}:user/keyuser"}}
              Action: kms:Decrypt
              Resource: "*"
      "arn:aws:kms:eu-west-1:{A}:key/delegated":
        policy:
          Version: "2012-10-17"
          Statement:
            - Sid: EnableIam
              Effect: Allow
              Principal: {{AWS: "arn:aws:iam::{A}:root"}}
              Action: kms:*
              Resource: "*"
      "arn:aws:lambda:eu-west-1:{A}:function:fn":
        policy:
          Version: "2012-10-17"
          Statement:
            - Sid: NoInvoke
              Effect: Deny
              Principal: "*"
              Action: lambda:InvokeFunction
              Resource: "*"
    """


def test_key_policy_without_delegation_ignores_identity_policies() -> None:
    r = resolver(KEYS)
    key = f"arn:aws:kms:eu-west-1:{A}:key/no-delegation"
    admin = decide(r, "user admin", "kms:Decrypt", key)
    assert admin.decision is IMPLICIT
    assert "resource" in admin.blocked_by
    assert decide(r, f"root {A}", "kms:Decrypt", key).decision is IMPLICIT
    keyuser = decide(r, "user keyuser", "kms:Decrypt", key)
    assert keyuser.decision is ALLOWED
    assert sids(keyuser) == ["OnlyKeyUser"]


def test_key_policy_delegating_to_the_account_enables_iam() -> None:
    r = resolver(KEYS)
    key = f"arn:aws:kms:eu-west-1:{A}:key/delegated"
    assert decide(r, "user admin", "kms:Decrypt", key).decision is ALLOWED
    assert decide(r, "user keyuser", "kms:Decrypt", key).decision is IMPLICIT


@pytest.mark.parametrize("qualifier", ["", ":1", ":prod"])
def test_lambda_versions_and_aliases_use_the_function_policy(qualifier: str) -> None:
    r = resolver(KEYS)
    fn = f"arn:aws:lambda:eu-west-1:{A}:function:fn{qualifier}"
    result = decide(r, "user admin", "lambda:InvokeFunction", fn)
    assert result.decision is EXPLICIT
    assert sids(result) == ["NoInvoke"]


# ============================================================================================
# Errors in the snapshot's references
# ============================================================================================


def test_missing_group_or_policy_in_a_hand_built_snapshot() -> None:
    r = resolver(MANAGED)
    user = r.snapshot.accounts[A].users["reader"]
    user.groups.append("ghosts")
    with pytest.raises(AccountError, match="group 'ghosts', which is not in the snapshot"):
        r.decide(r.find("user", "reader"), "s3:GetObject")


# ============================================================================================
# The corpus accounts in tests/account/data
# ============================================================================================


def corpus(name: str) -> Resolver:
    return Resolver(load_snapshot(DATA / name), now=NOW, managed_lookup=aws_managed)


@pytest.mark.parametrize(
    "name", ["cloudsplaining-example.json", "cloudsplaining-test-authz-details.json"]
)
def test_corpus_admin_may_pass_roles(name: str) -> None:
    r = corpus(name)
    target = r.find("user", "obama", account_id="012345678901")
    result = r.decide(target, "iam:PassRole", "arn:aws:iam::012345678901:role/MyRole")
    assert result.decision is ALLOWED
    assert result.matched_statements[0].policy_name == "AdministratorAccess"
    assert result.matched_statements[0].file == str(DATA / name)


def test_corpus_two_accounts_in_one_file() -> None:
    r = corpus("cloudsplaining-example.json")
    assert set(r.snapshot.accounts) == {"200611803367", "012345678901"}
    # Explicit deny from a second attached policy.
    denied = decide(r, "user fp2-allow-and-deny-multiple-policies-user", "s3:GetObject", "*")
    assert denied.decision is EXPLICIT
    assert denied.matched_statements[0].policy_name == "deny-all"
    # A permission that only comes through a group.
    sre = decide(r, "user privesc-sre-user", "iam:CreateUser")
    assert sre.decision is ALLOWED
    assert sre.matched_statements[0].policy_name == "privesc-sre-admin-policy"
    # Narrow policies stay narrow.
    narrow = "user privesc4-CreateAccessKey-user"
    assert decide(r, narrow, "iam:CreateAccessKey", "arn:aws:iam::200611803367:user/x").allowed
    assert decide(r, narrow, "s3:GetObject", "arn:aws:s3:::b/k").decision is IMPLICIT
    # An AWS managed policy through a group (AmazonRDSFullAccess on group biden).
    assert decide(r, "user biden", "rds:CreateDBInstance").decision is ALLOWED
    # Roles answer as sessions.
    role = "role AWS-QuickSetup-StackSet-Local-ExecutionRole"
    assert decide(r, role, "ec2:RunInstances").decision is ALLOWED


def test_corpus_yaml_accounts() -> None:
    r = open_resolver(DATA / "accounts.yaml", now=NOW)
    eu = {"aws:RequestedRegion": "eu-west-1"}
    reports = "arn:aws:s3:::reports/2030/q1.csv"
    alice = decide(r, "user alice", "s3:GetObject", reports, eu)
    assert alice.decision is ALLOWED
    assert "ReadReports" in sids(alice)
    # The org's region SCP denies when the region is not in the EU (or not known).
    us = decide(r, "user alice", "s3:GetObject", reports, {"aws:RequestedRegion": "us-east-1"})
    assert us.decision is EXPLICIT
    assert sids(us) == ["DenyOutsideEU"]
    # The bucket policy denies plain HTTP.
    http = decide(r, "user alice", "s3:GetObject", reports, {**eu, "aws:SecureTransport": "false"})
    assert http.decision is EXPLICIT
    assert sids(http) == ["DenyInsecureTransport"]
    # Alice's group may pass the app role, but her boundary allows no iam:* action.
    pass_role = decide(r, "user alice", "iam:PassRole", f"arn:aws:iam::{A}:role/service-role/app")
    assert pass_role.decision is IMPLICIT
    assert pass_role.blocked_by == ["boundary"]
    # The Lambda role's AWS managed policy, in an allowed region.
    logs = f"arn:aws:logs:eu-west-1:{A}:log-group:/aws/lambda/app"
    assert decide(r, "role app", "logs:CreateLogGroup", logs).decision is ALLOWED
    # Account B trusts nobody's identity policies: carol has no sts:AssumeRole.
    assert decide(r, "user carol", "sts:AssumeRole", role_arn("ci")).decision is IMPLICIT


def test_corpus_snapshot_json() -> None:
    r = corpus("snapshot.json")
    alice = decide(r, "user alice", "s3:GetObject", "arn:aws:s3:::data/k")
    assert alice.decision is ALLOWED
    # Her boundary (v2: s3:* only) limits the group's ReadOnlyAccess.
    ec2 = decide(r, "user alice", "ec2:DescribeInstances")
    assert ec2.decision is IMPLICIT
    assert ec2.blocked_by == ["boundary"]
    # The artifacts bucket in the tools account names the ci role of the same account.
    ci = decide(r, "role ci", "s3:PutObject", "arn:aws:s3:::artifacts/build.zip")
    assert ci.decision is ALLOWED
    assert ci.principal_match_kind == "role"
