"""What every benchmark script shares: pinning to one core, so that figures compare per core.

The scripts run as `python benchmarks/bench_X.py`, so this directory is on `sys.path` and they
import this module by its bare name.
"""

from __future__ import annotations

import os
from typing import Any


def pin_to_one_core() -> str:
    """Pin this process (and so its children) to one CPU; describe what was done."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (os.sched_setaffinity unavailable on this platform)"
    allowed = sorted(os.sched_getaffinity(0))
    core = allowed[-1]
    os.sched_setaffinity(0, {core})
    return f"pinned to CPU {core} (of {len(allowed)} available)"


def show(
    label: str, seconds: float, target: float | None = None, extra: str = "", *, width: int = 9
) -> None:
    """One figure in milliseconds, with its target (if any) and whether it is met."""
    text = f"  {label:<58} {seconds * 1000:>{width}.1f} ms"
    if target is not None:
        ok = "meets target" if seconds < target else "ABOVE target"
        text += f"   (target < {target * 1000:g} ms: {ok})"
    if extra:
        text += f"   {extra}"
    print(text, flush=True)


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    """A policy document of these statements."""
    return {"Version": "2012-10-17", "Statement": list(statements)}
