"""Accounts run in batches (a few per worker): the answer must not depend on the batching."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policysim.account.resolve import Resolver
from policysim.account.who_can import who_can
from policysim.org import Outcome, ProcessExecutor, SerialExecutor, who_can_org
from policysim.org.who_can import (
    BATCHES_PER_WORKER,
    batches_for,
    make_batches,
    unbatch,
)

BUCKET_OBJECT = "arn:aws:s3:::org-shared-data/reports/q1.csv"


def _org(resolver: Resolver, **kw: Any) -> Any:
    return who_can_org(resolver, "s3:GetObject", BUCKET_OBJECT, show_denied=True, **kw)


@settings(max_examples=25, deadline=None)
@given(accounts=st.integers(1, 40), count=st.integers(1, 50))
def test_batches_deal_every_account_once(accounts: int, count: int) -> None:
    order = [f"{100000000000 + n:012d}" for n in range(accounts)]
    keys = make_batches(order, count)
    assert len(keys) == min(count, accounts)
    dealt = [account for key in keys for account in key.split(",")]
    assert sorted(dealt) == order
    assert all(key for key in keys)


@pytest.mark.parametrize("batches", [1, 2, 3, 7, 10, 50])
def test_every_batching_gives_the_serial_report(org_resolver: Resolver, batches: int) -> None:
    expected = who_can(org_resolver, "s3:GetObject", BUCKET_OBJECT, show_denied=True).to_json()
    result = _org(org_resolver, batches=batches)
    assert result.failures == []
    assert result.report.to_json() == expected


def test_processes_with_any_batching_give_the_same_report(org_resolver: Resolver) -> None:
    one_per_account = _org(org_resolver, executor=ProcessExecutor(2), batches=10)
    coarse = _org(org_resolver, executor=ProcessExecutor(2), batches=2)
    assert one_per_account.report.to_json() == coarse.report.to_json()


@pytest.mark.parametrize("batches", [1, 3, 10])
def test_a_failing_account_fails_alone_inside_its_batch(
    make_org_resolver: Any, batches: int
) -> None:
    broken = make_org_resolver(10, broken=3)
    result = _org(broken, batches=batches)
    assert [f.account for f in result.failures] == ["100000000003"]
    answered = {g.account for g in result.report.allowed + (result.report.denied or [])}
    assert answered == set(broken.snapshot.accounts) - {"100000000003"}
    per_account = _org(broken, batches=10)
    assert result.report.to_json() == per_account.report.to_json()


def test_a_batch_lost_as_a_whole_fails_each_of_its_accounts() -> None:
    lost: Outcome[Any] = Outcome("1,2,3", error="KilledWorker: gone")
    assert [(o.key, o.error) for o in unbatch(lost)] == [
        ("1", "KilledWorker: gone"),
        ("2", "KilledWorker: gone"),
        ("3", "KilledWorker: gone"),
    ]


def test_progress_still_sees_every_account(org_resolver: Resolver) -> None:
    seen: list[str] = []
    _org(org_resolver, executor=ProcessExecutor(2), on_done=lambda o: seen.append(o.key))
    assert sorted(seen) == sorted(org_resolver.snapshot.accounts)


def test_a_few_batches_per_worker() -> None:
    assert batches_for(ProcessExecutor(2), 300) == 2 * BATCHES_PER_WORKER
    assert batches_for(SerialExecutor(), 300) == BATCHES_PER_WORKER
    assert batches_for(ProcessExecutor(8), 5) == 5
