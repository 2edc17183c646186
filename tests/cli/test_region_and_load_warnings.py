"""`--region` (aws:RequestedRegion for region-less ARNs) and account-file warnings, from the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from policysim.account.errors import AccountError
from policysim.account.workspace import choose_region
from policysim.catalog.regions import requested_region
from policysim.cli import app

REPO = Path(__file__).resolve().parents[2]
ORG = str(REPO / "examples" / "accounts" / "org-region-scp" / "account.yaml")
NOW = ["--now", "2026-01-01T00:00:00Z"]


@pytest.fixture(autouse=True)
def _no_region_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)


def _run(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(app, list(args), env=env)


# ---- the region a request carries -----------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "resource", "given", "expected"),
    [
        ("s3", "arn:aws:s3:::b/k", None, None),
        ("s3", "arn:aws:s3:::b/k", "eu-west-1", "eu-west-1"),
        ("ec2", "*", "eu-west-1", "eu-west-1"),
        ("sqs", "arn:aws:sqs:ap-south-1:111122223333:q", "eu-west-1", "ap-south-1"),
        ("iam", "*", None, "us-east-1"),
        ("iam", "*", "eu-west-1", "us-east-1"),
        ("sts", "*", None, "us-east-1"),
        ("sts", "*", "eu-west-1", "eu-west-1"),
    ],
)
def test_requested_region(service: str, resource: str, given: str | None, expected: str) -> None:
    assert requested_region(service, resource, given) == expected


def test_region_comes_from_the_option_then_the_environment() -> None:
    env = {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-west-2"}
    assert choose_region("eu-central-1", env) == "eu-central-1"
    assert choose_region(None, env) == "eu-west-1"
    assert choose_region(None, {"AWS_DEFAULT_REGION": "us-west-2"}) == "us-west-2"
    assert choose_region(None, {}) is None
    with pytest.raises(AccountError, match="AWS_REGION 'eu-west-9' is not an AWS region"):
        choose_region(None, {"AWS_REGION": "eu-west-9"})


def test_region_scp_no_longer_denies_every_s3_request_when_a_region_is_given() -> None:
    args = ["check", "user", "ops", "s3:GetObject", "--resource", "arn:aws:s3:::b/k"]
    args += ["--account", ORG, *NOW]
    without = _run(*args)
    assert without.exit_code == 1, without.output
    assert "no region (aws:RequestedRegion absent; pass --region)" in without.stdout
    inside = _run(*args, "--region", "eu-west-1")
    assert inside.exit_code == 0, inside.output
    assert "resource arn:aws:s3:::b/k, region eu-west-1" in inside.stdout
    outside = _run(*args, "--region", "us-east-2")
    assert outside.exit_code == 1
    from_env = _run(*args, env={"AWS_DEFAULT_REGION": "eu-central-1"})
    assert from_env.exit_code == 0, from_env.output
    assert "region eu-central-1" in from_env.stdout


def test_a_regional_arn_keeps_its_region() -> None:
    arn = "arn:aws:ec2:us-east-1:111122223333:instance/*"
    result = _run(
        "check", "user", "ops", "ec2:RunInstances", "--resource", arn,
        "--account", ORG, "--region", "eu-west-1", "--json", *NOW,
    )  # fmt: skip
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["region"] == "eu-west-1"
    assert payload["results"][0]["region"] == "us-east-1"


def test_region_in_explain_who_can_and_query() -> None:
    explain = _run(
        "explain", "user", "ops", "s3:GetObject", "--resource", "arn:aws:s3:::b/k",
        "--account", ORG, "--region", "eu-west-1", *NOW,
    )  # fmt: skip
    assert "s3:GetObject on arn:aws:s3:::b/k, region eu-west-1" in explain.stdout
    assert "aws:RequestedRegion = eu-west-1" in explain.stdout
    who = _run("who-can", "s3:GetObject", "arn:aws:s3:::b/k", "--account", ORG, "--json", *NOW)
    assert json.loads(who.stdout)["region"] is None
    who = _run("who-can", "s3:GetObject", "arn:aws:s3:::b/k", "--account", ORG, "--region",
               "eu-west-1", *NOW)  # fmt: skip
    assert who.stdout.startswith("s3:GetObject on arn:aws:s3:::b/k, region eu-west-1:")
    query = _run(
        "query", "can user/ops do s3:GetObject on arn:aws:s3:::b/k", "--account", ORG,
        "--region", "eu-west-1", "--json",
    )  # fmt: skip
    assert query.exit_code == 0, query.output
    assert json.loads(query.stdout)["results"][0]["region"] == "eu-west-1"


def test_unknown_region_is_one_line_exit_2() -> None:
    result = _run("check", "user", "ops", "s3:GetObject", "--account", ORG, "--region", "eu-west-9")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "policysim: error: --region 'eu-west-9' is not an AWS region; did you mean"
        " 'eu-west-3', 'eu-west-2' or 'eu-west-1'?"
    ]


def test_simulate_region_single_and_batch(tmp_path: Path) -> None:
    policy = tmp_path / "p.json"
    policy.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "s3:*",
                        "Resource": "*",
                        "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
                    }
                ],
            }
        )
    )
    single = ["simulate", "--policy", str(policy), "--action", "s3:GetObject"]
    assert _run(*single, env={"AWS_REGION": "eu-west-1"}).exit_code == 1  # env not read
    assert _run(*single, "--region", "eu-west-1").exit_code == 0
    case = {
        "identity_policies": [json.loads(policy.read_text())],
        "request": {"principal": "arn:aws:iam::111122223333:user/a", "action": "s3:GetObject"},
    }
    cases = [case, {**case, "request": {**case["request"], "region": "eu-west-1"}}]
    batch = tmp_path / "cases.jsonl"
    batch.write_text("".join(json.dumps(c) + "\n" for c in cases))
    lines = [json.loads(x) for x in _run("simulate", "--batch", str(batch)).stdout.splitlines()]
    assert [x["decision"] for x in lines] == ["ImplicitDeny", "Allowed"]
    out = _run("simulate", "--batch", str(batch), "--region", "eu-west-1").stdout
    assert [json.loads(x)["decision"] for x in out.splitlines()] == ["Allowed", "Allowed"]


# ---- load warnings --------------------------------------------------------------------------


def test_load_warnings_go_to_stderr_and_json_stays_parseable(tmp_path: Path) -> None:
    account = tmp_path / "a.yaml"
    account.write_text(
        'account: "111122223333"\n'
        "users:\n"
        "  john:\n"
        "    inline:\n"
        '      P: {Version: "2012-10-17", Statement: [{Effect: Allow,'
        ' Action: [s3:GetObjects, s3:GetObject], Resource: "*"}]}\n'
    )
    result = _run("check", "user", "john", "s3:GetObject", "--account", str(account), "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["results"][0]["decision"] == "Allowed"
    column = account.read_text().splitlines()[4].index("s3:GetObjects") + 1
    assert result.stderr.splitlines() == [
        f"policysim: warning: {account}:5:{column}: unknown action 's3:GetObjects'; did you mean"
        " 's3:GetObject', 's3:GetObjectAcl' or 's3:GetObjectVersion'?"
    ]


def test_object_pattern_key_is_refused(tmp_path: Path) -> None:
    account = tmp_path / "a.yaml"
    account.write_text(
        'account: "111122223333"\nusers: {uploader: {}}\nresources:\n'
        '  "arn:aws:s3:::uploads-bucket/*":\n    tags: {a: b}\n'
    )
    result = _run("check", "user", "uploader", "s3:PutObject", "--account", str(account))
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"policysim: error: {account}:4:3: ")
    assert "resource key must be a bucket ARN (arn:aws:s3:::uploads-bucket)" in line
