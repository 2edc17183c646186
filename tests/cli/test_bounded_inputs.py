"""Every input file is read bounded: regular files (or pipes the user named), within a size
limit that one option raises. FIFOs and devices planted where an input is expected end in one
line and exit 2, never a hang (each run has a timeout, so a hang fails the test)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from policysim.files import (
    DEFAULT_MAX_FILE_BYTES,
    MAX_FILE_SIZE_ENV,
    LineTooLongError,
    UnsafeFileError,
    bounded_lines,
    format_size,
    max_file_bytes,
    parse_size,
    read_input,
    read_input_file,
    set_max_file_bytes,
)

ERROR_PREFIX = "policysim: error: "
POLICY = (
    '{"Version": "2012-10-17", "Statement":'
    ' [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'
)
ACCOUNT = """\
account: "111122223333"
users:
  alice:
    inline:
      Read:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: s3:GetObject
            Resource: "*"
"""
TESTS = """\
tests:
  - name: alice reads
    principal: user alice
    action: s3:GetObject
    resource: arn:aws:s3:::b/k
    expect: Allowed
"""
CASE = (
    '{"id": "c1", "identity_policies": [' + POLICY + '], "request": {"principal":'
    ' "arn:aws:iam::111122223333:user/alice", "action": "s3:GetObject", "resource": "*"}}'
)
TIMEOUT = 30


@pytest.fixture(autouse=True)
def _default_limit(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Every test starts from the default limit, whatever the environment says."""
    monkeypatch.delenv(MAX_FILE_SIZE_ENV, raising=False)
    set_max_file_bytes(None)
    yield
    set_max_file_bytes(None)


def one_error(run: Any, *fragments: str) -> str:
    """Exit 2 and exactly one `policysim: error:` line carrying every fragment."""
    assert run.returncode == 2, run
    assert "Traceback" not in run.stderr + run.stdout, run
    lines = run.stderr_lines
    assert len(lines) == 1 and lines[0].startswith(ERROR_PREFIX), run
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"
    return lines[0]


# Each entry: how to run a command with `path` as the input under test (files it also needs are
# written beside it).
Command = Callable[[Path, Path], list[str | os.PathLike[str]]]


def _account_check(work: Path, path: Path) -> list[str | os.PathLike[str]]:
    return ["check", "user", "alice", "s3:GetObject", "--account", path]


def _account_who_can(work: Path, path: Path) -> list[str | os.PathLike[str]]:
    return ["who-can", "s3:GetObject", "--account", path]


def _policy(work: Path, path: Path) -> list[str | os.PathLike[str]]:
    return ["simulate", "--policy", path, "--action", "s3:GetObject"]


def _session_policy(work: Path, path: Path) -> list[str | os.PathLike[str]]:
    (work / "account.yaml").write_text(ACCOUNT)
    return [
        "check",
        "user",
        "alice",
        "s3:GetObject",
        "-a",
        work / "account.yaml",
        "--session-policy",
        path,
    ]


def _test_file(work: Path, path: Path) -> list[str | os.PathLike[str]]:
    (work / "account.yaml").write_text(ACCOUNT)
    return ["test", path, "--account", work / "account.yaml"]


def _batch(work: Path, path: Path) -> list[str | os.PathLike[str]]:
    return ["simulate", "--batch", path]


def _lint_config(work: Path, path: Path) -> list[str | os.PathLike[str]]:
    (work / "p.json").write_text(POLICY)
    return ["lint", work / "p.json", "--config", path]


COMMANDS: dict[str, Command] = {
    "--account (check)": _account_check,
    "--account (who-can)": _account_who_can,
    "--policy": _policy,
    "--session-policy": _session_policy,
    "test file": _test_file,
    "--batch": _batch,
    "lint --config": _lint_config,
}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_link_to_dev_zero_is_refused_at_once(name: str, tmp_path: Path, run_cli: Any) -> None:
    zero = tmp_path / "input.json"
    zero.symlink_to("/dev/zero")
    run = run_cli(*COMMANDS[name](tmp_path, zero), cwd=tmp_path, timeout=TIMEOUT)
    one_error(run, "input.json", "not a regular file (a device)")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_fifo_nobody_writes_to_does_not_hang(name: str, tmp_path: Path, run_cli: Any) -> None:
    """A FIFO the user names is read like a pipe: with no writer it is empty, not waited on."""
    fifo = tmp_path / "input.json"
    os.mkfifo(fifo)
    run = run_cli(*COMMANDS[name](tmp_path, fifo), cwd=tmp_path, timeout=TIMEOUT)
    assert "Traceback" not in run.stderr, run
    if name in ("--batch", "lint --config"):
        # an empty batch answers nothing; an empty configuration configures nothing
        assert run.returncode in (0, 1) and ERROR_PREFIX not in run.stderr, run
    else:
        one_error(run, "input.json")


