"""Tables that fit the terminal: on a terminal of COLUMNS columns no line is longer and nothing
is cut; columns empty in every row are left out; in files and pipes each row stays one line,
whatever COLUMNS says (some environments export it)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from typer.testing import CliRunner

from policysim import render
from policysim.cli import app
from policysim.render import _print_table, _SafeConsole

REPO = Path(__file__).resolve().parents[2]
DEPLOY = str(REPO / "examples" / "accounts" / "deploy-user" / "account.yaml")
ORG = str(REPO / "examples" / "accounts" / "org-region-scp" / "account.yaml")
KEY = "arn:aws:s3:::deploy-artifacts/build.zip"
LOCATION = "examples/accounts/deploy-user/account.yaml:41:11"

COMMANDS = {
    "check": ["check", "user", "alice", "s3:PutObject", "s3:DeleteObject", "--resource", KEY,
              "--context", "aws:SecureTransport=false", "-a", DEPLOY],
    "who-can": ["who-can", "s3:PutObject", KEY, "--show-denied", "-a", DEPLOY,
                "--context", "aws:SecureTransport=false"],
    "principal-can": ["principal-can", "user", "ops", "-a", ORG],
    "test": [],  # filled in by the fixture below
}  # fmt: skip


@pytest.fixture(autouse=True)
def _plain(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("COLUMNS", "LINES", "FORCE_COLOR", "TERM", "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(REPO)


def run(args: list[str], columns: int | None, *, terminal: bool = True) -> Any:
    """The command's output as a terminal of `columns` would show it (None: a pipe)."""
    env = {"COLUMNS": str(columns)} if columns else None
    is_terminal = terminal and columns is not None
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(render, "_stdout_is_terminal", lambda: is_terminal)
        return CliRunner().invoke(app, args, env=env)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("command", ["check", "who-can", "principal-can"])
@pytest.mark.parametrize("columns", [80, 60])
def test_no_line_exceeds_the_width_and_nothing_is_cut(command: str, columns: int) -> None:
    wide = run(COMMANDS[command], None)
    narrow = run(COMMANDS[command], columns)
    assert narrow.exit_code == wide.exit_code, narrow.output
    assert max(len(line) for line in wide.output.splitlines()) > columns  # a real test
    for line in narrow.output.splitlines():
        assert len(line) <= columns, line
    # every cell of the wide table is in the narrow output, whole
    flat = squash(narrow.output)
    for line in wide.output.splitlines():
        if line.startswith("  ") and not line.lstrip().startswith(
            ("action", "principal", "service")
        ):
            for cell in re.split(r"\s{2,}", line.strip()):
                assert squash(cell) in flat, (cell, narrow.output)


def test_the_location_moves_to_its_own_line_when_narrow() -> None:
    narrow = run(COMMANDS["check"], 80).output.splitlines()
    rows = [i for i, line in enumerate(narrow) if line.startswith("  s3:PutObject")]
    (row,) = rows
    assert "ExplicitDeny" in narrow[row]
    assert narrow[row + 1].startswith("      decided by: resource policy of")
    following = []
    for line in narrow[row + 1 :]:
        if not line.startswith("      "):
            break
        following.append(line)
    assert LOCATION in squash("".join(following))


@pytest.mark.parametrize("columns", [None, 60])
def test_in_a_pipe_each_row_is_one_line(columns: int | None) -> None:
    lines = run(COMMANDS["check"], columns, terminal=False).output.splitlines()
    row = next(line for line in lines if line.startswith("  s3:PutObject"))
    assert "ExplicitDeny" in row and LOCATION in row
    assert len(lines[0]) > 80  # the header is not wrapped either


def test_empty_columns_are_left_out() -> None:
    result = run(["check", "user", "bob", "s3:GetObject", "-a", DEPLOY], None)
    header = next(line for line in result.output.splitlines() if "decision" in line)
    assert header.split() == ["action", "decision", "decided", "by"]
    uploads = str(REPO / "examples" / "accounts" / "deny-unencrypted-uploads" / "account.yaml")
    object_arn = "arn:aws:s3:::landing-zone/2026/01/01/events.json"
    missing = run(
        ["check", "user", "uploader", "s3:PutObject", "-r", object_arn, "-a", uploads], None
    )
    lines = missing.output.splitlines()
    assert lines[1].split()[-3:] == ["missing", "context", "keys"]
    assert lines[2].endswith("    s3:x-amz-server-side-encryption")


def _table(width: int | None, headers: list[str], rows: list[list[str | Text]]) -> list[str]:
    out = io.StringIO()
    console = _SafeConsole(
        file=out,
        width=width or 200,
        soft_wrap=width is None,
        highlight=False,
        markup=False,
        color_system=None,
    )
    _print_table(console, headers, rows)
    return out.getvalue().splitlines()


def test_a_word_longer_than_the_line_folds() -> None:
    arn = "arn:aws:iam::111122223333:role/" + "a" * 70
    lines = _table(40, ["principal", "account", "granted by"], [[arn, "111122223333", "P #0"]])
    assert all(len(line) <= 40 for line in lines), lines
    assert arn in "".join(line.strip() for line in lines)
    assert any(line.strip() == "granted by: P #0" for line in lines)


def test_gap_narrows_before_columns_move() -> None:
    rows: list[list[str | Text]] = [["a" * 10, "b" * 10, "c" * 10]]
    # 2 + 30 + 4 * 2 = 40 wide: fits 40, needs two-space gaps at 36, moves a column at 30
    assert (
        _table(40, ["x", "y", "z"], rows)[1]
        == "  " + "a" * 10 + "    " + "b" * 10 + "    " + "c" * 10
    )
    assert (
        _table(36, ["x", "y", "z"], rows)[1] == "  " + "a" * 10 + "  " + "b" * 10 + "  " + "c" * 10
    )
    narrow = _table(30, ["x", "y", "z"], rows)
    assert narrow[1] == "  " + "a" * 10 + "  " + "b" * 10
    assert narrow[2] == "      z: " + "c" * 10


def test_styles_survive_wrapping() -> None:
    out = io.StringIO()
    console = _SafeConsole(
        file=out, width=30, soft_wrap=False, force_terminal=True, color_system="standard"
    )
    _print_table(console, ["a", "b"], [["x" * 20, Text("Allowed " * 4, style="green")]])
    text = out.getvalue()
    assert "\x1b[32m" in text  # green
    assert re.sub(r"\x1b\[[0-9;]*m", "", text).count("Allowed") == 4
