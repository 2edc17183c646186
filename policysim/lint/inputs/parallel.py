"""Lint many files on several cores.

Linting is CPU-bound Python, so threads would not help; worker processes do. They are forked
(on Linux; elsewhere everything runs in this process) so that they start with the parent's
imports, rule registry and whatever catalog data it has already read. The files are cut into
contiguous runs; the parent lints the first itself and each worker one of the others, writing
its results, pickled as plain tuples, to a pipe; the parent merges them in file order, so the
report is identical to a single-process run.

Plain `os.fork` and pipes rather than `multiprocessing.Pool`: a pool's parent can hang in its
own locks when Ctrl-C lands at the wrong moment, while here the parent owns every step and, on
any interruption or error, stops the workers and says so in one line.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
from collections.abc import Callable
from dataclasses import fields
from typing import Any, BinaryIO

from policysim.lint.finding import Finding
from policysim.lint.inputs.run import LintRun

MIN_FILES_PER_WORKER = 64
"""Below this many files per worker, forking costs more than it saves."""

FileTask = Callable[[str, bool], LintRun | None]
Item = tuple[int, str, bool]
"""A file to lint: its place in the input order, its path, and whether a walk found it."""
Packed = tuple[int, int, int, list[str], list[tuple[Any, ...]]]
"""A `LintRun` as plain tuples: findings cross the process boundary several times faster
pickled as tuples than as dataclass instances."""

_FINDING_FIELDS = tuple(field.name for field in fields(Finding))


class WorkerError(RuntimeError):
    """A worker failed (a bug); the message is the worker's exception."""


def available_cpus() -> int:
    """CPUs this process may run on (the affinity mask where the platform has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def worker_count(files: int, jobs: int) -> int:
    """How many workers are worth starting for `files` files with at most `jobs`."""
    return max(1, min(jobs, files // MIN_FILES_PER_WORKER))


def contiguous_chunks(items: list[Item], parts: int) -> list[list[Item]]:
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
    chunks: list[list[Item]] = [[] for _ in range(parts)]
    done = 0
    for item, size in zip(items, sizes, strict=True):
        chunks[min(parts - 1, done * parts // total)].append(item)
        done += size
    return [chunk for chunk in chunks if chunk]


def _pack(run: LintRun) -> Packed:
    findings = [tuple(getattr(f, name) for name in _FINDING_FIELDS) for f in run.findings]
    return run.files, run.documents, run.suppressed, run.notes, findings


def _unpack(packed: Packed) -> LintRun:
    files, documents, suppressed, notes, findings = packed
    return LintRun([Finding(*f) for f in findings], files, documents, suppressed, notes)


def run_in_workers(
    task: FileTask, files: list[tuple[str, bool]], jobs: int
) -> list[LintRun | None]:
    """`task` applied to every (path, discovered) pair, results in input order.

    Falls back to this process when there are few files or the platform is not Linux; standard
    input ('-') is always read here, where it is.
    """
    workers = worker_count(len(files), jobs)
    # Forking is safe on Linux; macOS's system libraries are not fork-safe, and spawning
    # workers that re-import everything would cost more than it saves on typical runs.
    if workers < 2 or not sys.platform.startswith("linux"):
        return [task(path, discovered) for path, discovered in files]
    results: list[LintRun | None] = [None] * len(files)
    pending: list[Item] = []
    for index, (path, discovered) in enumerate(files):
        if path == "-":
            results[index] = task(path, discovered)
        else:
            pending.append((index, path, discovered))
    sys.stdout.flush()
    sys.stderr.flush()
    running: dict[int, BinaryIO] = {}  # pid -> read end of its pipe
    try:
        own, *others = contiguous_chunks(pending, workers) or [[]]
        for chunk in others:
            pid, pipe = _start(task, chunk)
            running[pid] = os.fdopen(pipe, "rb")
        # This process lints the first run itself rather than wait: one fork fewer, and its
        # results need no pickling.
        for index, path, discovered in own:
            results[index] = task(path, discovered)
        for pid in list(running):
            status, payload = _collect(pid, running[pid])
            del running[pid]
            if status != "ok":
                raise WorkerError(str(payload))
            for index, packed in payload:
                results[index] = None if packed is None else _unpack(packed)
    finally:
        _stop(running)
    return results


def _start(task: FileTask, chunk: list[Item]) -> tuple[int, int]:
    """Fork a worker for `chunk`; its (pid, read end of its pipe)."""
    read_end, write_end = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the worker: never returns
        os.close(read_end)
        _work(task, chunk, write_end, parent)
    os.close(write_end)
    return pid, read_end


def _die_with(parent: int) -> None:
    """Have the kernel kill this worker when its parent dies, however it dies (SIGTERM from
    a CI runner's timeout, SIGKILL): otherwise orphaned workers would lint on. Linux only
    (prctl PR_SET_PDEATHSIG); the parent may already be gone by the time it is set."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:
        os._exit(1)


_PR_SET_PDEATHSIG = 1


def _work(task: FileTask, chunk: list[Item], pipe: int, parent: int) -> None:
    """In the worker: lint, send ("ok", results) or ("error", message), and leave at once
    (no atexit handlers, no flushing of the parent's buffers)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _die_with(parent)
    code = 0
    message: tuple[str, Any]
    try:
        out: list[tuple[int, Packed | None]] = []
        for index, path, discovered in chunk:
            run = task(path, discovered)
            out.append((index, None if run is None else _pack(run)))
        message = ("ok", out)
    except BaseException as err:  # a bug: reported by the parent as one line
        message, code = ("error", f"{type(err).__name__}: {err}"), 1
    try:
        with os.fdopen(pipe, "wb") as stream:
            pickle.dump(message, stream, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        os._exit(code)


def _collect(pid: int, stream: BinaryIO) -> tuple[str, Any]:
    """Read one worker's message, then reap the worker."""
    with stream:
        data = stream.read()
    os.waitpid(pid, 0)
    try:
        message: tuple[str, Any] = pickle.loads(data)
    except Exception:  # a worker that died mid-message
        return "error", f"worker {pid} ended without a complete result"
    return message


def _stop(running: dict[int, BinaryIO]) -> None:
    """Stop and reap the workers not yet collected (after an error or an interruption)."""
    for pid, stream in running.items():
        stream.close()
        try:
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
