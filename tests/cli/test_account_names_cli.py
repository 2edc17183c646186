"""Account files IAM could not hold are refused on the command line with one located line and
exit 2: names differing only in case, an ARN with an empty name (was an internal error, exit
70), two default policy versions (the first used to win silently)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

A = "123456789012"
DOC = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}


def _authz(**lists: Any) -> str:
    data: dict[str, Any] = {
        "UserDetailList": [],
        "GroupDetailList": [],
        "RoleDetailList": [],
        "Policies": [],
    }
    data.update(lists)
    return json.dumps(data)


ACCOUNTS = [
    pytest.param(
        "account.yaml",
        f'account: "{A}"\nusers:\n  alice: {{}}\n  Alice: {{}}\n',
        ":4:3: users.Alice: user 'Alice' differs from user 'alice' only in letter case",
        id="yaml-case",
    ),
    pytest.param(
        "authz.json",
        _authz(
            UserDetailList=[
                {"UserName": "alice", "Path": "/", "Arn": f"arn:aws:iam::{A}:user/"},
            ]
        ),
        f"UserDetailList[0].Arn: user ARN 'arn:aws:iam::{A}:user/' names no user",
        id="authz-empty-user-name",
    ),
    pytest.param(
        "authz.json",
        _authz(
            RoleDetailList=[
                {"RoleName": "app", "Path": "/", "Arn": f"arn:aws:iam::{A}:role/app"},
                {"RoleName": "APP", "Path": "/", "Arn": f"arn:aws:iam::{A}:role/APP"},
            ]
        ),
        "RoleDetailList[1].RoleName: role 'APP' differs from role 'app' only in letter case",
        id="authz-case",
    ),
    pytest.param(
        "authz.json",
        _authz(
            UserDetailList=[
                {"UserName": "alice", "Path": "/", "Arn": f"arn:aws:iam::{A}:user/alice"},
            ],
            Policies=[
                {
                    "PolicyName": "Read",
                    "Arn": f"arn:aws:iam::{A}:policy/Read",
                    "PolicyVersionList": [
                        {"VersionId": "v1", "IsDefaultVersion": True, "Document": DOC},
                        {"VersionId": "v2", "IsDefaultVersion": True, "Document": DOC},
                    ],
                }
            ],
        ),
        "Policies[0].PolicyVersionList[1].IsDefaultVersion: managed policy 'Read' has two"
        " default versions",
        id="authz-two-defaults",
    ),
]


@pytest.mark.parametrize(("name", "text", "message"), ACCOUNTS)
@pytest.mark.parametrize("command", ["check", "who-can"])
def test_account_file_iam_could_not_hold_is_one_error(
    run_cli: Any, tmp_path: Path, command: str, name: str, text: str, message: str
) -> None:
    account = tmp_path / name
    account.write_text(text)
    words = ["user/alice", "s3:GetObject"] if command == "check" else ["s3:GetObject"]
    run = run_cli(command, "--account", account, *words)
    assert run.returncode == 2, run
    assert run.stdout == "", run
    [line] = run.stderr.splitlines()
    assert line.startswith(f"policysim: error: {account}:"), run
    assert message in line, run
