"""What every command promises scripts and people: errors as JSON under `--json`, help texts
that show what they say, and exit statuses that are written down."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
RunCli = Any

ACCOUNT = str(REPO / "examples" / "accounts" / "deploy-user" / "account.yaml")

COMMANDS = [
    "check",
    "explain",
    "who-can",
    "query",
    "test",
    "simulate",
    "lint",
    "fetch",
    "ui",
    "show-policy",
    "principal-can",
]


def _json_error(run: object) -> dict[str, object]:
    stdout = run.stdout  # type: ignore[attr-defined]
    payload = json.loads(stdout)
    assert isinstance(payload, dict)
    return payload


@pytest.mark.parametrize(
    "args",
    [
        ("check", "user", "nobody", "s3:GetObject", "--account", ACCOUNT, "--json"),
        ("check", "--no-such-option", "--json"),
        ("who-can", "s3:GetObject", "--account", "/nonexistent/account.yaml", "--json"),
        ("query", "can nobody do", "--account", ACCOUNT, "--json"),
        ("simulate", "--json"),
    ],
)
def test_json_errors_are_one_json_object_on_stdout(run_cli: RunCli, args: tuple[str, ...]) -> None:
    run = run_cli(*args)
    assert run.returncode == 2, run
    payload = _json_error(run)
    assert payload["exit_code"] == 2
    assert payload["kind"] == "error"
    assert isinstance(payload["error"], str) and "\n" not in payload["error"]
    assert run.stderr == "", run


def test_json_error_carries_the_position(run_cli: RunCli, tmp_path: object) -> None:
    from pathlib import Path

    bad = Path(str(tmp_path)) / "bad.json"
    bad.write_text('{\n  "Version": "2012-10-17",\n  "Statement": [\n')
    run = run_cli("simulate", "--policy", bad, "--action", "s3:GetObject", "--json")
    payload = _json_error(run)
    assert payload["file"] == str(bad)
    assert isinstance(payload["line"], int) and isinstance(payload["column"], int)
    assert str(payload["error"]).startswith(f"{bad}:{payload['line']}:{payload['column']}: ")


def test_without_json_errors_stay_on_stderr(run_cli: RunCli) -> None:
    run = run_cli("check", "user", "nobody", "s3:GetObject", "--account", ACCOUNT)
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr.startswith("policysim: error: no user named 'nobody'")


def test_json_after_double_dash_is_an_argument_not_the_flag() -> None:
    from policysim.cli.app import wants_json

    assert wants_json(["check", "--json"])
    assert wants_json(["lint", "--format", "json", "x.json"])
    assert wants_json(["lint", "--format=json"])
    assert not wants_json(["lint", "--format", "sarif"])
    assert not wants_json(["lint", "--", "--json"])


@pytest.mark.parametrize("command", COMMANDS)
def test_help_shows_readable_text(run_cli: RunCli, command: str) -> None:
    run = run_cli(command, "--help")
    assert run.returncode == 0, run
    text = run.stdout
    for unreadable in ("<list[", "<str>", "<bool>", "<path>", "<datetime>", "<Path>"):
        assert unreadable not in text, f"{command} --help shows {unreadable}:\n{text}"
    for internal in ("../shared", "spec/", "§"):
        assert internal not in text, f"{command} --help cites {internal}:\n{text}"
    assert "Exit status" in text, f"{command} --help does not document its exit statuses"


def test_query_help_keeps_its_brackets(run_cli: RunCli) -> None:
    text = run_cli("query", "--help").stdout
    assert "[on RESOURCE]" in text
    assert "[when KEY=VALUE [and ...]]" in text
    assert "aws:TagKeys=[team, env]" in text


def test_lint_help_keeps_its_brackets(run_cli: RunCli) -> None:
    text = " ".join(run_cli("lint", "--help").stdout.split())
    assert "[tool.policysim.lint]" in text


def test_fetch_without_boto3_names_the_install_command(tmp_path: object) -> None:
    import subprocess
    import sys

    script = (
        "import sys; sys.modules['boto3'] = None; sys.argv = ['policysim', 'fetch'];"
        " from policysim.cli import main; main()"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=str(tmp_path)
    )
    assert proc.returncode == 2, proc
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert "pip install '.[aws]'" in lines[0]
    assert "internal error" not in proc.stderr
