"""`_supports` answers as testing the supported keys one by one does.

It tests a key against the regexes and slash prefixes of a supported set worked out once per
set (`_support_tests`); the reference here is the loop it replaced, name by name."""

from __future__ import annotations

import dataclasses
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from policysim.catalog import ActionInfo, Catalog, get_catalog
from policysim.catalog.keys import is_template, template_regex
from policysim.lint.rules.catalog_rules import (
    _service_supported_keys,
    _supported_keys,
    _supports,
    declared_key,
    supported_keys,
)

_SERVICES = ["s3", "ec2", "iam", "secretsmanager", "kms", "lambda", "sts", "dynamodb"]


def _reference(supported: frozenset[str], key: str, declared: str) -> bool:
    lower = key.lower()
    if lower in supported or declared in supported:
        return True
    for name in supported:
        if is_template(name) and template_regex(name).fullmatch(key):
            return True
        head, sep, _ = name.rpartition("/")
        if sep and lower.startswith(f"{head}/") and "/" in declared:
            return True
    return False


def _key_sets() -> list[frozenset[str]]:
    catalog = get_catalog()
    sets = [_service_supported_keys(service) for service in _SERVICES]
    for service in _SERVICES:
        sets += [supported_keys(info) for info in catalog.actions(service)[::7]]
    return sets


_SETS = _key_sets()
_NAMES = sorted(set().union(*_SETS))
_FILL = re.compile(r"\$\{[^}]*\}|<[^>]*>")


def _key(draw: st.DrawFn, supported: frozenset[str]) -> str:
    """One of the set's names (or any supported name) filled in, recased or cut; global tag
    keys; odd texts."""
    kind = draw(st.sampled_from(["own", "own", "declared", "aws", "odd"]))
    if kind == "odd":
        return draw(st.text(alphabet="aws:/Tag${}x-", max_size=14))
    if kind == "aws":
        return draw(
            st.sampled_from(
                ["aws:ResourceTag/team", "aws:RequestTag/a/b", "aws:TagKeys", "aws:SourceIp"]
            )
        )
    names = sorted(supported) if kind == "own" and supported else _NAMES
    name = draw(st.sampled_from(names))
    text = _FILL.sub(draw(st.sampled_from(["team", "a/b", "x"])), name)
    if draw(st.booleans()):
        text = text.upper()
    return text[: draw(st.integers(0, len(text)))] if draw(st.booleans()) else text


@settings(max_examples=800, deadline=None)
@given(st.data())
def test_supports_equals_testing_each_supported_key(data: st.DataObject) -> None:
    supported = data.draw(st.sampled_from(_SETS))
    key = _key(data.draw, supported)
    for declared in {declared_key(key) or "", "", key.lower(), "x/y"}:
        assert _supports(supported, key, declared) is _reference(supported, key, declared)


def test_slash_placeholders_need_a_declaration_with_a_slash() -> None:
    supported = _service_supported_keys("secretsmanager")
    key = "secretsmanager:ResourceTag/team"
    for declared in ("", "secretsmanager:resourcetag/tag-key", "x"):
        assert _supports(supported, key, declared) is _reference(supported, key, declared)


def _reference_supported_keys(name: str) -> frozenset[str]:
    """The keys of the process catalog's record of `name`: its own, its resource types' and
    what the catalog declares for those types, lower-cased."""
    catalog = get_catalog()
    info = catalog.action(name)
    if info is None:
        return frozenset()
    keys = {k.lower() for k in info.condition_keys}
    for art in info.resource_types:
        keys |= {k.lower() for k in art.condition_keys}
        declared = catalog.resource_type(info.service, art.name)
        keys |= {k.lower() for k in declared.condition_keys} if declared else set()
    return frozenset(keys)


def test_supported_keys_per_record_equal_the_catalog_records_by_name() -> None:
    """Remembered per record (by identity), the answer is still the process catalog's for
    the name: for its own records, another catalog's equal ones, and unknown names."""
    other = Catalog()
    for service in _SERVICES:
        for info in get_catalog().actions(service):
            assert supported_keys(info) == _reference_supported_keys(info.full_name)
        for info in other.actions(service)[::5]:
            assert supported_keys(info) == _reference_supported_keys(info.full_name)
    stranger = ActionInfo("s3", "NoSuchAction", "Read", (), ("s3:x",), ())
    assert supported_keys(stranger) == frozenset()


# `supported_keys` and `_service_supported_keys` answer as the plain computation they stand
# for, the record looked up by its full name (the shortcut skips that lookup for the catalog's
# own records and lower-cases each distinct key once; the per-service union gathers the shared
# resource-type records by identity).


def test_supported_keys_of_every_catalog_action() -> None:
    catalog = get_catalog()
    count = 0
    for service in sorted(catalog.service_prefixes()):
        union: set[str] = set()
        for info in catalog.actions(service):
            expected = _reference_supported_keys(info.full_name)
            assert supported_keys(info) == expected, info.full_name
            union |= expected
            count += 1
        assert _service_supported_keys(service) == union, service
    assert count > 10_000


def test_supported_keys_of_records_that_are_not_the_catalogs() -> None:
    info = get_catalog().action("s3:GetObject")
    assert info is not None
    for other in (
        dataclasses.replace(info, condition_keys=("s3:NotReally",), resource_types=()),
        dataclasses.replace(info, name="NoSuchAction"),
        dataclasses.replace(info, service="nosuchsvc"),
        dataclasses.replace(info, name="getobject"),
    ):
        _supported_keys.cache_clear()
        assert supported_keys(other) == _reference_supported_keys(other.full_name), other
