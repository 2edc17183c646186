"""Every account command over a directory with an account `fetch --org` could not read
(the `org_not_read` fixture of tests/conftest.py: account 444444444444): who-can shows it as an
error row and exits 2; the others warn once per such account, and exit 2 when their answer
depends on it (docs/fetch-org.md), the answer itself unchanged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from policysim.cli import app

LEDGER = "arn:aws:s3:::payments-ledger/report.csv"
PAYMENTS_ADMIN = "arn:aws:iam::111111111111:user/admin"
ORG_DIR = Path(__file__).resolve().parents[1] / "account" / "data" / "org-dir"


def run(*args: str) -> Any:
    return CliRunner().invoke(app, [*args, "--now", "2026-01-01T00:00:00"])


def run_plain(org: Any, *args: str) -> Any:
    """`run(*args)` with the record of the account not read hidden (a dot-file is not read):
    the same files at the same paths, as if every account had been read."""
    hidden = org.record.with_name("." + org.record.name)
    org.record.rename(hidden)
    try:
        return run(*args) if args[0] != "paths" else CliRunner().invoke(app, list(args))
    finally:
        hidden.rename(org.record)


def warning(org: Any) -> str:
    return (
        f"policysim: warning: account {org.account_id} could not be read by fetch --org:"
        f" {org.reason}; answers leave it out"
    )


def error_row(org: Any) -> str:
    """who-can's error row, the same as for an account whose task failed."""
    return (
        f"policysim: error: account {org.account_id}: could not be read by fetch --org:"
        f" {org.reason}"
    )


INCOMPLETE = "policysim: error: this answer may be incomplete: it depends on account 4444"


@pytest.mark.parametrize("workers", [[], ["--workers", "2"]], ids=["serial", "workers"])
def test_who_can_shows_the_account_as_an_error_row_and_exits_2(
    org_not_read: Any, workers: list[str]
) -> None:
    args = ["who-can", "s3:GetObject", LEDGER, "--region", "eu-west-1", *workers]
    plain = run_plain(org_not_read, *args, "-a", str(org_not_read.directory))
    result = run(*args, "-a", str(org_not_read.directory))
    assert result.exit_code == 2, result.output
    assert result.stdout == plain.stdout  # the other accounts answered, as without it
    assert result.stderr.splitlines() == [error_row(org_not_read)]
    as_json = run(*args, "-a", str(org_not_read.directory), "--json")
    assert as_json.exit_code == 2, as_json.output
    payload = json.loads(as_json.stdout)
    assert payload.pop("errors") == [
        {
            "account": org_not_read.account_id,
            "error": f"could not be read by fetch --org: {org_not_read.reason}",
        }
    ]
    plain_json = run_plain(org_not_read, *args, "-a", str(org_not_read.directory), "--json")
    assert payload == json.loads(plain_json.stdout)


@pytest.mark.parametrize("command", ["check", "explain"])
def test_a_question_on_accounts_that_were_read_warns_and_keeps_its_exit(
    org_not_read: Any, command: str
) -> None:
    args = [command, PAYMENTS_ADMIN, "s3:GetObject", "-r", LEDGER, "--region", "eu-west-1"]
    plain = run_plain(org_not_read, *args, "-a", str(org_not_read.directory))
    result = run(*args, "-a", str(org_not_read.directory))
    assert result.exit_code == plain.exit_code == 0, result.output
    assert result.stdout == plain.stdout
    assert result.stderr.splitlines() == [warning(org_not_read)]


@pytest.mark.parametrize(
    "resource",
    ["arn:aws:sqs:eu-west-1:444444444444:jobs", "arn:aws:s3:::bucket-of-no-account-read/x"],
)
@pytest.mark.parametrize("command", ["check", "explain"])
def test_a_question_on_a_resource_that_may_be_in_it_exits_2(
    org_not_read: Any, command: str, resource: str
) -> None:
    action = "sqs:SendMessage" if ":sqs:" in resource else "s3:GetObject"
    args = [command, PAYMENTS_ADMIN, action, "-r", resource, "--region", "eu-west-1"]
    result = run(*args, "-a", str(org_not_read.directory))
    assert result.exit_code == 2, result.output
    plain = run_plain(org_not_read, *args, "-a", str(org_not_read.directory))
    assert result.stdout == plain.stdout  # the answer, as it is
    lines = result.stderr.splitlines()
    assert lines[0] == warning(org_not_read)
    assert lines[1].startswith(INCOMPLETE) and len(lines) == 2


