"""IAM glob patterns (`*` and `?`), compiled once and cached.

The one implementation of wildcard matching used by the engine (Action, Resource, StringLike,
ArnLike), the catalog (expanding `s3:Get*`) and the linter.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

Matcher = Callable[[str], bool]


def has_wildcard(text: str) -> bool:
    """True when `text` contains a glob character."""
    return "*" in text or "?" in text


def literal_prefix(pattern: str) -> str:
    """The text before the first `*` or `?` (all of it without one): every string the glob
    matches starts with it, which makes a cheap first test."""
    cut = min((i for i in (pattern.find("*"), pattern.find("?")) if i >= 0), default=len(pattern))
    return pattern[:cut]


def glob_to_regex(pattern: str, *, star: str = ".*", qmark: str = ".") -> str:
    """Translate an IAM glob into a regular-expression fragment (no anchors).

    `star` and `qmark` say what `*` and `?` may consume, so that callers can forbid crossing
    a separator (ARN segments use `[^:]*`).
    """
    out: list[str] = []
    for piece in re.split(r"([*?])", pattern):
        if piece == "*":
            out.append(star)
        elif piece == "?":
            out.append(qmark)
        elif piece:
            out.append(re.escape(piece))
    return "".join(out)


@lru_cache(maxsize=65536)
def compile_glob(pattern: str, ignore_case: bool = False) -> Matcher:
    """Return a predicate that tests a whole string against an IAM glob.

    Patterns without wildcards compile to a plain equality test, which is the common case and
    much cheaper than a regular expression. So do case-sensitive patterns with one `*` and no
    `?` (`get*`, `describe*`, `*policy`): a prefix and suffix test, with no regular expression
    to compile (the linter meets thousands of distinct ones, each matched a few times).
    """
    if not has_wildcard(pattern):
        if ignore_case:
            folded = pattern.casefold()
            return lambda value: value.casefold() == folded
        return pattern.__eq__
    if pattern == "*":
        return lambda value: True
    if not ignore_case and "?" not in pattern and pattern.count("*") == 1:
        head, _, tail = pattern.partition("*")
        if not tail:
            return lambda value: value.startswith(head)
        least = len(head) + len(tail)
        return lambda value: len(value) >= least and value.startswith(head) and value.endswith(tail)
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    regex = re.compile(glob_to_regex(pattern), flags)
    return lambda value: regex.fullmatch(value) is not None


def glob_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """Match one value against one IAM glob."""
    return compile_glob(pattern, ignore_case)(value)


def glob_matches_some_extension(pattern: str, prefix: str) -> bool:
    """Whether some string starting with `prefix` matches the IAM glob `pattern`.

    Does `arn:aws:s3:::*/reports/*` reach objects of bucket `b` (strings starting `b/`)? The
    glob is run over the prefix as an automaton; any state still alive at its end can be
    completed, since every glob matches some string.
    """

    def closure(states: set[int]) -> set[int]:
        out = set(states)
        stack = list(states)
        while stack:
            i = stack.pop()
            if i < len(pattern) and pattern[i] == "*" and i + 1 not in out:
                out.add(i + 1)
                stack.append(i + 1)
        return out

    states = closure({0})
    for char in prefix:
        following: set[int] = set()
        for i in states:
            if i >= len(pattern):
                continue
            token = pattern[i]
            if token == "*":
                following.add(i)
            elif token == "?" or token == char:
                following.add(i + 1)
        states = closure(following)
        if not states:
            return False
    return True
