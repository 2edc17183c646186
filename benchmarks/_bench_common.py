"""What every benchmark script shares: pinning to one core, so that figures compare per core.

The scripts run as `python benchmarks/bench_X.py`, so this directory is on `sys.path` and they
import this module by its bare name.
"""

from __future__ import annotations

import os


def pin_to_one_core() -> str:
    """Pin this process (and so its children) to one CPU; describe what was done."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (os.sched_setaffinity unavailable on this platform)"
    allowed = sorted(os.sched_getaffinity(0))
    core = allowed[-1]
    os.sched_setaffinity(0, {core})
    return f"pinned to CPU {core} (of {len(allowed)} available)"
