"""Errors about accounts: unknown principals, policies and resources, with suggestions."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from policysim.policy.errors import PolicyError


class AccountError(PolicyError):
    """A name that the account model does not know; the message suggests the nearest ones."""


def did_you_mean(name: str, candidates: Iterable[str], limit: int = 3) -> str:
    """`; did you mean 'alice'?` or an empty string when nothing is close."""
    close = difflib.get_close_matches(name, list(candidates), n=limit, cutoff=0.6)
    if not close:
        return ""
    if len(close) == 1:
        return f"; did you mean {close[0]!r}?"
    return "; did you mean " + ", ".join(repr(c) for c in close[:-1]) + f" or {close[-1]!r}?"
