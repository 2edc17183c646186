"""The index of every declared condition key is the same whether built from each service's
own key index or, for services whose index is not built yet, from the page's records
(catalog.py `_all_keys`): same declarations in the same order, same templates tried in the
same order, so every lookup answers alike."""

from __future__ import annotations

from policysim.catalog import loader
from policysim.catalog.catalog import Catalog
from policysim.catalog.keys import KeyIndex


def _restated(catalog: Catalog) -> KeyIndex:
    """`_all_keys` as it was: every service's own index, in prefix order."""
    declared = [
        info
        for service in sorted(catalog._service_names)
        for info in KeyIndex(
            loader.build_condition_keys(service, loader.condition_key_records(service))
        ).values()
    ]
    declared.sort(key=lambda info: info.name.partition(":")[0].lower() != info.service)
    return KeyIndex(declared, loader.read_condition_patterns())


def _shape(index: KeyIndex) -> tuple[object, ...]:
    return (
        index.values(),
        [(regex.pattern, info) for regex, info in index.templates()],
    )


def test_every_key_index_equals_the_restated_one() -> None:
    expected = _shape(_restated(Catalog()))
    fresh = Catalog()
    assert _shape(fresh._all_keys) == expected
    mixed = Catalog()
    for service in ("s3", "sts", "ssm", "ec2", "iam"):  # some indexes built first
        mixed._keys_of(service)
    assert _shape(mixed._all_keys) == expected
    json_only = Catalog(cached=False)
    assert _shape(json_only._all_keys) == expected


def test_lookups_of_keys_declared_on_other_pages() -> None:
    fresh, restated = Catalog()._all_keys, _restated(Catalog())
    for name in (
        "ec2:SourceInstanceARN",
        "saml:aud",
        "token.actions.githubusercontent.com:sub",
        "S3:ExistingObjectTag/team",
        "aws:RequestTag/env",
        "nosuch:key",
    ):
        assert fresh.lookup(name) == restated.lookup(name), name
