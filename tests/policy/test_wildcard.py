"""IAM globs: `*` any run, `?` one character, everything else literal (policy/wildcard.py)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policysim.policy.wildcard import (
    compile_glob,
    glob_match,
    glob_to_regex,
    has_wildcard,
    literal_prefix,
)


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


def test_glob_to_regex_honours_custom_star_and_qmark() -> None:
    fragment = glob_to_regex("a*b?", star="[^:]*", qmark="[^:]")
    assert re.fullmatch(fragment, "axxbz")
    assert not re.fullmatch(fragment, "a:bz")
    assert not re.fullmatch(fragment, "axb:")


def test_compiled_globs_are_cached() -> None:
    assert compile_glob("s3:Get*") is compile_glob("s3:Get*")


_GLOB_TEXT = st.text(alphabet="ab*?:/\n.", max_size=8)


@given(pattern=_GLOB_TEXT, value=st.text(alphabet="ab:/\n.", max_size=10))
def test_every_compiled_glob_agrees_with_its_regular_expression(pattern: str, value: str) -> None:
    """The equality and prefix/suffix shortcuts answer exactly what the regex would."""
    regex = re.compile(glob_to_regex(pattern), re.DOTALL)
    assert compile_glob(pattern)(value) is (regex.fullmatch(value) is not None)


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
