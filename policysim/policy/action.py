"""Action patterns: `service:Name` with `*`/`?` in the name, compared case-insensitively.

The service prefix compares literally (a wildcard never spans the `:`); a bare `*` matches every
action of every service (spec §2.1).
"""

from __future__ import annotations

from functools import lru_cache

from policysim.policy.wildcard import Matcher, compile_glob


@lru_cache(maxsize=65536)
def split_action(action: str) -> tuple[str, str] | None:
    """Split `service:Name` into its lower-cased prefix and name; None when there is no colon.

    Remembered (bounded): linting and deciding ask about the same action names over and
    over (132,231 calls when linting the managed policy corpus), and a cache hit costs
    a third of splitting and lower-casing again."""
    prefix, sep, name = action.partition(":")
    if not sep:
        return None
    return prefix.lower(), name.lower()


@lru_cache(maxsize=65536)
def compile_action_pattern(pattern: str) -> Matcher:
    """Compile one Action/NotAction entry into a predicate over request action names."""
    if pattern == "*":
        return lambda action: True
    parts = split_action(pattern)
    if parts is None:
        return lambda action: False
    prefix, name = parts
    name_matches = compile_glob(name)

    def matches(action: str) -> bool:
        request = split_action(action)
        return request is not None and request[0] == prefix and name_matches(request[1])

    return matches


def action_prefix(pattern: str) -> str | None:
    """The lower-cased service prefix of a pattern, or None for `*` (any service)."""
    if pattern == "*":
        return None
    parts = split_action(pattern)
    return parts[0] if parts else ""
