"""The bounds `close_matches` prunes with: the longest common subsequence (bit-parallel) is
what the textbook recurrence says, it bounds difflib's matches, and the answers stay
difflib's on long, repetitive and non-ASCII names."""

from __future__ import annotations

import difflib

from hypothesis import given, settings
from hypothesis import strategies as st

from policysim.catalog import get_catalog
from policysim.catalog.close_matches import (
    close_matches,
    common_subsequence_length,
    letter_masks,
)

_TEXT = st.text(alphabet="aabbcxyzAé\u2983-:", max_size=30)


def _lcs(left: str, right: str) -> int:
    row = [0] * (len(right) + 1)
    for a in left:
        previous = 0
        for j, b in enumerate(right, 1):
            previous, row[j] = row[j], previous + 1 if a == b else max(row[j], row[j - 1])
    return row[-1]


@settings(max_examples=500, deadline=None)
@given(_TEXT, _TEXT)
def test_common_subsequence_length_is_the_recurrences(text: str, word: str) -> None:
    found = common_subsequence_length(text, letter_masks(word), len(word))
    assert found == _lcs(text, word)
    matcher = difflib.SequenceMatcher(None, text, word)
    assert sum(block.size for block in matcher.get_matching_blocks()) <= found


@settings(max_examples=500, deadline=None)
@given(
    word=_TEXT,
    possibilities=st.lists(_TEXT, max_size=40),
    n=st.integers(min_value=1, max_value=4),
    cutoff=st.sampled_from([0.0, 0.3, 0.5, 0.6, 0.75, 1.0]),
)
def test_same_answer_as_difflib(word: str, possibilities: list[str], n: int, cutoff: float) -> None:
    expected = difflib.get_close_matches(word, possibilities, n=n, cutoff=cutoff)
    assert close_matches(word, possibilities, n=n, cutoff=cutoff) == expected


@settings(max_examples=200, deadline=None)
@given(
    service=st.sampled_from(["ec2", "iam", "s3", "sagemaker", "wickr"]),
    data=st.data(),
)
def test_same_answer_on_mangled_catalog_names(service: str, data: st.DataObject) -> None:
    names = [info.name.lower() for info in get_catalog().actions(service)]
    name = data.draw(st.sampled_from(names))
    cut = data.draw(st.integers(min_value=0, max_value=len(name)))
    word = name[:cut] + data.draw(st.text(alphabet="aeiosx", max_size=3)) + name[cut + 1 :]
    for n in (1, 3):
        assert close_matches(word, names, n=n) == difflib.get_close_matches(word, names, n=n)


def test_same_answer_for_service_prefixes() -> None:
    prefixes = sorted(get_catalog().service_prefixes())
    for word in ["ec3", "lamda", "s4", "cloudwatchlogs", "iamm", "", "x", "evidently"]:
        assert close_matches(word, prefixes) == difflib.get_close_matches(word, prefixes)
