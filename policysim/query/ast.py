"""The typed result of parsing a query: `CanQuery` or `WhoCanQuery`.

The nodes are frozen dataclasses; `parse_query(render_query(q)) == q` for every valid query.
Nothing here is evaluated: the engine (wired by the CLI) decides what a query means.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, TypeAlias

PrincipalKind: TypeAlias = Literal["user", "role", "arn", "anonymous", "service", "root"]
"""How a query names its principal (see `PrincipalRef`)."""

ContextValue: TypeAlias = str | tuple[str, ...]
"""A single-valued context key's string, or a multivalued key's values (even of one element)."""


@dataclass(frozen=True, slots=True)
class PrincipalRef:
    """The principal a `can` query asks about, as written.

    ========== ================================ =========================================
    kind       written                          name
    ========== ================================ =========================================
    user       ``user/alice``, ``user/eng/bob`` ``alice``, ``eng/bob`` (IAM path + name)
    role       ``role/deploy``                  ``deploy``
    service    ``service/lambda.amazonaws.com`` ``lambda.amazonaws.com``
    root       ``root`` / ``account/1234...``   ``""`` (the account in question) / the ID
    arn        ``arn:aws:iam::1234...:user/x``  the whole ARN (IAM or STS, e.g. assumed-role)
    anonymous  ``anonymous``                    ``""``
    ========== ================================ =========================================
    """

    kind: PrincipalKind
    name: str = ""


@dataclass(frozen=True, slots=True)
class CanQuery:
    """``can PRINCIPAL do ACTION[, ACTION...] [on RESOURCE] [when KEY=VALUE [and ...]]``.

    `resource` is ``"*"`` when the query has no ``on`` clause. `context` keeps the keys as
    written and in order; it is excluded from the hash (a dict is not hashable) but not from
    equality.
    """

    principal: PrincipalRef
    actions: tuple[str, ...]
    resource: str = "*"
    context: dict[str, ContextValue] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class WhoCanQuery:
    """``who can do ACTION[, ACTION...] [on RESOURCE] [when KEY=VALUE [and ...]]``."""

    actions: tuple[str, ...]
    resource: str = "*"
    context: dict[str, ContextValue] = field(default_factory=dict, hash=False)


Query: TypeAlias = CanQuery | WhoCanQuery
"""Any parsed query."""
