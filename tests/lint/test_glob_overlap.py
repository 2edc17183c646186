"""`glob_overlap`: whether two globs can match a common string, against brute force."""

from __future__ import annotations

import itertools
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from policysim.lint.glob_overlap import (
    ONE,
    STAR,
    Token,
    _reachable,
    _scanned_tokens,
    glob_tokens,
    globs_intersect,
)

ALPHABET = "ab"


def _regex(tokens: tuple[Token, ...]) -> re.Pattern[str]:
    parts = [".*" if t is STAR else "." if t is ONE else re.escape(str(t)) for t in tokens]
    return re.compile("".join(parts), re.S)


def _brute_force(left: tuple[Token, ...], right: tuple[Token, ...]) -> bool:
    """Some string of `ALPHABET` and one other character, no longer than both sequences
    together, matched by both (any common string can be shortened to one that short)."""
    a, b = _regex(left), _regex(right)
    letters = ALPHABET + "z"
    for size in range(len(left) + len(right) + 1):
        for chars in itertools.product(letters, repeat=size):
            text = "".join(chars)
            if a.fullmatch(text) and b.fullmatch(text):
                return True
    return False


_TOKENS = st.lists(st.sampled_from([STAR, ONE, *ALPHABET]), max_size=4).map(tuple)


@settings(max_examples=400, deadline=None)
@given(_TOKENS, _TOKENS)
def test_agrees_with_brute_force(left: tuple[Token, ...], right: tuple[Token, ...]) -> None:
    assert globs_intersect(left, right) == _brute_force(left, right)


def test_policy_patterns_against_templates() -> None:
    template = glob_tokens("${BucketName}/${ObjectName}", template=True)
    assert globs_intersect(glob_tokens("my-bucket/*", template=False), template)
    assert globs_intersect(glob_tokens("my-bucket/${aws:username}", template=False), template)
    assert not globs_intersect(glob_tokens("my-bucket", template=False), template)
    # A placeholder is at least one character; a policy `*` may be empty.
    assert not globs_intersect(glob_tokens("b/", template=False), template)
    assert globs_intersect(glob_tokens("*", template=False), template)


def test_tokens() -> None:
    assert glob_tokens("A*?${x}", template=False) == ("a", STAR, ONE, STAR)
    assert glob_tokens("A*?${x}", template=True) == ("a", "*", "?", ONE, STAR)
    assert glob_tokens("${unclosed", template=True) == tuple("${unclosed")


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["a", "B", "*", "?", "$", "{", "}", "${", "${x}", "/", ":", "\u0130", "\u03a3"]
        )
    ).map("".join),
    st.booleans(),
)
def test_tokens_of_plain_text_equal_the_character_scan(text: str, template: bool) -> None:
    """The C paths (ASCII text, with or without `${...}`) tokenize as the scan does."""
    assert glob_tokens(text, template=template) == _scanned_tokens(text, template=template)


_LONGER = st.lists(st.sampled_from([STAR, ONE, *ALPHABET]), max_size=6).map(tuple)
_WILD = st.lists(st.sampled_from([STAR, ONE]), max_size=4).map(tuple)


@settings(max_examples=300, deadline=None)
@given(_WILD, _LONGER)
def test_wildcards_only_against_anything(wild: tuple[Token, ...], other: tuple[Token, ...]) -> None:
    """The length test for a side without literals agrees with the automaton."""
    assert globs_intersect(wild, other) == _reachable(wild, other)
    assert globs_intersect(other, wild) == _reachable(other, wild)


_STARRY = st.lists(st.sampled_from([STAR, STAR, ONE, *ALPHABET]), max_size=4).map(tuple)


@settings(max_examples=400, deadline=None)
@given(_STARRY, _STARRY)
def test_reachable_agrees_with_brute_force(
    left: tuple[Token, ...], right: tuple[Token, ...]
) -> None:
    """`_reachable` itself, runs of STARs on either side included (its moves along a run of
    STARs on the right are one carrying addition)."""
    assert _reachable(left, right) == _brute_force(left, right)


def test_reachable_along_runs_of_stars() -> None:
    """Runs of STARs on the right, before and after literals, crossed in one step."""
    assert _reachable(("a", "b"), (STAR, STAR, STAR, "b"))
    assert _reachable(("a",), ("a", STAR, STAR))
    assert _reachable(("a", "b", "c"), ("a", STAR, STAR, "c", STAR, STAR))
    assert not _reachable(("a", "b"), (STAR, STAR, "a"))
