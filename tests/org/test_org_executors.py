"""who-can over an organization gives the same answer on every executor, turns a failed account
into an error row, and survives a worker that dies mid-run."""

from __future__ import annotations

import os
import signal
import sys
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policysim.account.resolve import Resolver
from policysim.account.who_can import WhoCanReport, who_can
from policysim.org import (
    DaskExecutor,
    Executor,
    ExecutorError,
    Outcome,
    ProcessExecutor,
    SerialExecutor,
    who_can_org,
)
from policysim.org.who_can import WhoCanJob, answer_account, merge

BUCKET_OBJECT = "arn:aws:s3:::org-shared-data/reports/q1.csv"


def _reference(resolver: Resolver) -> dict[str, Any]:
    return who_can(resolver, "s3:GetObject", BUCKET_OBJECT, show_denied=True).to_json()


def _org(resolver: Resolver, executor: Executor | None, **kw: Any) -> Any:
    return who_can_org(
        resolver, "s3:GetObject", BUCKET_OBJECT, show_denied=True, executor=executor, **kw
    )


def test_the_generated_org_has_every_kind_of_answer(org_resolver: Resolver) -> None:
    """The fixture is worth comparing: allowed, allowed-if, denied and outsiders all occur,
    and the SCPs by OU and the org-id bucket policy both decide someone."""
    report = _reference(org_resolver)
    allowed = {(g["account"], g["principal"]) for g in report["allowed"]}
    reader = "role reader (session policysim)"
    assert ("100000000000", "user nobody") in allowed  # same account: the bucket policy alone
    assert ("100000000003", reader) in allowed  # another account, via aws:PrincipalOrgID
    assert ("100000000003", "user nobody") not in allowed  # ... which needs its own allow too
    assert ("100000000001", reader) not in allowed  # its OU's SCP denies s3:*
    assert ("100000000002", reader) in allowed  # an allow-list SCP that keeps s3:GetObject
    assert ("100000000002", "user admin") in allowed
    assert report["allowed_if"] and report["denied"]
    external = [(e["principal"], e["conditional"]) for e in report["external"]]
    assert external == [("*", True), ("arn:aws:iam::999999999999:root", False)]
    assert report["principals_checked"] == 10 * 5


def test_serial_equals_who_can(org_resolver: Resolver) -> None:
    result = _org(org_resolver, None)
    assert result.failures == []
    assert result.report.to_json() == _reference(org_resolver)


def test_processes_equal_serial(org_resolver: Resolver) -> None:
    result = _org(org_resolver, ProcessExecutor(2))
    assert result.failures == []
    assert result.report.to_json() == _reference(org_resolver)


def test_outcomes_stream_as_they_finish(org_resolver: Resolver) -> None:
    seen: list[str] = []
    _org(org_resolver, ProcessExecutor(2), on_done=lambda o: seen.append(o.key))
    assert sorted(seen) == sorted(org_resolver.snapshot.accounts)


@pytest.mark.parametrize(
    "executor", [SerialExecutor(), ProcessExecutor(2)], ids=["serial", "processes"]
)
def test_a_failing_account_is_an_error_row(make_org_resolver: Any, executor: Executor) -> None:
    broken = make_org_resolver(10, broken=3)
    result = _org(broken, executor)
    assert [(f.account, f.message) for f in result.failures] == [
        (
            "100000000003",
            "SCP 'Missing' is attached to 100000000003 but not in the snapshot",
        )
    ]
    answered = {g.account for g in result.report.allowed + (result.report.denied or [])}
    assert answered == set(broken.snapshot.accounts) - {"100000000003"}
    assert result.report.checked == 9 * 5
    # The other accounts' answers are those of a snapshot without the broken account.
    healthy = make_org_resolver(10)
    expected = who_can(healthy, "s3:GetObject", BUCKET_OBJECT, show_denied=True)
    got = result.report
    strip = lambda gs: [g.to_json() for g in gs if g.account != "100000000003"]  # noqa: E731
    assert [g.to_json() for g in got.allowed] == strip(expected.allowed)
    assert [g.to_json() for g in got.denied or []] == strip(expected.denied or [])


def slow_answer(job: WhoCanJob, account_id: str) -> WhoCanReport:
    """The real task, slowed so that work is still in flight when a worker is killed."""
    time.sleep(0.15)
    return answer_account(job, account_id)


def test_a_killed_worker_process_is_replaced_and_the_answer_is_identical(
    org_resolver: Resolver,
) -> None:
    executor = ProcessExecutor(2)
    job = WhoCanJob(org_resolver, "s3:GetObject", BUCKET_OBJECT, {}, True)
    keys = list(org_resolver.snapshot.accounts)
    outcomes: list[Outcome[WhoCanReport]] = []
    for outcome in executor.run(slow_answer, job, keys):
        if not outcomes:
            os.kill(executor.pids()[0], signal.SIGKILL)
        outcomes.append(outcome)
    assert executor.restarted >= 1
    assert sorted(o.key for o in outcomes) == sorted(keys)
    assert all(o.error is None for o in outcomes)
    for outcome in outcomes:
        assert outcome.value is not None
        direct = answer_account(job, outcome.key)
        assert outcome.value.to_json() == direct.to_json()


