"""Nothing taken from input reaches the terminal raw, and every error is one line.

A Sid like `Nope<ESC>[1A<ESC>[2K<ESC>[32mAllowed`, an account alias, a principal name, a test
name or a file name can carry escape sequences that erase lines and draw a green "Allowed"
over a denial. Every text output (check, explain, who-can, query, test, simulate, lint,
errors, notes) shows such characters as escapes (`\\x1b`), and rich never reads input as
markup. Errors are one line whatever the input held.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

ATTACK = "Nope\x1b[1A\x1b[2K\x1b[32mAllowed"
SHOWN = "Nope\\x1b[1A\\x1b[2K\\x1b[32mAllowed"
# A terminal acts on these (newlines only separate our own lines): none may be printed raw.
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f]")


def assert_nothing_raw(run: Any) -> None:
    assert "Traceback" not in run.stdout + run.stderr, run
    for name, text in (("stdout", run.stdout), ("stderr", run.stderr)):
        found = RAW.search(text)
        assert found is None, f"raw {found.group()!r} on {name}\n{run}"


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


DENY_ATTACK = {"Sid": ATTACK, "Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}
ALLOW_ALL = {"Sid": "All", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}
MARKUP = {
    "Sid": "[bold red][/]x[/]",
    "Effect": "Allow",
    "Action": "s3:PutObject",
    "Resource": "*",
    "Condition": {"StringEquals": {"aws:PrincipalTag/t\x1b[2K": "v\u202eal\r"}},
}


@pytest.fixture
def account(tmp_path: Path) -> Path:
    """A YAML account whose alias and Sids carry escape sequences (YAML's double-quoted
    strings take JSON's \\u escapes; policy names are refused unless IAM allows them)."""
    inline = {"Mixed": json.loads(policy(DENY_ATTACK, ALLOW_ALL, MARKUP))}
    text = (
        'account: "111122223333"\n'
        f"alias: {json.dumps('prod' + chr(0x1B) + '[2K' + chr(0x202E) + 'evil')}\n"
        f"users:\n  alice:\n    inline: {json.dumps(inline)}\n"
    )
    path = tmp_path / "account.yaml"
    path.write_text(text)
    return path


def test_simulate_shows_the_sid_escaped(run_cli: Any, tmp_path: Path) -> None:
    (tmp_path / "p.json").write_text(policy(DENY_ATTACK))
    run = run_cli("simulate", "--policy", tmp_path / "p.json", "--action", "s3:GetObject")
    assert run.returncode == 1, run
    assert_nothing_raw(run)
    assert SHOWN in run.stdout


def test_check_shows_sid_and_alias_escaped(run_cli: Any, account: Path) -> None:
    run = run_cli("check", "user", "alice", "s3:GetObject", "s3:PutObject", "--account", account)
    assert run.returncode == 1, run
    assert_nothing_raw(run)
    assert SHOWN in run.stdout
    assert "prod\\x1b[2K\\u202eevil" in run.stdout
    assert "ExplicitDeny" in run.stdout and "Allowed" in run.stdout


def test_explain_shows_conditions_escaped_and_never_reads_markup(
    run_cli: Any, account: Path
) -> None:
    """`[/]` in a Sid once crashed rich's markup parser (exit 70); it is shown as written."""
    run = run_cli("explain", "user", "alice", "s3:PutObject", "--account", account)
    assert run.returncode in (0, 1), run
    assert_nothing_raw(run)
    assert "[bold red][/]x[/]" in run.stdout
    assert "aws:PrincipalTag/t\\x1b[2K" in run.stdout
    assert "v\\u202eal\\r" in run.stdout


def test_who_can_and_query_escape_names(run_cli: Any, account: Path) -> None:
    for args in (
        ("who-can", "s3:GetObject", "--show-denied"),
        ("query", "who can do s3:GetObject on *", "--show-denied"),
        ("query", "can user/alice do s3:GetObject"),
    ):
        run = run_cli(*args, "--account", account)
        assert run.returncode in (0, 1), run
        assert_nothing_raw(run)
        assert SHOWN in run.stdout, run


def test_user_name_with_control_characters_is_escaped_or_refused(
    run_cli: Any, tmp_path: Path
) -> None:
    """IAM forbids such names; whether policysim refuses the account or answers, nothing
    raw is printed and the name is shown escaped."""
    inline = {"All": json.loads(policy(ALLOW_ALL))}
    name = json.dumps("bob\x1b[2Kroot")
    path = tmp_path / "account.yaml"
    path.write_text(
        f'account: "111122223333"\nusers:\n  {name}:\n    inline: {json.dumps(inline)}\n'
    )
    run = run_cli("who-can", "s3:GetObject", "--account", path)
    assert_nothing_raw(run)
    if run.returncode == 2:
        assert len(run.stderr_lines) == 1, run
    else:
        assert "bob\\x1b[2Kroot" in run.stdout, run


def test_iam_test_report_escapes_test_names(run_cli: Any, account: Path, tmp_path: Path) -> None:
    tests = {
        "account": str(account),
        "tests": [
            {
                "name": ATTACK,
                "principal": "user/alice",
                "action": "s3:GetObject",
                "expect": "Allowed",
            }
        ],
    }
    path = tmp_path / "t.yaml"
    path.write_text(json.dumps(tests))
    run = run_cli("test", path)
    assert run.returncode == 1, run
    assert_nothing_raw(run)
    assert SHOWN in run.stdout


def test_batch_check_summary_escapes_case_ids(run_cli: Any, tmp_path: Path) -> None:
    case = {
        "id": ATTACK,
        "identity_policies": [json.loads(policy(DENY_ATTACK))],
        "request": {
            "principal": "arn:aws:iam::111122223333:user/alice",
            "action": "s3:GetObject",
            "resource": "*",
        },
        "expected": "Allowed",
    }
    path = tmp_path / "cases.jsonl"
    path.write_text(json.dumps(case) + "\n")
    run = run_cli("simulate", "--batch", path, "--check")
    assert run.returncode == 1, run
    assert_nothing_raw(run)
    assert SHOWN in run.stdout


def test_lint_text_and_github_reports_escape_quoted_sids(run_cli: Any, tmp_path: Path) -> None:
    (tmp_path / "p.json").write_text(policy(DENY_ATTACK))
    for fmt in ("text", "github"):
        run = run_cli("lint", "--no-config", "--format", fmt, tmp_path / "p.json")
        assert_nothing_raw(run)
        assert SHOWN in run.stdout, run
    run = run_cli("lint", "--no-config", "--format", "json", tmp_path / "p.json")
    assert_nothing_raw(run)  # json.dumps escapes what JSON must
    assert json.loads(run.stdout)["findings"], run


def test_lint_file_name_with_newline_stays_on_its_line(run_cli: Any, tmp_path: Path) -> None:
    name = "bad\nname\x1b[2K.json"
    (tmp_path / name).write_text('{"Version": "2012-10-17",\n "Statement": [ 1 2 ]}')
    run = run_cli("lint", "--no-config", tmp_path / name)
    assert run.returncode == 1, run
    assert_nothing_raw(run)
    lines = run.stdout.splitlines()
    assert len(lines) == 2, run  # the finding and the summary
    assert lines[0].endswith(
        "bad\\nname\\x1b[2K.json:2:19: PS001 error invalid JSON:"
        " unexpected '2'; expected ',' or ']' or '}' or end of input"
    )


def test_lint_notes_escape_file_names(run_cli: Any, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    outside = tmp_path / "outside.json"
    outside.write_text(policy(ALLOW_ALL))
    os.symlink(outside, repo / "l\x1b[2Kink.json")
    run = run_cli("lint", "--no-config", ".", cwd=repo)
    assert_nothing_raw(run)
    assert "l\\x1b[2Kink.json" in run.stderr, run


def _bad_inputs(tmp: Path) -> list[tuple[str, ...]]:
    """Command lines that must each fail with one line (files made in `tmp`)."""
    (tmp / "nul.yaml").write_bytes(b'Version: "2012-10-17"\nStatement:\n  - Effect: Allow\x00\n')
    (tmp / "esc.yaml").write_bytes(b"Version: \x1b[2K\n")
    (tmp / "syntax.yaml").write_text("Version: [\n")
    (tmp / "key.json").write_text(
        policy(
            {
                "Effect": "Allow",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"StringEquals\n\x1b[2K": {"a": "b"}},
            }
        )
    )
    (tmp / "effect.json").write_text(
        policy({"Effect": "Allow\n\x1b[32m", "Action": "s3:*", "Resource": "*"})
    )
    odd = tmp / "bad\nname\x1b[2K.json"
    odd.write_text('{"Version": "2012-10-17",\n "Statement": [ 1 2 ]}')
    (tmp / "account.yaml").write_bytes(b'account: "111122223333"\nalias: a\x07\n')
    (tmp / "t.yaml").write_bytes(b"tests:\n  - name: \x1b[2K\n")
    (tmp / "bad.toml").write_bytes(b"[lint]\ndisable = [\n\x1b")
    (tmp / "cases.jsonl").write_bytes(b"\xff\xfe\n")
    sim = ("simulate", "--action", "s3:GetObject", "--policy")
    return [
        (*sim, str(tmp / "nul.yaml")),
        (*sim, str(tmp / "esc.yaml")),
        (*sim, str(tmp / "syntax.yaml")),
        (*sim, str(tmp / "key.json")),
        (*sim, str(tmp / "effect.json")),
        (*sim, str(odd)),
        (*sim, str(tmp / "missing\n\x1b[2K.json")),
        ("simulate", "--batch", str(tmp / "cases.jsonl")),
        ("simulate", "--batch", str(tmp / "no\nsuch.jsonl")),
        ("simulate", "--action", "s3:GetObject", "--context", "a\n\x1b[2Kb"),
        ("simulate", "--bogus\n\x1b[2K"),
        ("check", "user", "alice", "s3:GetObject", "--account", str(tmp / "account.yaml")),
        ("check", "user", "al\x1bice\n", "s3:GetObject", "--account", str(tmp / "account.yaml")),
        ("query", "can user/a\x1b[2K do s3:GetObject"),
        ("query", "can\n\x1b[2K"),
        ("test", str(tmp / "t.yaml")),
        ("lint", "--config", str(tmp / "bad.toml"), str(tmp / "key.json")),
        ("lint", str(tmp / "no\nsuch\x1b.json")),
    ]


def test_every_error_is_one_line_with_nothing_raw(run_cli: Any, tmp_path: Path) -> None:
    for args in _bad_inputs(tmp_path):
        run = run_cli(*args, cwd=tmp_path)
        assert run.returncode == 2, run
        assert_nothing_raw(run)
        assert run.stdout == "", run
        assert len(run.stderr_lines) == 1, run
        assert run.stderr_lines[0].startswith("policysim: error: "), run


def test_every_json_error_is_one_object_on_one_line(run_cli: Any, tmp_path: Path) -> None:
    for args in _bad_inputs(tmp_path):
        if args[0] == "lint":
            args = (*args[:1], "--format", "json", *args[1:])
        else:
            args = (*args, "--json")
        run = run_cli(*args, cwd=tmp_path)
        assert run.returncode == 2, run
        assert_nothing_raw(run)
        assert run.stderr == "", run
        assert len(run.stdout.splitlines()) == 1, run
        error = json.loads(run.stdout)["error"]
        assert "\n" not in error and "\x1b" not in error, run
