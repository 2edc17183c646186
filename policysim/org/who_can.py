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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from policysim.account.errors import AccountError
from policysim.account.loaders.merge import FileSurvey, check_surveys, merge_snapshots, survey_files
from policysim.account.model import Account, Snapshot, UnreadableAccount
from policysim.account.resolve import Resolver, governing_arns
from policysim.account.who_can import WhoCanReport, external_grants, who_can
from policysim.account.workspace import aws_managed
from policysim.engine.options import DEFAULT_OPTIONS, EvaluationOptions
from policysim.files import max_file_bytes, set_max_file_bytes
from policysim.gcpause import paused_gc
from policysim.org.executors import Executor, Outcome, SerialExecutor, attempt
from policysim.org.files import FILES
from policysim.policy.arn import parse_arn

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

    def resolver_for(self, account_id: str) -> Resolver:
        """The resolver that answers for `account_id`: the one of the whole snapshot."""
        return self.resolver


@dataclass(slots=True)
class FilesJob:
    """What every task reads when workers read their own accounts: the question, the file of
    each account, the organization's file, and the resource side (`side`: the resource's
    account reduced to what decides the resource's side: the resource's entry, or the role of
    a trust question, and the account's S3 Block Public Access). A few kilobytes, whatever the
    size of the organization: each worker reads the files of the accounts it answers and keeps
    them (`policysim.org.files`)."""

    action: str
    resource: str
    files: dict[str, str]
    """Account id -> the file that holds it."""
    organization_file: str | None = None
    side: dict[str, Account] = field(default_factory=dict)
    context: Mapping[str, str | list[str]] = field(default_factory=dict)
    show_denied: bool = False
    options: EvaluationOptions = DEFAULT_OPTIONS
    now: datetime | None = None
    region: str | None = None
    max_file_bytes: int | None = None
    """The input size limit of the run (`--max-file-size`), for workers that did not inherit it
    (a Dask worker is a process of its own); None: the worker's own."""

    def warnings_of(self, account_ids: list[str]) -> dict[str, list[str]]:
        """The load warnings of the files of these accounts (and the organization's file)
        that this process has read, by file."""
        paths = [self.files[a] for a in account_ids if a in self.files]
        if self.organization_file is not None:
            paths.append(self.organization_file)
        out: dict[str, list[str]] = {}
        for path in dict.fromkeys(paths):
            snapshot = FILES.loaded(path)
            if snapshot is not None and snapshot.warnings:
                out[path] = [str(w) for w in snapshot.warnings]
        return out

    def resolver_for(self, account_id: str) -> Resolver:
        """A resolver over the account (read from its file, or found read in this process),
        the resource side and the organization; it shares this process's compiled policies."""
        if self.max_file_bytes is not None and self.max_file_bytes != max_file_bytes():
            set_max_file_bytes(self.max_file_bytes)  # only where the run's limit is not in force
        path = self.files[account_id]
        account = FILES.load(path).accounts.get(account_id)
        if account is None:
            raise AccountError(f"{path}: account {account_id} is no longer in the file")
        organization = None
        if self.organization_file is not None:
            organization = FILES.load(self.organization_file).organization
        accounts = dict(self.side)
        accounts[account_id] = account
        snapshot = Snapshot.model_construct(
            accounts=dict(sorted(accounts.items())),
            organization=organization,
            metadata={},
            source=path,
            warnings=[],
        )
        return Resolver(
            snapshot,
            options=FILES.canonical(self.options),
            now=self.now,
            managed_lookup=aws_managed,
            region=self.region,
            _named=FILES.named,
        )


Job = WhoCanJob | FilesJob


def answer_account(job: Job, account_id: str) -> WhoCanReport:
    """The task: who-can for the principals of one account (no outsiders)."""
    return who_can(
        job.resolver_for(account_id),
        job.action,
        job.resource,
        job.context,
        show_denied=job.show_denied,
        accounts={account_id},
        external=False,
    )


