"""`policysim fetch`: read an AWS account into a snapshot (registered on the app of `cli/app.py`).

Needs boto3 (the `aws` extra); it is imported only when the command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from policysim.cli.app import app, fail, print_error

if TYPE_CHECKING:
    from policysim.aws.calls import Progress

EXIT_IAM_NOT_READ = 3
"""IAM could not be read: no snapshot was written (an empty one would say "nobody" to every
question about principals)."""


def _services(values: list[str] | None) -> list[str] | None:
    from policysim.aws.fetch import SERVICES

    if not values:
        return None
    chosen: list[str] = []
    for value in values:
        for name in (part.strip().lower() for part in value.split(",")):
            if not name:
                continue
            if name not in SERVICES:
                fail(f"--services: unknown service {name!r}; choose from {', '.join(SERVICES)}")
            if name not in chosen:
                chosen.append(name)
    return chosen


def _rich_progress() -> tuple[Any, Progress]:
    """A rich progress bar on standard error, and the `Progress` feeding it."""
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn
    from rich.progress import Progress as RichProgress

    from policysim.aws.calls import Progress
    from policysim.text_safety import terminal_safe

    bar = RichProgress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        transient=True,
    )

    class _Bar(Progress):
        def start(self, label: str, total: int) -> object:
            # a label names a region or service read from AWS: shown as text, never as markup
            return bar.add_task(escape(terminal_safe(label)), total=total)

        def advance(self, task: object) -> None:
            bar.advance(task)  # type: ignore[arg-type]

        def finish(self, task: object) -> None:
            bar.remove_task(task)  # type: ignore[arg-type]

    return bar, _Bar()


@app.command(
    epilog=(
        "Examples:\n\n"
        "  policysim fetch --profile prod --region eu-west-1 --output prod.json\n\n"
        "  policysim fetch --services iam,s3\n\n"
        "  policysim fetch --org --role-name PolicysimRead --output org/\n\n"
        "Read-only: only the Get, List and Describe calls fetch needs are allowed; any other"
        " call is refused before it is sent. What cannot be read (AccessDenied, throttling"
        " that outlasts the retries, an answer that is not AWS's) is recorded in the snapshot"
        " and summarised. AWS_MAX_ATTEMPTS sets the attempts per call (default 10).\n\n"
        "Exit status: 0 snapshot written; 2 no credentials, expired credentials, no network"
        " or usage error; 3 IAM could not be read (no snapshot written). With --org: 2 also when"
        " an account could not be read (recorded in organization.json; the others are written)."
    )
)
def fetch(
    profile: Annotated[
        str | None, typer.Option(help="AWS profile (default: the default credential chain).")
    ] = None,
    region: Annotated[
        list[str] | None,
        typer.Option(
            "--region", help="Region to read (repeatable). Default: every enabled region."
        ),
    ] = None,
    services: Annotated[
        list[str] | None,
        typer.Option(
            "--services",
            help="Services to read, comma-separated or repeated: iam, s3, organizations, kms,"
            " sqs, sns, lambda, secretsmanager, ecr. Default: all.",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Snapshot file to write (default snapshot.json); with --org, the directory.",
        ),
    ] = None,
    endpoint_url: Annotated[
        str | None, typer.Option("--endpoint-url", hidden=True, help="Local AWS emulator.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or summary.")] = False,
    org: Annotated[
        bool,
        typer.Option(
            "--org",
            help="Read the whole organization (from the management account or a delegated"
            " administrator) into the directory --output: organization.json plus one"
            " ACCOUNT-ID.json per account, read as --role-name in each.",
        ),
    ] = False,
    role_name: Annotated[
        str | None,
        typer.Option("--role-name", help="With --org: the role to assume in every account."),
    ] = None,
    refresh: Annotated[
        bool,
        typer.Option("--refresh", help="With --org: fetch again accounts already in --output."),
    ] = False,
) -> None:
    """Read an AWS account (IAM, resource policies, organization) into a policysim snapshot."""
    import sys

    try:
        import boto3  # noqa: F401  (the optional `aws` extra; everything else works without it)
    except ImportError:
        fail(
            "policysim fetch needs boto3: run pip install '.[aws]' in the policysim checkout"
            " (or pip install boto3)"
        )
    from policysim.aws.clients import redact_url
    from policysim.aws.fetch import (
        FetchError,
        FetchOptions,
        IamNotReadError,
        fetch_snapshot,
        write_snapshot,
    )

    options = FetchOptions(
        profile=profile,
        regions=[r for value in region or [] for r in value.split(",") if r.strip()] or None,
        services=_services(services),
        endpoint_url=endpoint_url,
    )
    show = not quiet and sys.stderr.isatty()
    if org or role_name or refresh:
        _fetch_org(options, org, role_name, refresh, output, quiet=quiet, show=show)
        return
    output = output or Path("snapshot.json")
    try:
        if show:
            bar, progress = _rich_progress()
            with bar:
                data = fetch_snapshot(options, progress=progress)
        else:
            data = fetch_snapshot(options)
    except IamNotReadError as err:
        print_error(redact_url(str(err)), code=EXIT_IAM_NOT_READ)
        raise typer.Exit(EXIT_IAM_NOT_READ) from None
    except FetchError as err:
        fail(redact_url(str(err)))
    try:
        write_snapshot(data, output)
    except OSError as err:
        fail(f"{output}: cannot write: {err.strerror or err}")
    if not quiet:
        _summary(data, output)


def _summary(data: dict[str, Any], output: Path) -> None:
    from collections import Counter

    from policysim.aws.fetch import one_line

    for account in data["accounts"]:
        details = account.get("authorization_details") or {}
        counts = ", ".join(
            f"{len(details.get(key) or [])} {label}"
            for key, label in (
                ("UserDetailList", "users"),
                ("RoleDetailList", "roles"),
                ("GroupDetailList", "groups"),
                ("Policies", "policies"),
            )
        )
        errors = account.get("errors") or []
        typer.echo(
            f"wrote {one_line(str(output))}: account {one_line(str(account['account_id']))}:"
            f" {counts},"
            f" {len(account.get('resources') or [])} resources, {len(errors)} not read",
            err=True,
        )
        by_kind = Counter(
            (e.get("service"), e.get("operation"), (e.get("error") or "").split(":")[0])
            for e in errors
        )
        for (service, operation, code), count in sorted(by_kind.items(), key=str):
            line = one_line(f"not read: {service} {operation}: {code} (x{count})")
            typer.echo(f"  {line}", err=True)


def _fetch_org(
    options: Any,
    org: bool,
    role_name: str | None,
    refresh: bool,
    output: Path | None,
    *,
    quiet: bool,
    show: bool,
) -> None:
    """`fetch --org`: exit 2 when an account could not be read (the others are written)."""
    from policysim.aws.clients import redact_url
    from policysim.aws.fetch import FetchError, one_line
    from policysim.aws.org import ORGANIZATION_FILE, OrgFetchOptions, fetch_organization_directory

    if not org:
        fail("--role-name and --refresh go with --org")
    if not role_name or not role_name.strip("/ "):
        fail("--org needs --role-name ROLE: the name of the role to assume in every account")
    if output is None:
        fail("--org needs --output DIR: the directory of the account snapshots")
    if output.exists() and not output.is_dir():
        fail(f"{output}: with --org, --output is a directory, and this is a file")
    request = OrgFetchOptions(
        role_name=role_name.strip("/"), output=output, options=options, refresh=refresh
    )
    try:
        if show:
            bar, progress = _rich_progress()
            with bar:
                result = fetch_organization_directory(request, progress=progress)
        else:
            result = fetch_organization_directory(request)
    except FetchError as err:
        fail(redact_url(str(err)))
    if not quiet:
        typer.echo(
            f"wrote {one_line(str(output / ORGANIZATION_FILE))}: {len(result.fetched)} accounts"
            f" fetched, {len(result.skipped)} already there (--refresh to fetch them again),"
            f" {len(result.failed)} not read",
            err=True,
        )
        for account_id, error in sorted(result.failed.items()):
            typer.echo(f"  not read: account {account_id}: {one_line(error)}", err=True)
    if result.failed:
        raise typer.Exit(2)
