"""`who-can --workers N` and `--dask local`: the same answer as the plain command; an account
that cannot be answered is one error line (or an `errors` entry) and exit 2."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from policysim.cli import app
from policysim.org.who_can import answer_account

REPO = Path(__file__).resolve().parents[2]
ORG = REPO / "fixtures" / "accounts" / "org.yaml"
TWO = REPO / "fixtures" / "accounts" / "two-accounts.yaml"
QUESTIONS = [
    (ORG, "s3:GetObject", "arn:aws:s3:::payments-ledger/x"),
    (TWO, "s3:GetObject", "arn:aws:s3:::shared-data/exports/a.csv"),
    (TWO, "iam:PassRole", "*"),
]
HAS_DASK = importlib.util.find_spec("distributed") is not None


@pytest.mark.parametrize(("path", "action", "resource"), QUESTIONS)
def test_workers_answer_as_the_plain_command(
    run_cli: Any, path: Path, action: str, resource: str
) -> None:
    args = ("who-can", action, resource, "--account", path, "--json", "--show-denied")
    plain = run_cli(*args)
    assert plain.returncode == 0, plain
    workers = run_cli(*args, "--workers", "2")
    assert workers.returncode == 0, workers
    assert json.loads(workers.stdout) == json.loads(plain.stdout)


@pytest.mark.skipif(not HAS_DASK, reason="Dask distributed is the optional org extra")
def test_dask_local_answers_as_the_plain_command(run_cli: Any) -> None:
    path, action, resource = QUESTIONS[0]
    args = ("who-can", action, resource, "--account", path, "--json", "--show-denied")
    plain = run_cli(*args)
    dask = run_cli(*args, "--dask", "local")
    assert dask.returncode == 0, dask
    assert json.loads(dask.stdout) == json.loads(plain.stdout)


def test_text_output_is_the_same_with_workers(run_cli: Any) -> None:
    args = ("who-can", "s3:GetObject", "arn:aws:s3:::payments-ledger/x", "--account", ORG)
    assert run_cli(*args, "--workers", "2").stdout == run_cli(*args).stdout


@pytest.mark.parametrize("bad", ["tcp:/x", "cluster"])
def test_a_bad_dask_address_is_one_line(run_cli: Any, bad: str) -> None:
    run = run_cli("who-can", "s3:GetObject", "--account", ORG, "--dask", bad)
    assert run.returncode == 2, run
    assert run.stderr_lines == [
        f"policysim: error: --dask takes 'local' or tcp://HOST:PORT, not {bad!r}"
    ]


def test_zero_workers_is_refused(run_cli: Any) -> None:
    run = run_cli("who-can", "s3:GetObject", "--account", ORG, "--workers", "0")
    assert run.returncode == 2, run


def _fails_for_tools(job: Any, account_id: str) -> Any:
    if account_id == "222222222222":
        raise RuntimeError("disk on fire")
    return answer_account(job, account_id)


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_a_failed_account_is_an_error_row_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, as_json: bool
) -> None:
    # The worker processes are forked from this one, so they run the patched task too.
    monkeypatch.setattr("policysim.org.who_can.answer_account", _fails_for_tools)
    args = ["who-can", "s3:GetObject", "arn:aws:s3:::payments-ledger/x", "--account", str(ORG)]
    args.append("--show-denied")
    result = CliRunner().invoke(app, [*args, "--workers", "2", *(["--json"] if as_json else [])])
    assert result.exit_code == 2, result.output
    error = "RuntimeError: disk on fire"
    if as_json:
        payload = json.loads(result.stdout)
        assert payload["errors"] == [{"account": "222222222222", "error": error}]
        rows = payload["allowed"] + payload["allowed_if"] + payload["denied"]
        assert {g["account"] for g in rows} == {"111111111111", "333333333333"}
        assert payload["principals_checked"] == 2
    else:
        assert result.stderr.splitlines() == [f"policysim: error: account 222222222222: {error}"]
        assert "111111111111" in result.stdout and "333333333333" in result.stdout
        assert "222222222222" not in result.stdout


def test_the_progress_bar_path_answers_the_same(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from policysim.account.who_can import who_can
    from policysim.account.workspace import open_resolver
    from policysim.cli import org_run
    from policysim.org import SerialExecutor

    monkeypatch.setattr(org_run, "PROGRESS_FROM", 1)
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    resolver = open_resolver(ORG)
    action, resource = QUESTIONS[0][1:]
    answer = org_run.run_who_can(resolver, SerialExecutor(), action, resource, {}, show_denied=True)
    expected = who_can(resolver, action, resource, show_denied=True)
    assert answer.report.to_json() == expected.to_json()
    assert capsys.readouterr().out == ""  # the bar never touches standard output
