"""Linting in worker processes gives the same report as linting in one process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from policysim.lint.config import LintConfig
from policysim.lint.inputs import parallel
from policysim.lint.inputs.run import FileJob, LintRun, lint_paths

REPO = Path(__file__).resolve().parents[2]


def _write_tree(root: Path, count: int) -> None:
    """A mix of clean, risky, invalid and YAML policies, spread over subdirectories."""
    for i in range(count):
        folder = root / f"team{i % 7}"
        folder.mkdir(exist_ok=True)
        if i % 11 == 0:
            (folder / f"p{i}.json").write_text('{"Statement": [{"Effect": "Allow",}]}')
            continue
        statement = {
            "Sid": f"S{i}",
            "Effect": "Allow",
            "Action": ["s3:GetObject", f"s3:Get{'*' if i % 3 else 'Object'}", "iam:PassRole"]
            if i % 2
            else "*",
            "Resource": "*" if i % 5 else f"arn:aws:s3:::bucket-{i}/*",
        }
        document = {"Version": "2012-10-17", "Statement": [statement]}
        if i % 13 == 0:
            (folder / f"p{i}.yaml").write_text(
                f"Version: '2012-10-17'\nStatement:\n  - Effect: Allow\n"
                f"    Action: ec2:RunInstances\n    Resource: '*'\n    Sid: Y{i}\n"
            )
        else:
            (folder / f"p{i}.json").write_text(json.dumps(document, indent=2))


def test_workers_report_exactly_what_one_process_does(tmp_path: Path) -> None:
    _write_tree(tmp_path, 300)
    single = lint_paths([str(tmp_path)], LintConfig(), jobs=1)
    multi = lint_paths([str(tmp_path)], LintConfig(), jobs=2)
    assert single.files == multi.files == 300
    assert single.documents == multi.documents
    assert single.findings == multi.findings
    assert {f.rule for f in single.findings} >= {"PS001", "PS201"}


def test_few_files_stay_in_this_process(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _write_tree(tmp_path, 20)

    def no_fork() -> int:
        raise AssertionError("a worker was forked for 20 files")

    monkeypatch.setattr(parallel.os, "fork", no_fork)
    run = lint_paths([str(tmp_path)], LintConfig(), jobs=8)
    assert run.files == 20


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux")
def test_a_failing_worker_is_one_error_and_leaves_no_process(tmp_path: Path) -> None:
    _write_tree(tmp_path, 200)
    config = LintConfig()
    job = FileJob(config, config.options(), None, None, False)
    files = [(str(p), True) for p in sorted(tmp_path.rglob("*.json"))]
    broken = str(files[150][0])

    def task(path: str, discovered: bool) -> LintRun | None:
        if path == broken:
            raise ValueError("a rule fell over")
        return job(path, discovered)

    with pytest.raises(parallel.WorkerError, match="ValueError: a rule fell over"):
        parallel.run_in_workers(task, files, 2)
    assert _children(os.getpid()) == []


def test_worker_count() -> None:
    assert parallel.worker_count(10, 8) == 1
    assert parallel.worker_count(parallel.MIN_FILES_PER_WORKER * 2, 8) == 2
    assert parallel.worker_count(100_000, 3) == 3
    assert parallel.available_cpus() >= 1


def test_chunks_keep_neighbours_together_and_balance_bytes(tmp_path: Path) -> None:
    items = []
    for i in range(10):
        path = tmp_path / f"f{i}.json"
        path.write_text("x" * (1000 if i < 5 else 100))
        items.append((i, str(path), True))
    items.append((10, str(tmp_path / "missing.json"), False))
    chunks = parallel.contiguous_chunks(items, 4)
    assert [item for chunk in chunks for item in chunk] == items  # order kept, nothing lost
    assert all(
        [i for i, _, _ in chunk] == list(range(chunk[0][0], chunk[-1][0] + 1)) for chunk in chunks
    )
    assert len(chunks) <= 4 and len(chunks[0]) < len(chunks[-1])  # big files, fewer per chunk


def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux")
def test_ctrl_c_stops_the_workers_with_one_line(tmp_path: Path) -> None:
    """Ctrl-C reaches the whole process group: the parent says so in one line, exits 130, and
    no worker prints a traceback."""
    statements = [
        {"Effect": "Allow", "Action": [f"s3:Get{i}*", "ec2:Describe*"], "Resource": "*"}
        for i in range(20)
    ]
    text = json.dumps({"Version": "2012-10-17", "Statement": statements})
    for i in range(3000):
        (tmp_path / f"p{i:04}.json").write_text(text)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "policysim", "lint", str(tmp_path), "--jobs", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while not _children(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)  # until the worker runs beside the parent (the run takes about 4 s)
    assert process.poll() is None, "the run ended before it could be interrupted"
    time.sleep(0.2)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert stderr == "policysim: interrupted\n"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux")
def test_the_parent_lints_the_first_run_and_forks_for_the_others(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _write_tree(tmp_path, 300)
    config = LintConfig()
    job = FileJob(config, config.options(), None, None, False)
    files = [(str(p), True) for p in sorted(tmp_path.rglob("*.json"))]
    assert parallel.worker_count(len(files), 3) == 3
    here: list[str] = []

    def task(path: str, discovered: bool) -> LintRun | None:
        if os.getpid() == parent:
            here.append(path)
        return job(path, discovered)

    parent = os.getpid()
    forks = 0
    real_fork = parallel.os.fork

    def counting_fork() -> int:
        nonlocal forks
        forks += 1
        return real_fork()

    monkeypatch.setattr(parallel.os, "fork", counting_fork)
    results = parallel.run_in_workers(task, files, 3)
    assert forks == 2
    first = parallel.contiguous_chunks([(i, p, d) for i, (p, d) in enumerate(files)], 3)[0]
    assert here == [path for _, path, _ in first]
    assert [r.files if r else 0 for r in results] == [1] * len(files)
