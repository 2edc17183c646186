"""`Catalog.action` and `Catalog.expand` answer as a scan of the service's actions with the
engine's own matcher does: their shortcuts (a dictionary hit, a range of the sorted names, the
`head*` range taken whole) only skip work."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from policysim.catalog import ActionInfo, get_catalog
from policysim.catalog.catalog import _after_prefix
from policysim.policy.action import compile_action_pattern, split_action

_SERVICES = ["s3", "iam", "ec2", "kms", "a4b", "codestar-notifications", "nosuchsvc"]


def _scan_action(text: str) -> ActionInfo | None:
    parts = split_action(text)
    if parts is None:
        return None
    found = [a for a in get_catalog().actions(parts[0]) if a.name.lower() == parts[1]]
    return found[0] if found else None


def _scan_expand(pattern: str) -> list[ActionInfo]:
    if pattern == "*":
        return list(get_catalog().all_actions())
    parts = split_action(pattern)
    if parts is None:
        return []
    matches = compile_action_pattern(pattern)
    return [a for a in get_catalog().actions(parts[0]) if matches(a.full_name)]


@st.composite
def _patterns(draw: st.DrawFn) -> str:
    service = draw(st.sampled_from(_SERVICES))
    names = [a.name for a in get_catalog().actions(service)] or ["GetThing"]
    name = draw(st.sampled_from(names))
    cut = draw(st.integers(min_value=0, max_value=len(name)))
    tail = draw(st.sampled_from(["", "*", "*", "?", "?*", "*s", "*Policy*", "z*", "\U0010ffff*"]))
    text = f"{service}:{name[:cut]}{tail}"
    return text.swapcase() if draw(st.booleans()) else text


@settings(max_examples=500, deadline=None)
@given(_patterns())
def test_expand_equals_a_scan(pattern: str) -> None:
    assert get_catalog().expand(pattern) == _scan_expand(pattern)


@settings(max_examples=300, deadline=None)
@given(_patterns())
def test_action_equals_a_scan(text: str) -> None:
    assert get_catalog().action(text) is _scan_action(text)


def test_examples() -> None:
    catalog = get_catalog()
    for pattern in [
        "s3:*",
        "S3:Get*",
        "ec2:Describe*",
        "iam:*Policy",
        "iam:*Policy*",
        "ec2:Describe*Instance*",
        "s3:Get*Get*",
        "s3:Get**",
        "s3:**",
        "s3:Get*?*",
        "s3:",
        "s3",
        "x:*",
        "*",
    ]:
        assert catalog.expand(pattern) == _scan_expand(pattern), pattern
    for text in ["s3:GetObject", "S3:GETOBJECT", "s3:", ":", "", "s3:GetObject:x", "nosuch:A"]:
        assert catalog.action(text) is _scan_action(text), text


_TEXT = st.text(alphabet=st.sampled_from(["a", "b", "z", "\U0010fffe", "\U0010ffff"]), max_size=5)


@settings(max_examples=500, deadline=None)
@given(_TEXT, _TEXT)
def test_after_prefix_bounds_exactly_the_strings_with_the_prefix(head: str, text: str) -> None:
    """`expand` takes the sorted names from `head` up to `_after_prefix(head)`: they must be
    exactly the names that start with `head`."""
    after = _after_prefix(head)
    assert text.startswith(head) is (head <= text and (after is None or text < after))
