"""Every cause of a hang, a memory blow-up or an internal error that fuzzing found, kept as
data (`data/regressions.json`) and run as a user would: `policysim` in a subprocess with a time
limit and, where the input could blow up, a 2 GiB address-space limit.

Each entry: `argv` (`@name` is the case file `name`), `files` (text, or [text, count] pieces
for large repetitive inputs), `expect` (allowed exit codes), `seconds`, `memory_limit`,
optionally `stdout` (text the answer must contain), `env` (extra environment: a terminal whose
output encoding is strict UTF-8, as under an en_US.UTF-8 locale) and `known` (the branch fixing
it, while that fix is not merged here). Arguments are passed as the OS passes them: a lone
surrogate `\udcff` is the byte 0xff.
"""

from __future__ import annotations

import json
import os
import resource
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
CASES: list[dict[str, Any]] = json.loads((HERE / "data" / "regressions.json").read_text("utf-8"))
TWO_GIB = 2 * 1024**3


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (TWO_GIB, TWO_GIB))


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "TERM", "FORCE_COLOR")}
    env.update(extra or {})
    env.update(NO_COLOR="1", PYTHONDONTWRITEBYTECODE="1")
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        env.pop(name, None)
    return env


def policysim(
    argv: list[str],
    cwd: Path,
    seconds: float,
    memory_limit: bool = True,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the real command line; a run past `seconds` fails the test (TimeoutExpired)."""
    return subprocess.run(
        [sys.executable, "-m", "policysim.cli", *argv],
        cwd=cwd,
        env=_env(env),
        capture_output=True,
        text=True,
        errors="replace",
        timeout=seconds,
        preexec_fn=_limit_memory if memory_limit else None,
        check=False,
    )


def _content(value: str | list[list[Any]]) -> bytes:
    text = value if isinstance(value, str) else "".join(piece * count for piece, count in value)
    return text.encode("utf-8", "surrogatepass")


def assert_clean(run: subprocess.CompletedProcess[str], expect: list[int]) -> None:
    shown = f"exit {run.returncode}\nstdout: {run.stdout[:2000]}\nstderr: {run.stderr[:2000]}"
    assert run.returncode in expect, shown
    assert "Traceback" not in run.stderr, shown
    if run.returncode == 2 and "--json" not in run.args and not run.stdout.strip():
        # no answer at all: the reason is one error line (after warnings, if any)
        lines = run.stderr.splitlines()
        assert all(line.startswith("policysim: ") for line in lines), shown
        assert sum(line.startswith("policysim: error: ") for line in lines) == 1, shown


def _param(case: dict[str, Any]) -> Any:
    marks = []
    if case.get("known"):
        marks.append(
            pytest.mark.xfail(reason=f"being fixed on branch {case['known']}", strict=False)
        )
    return pytest.param(case, id=case["id"], marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_regression(case: dict[str, Any], tmp_path: Path) -> None:
    work = tmp_path / "work"  # lint looks for configuration from here upwards
    work.mkdir()
    for name, value in case["files"].items():
        (work / name).write_bytes(_content(value))
    argv = [str(work / a[1:]) if a.startswith("@") else a for a in case["argv"]]
    run = policysim(argv, work, case["seconds"], case["memory_limit"], case.get("env"))
    assert_clean(run, case["expect"])
    if case.get("stdout"):
        assert case["stdout"] in run.stdout, run.stdout


def test_every_cause_of_the_issue_has_data() -> None:
    causes = {c["cause"] for c in CASES}
    assert causes >= {
        "backtracking globs",
        "YAML billion laughs",
        "YAML scalars that fail to construct",
        "JSON integer of 4,300+ digits",
        "deeply nested batch line",
        "lone surrogates",
        "service name without a dot",
        "authorization details ARN with an empty name",
        "lint configuration of the wrong type",
    }


def test_lint_does_not_read_devices_or_fifos(tmp_path: Path) -> None:
    """A `*.json` symlink to /dev/zero and a FIFO named `*.json`: skipped or reported at once,
    never read forever."""
    (tmp_path / "zero.json").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "pipe.json")
    assert stat.S_ISFIFO((tmp_path / "pipe.json").lstat().st_mode)
    for argv in (["."], ["zero.json"], ["pipe.json"]):
        run = policysim(["lint", "--no-config", "--jobs", "1", *argv], tmp_path, 10)
        assert_clean(run, [0, 1, 2])


def test_lint_of_4000_statements_is_fast(tmp_path: Path) -> None:
    """The redundant-statement rule compared every pair: 4,000 statements took a minute."""
    body = [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::bucket-{i}/*"}
        for i in range(4000)
    ]
    (tmp_path / "p.json").write_text(json.dumps({"Version": "2012-10-17", "Statement": body}))
    run = policysim(["lint", "--no-config", "--jobs", "1", "p.json"], tmp_path, 30)
    assert_clean(run, [0, 1])
