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
    fold = false                         # report each finding a broad grant implies

    [[tool.policysim.lint.ignore]]       # suppress findings
    path = "policies/legacy/*.json"      # glob, relative to the configuration file's directory
    rules = ["PS203"]
    sid = "LegacyAdmin"                  # optional: only on the statement with this Sid

The configuration is looked up from the current directory upwards: the first directory with a
`.policysim.toml`, or a `pyproject.toml` that has a `[tool.policysim.lint]` table, wins. The
search is bounded (`search_directories`): it ends at the repository root, the home directory or
the filesystem's root, and outside a repository at the first project file. A repository under
review can still configure its own lint: `--no-config` is for untrusted pull requests. Every
value's type is checked, and errors name the file, line and setting.
"""

from __future__ import annotations

import re
import stat
import tomllib
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from policysim.files import read_input, read_problem
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
    "fold",
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
    fold: bool = True
    """Fold what a statement that grants everything implies into its finding (`runner.FOLDS`)."""

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
            fold=self.fold,
        )

    def relative(self, file: str) -> str:
        """A file's path relative to the configuration's directory (posix)."""
        path = Path(file)
        try:
            return path.resolve().relative_to(self.base.resolve()).as_posix()
        except (ValueError, OSError):
            return path.as_posix()

    def blanket_ignore(self, file: str) -> int | None:
        """The index of an ignore that hides every finding in `file` (rules `*`, no `sid`)."""
        if not self.ignores:
            return None  # the usual run: no path to resolve (a few syscalls per file linted)
        relative = self.relative(file)
        for index, entry in enumerate(self.ignores):
            if entry.sid is None and entry.matches(relative, "*", None):
                return index
        return None

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


def toml_type(value: Any) -> str:
    """TOML's name for a value's type, for messages."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return "a date or time"


class _Where:
    """Where a setting is written, for messages: `file:line: key` (the line when it can be
    found in the text; tomllib keeps no positions, so it is searched for, best effort)."""

    def __init__(self, source: Path | None, text: str | None, table: tuple[str, ...]) -> None:
        self.source = source
        self.lines = text.splitlines() if text is not None else []
        self.table = table

    def __call__(self, *keys: str | int) -> str:
        """`file:line: a.b[0].c` for the setting at `keys` below the lint table."""
        name = ""
        for key in keys:
            name += f"[{key}]" if isinstance(key, int) else (f".{key}" if name else key)
        place = self.place(*keys)
        return f"{place}: {name}" if name else place

    def place(self, *keys: str | int) -> str:
        """`file:line` of the setting at `keys` (`file` alone when the line is not found)."""
        file = str(self.source) if self.source is not None else "configuration"
        line = self._line(list(keys))
        return f"{file}:{line}" if line else file

    def _table_header(self, *below: str) -> re.Pattern[str]:
        names = r"\s*\.\s*".join(map(re.escape, (*self.table, *below)))
        return re.compile(r"^\s*\[\[?\s*" + names + r"\s*\]")

    def _line(self, keys: list[str | int]) -> int | None:
        names = [k for k in keys if isinstance(k, str)]
        if not self.lines or not names:
            return None
        if len(keys) >= 2 and isinstance(keys[0], str) and isinstance(keys[1], int):
            found = self._in_array_of_tables(keys[0], keys[1], names[1:])
            if found is not None:
                return found
        header = self._table_header() if self.table else None
        key = re.compile(r"^\s*[\"']?" + re.escape(names[0]) + r"[\"']?\s*[=.]")
        inside = header is None
        for number, line in enumerate(self.lines, start=1):
            if line.lstrip().startswith("["):
                inside = header is not None and bool(header.match(line))
            elif inside and key.match(line):
                return number
        return self._anywhere(names[-1], range(len(self.lines)))

    def _in_array_of_tables(self, name: str, index: int, below: list[str]) -> int | None:
        """The line of `[[table.name]]` number `index`, or of `below[-1]` within it."""
        header = self._table_header(name)
        seen = -1
        for start, line in enumerate(self.lines):
            if line.lstrip().startswith("[[") and header.match(line):
                seen += 1
                if seen == index:
                    end = next(
                        (
                            i
                            for i in range(start + 1, len(self.lines))
                            if self.lines[i].lstrip().startswith("[")
                        ),
                        len(self.lines),
                    )
                    found = self._anywhere(below[-1], range(start + 1, end)) if below else None
                    return found or start + 1
        return None

    def _anywhere(self, name: str, indexes: range) -> int | None:
        """The first line among `indexes` (0-based) that assigns `name`, 1-based."""
        assigns = re.compile(r"(^|[\s.{,\"'])" + re.escape(name) + r"[\"']?\s*=")
        return next((i + 1 for i in indexes if assigns.search(self.lines[i])), None)


