"""`policysim principal-can` and `check --allowed-only` through typer's runner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from policysim.cli import app

REPO = Path(__file__).resolve().parents[2]
ORG = REPO / "examples" / "accounts" / "org-region-scp" / "account.yaml"
DEPLOY = REPO / "examples" / "accounts" / "deploy-user" / "account.yaml"


@pytest.fixture(autouse=True)
def _no_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def test_summary_rows_per_service_with_levels() -> None:
    result = run("principal-can", "user", "ops", "--account", str(ORG))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("user ops in account shop-prod (111122223333), resource *")
    assert "actions allowed" in lines[0]
    assert "more if conditions hold" in lines[0]
    header = lines[1].split()
    assert header[:4] == ["service", "List", "Read", "Write"]
    rows = {line.split()[0]: line for line in lines[2:] if line.startswith("  ")}
    # IAM is outside the region SCP: every action allowed
    for cell in rows["iam"].split()[1:]:
        allowed, total = cell.split("/")
        assert allowed == total
    # S3 is approved but region-bound: nothing allowed as asked, all if the region holds
    assert "+" in rows["s3"]
    assert " if" in rows["s3"]
    assert lines[-1].endswith("nothing allowed (--json lists every service)")


def test_region_turns_conditional_into_allowed() -> None:
    result = run("principal-can", "user", "ops", "--account", str(ORG), "--json")
    with_region = run(
        "principal-can", "user", "ops", "--account", str(ORG), "--json", "--region", "eu-west-1"
    )
    before, after = json.loads(result.output), json.loads(with_region.output)
    assert before["allowed_if"] > 0
    assert after["allowed"] == before["allowed"] + before["allowed_if"]
    assert after["region"] == "eu-west-1"


def test_service_lists_actions_per_level_and_groups_conditions() -> None:
    result = run("principal-can", "user", "ops", "--account", str(ORG), "--service", "sqs")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "sqs (Amazon SQS): 0 of" in out
    assert "  Write: 0 of" in out
    assert "    allowed if aws:RequestedRegion is eu-west-1 or eu-central-1:" in out
    assert "      sqs:SendMessage" in out
    allowed = run("principal-can", "user", "alice", "--account", str(DEPLOY), "-s", "s3")
    assert "    s3:PutObject" in allowed.output
    assert "  Read: " in allowed.output


def test_json_counts_add_up() -> None:
    result = run(
        "principal-can", "user", "bob", "--account", str(DEPLOY), "--service", "s3", "--json"
    )
    assert result.exit_code == 0
    payload = json.loads(result.output)
    (s3,) = payload["services"]
    assert s3["total"] == sum(level["total"] for level in s3["levels"])
    assert s3["allowed"] == sum(len(level["allowed_actions"]) for level in s3["levels"])
    read = next(level for level in s3["levels"] if level["level"] == "Read")
    assert "s3:GetObject" in read["allowed_actions"]
    write = next(level for level in s3["levels"] if level["level"] == "Write")
    assert "s3:PutObject" not in write["allowed_actions"]


def test_resource_limits_the_actions() -> None:
    result = run(
        "principal-can",
        "user",
        "bob",
        "--account",
        str(DEPLOY),
        "--resource",
        "arn:aws:s3:::deploy-artifacts/build.zip",
        "--json",
    )
    payload = json.loads(result.output)
    assert [s["service"] for s in payload["services"]] == ["s3"]
    assert payload["resource"] == "arn:aws:s3:::deploy-artifacts/build.zip"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["user", "nobody"], "no user named 'nobody'"),
        (["user", "bob", "extra"], "unexpected 'extra'"),
        (["user", "bob", "--service", "sqss"], "unknown service 'sqss'; did you mean 'sqs'"),
        (["user", "bob", "--resource", "bucket"], "--resource 'bucket' is not an ARN"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = run("principal-can", *args, "--account", str(DEPLOY))
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_check_allowed_only_and_summary() -> None:
    full = run("check", "user", "bob", "s3:*", "--account", str(DEPLOY))
    only = run("check", "user", "bob", "s3:*", "--account", str(DEPLOY), "--allowed-only")
    assert full.exit_code == only.exit_code == 1  # some action denied, shown or not
    full_rows = [line for line in full.output.splitlines() if line.startswith("  s3:")]
    only_rows = [line for line in only.output.splitlines() if line.startswith("  s3:")]
    assert len(only_rows) < len(full_rows)
    assert all("Allowed" in row for row in only_rows)
    assert len(only_rows) == sum("Allowed" in row for row in full_rows)
    summary = f"{len(only_rows)} of {len(full_rows)} actions allowed"
    assert summary in full.output.splitlines()
    assert summary in only.output.splitlines()
    payload = json.loads(
        run("check", "user", "bob", "s3:*", "-a", str(DEPLOY), "--allowed-only", "--json").output
    )
    assert {r["decision"] for r in payload["results"]} == {"Allowed"}
    assert payload["summary"] == {"actions": len(full_rows), "allowed": len(only_rows)}


def test_check_of_a_few_actions_has_no_summary_line() -> None:
    result = run("check", "user", "bob", "s3:GetObject", "--account", str(DEPLOY))
    assert result.exit_code == 0
    assert "actions allowed" not in result.output


def test_exclude_policy_decides_as_aws_would_without_it() -> None:
    """Leaving out the region SCP turns every region-conditional action into an allowed one,
    and --json names what was left out."""
    scp = "SCP DenyOutsideEURegions (Workloads)"
    before = json.loads(run("principal-can", "user", "ops", "--account", str(ORG), "--json").output)
    result = run(
        "principal-can", "user", "ops", "--account", str(ORG), "--json", "--exclude-policy", scp
    )
    assert result.exit_code == 0, result.output
    after = json.loads(result.output)
    assert before["policies"]["excluded"] == []
    assert after["policies"]["excluded"] == [scp]
    assert scp not in after["policies"]["included"]
    assert before["allowed_if"] > 0
    assert after["allowed_if"] == 0
    assert after["allowed"] == before["allowed"] + before["allowed_if"]


def test_include_policy_text_output_says_what_was_left_out() -> None:
    result = run(
        "principal-can",
        "user",
        "ops",
        "--account",
        str(ORG),
        "--include-policy",
        "SCP FullAWSAccess",
    )
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert first.startswith("policies: left out ")
    assert "SCP ApprovedServices (Prod)" in first
    # The Prod OU keeps no SCP that allows anything: as `check` says, nothing passes it.
    check = run(
        "check",
        "user",
        "ops",
        "s3:GetObject",
        "--account",
        str(ORG),
        "--include-policy",
        "SCP FullAWSAccess",
        "--json",
    )
    assert json.loads(check.output)["results"][0]["decision"] == "ImplicitDeny"


def test_a_policy_word_that_matches_nothing_is_one_line_exit_2() -> None:
    result = run("principal-can", "user", "ops", "--account", str(ORG), "--exclude-policy", "nope")
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert "--exclude-policy 'nope' matches no policy of user ops" in lines[0]
    assert "AdministratorAccess" in lines[0]
