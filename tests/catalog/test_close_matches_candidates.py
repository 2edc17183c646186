"""`Candidates`: the letter columns it keeps must give `close_matches` difflib's answers, for a
list used once and for one list asked about word after word (the catalog's way)."""

from __future__ import annotations

import difflib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policysim.catalog import close_matches as module
from policysim.catalog import get_catalog
from policysim.catalog.close_matches import Candidates, close_matches

_TEXT = st.text(alphabet="aabbcdelmnorstAé-:", max_size=14)


@settings(max_examples=400, deadline=None)
@given(
    word=_TEXT,
    possibilities=st.lists(_TEXT, max_size=40),
    n=st.integers(min_value=1, max_value=4),
    cutoff=st.sampled_from([0.0, 0.3, 0.6, 0.8, 1.0]),
)
def test_same_answer_as_difflib(word: str, possibilities: list[str], n: int, cutoff: float) -> None:
    expected = difflib.get_close_matches(word, possibilities, n=n, cutoff=cutoff)
    assert close_matches(word, Candidates(possibilities), n=n, cutoff=cutoff) == expected


@settings(max_examples=100, deadline=None)
@given(words=st.lists(_TEXT, min_size=1, max_size=12), possibilities=st.lists(_TEXT, max_size=30))
def test_one_list_for_many_words(words: list[str], possibilities: list[str]) -> None:
    """The columns kept for one word (a letter, a cap) serve the next ones rightly."""
    candidates = Candidates(possibilities)
    for word in words:
        for cutoff in (0.0, 0.6):
            expected = difflib.get_close_matches(word, possibilities, n=3, cutoff=cutoff)
            assert close_matches(word, candidates, n=3, cutoff=cutoff) == expected


def test_columns_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "_COLUMNS_KEPT", 4)
    names = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "theta"]
    candidates = Candidates(names)
    for word in ["alphabet", "betamax", "gammon", "deltoid", "zetas", "thetaa", "epsilons"]:
        expected = difflib.get_close_matches(word, names, n=2, cutoff=0.3)
        assert close_matches(word, candidates, n=2, cutoff=0.3) == expected
        assert len(candidates._counts) <= 4
        assert len(candidates._capped) <= 4


def test_column_caps_counts() -> None:
    candidates = Candidates(["aaa", "ab", "", "bab"])
    assert candidates.column("a", 2) == (2, 1, 0, 1)
    assert candidates.column("a", 5) == (3, 1, 0, 1)
    assert candidates.column("b", 1) == (0, 1, 0, 1)
    assert candidates.lengths == (3, 2, 0, 3)


@pytest.mark.parametrize("prefix", ["ec3", "s4", "lamda", "applicationwizard", "codestar", "x"])
def test_catalog_service_suggestions_are_difflibs(prefix: str) -> None:
    catalog = get_catalog()
    expected = difflib.get_close_matches(prefix, sorted(catalog.service_prefixes()), n=3)
    assert catalog.suggest_services(prefix) == expected


@pytest.mark.parametrize(
    ("name", "service", "action"),
    [
        ("iam:PassRoles", "iam", "passroles"),
        ("ec2:DescribeInstance", "ec2", "describeinstance"),
        ("wickr:ListDocumentReviewComments", "wickr", "listdocumentreviewcomments"),
    ],
)
def test_catalog_action_suggestions_are_difflibs(name: str, service: str, action: str) -> None:
    catalog = get_catalog()
    lowered = {info.name.lower(): info for info in catalog.actions(service)}
    expected = [
        lowered[close].full_name for close in difflib.get_close_matches(action, list(lowered))
    ]
    assert catalog.suggest_actions(name) == expected
    assert catalog.suggest_actions(name) == expected  # and again, from the kept columns
