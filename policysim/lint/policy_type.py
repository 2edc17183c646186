"""Policy types, which decide where a rule applies: the main guard against false positives."""

from __future__ import annotations

from typing import Any

from policysim.policy.kinds import IDENTITY_LIKE, PRINCIPAL_TYPES, PolicyKind

__all__ = [
    "IDENTITY_LIKE",
    "PRINCIPAL_TYPES",
    "TRUST_ACTIONS",
    "PolicyKind",
    "detect_kind",
    "parse_kind",
]

TRUST_ACTIONS = ("sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def detect_kind(document: Any) -> tuple[PolicyKind, str | None]:
    """Guess the type (and, for resource policies, the service) from the document itself.

    A Principal together with an `sts:AssumeRole*` action means a role trust policy; any other
    Principal means a resource-based policy of the service its actions name; no Principal means
    an identity policy. Callers that know better (CloudFormation, `--type`) say so instead.
    """
    statements = document.get("Statement") if isinstance(document, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list):
        return PolicyKind.IDENTITY, None
    if not any(
        isinstance(statement, dict) and ("Principal" in statement or "NotPrincipal" in statement)
        for statement in statements
    ):
        return PolicyKind.IDENTITY, None  # most documents: their actions need not be read
    actions: list[str] = []
    for statement in statements:
        if not isinstance(statement, dict):
            continue
        actions += [a.lower() for a in _strings(statement.get("Action"))]
        actions += [a.lower() for a in _strings(statement.get("NotAction"))]
    if (
        actions
        and all(a.startswith("sts:") for a in actions)
        and any(a.startswith(TRUST_ACTIONS) for a in actions)
    ):
        return PolicyKind.TRUST, "sts"
    services = {a.split(":", 1)[0] for a in actions if ":" in a}
    return PolicyKind.RESOURCE, (services.pop() if len(services) == 1 else None)


def parse_kind(text: str) -> tuple[PolicyKind, str | None]:
    """`--type` values: identity, trust, scp, rcp, boundary, session, endpoint, resource,
    or resource:SERVICE (resource:s3, resource:kms, ...)."""
    name, _, service = text.partition(":")
    try:
        kind = PolicyKind(name.lower())
    except ValueError:
        names = ", ".join(k.value for k in PolicyKind)
        raise ValueError(f"unknown policy type {text!r}; expected one of {names}") from None
    if service and kind is not PolicyKind.RESOURCE:
        raise ValueError(f"only resource policies take a service: {text!r}")
    return kind, (service.lower() or None)
