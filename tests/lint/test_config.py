"""Lint configuration: pyproject.toml / .policysim.toml, validation and suppression matching."""

from __future__ import annotations

from pathlib import Path

import pytest

from policysim.lint.config import (
    ConfigError,
    Ignore,
    LintConfig,
    fails,
    find_config,
    from_table,
    load_config,
    parse_fail_on,
)
from policysim.lint.finding import Severity

KNOWN = {"PS001", "PS203", "PS401", "PS503"}


def test_full_table() -> None:
    config = from_table(
        {
            "disable": ["PS503"],
            "enable": ["ps401"],
            "severity": {"PS203": "warning"},
            "fail-on": "warning",
            "exclude": ["vendor/**"],
            "trusted-accounts": ["111122223333"],
            "trusted-orgs": ["o-abcdefghij"],
            "sensitive-actions": ["S3:GetObject"],
            "ignore": [{"path": "legacy/*.json", "rules": ["PS203"], "sid": "Old"}],
        },
        Path("/repo/pyproject.toml"),
        KNOWN,
    )
    assert config.disable == {"PS503"} and config.enable == {"PS401"}
    assert config.severity == {"PS203": Severity.WARNING}
    assert config.fail_on == "warning"
    options = config.options()
    assert options.settings.trusted_accounts == {"111122223333"}
    assert options.settings.sensitive_actions == {"s3:getobject"}
    assert config.ignores == (Ignore("legacy/*.json", frozenset({"PS203"}), "Old"),)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"disabled": ["PS001"]}, "unknown setting 'disabled'"),
        ({"disable": ["PS999"]}, "unknown rule PS999"),
        ({"disable": ["nope"]}, "not a rule id"),
        ({"disable": "PS001,PS002"}, "not a rule id"),
        ({"severity": {"PS001": "fatal"}}, "is not one of"),
        ({"fail-on": "sometimes"}, "fail-on"),
        ({"ignore": [{"path": "x"}]}, "name the rules"),
        ({"ignore": [{"rules": ["PS001"], "file": "x"}]}, "unknown key 'file'"),
        ({"trusted-accounts": 111122223333}, "list of strings"),
    ],
)
def test_bad_tables(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        from_table(table, None, KNOWN)


def test_ignore_matching() -> None:
    entry = Ignore("legacy/*.json", frozenset({"PS203"}), "Old")
    assert entry.matches("legacy/a.json", "PS203", "Old")
    assert entry.matches("sub/legacy/a.json", "PS203", "Old")
    assert not entry.matches("legacy/a.json", "PS203", "New")
    assert not entry.matches("legacy/a.json", "PS401", "Old")
    assert not entry.matches("other/a.json", "PS203", "Old")
    everywhere = Ignore("*", frozenset({"*"}))
    assert everywhere.matches("a/b.yaml", "PS001", None)


def test_fail_on() -> None:
    assert parse_fail_on("Security") == "security"
    assert fails(Severity.ERROR, "security") and fails(Severity.SECURITY, "security")
    assert not fails(Severity.WARNING, "security")
    assert fails(Severity.SUGGESTION, "suggestion")
    assert not fails(Severity.ERROR, "never")


def test_found_from_subdirectory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.policysim.lint]\ndisable = ["PS503"]\n'
    )
    sub = tmp_path / "policies" / "deep"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    assert find_config() == tmp_path / "pyproject.toml"
    config = load_config(None, KNOWN)
    assert config.disable == {"PS503"}
    assert config.relative(str(sub / "p.json")) == "policies/deep/p.json"


def test_policysim_toml_wins_and_pyproject_without_table_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".policysim.toml").write_text('[lint]\nfail-on = "error"\n')
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "pyproject.toml").write_text('[project]\nname = "x"\n')
    monkeypatch.chdir(sub)
    assert find_config() == tmp_path / ".policysim.toml"
    assert load_config().fail_on == "error"


def test_no_config_stops_at_repository_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    assert find_config() is None
    assert load_config() == LintConfig()


def test_invalid_toml(tmp_path: Path) -> None:
    bad = tmp_path / ".policysim.toml"
    bad.write_text("[lint\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_config(tmp_path / "missing.toml")
