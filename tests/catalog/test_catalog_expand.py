"""`Catalog.expand` must agree exactly with the engine's action matcher."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policysim.catalog import ActionInfo, Catalog, get_catalog
from policysim.policy.action import compile_action_pattern

# A handful of services with different shapes: big (ec2), hyphenated prefixes, short names.
SERVICES = ("s3", "iam", "ec2", "kms", "sts", "lambda", "access-analyzer", "cognito-idp")


def names(actions: list[ActionInfo]) -> set[str]:
    return {info.full_name.lower() for info in actions}


def by_matcher(pattern: str, universe: list[ActionInfo]) -> set[str]:
    matches = compile_action_pattern(pattern)
    return {info.full_name.lower() for info in universe if matches(info.full_name)}


@pytest.fixture(scope="module")
def everything(catalog: Catalog) -> list[ActionInfo]:
    return list(catalog.all_actions())


@pytest.mark.parametrize(
    ("pattern", "expected_subset", "excluded"),
    [
        ("s3:Get*", {"s3:getobject", "s3:getbucketpolicy"}, {"s3:putobject"}),
        ("S3:get*", {"s3:getobject"}, {"s3:listbucket"}),
        ("s3:Get?bject", {"s3:getobject"}, {"s3:getobjectacl"}),
        ("iam:*AccessKey*", {"iam:createaccesskey", "iam:listaccesskeys"}, {"iam:passrole"}),
        ("iam:PassRole", {"iam:passrole"}, set()),
        ("iam:passrole", {"iam:passrole"}, set()),
        ("sts:AssumeRole*", {"sts:assumerole", "sts:assumerolewithsaml"}, {"sts:tagsession"}),
    ],
)
def test_expand_examples(
    catalog: Catalog, pattern: str, expected_subset: set[str], excluded: set[str]
) -> None:
    found = names(catalog.expand(pattern))
    assert expected_subset <= found
    assert not excluded & found


def test_expand_exact_name_gives_canonical_case(catalog: Catalog) -> None:
    assert [info.full_name for info in catalog.expand("S3:GETOBJECT")] == ["s3:GetObject"]


@pytest.mark.parametrize(
    "pattern",
    ["s3*:Get*", "*:GetObject", "s?:GetObject", "nope:*", "s3", "", "s3:", "s3:Get:Object"],
)
def test_expand_matches_nothing(
    catalog: Catalog, everything: list[ActionInfo], pattern: str
) -> None:
    assert catalog.expand(pattern) == []
    assert by_matcher(pattern, everything) == set()


@pytest.mark.parametrize(
    "pattern", ["*", "s3:*", "iam:*AccessKey*", "ec2:Describe*", "kms:?ncrypt", "s3:*Object*"]
)
def test_expand_agrees_with_matcher_over_whole_catalog(
    catalog: Catalog, everything: list[ActionInfo], pattern: str
) -> None:
    assert names(catalog.expand(pattern)) == by_matcher(pattern, everything)


def test_expand_star_is_everything(catalog: Catalog, everything: list[ActionInfo]) -> None:
    assert catalog.expand("*") == everything


def test_expand_star_warm_is_fast(catalog: Catalog) -> None:
    catalog.expand("*")
    started = time.perf_counter()
    catalog.expand("*")
    assert time.perf_counter() - started < 0.5


def _mutate(draw: st.DrawFn, text: str) -> str:
    """Replace some characters with `*`/`?` and flip the case of others."""
    out = []
    for char in text:
        roll = draw(st.integers(0, 19))
        if roll == 0:
            out.append("*")
        elif roll == 1:
            out.append("?")
        elif roll == 2:
            out.append(char.swapcase())
        elif roll == 3 and out and out[-1] == "*":
            continue  # let a `*` swallow a run of characters
        else:
            out.append(char)
    return "".join(out)


def _shape(draw: st.DrawFn, name: str) -> str:
    """Cut a real name into the shapes policies use: `Get*`, `*Policy`, `*AccessKey*`."""
    style = draw(st.integers(0, 3))
    cut = draw(st.integers(0, len(name)))
    if style == 0:
        return name
    if style == 1:
        return name[:cut] + "*"
    if style == 2:
        return "*" + name[cut:]
    end = draw(st.integers(cut, len(name)))
    return "*" + name[cut:end] + "*"


@st.composite
def action_patterns(draw: st.DrawFn) -> str:
    """Patterns built from real action names, mostly under their own service."""
    kind = draw(st.integers(0, 19))
    if kind == 0:
        return "*"
    catalog = get_catalog()
    source = draw(st.sampled_from(SERVICES))
    action = draw(st.sampled_from(catalog.actions(source)))
    name = _mutate(draw, _shape(draw, action.name))
    if kind == 1:  # the name under another (or no such) service
        prefix = draw(st.sampled_from((*SERVICES, "nope", "s", "")))
    elif kind == 2:  # wildcards in the prefix never reach across the colon
        prefix = _mutate(draw, source)
    elif kind == 3:
        prefix = source.upper()
    else:
        prefix = source
    return f"{prefix}:{name}"


@pytest.fixture(scope="module")
def sample_universe(catalog: Catalog, everything: list[ActionInfo]) -> list[ActionInfo]:
    """The handful of services, plus every action whose prefix could be mistaken for theirs."""
    return [info for info in everything if info.service in SERVICES or len(info.service) <= 2]


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(pattern=action_patterns())
def test_expand_agrees_with_compile_action_pattern(
    catalog: Catalog,
    everything: list[ActionInfo],
    sample_universe: list[ActionInfo],
    pattern: str,
) -> None:
    universe = everything if pattern == "*" else sample_universe
    assert names(catalog.expand(pattern)) == by_matcher(pattern, universe)
