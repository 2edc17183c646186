"""Whether two globs can match a common string: a policy's resource pattern against a catalog
ARN template (PS110-PS112).

Both sides are turned into tokens: literal characters (lower-cased), `ONE` (any character) and
`STAR` (any run). In a policy pattern `*`/`?` are wildcards and a `${...}` variable may stand for
anything; in a catalog template a `${...}` placeholder is one or more characters.

The question is reachability in the product of the two globs' automata: state (i, j) means
`left[:i]` and `right[:j]` can produce the same text. The states of one row `i` are kept as
the bits of one integer, so a row costs a few big-integer operations instead of a Python step
per state: the first use of each distinct pattern (a corpus of managed policies compares a few
thousand pairs, once each) was the largest single cost of PS110 and PS112.
"""

from __future__ import annotations

from functools import lru_cache

STAR = object()
"""Any run of characters, the empty one included."""
ONE = object()
"""Any one character."""
Token = object


@lru_cache(maxsize=16384)
def glob_tokens(text: str, *, template: bool) -> tuple[Token, ...]:
    """The tokens of a policy pattern (`template=False`) or a catalog ARN template.

    Cached: the same resource patterns and catalog templates are compared again for every
    action of every statement.
    """
    if not text.isascii():
        return _scanned_tokens(text, template=template)
    if "${" not in text:
        return tuple(_ascii_tokens(text, template))
    # Every catalog template has placeholders: the literal runs between them go through the
    # C path, and only the placeholders are put in by hand. Once a `${` has no closing `}`
    # after it, the rest of the text is literal (as the character scan reads it).
    out: list[Token] = []
    variable = [ONE, STAR] if template else [STAR]
    start = 0
    while True:
        at = text.find("${", start)
        end = text.find("}", at) if at >= 0 else -1
        if end < 0:
            out += _ascii_tokens(text[start:], template)
            return tuple(out)
        out += _ascii_tokens(text[start:at], template)
        out += variable
        start = end + 1


def _ascii_tokens(text: str, template: bool) -> list[Token] | str:
    """The tokens of ASCII text without variables. Lower-casing ASCII text maps each
    character alone, so the whole text is lower-cased (and, as a sequence, split) in C, and
    only the wildcards of a policy pattern are put in place."""
    lowered = text.lower()
    if template or ("*" not in lowered and "?" not in lowered):
        return lowered
    out: list[Token] = list(lowered)
    for char, token in (("*", STAR), ("?", ONE)):
        at = lowered.find(char)
        while at >= 0:
            out[at] = token
            at = lowered.find(char, at + 1)
    return out


def _scanned_tokens(text: str, *, template: bool) -> tuple[Token, ...]:
    """`glob_tokens` character by character: for texts beyond ASCII (where one character may
    lower-case to two, and each is one token), and the reference the tests hold the other
    paths to."""
    out: list[Token] = []
    i = 0
    size = len(text)
    while i < size:
        if text.startswith("${", i):
            end = text.find("}", i)
            if end >= 0:
                out += [ONE, STAR] if template else [STAR]
                i = end + 1
                continue
        char = text[i]
        if not template and char == "*":
            out.append(STAR)
        elif not template and char == "?":
            out.append(ONE)
        else:
            out.append(char.lower())
        i += 1
    return tuple(out)


@lru_cache(maxsize=65536)
def globs_intersect(left: tuple[Token, ...], right: tuple[Token, ...]) -> bool:
    """Whether two token sequences can match a common string.

    Literal tokens before the first wildcard of either side must agree pairwise, and so must
    those after the last one: they are compared and cut off first, which rejects most pairs
    (`bucket/...` against `accesspoint/...`) and leaves a short search for the rest.
    """
    n, m = len(left), len(right)
    start = 0
    while start < n and start < m:
        a, b = left[start], right[start]
        if a is STAR or b is STAR or a is ONE or b is ONE:
            break
        if a != b:
            return False
        start += 1
    end = 0
    while start + end < n and start + end < m:
        a, b = left[n - 1 - end], right[m - 1 - end]
        if a is STAR or b is STAR or a is ONE or b is ONE:
            break
        if a != b:
            return False
        end += 1
    left, right = left[start : n - end], right[start : m - end]
    if _only_wildcards(left):
        return _lengths_meet(left, right)
    if _only_wildcards(right):
        return _lengths_meet(right, left)
    return _reachable(left, right)


def _only_wildcards(tokens: tuple[Token, ...]) -> bool:
    return tokens.count(STAR) + tokens.count(ONE) == len(tokens)


def _lengths_meet(wild: tuple[Token, ...], other: tuple[Token, ...]) -> bool:
    """`globs_intersect` when `wild` has no literal: it matches every string of its lengths
    (as many as its ONEs, or more with a STAR), and `other` matches some string of each of
    its own lengths (its non-STAR tokens, or more with a STAR); so they meet when the two
    sets of lengths do. Half the pairs PS110 and PS112 compare end here (`${BucketName}`
    against whatever follows a shared literal head)."""
    least_wild = wild.count(ONE)
    stars = other.count(STAR)
    least_other = len(other) - stars
    if STAR in wild:
        return stars > 0 or least_other >= least_wild
    return least_other <= least_wild if stars else least_other == least_wild


@lru_cache(maxsize=4096)
def _columns(right: tuple[Token, ...]) -> tuple[int, int, int, dict[object, int]]:
    """The bit masks `_reachable` reads of `right`: the positions j of its STARs, of its
    characters and ONEs, of its ONEs, and of each literal. Remembered (callers must not change
    the dict): the rest of a catalog template after the literals both sides share recurs, a
    third of the managed policies' first-pass searches."""
    stars = any_char = ones = 0
    by_char: dict[object, int] = {}
    for j, b in enumerate(right):
        bit = 1 << j
        if b is STAR:
            stars |= bit
        else:
            any_char |= bit
            if b is ONE:
                ones |= bit
            else:
                by_char[b] = by_char.get(b, 0) | bit
    return stars, any_char, ones, by_char


def _reachable(left: tuple[Token, ...], right: tuple[Token, ...]) -> bool:
    """Whether state (len(left), len(right)) is reachable from (0, 0), where from (i, j):

    - `left[i]` is STAR: to (i + 1, j), and to (i, j + 1) while j < len(right);
    - `right[j]` is STAR: to (i, j + 1), and to (i + 1, j) while i < len(left);
    - neither is STAR and they agree (equal, or one is ONE): to (i + 1, j + 1).

    Bit j of `row` is state (i, j) of the current row i.
    """
    n, m = len(left), len(right)
    full = (1 << (m + 1)) - 1
    stars, any_char, ones, by_char = _columns(right)
    row = 1
    for i in range(n + 1):
        a = left[i] if i < n else None
        # Moves within the row: a STAR on the left reaches every later j; otherwise only the
        # STARs on the right advance j, from a state j of a run of STARs j..k to every state
        # up to k + 1. Adding the row's STAR states to `stars` carries each run's lowest one
        # through to k + 1, so the bits the sum changes are those states, in one step.
        if a is STAR:
            row = full & ~((row & -row) - 1)
        else:
            row |= (stars + (row & stars)) ^ stars
        if a is None:
            return bool(row >> m & 1)
        # Moves to the next row.
        if a is STAR:
            continue  # (i, j) -> (i + 1, j) for every j of the row
        agree = any_char if a is ONE else by_char.get(a, 0) | ones
        row = (row & stars) | ((row & agree) << 1)
        if not row:
            return False
    return False  # not reached: the last row returns
