"""Open an account snapshot for the commands: find the file, load it, wire AWS managed policies."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from policysim.account.errors import AccountError
from policysim.account.model import ManagedPolicy
from policysim.account.resolve import PolicyFilter, Resolver
from policysim.engine.options import DEFAULT_OPTIONS, EvaluationOptions

DEFAULT_FILES = ("policysim.yaml", "policysim.yml", "policysim.json")
"""Looked for in the current directory when no `--account` is given."""


def locate_account_file(given: Path | None, cwd: Path | None = None) -> Path:
    """The account file to use: the given one, else a default file in the current directory."""
    if given is not None:
        return given
    here = cwd or Path.cwd()
    for name in DEFAULT_FILES:
        candidate = here / name
        if candidate.is_file():
            return candidate
    raise AccountError(
        "no account given: pass --account FILE (a policysim YAML account, a policysim snapshot,"
        " or the JSON of `aws iam get-account-authorization-details`), or put policysim.yaml in"
        " this directory; `policysim fetch` writes a snapshot of a real account"
    )


def aws_managed(arn: str) -> ManagedPolicy | None:
    """An AWS managed policy from the bundled offline snapshot, as an account model."""
    from policysim.account.managed import aws_managed_policy

    found = aws_managed_policy(arn)
    if found is None:
        return None
    return ManagedPolicy(
        arn=found.arn or arn, name=found.name, path=found.path or "/", document=found.policy
    )


def open_resolver(
    path: Path | None,
    *,
    options: EvaluationOptions = DEFAULT_OPTIONS,
    now: datetime | None = None,
    include: list[str] | None = None,
    exclude: list[str] | None = None,
) -> Resolver:
    """Load the account file and return a resolver over it."""
    from policysim.account.loaders import load_snapshot

    snapshot = load_snapshot(locate_account_file(path))
    return Resolver(
        snapshot,
        options=options,
        now=now,
        policy_filter=PolicyFilter(frozenset(include or ()), frozenset(exclude or ())),
        managed_lookup=aws_managed,
    )
