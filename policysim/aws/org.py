"""`policysim fetch --org`: a whole organization into a directory of snapshots.

From the management account (or a delegated administrator) the organization is walked: its
roots, OUs and accounts, with the SCPs and RCPs attached to each (`ACCOUNT_WORKERS` calls at a
time, as the accounts are fetched: `calls.bounded`, on clients that retry adaptively). That goes
into `organization.json`, an organization-only snapshot (no `accounts`). Then ROLE is assumed in
each account (`sts:AssumeRole`, read-only: it changes nothing in any account, it only hands back
short-lived credentials) and each account is fetched as `policysim fetch` fetches one, into
`<account id>.json`. The directory loads with `--account DIR` (account/loaders/merge.py).

An account that cannot be read (the role cannot be assumed, IAM cannot be read) is recorded
under `metadata.account_errors` of the organization file (loaded as `Snapshot.unreadable`, which
every account command reports) and the others are still fetched. A run is resumable: an account
whose file exists is skipped unless `refresh`; the files are written atomically, so an existing
file is a complete one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from policysim._version import __version__
from policysim.aws.calls import Progress, bounded, endpoint_metadata, pages
from policysim.aws.clients import ClientFactory
from policysim.aws.fetch import (
    SERVICES,
    FetchError,
    FetchOptions,
    aws_errors,
    caller_identity,
    describe_error,
    fetch_snapshot,
    open_factory,
    write_snapshot,
)
from policysim.aws.org_tree import Node, read_levels

ORGANIZATION_FILE = "organization.json"
"""The organization-only snapshot of a `fetch --org` directory."""

ACCOUNT_WORKERS = 4
"""Accounts fetched at once by default: each also reads its resources on several threads, and
IAM throttles `GetAccountAuthorizationDetails` per account and caller. The organization walk
makes as many Organizations calls at once (Organizations throttles per caller too)."""

SESSION_NAME = "policysim-fetch"
"""`RoleSessionName` of every assumed role: what CloudTrail shows in each member account."""


@dataclass
class OrgFetchOptions:
    """What `fetch --org` reads: `role_name` in every account, `options` as `fetch` for each."""

    role_name: str
    output: Path
    options: FetchOptions = field(default_factory=FetchOptions)
    refresh: bool = False
    account_workers: int = ACCOUNT_WORKERS


@dataclass
class OrgFetchResult:
    """The accounts fetched, skipped (already in the directory) and not read (id: error)."""

    fetched: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def account_file(directory: Path, account_id: str) -> Path:
    """Where the snapshot of `account_id` goes."""
    return directory / f"{account_id}.json"


def walk_organization(
    factory: ClientFactory, *, workers: int = 1, progress: Progress | None = None
) -> tuple[dict[str, Any], list[str]]:
    """The organization (as a snapshot's `organization`: every account's path from the root with
    its SCPs and RCPs) and the ids of its ACTIVE accounts, sorted.

    The tree is listed a depth at a time, the children of every parent at that depth side by
    side; then the policies of every node (`org_tree.read_levels`), `workers` calls at a time.
    Raises `FetchError` when the organization cannot be read: without it no account is known."""
    org = factory.client("organizations")
    try:
        described = org.describe_organization()["Organization"]
        statuses = {
            str(a["Id"]): str(a.get("Status", "ACTIVE"))
            for a in pages(org, "list_accounts", "Accounts")
        }
        nodes: list[Node] = []
        account_nodes: dict[str, list[int]] = {}  # account id: its path, as indexes in nodes
        frontier: list[tuple[dict[str, Any], list[int]]] = []
        for root in pages(org, "list_roots", "Roots"):
            nodes.append((root, "ROOT"))
            frontier.append((root, [len(nodes) - 1]))
        while frontier:
            children = bounded(frontier, lambda parent: _children(org, parent[0]), workers)
            below: list[tuple[dict[str, Any], list[int]]] = []
            for (_, above), (units, accounts) in zip(frontier, children, strict=True):
                for unit in units:
                    nodes.append((unit, "ORGANIZATIONAL_UNIT"))
                    below.append((unit, [*above, len(nodes) - 1]))
                for account in accounts:
                    nodes.append((account, "ACCOUNT"))
                    account_nodes[str(account["Id"])] = [*above, len(nodes) - 1]
            frontier = below
        levels, policies = read_levels(org, nodes, workers=workers, progress=progress)
    except aws_errors() as err:
        operation = getattr(err, "operation_name", None)
        where = f" ({operation})" if operation else ""
        raise FetchError(f"cannot read the organization{where}: {describe_error(err)}") from None
    organization = {
        "id": described.get("Id"),
        "management_account": described.get("MasterAccountId"),
        "policies": policies,
        "account_paths": {
            account_id: [levels[i] for i in path]
            for account_id, path in sorted(account_nodes.items())
        },
    }
    active = [a for a in account_nodes if statuses.get(a, "ACTIVE") == "ACTIVE"]
    return organization, sorted(active)


def _children(
    org: Any, parent: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The OUs and the accounts directly under a root or OU."""
    units = list(
        pages(
            org,
            "list_organizational_units_for_parent",
            "OrganizationalUnits",
            ParentId=parent["Id"],
        )
    )
    return units, list(pages(org, "list_accounts_for_parent", "Accounts", ParentId=parent["Id"]))


