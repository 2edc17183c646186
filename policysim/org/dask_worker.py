"""Preloaded into every worker of the `LocalCluster` that `--dask local` starts for one run.

Two things, both for speed: the worker imports policysim while the cluster starts (not while
the first task waits), and when the cluster closes the worker process ends at once instead of
tearing down, object by object, the account files it read (`policysim.org.files`): with
thousands of accounts that took longer than Dask's four seconds of patience, and the worker
was killed after the wait. Never used for a cluster given by address (`tcp://...`): those
workers belong to someone else and keep what they read for the next run.
"""

from __future__ import annotations

import atexit
import os
from typing import Any


def _exit_now() -> None:
    os._exit(0)


def dask_setup(worker: Any) -> None:
    """Dask's preload hook: run in each worker process as it starts."""
    import policysim.org.who_can  # noqa: F401  (imported now: the first task finds it ready)

    atexit.register(_exit_now)
