"""`--workers N` and `--dask ADDRESS` for account commands: which executor runs the accounts,
the progress bar on a terminal, and the error rows of accounts that could not be answered."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from policysim.cli.app import fail, say

if TYPE_CHECKING:
    from policysim.account.resolve import Resolver
    from policysim.engine.options import EvaluationOptions
    from policysim.org import AccountFailure, Executor, OrgWhoCan

WorkersOpt = Annotated[
    int | None,
    typer.Option(
        "--workers",
        min=1,
        help="Answer the accounts on N local processes; each reads only its accounts' files.",
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
    """who-can over a loaded snapshot, a batch of accounts per task on `executor`, with a
    progress bar on a terminal."""
    from policysim.org import who_can_org

    total = len(resolver.snapshot.accounts)
    return _with_progress(
        total,
        lambda on_done, _on_planned: who_can_org(
            resolver,
            action,
            resource,
            context,
            show_denied=show_denied,
            executor=executor,
            on_done=on_done,
        ),
    )


def run_who_can_files(
    paths: list[Path],
    executor: Executor,
    action: str,
    resource: str,
    context: Mapping[str, str | list[str]],
    *,
    show_denied: bool,
    options: EvaluationOptions,
    now: datetime | None,
    region: str | None,
) -> OrgWhoCan:
    """who-can over account files, each worker reading only its accounts' files
    (`who_can_files`), with a progress bar on a terminal."""
    from policysim.org import who_can_files

    return _with_progress(
        None,
        lambda on_done, on_planned: who_can_files(
            paths,
            action,
            resource,
            context,
            show_denied=show_denied,
            options=options,
            now=now,
            region=region,
            executor=executor,
            on_done=on_done,
            on_planned=on_planned,
        ),
    )


Hook = Callable[[Any], None]


def _with_progress(
    total: int | None, run: Callable[[Hook | None, Hook | None], OrgWhoCan]
) -> OrgWhoCan:
    """`run(on_done, on_planned)` with a progress bar of accounts on a terminal (`total`: the
    accounts, when known before the run; else the run says it through `on_planned`)."""
    from policysim.org import ExecutorError

    show = sys.stderr.isatty() and (total is None or total >= PROGRESS_FROM)
    try:
        if not show:
            return run(None, None)
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
            return run(
                lambda _outcome: bar.advance(task),
                lambda planned: bar.update(task, total=planned),
            )
    except ExecutorError as err:
        fail(str(err))


def report_failures(failures: list[AccountFailure]) -> None:
    """One line on stderr per account that could not be answered."""
    for failure in failures:
        if failure.account:
            say(f"policysim: error: account {failure.account}: {failure.message}", err=True)
        else:  # a file that could not be read: its message names it
            say(f"policysim: error: {failure.message}", err=True)
