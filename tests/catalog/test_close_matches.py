"""`close_matches` must answer exactly as `difflib.get_close_matches` (it only skips work)."""

from __future__ import annotations

import difflib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policysim.catalog import get_catalog
from policysim.catalog.close_matches import close_matches

_LETTERS = st.text(alphabet="abcdeflmnorst", min_size=0, max_size=12)


@settings(max_examples=400, deadline=None)
@given(
    word=_LETTERS,
    possibilities=st.lists(_LETTERS, max_size=40),
    n=st.integers(min_value=1, max_value=4),
    cutoff=st.sampled_from([0.0, 0.3, 0.6, 0.8, 1.0]),
)
def test_same_answer_as_difflib(word: str, possibilities: list[str], n: int, cutoff: float) -> None:
    expected = difflib.get_close_matches(word, possibilities, n=n, cutoff=cutoff)
    assert close_matches(word, possibilities, n=n, cutoff=cutoff) == expected


@pytest.mark.parametrize(
    ("word", "service"),
    [
        ("listdocumentreviewcomments", "wickr"),
        ("getobjects", "s3"),
        ("describeinstance", "ec2"),
        ("passroles", "iam"),
    ],
)
def test_same_answer_on_catalog_names(word: str, service: str) -> None:
    names = [info.name.lower() for info in get_catalog().actions(service)]
    assert names
    for n in (1, 3, 5):
        assert close_matches(word, names, n=n) == difflib.get_close_matches(word, names, n=n)


def test_bad_arguments_are_refused_like_difflib() -> None:
    with pytest.raises(ValueError, match="n must be > 0"):
        close_matches("a", ["a"], n=0)
    with pytest.raises(ValueError, match="cutoff must be in"):
        close_matches("a", ["a"], cutoff=1.5)
