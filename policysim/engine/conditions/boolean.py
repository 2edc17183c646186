"""The `Bool` condition operator (spec §3.2).

Both sides must spell `true` or `false`, in any letter case (as implementations do). Any other
text - `"yes"`, `"1"`, `" true"`, an empty string - is not a boolean, so the comparison is false
rather than guessing; the linter reports such policy literals (PS109).
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1024)
def parse_bool(text: str) -> bool | None:
    """Return True/False for a case-insensitive `true`/`false`, otherwise None.

    ASCII-only lowering so that no exotic Unicode case mapping can turn some other text into
    `true`.
    """
    if not text.isascii():
        return None
    lowered = text.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    return None


def bool_equals(request: str, policy: str) -> bool:
    """Both sides are booleans and equal; false when either side is not a boolean."""
    r = parse_bool(request)
    return r is not None and r == parse_bool(policy)
