"""The single-edge facts each method fixture and scenario rests on, asked of the engine.

`policysim paths` is judged on these accounts, so each one's premise is checked here on its own:
the attacker may make the call the method needs and the near miss may not (or lacks what the
file says it lacks). If a fixture drifts (a typo in an ARN, a condition that no longer matches),
this fails before the paths tests give a misleading answer.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from policysim.account.loaders import load_snapshot
from policysim.account.resolve import Resolver
from policysim.account.workspace import aws_managed

DATA = Path(__file__).parent / "data"
A = "arn:aws:iam::111111111111"
B = "arn:aws:iam::222222222222"

PASSROLE: dict[str, tuple[str, tuple[str, ...]]] = {
    "lambda-001": ("lambda.amazonaws.com", ("lambda:CreateFunction", "lambda:InvokeFunction")),
    "lambda-002": (
        "lambda.amazonaws.com",
        ("lambda:CreateFunction", "lambda:CreateEventSourceMapping"),
    ),
    "lambda-006": ("lambda.amazonaws.com", ("lambda:CreateFunction", "lambda:AddPermission")),
    "ec2-001": ("ec2.amazonaws.com", ("ec2:RunInstances",)),
    "ec2-003": ("ec2.amazonaws.com", ("ec2:RequestSpotInstances",)),
    "cloudformation-001": ("cloudformation.amazonaws.com", ("cloudformation:CreateStack",)),
    "cloudformation-003": (
        "cloudformation.amazonaws.com",
        ("cloudformation:CreateStackSet", "cloudformation:CreateStackInstances"),
    ),
    "codebuild-001": (
        "codebuild.amazonaws.com",
        ("codebuild:CreateProject", "codebuild:StartBuild"),
    ),
    "codebuild-004": (
        "codebuild.amazonaws.com",
        ("codebuild:CreateProject", "codebuild:StartBuildBatch"),
    ),
    "glue-001": ("glue.amazonaws.com", ("glue:CreateDevEndpoint",)),
    "glue-003": ("glue.amazonaws.com", ("glue:CreateJob", "glue:StartJobRun")),
    "glue-004": ("glue.amazonaws.com", ("glue:CreateJob", "glue:CreateTrigger")),
    "sagemaker-001": ("sagemaker.amazonaws.com", ("sagemaker:CreateNotebookInstance",)),
    "sagemaker-002": ("sagemaker.amazonaws.com", ("sagemaker:CreateTrainingJob",)),
    "sagemaker-003": ("sagemaker.amazonaws.com", ("sagemaker:CreateProcessingJob",)),
    "ecs-001": (
        "ecs-tasks.amazonaws.com",
        ("ecs:CreateCluster", "ecs:RegisterTaskDefinition", "ecs:CreateService"),
    ),
    "ecs-002": (
        "ecs-tasks.amazonaws.com",
        ("ecs:CreateCluster", "ecs:RegisterTaskDefinition", "ecs:RunTask"),
    ),
    "ecs-003": ("ecs-tasks.amazonaws.com", ("ecs:RegisterTaskDefinition", "ecs:CreateService")),
    "ecs-004": ("ecs-tasks.amazonaws.com", ("ecs:RegisterTaskDefinition", "ecs:RunTask")),
    "ecs-005": ("ecs-tasks.amazonaws.com", ("ecs:RegisterTaskDefinition", "ecs:StartTask")),
    "datapipeline-001": (
        "datapipeline.amazonaws.com",
        (
            "datapipeline:CreatePipeline",
            "datapipeline:PutPipelineDefinition",
            "datapipeline:ActivatePipeline",
        ),
    ),
    "apprunner-001": ("tasks.apprunner.amazonaws.com", ("apprunner:CreateService",)),
}
"""Each PassRole method: the service principal and the actions that make it run code."""

ADMIN_PROBES = (
    "iam:CreateUser",
    "s3:DeleteBucket",
    "ec2:TerminateInstances",
    "kms:ScheduleKeyDeletion",
    "organizations:LeaveOrganization",
)


def resolver(path: Path) -> Resolver:
    return Resolver(load_snapshot(path), managed_lookup=aws_managed)


def allowed(res: Resolver, who: str, action: str, resource: str = "*", **context: str) -> bool:
    """`who` is `user/NAME`, `role/NAME` or a principal ARN."""
    if who.startswith("arn:"):
        target = res.find("arn", who)
    else:
        kind, name = who.split("/")
        target = res.find("user" if kind == "user" else "role", name)
    ctx = {k.replace("__", ":"): v for k, v in context.items()}
    return res.decide(target, action, resource, ctx or None).allowed


def is_admin(res: Resolver, who: str) -> bool:
    return all(allowed(res, who, action) for action in ADMIN_PROBES)


def runs_admin_role(res: Resolver, who: str, service: str, actions: tuple[str, ...]) -> bool:
    """May `who` have `service` run code as an admin role: pass it (to that service), the
    role trusts the service (and, for EC2, sits in an instance profile), and the actions."""
    if not all(allowed(res, who, action) for action in actions):
        return False
    for account in res.snapshot.accounts.values():
        for role in account.roles.values():
            if not res.decide_outsider(service, "sts:AssumeRole", role.arn).allowed:
                continue
            if service == "ec2.amazonaws.com" and not role.instance_profiles:
                continue
            passes = allowed(res, who, "iam:PassRole", role.arn, iam__PassedToService=service)
            if passes and is_admin(res, f"role/{role.name}"):
                return True
    return False


@pytest.mark.parametrize("method", sorted(PASSROLE))
def test_passrole_method_fixture(method: str) -> None:
    service, actions = PASSROLE[method]
    res = resolver(DATA / "methods" / f"{method}.yaml")
    assert runs_admin_role(res, "user/attacker", service, actions)
    assert not runs_admin_role(res, "user/nearmiss", service, actions)


Check = tuple[str, str, str, bool]

IAM_METHODS: dict[str, list[Check]] = {
    "iam-001": [
        ("user/attacker", "iam:CreatePolicyVersion", f"{A}:policy/AttackerTools", True),
        ("user/nearmiss", "iam:CreatePolicyVersion", f"{A}:policy/NearmissTools", False),
    ],
    "iam-002": [
        ("user/attacker", "iam:CreateAccessKey", f"{A}:user/admin-user", True),
        ("user/nearmiss", "iam:CreateAccessKey", f"{A}:user/admin-user", False),
    ],
    "iam-004": [
        ("user/attacker", "iam:CreateLoginProfile", f"{A}:user/admin-user", True),
        ("user/nearmiss", "iam:CreateLoginProfile", f"{A}:user/admin-user", False),
    ],
    "iam-005": [
        ("role/attacker", "iam:PutRolePolicy", f"{A}:role/attacker", True),
        ("role/nearmiss", "iam:PutRolePolicy", f"{A}:role/nearmiss", False),
    ],
    "iam-006": [
        ("user/attacker", "iam:UpdateLoginProfile", f"{A}:user/admin-user", True),
        ("user/nearmiss", "iam:UpdateLoginProfile", f"{A}:user/admin-user", False),
    ],
    "iam-007": [
        ("user/attacker", "iam:PutUserPolicy", f"{A}:user/attacker", True),
        ("user/nearmiss", "iam:PutUserPolicy", f"{A}:user/nearmiss", False),
    ],
    "iam-008": [
        ("user/attacker", "iam:AttachUserPolicy", f"{A}:user/attacker", True),
        ("user/nearmiss", "iam:AttachUserPolicy", f"{A}:user/nearmiss", False),
    ],
    "iam-009": [
        ("role/attacker", "iam:AttachRolePolicy", f"{A}:role/attacker", True),
        ("role/nearmiss", "iam:AttachRolePolicy", f"{A}:role/nearmiss", False),
    ],
    "iam-010": [
        ("user/attacker", "iam:AttachGroupPolicy", f"{A}:group/devs", True),
        ("user/nearmiss", "iam:AttachGroupPolicy", f"{A}:group/ops", False),
    ],
    "iam-011": [
        ("user/attacker", "iam:PutGroupPolicy", f"{A}:group/devs", True),
        ("user/nearmiss", "iam:PutGroupPolicy", f"{A}:group/ops", False),
    ],
    "iam-012": [
        ("user/attacker", "iam:UpdateAssumeRolePolicy", f"{A}:role/Admin", True),
        ("user/attacker", "sts:AssumeRole", f"{A}:role/Admin", False),
        ("user/nearmiss", "iam:UpdateAssumeRolePolicy", f"{A}:role/Admin", False),
    ],
    "iam-013": [
        ("user/attacker", "iam:AddUserToGroup", f"{A}:group/admins", True),
        ("user/nearmiss", "iam:AddUserToGroup", f"{A}:group/admins", False),
    ],
    "iam-014": [
        ("user/attacker", "iam:AttachRolePolicy", f"{A}:role/Target", True),
        ("user/attacker", "sts:AssumeRole", f"{A}:role/Target", True),
        ("user/nearmiss", "iam:AttachRolePolicy", f"{A}:role/Target", True),
        ("user/nearmiss", "sts:AssumeRole", f"{A}:role/Target", False),
    ],
    "iam-015": [
        ("user/attacker", "iam:AttachUserPolicy", f"{A}:user/helpdesk", True),
        ("user/attacker", "iam:CreateAccessKey", f"{A}:user/helpdesk", True),
        ("user/nearmiss", "iam:CreateAccessKey", f"{A}:user/helpdesk", False),
    ],
    "iam-016": [
        ("user/attacker", "iam:CreatePolicyVersion", f"{A}:policy/TargetPolicy", True),
        ("user/attacker", "sts:AssumeRole", f"{A}:role/Target", True),
        ("user/nearmiss", "sts:AssumeRole", f"{A}:role/Target", False),
    ],
    "iam-017": [
        ("user/attacker", "iam:PutRolePolicy", f"{A}:role/Target", True),
        ("user/attacker", "sts:AssumeRole", f"{A}:role/Target", True),
        ("user/nearmiss", "sts:AssumeRole", f"{A}:role/Target", True),
        ("user/nearmiss", "iam:PutRolePolicy", f"{A}:role/Target", False),
    ],
    "iam-018": [
        ("user/attacker", "iam:PutUserPolicy", f"{A}:user/helpdesk", True),
        ("user/attacker", "iam:CreateAccessKey", f"{A}:user/helpdesk", True),
        ("user/nearmiss", "iam:PutUserPolicy", f"{A}:user/helpdesk", False),
    ],
    "iam-019": [
        ("user/attacker", "iam:AttachRolePolicy", f"{A}:role/Worker", True),
        ("user/attacker", "iam:UpdateAssumeRolePolicy", f"{A}:role/Worker", True),
        ("user/nearmiss", "iam:UpdateAssumeRolePolicy", f"{A}:role/Worker", False),
    ],
    "iam-020": [
        ("user/attacker", "iam:CreatePolicyVersion", f"{A}:policy/WorkerPolicy", True),
        ("user/attacker", "iam:UpdateAssumeRolePolicy", f"{A}:role/Worker", True),
        ("user/nearmiss", "iam:CreatePolicyVersion", f"{A}:policy/WorkerPolicy", False),
    ],
    "iam-021": [
        ("user/attacker", "iam:PutRolePolicy", f"{A}:role/Worker", True),
        ("user/attacker", "iam:UpdateAssumeRolePolicy", f"{A}:role/Worker", True),
        ("user/nearmiss", "iam:UpdateAssumeRolePolicy", f"{A}:role/Worker", False),
    ],
    "sts-001": [
        ("user/attacker", "sts:AssumeRole", f"{A}:role/Admin", True),
        ("user/nearmiss", "sts:AssumeRole", f"{A}:role/Admin", False),
    ],
    "ps-delete-own-boundary": [
        ("user/attacker", "iam:DeleteUserPermissionsBoundary", f"{A}:user/attacker", True),
        ("user/nearmiss", "iam:DeleteUserPermissionsBoundary", f"{A}:user/nearmiss", False),
    ],
    "ps-set-default-policy-version": [
        ("user/attacker", "iam:SetDefaultPolicyVersion", f"{A}:policy/AttackerTools", True),
        ("user/nearmiss", "iam:SetDefaultPolicyVersion", f"{A}:policy/NearmissTools", False),
    ],
}


def test_every_method_is_checked() -> None:
    methods = {path.stem for path in (DATA / "methods").glob("*.yaml")}
    assert methods == set(PASSROLE) | set(IAM_METHODS)


@pytest.mark.parametrize("method", sorted(IAM_METHODS))
def test_iam_method_fixture(method: str) -> None:
    res = resolver(DATA / "methods" / f"{method}.yaml")
    for who, action, resource, expected in IAM_METHODS[method]:
        assert allowed(res, who, action, resource) is expected, (who, action, resource)
    # Neither starts out as admin: the path is what makes the attacker one.
    for name in ("attacker", "nearmiss"):
        kind = "role" if any(name in a.roles for a in res.snapshot.accounts.values()) else "user"
        assert not is_admin(res, f"{kind}/{name}")


SCENARIOS: dict[str, list[Check]] = {
    "assume-chain.yaml": [
        ("user/alice", "sts:AssumeRole", f"{A}:role/Hop1", True),
        ("user/alice", "sts:AssumeRole", f"{A}:role/Hop2", False),
        ("role/Hop1", "sts:AssumeRole", f"{A}:role/Hop2", True),
        ("role/Hop1", "sts:AssumeRole", f"{A}:role/Admin", False),
        ("role/Hop2", "sts:AssumeRole", f"{A}:role/Admin", True),
        ("user/bob", "sts:AssumeRole", f"{A}:role/Hop1", False),
    ],
    "cycle.yaml": [
        ("user/carl", "sts:AssumeRole", f"{A}:role/Ping", True),
        ("role/Ping", "sts:AssumeRole", f"{A}:role/Pong", True),
        ("role/Pong", "sts:AssumeRole", f"{A}:role/Ping", True),
        ("role/Ping", "sts:AssumeRole", f"{A}:role/Admin", False),
        ("role/Pong", "sts:AssumeRole", f"{A}:role/Admin", False),
    ],
    "trust-user-arn.yaml": [
        ("user/alice", "sts:AssumeRole", f"{A}:role/Admin", True),
        ("user/bob", "sts:AssumeRole", f"{A}:role/Admin", False),
    ],
    "trust-account-root.yaml": [
        ("user/bob", "sts:AssumeRole", f"{A}:role/Admin", True),
        ("user/carol", "sts:AssumeRole", f"{A}:role/Admin", False),
        ("user/dave", "sts:AssumeRole", f"{A}:role/Admin", False),
    ],
    "mfa.yaml": [("user/erin", "sts:AssumeRole", f"{A}:role/Admin", False)],
    "boundary-blocks.yaml": [
        ("user/gina", "sts:AssumeRole", f"{A}:role/Admin", True),
        ("user/hank", "sts:AssumeRole", f"{A}:role/Admin", False),
    ],
    "scp-blocks.yaml": [
        (f"{A}:user/jack", "sts:AssumeRole", f"{B}:role/Admin", True),
        (f"{A}:user/contractors/ivy", "sts:AssumeRole", f"{B}:role/Admin", False),
    ],
    "cross-account-chain.yaml": [
        (f"{A}:user/alice", "sts:AssumeRole", f"{B}:role/Bridge", True),
        (f"{A}:user/bob", "sts:AssumeRole", f"{B}:role/Bridge", False),
        (f"{B}:role/Bridge", "sts:AssumeRole", f"{A}:role/Ops", True),
        (f"{A}:user/carol", "sts:AssumeRole", f"{A}:role/Ops", False),
    ],
    "deny-blocks.yaml": [
        ("user/sam", "iam:PutUserPolicy", f"{A}:user/sam", True),
        ("user/tina", "iam:PutUserPolicy", f"{A}:user/tina", False),
    ],
    "update-assume-role-policy.yaml": [
        ("user/quincy", "iam:UpdateAssumeRolePolicy", f"{A}:role/Admin", True),
        ("user/rita", "sts:AssumeRole", f"{A}:role/Admin", False),
    ],
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_edges(name: str) -> None:
    res = resolver(DATA / "accounts" / name)
    for who, action, resource, expected in SCENARIOS[name]:
        assert allowed(res, who, action, resource) is expected, (who, action, resource)


def test_mfa_edge_holds_with_mfa_only() -> None:
    res = resolver(DATA / "accounts" / "mfa.yaml")
    admin = f"{A}:role/Admin"
    mfa = {"aws__MultiFactorAuthPresent": "true"}
    assert allowed(res, "user/erin", "sts:AssumeRole", admin, **mfa)
    assert not allowed(res, "user/frank", "sts:AssumeRole", admin, **mfa)


def test_passed_to_service_near_miss() -> None:
    res = resolver(DATA / "accounts" / "passed-to-service.yaml")
    role = f"{A}:role/LambdaAdmin"
    to_lambda = {"iam__PassedToService": "lambda.amazonaws.com"}
    to_ec2 = {"iam__PassedToService": "ec2.amazonaws.com"}
    assert allowed(res, "user/kate", "iam:PassRole", role, **to_ec2)
    assert not allowed(res, "user/kate", "iam:PassRole", role, **to_lambda)
    assert allowed(res, "user/liam", "iam:PassRole", role, **to_lambda)
    assert not res.decide_outsider("ec2.amazonaws.com", "sts:AssumeRole", role).allowed


def test_ec2_instance_profiles() -> None:
    with_profile = load_snapshot(DATA / "accounts" / "passrole-ec2-profile.yaml")
    without = load_snapshot(DATA / "accounts" / "passrole-ec2-no-profile.yaml")
    [one] = with_profile.accounts.values()
    [other] = without.accounts.values()
    assert one.roles["Ec2Admin"].instance_profiles == [f"{A}:instance-profile/ec2-admin"]
    assert other.roles["Ec2Admin"].instance_profiles == []
    res = resolver(DATA / "accounts" / "passrole-ec2-no-profile.yaml")
    profile = f"{A}:instance-profile/new"
    for action in ("iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile"):
        assert allowed(res, "user/peggy", action, profile)
        assert not allowed(res, "user/oscar", action, profile)
