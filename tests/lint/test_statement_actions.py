"""`statement_actions` answers as expanding every pattern with `Catalog.expand` does.

It looks exact names up through the shared action facts and returns a lone pattern's
expansion as it is; here it is compared with the plain restatement: every pattern but `*`
expanded, the records chained and de-duplicated in order, complete when nothing was `*` and
every expansion found something."""

from __future__ import annotations

from itertools import chain

from hypothesis import given, settings
from hypothesis import strategies as st

from policysim.catalog import ActionInfo, get_catalog
from policysim.lint.rules.catalog_rules import statement_actions

_SERVICES = ["s3", "iam", "ec2", "kms", "sts", "codestar-notifications", "nosuchsvc"]


def _reference(patterns: tuple[str, ...]) -> tuple[tuple[ActionInfo, ...], bool]:
    catalog = get_catalog()
    expansions = [catalog.expand(pattern) for pattern in patterns if pattern != "*"]
    complete = len(expansions) == len(patterns) and all(expansions)
    return tuple(dict.fromkeys(chain.from_iterable(expansions))), complete


@st.composite
def _pattern(draw: st.DrawFn) -> str:
    """Real names (recased, cut short, with wildcards), unknown names, `*`, odd texts."""
    kind = draw(st.sampled_from(["real", "real", "real", "star", "odd"]))
    if kind == "star":
        return "*"
    if kind == "odd":
        return draw(st.text(alphabet="aS3:*? x", max_size=8))
    service = draw(st.sampled_from(_SERVICES))
    names = [info.name for info in get_catalog().actions(service)] or ["GetThing"]
    name = draw(st.sampled_from(names))
    cut = draw(st.integers(min_value=0, max_value=len(name)))
    tail = draw(st.sampled_from(["", "", "", "*", "?", "*s", "zz", "?*"]))
    text = f"{service}:{name[:cut] if tail else name}{tail}"
    return text.swapcase() if draw(st.booleans()) else text


@settings(max_examples=500, deadline=None)
@given(st.lists(_pattern(), max_size=6))
def test_statement_actions_equal_expanding_every_pattern(patterns: list[str]) -> None:
    found, complete = statement_actions(tuple(patterns))
    expected, expected_complete = _reference(tuple(patterns))
    assert list(found) == list(expected)  # the same records (by identity), in the same order
    assert complete is expected_complete


def test_examples() -> None:
    for patterns in [
        (),
        ("*",),
        ("s3:GetObject",),
        ("s3:Get*",),
        ("s3:Zzz*",),
        ("s3:GetObject", "S3:getobject"),
        ("s3:Get*", "s3:GetObject"),
        ("s3:GetObject", "s3:Get*", "*"),
        ("s3:GetObject", "s3:NoSuchAction"),
        ("nosuch:Get*",),
        ("s3",),
        ("iam:*Policy", "iam:Get*", "iam:GetPolicy"),
    ]:
        found, complete = statement_actions(patterns)
        expected, expected_complete = _reference(patterns)
        assert (list(found), complete) == (list(expected), expected_complete), patterns