def _strings(table: dict[str, Any], key: str, where: _Where, *at: str | int) -> list[str]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise ConfigError(f"{where(*at, key)}: must be a list of strings, not {toml_type(value)}")
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise ConfigError(
                f"{where(*at, key, index)}: must be a list of strings; this is {toml_type(item)}"
            )
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
    table: dict[str, Any],
    source: Path | None,
    known: set[str] | None = None,
    *,
    text: str | None = None,
    table_path: tuple[str, ...] = (),
) -> LintConfig:
    """Build the configuration from a `[tool.policysim.lint]` table, checking every value's
    type. `text` and `table_path` (the file's text and the table's keys in it) let errors
    name the line of the offending setting."""
    where = _Where(source, text, table_path)
    if not isinstance(table, dict):
        raise ConfigError(f"{where()}: the lint settings must be a table, not {toml_type(table)}")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(
            f"{where.place(unknown[0])}: unknown setting {unknown[0]!r}; expected one of"
            f" {', '.join(sorted(_KEYS))}"
        )
    severity: dict[str, Severity] = {}
    raw_severity = table.get("severity", {})
    if not isinstance(raw_severity, dict):
        raise ConfigError(
            f"{where('severity')}: must be a table of rule id = severity, not"
            f" {toml_type(raw_severity)}"
        )
    for rule, level in raw_severity.items():
        (rule_id,) = _rule_ids([rule], where("severity"), known)
        names = ", ".join(s.value for s in Severity)
        if not isinstance(level, str):
            raise ConfigError(
                f"{where('severity', rule)}: must be one of {names}, not {toml_type(level)}"
            )
        try:
            severity[rule_id] = Severity(level.lower())
        except ValueError:
            raise ConfigError(
                f"{where('severity', rule)}: {level!r} is not one of {names}"
            ) from None
    ignores: list[Ignore] = []
    raw_ignores = table.get("ignore", [])
    if not isinstance(raw_ignores, list):
        raise ConfigError(
            f"{where('ignore')}: must be an array of tables ([[...ignore]]), not"
            f" {toml_type(raw_ignores)}"
        )
    for index, entry in enumerate(raw_ignores):
        at = where("ignore", index)
        if not isinstance(entry, dict):
            raise ConfigError(f"{at}: must be a table with path, rules and optionally sid")
        extra = sorted(set(entry) - {"path", "rules", "rule", "sid"})
        if extra:
            raise ConfigError(f"{at}: unknown key {extra[0]!r} (expected path, rules, sid)")
        rules_list = _strings(entry, "rules", where, "ignore", index) + _strings(
            entry, "rule", where, "ignore", index
        )
        if not rules_list:
            raise ConfigError(f'{at}: name the rules to ignore (rules = ["PS203"])')
        wildcard = rules_list == ["*"]
        rules = frozenset({"*"}) if wildcard else _rule_ids(rules_list, at, known)
        path = entry.get("path", "*")
        sid = entry.get("sid")
        for key, value in (("path", path), ("sid", sid)):
            if value is not None and not isinstance(value, str):
                raise ConfigError(
                    f"{where('ignore', index, key)}: must be a string, not {toml_type(value)}"
                )
        ignores.append(Ignore(path, rules, sid))
    fail_on = table.get("fail-on", Severity.SECURITY.value)
    if not isinstance(fail_on, str):
        raise ConfigError(f"{where('fail-on')}: must be a string, not {toml_type(fail_on)}")
    try:
        fail_on = parse_fail_on(fail_on)
    except ConfigError as err:
        raise ConfigError(f"{where.place('fail-on')}: {err}") from None
    fold = table.get("fold", True)
    if not isinstance(fold, bool):
        raise ConfigError(f"{where('fold')}: must be true or false, not {toml_type(fold)}")
    return LintConfig(
        source=source,
        disable=_rule_ids(_strings(table, "disable", where), where("disable"), known),
        enable=_rule_ids(_strings(table, "enable", where), where("enable"), known),
        severity=severity,
        fail_on=fail_on,
        exclude=tuple(_strings(table, "exclude", where)),
        trusted_accounts=frozenset(_strings(table, "trusted-accounts", where)),
        trusted_orgs=frozenset(_strings(table, "trusted-orgs", where)),
        sensitive_actions=frozenset(_strings(table, "sensitive-actions", where)),
        ignores=tuple(ignores),
        fold=fold,
    )


@dataclass(frozen=True, slots=True)
class _ConfigFile:
    """A configuration file read: its text and its lint table (None: it has none)."""

    text: str
    table: dict[str, Any] | None
    table_path: tuple[str, ...]


_LINT_PATHS = {
    "pyproject.toml": (("tool", "policysim", "lint"),),
    ".policysim.toml": (("lint",), ("tool", "policysim", "lint")),
}