def test_the_default_account_file_must_be_a_regular_file(tmp_path: Path, run_cli: Any) -> None:
    """policysim.yaml found in the directory (not named) is never a FIFO that is read."""
    os.mkfifo(tmp_path / "policysim.yaml")
    run = run_cli("check", "user", "alice", "s3:GetObject", cwd=tmp_path, timeout=TIMEOUT)
    one_error(run, "no account given")


def test_a_test_file_naming_a_device_as_its_account(tmp_path: Path, run_cli: Any) -> None:
    (tmp_path / "acct.yaml").symlink_to("/dev/zero")
    tests = tmp_path / "t.yaml"
    tests.write_text("account: acct.yaml\n" + TESTS)
    run = run_cli("test", tests, cwd=tmp_path, timeout=TIMEOUT)
    one_error(run, "acct.yaml", "not a regular file (a device)")


# --------------------------------------------------------------------------------------------
# The size limit: refused by default, accepted once raised, by the option or its variable
# --------------------------------------------------------------------------------------------


def _padded(text: str, size: int) -> str:
    """`text` followed by blank lines up to `size` bytes (YAML and JSON both ignore them)."""
    return text + "\n" * (size - len(text.encode()))


def test_an_account_over_the_limit_is_refused_and_the_option_raises_it(
    tmp_path: Path, run_cli: Any
) -> None:
    account = tmp_path / "account.yaml"
    account.write_text(_padded(ACCOUNT, 3000))
    question = ["check", "user", "alice", "s3:GetObject", "-a", account]
    refused = run_cli(*question, "--max-file-size", "2KiB", cwd=tmp_path)
    line = one_error(refused, "account.yaml: larger than 2 KiB (3,000 bytes)")
    assert line.endswith("raise the limit with --max-file-size"), line
    allowed = run_cli(*question, "--max-file-size", "4KiB", cwd=tmp_path)
    assert allowed.returncode == 0 and "Allowed" in allowed.stdout, allowed


def test_the_environment_variable_is_the_options_default(
    tmp_path: Path, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = tmp_path / "p.json"
    policy.write_text(_padded(POLICY, 1500))
    monkeypatch.setenv(MAX_FILE_SIZE_ENV, "1000")
    refused = run_cli("simulate", "--policy", policy, "--action", "s3:GetObject")
    one_error(refused, "p.json: larger than 1,000 bytes (1,500 bytes)")
    overridden = run_cli(
        "simulate", "--policy", policy, "--action", "s3:GetObject", "--max-file-size", "2K"
    )
    assert overridden.returncode == 0, overridden
    monkeypatch.setenv(MAX_FILE_SIZE_ENV, "lots")
    bad = run_cli("simulate", "--policy", policy, "--action", "s3:GetObject")
    one_error(bad, "--max-file-size", MAX_FILE_SIZE_ENV, "'lots' is not a size")


def test_the_default_limit_refuses_a_huge_file_without_reading_it(
    tmp_path: Path, run_cli: Any
) -> None:
    huge = tmp_path / "huge.json"
    with huge.open("wb") as stream:  # sparse: nothing is written, the size is what counts
        stream.truncate(DEFAULT_MAX_FILE_BYTES + 1)
    run = run_cli("who-can", "s3:GetObject", "-a", huge, timeout=TIMEOUT)
    one_error(run, "huge.json: larger than 64 MiB (67,108,865 bytes)", "--max-file-size")
    lint = run_cli("lint", huge, "--no-config", timeout=TIMEOUT)
    assert "larger than 64 MiB" in lint.stdout, lint


def test_lint_inputs_and_standard_input_obey_the_option(tmp_path: Path, run_cli: Any) -> None:
    policy = tmp_path / "p.json"
    policy.write_text(_padded(POLICY, 1500))
    named = run_cli("lint", policy, "--no-config", "--max-file-size", "1000", cwd=tmp_path)
    assert "p.json: PS001 error larger than 1,000 bytes" in named.stdout.replace(":1:1", ""), named
    piped = run_cli(
        "lint", "-", "--no-config", "--max-file-size", "1000", input=_padded(POLICY, 1500)
    )
    assert "larger than 1,000 bytes" in piped.stdout, piped
    raised = run_cli("lint", policy, "--no-config", "--max-file-size", "2000", cwd=tmp_path)
    assert "larger than" not in raised.stdout and "PS222" in raised.stdout, raised


def test_help_documents_the_option_and_its_variable(run_cli: Any) -> None:
    for command in ("check", "explain", "who-can", "query", "test", "simulate", "lint"):
        run = run_cli(command, "--help")
        text = " ".join(run.stdout.split())
        assert "--max-file-size SIZE" in text and MAX_FILE_SIZE_ENV in text, (command, run)


# --------------------------------------------------------------------------------------------
# A batch is streamed: any length, but no line past the limit
# --------------------------------------------------------------------------------------------


def test_a_batch_longer_than_the_limit_streams_but_a_long_line_is_refused(
    tmp_path: Path, run_cli: Any
) -> None:
    batch = tmp_path / "cases.jsonl"
    batch.write_text((CASE + "\n") * 20)  # 20 lines, each under the limit, all far over it
    limit = str(len(CASE) + 10)
    run = run_cli("simulate", "--batch", batch, "--max-file-size", limit)
    assert run.returncode == 0 and len(run.stdout.splitlines()) == 20, run
    endless = "x" * 5000  # a line without end, as a pipe of zeros would be
    piped = run_cli("simulate", "--batch", "-", "--max-file-size", "1KiB", input=endless)
    one_error(piped, "<stdin>:1:1: line longer than 1 KiB", "--max-file-size")
    batch.write_text(CASE + "\n" + endless + "\n")
    second = run_cli("simulate", "--batch", batch, "--max-file-size", "1KiB")
    assert second.returncode == 2 and len(second.stdout.splitlines()) == 1, second
    assert second.stderr_lines[-1].endswith(
        "cases.jsonl:2:1: line longer than 1 KiB; raise the limit with --max-file-size"
    ), second


# --------------------------------------------------------------------------------------------
# The reading functions themselves
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("67108864", 64 << 20),
        ("64M", 64 << 20),
        ("64MiB", 64 << 20),
        ("64mb", 64 << 20),
        ("1.5G", 3 << 29),
        ("2 GiB", 2 << 30),
        ("10k", 10240),
        ("1", 1),
    ],
)
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "big", "-1", "0", "12x", "1e6", "MiB", "0.1"])
def test_parse_size_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="size"):
        parse_size(text)