def test_a_pool_that_breaks_while_keys_are_handed_over_loses_none(
    org_resolver: Resolver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker can die before the last key is submitted; `submit` then raises
    BrokenProcessPool itself. The keys not yet handed over must run on the next pool."""
    from concurrent.futures import ProcessPoolExecutor as RealPool
    from concurrent.futures.process import BrokenProcessPool

    from policysim.org import executors

    pools: list[Any] = []

    class BreaksOnSecondSubmit(RealPool):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.submitted = 0
            pools.append(self)

        def submit(self, *args: Any, **kwargs: Any) -> Any:
            self.submitted += 1
            if len(pools) == 1 and self.submitted == 2:
                raise BrokenProcessPool("a worker died")
            return super().submit(*args, **kwargs)

    monkeypatch.setattr(executors, "ProcessPoolExecutor", BreaksOnSecondSubmit)
    executor = ProcessExecutor(2)
    job = WhoCanJob(org_resolver, "s3:GetObject", BUCKET_OBJECT)
    keys = list(org_resolver.snapshot.accounts)
    outcomes = list(executor.run(answer_account, job, keys))
    assert len(keys) > 2
    assert sorted(o.key for o in outcomes) == sorted(keys)
    assert all(o.error is None for o in outcomes)
    assert executor.restarted == 1
    assert len(pools) == 2


def always_dies(job: WhoCanJob, account_id: str) -> WhoCanReport:
    os._exit(1)


def test_a_task_that_kills_every_worker_ends_as_error_rows(org_resolver: Resolver) -> None:
    executor = ProcessExecutor(2, restarts=1)
    job = WhoCanJob(org_resolver, "s3:GetObject", BUCKET_OBJECT)
    outcomes = list(executor.run(always_dies, job, ["100000000000", "100000000001"]))
    assert sorted(o.key for o in outcomes) == ["100000000000", "100000000001"]
    assert {o.error for o in outcomes} == {"a worker process died on every attempt"}
    assert executor.restarted == 1


def test_dask_missing_is_one_clear_line(
    org_resolver: Resolver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(
        ExecutorError, match=r"^--dask needs Dask distributed: install policysim\[org\]$"
    ):
        _org(org_resolver, DaskExecutor("local"))


@pytest.mark.parametrize("processes", [False, True], ids=["threads", "processes"])
def test_dask_local_cluster_equals_serial(org_resolver: Resolver, processes: bool) -> None:
    pytest.importorskip("distributed", reason="Dask distributed is the optional org extra")
    result = _org(org_resolver, DaskExecutor("local", workers=2, processes=processes))
    assert result.failures == []
    assert result.report.to_json() == _reference(org_resolver)


def test_dask_failing_account_is_an_error_row(make_org_resolver: Any) -> None:
    pytest.importorskip("distributed", reason="Dask distributed is the optional org extra")
    result = _org(make_org_resolver(6, broken=4), DaskExecutor("local", processes=False))
    assert [f.account for f in result.failures] == ["100000000004"]
    assert result.report.checked == 5 * 5


def test_a_killed_dask_worker_is_rescheduled_and_the_answer_is_identical(
    org_resolver: Resolver,
) -> None:
    distributed = pytest.importorskip(
        "distributed", reason="Dask distributed is the optional org extra"
    )
    import cloudpickle

    # The workers are fresh processes that cannot import this test module: ship it by value.
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    job = WhoCanJob(org_resolver, "s3:GetObject", BUCKET_OBJECT, {}, True)
    keys = list(org_resolver.snapshot.accounts)
    outcomes: list[Outcome[WhoCanReport]] = []
    try:
        with distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster:
            with distributed.Client(cluster) as client:
                pids = sorted(client.run(os.getpid).values())
            # nine accounts of 0.15 s each are still to run when the first answer arrives
            for outcome in DaskExecutor(cluster.scheduler_address).run(slow_answer, job, keys):
                if not outcomes:
                    os.kill(pids[0], signal.SIGKILL)
                outcomes.append(outcome)
            with distributed.Client(cluster) as client:
                assert pids[0] not in client.run(os.getpid).values()
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    assert sorted(o.key for o in outcomes) == sorted(keys)
    assert [o.error for o in outcomes if o.error] == []
    for outcome in outcomes:
        assert outcome.value is not None
        assert outcome.value.to_json() == answer_account(job, outcome.key).to_json()


def test_a_dask_scheduler_that_does_not_answer_is_one_line(org_resolver: Resolver) -> None:
    pytest.importorskip("distributed", reason="Dask distributed is the optional org extra")
    executor = DaskExecutor("tcp://127.0.0.1:1", connect_timeout=1)
    with pytest.raises(ExecutorError, match=r"^--dask tcp://127\.0\.0\.1:1: OSError: .*\S$"):
        _org(org_resolver, executor)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_merge_ignores_the_order_outcomes_arrive_in(org_resolver: Resolver, data: Any) -> None:
    job = WhoCanJob(org_resolver, "s3:GetObject", BUCKET_OBJECT, {}, True)
    order = list(org_resolver.snapshot.accounts)
    outcomes = list(SerialExecutor().run(answer_account, job, order))
    arrived = data.draw(st.permutations(outcomes))
    base = who_can(org_resolver, "s3:GetObject", BUCKET_OBJECT, show_denied=True, accounts=())
    merged = merge(base, arrived, order)
    assert merged.report.to_json() == _reference(org_resolver)
