"""`policysim show-policy`: any policy of the account, or a bundled AWS managed one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ACCOUNT = Path(__file__).parents[1] / "account" / "data" / "choices.yaml"


def test_an_aws_managed_policy_needs_no_account(run_cli: Any, tmp_path: Path) -> None:
    run = run_cli("show-policy", "AmazonS3ReadOnlyAccess", cwd=tmp_path)
    assert run.returncode == 0, run
    document = json.loads(run.stdout)  # the document alone on stdout: pipe it to a file
    assert "s3:Get*" in document["Statement"][0]["Action"]
    assert "AmazonS3ReadOnlyAccess" in run.stderr and "bundled" in run.stderr


@pytest.mark.parametrize(
    ("word", "sid"),
    [
        ("user alice inline Own", "OwnWrites"),
        ("DevBoundary", "BoundaryS3Sqs"),
        ("SCP DenyPuts (Sandbox)", "NoPuts"),
        ("NoDeletes", "KeepObjects"),
        ("arn:aws:s3:::shared", "ShareWithAlice"),
    ],
)
def test_policies_of_the_account(run_cli: Any, word: str, sid: str) -> None:
    run = run_cli("show-policy", word, "--account", ACCOUNT)
    assert run.returncode == 0, run
    assert [s["Sid"] for s in json.loads(run.stdout)["Statement"]] == [sid]


def test_json_gives_what_it_is_and_where_each_statement_sits(run_cli: Any) -> None:
    run = run_cli("show-policy", "DenyPuts", "--account", ACCOUNT, "--json")
    assert run.returncode == 0, run
    data = json.loads(run.stdout)
    assert data["key"] == "SCP DenyPuts" and data["kind"] == "scp"
    assert data["document"]["Statement"][0]["Sid"] == "NoPuts"
    [statement] = data["statements"]
    first, last = statement["lines"]
    text = run_cli("show-policy", "DenyPuts", "--account", ACCOUNT).stdout.splitlines()
    assert json.loads("\n".join(text[first - 1 : last]))["Sid"] == "NoPuts"


def test_the_default_account_file_is_read(run_cli: Any, tmp_path: Path) -> None:
    (tmp_path / "policysim.yaml").write_text(ACCOUNT.read_text(encoding="utf-8"), encoding="utf-8")
    run = run_cli("show-policy", "Own", cwd=tmp_path)
    assert run.returncode == 0, run


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["AmazonS3ReadOnlyAcces"], "did you mean 'AmazonS3ReadOnlyAccess'"),
        (["DenyPut", "--account", str(ACCOUNT)], "did you mean 'DenyPuts'"),
        (["Own"], "no account given"),
    ],
)
def test_unknown_names_are_one_line(
    run_cli: Any, tmp_path: Path, args: list[str], says: str
) -> None:
    run = run_cli("show-policy", *args, cwd=tmp_path)
    assert run.returncode == 2, run
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("policysim: error: no policy named"), run
    assert says in lines[0]
    assert run.stdout == ""
