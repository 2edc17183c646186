"""The `Bool` condition operator (spec §3.2).

Both sides must spell `true` or `false`, in any letter case (as implementations do). Any other
text - `"yes"`, `"1"`, `" true"`, an empty string - is not a boolean, so the comparison is false
rather than guessing; the linter reports such policy literals (PS109).
"""

from __future__ import annotations

from policysim.policy.literals import parse_bool


def bool_equals(request: str, policy: str) -> bool:
    """Both sides are booleans and equal; false when either side is not a boolean."""
    r = parse_bool(request)
    return r is not None and r == parse_bool(policy)
