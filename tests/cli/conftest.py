"""Run the real `policysim` command line in a subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CONFORMANCE = REPO / "tests" / "data" / "conformance"

# `python -m policysim.cli` runs `main()` (the console script's entry point) without relying on
# the script being installed next to the interpreter.
COMMAND = [sys.executable, "-m", "policysim.cli"]


@dataclass(frozen=True)
class Run:
    """One finished `policysim` process."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def stderr_lines(self) -> list[str]:
        return self.stderr.splitlines()

    def __str__(self) -> str:  # shown by pytest when an assertion fails
        return (
            f"policysim {' '.join(self.args)}\n-> exit {self.returncode}\n"
            f"--- stdout ---\n{self.stdout[:3000]}\n--- stderr ---\n{self.stderr[:3000]}"
        )


RunCli = Callable[..., Run]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # Rich sizes its output from these; keep every run independent of the calling terminal.
    for name in ("COLUMNS", "LINES", "FORCE_COLOR", "TERM"):
        env.pop(name, None)
    # --region defaults to these; a test that wants a region names it.
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        env.pop(name, None)
    env["NO_COLOR"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_policysim(
    *args: str | os.PathLike[str],
    input: bytes | str | None = None,
    cwd: Path | None = None,
    timeout: float = 120,
) -> Run:
    """Run `policysim ARGS...`; `input` is fed to standard input (bytes are passed as is)."""
    argv = [os.fspath(a) for a in args]
    data = input.encode() if isinstance(input, str) else input
    proc = subprocess.run(
        [*COMMAND, *argv],
        input=data,
        capture_output=True,
        cwd=cwd or REPO,
        env=_env(),
        timeout=timeout,
        check=False,
    )
    return Run(
        tuple(argv),
        proc.returncode,
        proc.stdout.decode("utf-8", errors="replace"),
        proc.stderr.decode("utf-8", errors="replace"),
    )


@pytest.fixture
def run_cli() -> RunCli:
    """`run_cli("simulate", "--batch", path, input=...)` -> `Run`."""
    return run_policysim
