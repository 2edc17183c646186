"""Lint many files on several cores.

Linting is CPU-bound Python, so threads would not help; worker processes do. They are forked
(on Linux; elsewhere everything runs in this process) so that they start with the parent's
imports, rule registry and whatever catalog data it has already read, and they only ever see
file names: each worker reads, parses and lints its files and sends back plain findings. The
parent merges the results in file order, so the report is identical to a single-process run.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import fields
from typing import Any

from policysim.lint.finding import Finding
from policysim.lint.inputs.run import LintRun

MIN_FILES_PER_WORKER = 64
"""Below this many files per worker, forking costs more than it saves."""

FileTask = Callable[[str, bool], LintRun | None]

_task: FileTask | None = None
"""The job of the current run, set before forking so that workers inherit it unpickled."""


def available_cpus() -> int:
    """CPUs this process may run on (the affinity mask where the platform has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def worker_count(files: int, jobs: int) -> int:
    """How many workers are worth starting for `files` files with at most `jobs`."""
    return max(1, min(jobs, files // MIN_FILES_PER_WORKER))


CHUNKS_PER_WORKER = 2
"""Enough pieces for a worker that finishes early to take over work, few enough that each
worker's files stay together."""


def contiguous_chunks(
    items: list[tuple[int, str, bool]], parts: int
) -> list[list[tuple[int, str, bool]]]:
    """`items` cut into at most `parts` runs of neighbouring files of about equal size.

    Files that sit together (a directory, names sorted) usually concern the same services, and
    every worker fills its own caches (catalog files, facts about action names, expansions):
    keeping neighbours in one worker means each reads and works out less of it than when the
    files are dealt out in turn. Bytes stand in for linting cost.
    """
    sizes = []
    for _, path, _ in items:
        try:
            sizes.append(max(1, os.path.getsize(path)))
        except OSError:
            sizes.append(1)
    total = sum(sizes) or 1
    chunks: list[list[tuple[int, str, bool]]] = [[] for _ in range(parts)]
    done = 0
    for item, size in zip(items, sizes, strict=True):
        chunks[min(parts - 1, done * parts // total)].append(item)
        done += size
    return [chunk for chunk in chunks if chunk]


Packed = tuple[int, int, int, list[str], list[tuple[Any, ...]]]
"""A `LintRun` as plain tuples: findings cross the process boundary several times faster
pickled as tuples than as dataclass instances."""


def _pack(run: LintRun) -> Packed:
    findings = [tuple(getattr(f, name) for name in _FINDING_FIELDS) for f in run.findings]
    return run.files, run.documents, run.suppressed, run.notes, findings


def _unpack(packed: Packed) -> LintRun:
    files, documents, suppressed, notes, findings = packed
    return LintRun([Finding(*f) for f in findings], files, documents, suppressed, notes)


_FINDING_FIELDS = tuple(field.name for field in fields(Finding))


def _quiet_worker() -> None:
    """Ctrl-C reaches every process of the group: workers leave it to the parent, which stops
    them, so that an interrupted run prints one line and no worker tracebacks."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_chunk(chunk: list[tuple[int, str, bool]]) -> list[tuple[int, Packed | None]]:
    assert _task is not None, "forked without a task"
    out: list[tuple[int, Packed | None]] = []
    for index, path, discovered in chunk:
        run = _task(path, discovered)
        out.append((index, None if run is None else _pack(run)))
    return out


def run_in_workers(
    task: FileTask, files: list[tuple[str, bool]], jobs: int
) -> list[LintRun | None]:
    """`task` applied to every (path, discovered) pair, results in input order.

    Falls back to this process when there are few files, when the platform cannot fork, or
    for standard input ('-'), which only this process can read.
    """
    global _task
    workers = worker_count(len(files), jobs)
    # Forking is safe on Linux; macOS's system libraries are not fork-safe, and spawning
    # workers that re-import everything would cost more than it saves on typical runs.
    can_fork = (
        sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()
    )
    if workers < 2 or not can_fork:
        return [task(path, discovered) for path, discovered in files]
    results: list[LintRun | None] = [None] * len(files)
    pending = [(i, path, found) for i, (path, found) in enumerate(files) if path != "-"]
    for i, (path, found) in enumerate(files):
        if path == "-":
            results[i] = task(path, found)
    chunks = contiguous_chunks(pending, workers * CHUNKS_PER_WORKER)
    _task = task
    try:
        with multiprocessing.get_context("fork").Pool(workers, _quiet_worker) as pool:
            for part in pool.imap_unordered(_run_chunk, chunks):
                for index, packed in part:
                    results[index] = None if packed is None else _unpack(packed)
    finally:
        _task = None
    return results
