"""`--workers N` and `--dask ADDRESS` for account commands: which executor runs the accounts,
the progress bar on a terminal, and the error rows of accounts that could not be answered."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated

import typer

from policysim.cli.app import fail, say

if TYPE_CHECKING:
    from policysim.account.resolve import Resolver
    from policysim.org import AccountFailure, Executor, OrgWhoCan

WorkersOpt = Annotated[
    int | None,
    typer.Option(
        "--workers",
        min=1,
        help="Answer the accounts on N local processes (one task per account).",
    ),
]
DaskOpt = Annotated[
    str | None,
    typer.Option(
        "--dask",
        metavar="local|tcp://HOST:PORT",
        help="Answer the accounts on Dask: 'local' starts a local cluster (--workers processes,"
        " default 2), tcp://HOST:PORT uses a running scheduler. Needs policysim[org].",
    ),
]

PROGRESS_FROM = 8
"""Show a progress bar from this many accounts on (fewer finish before it would draw)."""


def choose_executor(workers: int | None, dask: str | None) -> Executor | None:
    """The executor the options ask for; None: the plain serial path."""
    from policysim.org import DaskExecutor, ProcessExecutor

    if dask is not None:
        if dask != "local" and not dask.startswith("tcp://"):
            fail(f"--dask takes 'local' or tcp://HOST:PORT, not {dask!r}")
        return DaskExecutor(dask, workers=workers or 2)
    if workers is not None:
        return ProcessExecutor(workers)
    return None


def run_who_can(
    resolver: Resolver,
    executor: Executor,
    action: str,
    resource: str,
    context: Mapping[str, str | list[str]],
    *,
    show_denied: bool,
) -> OrgWhoCan:
    """who-can, one task per account on `executor`, with a progress bar on a terminal."""
    from policysim.org import ExecutorError, who_can_org

    total = len(resolver.snapshot.accounts)
    show = sys.stderr.isatty() and total >= PROGRESS_FROM
    try:
        if not show:
            return who_can_org(
                resolver, action, resource, context, show_denied=show_denied, executor=executor
            )
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        with Progress(
            TextColumn("accounts"),
            BarColumn(),
            MofNCompleteColumn(),
            console=Console(stderr=True),
            transient=True,
        ) as bar:
            task = bar.add_task("accounts", total=total)
            return who_can_org(
                resolver,
                action,
                resource,
                context,
                show_denied=show_denied,
                executor=executor,
                on_done=lambda _outcome: bar.advance(task),
            )
    except ExecutorError as err:
        fail(str(err))


def report_failures(failures: list[AccountFailure]) -> None:
    """One line on stderr per account that could not be answered."""
    for failure in failures:
        say(f"policysim: error: account {failure.account}: {failure.message}", err=True)
