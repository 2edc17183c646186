"""IAM glob patterns (`*` and `?`), compiled once and cached.

The one implementation of wildcard matching used by the engine (Action, Resource, StringLike,
ArnLike), the catalog (expanding `s3:Get*`) and the linter.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

Matcher = Callable[[str], bool]


def has_wildcard(text: str) -> bool:
    """True when `text` contains a glob character."""
    return "*" in text or "?" in text


def literal_prefix(pattern: str) -> str:
    """The text before the first `*` or `?` (all of it without one): every string the glob
    matches starts with it, which makes a cheap first test."""
    return pattern.partition("*")[0].partition("?")[0]  # two C calls: on every lint hot path


def _piece_at(piece: str, value: str, start: int) -> bool:
    """Whether `piece` (literal text and `?`, which stands for any one character) matches
    `value` at `start`; the caller has checked that it fits."""
    if "?" not in piece:
        return value.startswith(piece, start)
    return all(
        p == "?" or p == v for p, v in zip(piece, value[start : start + len(piece)], strict=True)
    )


def _finder(piece: str) -> Callable[[str, int, int], int]:
    """`find(value, start, end)`: the first index in `[start, end - len(piece)]` where `piece`
    matches, else -1. Literal pieces use `str.find`; a piece with `?` looks for its longest
    literal run with `str.find` and checks the rest around each hit, so no search backtracks."""
    if "?" not in piece:
        return lambda value, start, end: value.find(piece, start, end)
    runs = [(i, run) for i, run in _literal_runs(piece)]
    if not runs:  # only `?`: any position with room
        return lambda value, start, end: start if end - start >= len(piece) else -1
    offset, anchor = max(runs, key=lambda item: len(item[1]))
    width = len(piece)

    def find(value: str, start: int, end: int) -> int:
        hit = value.find(anchor, start + offset, end - (width - offset - len(anchor)))
        while hit >= 0:
            at = hit - offset
            if _piece_at(piece, value, at):
                return at
            hit = value.find(anchor, hit + 1, end - (width - offset - len(anchor)))
        return -1

    return find


def _literal_runs(piece: str) -> list[tuple[int, str]]:
    """(offset, text) of each maximal run of non-`?` characters in `piece`."""
    runs: list[tuple[int, str]] = []
    start = None
    for i, char in enumerate(piece + "?"):
        if char != "?" and start is None:
            start = i
        elif char == "?" and start is not None:
            runs.append((start, piece[start:i]))
            start = None
    return runs


def _linear_glob(pattern: str) -> Matcher:
    """Match a glob in time linear in the value (times the pattern's length), whatever its
    number of stars: the text before the first `*` must start the value, the text after the
    last must end it, and each piece between is taken at its leftmost place after the
    previous one. Leftmost is always safe (a later `*` can absorb whatever an earlier choice
    leaves), so nothing is ever retried; a regular expression would backtrack, O(n^k) for k
    stars on a value of length n."""
    head, *middle, tail = pattern.split("*")
    finders = [(_finder(piece), len(piece)) for piece in middle if piece]
    least = len(head) + len(tail) + sum(width for _, width in finders)

    def matches(value: str) -> bool:
        size = len(value)
        if size < least:
            return False
        end = size - len(tail)
        if not (_piece_at(head, value, 0) and _piece_at(tail, value, end)):
            return False
        position = len(head)
        for find, width in finders:
            found = find(value, position, end)
            if found < 0:
                return False
            position = found + width
        return True

    return matches


@lru_cache(maxsize=65536)
def compile_glob(pattern: str, ignore_case: bool = False) -> Matcher:
    """Return a predicate that tests a whole string against an IAM glob.

    Patterns without wildcards compile to a plain equality test, which is the common case.
    So do patterns of one `*` and no `?` (`get*`, `describe*`, `*policy`): a prefix and suffix
    test. Everything else goes through `_linear_glob`, which never backtracks: a pattern such
    as `*a*a*a*a*b` against a long value stays fast (such patterns are legal in AWS, and
    policysim reads policies other people wrote). With `ignore_case`, pattern and value
    compare lower-cased.
    """
    if ignore_case:
        folded = pattern.lower()
        inner = compile_glob(folded)
        return lambda value: inner(value.lower())
    if not has_wildcard(pattern):
        return pattern.__eq__
    if pattern == "*":
        return lambda value: True
    if "?" not in pattern and pattern.count("*") == 1:
        head, _, tail = pattern.partition("*")
        if not tail:
            return lambda value: value.startswith(head)
        least = len(head) + len(tail)
        return lambda value: len(value) >= least and value.startswith(head) and value.endswith(tail)
    if "*" not in pattern:  # `?` only: same length, character by character
        size = len(pattern)
        return lambda value: len(value) == size and _piece_at(pattern, value, 0)
    return _linear_glob(pattern)


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
