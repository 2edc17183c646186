"""Open an account snapshot for the commands: find the file, load it, wire AWS managed policies,
and settle the region requests are sent to."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from policysim.account.errors import AccountError, did_you_mean
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


REGION_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION")
"""Where the AWS CLI and SDKs look for the region when none is given, in this order."""


def choose_region(given: str | None, environ: Mapping[str, str] | None = None) -> str | None:
    """The region requests are sent to: `given` (`--region`), else `AWS_REGION`, else
    `AWS_DEFAULT_REGION`, as the AWS CLI picks it; None when none is set.

    An unknown region code is an `AccountError` naming where it came from, with the nearest
    codes: a typo would otherwise silently change every region condition's answer.
    """
    env = os.environ if environ is None else environ
    source, region = "--region", given
    if region is None:
        for variable in REGION_VARIABLES:
            if env.get(variable):
                source, region = variable, env[variable]
                break
    if region is None:
        return None
    from policysim.catalog.regions import is_known_region, known_regions

    if not is_known_region(region):
        raise AccountError(
            f"{source} {region!r} is not an AWS region" + did_you_mean(region, known_regions())
        )
    return region


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
    path: Path | Sequence[Path] | None,
    *,
    options: EvaluationOptions = DEFAULT_OPTIONS,
    now: datetime | None = None,
    include: list[str] | None = None,
    exclude: list[str] | None = None,
    region: str | None = None,
) -> Resolver:
    """Load the account file and return a resolver over it; `region` is already chosen
    (`choose_region`). The load's warnings are on `resolver.snapshot.warnings`.

    `path` may be several files and directories of them, read as one organization
    (`load_accounts`); none (None or empty) means the default file of this directory."""
    from policysim.account.loaders import load_accounts, load_snapshot

    if path is None or (not isinstance(path, Path) and not path):
        snapshot = load_snapshot(locate_account_file(None))
    else:
        snapshot = load_accounts(path)
    return Resolver(
        snapshot,
        options=options,
        now=now,
        policy_filter=PolicyFilter(frozenset(include or ()), frozenset(exclude or ())),
        managed_lookup=aws_managed,
        region=region,
    )
