"""The pre-commit hook: `.pre-commit-hooks.yaml` is a valid manifest, and `pre-commit try-repo`
runs `policysim lint` on a temporary git repository and fails it on an error finding.

The hook's environment is built offline: pip installs the copied project without its
dependencies and without build isolation, and PYTHONPATH lends the dependencies (and hatchling)
of this test's environment. Skipped when pre-commit, hatchling or git is unavailable.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
HOOKS = REPO / ".pre-commit-hooks.yaml"
COPIED = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "grammars", "policysim")


def test_manifest_declares_the_hook() -> None:
    hook = yaml.safe_load(HOOKS.read_text())[0]
    assert hook["id"] == "policysim-lint"
    assert hook["entry"] == "policysim lint --skip-non-policies"
    assert hook["language"] == "python"
    assert set(hook["types_or"]) == {"json", "yaml"}


def test_manifest_is_valid_for_pre_commit() -> None:
    clientlib = pytest.importorskip("pre_commit.clientlib")
    hooks = clientlib.load_manifest(str(HOOKS))
    assert [h["id"] for h in hooks] == [
        "policysim-lint",
        "policysim-diff",
        "policysim-verify-public",
    ]


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def _pre_commit() -> list[str]:
    pytest.importorskip("pre_commit")
    pytest.importorskip("hatchling")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    return [sys.executable, "-m", "pre_commit"]


def _hook_repo(root: Path) -> Path:
    """A committed copy of the project (try-repo on the working tree would stage its changes)."""
    hook = root / "hook"
    hook.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in COPIED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, hook / name, ignore=ignore)
        else:
            shutil.copy2(source, hook / name)
    _git("init", "-q", cwd=hook)
    _git("add", "-A", cwd=hook)
    _git("commit", "-q", "-m", "hook", cwd=hook)
    return hook


def test_try_repo(tmp_path: Path) -> None:
    command = _pre_commit()
    hook = _hook_repo(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    _git("init", "-q", cwd=work)
    good = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}],
    }
    bad = {"Version": "2012-10-17", "Statement": [{**good["Statement"][0], "Effect": "Maybe"}]}
    (work / "good.json").write_text(json.dumps(good))
    (work / "bad.json").write_text(json.dumps(bad))
    (work / "notes.txt").write_text("not linted\n")
    (work / "package.json").write_text('{"name": "not a policy"}')
    (work / "tsconfig.json").write_text("{\n  // comments: not JSON, not a policy\n}\n")
    _git("add", "-A", cwd=work)
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "cache"),
        "PIP_NO_INDEX": "1",
        "PIP_NO_DEPS": "1",
        "PIP_NO_BUILD_ISOLATION": "0",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PYTHONPATH": sysconfig.get_paths()["purelib"],
        "NO_COLOR": "1",
    }

    def try_repo(*files: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, "try-repo", str(hook), "policysim-lint", "--files", *files],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    passed = try_repo("good.json", "notes.txt", "package.json", "tsconfig.json")
    if "Initializing environment" not in passed.stdout + passed.stderr and passed.returncode:
        pytest.skip(f"pre-commit could not run: {passed.stderr[-500:]}")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout
    failed = try_repo("good.json", "bad.json")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "Failed" in failed.stdout
    assert "bad.json:1:" in failed.stdout and "PS008 error" in failed.stdout
