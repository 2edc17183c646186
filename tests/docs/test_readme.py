"""The README's examples run and print what the README shows."""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _block_after(heading: str, lang: str) -> str:
    match = re.search(rf"{re.escape(heading)}.*?```{lang}\n(.*?)```", README, re.S)
    assert match, f"no {lang} block after {heading!r}"
    return match.group(1)


def test_library_example_prints_what_the_readme_shows() -> None:
    code = _block_after("## As a library", "python")
    expected = re.search(r"```python\n.*?```\n\n```\n(.*?)```", README, re.S)
    assert expected
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    assert out.getvalue() == expected.group(1)


def test_first_screen_commands_name_files_that_exist() -> None:
    first_screen = README.split("---", 1)[0]
    assert "pytest" in first_screen
    assert "examples/simulate/cases.jsonl" in first_screen
    assert (ROOT / "examples/simulate/cases.jsonl").is_file()


def test_first_screen_main_job_passes() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "policysim",
            "simulate",
            "--batch",
            "examples/simulate/cases.jsonl",
            "--check",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 cases: 6 as expected, 0 differ" in result.stdout


def test_simulate_example_output_matches_readme() -> None:
    command = _block_after("One request, from policy files:", "sh")
    args = [a for a in command.replace("\\\n", " ").split() if a != "policysim"]
    result = subprocess.run(
        [sys.executable, "-m", "policysim", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    shown = re.search(r"--context aws:SecureTransport=false\n```\n\n```\n(.*?)```", README, re.S)
    assert shown
    assert result.returncode == 1
    assert result.stdout == shown.group(1)