def test_format_size_round_trips_through_parse_size() -> None:
    for size in (1, 1000, 1024, 3 << 29, 64 << 20, DEFAULT_MAX_FILE_BYTES, 5 << 40):
        shown = format_size(size)
        assert parse_size(shown.replace(",", "").replace(" bytes", "")) == size, shown
    assert format_size(DEFAULT_MAX_FILE_BYTES) == "64 MiB"


def test_the_limit_in_force(monkeypatch: pytest.MonkeyPatch) -> None:
    assert max_file_bytes() == DEFAULT_MAX_FILE_BYTES
    monkeypatch.setenv(MAX_FILE_SIZE_ENV, "1MiB")
    assert max_file_bytes() == 1 << 20
    set_max_file_bytes(5000)
    assert max_file_bytes() == 5000
    set_max_file_bytes(None)
    monkeypatch.setenv(MAX_FILE_SIZE_ENV, "nope")
    with pytest.raises(UnsafeFileError, match=MAX_FILE_SIZE_ENV):
        max_file_bytes()


def _pipe_path(data: bytes, *, endless: bool = False) -> tuple[str, threading.Thread, int]:
    """A pipe's `/dev/fd/N` path, as `<(...)` gives, fed by a thread; the read end's fd."""
    read_end, write_end = os.pipe()

    def feed() -> None:
        try:
            with os.fdopen(write_end, "wb") as stream:
                while True:
                    stream.write(data)
                    if not endless:
                        return
        except (BrokenPipeError, OSError):
            return

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    return f"/dev/fd/{read_end}", writer, read_end


def test_a_named_pipe_is_read_and_bounded() -> None:
    path, writer, fd = _pipe_path(POLICY.encode())
    try:
        assert read_input(path, allow_pipes=True) == POLICY.encode()
    finally:
        os.close(fd)
    path, writer, fd = _pipe_path(b"\0" * 65536, endless=True)
    try:
        with pytest.raises(UnsafeFileError, match="larger than 1 MiB"):
            read_input_file(path, 1 << 20, allow_pipes=True)
    finally:
        os.close(fd)
    writer.join(timeout=5)
    assert not writer.is_alive()


def test_a_pipe_is_refused_where_pipes_are_not_expected() -> None:
    path, _, fd = _pipe_path(POLICY.encode())
    try:
        with pytest.raises(UnsafeFileError, match=r"not a regular file \(a FIFO\)"):
            read_input(path)
    finally:
        os.close(fd)


def test_bounded_lines() -> None:
    import io

    stream = io.BytesIO(b"a\nbb\n\nccc")
    assert list(bounded_lines(stream, 3)) == [b"a\n", b"bb\n", b"\n", b"ccc"]
    long = io.BytesIO(b"ok\n" + b"x" * 10 + b"\nnever read\n")
    lines = bounded_lines(long, 4)
    assert next(lines) == b"ok\n"
    with pytest.raises(LineTooLongError, match="line longer than 4 bytes") as caught:
        next(lines)
    assert caught.value.line == 2
