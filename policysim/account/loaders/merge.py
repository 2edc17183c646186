"""Read several account files, or a directory of them, as one organization.

`policysim fetch --org` writes one snapshot per account plus the organization into a directory;
people also keep one hand-written file per account. Each file is read by `load_snapshot` on its
own (so every policy keeps its own file for `file:line:col`), then the accounts are put together:

* a directory contributes its `*.json`, `*.yaml` and `*.yml` files, sorted by name; it is not
  searched recursively (subdirectories are left alone) and dot-files are skipped, so state a tool
  keeps beside the snapshots (`.fetch-state.json`) is never read as an account;
* every file read must be an account file: one that is not fails the whole load, naming it
  (answering for part of an organization without saying so would be wrong);
* accounts are kept in order of their ids, whatever the order of the files;
* an account id may appear in one file only; the organization (SCPs, RCPs, OUs) in one file only,
  which may hold nothing else (an organization-only snapshot, as `fetch --org` writes);
* the accounts `fetch --org` could not read (`metadata.account_errors` of `organization.json`)
  become `Snapshot.unreadable`, for every command to say that its answer leaves them out; one
  that has a file all the same (read by an earlier run; the last run, with `--refresh`, could
  not read it again) is answered from that file, with a warning that the file is older.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from policysim.account.errors import AccountError
from policysim.account.model import (
    Account,
    LoadWarning,
    Organization,
    Snapshot,
    UnreadableAccount,
)

ACCOUNT_SUFFIXES = (".json", ".yaml", ".yml")
"""The files of a directory that are read as account files."""

MERGED_FORMAT = "merged"
"""`Snapshot.metadata["format"]` of a snapshot put together from several files."""


def account_files(directory: Path) -> list[Path]:
    """The account files of a directory: `*.json`/`*.yaml`/`*.yml` (any case), not dot-files,
    not in subdirectories, sorted by name so that every run reads them in the same order."""
    try:
        entries = sorted(directory.iterdir(), key=lambda p: p.name)
    except OSError as err:
        raise AccountError(f"{directory}: cannot list the directory ({err.strerror})") from None
    return [
        entry
        for entry in entries
        if not entry.name.startswith(".")
        and entry.name.lower().endswith(ACCOUNT_SUFFIXES)
        and not entry.is_dir()
    ]


def expand_account_paths(paths: Iterable[Path]) -> list[tuple[Path, bool]]:
    """Each file to read with whether the user named it (a named pipe is read only then);
    a directory becomes its account files, and a file named twice is read once."""
    out: list[tuple[Path, bool]] = []
    seen: set[str] = set()
    for path in paths:
        if path.is_dir():
            found = account_files(path)
            if not found:
                raise AccountError(
                    f"{path}: the directory holds no account files"
                    f" ({', '.join('*' + s for s in ACCOUNT_SUFFIXES)})"
                )
            members = [(f, False) for f in found]
        else:
            members = [(path, True)]
        for file, named in members:
            key = os.path.realpath(file)
            if key not in seen:
                seen.add(key)
                out.append((file, named))
    return out


def load_accounts(paths: Path | Sequence[Path]) -> Snapshot:
    """One snapshot from account files and directories of them (see the module docstring).

    A single file is read as it always was (`load_snapshot`), its `source` the file's name."""
    from policysim.account.loaders import load_snapshot

    given = [paths] if isinstance(paths, Path) else list(paths)
    if not given:
        raise AccountError("no account files given")
    files = expand_account_paths(given)
    if len(given) == 1 and not given[0].is_dir():
        return load_snapshot(files[0][0], allow_pipes=True)
    loaded = [(str(file), load_snapshot(file, allow_pipes=named)) for file, named in files]
    return merge_snapshots(loaded, source=describe_sources(given))


def describe_sources(paths: Sequence[Path]) -> str:
    """`Snapshot.source` of a merged load: the directory, or the files and directories given."""
    return ", ".join(str(p) for p in paths)


def merge_snapshots(loaded: Sequence[tuple[str, Snapshot]], *, source: str) -> Snapshot:
    """Put snapshots read from different files together; `loaded` pairs each with its file.

    The same account in two files, or an organization in two files, is an `AccountError` naming
    both files: which copy is right cannot be told."""
    accounts: dict[str, Account] = {}
    account_file: dict[str, str] = {}
    organization: Organization | None = None
    organization_file: str | None = None
    warnings: list[LoadWarning] = []
    seen_warnings: set[str] = set()
    account_errors: dict[str, object] = {}
    unreadable: dict[str, UnreadableAccount] = {}
    described: list[dict[str, object]] = []
    for file, snapshot in loaded:
        for entry in snapshot.unreadable:
            unreadable.setdefault(entry.account_id, entry)
        for account_id, account in snapshot.accounts.items():
            if account_id in accounts:
                raise AccountError(
                    f"account {account_id} is in both {account_file[account_id]} and {file};"
                    " each account belongs in one file"
                )
            accounts[account_id] = account
            account_file[account_id] = file
        if snapshot.organization is not None:
            if organization is not None:
                raise AccountError(
                    _two_organizations(organization, organization_file, snapshot, file)
                )
            organization, organization_file = snapshot.organization, file
        for warning in snapshot.warnings:
            text = str(warning)
            if text not in seen_warnings:
                seen_warnings.add(text)
                warnings.append(warning)
        errors = snapshot.metadata.get("account_errors")
        if isinstance(errors, dict):
            account_errors.update(errors)
        described.append(
            {
                "file": file,
                "format": snapshot.metadata.get("format"),
                "accounts": list(snapshot.accounts),
                "organization": snapshot.organization is not None,
            }
        )
    for account_id in sorted(unreadable.keys() & accounts.keys()):
        entry = unreadable.pop(account_id)
        warnings.append(
            LoadWarning(
                message=f"account {account_id}: the last fetch --org could not read it"
                f" ({entry.reason}); answering from {account_file[account_id]}, an earlier"
                " fetch",
                file=entry.file,
            )
        )
    return Snapshot(
        # By id: answers list accounts in this order, which must not depend on the order in
        # which files were named or a directory listed them.
        accounts=dict(sorted(accounts.items())),
        organization=organization,
        metadata={"format": MERGED_FORMAT, "files": described, "account_errors": account_errors},
        source=source,
        warnings=warnings,
        unreadable=[unreadable[a] for a in sorted(unreadable)],
    )


