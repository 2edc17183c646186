"""The principal grammar through `check`, `explain`, `query` and `test`: groups, service
principals, CloudFront OAI ARNs, anonymous; one-line errors with exit status 2; and the
permissions boundary capping a grant to the role's ARN."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

A = "111122223333"
OAI = "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHAPOMQZL"
OBJECT = "arn:aws:s3:::site/index.html"
NOW = "2026-01-01T00:00:00Z"

ACCOUNT = f"""\
account: "{A}"
users:
  dana:
    groups: [readers]
groups:
  readers:
    inline:
      Read:
        Version: "2012-10-17"
        Statement:
          - {{Sid: GroupReads, Effect: Allow, Action: s3:GetObject, Resource: "arn:aws:s3:::d*"}}
roles:
  app:
    trust_account: "{A}"
    boundary: Bound
policies:
  Bound:
    Version: "2012-10-17"
    Statement:
      - {{Effect: Allow, Action: "ec2:*", Resource: "*"}}
resources:
  "arn:aws:s3:::site":
    policy:
      Version: "2012-10-17"
      Statement:
        - Sid: Oai
          Effect: Allow
          Principal: {{AWS: "{OAI}"}}
          Action: s3:GetObject
          Resource: arn:aws:s3:::site/*
        - Sid: Logs
          Effect: Allow
          Principal: {{Service: logging.s3.amazonaws.com}}
          Action: s3:PutObject
          Resource: arn:aws:s3:::site/*
  "arn:aws:s3:::data":
    policy:
      Version: "2012-10-17"
      Statement:
        - Sid: RoleArn
          Effect: Allow
          Principal: {{AWS: "arn:aws:iam::{A}:role/app"}}
          Action: s3:GetObject
          Resource: arn:aws:s3:::data/*
"""


@pytest.fixture
def account(tmp_path: Path) -> Path:
    path = tmp_path / "account.yaml"
    path.write_text(ACCOUNT, encoding="utf-8")
    return path


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "policysim.cli", *args], capture_output=True, text=True, check=False
    )


def check(account: Path, *words: str, resource: str = OBJECT) -> subprocess.CompletedProcess[str]:
    return run("check", *words, "--resource", resource, "--account", str(account), "--now", NOW)


@pytest.mark.parametrize(
    ("words", "action", "status", "label"),
    [
        ([OAI], "s3:GetObject", 0, "CloudFront OAI E2QWRUHAPOMQZL"),
        (OAI.split(" "), "s3:GetObject", 0, "CloudFront OAI E2QWRUHAPOMQZL"),  # unquoted
        ([OAI], "s3:PutObject", 1, "CloudFront OAI"),
        (["service/logging.s3.amazonaws.com"], "s3:PutObject", 0, "service logging"),
        (["service/logging.s3.amazonaws.com"], "s3:GetObject", 1, "service logging"),
        (["anonymous"], "s3:GetObject", 1, "anonymous"),
    ],
)
def test_outsiders_are_decided_by_the_resource_policy(
    account: Path, words: list[str], action: str, status: int, label: str
) -> None:
    result = check(account, *words, action)
    assert result.returncode == status, result.stderr
    assert result.stdout.startswith(label)
    assert result.stderr == ""


def test_outsider_json_has_no_account(account: Path) -> None:
    result = run(
        "check", OAI, "s3:GetObject", "--resource", OBJECT, "--account", str(account), "--json"
    )
    payload = json.loads(result.stdout)
    assert payload["principal"] == OAI
    assert payload["account"] is None
    assert payload["results"][0]["decision"] == "Allowed"


@pytest.mark.parametrize(
    "words", [["group", "readers"], ["group/readers"], [f"arn:aws:iam::{A}:group/readers"]]
)
def test_a_group_is_simulated_with_its_own_policies(account: Path, words: list[str]) -> None:
    result = check(account, *words, "s3:GetObject", "s3:PutObject", resource="arn:aws:s3:::data/k")
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("group readers")
    lines = result.stdout.splitlines()
    assert "Allowed" in next(line for line in lines if "s3:GetObject" in line)
    assert "ImplicitDeny" in next(line for line in lines if "s3:PutObject" in line)


def test_explain_of_a_service_principal_shows_no_identity_policies(account: Path) -> None:
    result = run(
        "explain", "service/logging.s3.amazonaws.com", "s3:PutObject", "--resource", OBJECT,
        "--account", str(account), "--now", NOW,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "identity policies" not in result.stdout
    assert "resource-based policy" in result.stdout


@pytest.mark.parametrize(
    ("words", "fragment"),
    [
        (["service/lambda"], "did you mean service/lambda.amazonaws.com?"),
        (["group", "reeders"], "did you mean 'readers'?"),
        (["gruop/readers"], "did you mean group/readers?"),
        (["alice"], "'alice' is not a principal"),
        (["user"], "invalid character ':' in user name 's3:GetObject'"),
        (["arn:aws:s3:::site"], "a principal ARN is an IAM or STS ARN"),
    ],
)
def test_bad_principals_are_one_line_errors(account: Path, words: list[str], fragment: str) -> None:
    result = check(account, *words, "s3:GetObject")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and fragment in lines[0], result.stderr


def test_policy_filters_of_outsiders_address_the_resource_side_only(account: Path) -> None:
    result = run(
        "check", "anonymous", "s3:GetObject", "--include-policy", "X", "--account", str(account)
    )
    assert result.returncode == 2
    assert "'X' matches no policy of anonymous (available: none)" in result.stderr


def test_boundary_caps_a_grant_to_the_role_arn(account: Path) -> None:
    # The bucket policy names the role's ARN, not a session's: the role's boundary (ec2 only)
    # still limits the grant, for its sessions and for the role's own ARN.
    for caller in (["role", "app"], [f"arn:aws:iam::{A}:role/app"]):
        result = check(account, *caller, "s3:GetObject", resource="arn:aws:s3:::data/k")
        assert result.returncode == 1, result.stdout
        assert "permissions boundary" in result.stdout
    session = f"arn:aws:sts::{A}:assumed-role/app/s1"
    assert check(account, session, "s3:GetObject", resource="arn:aws:s3:::data/k").returncode == 1


def test_query_and_test_take_the_same_principals(account: Path, tmp_path: Path) -> None:
    text = f'can "{OAI}" do s3:GetObject on {OBJECT}'
    assert run("query", text, "--account", str(account)).returncode == 0
    result = run("query", "can group/readers do s3:GetObject on arn:aws:s3:::data/k",
                 "--account", str(account))  # fmt: skip
    assert result.returncode == 0, result.stderr
    suite = tmp_path / "t.yaml"
    suite.write_text(
        "tests:\n"
        f"  - {{principal: '{OAI}', action: s3:GetObject, resource: '{OBJECT}', expect: Allowed}}\n"
        "  - {principal: group readers, action: s3:PutObject, expect: ImplicitDeny}\n"
        "  - {principal: service/logging.s3.amazonaws.com, action: s3:PutObject,"
        f" resource: '{OBJECT}', expect: Allowed}}\n",
        encoding="utf-8",
    )
    result = run("test", str(suite), "--account", str(account))
    assert result.returncode == 0, result.stdout + result.stderr


# --- AWS-owned resources -------------------------------------------------------------------

ADMIN_ACCOUNT = f"""\
account: "{A}"
users:
  admin:
    inline:
      All:
        Version: "2012-10-17"
        Statement:
          - {{Effect: Allow, Action: "*", Resource: "*"}}
"""
MANAGED = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def test_check_and_who_can_refuse_modifying_an_aws_managed_policy(tmp_path: Path) -> None:
    path = tmp_path / "admin.yaml"
    path.write_text(ADMIN_ACCOUNT, encoding="utf-8")
    result = check(
        path, "user", "admin", "iam:CreatePolicyVersion", "iam:GetPolicy", resource=MANAGED
    )
    assert result.returncode == 1, result.stderr
    assert "AWS managed policies cannot be modified" in result.stdout
    assert "Allowed" in next(
        line for line in result.stdout.splitlines() if "iam:GetPolicy " in line
    )
    off = run(
        "check", "user", "admin", "iam:CreatePolicyVersion", "--resource", MANAGED,
        "--account", str(path), "--option", "aws_owned_resources_protected=false",
    )  # fmt: skip
    assert off.returncode == 0, off.stdout + off.stderr
    who = run("who-can", "iam:DeletePolicy", MANAGED, "--account", str(path), "--json")
    assert json.loads(who.stdout)["allowed"] == []


def test_simulate_refuses_modifying_an_aws_managed_alias(tmp_path: Path) -> None:
    policy = tmp_path / "p.json"
    policy.write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*",'
        ' "Resource": "*"}]}',
        encoding="utf-8",
    )
    alias = f"arn:aws:kms:eu-west-1:{A}:alias/aws/s3"
    args = ["simulate", "--policy", str(policy), "--action", "kms:DeleteAlias", "--resource"]
    result = run(*args, alias, "--principal", f"arn:aws:iam::{A}:user/admin")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "ImplicitDeny" in result.stdout and "alias/aws/*" in result.stdout
    mine = run(
        *args,
        f"arn:aws:kms:eu-west-1:{A}:alias/mine",
        "--principal",
        f"arn:aws:iam::{A}:user/admin",
    )
    assert mine.returncode == 0, mine.stdout + mine.stderr
