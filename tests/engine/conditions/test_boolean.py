"""The Bool operator (spec §3.2): case-insensitive `true`/`false`, anything else never matches."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policysim.engine.conditions.boolean import bool_equals, parse_bool


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("tRuE", True),
        ("false", False),
        ("False", False),
        ("FALSE", False),
    ],
)
def test_parse_bool_accepts(text: str, expected: bool) -> None:
    assert parse_bool(text) is expected


@pytest.mark.parametrize(
    "text",
    ["", "yes", "no", "1", "0", "t", "f", " true", "true ", "truee", "\uff54rue", "null", "${x}"],
)
def test_parse_bool_rejects(text: str) -> None:
    assert parse_bool(text) is None


@pytest.mark.parametrize(
    ("request_value", "policy_value", "expected"),
    [
        ("true", "true", True),
        ("true", "TRUE", True),
        ("False", "false", True),
        ("true", "false", False),
        ("false", "true", False),
        ("yes", "yes", False),  # equal text, but not booleans
        ("", "", False),
        ("true", "yes", False),
        ("1", "true", False),
    ],
)
def test_bool_equals(request_value: str, policy_value: str, expected: bool) -> None:
    assert bool_equals(request_value, policy_value) is expected


def test_parse_bool_is_cached() -> None:
    assert hasattr(parse_bool, "cache_info")


def _recased(word: str, flips: list[bool]) -> str:
    return "".join(c.upper() if flip else c for c, flip in zip(word, flips, strict=False))


@given(st.sampled_from(["true", "false"]), st.lists(st.booleans(), min_size=5, max_size=5))
def test_any_letter_case_parses(word: str, flips: list[bool]) -> None:
    assert parse_bool(_recased(word, flips)) is (word == "true")
    assert bool_equals(_recased(word, flips), word)


@given(st.text())
def test_only_the_two_words_parse(text: str) -> None:
    assert (parse_bool(text) is not None) is (text.lower() in ("true", "false") and text.isascii())
