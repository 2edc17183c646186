"""Configuration you can trust: the search is bounded (repository root, project root, home,
mount points, shared directories), every value's type is checked with a located one-line
error, and a configuration that leaves nothing to lint says so."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import policysim.lint.config as config_module
from policysim.lint.config import (
    ConfigError,
    LintConfig,
    find_config,
    from_table,
    load_config,
    search_directories,
)

KNOWN = {"PS001", "PS203", "PS222", "PS204", "PS503"}
POLICY = (
    '{"Version": "2012-10-17", "Statement":'
    ' [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'
)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home directory of its own, so that nothing on this machine is found."""
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("HOME", str(path))
    return path


def _lint(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`policysim lint ARGS` in `cwd`, with this process's environment (HOME included)."""
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("POLICYSIM_MAX_FILE_SIZE", None)
    return subprocess.run(
        [sys.executable, "-m", "policysim.cli", "lint", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
        check=False,
    )


# --------------------------------------------------------------------------------------------
# Where the search ends
# --------------------------------------------------------------------------------------------


def test_never_above_the_home_directory(tmp_path: Path, home: Path) -> None:
    (tmp_path / ".policysim.toml").write_text('[lint]\ndisable = ["PS203"]\n')
    start = home / "project" / "policies"
    start.mkdir(parents=True)
    assert find_config(start) is None
    assert search_directories(start)[-1] == home


def test_the_same_file_is_found_when_home_is_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bound above is what hides it: with home elsewhere the search reaches it."""
    monkeypatch.setenv("HOME", str(tmp_path / "elsewhere"))
    (tmp_path / ".policysim.toml").write_text('[lint]\ndisable = ["PS203"]\n')
    start = tmp_path / "project" / "policies"
    start.mkdir(parents=True)
    assert find_config(start) == tmp_path / ".policysim.toml"


def test_the_home_directory_itself_is_searched(home: Path) -> None:
    (home / ".policysim.toml").write_text("[lint]\n")
    start = home / "project"
    start.mkdir()
    assert find_config(start) == home / ".policysim.toml"


def test_never_above_the_repository_root(home: Path) -> None:
    (home / ".policysim.toml").write_text('[lint]\nfail-on = "never"\n')
    repo = home / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "policies").mkdir()
    assert find_config(repo / "policies") is None
    assert search_directories(repo / "policies") == [repo / "policies", repo]


def test_a_worktree_git_file_is_a_repository_root_too(home: Path) -> None:
    (home / ".policysim.toml").write_text("[lint]\n")
    repo = home / "worktree"
    repo.mkdir()
    (repo / ".git").write_text("gitdir: /elsewhere/.git/worktrees/x\n")
    assert find_config(repo) is None


def test_outside_a_repository_the_first_project_file_ends_the_search(home: Path) -> None:
    (home / ".policysim.toml").write_text('[lint]\nfail-on = "never"\n')
    project = home / "project"
    (project / "policies").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert find_config(project / "policies") is None
    (project / "pyproject.toml").write_text("[tool.policysim.lint]\n")
    assert find_config(project / "policies") == project / "pyproject.toml"


def test_inside_a_repository_a_pyproject_without_settings_is_passed_over(home: Path) -> None:
    repo = home / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / ".policysim.toml").write_text("[lint]\n")
    (repo / "package").mkdir()
    (repo / "package" / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert find_config(repo / "package") == repo / ".policysim.toml"


def test_never_into_a_directory_anyone_may_write_to(tmp_path: Path, home: Path) -> None:
    shared = tmp_path / "shared"
    (shared / "project").mkdir(parents=True)
    (shared / ".policysim.toml").write_text('[lint]\nfail-on = "never"\n')
    shared.chmod(0o1777)
    try:
        assert find_config(shared / "project") is None
        shared.chmod(0o755)
        assert find_config(shared / "project") == shared / ".policysim.toml"
    finally:
        shared.chmod(0o755)


def test_never_across_a_mount_point(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".policysim.toml").write_text("[lint]\n")
    mounted = tmp_path / "mnt"
    (mounted / "project").mkdir(parents=True)

    def same_filesystem(directory: Path, parent: Path) -> bool:
        return directory != mounted.resolve()

    monkeypatch.setenv("HOME", str(tmp_path / "elsewhere"))
    assert find_config(mounted / "project") == tmp_path / ".policysim.toml"
    monkeypatch.setattr(config_module, "_same_filesystem", same_filesystem)
    assert find_config(mounted / "project") is None
    assert search_directories(mounted / "project")[-1] == mounted.resolve()


def test_mount_points_are_told_by_their_device() -> None:
    proc, root = Path("/proc"), Path("/")
    if not proc.is_dir() or proc.stat().st_dev == root.stat().st_dev:
        pytest.skip("no separate /proc filesystem here")
    assert not config_module._same_filesystem(proc, root)
    assert search_directories(proc) == [proc]


# --------------------------------------------------------------------------------------------
# Types: every wrong-typed value is a located ConfigError, never another exception
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("pyproject.toml", 'tool = "x"\n', "pyproject.toml:1: tool: must be a table, not a string"),
        (
            "pyproject.toml",
            '[project]\nname = "x"\n[tool]\npolicysim = 3\n',
            "pyproject.toml:4: tool.policysim: must be a table, not a number",
        ),
        (
            "pyproject.toml",
            "[tool.policysim]\nlint = [1]\n",
            "pyproject.toml:2: tool.policysim.lint: must be a table, not an array",
        ),
        (".policysim.toml", "tool = 1\n", ".policysim.toml:1: tool: must be a table, not a number"),
        (
            ".policysim.toml",
            "tool = 1\n[lint]\n",
            ".policysim.toml:1: tool: must be a table, not a number",
        ),
        (".policysim.toml", 'lint = "all"\n', ".policysim.toml:1: lint: must be a table"),
        (
            ".policysim.toml",
            "# settings\n[lint]\ndisable = []\nfail-on = 3\n",
            ".policysim.toml:4: fail-on: must be a string, not a number",
        ),
        (
            ".policysim.toml",
            "[lint]\nseverity = { PS203 = true }\n",
            ".policysim.toml:2: severity.PS203: must be one of",
        ),
        (
            ".policysim.toml",
            "[lint]\nexclude = [\n  'a',\n  2,\n]\n",
            ".policysim.toml:2: exclude[1]: must be a list of strings; this is a number",
        ),
        (
            ".policysim.toml",
            '[lint]\nfail-on = "never"\n\n[[lint.ignore]]\nrules = ["*"]\nsid = 7\n',
            ".policysim.toml:6: ignore[0].sid: must be a string, not a number",
        ),
        (
            ".policysim.toml",
            "[lint]\ntrusted-accounts = 111122223333\n",
            ".policysim.toml:2: trusted-accounts: must be a list of strings, not a number",
        ),
        (
            ".policysim.toml",
            '[[lint.ignore]]\npath = "a"\nrules = ["*"]\n\n'
            '[[lint.ignore]]\nrules = ["*"]\npath = 5\n',
            ".policysim.toml:7: ignore[1].path: must be a string, not a number",
        ),
        (".policysim.toml", "[lint\n", ".policysim.toml:1:6: invalid TOML: Expected ']'"),
        (".policysim.toml", b"[lint]\n# \xff\n", ".policysim.toml: invalid TOML: not UTF-8 text"),
    ],
)
def test_wrong_types_are_located_errors(
    tmp_path: Path, home: Path, name: str, text: str | bytes, message: str
) -> None:
    path = home / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, KNOWN)
    assert str(caught.value).startswith(f"{home}/{message}"), caught.value
    assert "\n" not in str(caught.value)


TOML_SCALARS = st.one_of(
    st.text(max_size=8),
    st.integers(),
    st.booleans(),
    st.floats(allow_nan=False),
    st.sampled_from(["PS203", "ps222", "*", "warning", "never", "error", "**"]),
)
TOML_VALUES = st.recursive(
    TOML_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
SETTING = st.sampled_from([*sorted(config_module._KEYS), "path", "unknown"])


@given(table=st.dictionaries(SETTING, TOML_VALUES, max_size=4))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
def test_any_table_gives_a_configuration_or_a_config_error(table: dict[str, Any]) -> None:
    try:
        config = from_table(table, Path("/repo/.policysim.toml"), KNOWN)
    except ConfigError as err:
        assert "\n" not in str(err) and str(err).startswith("/repo/.policysim.toml")
    else:
        assert isinstance(config, LintConfig)
        assert all(isinstance(p, str) for p in config.exclude)
        assert all(isinstance(i.path, str) for i in config.ignores)


# --------------------------------------------------------------------------------------------
# Through the command line
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("pyproject.toml", 'tool = "x"\n', "pyproject.toml:1: tool: must be a table, not a string"),
        (".policysim.toml", "tool = 1\n", ".policysim.toml:1: tool: must be a table, not a number"),
    ],
)
def test_a_wrong_typed_tool_above_the_directory_is_exit_2_not_70(
    home: Path, name: str, text: str, expected: str
) -> None:
    (home / name).write_text(text)
    work = home / "work"
    work.mkdir()
    (work / "p.json").write_text(POLICY)
    run = _lint("p.json", cwd=work)
    assert run.returncode == 2, run
    assert run.stderr.splitlines() == [f"policysim: error: {home / expected}"], run
    assert run.stdout == ""


def test_excluding_everything_warns_and_names_the_file(home: Path) -> None:
    repo = home / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "policies").mkdir()
    (repo / "policies" / "p.json").write_text(POLICY)
    (repo / ".policysim.toml").write_text('[lint]\nexclude = ["**"]\n')
    run = _lint("policies", cwd=repo)
    assert run.returncode == 0, run
    assert (
        f"policysim: warning: 0 files linted: every file was excluded by {repo / '.policysim.toml'}"
        " (exclude = ['**'])"
    ) in run.stderr.splitlines(), run
    trusted = _lint("policies", "--no-config", cwd=repo)
    assert trusted.returncode == 1 and "PS222" in trusted.stdout, trusted
    assert "warning" not in trusted.stderr, trusted


def test_ignoring_every_rule_everywhere_warns(home: Path) -> None:
    repo = home / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "a.json").write_text(POLICY)
    (repo / "b.json").write_text(POLICY)
    (repo / ".policysim.toml").write_text('[[lint.ignore]]\npath = "*.json"\nrules = ["*"]\n')
    run = _lint(".", cwd=repo)
    assert run.returncode == 0, run
    assert (
        f"policysim: warning: every finding in all 2 files linted is hidden by"
        f" {repo / '.policysim.toml'}: ignore[0] (path = '*.json', rules = ['*'])"
    ) in run.stderr.splitlines(), run
    (repo / ".policysim.toml").write_text('[[lint.ignore]]\npath = "a.json"\nrules = ["*"]\n')
    partial = _lint(".", cwd=repo)
    assert partial.returncode == 1 and "warning" not in partial.stderr, partial


def test_help_names_no_config_as_the_option_for_untrusted_pull_requests(home: Path) -> None:
    run = _lint("--help", cwd=home)
    text = " ".join(run.stdout.split())
    assert (
        "--no-config Ignore configuration files. Use it to lint an untrusted pull request" in text
    )


def test_a_removed_working_directory_has_no_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    assert search_directories() == []
    assert find_config() is None
