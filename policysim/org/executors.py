"""Where per-account tasks run: in this process, on local processes, or on a Dask cluster.

Every executor takes the same thing: a task function `task(shared, key)`, one `shared` value
that every task reads (the snapshot and the question) and the keys to run (account ids). The
shared value travels once per worker, not once per task: processes get it through the pool's
initializer, Dask workers through `scatter(broadcast=True)`. Outcomes come back as they
finish; a task that raises becomes an `Outcome` with the error, and the run goes on. A worker
that dies takes no answer with it: its tasks run again (a new process pool, or Dask's own
rescheduling plus `retries`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from policysim.policy.errors import PolicyError

S = TypeVar("S")
R = TypeVar("R")

Task = Callable[[S, str], R]

LOCAL_PRELOAD = "policysim.org.dask_worker"
"""Preloaded into the workers of a `LocalCluster` this executor starts."""

DASK_MISSING = "--dask needs Dask distributed: install policysim[org]"


class ExecutorError(Exception):
    """An executor could not start (a missing extra, a scheduler that does not answer)."""


@dataclass(frozen=True, slots=True)
class Outcome(Generic[R]):
    """One task's end: its value, or the one-line error that stopped it."""

    key: str
    value: R | None = None
    error: str | None = None


class Executor(Protocol):
    """Runs `task(shared, key)` for each key and yields the outcomes as they finish."""

    def run(self, task: Task[S, R], shared: S, keys: Sequence[str]) -> Iterator[Outcome[R]]:
        """Run every key once; yield one outcome per key, in the order they finish."""
        ...


def _error(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    if text and isinstance(exc, PolicyError):
        return text[0]  # an error as a value: its message already names the file and place
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def attempt(task: Task[S, R], shared: S, key: str) -> Outcome[R]:
    """`task(shared, key)` as an outcome: an exception becomes its one-line error."""
    try:
        return Outcome(key, task(shared, key))
    except Exception as exc:  # a failed account is an error row, not a failed run
        return Outcome(key, error=_error(exc))


class SerialExecutor:
    """The default: each task in turn, in this process, with no dependency."""

    def run(self, task: Task[S, R], shared: S, keys: Sequence[str]) -> Iterator[Outcome[R]]:
        """Run the keys in order."""
        for key in keys:
            yield attempt(task, shared, key)


# ---- local processes -------------------------------------------------------------------------

_installed: tuple[Callable[[Any, str], Any], Any] | None = None
"""The task and shared value of this worker process (set once by the pool's initializer)."""


def _install(task: Callable[[Any, str], Any], shared: Any) -> None:
    global _installed
    _installed = (task, shared)


def _run_installed(key: str) -> Outcome[Any]:
    assert _installed is not None, "the pool initializer did not run"
    task, shared = _installed
    return attempt(task, shared, key)


class ProcessExecutor:
    """`workers` local processes (`concurrent.futures`); the shared value is handed to each
    process once, by the pool's initializer. When a worker dies, the pool breaks: the tasks it
    had not finished run again on a new pool, up to `restarts` times."""

    def __init__(self, workers: int = 2, *, restarts: int = 3) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers
        self.restarts = restarts
        self.restarted = 0
        """How many times a broken pool was replaced during the last run."""
        self._pool: ProcessPoolExecutor | None = None

    def pids(self) -> list[int]:
        """The process ids of the current pool's workers (for monitoring and tests)."""
        pool = self._pool
        processes: dict[int, Any] = getattr(pool, "_processes", None) or {}
        return sorted(processes)

    def run(self, task: Task[S, R], shared: S, keys: Sequence[str]) -> Iterator[Outcome[R]]:
        """Run the keys on the pool; resubmit those a broken pool lost."""
        self.restarted = 0
        left = list(dict.fromkeys(keys))
        while left:
            pool = ProcessPoolExecutor(
                max_workers=min(self.workers, len(left)),
                initializer=_install,
                initargs=(task, shared),
            )
            self._pool = pool
            lost: list[str] = []
            try:
                pending: dict[Future[Outcome[R]], str] = {}
                for index, key in enumerate(left):
                    try:
                        pending[pool.submit(_run_installed, key)] = key
                    except BrokenProcessPool:
                        # A worker died before every key was handed over: the pool takes no
                        # more, and the keys not yet submitted go to the next pool.
                        lost.extend(left[index:])
                        break
                while pending:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        key = pending.pop(future)
                        try:
                            yield future.result()
                        except BrokenProcessPool:
                            lost.append(key)
                        except Exception as exc:  # e.g. a value that would not pickle
                            yield Outcome(key, error=_error(exc))
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None
            if lost and self.restarted >= self.restarts:
                for key in lost:
                    yield Outcome(key, error="a worker process died on every attempt")
                lost = []
            if lost:
                self.restarted += 1
            lost_keys = set(lost)
            left = [key for key in left if key in lost_keys]


# ---- Dask ------------------------------------------------------------------------------------


class DaskExecutor:
    """A Dask cluster: `"local"` starts a `LocalCluster` of `workers` processes for the run;
    `tcp://HOST:PORT` uses a running scheduler. The shared value is scattered to every worker
    once; each task is retried `retries` times, and Dask reschedules the tasks of a worker it
    loses. Dask distributed is the optional `org` extra, imported only here."""

    def __init__(
        self,
        address: str = "local",
        *,
        workers: int = 2,
        processes: bool = True,
        retries: int = 2,
        connect_timeout: float = 10,
    ) -> None:
        self.address = address
        self.connect_timeout = connect_timeout
        self.workers = workers
        self.processes = processes
        self.retries = retries

    def run(self, task: Task[S, R], shared: S, keys: Sequence[str]) -> Iterator[Outcome[R]]:
        """Run the keys on the cluster and yield outcomes as they finish."""
        try:
            from distributed import Client, LocalCluster, as_completed
        except ImportError:
            raise ExecutorError(DASK_MISSING) from None
        cluster = None
        try:
            if self.address == "local":
                cluster = LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=self.processes,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                    # Workers import policysim while the cluster starts, and end at once
                    # when it closes (see policysim/org/dask_worker.py).
                    preload=[LOCAL_PRELOAD] if self.processes else [],
                )
                client = Client(cluster)
            else:
                client = Client(self.address, timeout=self.connect_timeout)
        except (OSError, TimeoutError) as exc:
            if cluster is not None:
                cluster.close()
            raise ExecutorError(f"--dask {self.address}: {_error(exc)}") from None
        try:
            [shared_future] = client.scatter([shared], broadcast=True)
            futures = {
                client.submit(
                    attempt, task, shared_future, key, retries=self.retries, pure=False
                ): key
                for key in dict.fromkeys(keys)
            }
            for future in as_completed(futures):
                key = futures[future]
                try:
                    yield future.result()
                except Exception as exc:  # a worker lost too often (KilledWorker) and the like
                    yield Outcome(key, error=_error(exc))
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
