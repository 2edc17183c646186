"""`--account DIR` and repeated `--account FILE`: an organization's files read as one.

tests/account/data/org-dir is fixtures/accounts/org.yaml written as one file per account (one of
them a policysim snapshot) plus an organization-only file; every account command must answer
from it exactly as from the combined file, only pointing at the split files for `file:line:col`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
COMBINED = REPO / "fixtures" / "accounts" / "org.yaml"
ORG_DIR = REPO / "tests" / "account" / "data" / "org-dir"
SPLIT = sorted(ORG_DIR.iterdir())
LEDGER = "arn:aws:s3:::payments-ledger/report.csv"
PAYMENTS_ADMIN = "arn:aws:iam::111111111111:user/admin"
TOOLS_ADMIN = "arn:aws:iam::222222222222:user/admin"

QUESTIONS: list[list[str]] = [
    ["who-can", "s3:GetObject", LEDGER],
    ["who-can", "s3:GetObject", LEDGER, "--region", "eu-west-1"],
    ["who-can", "s3:GetObject", LEDGER, "--region", "us-east-1"],
    ["who-can", "organizations:LeaveOrganization", "*", "--show-denied"],
    ["who-can", "iam:CreateUser", "*", "--region", "eu-west-1"],
    ["check", PAYMENTS_ADMIN, "s3:GetObject", "-r", LEDGER, "--region", "us-east-1"],
    ["check", TOOLS_ADMIN, "s3:GetObject", "s3:PutObject", "-r", LEDGER, "--region", "eu-west-1"],
    ["explain", PAYMENTS_ADMIN, "dynamodb:Scan", "-r", "*", "--region", "eu-west-1"],
    ["query", f"who can do s3:GetObject on {LEDGER}", "--region", "eu-west-1"],
    ["query", f"can {TOOLS_ADMIN} do s3:GetObject on {LEDGER}", "--region", "eu-west-1"],
    ["paths"],
    ["paths", "--to", "s3:GetObject", LEDGER],
]

LOCATION_KEYS = {"file", "line", "column"}


def without_locations(value: Any) -> Any:
    """The answer without where its statements were read from (the files differ)."""
    if isinstance(value, dict):
        return {k: without_locations(v) for k, v in value.items() if k not in LOCATION_KEYS}
    if isinstance(value, list):
        return [without_locations(v) for v in value]
    return value


def accounts(*paths: Path) -> list[str]:
    return [arg for path in paths for arg in ("--account", str(path))]


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: " ".join(q[:2]))
def test_a_directory_answers_as_the_combined_file(run_cli: Any, question: list[str]) -> None:
    if question[0] != "paths":  # a fixed request time, so aws:CurrentTime is the same
        question = [*question, "--now", "2026-01-01T00:00:00"]
    combined = run_cli(*question, *accounts(COMBINED), "--json")
    assert combined.returncode in (0, 1), combined
    expected = without_locations(json.loads(combined.stdout))
    for given in ([ORG_DIR], SPLIT, SPLIT[::-1]):
        split = run_cli(*question, *accounts(*given), "--json")
        assert split.returncode == combined.returncode, split
        assert without_locations(json.loads(split.stdout)) == expected, split
        assert split.stderr == "", split


def test_statements_point_at_the_split_files(run_cli: Any) -> None:
    result = run_cli(
        "check", PAYMENTS_ADMIN, "s3:GetObject", "-r", LEDGER, "--region", "us-east-1",
        "-a", str(ORG_DIR),
    )  # fmt: skip
    assert result.returncode == 1, result
    org_file = ORG_DIR / "organization.yaml"
    lines = org_file.read_text().splitlines()
    start = lines.index("    DenyNonEURegions:")
    line = next(i + 1 for i in range(start, len(lines)) if lines[i].strip() == "- Effect: Deny")
    column = lines[line - 1].index("Effect") + 1
    assert "SCP DenyNonEURegions" in result.stdout
    assert f"({org_file}:{line}:{column})" in result.stdout, result


def test_iam_test_files_may_name_a_directory(run_cli: Any, tmp_path: Path) -> None:
    spec = tmp_path / "org-tests.yaml"
    spec.write_text(
        f"account: {ORG_DIR}\n"
        "tests:\n"
        f"  - {{name: tools reads the ledger, principal: {TOOLS_ADMIN}, action: s3:GetObject,\n"
        f"     resource: {LEDGER}, expect: Allowed}}\n"
        f"  - {{name: SCP keeps payments in the EU, principal: {PAYMENTS_ADMIN},\n"
        f"     action: s3:GetObject, resource: {LEDGER}, expect: ExplicitDeny}}\n"
    )
    result = run_cli("test", spec, "--region", "us-east-1", "--json")
    assert result.returncode == 0, result
    outcomes = {r["name"]: r["passed"] for r in json.loads(result.stdout)["results"]}
    # us-east-1: the tools admin is outside the payments SCP chain, so still allowed.
    assert outcomes == {"tools reads the ledger": True, "SCP keeps payments in the EU": True}


def test_test_command_takes_a_directory_for_account(run_cli: Any, tmp_path: Path) -> None:
    spec = tmp_path / "t.yaml"
    spec.write_text(
        "tests:\n"
        f"  - {{name: n, principal: {PAYMENTS_ADMIN}, action: s3:GetObject,"
        f" resource: {LEDGER}, expect: Allowed}}\n"
    )
    eu = run_cli("test", spec, "-a", ORG_DIR, "--region", "eu-west-1")
    us = run_cli("test", spec, "-a", ORG_DIR, "--region", "us-east-1")
    assert (eu.returncode, us.returncode) == (0, 1), (eu, us)


def test_the_same_account_twice_is_one_line_exit_2(run_cli: Any) -> None:
    result = run_cli("who-can", "s3:GetObject", LEDGER, *accounts(ORG_DIR, COMBINED))
    assert result.returncode == 2, result
    assert result.stdout == ""
    assert result.stderr_lines == [
        f"policysim: error: account 111111111111 is in both {ORG_DIR / 'payments.yaml'} and"
        f" {COMBINED}; each account belongs in one file"
    ]


def test_an_empty_directory_is_one_line_exit_2(run_cli: Any, tmp_path: Path) -> None:
    result = run_cli("paths", "-a", tmp_path)
    assert result.returncode == 2, result
    assert result.stderr_lines == [
        f"policysim: error: {tmp_path}: the directory holds no account files"
        " (*.json, *.yaml, *.yml)"
    ]


def test_a_non_account_file_in_the_directory_is_named(run_cli: Any, tmp_path: Path) -> None:
    for path in SPLIT:
        (tmp_path / path.name).write_bytes(path.read_bytes())
    stray = tmp_path / "zz-policy.json"
    stray.write_text('{"Version": "2012-10-17", "Statement": []}')
    result = run_cli("who-can", "s3:GetObject", LEDGER, "-a", tmp_path)
    assert result.returncode == 2, result
    assert len(result.stderr_lines) == 1
    assert result.stderr_lines[0].startswith(f"policysim: error: {stray}:")
    assert "not an account file" in result.stderr
