"""Many accounts at once: per-account tasks on a serial, process or Dask executor.

Dask is imported only when a `DaskExecutor` runs (the optional `policysim[org]` extra)."""

from policysim.org.executors import (
    DaskExecutor,
    Executor,
    ExecutorError,
    Outcome,
    ProcessExecutor,
    SerialExecutor,
)
from policysim.org.who_can import AccountFailure, OrgWhoCan, who_can_files, who_can_org

__all__ = [
    "AccountFailure",
    "DaskExecutor",
    "Executor",
    "ExecutorError",
    "OrgWhoCan",
    "Outcome",
    "ProcessExecutor",
    "SerialExecutor",
    "who_can_files",
    "who_can_org",
]