_TOML_POSITION = re.compile(r"\(at line (?P<line>\d+), column (?P<column>\d+)\)")
"""Where tomllib says a syntax error is (its messages end with this)."""


def _read(path: Path, *, explicit: bool = False) -> _ConfigFile:
    """Read a configuration file and find its lint table, checking the type of every table on
    the way: `tool = "x"` is an error naming the file, line and key, not a crash.

    Read through `read_input` (`policysim.files`): a regular file within the input size
    limit; a pipe only when the user named it (`--config <(...)`, `explicit`).
    """
    try:
        data = read_input(path, allow_pipes=explicit)
    except OSError as err:
        raise ConfigError(f"{path}: {read_problem(err)}") from None
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
        parsed = tomllib.loads(text)
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: invalid TOML: not UTF-8 text ({err.reason})") from None
    except tomllib.TOMLDecodeError as err:
        message = str(err)
        at = _TOML_POSITION.search(message)
        if at is None:
            raise ConfigError(f"{path}: invalid TOML: {message}") from None
        problem = message[: at.start()].rstrip()
        raise ConfigError(f"{path}:{at['line']}:{at['column']}: invalid TOML: {problem}") from None
    except ValueError as err:  # tomllib's own limits, e.g. an integer of over 4,300 digits
        raise ConfigError(f"{path}: invalid TOML: {str(err).split(';')[0]}") from None
    found: _ConfigFile | None = None
    for keys in _LINT_PATHS.get(path.name, _LINT_PATHS[".policysim.toml"]):
        value: Any = parsed
        for depth, key in enumerate(keys):
            if key not in value:
                value = None
                break
            value = value[key]
            if not isinstance(value, dict):
                place = _Where(path, text, keys[:depth]).place(key)
                dotted = ".".join(keys[: depth + 1])
                raise ConfigError(f"{place}: {dotted}: must be a table, not {toml_type(value)}")
        if value is not None and found is None:
            found = _ConfigFile(text, value, keys)
    return found or _ConfigFile(text, None, ())


def search_directories(start: Path | None = None) -> list[Path]:
    """The directories a configuration is looked for in, nearest first.

    From `start` (default: the current directory) upwards, ending at the first of: the
    repository root (a directory with `.git`), the user's home directory, and the filesystem
    root. The search never steps into a parent on another filesystem (a mount boundary) nor
    into one that anyone may write to (`/tmp`): nobody else's file may configure the linter.
    """
    try:
        folder = (start or Path.cwd()).resolve()
    except OSError:  # the current directory was removed: there is nothing to search
        return []
    home = _home()
    out: list[Path] = []
    for directory in (folder, *folder.parents):
        out.append(directory)
        parent = directory.parent
        if (
            parent == directory
            or directory == home
            or _exists(directory / ".git")
            or not _same_filesystem(directory, parent)
            or _writable_by_anyone(parent)
        ):
            break
    return out


def _home() -> Path | None:
    try:
        return Path.home().resolve()
    except (RuntimeError, OSError):
        return None


def _exists(path: Path) -> bool:
    try:
        return path.exists() or path.is_symlink()
    except OSError:
        return False


def _same_filesystem(directory: Path, parent: Path) -> bool:
    try:
        return directory.stat().st_dev == parent.stat().st_dev
    except OSError:
        return False


def _writable_by_anyone(directory: Path) -> bool:
    try:
        return bool(directory.stat().st_mode & stat.S_IWOTH)
    except OSError:
        return True


def find_config(start: Path | None = None) -> Path | None:
    """The configuration file that applies from `start` (default: the current directory).

    The nearest `.policysim.toml`, or `pyproject.toml` with lint settings, in the directories
    of `search_directories`. Inside a repository a `pyproject.toml` without lint settings is
    passed over (a monorepo's sub-project still gets the repository's settings); outside one,
    the first directory holding either file is the project's root and the search ends there.
    """
    directories = search_directories(start)
    in_repository = bool(directories) and _exists(directories[-1] / ".git")
    for directory in directories:
        for name in CONFIG_FILES:
            candidate = directory / name
            if not _exists(candidate):
                continue
            if name == "pyproject.toml" and _read(candidate).table is None:
                if in_repository:
                    continue
                return None
            return candidate
    return None


def load_config(path: Path | None = None, known: set[str] | None = None) -> LintConfig:
    """The configuration from `path` (named by the user), or found from the current
    directory (`find_config`), or the defaults."""
    explicit = path is not None
    if path is None:
        path = find_config()
        if path is None:
            return LintConfig()
    elif not _exists(path):
        raise ConfigError(f"{path}: no such configuration file")
    found = _read(path, explicit=explicit)
    if found.table is None:
        return LintConfig(source=path)
    return from_table(found.table, path, known, text=found.text, table_path=found.table_path)
