"""Lint configuration: `[tool.policysim.lint]` in pyproject.toml, or `[lint]` in .policysim.toml.

    [tool.policysim.lint]
    disable = ["PS503"]                  # rules off
    enable = ["PS510"]                   # rules that are off by default, on
    severity = { PS203 = "warning" }     # severity overrides
    fail-on = "security"                 # error | security | warning | suggestion | never
    exclude = ["vendor/**"]              # paths a directory walk skips
    trusted-accounts = ["111122223333"]
    trusted-orgs = ["o-a1b2c3d4e5"]
    sensitive-actions = ["s3:GetObject"]

    [[tool.policysim.lint.ignore]]       # suppress findings
    path = "policies/legacy/*.json"      # glob, relative to the configuration file's directory
    rules = ["PS203"]
    sid = "LegacyAdmin"                  # optional: only on the statement with this Sid

The configuration is looked up from the current directory upwards: the first directory with a
`.policysim.toml`, or a `pyproject.toml` that has a `[tool.policysim.lint]` table, wins.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from policysim.lint.context import LintSettings
from policysim.lint.finding import Severity
from policysim.lint.runner import LintOptions

CONFIG_FILES = (".policysim.toml", "pyproject.toml")
FAIL_ON_NEVER = "never"
_KEYS = {
    "disable",
    "enable",
    "severity",
    "fail-on",
    "exclude",
    "trusted-accounts",
    "trusted-orgs",
    "sensitive-actions",
    "ignore",
}
_RULE_ID = re.compile(r"^PS\d{3}$")


class ConfigError(ValueError):
    """A configuration that cannot be used (reported as a usage error)."""


@dataclass(frozen=True, slots=True)
class Ignore:
    """One suppression: these rules, on files matching the glob, optionally on one Sid."""

    path: str
    rules: frozenset[str]
    sid: str | None = None

    def matches(self, relative: str, rule: str, sid: str | None) -> bool:
        """Whether a finding of `rule` in `relative` (posix, relative to the config) is hidden."""
        if rule not in self.rules and "*" not in self.rules:
            return False
        if self.sid is not None and self.sid != sid:
            return False
        return fnmatch(relative, self.path) or fnmatch(relative, f"*/{self.path}")


@dataclass(slots=True)
class LintConfig:
    """The lint settings in force."""

    source: Path | None = None
    """The file they were read from (None: defaults)."""
    disable: frozenset[str] = frozenset()
    enable: frozenset[str] = frozenset()
    severity: dict[str, Severity] = field(default_factory=dict)
    fail_on: str = Severity.SECURITY.value
    exclude: tuple[str, ...] = ()
    trusted_accounts: frozenset[str] = frozenset()
    trusted_orgs: frozenset[str] = frozenset()
    sensitive_actions: frozenset[str] = frozenset()
    ignores: tuple[Ignore, ...] = ()

    @property
    def base(self) -> Path:
        """Directory that ignore and exclude globs are relative to."""
        return self.source.parent if self.source is not None else Path.cwd()

    def options(self) -> LintOptions:
        """The runner's options."""
        return LintOptions(
            disabled=self.disable,
            enabled=self.enable,
            severity=dict(self.severity),
            settings=LintSettings(
                trusted_accounts=self.trusted_accounts,
                trusted_orgs=self.trusted_orgs,
                sensitive_actions=frozenset(a.lower() for a in self.sensitive_actions),
            ),
        )

    def relative(self, file: str) -> str:
        """A file's path relative to the configuration's directory (posix)."""
        path = Path(file)
        try:
            return path.resolve().relative_to(self.base.resolve()).as_posix()
        except (ValueError, OSError):
            return path.as_posix()

    def ignored(self, file: str, rule: str, sid: str | None) -> bool:
        """Whether a configured ignore hides this finding."""
        if not self.ignores:
            return False
        relative = self.relative(file)
        return any(entry.matches(relative, rule, sid) for entry in self.ignores)


def parse_fail_on(value: str) -> str:
    """`--fail-on` values: a severity or `never`."""
    lowered = value.lower()
    if lowered == FAIL_ON_NEVER or lowered in {s.value for s in Severity}:
        return lowered
    names = ", ".join([*(s.value for s in Severity), FAIL_ON_NEVER])
    raise ConfigError(f"fail-on: {value!r} is not one of {names}")


def fails(severity: Severity, fail_on: str) -> bool:
    """Whether a finding of this severity makes the run fail."""
    if fail_on == FAIL_ON_NEVER:
        return False
    return severity.rank <= Severity(fail_on).rank


def _strings(table: dict[str, Any], key: str, where: str) -> list[str]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key} must be a list of strings")
    return list(value)


