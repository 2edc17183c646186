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


def _first_screen_commands() -> list[str]:
    first_screen = README.split("---", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", first_screen, re.S)


def test_first_screen_has_the_two_commands() -> None:
    main_job, tests = _first_screen_commands()
    assert "pip install ." in main_job
    assert "policysim check" in main_job
    assert tests.endswith("pytest")
    assert "'.[test]'" in tests


def test_first_screen_main_job_runs() -> None:
    main_job = _first_screen_commands()[0]
    command = main_job.split("&& policysim ", 1)[1].split()
    result = subprocess.run(
        [sys.executable, "-m", "policysim", *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Allowed" in result.stdout
    assert "AmazonS3FullAccess" in result.stdout


def test_bundled_batch_example_passes() -> None:
    batch = "examples/simulate/cases.jsonl"
    result = subprocess.run(
        [sys.executable, "-m", "policysim", "simulate", "--batch", batch, "--check"],
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


def test_user_documents_cite_nothing_outside_the_repository() -> None:
    """Users get the repository (or the wheel): no link into the developers' shared folder and
    no spec section numbers they cannot look up."""
    documents = [ROOT / "README.md", *ROOT.glob("docs/**/*.md"), *ROOT.glob("examples/**/*.md")]
    offenders = [
        f"{path.relative_to(ROOT)}: {line.strip()}"
        for path in documents
        for line in path.read_text(encoding="utf-8").splitlines()
        if "../shared" in line or "§" in line or re.search(r"\bspec/\w+\.md", line)
    ]
    assert offenders == []


def test_local_links_in_the_readme_resolve() -> None:
    targets = re.findall(r"\]\(((?!https?:)[^)#\s]+)", README)
    assert targets, "the README links to nothing local?"
    missing = [t for t in targets if not (ROOT / t).exists()]
    assert missing == [], missing
