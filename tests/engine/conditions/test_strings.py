"""String operators (spec §3.2): exact, case-folded and glob comparisons."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policysim.engine.conditions.strings import (
    string_equals,
    string_equals_ignore_case,
    string_like,
)

no_glob = st.text().filter(lambda s: "*" not in s and "?" not in s)


@pytest.mark.parametrize(
    ("request_value", "policy_value", "expected"),
    [
        ("alice", "alice", True),
        ("alice", "Alice", False),  # case-sensitive
        ("alice", "alic", False),
        ("alice", "ali*", False),  # `*` is literal under StringEquals
        ("ali*", "ali*", True),
        ("a?c", "a?c", True),
        ("abc", "a?c", False),
        ("", "", True),
        ("", "*", False),
    ],
)
def test_string_equals(request_value: str, policy_value: str, expected: bool) -> None:
    assert string_equals(request_value, policy_value) is expected


@pytest.mark.parametrize(
    ("request_value", "policy_value", "expected"),
    [
        ("ALICE", "alice", True),
        ("alice", "AlIcE", True),
        ("straße", "STRASSE", True),  # full Unicode case folding
        ("alice", "alic*", False),  # still no wildcards
        ("alic*", "ALIC*", True),
        ("alice", "bob", False),
    ],
)
def test_string_equals_ignore_case(request_value: str, policy_value: str, expected: bool) -> None:
    assert string_equals_ignore_case(request_value, policy_value) is expected


@pytest.mark.parametrize(
    ("request_value", "policy_value", "expected"),
    [
        ("home/alice/file.txt", "home/alice/*", True),
        ("home/alice/sub/dir/file.txt", "home/alice/*", True),  # `*` crosses `/`
        ("arn:aws:iam::111122223333:role/x", "arn:aws:*", True),  # `*` crosses `:`
        (
            "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/doc.txt",
            "arn:aws:someservice:*:111122223333:finance/*",
            True,  # the spec's ArnLike counter-example does match as a plain string glob
        ),
        ("Home/alice/x", "home/*", False),  # case-sensitive
        ("abc", "a?c", True),
        ("ac", "a?c", False),  # `?` is exactly one character
        ("abbc", "a?c", False),
        ("", "*", True),
        ("", "?", False),
        ("line1\nline2", "line1*", True),  # `*` also consumes newlines
        ("a.b", "a.b", True),  # regex metacharacters are literal
        ("axb", "a.b", False),
        ("anything", "*", True),
    ],
)
def test_string_like(request_value: str, policy_value: str, expected: bool) -> None:
    assert string_like(request_value, policy_value) is expected


@given(st.text())
def test_string_equals_is_reflexive(value: str) -> None:
    assert string_equals(value, value)


@given(st.text(), st.text())
def test_string_equals_is_equality(a: str, b: str) -> None:
    assert string_equals(a, b) is (a == b)


@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126)))
def test_ignore_case_ignores_ascii_case(value: str) -> None:
    assert string_equals_ignore_case(value.swapcase(), value)
    assert string_equals_ignore_case(value.upper(), value.lower())


@given(st.text())
def test_string_like_star_matches_everything(value: str) -> None:
    assert string_like(value, "*")


@given(no_glob, no_glob)
def test_string_like_without_wildcards_is_equality(a: str, b: str) -> None:
    assert string_like(a, b) is (a == b)


@given(no_glob, st.text(), no_glob)
def test_string_like_star_spans_any_middle(prefix: str, middle: str, suffix: str) -> None:
    assert string_like(prefix + middle + suffix, f"{prefix}*{suffix}")
