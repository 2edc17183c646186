"""The catalog's one-lookup shortcuts answer as the lookups they stand for.

`Catalog.action` reads a prefix written as the catalog's from the name index directly,
`action_as_spelt` answers `action` and "is this its exact spelling" from one lookup, and
`is_own` tells a catalog record from another record of the same name without formatting
it; each is compared with a plain restatement, on a catalog whose indexes are built and on
a fresh one (where the first lookup of a service builds them)."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from policysim.catalog import ActionInfo, get_catalog, loader
from policysim.catalog.catalog import Catalog

_SERVICES = ["s3", "iam", "ec2", "kms", "codestar-notifications", "nosuchsvc"]


def _scan(catalog: Catalog, text: str) -> ActionInfo | None:
    """`action` restated: split at the first colon, the service and the name compared
    case-insensitively with every action of the service."""
    prefix, sep, name = text.partition(":")
    if not sep:
        return None
    return next(
        (a for a in catalog.actions(prefix.lower()) if a.name.lower() == name.lower()), None
    )


@st.composite
def _texts(draw: st.DrawFn) -> str:
    service = draw(st.sampled_from(_SERVICES))
    names = [a.name for a in get_catalog().actions(service)] or ["GetThing"]
    name = draw(st.sampled_from(names))
    flips = draw(st.lists(st.booleans(), max_size=8))
    text = f"{service}:{name}"
    text = "".join(
        c.swapcase() if flip else c
        for c, flip in zip(text, flips + [False] * len(text), strict=False)
    )
    return draw(st.sampled_from([text, text + "x", text[:-1], text.replace(":", ""), "*"]))


@settings(max_examples=500, deadline=None)
@given(_texts(), st.booleans())
def test_action_and_its_spelling_equal_the_restatements(text: str, fresh: bool) -> None:
    catalog = Catalog() if fresh else get_catalog()
    expected = _scan(catalog, text)
    found, exact = catalog.action_as_spelt(text)
    assert found is expected
    assert exact == (expected is not None and expected.full_name == text)
    assert catalog.action(text) is expected
    assert catalog.exact_action(text) is (expected if exact else None)


def test_every_catalog_action_is_found_and_spelt_exactly() -> None:
    catalog = get_catalog()
    for info in catalog.all_actions():
        assert catalog.action_as_spelt(info.full_name) == (info, True)
        assert catalog.action_as_spelt(info.full_name.upper()) == (info, False)
        assert catalog.is_own(info)


def test_a_record_of_another_catalog_is_not_its_own() -> None:
    catalog = get_catalog()
    info = catalog.action("s3:GetObject")
    assert info is not None
    copy = dataclasses.replace(info)
    assert not catalog.is_own(copy)
    assert catalog.action(copy.full_name) is info
    assert not catalog.is_own(dataclasses.replace(info, service="nosuchsvc"))
    assert not catalog.is_own(dataclasses.replace(info, name="NoSuchAction"))
    other = Catalog().action("s3:GetObject")
    assert other is not None and other is not info and not catalog.is_own(other)


def _type_scan(catalog: Catalog, prefix: str, key: str) -> object:
    """`resource_type` restated: the first type of the service with the key, any case."""
    return (
        next(
            (
                info
                for info in loader.read_resource_types(prefix.lower())
                if info.key.lower() == key.lower()
            ),
            None,
        )
        if catalog.has_service(prefix)
        else None
    )


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["s3", "S3", "ec2", "Ec2", "iam", "nosuchsvc", "", "s3 "]),
    st.sampled_from(["bucket", "BUCKET", "object", "instance", "role", "nosuchtype", ""]),
    st.booleans(),
)
def test_resource_types_and_actions_by_any_spelling_of_the_prefix(
    prefix: str, key: str, fresh: bool
) -> None:
    catalog = Catalog() if fresh else get_catalog()
    found = catalog.resource_type(prefix, key)
    assert found == _type_scan(catalog, prefix, key)
    assert catalog.resource_type(prefix, key) is found
    service = prefix.lower()
    known = catalog.has_service(prefix)
    assert catalog.resource_types(prefix) == (loader.read_resource_types(service) if known else ())
    assert catalog.resource_types(prefix) is catalog.resource_types(prefix.upper()) or not known
    assert [a.full_name for a in catalog.actions(prefix)] == (
        [a.full_name for a in loader.read_actions(service)] if known else []
    )
    assert catalog.actions(prefix) is catalog.actions(prefix.upper()) or not known
