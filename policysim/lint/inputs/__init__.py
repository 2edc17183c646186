"""Inputs of `policysim lint`: policy files (JSON or YAML), directories, standard input,
CloudFormation templates, Terraform plan JSON and policysim's account files (compact YAML,
snapshots, authorization details), each turned into the policy documents it holds.

A file that cannot be read or parsed is one PS001/PS002 finding, never an exception.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from policysim.files import (
    RAISE_HINT,
    format_size,
    is_within,
    max_file_bytes,
    read_input,
    read_problem,
)
from policysim.lint.finding import Finding, Severity
from policysim.lint.inputs.account_files import (
    account_format,
    load_account_bytes,
    load_account_file,
)
from policysim.lint.inputs.cloudformation import is_template, load_template
from policysim.lint.inputs.intrinsics import parse_tagged_yaml
from policysim.lint.inputs.target import LintTarget, Loaded
from policysim.lint.inputs.terraform import is_plan, load_plan
from policysim.lint.policy_type import PolicyKind
from policysim.lint.runner import PARSE_ERROR, parse_error_finding
from policysim.policy.errors import PolicyError
from policysim.policy.source import (
    MAX_SOURCE_BYTES,
    decode_source,
    looks_like_yaml,
    parse_json_source,
    strict_loads,
)

__all__ = ["LintTarget", "Loaded", "discover", "load_bytes", "load_path"]

LINTED_SUFFIXES = (".json", ".yaml", ".yml", ".template")
"""Files a directory walk looks at."""
SKIPPED_DIRS = frozenset(
    {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".terraform", ".tox"}
)
STDIN = "<stdin>"


def _file_finding(message: str, file: str) -> Finding:
    return Finding(PARSE_ERROR, Severity.ERROR, message, file)


def _mentions_policy(data: bytes) -> bool:
    """Whether an unparseable file looks meant as a policy or template (else a walk skips it)."""
    return any(word in data for word in (b"Statement", b"AWSTemplateFormatVersion", b"AWS::"))


def _plan_prefix(data: bytes) -> bool:
    head = data[:4096].lstrip()
    return head.startswith(b"{") and b'"terraform_version"' in head


def load_bytes(
    data: bytes,
    file: str,
    *,
    kind: PolicyKind | None = None,
    service: str | None = None,
    discovered: bool = False,
) -> Loaded:
    """The policy documents of one input's contents.

    `discovered` files (found by walking a directory, or named with --skip-non-policies) that are
    neither a policy, a template, a plan nor an account file are skipped rather than reported;
    so are binary and unparseable ones that do not mention a Statement or CloudFormation.
    """
    if len(data) > MAX_SOURCE_BYTES and _plan_prefix(data) and len(data) <= max_file_bytes():
        try:
            plain = strict_loads(data.decode("utf-8").removeprefix("\ufeff"))
        except ValueError as err:  # a plan too large for the located parser: say why, unlocated
            return Loaded([], [_file_finding(f"invalid JSON: {err}", file)])
        if is_plan(plain):
            assert isinstance(plain, dict)
            return load_plan(plain, file)
    account = load_account_bytes(data, file)
    if account is not None:
        return account
    if b"\x00" in data[:8192]:
        if discovered:
            return Loaded(source="skipped")
        return Loaded([], [_file_finding("binary file (contains NUL bytes), not a policy", file)])
    json_text: str | None = None
    try:
        text = decode_source(data, file)
        if looks_like_yaml(text, file):
            root = parse_tagged_yaml(text, file)
        else:
            if _plan_prefix(data):
                try:
                    plain = strict_loads(text)
                except ValueError:  # the located parser below says where
                    plain = None
                if is_plan(plain):
                    assert isinstance(plain, dict)
                    return load_plan(plain, file)
            root = parse_json_source(text, file)
            json_text = text
    except PolicyError as err:
        if discovered and not _mentions_policy(data):
            return Loaded(source="skipped")
        return Loaded([], [parse_error_finding(err, file)])
    except RecursionError:
        return Loaded([], [_file_finding("nesting too deep to parse", file)])
    account_kind = None if is_template(root) else account_format(root)
    if account_kind is not None:
        loaded = load_account_file(root, file, account_kind)
    elif is_template(root):
        loaded = load_template(root, file)
    elif discovered and not (root.kind == "object" and "Statement" in root.value):
        return Loaded(source="skipped")
    else:
        loaded = Loaded([LintTarget(file, root, kind, service, text=json_text)])
    if "policysim:" in text:
        loaded.line_ignores = comment_ignores(text)
    return loaded


_COMMENT = re.compile(r"#\s*policysim:\s*ignore\s*\[([^\]]*)\]", re.IGNORECASE)


def comment_ignores(text: str) -> dict[int, frozenset[str]]:
    """YAML comments `# policysim: ignore[PS203, PS401]`, by line number."""
    out: dict[int, frozenset[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if "#" not in line:
            continue
        match = _COMMENT.search(line)
        if match:
            rules = {r.strip().upper() for r in match.group(1).split(",") if r.strip()}
            out[number] = frozenset(rules)
    return out


def load_path(
    path: str,
    *,
    kind: PolicyKind | None = None,
    service: str | None = None,
    discovered: bool = False,
) -> Loaded:
    """Read and load one file ('-' is standard input)."""
    if path == "-":
        import sys

        limit = max_file_bytes()
        data = sys.stdin.buffer.read(limit + 1)
        if len(data) > limit:
            too_large = f"larger than {format_size(limit)}; {RAISE_HINT}"
            return Loaded([], [_file_finding(too_large, STDIN)])
        return load_bytes(data, STDIN, kind=kind, service=service)
    try:
        data = read_input(path)
    except OSError as err:
        return Loaded([], [_file_finding(read_problem(err), path)])
    return load_bytes(data, path, kind=kind, service=service, discovered=discovered)


def discover(
    paths: Iterable[str], excluded: Iterable[str] = (), notes: list[str] | None = None
) -> Iterator[tuple[str, bool]]:
    """Files to lint, each with whether it was found by walking a directory. Named files are
    always linted; a directory contributes its .json/.yaml/.yml/.template files, recursively,
    outside hidden and tool directories and outside `excluded` globs.

    A symbolic link that leads out of the tree being linted (a walked directory, or the
    working directory for a named file) is skipped with a note in `notes`: a repository must
    not get policysim to read and quote `/etc/shadow` through `policies/x.yaml -> /etc/shadow`.
    Linked directories are not followed at all (as `os.walk` does by default).
    """
    from fnmatch import fnmatch

    patterns = list(excluded)

    def skipped(candidate: str) -> bool:
        posix = Path(candidate).as_posix()
        return any(fnmatch(posix, p) or fnmatch(posix, f"*/{p}") for p in patterns)

    def escapes(candidate: str, root: str) -> bool:
        if os.path.islink(candidate) and not is_within(candidate, root):
            if notes is not None:
                notes.append(
                    f"{candidate}: skipped, a symbolic link to {os.path.realpath(candidate)},"
                    f" outside {root}"
                )
            return True
        return False

    for path in paths:
        if path != "-" and os.path.isdir(path):
            for folder, dirs, files in os.walk(path):
                dirs[:] = sorted(
                    d
                    for d in dirs
                    if d not in SKIPPED_DIRS
                    and not d.startswith(".")
                    and not skipped(os.path.join(folder, d))
                )
                for name in sorted(files):
                    full = os.path.normpath(os.path.join(folder, name))
                    if (
                        name.lower().endswith(LINTED_SUFFIXES)
                        and not skipped(full)
                        and not escapes(full, path)
                    ):
                        yield full, True
        elif path == "-" or not escapes(path, os.curdir):
            yield path, False
