"""who-can over an organization, one account per task, on any executor.

Each task answers for the principals of one account, against the whole snapshot (a
cross-account request needs the resource's account, its RCPs and the caller's SCP chain). The
outsiders the resource policy names are found once, here. The accounts' answers are merged in
the snapshot's account order, so the report is the same as the serial `who_can`, whichever
executor ran it and whatever order the tasks finished in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from policysim.account.resolve import Resolver
from policysim.account.who_can import WhoCanReport, who_can
from policysim.org.executors import Executor, Outcome, SerialExecutor


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
) -> OrgWhoCan:
    """who-can over every account of the snapshot, one task per account on `executor`
    (default: serial). `on_done` sees each account's outcome as it arrives (progress)."""
    job = WhoCanJob(resolver, action, resource, dict(context or {}), show_denied)
    order = list(resolver.snapshot.accounts)
    base = who_can(resolver, action, resource, job.context, show_denied=show_denied, accounts=())
    outcomes: list[Outcome[WhoCanReport]] = []
    for outcome in (executor or SerialExecutor()).run(answer_account, job, order):
        outcomes.append(outcome)
        if on_done is not None:
            on_done(outcome)
    return merge(base, outcomes, order)
