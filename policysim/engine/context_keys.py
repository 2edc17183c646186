"""Context keys AWS sets on every request of a principal (spec §4 table, §5 "D" keys)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from policysim.engine.request import Context, PrincipalKind, Request, RequestPrincipal
from policysim.policy.arn import parse_arn

_PRINCIPAL_TYPE = {
    PrincipalKind.ROOT: "Account",
    PrincipalKind.USER: "User",
    PrincipalKind.ROLE: "AssumedRole",
    PrincipalKind.ASSUMED_ROLE: "AssumedRole",
    PrincipalKind.FEDERATED_USER: "FederatedUser",
    PrincipalKind.ANONYMOUS: "Anonymous",
}


def derive_principal_keys(principal: RequestPrincipal) -> dict[str, str]:
    """`aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType` and, for IAM users,
    `aws:username`; service principals get `aws:PrincipalServiceName` and
    `aws:PrincipalIsAWSService`."""
    keys: dict[str, str] = {}
    kind = principal.kind
    if kind is PrincipalKind.SERVICE:
        keys["aws:PrincipalServiceName"] = principal.arn or ""
        keys["aws:PrincipalIsAWSService"] = "true"
        return keys
    if kind is PrincipalKind.CLOUDFRONT_OAI:
        return keys  # AWS documents no principal keys for origin access identities
    if kind is PrincipalKind.ANONYMOUS:
        keys["aws:PrincipalAccount"] = "anonymous"
        keys["aws:PrincipalType"] = "Anonymous"
        return keys
    keys["aws:PrincipalType"] = _PRINCIPAL_TYPE[kind]
    keys["aws:PrincipalIsAWSService"] = "false"
    if principal.account:
        keys["aws:PrincipalAccount"] = principal.account
    if kind in (PrincipalKind.ASSUMED_ROLE, PrincipalKind.ROLE) and principal.role_arn:
        keys["aws:PrincipalArn"] = principal.role_arn
    elif principal.arn:
        keys["aws:PrincipalArn"] = principal.arn
    if kind is PrincipalKind.USER and principal.arn:
        arn = parse_arn(principal.arn)
        if arn is not None:
            keys["aws:username"] = arn.resource_name
    return keys


def build_request(
    principal: str,
    action: str,
    resource: str = "*",
    *,
    resource_account: str | None = None,
    context: Context | Mapping[str, str | Iterable[str]] | None = None,
    derive: bool = True,
) -> Request:
    """Build a `Request` from plain values, deriving the principal's context keys.

    Keys given in `context` win over derived ones; `derive=False` leaves the context as given,
    as AWS's SimulateCustomPolicy does.
    """
    ctx = context if isinstance(context, Context) else Context(context)
    known = ctx.get("aws:PrincipalArn")
    parsed = RequestPrincipal.parse(
        principal, principal_arn=known if isinstance(known, str) else None
    )
    if derive:
        for key, value in derive_principal_keys(parsed).items():
            if key not in ctx:
                ctx.set(key, value)
    return Request(parsed, action, resource, resource_account, ctx)
