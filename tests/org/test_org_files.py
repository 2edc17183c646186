"""Workers read their own accounts' files (`who_can_files`): the same answer as a plain load on
every executor, only the files of a batch opened by its task, a changed file read again, a
malformed file an error row while the other accounts are answered."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from policysim.account.who_can import WhoCanReport, who_can
from policysim.account.workspace import open_resolver
from policysim.org import (
    DaskExecutor,
    Executor,
    Outcome,
    ProcessExecutor,
    SerialExecutor,
    who_can_files,
)
from policysim.org.files import FILES
from policysim.org.who_can import FilesJob, answer_account, answer_batch
from policysim.policy.errors import PolicyError

OBJECT = "arn:aws:s3:::org-shared-data/reports/q1.csv"
BAD_JSON = '{"policysim_snapshot": 1, "accounts": [\n  {"account_id": }\n'


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    FILES.clear()
    yield
    FILES.clear()


def _plain(paths: Any, action: str = "s3:GetObject") -> dict[str, Any]:
    return who_can(open_resolver(paths), action, OBJECT, show_denied=True).to_json()


def _files(paths: Any, executor: Executor | None = None, **kw: Any) -> Any:
    return who_can_files(paths, "s3:GetObject", OBJECT, show_denied=True, executor=executor, **kw)


class Recorder:
    """An executor that keeps what it was asked to run and runs it serially (or not at all)."""

    def __init__(self, *, run: bool = True) -> None:
        self.job: Any = None
        self.keys: list[str] = []
        self.read_before: list[str] = []
        self.execute = run

    def run(self, task: Any, shared: Any, keys: Sequence[str]) -> Iterator[Outcome[Any]]:
        self.job, self.keys, self.read_before = shared, list(keys), list(FILES.reads)
        if self.execute:
            yield from SerialExecutor().run(task, shared, keys)


def _executors() -> list[Any]:
    out: list[Any] = [
        pytest.param(lambda: None, id="serial"),
        pytest.param(lambda: ProcessExecutor(2), id="workers-2"),
    ]
    out.append(pytest.param(lambda: DaskExecutor("local", workers=2), id="dask-local-2"))
    return out


@pytest.mark.parametrize("make", _executors())
def test_every_executor_answers_as_a_plain_load(org_dir: Path, make: Any) -> None:
    executor = make()
    if isinstance(executor, DaskExecutor):
        pytest.importorskip("distributed", reason="Dask distributed is the optional org extra")
    result = _files(org_dir, executor)
    assert result.failures == []
    assert result.report.to_json() == _plain(org_dir)
    assert result.report.external  # the partner account, found once by the client


def test_this_process_reads_only_the_organization_and_the_resource_side(org_dir: Path) -> None:
    recorder = Recorder(run=False)
    _files(org_dir, recorder)
    # Before any task runs: the bucket's account and the organization, nothing else.
    assert sorted(Path(p).name for p in recorder.read_before) == [
        "100000000000.json",
        "organization.json",
    ]
    assert isinstance(recorder.job, FilesJob)
    side = recorder.job.side["100000000000"]
    assert list(side.resources) == ["arn:aws:s3:::org-shared-data"]
    assert side.roles == {} and side.users == {}  # the resource side, not the account
    assert len(json.dumps(recorder.job.files)) < 2000  # paths travel, not accounts


def test_a_task_opens_only_its_own_batch_files(org_dir: Path) -> None:
    recorder = Recorder(run=False)
    _files(org_dir, recorder, batches=3)
    job, keys = recorder.job, recorder.keys
    for key in keys:
        FILES.clear()
        answer = answer_batch(job, key)
        assert all(o.error is None for o in answer.outcomes)
        mine = {f"{a}.json" for a in key.split(",")}
        opened = {Path(p).name for p in FILES.reads}
        assert opened == mine | {"organization.json"}, key


def test_a_second_question_reads_no_file_again(org_dir: Path) -> None:
    first = _files(org_dir)
    reads = list(FILES.reads)
    assert len(reads) == 11
    again = who_can_files(org_dir, "s3:ListBucket", "arn:aws:s3:::org-shared-data")
    assert FILES.reads == reads
    assert first.report.checked == again.report.checked == 50


def test_a_changed_file_is_read_again(org_dir: Path) -> None:
    before = _files(org_dir)
    assert "user admin" in {g.principal for g in before.report.allowed if g.account.endswith("3")}
    path = org_dir / "100000000003.json"
    data = json.loads(path.read_text())
    users = data["accounts"][0]["authorization_details"]["UserDetailList"]
    data["accounts"][0]["authorization_details"]["UserDetailList"] = users[1:]  # no admin
    path.write_text(json.dumps(data))
    stamp = path.stat()
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 10**9))  # a coarse clock
    after = _files(org_dir)
    assert FILES.reads.count(str(path)) == 2
    assert after.report.checked == before.report.checked - 1
    assert after.report.to_json() == _plain(org_dir)


def test_an_unchanged_file_is_not_read_again(org_dir: Path) -> None:
    path = str(org_dir / "100000000001.json")
    first = FILES.load(path)
    assert FILES.load(path) is first
    assert FILES.reads == [path]


@pytest.mark.parametrize("make", _executors())
def test_a_malformed_account_file_is_an_error_row(org_dir: Path, make: Any) -> None:
    executor = make()
    if isinstance(executor, DaskExecutor):
        pytest.importorskip("distributed", reason="Dask distributed is the optional org extra")
    bad = org_dir / "100000000004.json"
    bad.write_text(BAD_JSON)
    result = _files(org_dir, executor)
    [failure] = result.failures
    assert failure.account == "" and failure.file == str(bad)
    assert failure.message.startswith(f"{bad}:2:")
    assert result.report.checked == 9 * 5
    assert "100000000004" not in {g.account for g in result.report.denied or []}
    bad.unlink()
    assert result.report.to_json() == _plain(org_dir)


def test_a_file_that_fails_on_the_worker_fails_its_accounts(org_dir: Path) -> None:
    # Plain JSON the survey reads, but a policy the loader refuses: the task says so.
    path = org_dir / "100000000002.json"
    data = json.loads(path.read_text())
    data["accounts"][0]["authorization_details"]["Policies"][0]["PolicyVersionList"][0][
        "Document"
    ] = {"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "*"}]}
    path.write_text(json.dumps(data, indent=1))
    result = _files(org_dir, ProcessExecutor(2))
    assert [f.account for f in result.failures] == ["100000000002"]
    assert result.failures[0].message.startswith(str(path))
    assert result.report.checked == 9 * 5


def test_the_same_account_in_two_files_fails_the_run(org_dir: Path) -> None:
    from policysim.account.errors import AccountError

    (org_dir / "copy.json").write_text((org_dir / "100000000005.json").read_text())
    with pytest.raises(AccountError, match=r"account 100000000005 is in both .* and .*copy\.json"):
        _files(org_dir)


def slow_answer(job: Any, account_id: str) -> WhoCanReport:
    """The real task, slowed so that work is still in flight when a worker is killed."""
    time.sleep(0.15)
    return answer_account(job, account_id)


def test_a_killed_worker_is_replaced_and_the_files_answer_is_identical(org_dir: Path) -> None:
    recorder = Recorder(run=False)
    _files(org_dir, recorder)
    job = recorder.job
    keys = sorted(job.files)
    executor = ProcessExecutor(2)
    outcomes: list[Outcome[WhoCanReport]] = []
    for outcome in executor.run(slow_answer, job, keys):
        if not outcomes:
            os.kill(executor.pids()[0], signal.SIGKILL)
        outcomes.append(outcome)
    assert executor.restarted >= 1
    assert sorted(o.key for o in outcomes) == keys
    for outcome in outcomes:
        assert outcome.error is None and outcome.value is not None
        assert outcome.value.to_json() == answer_account(job, outcome.key).to_json()


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_the_cli_answers_the_other_accounts_and_exits_2(org_dir: Path, as_json: bool) -> None:
    from typer.testing import CliRunner

    from policysim.cli import app

    args = ["who-can", "s3:GetObject", OBJECT, "--account", str(org_dir), "--show-denied"]
    args += ["--json"] if as_json else []
    plain = CliRunner().invoke(app, args)
    assert plain.exit_code == 0, plain.output
    same = CliRunner().invoke(app, [*args, "--workers", "2"])
    assert same.exit_code == 0, same.output
    assert same.stdout == plain.stdout
    bad = org_dir / "100000000007.json"
    bad.write_text(BAD_JSON)
    result = CliRunner().invoke(app, [*args, "--workers", "2"])
    assert result.exit_code == 2, result.output
    if as_json:
        payload = json.loads(result.stdout)
        [error] = payload["errors"]
        assert error["account"] == "" and error["file"] == str(bad)
        assert error["error"].startswith(f"{bad}:2:")
        assert payload["principals_checked"] == 9 * 5
    else:
        [line] = result.stderr.splitlines()
        assert line.startswith(f"policysim: error: {bad}:2:")
        assert "100000000006" in result.stdout and "100000000008" in result.stdout


def test_the_run_s_file_size_limit_reaches_the_workers(org_dir: Path) -> None:
    from policysim.files import max_file_bytes, set_max_file_bytes

    recorder = Recorder(run=False)
    _files(org_dir, recorder)
    job = recorder.job
    assert job.max_file_bytes == max_file_bytes()
    # A worker that did not inherit the limit (a Dask process) applies the run's own.
    small = dataclasses.replace(job, max_file_bytes=100)
    try:
        with pytest.raises(PolicyError, match=r"100000000001\.json: larger than 100 bytes"):
            small.resolver_for("100000000001")
    finally:
        set_max_file_bytes(None)
