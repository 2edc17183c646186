"""Policy types: where a document is used decides which elements it must and must not have.

Shared by policy validation (an identity statement needs a Resource) and the linter, whose rules
apply per type.
"""

from __future__ import annotations

from enum import StrEnum


class PolicyKind(StrEnum):
    """Where a policy document is used."""

    IDENTITY = "identity"
    RESOURCE = "resource"
    TRUST = "trust"
    SCP = "scp"
    RCP = "rcp"
    BOUNDARY = "boundary"
    SESSION = "session"
    ENDPOINT = "endpoint"


IDENTITY_LIKE = frozenset(
    {PolicyKind.IDENTITY, PolicyKind.BOUNDARY, PolicyKind.SESSION, PolicyKind.SCP}
)
"""Types whose statements name no Principal."""
PRINCIPAL_TYPES = frozenset(
    {PolicyKind.RESOURCE, PolicyKind.TRUST, PolicyKind.RCP, PolicyKind.ENDPOINT}
)
"""Types whose statements must name a Principal."""