def assumed_factory(
    factory: ClientFactory, account_id: str, partition: str, role_name: str
) -> ClientFactory:
    """A client factory acting as `role_name` in `account_id` (credentials from AssumeRole)."""
    import boto3

    sts = factory.client("sts")
    answer = sts.assume_role(
        RoleArn=f"arn:{partition}:iam::{account_id}:role/{role_name}",
        RoleSessionName=SESSION_NAME,
    )
    credentials = answer["Credentials"]
    session = boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=factory.default_region,
    )
    return type(factory)(
        endpoint_url=factory.endpoint_url,
        region=factory.default_region,
        max_attempts=factory.max_attempts,
        session=session,
    )


def fetch_organization_directory(
    request: OrgFetchOptions,
    *,
    factory: ClientFactory | None = None,
    progress: Progress | None = None,
) -> OrgFetchResult:
    """Fetch the organization and every account into `request.output` (see the module).

    Raises `FetchError` when the caller or the organization cannot be read (nothing written)."""

    progress = progress or Progress()
    options = request.options
    factory = factory or open_factory(options)
    identity = caller_identity(factory, options.profile)
    partition = identity.get("Arn", "arn:aws:").split(":")[1] or "aws"
    started = datetime.now(UTC)
    workers = max(1, request.account_workers)
    organization, accounts = walk_organization(factory, workers=workers, progress=progress)
    try:
        request.output.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise FetchError(f"{request.output}: cannot create the directory: {err.strerror}") from None

    # Each account's file holds the account only: the organization is in one file.
    services = [s for s in options.services or SERVICES if s != "organizations"]
    member_options = FetchOptions(
        regions=options.regions, services=services, max_workers=options.max_workers
    )
    result = OrgFetchResult()
    lock = threading.Lock()
    todo = []
    for account_id in accounts:
        if not request.refresh and account_file(request.output, account_id).is_file():
            result.skipped.append(account_id)
        else:
            todo.append(account_id)
    bar = progress.start("accounts", len(todo))

    def one(account_id: str) -> None:
        try:
            member = assumed_factory(factory, account_id, partition, request.role_name)
            data = fetch_snapshot(member_options, factory=member)
            if data["accounts"][0]["account_id"] != account_id:
                raise FetchError(
                    f"the role answered as account {data['accounts'][0]['account_id']}"
                )
            write_snapshot(data, account_file(request.output, account_id))
        except FetchError as err:
            _failed(account_id, str(err))
        except aws_errors() as err:
            operation = getattr(err, "operation_name", None)
            _failed(
                account_id,
                f"{operation}: {describe_error(err)}" if operation else describe_error(err),
            )
        except OSError as err:
            _failed(
                account_id,
                f"cannot write {account_file(request.output, account_id)}: {err.strerror}",
            )
        else:
            with lock:
                result.fetched.append(account_id)
        finally:
            progress.advance(bar)

    def _failed(account_id: str, message: str) -> None:
        with lock:
            result.failed[account_id] = message

    try:
        bounded(todo, one, workers)
    finally:
        progress.finish(bar)
    result.fetched.sort()
    data = {
        "policysim_snapshot": 1,
        "generated_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "metadata": {
            "tool": "policysim fetch --org",
            "version": __version__,
            "finished_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "caller": identity,
            "profile": options.profile,
            "role_name": request.role_name,
            "accounts": accounts,
            "account_errors": dict(sorted(result.failed.items())),
            **endpoint_metadata(factory),
        },
        "accounts": [],
        "organization": organization,
    }
    try:
        write_snapshot(data, request.output / ORGANIZATION_FILE)
    except OSError as err:
        raise FetchError(
            f"{request.output / ORGANIZATION_FILE}: cannot write: {err.strerror}"
        ) from None
    return result