@dataclass(slots=True)
class BatchAnswer:
    """What a batch task sends back: each account's outcome, and the load warnings of the
    files it read (by file, for a `FilesJob`; the client printed its own snapshot's)."""

    outcomes: list[Outcome[WhoCanReport]]
    warnings: dict[str, list[str]] = field(default_factory=dict)


def answer_batch(job: Job, batch: str) -> BatchAnswer:
    """The task every executor runs: each account of the batch (ids joined by
    `BATCH_SEPARATOR`) answered on its own, a failure staying that account's outcome."""
    keys = batch.split(BATCH_SEPARATOR)
    # One pause of the cyclic collector for the whole batch: re-enabled after each account,
    # it rescanned everything read so far (all the batch's files) once per account.
    with paused_gc():
        answer = BatchAnswer([attempt(answer_account, job, key) for key in keys])
        if isinstance(job, FilesJob):
            answer.warnings = job.warnings_of(keys)
    return answer


def batches_for(executor: Executor, accounts: int) -> int:
    """How many batches to cut `accounts` into for `executor`: a few per worker."""
    workers = getattr(executor, "workers", 1)
    return max(1, min(accounts, BATCHES_PER_WORKER * max(1, int(workers))))


def make_batches(order: list[str], count: int) -> list[str]:
    """`order` dealt round-robin into `count` batch keys (no empty batch): neighbouring
    accounts, often alike in size, land in different batches."""
    return [BATCH_SEPARATOR.join(order[i::count]) for i in range(min(count, len(order)))]


def unbatch(outcome: Outcome[BatchAnswer]) -> list[Outcome[WhoCanReport]]:
    """A batch's outcome as its accounts' outcomes; a batch that failed as a whole (a worker
    lost too often, a result that would not travel) fails each of its accounts."""
    if outcome.value is not None:
        return outcome.value.outcomes
    accounts = outcome.key.split(BATCH_SEPARATOR)
    return [Outcome(key, error=outcome.error or "no answer came back") for key in accounts]


@dataclass(frozen=True, slots=True)
class AccountFailure:
    """An account whose task failed: the other accounts are still answered. `account` is
    empty for a file that could not be read far enough to know its accounts (`file`)."""

    account: str
    message: str
    file: str | None = None

    def to_json(self) -> dict[str, str]:
        """JSON for scripts."""
        out = {"account": self.account, "error": self.message}
        if self.file is not None:
            out["file"] = self.file
        return out


