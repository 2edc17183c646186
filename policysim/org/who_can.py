"""who-can over an organization, a batch of accounts per task, on any executor.

Each task answers, account by account, for the principals of a batch of accounts, against the
whole snapshot (a cross-account request needs the resource's account, its RCPs and the caller's
SCP chain). The outsiders the resource policy names are found once, here. The accounts' answers
are merged in the snapshot's account order, so the report is the same as the serial `who_can`,
whichever executor ran it and whatever order the tasks finished in.

Why batches: an account of a hundred roles is answered in milliseconds, while a task costs a
round trip to a worker (and, on Dask, the scheduler's bookkeeping); one task per account made a
Dask run of 300 accounts several times slower than serial. Every executor runs the same batch
task, a few batches per worker (`batches_for`), so the work still balances and progress still
moves; inside a batch each account keeps its own outcome, so a failing account is still one
error row and the answers are the same whatever the batching.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from policysim.account.resolve import Resolver
from policysim.account.who_can import WhoCanReport, who_can
from policysim.org.executors import Executor, Outcome, SerialExecutor, attempt

BATCHES_PER_WORKER = 4
"""Batches per worker: few enough that task overhead vanishes, enough to balance the load."""

BATCH_SEPARATOR = ","
"""Joins the account ids of a batch into the executors' string key (ids are digits)."""


@dataclass(slots=True)
class WhoCanJob:
    """What every task reads: the resolver (its snapshot and options) and the question.

    Pickled once per worker; each worker then keeps one resolver for all its accounts, so that
    policies shared across accounts are compiled once per worker."""

    resolver: Resolver
    action: str
    resource: str
    context: Mapping[str, str | list[str]] = field(default_factory=dict)
    show_denied: bool = False

    def __getstate__(self) -> dict[str, Any]:
        # A fresh resolver travels: caches of compiled policies stay where they were made.
        fresh = dataclasses.replace(self.resolver, _named={})
        return {
            "resolver": fresh,
            "action": self.action,
            "resource": self.resource,
            "context": dict(self.context),
            "show_denied": self.show_denied,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)


def answer_account(job: WhoCanJob, account_id: str) -> WhoCanReport:
    """The task: who-can for the principals of one account (no outsiders)."""
    return who_can(
        job.resolver,
        job.action,
        job.resource,
        job.context,
        show_denied=job.show_denied,
        accounts={account_id},
        external=False,
    )


def answer_batch(job: WhoCanJob, batch: str) -> list[Outcome[WhoCanReport]]:
    """The task every executor runs: each account of the batch (ids joined by
    `BATCH_SEPARATOR`) answered on its own, a failure staying that account's outcome."""
    return [attempt(answer_account, job, key) for key in batch.split(BATCH_SEPARATOR)]


def batches_for(executor: Executor, accounts: int) -> int:
    """How many batches to cut `accounts` into for `executor`: a few per worker."""
    workers = getattr(executor, "workers", 1)
    return max(1, min(accounts, BATCHES_PER_WORKER * max(1, int(workers))))


def make_batches(order: list[str], count: int) -> list[str]:
    """`order` dealt round-robin into `count` batch keys (no empty batch): neighbouring
    accounts, often alike in size, land in different batches."""
    return [BATCH_SEPARATOR.join(order[i::count]) for i in range(min(count, len(order)))]


def unbatch(outcome: Outcome[list[Outcome[WhoCanReport]]]) -> list[Outcome[WhoCanReport]]:
    """A batch's outcome as its accounts' outcomes; a batch that failed as a whole (a worker
    lost too often, a result that would not travel) fails each of its accounts."""
    if outcome.value is not None:
        return outcome.value
    accounts = outcome.key.split(BATCH_SEPARATOR)
    return [Outcome(key, error=outcome.error or "no answer came back") for key in accounts]


@dataclass(frozen=True, slots=True)
class AccountFailure:
    """An account whose task failed: the other accounts are still answered."""

    account: str
    message: str

    def to_json(self) -> dict[str, str]:
        """JSON for scripts."""
        return {"account": self.account, "error": self.message}


@dataclass(slots=True)
class OrgWhoCan:
    """The merged report, and the accounts that could not be answered."""

    report: WhoCanReport
    failures: list[AccountFailure] = field(default_factory=list)


def merge(
    base: WhoCanReport, outcomes: Iterable[Outcome[WhoCanReport]], order: list[str]
) -> OrgWhoCan:
    """Put the accounts' answers after `base` (the outsiders) in `order`."""
    by_account = {o.key: o for o in outcomes}
    merged = OrgWhoCan(base)
    report = merged.report
    for account_id in order:
        outcome = by_account.get(account_id)
        if outcome is None or outcome.value is None:
            message = outcome.error if outcome and outcome.error else "no answer came back"
            merged.failures.append(AccountFailure(account_id, message))
            continue
        part = outcome.value
        report.checked += part.checked
        report.allowed.extend(part.allowed)
        report.allowed_if.extend(part.allowed_if)
        if report.denied is not None and part.denied is not None:
            report.denied.extend(part.denied)
    return merged


def who_can_org(
    resolver: Resolver,
    action: str,
    resource: str = "*",
    context: Mapping[str, str | list[str]] | None = None,
    *,
    show_denied: bool = False,
    executor: Executor | None = None,
    on_done: Callable[[Outcome[WhoCanReport]], None] | None = None,
    batches: int | None = None,
) -> OrgWhoCan:
    """who-can over every account of the snapshot, in `batches` tasks (default: a few per
    worker of `executor`, itself serial by default). `on_done` sees each account's outcome as
    its batch arrives (progress)."""
    job = WhoCanJob(resolver, action, resource, dict(context or {}), show_denied)
    order = list(resolver.snapshot.accounts)
    base = who_can(resolver, action, resource, job.context, show_denied=show_denied, accounts=())
    runner = executor or SerialExecutor()
    keys = make_batches(order, batches or batches_for(runner, len(order)))
    outcomes: list[Outcome[WhoCanReport]] = []
    for batch in runner.run(answer_batch, job, keys):
        for outcome in unbatch(batch):
            outcomes.append(outcome)
            if on_done is not None:
                on_done(outcome)
    return merge(base, outcomes, order)