def _rule_ids(values: list[str], where: str, known: set[str] | None) -> frozenset[str]:
    out = set()
    for value in values:
        rule = value.strip().upper()
        if not _RULE_ID.match(rule):
            raise ConfigError(f"{where}: {value!r} is not a rule id (PSnnn)")
        if known is not None and rule not in known:
            raise ConfigError(f"{where}: unknown rule {rule} (see 'policysim lint --list-rules')")
        out.add(rule)
    return frozenset(out)


def from_table(
    table: dict[str, Any], source: Path | None, known: set[str] | None = None
) -> LintConfig:
    """Build the configuration from a `[tool.policysim.lint]` table."""
    where = str(source) if source else "configuration"
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: the lint settings must be a table")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown setting {unknown[0]!r}; expected one of {', '.join(sorted(_KEYS))}"
        )
    severity: dict[str, Severity] = {}
    raw_severity = table.get("severity", {})
    if not isinstance(raw_severity, dict):
        raise ConfigError(f"{where}: severity must be a table of rule id = severity")
    for rule, level in raw_severity.items():
        (rule_id,) = _rule_ids([rule], f"{where}: severity", known)
        try:
            severity[rule_id] = Severity(str(level).lower())
        except ValueError:
            names = ", ".join(s.value for s in Severity)
            raise ConfigError(
                f"{where}: severity of {rule_id}: {level!r} is not one of {names}"
            ) from None
    ignores: list[Ignore] = []
    raw_ignores = table.get("ignore", [])
    if not isinstance(raw_ignores, list):
        raise ConfigError(f"{where}: ignore must be an array of tables ([[...ignore]])")
    for index, entry in enumerate(raw_ignores):
        at = f"{where}: ignore[{index}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{at} must be a table with path, rules and optionally sid")
        extra = sorted(set(entry) - {"path", "rules", "rule", "sid"})
        if extra:
            raise ConfigError(f"{at}: unknown key {extra[0]!r} (expected path, rules, sid)")
        rules_list = _strings(entry, "rules", at) + _strings(entry, "rule", at)
        if not rules_list:
            raise ConfigError(f'{at}: name the rules to ignore (rules = ["PS203"])')
        wildcard = rules_list == ["*"]
        rules = frozenset({"*"}) if wildcard else _rule_ids(rules_list, at, known)
        path = entry.get("path", "*")
        sid = entry.get("sid")
        if not isinstance(path, str) or (sid is not None and not isinstance(sid, str)):
            raise ConfigError(f"{at}: path and sid must be strings")
        ignores.append(Ignore(path, rules, sid))
    return LintConfig(
        source=source,
        disable=_rule_ids(_strings(table, "disable", where), f"{where}: disable", known),
        enable=_rule_ids(_strings(table, "enable", where), f"{where}: enable", known),
        severity=severity,
        fail_on=parse_fail_on(str(table.get("fail-on", Severity.SECURITY.value))),
        exclude=tuple(_strings(table, "exclude", where)),
        trusted_accounts=frozenset(_strings(table, "trusted-accounts", where)),
        trusted_orgs=frozenset(_strings(table, "trusted-orgs", where)),
        sensitive_actions=frozenset(_strings(table, "sensitive-actions", where)),
        ignores=tuple(ignores),
    )


def _table(path: Path) -> dict[str, Any] | None:
    """The lint table of a configuration file, or None when it has none."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError(f"{path}: cannot read: {err.strerror or err}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: invalid TOML: {err}") from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("policysim", {}).get("lint")
    else:
        table = data.get("lint", data.get("tool", {}).get("policysim", {}).get("lint"))
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: the lint settings must be a table")
    return table


def find_config(start: Path | None = None) -> Path | None:
    """The nearest .policysim.toml, or pyproject.toml with lint settings, from `start` up."""
    folder = (start or Path.cwd()).resolve()
    for candidate_dir in (folder, *folder.parents):
        for name in CONFIG_FILES:
            candidate = candidate_dir / name
            if candidate.is_file():
                if name == "pyproject.toml" and _table(candidate) is None:
                    continue
                return candidate
        if (candidate_dir / ".git").exists():
            return None
    return None


def load_config(path: Path | None = None, known: set[str] | None = None) -> LintConfig:
    """The configuration from `path`, or found from the current directory, or the defaults."""
    if path is None:
        path = find_config()
        if path is None:
            return LintConfig()
    elif not path.is_file():
        raise ConfigError(f"{path}: no such configuration file")
    table = _table(path)
    if table is None:
        return LintConfig(source=path)
    return from_table(table, path, known)
