"""The published least-privilege policies of `fetch --org` match what the code sends."""

from __future__ import annotations

import json
import re
from pathlib import Path

from policysim.aws.clients import ALLOWED_OPERATIONS, ORG_OPERATIONS
from policysim.aws.permissions import (
    CALLER_OPERATIONS,
    IAM_ACTIONS,
    caller_policy,
    member_policy,
    member_trust_policy,
)
from policysim.catalog.catalog import get_catalog

DOC = Path(__file__).resolve().parents[2] / "docs" / "fetch-org.md"


def _allowed_pairs() -> set[tuple[str, str]]:
    return {(service, op) for service, names in ALLOWED_OPERATIONS.items() for op in names}


def test_every_allowed_operation_has_its_iam_action_and_nothing_else_does() -> None:
    assert set(IAM_ACTIONS) == _allowed_pairs()


def test_every_action_is_a_real_iam_action() -> None:
    catalog = get_catalog()
    unknown = [a for a in IAM_ACTIONS.values() if a is not None and catalog.action(a) is None]
    assert unknown == []


def test_the_caller_may_read_the_organization_and_assume_only_the_role() -> None:
    org_reads = {
        (s, o) for s, names in ORG_OPERATIONS.items() for o in names if s == "organizations"
    }
    assert org_reads <= CALLER_OPERATIONS
    policy = caller_policy("PolicysimRead")
    read, assume = policy["Statement"]
    assert all(a.startswith("organizations:") for a in read["Action"])
    assert not any(
        re.search(r":(Create|Delete|Update|Attach|Detach|Move|Put)", a) for a in read["Action"]
    )
    assert assume == {
        "Sid": "AssumeTheFetchRole",
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Resource": "arn:aws:iam::*:role/PolicysimRead",
    }


def test_the_member_role_reads_everything_fetch_reads_in_one_account() -> None:
    (statement,) = member_policy()["Statement"]
    expected = {a for (s, _), a in IAM_ACTIONS.items() if a and s not in ("organizations", "sts")}
    assert set(statement["Action"]) == expected
    assert "iam:GetAccountAuthorizationDetails" in expected and "s3:GetObject" not in expected
    assert not any(a.startswith(("organizations:", "sts:")) for a in statement["Action"])


def test_the_doc_shows_exactly_the_generated_policies() -> None:
    blocks = [json.loads(b) for b in re.findall(r"```json\n(.*?)\n```", DOC.read_text(), re.S)]
    assert blocks == [
        caller_policy("PolicysimRead"),
        member_policy(),
        member_trust_policy("111111111111", "PolicysimFetcher"),
    ]


def _identity_result(tmp_path: Path, policy: dict[str, object], action: str, resource: str) -> str:
    """What policysim's own engine says the identity policy does for `action` on `resource`."""
    from typer.testing import CliRunner

    from policysim.cli import app

    file = tmp_path / "policy.json"
    file.write_text(json.dumps(policy))
    args = ["simulate", "--policy", str(file), "--action", action, "--resource", resource]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code in (0, 1), result.output  # 1: the request as a whole is denied
    return str(json.loads(result.stdout)["policy_results"]["identity"])


WRITES = [
    "s3:PutBucketPolicy",
    "s3:GetObject",
    "secretsmanager:GetSecretValue",
    "iam:CreateUser",
    "iam:PassRole",
    "kms:Decrypt",
    "sqs:ReceiveMessage",
    "lambda:InvokeFunction",
    "organizations:MoveAccount",
    "sts:GetSessionToken",
]
"""Writes and data reads no fetch policy may grant."""


def test_the_policies_grant_every_needed_action_and_no_write(tmp_path: Path) -> None:
    """Evaluated by policysim's engine (moto does not enforce IAM): each policy allows each
    action fetch --org needs of it, and none of a list of writes and data reads."""
    member = member_policy()
    for (service, _), action in IAM_ACTIONS.items():
        if action and service not in ("organizations", "sts"):
            assert _identity_result(tmp_path, member, action, "*") == "Allowed", action
    caller = caller_policy("PolicysimRead")
    for operation in CALLER_OPERATIONS:
        assert _identity_result(tmp_path, caller, str(IAM_ACTIONS[operation]), "*") == "Allowed"
    role = "arn:aws:iam::222233334444:role/PolicysimRead"
    assert _identity_result(tmp_path, caller, "sts:AssumeRole", role) == "Allowed"
    other = "arn:aws:iam::222233334444:role/Admin"
    assert _identity_result(tmp_path, caller, "sts:AssumeRole", other) != "Allowed"
    for action in WRITES:
        for policy in (member, caller):
            assert _identity_result(tmp_path, policy, action, "*") != "Allowed", action
