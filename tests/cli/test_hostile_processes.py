"""Processes: a closed output pipe and a killed parent end quietly, with statuses that are
not answers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CONFORMANCE = REPO / "tests" / "data" / "conformance"


def test_a_closed_pipe_exits_141_quietly(tmp_path: Path) -> None:
    batch = tmp_path / "big.jsonl"
    text = (CONFORMANCE / "random-2000.jsonl").read_text()
    batch.write_text(text * 3)
    proc = subprocess.Popen(
        [sys.executable, "-m", "policysim.cli", "simulate", "--batch", str(batch)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # the reader goes away, as `| head -1` does
    code = proc.wait(timeout=120)
    assert code == 141
    assert proc.stderr.read() == b""


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def test_lint_workers_die_with_a_killed_parent(tmp_path: Path) -> None:
    if not sys.platform.startswith("linux"):
        return
    corpus = REPO.parent / "shared" / "corpus" / "aws-managed"
    files = sorted(corpus.glob("*.json"))[:400] if corpus.is_dir() else []
    if not files:
        for i in range(400):
            (tmp_path / f"p{i}.json").write_text(
                '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*",'
                '"Resource":"*"}]}'
            )
        files = sorted(tmp_path.glob("*.json"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "policysim.cli", "lint", "--no-config", "--jobs", "2"]
        + [str(f) for f in files] * 20,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=REPO,
    )
    workers: list[int] = []
    deadline = time.monotonic() + 60
    while not workers and time.monotonic() < deadline and proc.poll() is None:
        workers = _children(proc.pid)
        time.sleep(0.02)
    assert workers, "the run forked no worker to observe"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    deadline = time.monotonic() + 2  # each worker has several seconds of files left
    alive = workers
    while alive and time.monotonic() < deadline:
        alive = [w for w in workers if Path(f"/proc/{w}").exists() and _state(w) != "Z"]
        time.sleep(0.05)
    assert alive == [], f"workers {alive} outlived their killed parent"


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"
