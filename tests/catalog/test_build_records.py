"""`loader.build_actions` fills records' slots directly and shares equal resource-type
entries among a service's actions: the records must be what the dataclasses would make."""

from __future__ import annotations

from policysim.catalog import get_catalog, loader
from policysim.catalog.model import ActionInfo, ActionResourceType


def test_records_are_the_dataclasses_own() -> None:
    catalog = get_catalog()
    for prefix in ["s3", "ec2", "iam", "kms", "lambda", "codestar-notifications"]:
        records = loader.action_records(prefix)
        built = loader.build_actions(prefix, records)
        assert len(built) == len(records)
        shared: dict[tuple[str, bool, tuple[str, ...], tuple[str, ...]], ActionResourceType] = {}
        for info, (name, access, types, keys, dependent) in zip(built, records, strict=True):
            expected = ActionInfo(
                prefix,
                name,
                access,
                tuple(ActionResourceType(*rt) for rt in types),
                keys,
                dependent,
            )
            for field in ("service", "name", "access_level", "condition_keys"):
                assert getattr(info, field) == getattr(expected, field)
            assert info.dependent_actions == expected.dependent_actions
            assert info.resource_types == expected.resource_types
            for rt, entry in zip(types, info.resource_types, strict=True):
                assert type(entry) is ActionResourceType
                assert shared.setdefault(rt, entry) is entry  # equal entries: one record
        assert [a.name for a in catalog.actions(prefix)] == [a.name for a in built]