@dataclass(slots=True)
class OrgWhoCan:
    """The merged report, and the accounts that could not be answered."""

    report: WhoCanReport
    failures: list[AccountFailure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """Load warnings of the files read for the answer, in file order, each once (the files
    path: workers read the files; `who_can_org` leaves them to its caller's snapshot)."""
    unreadable: list[UnreadableAccount] = field(default_factory=list)
    """Accounts `fetch --org` could not read and no file holds (the files path; `who_can_org`
    leaves them to its caller's snapshot)."""


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


# ---- an organization as files: each worker reads its own accounts ---------------------------


def who_can_files(
    paths: Path | Sequence[Path],
    action: str,
    resource: str = "*",
    context: Mapping[str, str | list[str]] | None = None,
    *,
    show_denied: bool = False,
    options: EvaluationOptions = DEFAULT_OPTIONS,
    now: datetime | None = None,
    region: str | None = None,
    executor: Executor | None = None,
    on_done: Callable[[Outcome[WhoCanReport]], None] | None = None,
    on_planned: Callable[[int], None] | None = None,
    batches: int | None = None,
) -> OrgWhoCan:
    """who-can over the accounts of files and directories of them, as `who_can_org` answers
    over a loaded snapshot, without loading the organization here: the files are surveyed
    (`survey_files`), this process reads only the organization's file and the resource's
    account, and the tasks carry file paths (`FilesJob`), so each worker reads only its
    accounts. A file that cannot be read is an error row (no accounts of it answered); the
    same account in two files, or two organizations, fail the run (`AccountError`), as a
    plain load does. Principals come in the order a plain load gives (by account id for
    several files, file order for one file). `on_planned` hears how many accounts there are
    once the files are surveyed, `on_done` each account's outcome (progress)."""
    given = [paths] if isinstance(paths, Path) else list(paths)
    surveys = survey_files(given, load=FILES.load)
    check_surveys(surveys)
    files = {a: s.file for s in surveys for a in s.accounts}
    one_file = len(given) == 1 and not given[0].is_dir()
    order = list(files) if one_file else sorted(files)
    near = _near_side(surveys, resource, options, now, region)
    _, owner = near.find_resource(resource, action)
    organization = next((s.file for s in surveys if s.organization), None)
    ctx = dict(context or {})
    job = FilesJob(
        action,
        resource,
        files,
        organization,
        _side(near, owner, resource),
        ctx,
        show_denied,
        options,
        now,
        region,
        max_file_bytes(),
    )
    base = WhoCanReport(action, resource, 0, denied=[] if show_denied else None)
    base.external = external_grants(near, action, resource, ctx, files)
    runner = executor or SerialExecutor()
    keys = make_batches(order, batches or batches_for(runner, len(order))) if order else []
    outcomes: list[Outcome[WhoCanReport]] = []
    warnings = job.warnings_of(list(files))  # of the files this process read
    if on_planned is not None:
        on_planned(len(order))
    for batch in runner.run(answer_batch, job, keys):
        if batch.value is not None:
            warnings.update(batch.value.warnings)
        for outcome in unbatch(batch):
            outcomes.append(outcome)
            if on_done is not None:
                on_done(outcome)
    merged = merge(base, outcomes, order)
    merged.unreadable = [u for u in near.snapshot.unreadable if u.account_id not in files]
    merged.failures.extend(
        AccountFailure("", s.error, s.file) for s in surveys if s.error is not None
    )
    seen: set[str] = set()
    for survey in surveys:
        for line in warnings.get(survey.file, []):
            if line not in seen:
                seen.add(line)
                merged.warnings.append(line)
    return merged


def _near_side(
    surveys: list[FileSurvey],
    resource: str,
    options: EvaluationOptions,
    now: datetime | None,
    region: str | None,
) -> Resolver:
    """A resolver over the files this process reads: the organization's, the ones that hold
    the resource (or the account its ARN names), and the ones the survey read whole anyway."""
    wanted = set(governing_arns(resource))
    arn = parse_arn(resource)
    owner = arn.account if arn is not None else None
    loaded = [
        (s.file, FILES.load(s.file))
        for s in surveys
        if s.error is None
        and (
            s.snapshot is not None
            or s.organization
            or s.unread
            or s.resources & wanted
            or owner in s.accounts
        )
    ]
    return Resolver(
        merge_snapshots(loaded, source="the resource side"),
        options=options,
        now=now,
        managed_lookup=aws_managed,
        region=region,
    )


def _side(near: Resolver, owner: str | None, resource: str) -> dict[str, Account]:
    """The resource's account as the workers need it: its Block Public Access, the resource's
    entry, and the role a trust question is about; nothing when the snapshot holds neither."""
    account = near.snapshot.accounts.get(owner or "")
    if account is None:
        return {}
    resources = {
        arn: account.resources[arn] for arn in governing_arns(resource) if arn in account.resources
    }
    arn = parse_arn(resource)
    roles = {}
    if arn is not None and arn.service == "iam" and arn.resource.startswith("role/"):
        name = arn.resource.rsplit("/", 1)[-1]
        if name in account.roles:
            roles[name] = account.roles[name]
    stub = Account.model_construct(
        id=account.id,
        alias=account.alias,
        partition=account.partition,
        users={},
        groups={},
        roles=roles,
        policies={},
        resources=resources,
        block_public_access=account.block_public_access,
    )
    return {account.id: stub}