def test_check_json_carries_the_error_rows_format(org_not_read: Any) -> None:
    resource = "arn:aws:sqs:eu-west-1:444444444444:jobs"
    args = ["check", PAYMENTS_ADMIN, "sqs:SendMessage", "-r", resource, "--json"]
    result = run(*args, "-a", str(org_not_read.directory))
    assert result.exit_code == 2, result.output
    (entry,) = json.loads(result.stdout)["errors"]
    assert entry == {
        "account": org_not_read.account_id,
        "error": f"could not be read by fetch --org: {org_not_read.reason}",
    }


def test_a_principal_of_the_account_is_an_error_saying_why(org_not_read: Any) -> None:
    result = run("check", "arn:aws:iam::444444444444:user/admin", "s3:GetObject", "-a",
                 str(org_not_read.directory))  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "policysim: error: account 444444444444 of 'arn:aws:iam::444444444444:user/admin'"
        f" could not be read by fetch --org: {org_not_read.reason}"
    )


def test_query_can_and_who_can(org_not_read: Any) -> None:
    directory = str(org_not_read.directory)
    can = run("query", f"can {PAYMENTS_ADMIN} do s3:GetObject on {LEDGER}", "-a", directory)
    assert (
        can.exit_code
        == run(
            "query", f"can {PAYMENTS_ADMIN} do s3:GetObject on {LEDGER}", "-a", str(ORG_DIR)
        ).exit_code
    )
    assert can.stderr.splitlines() == [warning(org_not_read)]
    who = run("query", f"who can do s3:GetObject on {LEDGER}", "-a", directory, "--json")
    assert who.exit_code == 2, who.output
    assert [e["account"] for e in json.loads(who.stdout)["errors"]] == ["444444444444"]
    assert who.stderr.splitlines()[1].startswith(INCOMPLETE)


def test_paths_depend_on_every_account(org_not_read: Any) -> None:
    plain = run_plain(org_not_read, "paths", "-a", str(org_not_read.directory), "--json")
    result = CliRunner().invoke(app, ["paths", "-a", str(org_not_read.directory), "--json"])
    assert result.exit_code == 2, result.output
    payload = json.loads(result.stdout)
    assert [e["account"] for e in payload.pop("errors")] == ["444444444444"]
    assert payload == json.loads(plain.stdout)
    assert result.stderr.splitlines() == [
        warning(org_not_read),
        INCOMPLETE + "44444444, which fetch --org could not read",
    ]


def test_test_exits_2_only_when_a_test_depends_on_it(org_not_read: Any, tmp_path: Path) -> None:
    spec = tmp_path / "t.yaml"
    read = (
        f"  - {{name: read, principal: {PAYMENTS_ADMIN}, action: s3:GetObject,"
        f" resource: {LEDGER}, expect: Allowed}}\n"
    )
    spec.write_text("tests:\n" + read)
    directory = str(org_not_read.directory)
    fine = run("test", str(spec), "-a", directory, "--region", "eu-west-1")
    assert fine.exit_code == 0, fine.output
    assert fine.stderr.splitlines() == [warning(org_not_read)]
    spec.write_text(
        "tests:\n" + read + f"  - {{name: unread, principal: {PAYMENTS_ADMIN},"
        " action: sqs:SendMessage, resource: 'arn:aws:sqs:eu-west-1:444444444444:q',"
        " expect: Denied}\n"
    )
    result = run("test", str(spec), "-a", directory, "--region", "eu-west-1", "--json")
    assert result.exit_code == 2, result.output
    payload = json.loads(result.stdout)
    assert payload["passed"] == 2
    assert [e["account"] for e in payload["errors"]] == ["444444444444"]
