"""Pause the cyclic garbage collector while building large object graphs.

Loading a snapshot creates millions of small objects that are all kept; Python's generational
collector would rescan the growing heap again and again (seconds for a 17 MB snapshot). The
data holds no reference cycles worth collecting mid-load, so collection waits until the end.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Disable automatic collection inside the block (re-enabled after, if it was on)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
