"""AWS region codes, from the snapshot that `scripts/build_regions.py` copies out of botocore's
endpoint data (`policysim/data/regions.json`): the IAM catalog itself lists no regions.

Only PS116 asks, and it reports a region only when it is in no partition of the snapshot, so a
region launched after the snapshot is the one false positive to expect; the snapshot's source
line says which botocore release it came from.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

_PACKAGE = "policysim.data"
_RESOURCE = "regions.json"


@cache
def _snapshot() -> tuple[str, frozenset[str]]:
    raw = json.loads(resources.files(_PACKAGE).joinpath(_RESOURCE).read_text(encoding="utf-8"))
    regions = frozenset(code for codes in raw["partitions"].values() for code in codes)
    return str(raw["source"]), regions


def known_regions() -> frozenset[str]:
    """Every region code of every partition in the snapshot."""
    return _snapshot()[1]


def regions_source() -> str:
    """Where the snapshot came from (`botocore 1.44.8 data/endpoints.json`)."""
    return _snapshot()[0]


def is_known_region(code: str) -> bool:
    """Whether `code` is a region of some partition (case-sensitive, as AWS writes them)."""
    return code in _snapshot()[1]
