"""IAM globs: `*` any run, `?` one character, everything else literal (policy/wildcard.py)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policysim.policy.arn import compile_arn_glob
from policysim.policy.wildcard import compile_glob, glob_match, has_wildcard, literal_prefix


def glob_to_regex(pattern: str, *, star: str = ".*", qmark: str = ".") -> str:
    """The obvious (backtracking) translation of a glob: the reference the linear matcher
    must agree with."""
    out: list[str] = []
    for piece in re.split(r"([*?])", pattern):
        if piece == "*":
            out.append(star)
        elif piece == "?":
            out.append(qmark)
        elif piece:
            out.append(re.escape(piece))
    return "".join(out)


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("abc", "abc", True),
        ("abc", "abcd", False),
        ("abc", "ABC", False),
        ("a*", "a", True),  # * matches zero characters
        ("a*", "abc/d:e", True),  # ...and crosses / and :
        ("*c", "abc", True),
        ("a*c", "ac", True),
        ("a*c", "ab", False),
        ("a?c", "abc", True),
        ("a?c", "ac", False),
        ("a?c", "abbc", False),
        ("??", "ab", True),
        ("*", "", True),
        ("", "", True),
        ("", "a", False),
        ("a*b*c", "a-b-b-c", True),
        ("a.c", "abc", False),  # regex metacharacters are literal
        ("a+", "aa", False),
        ("[ab]", "a", False),
        ("[ab]", "[ab]", True),
        ("a\\d", "a\\d", True),
        ("x*", "x\ny", True),  # * crosses newlines
    ],
)
def test_glob_match(pattern: str, value: str, expected: bool) -> None:
    assert glob_match(pattern, value) is expected


def test_ignore_case() -> None:
    assert glob_match("S3:Get*", "s3:getobject", ignore_case=True)
    assert glob_match("ABC", "abc", ignore_case=True)
    assert not glob_match("S3:Get*", "s3:getobject")


def test_has_wildcard() -> None:
    assert has_wildcard("a*") and has_wildcard("a?")
    assert not has_wildcard("abc")


def test_compiled_globs_are_cached() -> None:
    assert compile_glob("s3:Get*") is compile_glob("s3:Get*")


_GLOB_TEXT = st.text(alphabet="ab*?:/\n.", max_size=12)
_VALUE_TEXT = st.text(alphabet="abAB:/\n.", max_size=16)


@given(pattern=_GLOB_TEXT, value=_VALUE_TEXT)
def test_every_compiled_glob_agrees_with_its_regular_expression(pattern: str, value: str) -> None:
    """The shortcuts and the linear matcher answer exactly what the regex would."""
    regex = re.compile(glob_to_regex(pattern), re.DOTALL)
    assert compile_glob(pattern)(value) is (regex.fullmatch(value) is not None)


@given(pattern=st.text(alphabet="aAbB*?:", max_size=12), value=_VALUE_TEXT)
def test_case_insensitive_globs_agree_with_the_regex(pattern: str, value: str) -> None:
    regex = re.compile(glob_to_regex(pattern), re.DOTALL | re.IGNORECASE)
    assert compile_glob(pattern, True)(value) is (regex.fullmatch(value) is not None)


_SEGMENT = st.text(alphabet="ab*?/", max_size=5)


@given(
    heads=st.lists(_SEGMENT, min_size=4, max_size=4),
    tail=st.text(alphabet="ab*?/:", max_size=8),
    value=st.text(alphabet="ab/:", max_size=20).map(lambda v: "arn:" + v),
    ignore_case=st.booleans(),
)
def test_arn_globs_agree_with_the_segment_regex(
    heads: list[str], tail: str, value: str, ignore_case: bool
) -> None:
    """A head segment's `*`/`?` never crosses a colon; the resource part's may."""
    pattern = ":".join(["arn", *heads, tail])
    head = ":".join(glob_to_regex(h, star="[^:]*", qmark="[^:]") for h in heads)
    body = f"(?i:arn:{head})" if ignore_case else f"arn:{head}"
    regex = re.compile(f"{body}:{glob_to_regex(tail)}", re.DOTALL)
    expected = regex.fullmatch(value) is not None
    assert compile_arn_glob(pattern, head_ignore_case=ignore_case)(value) is expected


@pytest.mark.parametrize(
    ("pattern", "value"),
    [
        ("arn:aws:s3:::*a*a*a*a*b", "arn:aws:s3:::" + "a" * 1000),
        ("*a*a*a*a*a*a*a*a*a*b", "a" * 64),
        ("*?a*?a*?a*?a*?a*?a*?a*?b", "a" * 200),
        ("*" * 40 + "b", "a" * 5000),
    ],
)
def test_adversarial_globs_do_not_backtrack(pattern: str, value: str) -> None:
    """Patterns that make a regular expression backtrack for minutes (O(n^k) for k stars)
    are legal in AWS; the linear matcher answers them at once (and this test would take
    hours if it ever backtracked again)."""
    assert compile_glob(pattern)(value) is False
    assert compile_glob(pattern)(value + "b") is True
    arn = "arn:aws:s3:::" + value
    assert compile_arn_glob("arn:aws:s3:::" + pattern)(arn) is False


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("ab*", "ab", True),
        ("*ab", "b", False),
        ("a*a", "a", False),  # head and tail may not overlap
        ("a*a", "aa", True),
        ("*.json", "x.json", True),
    ],
)
def test_one_star_shortcut(pattern: str, value: str, expected: bool) -> None:
    assert compile_glob(pattern)(value) is expected


@pytest.mark.parametrize(
    ("pattern", "prefix"),
    [("s3:Get*", "s3:Get"), ("a?b*", "a"), ("*", ""), ("plain", "plain"), ("", "")],
)
def test_literal_prefix(pattern: str, prefix: str) -> None:
    assert literal_prefix(pattern) == prefix


@given(st.text(alphabet="ab*?:", max_size=12))
def test_literal_prefix_stops_at_the_first_wildcard(pattern: str) -> None:
    prefix = literal_prefix(pattern)
    assert pattern.startswith(prefix)
    assert not has_wildcard(prefix)
    assert len(prefix) == len(pattern) or pattern[len(prefix)] in "*?"
