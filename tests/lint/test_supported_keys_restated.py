"""`supported_keys` and `_service_supported_keys` answer as the plain computations they
stand for: gathering every key name by name, per action and per resource type, with the
record looked up by its full name (the shortcut skips that lookup for the catalog's own
records and lower-cases each distinct key once; the per-service union gathers the shared
resource-type records by identity)."""

from __future__ import annotations

import dataclasses

from policysim.catalog import ActionInfo, get_catalog
from policysim.lint.rules.catalog_rules import (
    _service_supported_keys,
    _supported_keys,
    supported_keys,
)


def _reference(action: ActionInfo) -> frozenset[str]:
    catalog = get_catalog()
    info = catalog.action(action.full_name)
    if info is None:
        return frozenset()
    keys = {k.lower() for k in info.condition_keys}
    for art in info.resource_types:
        keys |= {k.lower() for k in art.condition_keys}
        declared = catalog.resource_type(info.service, art.name)
        if declared is not None:
            keys |= {k.lower() for k in declared.condition_keys}
    return frozenset(keys)


def test_supported_keys_of_every_catalog_action() -> None:
    catalog = get_catalog()
    count = 0
    for service in sorted(catalog.service_prefixes()):
        union: set[str] = set()
        for info in catalog.actions(service):
            expected = _reference(info)
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
        assert supported_keys(other) == _reference(other), other
