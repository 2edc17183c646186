"""The typed result of parsing a query: `CanQuery` or `WhoCanQuery`.

The nodes are frozen dataclasses; `parse_query(render_query(q)) == q` for every valid query.
Nothing here is evaluated: the engine (wired by the CLI) decides what a query means.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

from policysim.account.principal_spec import PrincipalKind, PrincipalRef

ContextValue: TypeAlias = str | tuple[str, ...]
"""A single-valued context key's string, or a multivalued key's values (even of one element)."""

# The principal grammar is shared by every command (check, explain, test, query):
# `policysim.account.principal_spec` defines it; the query AST uses its references as they are.
__all__ = ["CanQuery", "ContextValue", "PrincipalKind", "PrincipalRef", "Query", "WhoCanQuery"]


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
