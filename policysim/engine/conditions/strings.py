"""String condition operators (spec §3.2): `StringEquals`, `StringEqualsIgnoreCase`, `StringLike`.

String values need no parsing, so every literal is valid. Only `StringLike` interprets `*` and
`?`; under the `Equals` operators they are ordinary characters (lint rule PS218 exists because
people forget this).
"""

from __future__ import annotations

from functools import lru_cache

from policysim.policy.wildcard import compile_glob


def string_equals(request: str, policy: str) -> bool:
    """Exact, case-sensitive equality; `*` and `?` in the policy value are literal."""
    return request == policy


@lru_cache(maxsize=65536)
def _fold(text: str) -> str:
    """Case-fold once per distinct literal: the same policy values are compared many times."""
    return text.casefold()


def string_equals_ignore_case(request: str, policy: str) -> bool:
    """Equality after Unicode case folding (`casefold`, so `"STRASSE"` equals `"straße"`).

    Folding rather than `lower()` keeps this consistent with `compile_glob(..., ignore_case=True)`,
    which the rest of the engine uses for case-insensitive comparisons.
    """
    return _fold(request) == _fold(policy)


def string_like(request: str, policy: str) -> bool:
    """Case-sensitive glob: `*` is any run of characters (crossing `:` and `/`), `?` is one."""
    return compile_glob(policy)(request)
