"""Immutable records for what the catalog knows about services, actions, resources and keys.

They are frozen and slotted because the catalog hands the same objects to every caller (the
engine, the linter, reports) and caches them for the life of the process: nobody may mutate a
shared record, and ~22,000 actions should not each carry a `__dict__`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ActionResourceType:
    """One resource type an action can be authorized against.

    `required` is the Service Authorization Reference's asterisk: the action cannot be scoped to
    anything narrower than this type. Keys and dependent actions listed here apply only when the
    request names a resource of this type.
    """

    name: str
    required: bool
    condition_keys: tuple[str, ...]
    dependent_actions: tuple[str, ...]


@dataclass(frozen=True, slots=True, eq=False)
class ActionInfo:
    """One IAM action, with names in the catalog's canonical case (`s3`, `GetObject`).

    `resource_types` is empty for actions that do not support resource-level permissions, which
    is what the linter needs to tell "Resource must be `*`" from an over-broad grant.

    Compared and hashed by identity: the catalog holds one record per action, and the linter
    puts expansions of thousands of actions into sets, where hashing every field would cost
    more than the lookups.
    """

    service: str
    name: str
    access_level: str
    resource_types: tuple[ActionResourceType, ...]
    condition_keys: tuple[str, ...]
    dependent_actions: tuple[str, ...]

    @property
    def full_name(self) -> str:
        """`service:Name` as it would be written in a policy, e.g. `s3:GetObject`."""
        return f"{self.service}:{self.name}"


@dataclass(frozen=True, slots=True)
class ResourceTypeInfo:
    """A resource type of a service; `arn_template` keeps `${Partition}`-style placeholders."""

    service: str
    key: str
    arn_template: str
    condition_keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ConditionKeyInfo:
    """A condition key as the catalog declares it.

    `name` is the declared name, which for a templated key is the template
    (`aws:RequestTag/${TagKey}`), not the concrete key a policy used. `type` is the Service
    Authorization Reference type (`String`, `ARN`, `ArrayOfString`, ...). `service` is the
    service whose reference declares the key, or `aws` for global keys.
    """

    name: str
    type: str
    description: str
    service: str

    @property
    def multivalued(self) -> bool:
        """True for set-valued keys (`ArrayOf...`), the ones `ForAllValues`/`ForAnyValue` suit."""
        return self.type.startswith("ArrayOf")