def _two_organizations(
    first: Organization, first_file: str | None, second: Snapshot, second_file: str
) -> str:
    other = second.organization
    assert other is not None
    if first.id != other.id:
        return (
            f"two organizations: {first.id or 'one without an id'} in {first_file} and"
            f" {other.id or 'one without an id'} in {second_file}; give one organization's files"
        )
    name = f"the organization {first.id}" if first.id else "the organization"
    return f"{name} is in both {first_file} and {second_file}; give it in one file"


# ---- a survey of the files, for runs whose workers read their own accounts ---------------------


@dataclass(frozen=True, slots=True)
class FileSurvey:
    """What one account file holds, as far as a run that spreads the files over workers needs
    to know before it starts: its accounts, whether it holds the organization, the ARNs of its
    resources. `snapshot` is the file read whole when it had to be (any format but a policysim
    JSON snapshot); `error` the one line that stopped it from being read."""

    file: str
    accounts: tuple[str, ...] = ()
    organization: bool = False
    resources: frozenset[str] = frozenset()
    snapshot: Snapshot | None = None
    error: str | None = None
    unread: bool = False
    """Whether the file records accounts `fetch --org` could not read (the run must say so)."""


def survey_files(
    paths: Path | Sequence[Path], *, load: Callable[[Path, bool], Snapshot] | None = None
) -> list[FileSurvey]:
    """Survey every account file of `paths` (files and directories, as `load_accounts` takes).

    A policysim JSON snapshot (what `fetch --org` writes) is only parsed as plain JSON: that is
    ~25 times cheaper than reading it whole, and enough to know its accounts, organization and
    resources. Any other file is read whole, by `load(path, named)` when given (a cache), else
    `load_snapshot`. A file that cannot be read is a survey with its error (the run answers for
    the others); a directory without account files, or nothing given, is an `AccountError`."""
    given = [paths] if isinstance(paths, Path) else list(paths)
    if not given:
        raise AccountError("no account files given")
    return [_survey(file, named, load) for file, named in expand_account_paths(given)]


def _survey(path: Path, named: bool, load: Callable[[Path, bool], Snapshot] | None) -> FileSurvey:
    from policysim.account.loaders import load_snapshot
    from policysim.account.loaders._common import decode_text, read_file
    from policysim.policy.errors import PolicyError

    name = str(path)
    try:
        if name.lower().endswith(".json"):
            data, _ = read_file(path, allow_pipes=named)
            peeked = _peek(decode_text(data, name), name)
            if peeked is not None:
                return peeked
        read = load or (lambda file, pipes: load_snapshot(file, allow_pipes=pipes))
        snapshot = read(path, named)
    except (PolicyError, AccountError) as err:
        return FileSurvey(name, error=str(err))
    resources = frozenset(arn for a in snapshot.accounts.values() for arn in a.resources)
    return FileSurvey(
        name,
        tuple(snapshot.accounts),
        snapshot.organization is not None,
        resources,
        snapshot=snapshot,
        unread=bool(snapshot.unreadable),
    )


def _peek(text: str, name: str) -> FileSurvey | None:
    """A policysim JSON snapshot's accounts, organization and resource ARNs from plain JSON;
    None when the text is anything else, or not shaped as expected (then it is read whole,
    which gives the exact error)."""
    from policysim.account.loaders.snapshot import VERSION_KEY

    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or VERSION_KEY not in data:
        return None
    entries = data.get("accounts") or []
    if not isinstance(entries, list):
        return None
    accounts: list[str] = []
    resources: set[str] = set()
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("account_id"), str):
            return None
        accounts.append(entry["account_id"])
        items = entry.get("resources") or []
        if not isinstance(items, list):
            return None
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("arn"), str):
                return None
            resources.add(item["arn"])
    if len(set(accounts)) != len(accounts):
        return None  # the loader names the account that appears twice
    metadata = data.get("metadata")
    return FileSurvey(
        name,
        tuple(accounts),
        data.get("organization") is not None,
        frozenset(resources),
        unread=isinstance(metadata, dict) and bool(metadata.get("account_errors")),
    )


def check_surveys(surveys: Sequence[FileSurvey]) -> None:
    """The same account in two files is an `AccountError` naming both, as `merge_snapshots`
    says it (the organization in two files is found when those files are read whole)."""
    first: dict[str, str] = {}
    for survey in surveys:
        for account_id in survey.accounts:
            if account_id in first:
                raise AccountError(
                    f"account {account_id} is in both {first[account_id]} and {survey.file};"
                    " each account belongs in one file"
                )
            first[account_id] = survey.file
