"""Principal / NotPrincipal matching, which says *how* a principal matched (spec §1.3, §2.3).

The kind matters: a same-account grant to a user ARN stands on its own, a grant to a role ARN
reaches the role (simulated "as the role") and its sessions but stays limited by the role's
boundary and the session policy, and a grant to an account only delegates to that account's
identity policies. Only a grant naming the exact session ARN bypasses the boundary.
"""

from __future__ import annotations

from enum import IntEnum

from policysim.engine.request import PrincipalKind, RequestPrincipal
from policysim.policy.arn import is_account_id, parse_arn
from policysim.policy.model import Principal


class MatchKind(IntEnum):
    """How a principal element matched the caller; larger is stronger."""

    NONE = 0
    ACCOUNT = 1
    FEDERATING_USER = 2
    ROLE = 3
    DIRECT = 4


def match_aws_entry(entry: str, caller: RequestPrincipal) -> MatchKind:
    """Match one value under the `AWS` key against the caller."""
    if entry == "*":
        return MatchKind.DIRECT
    if caller.kind is PrincipalKind.CLOUDFRONT_OAI:
        return MatchKind.DIRECT if entry == caller.arn else MatchKind.NONE
    if caller.kind in (PrincipalKind.ANONYMOUS, PrincipalKind.SERVICE):
        return MatchKind.NONE
    if is_account_id(entry):
        return MatchKind.ACCOUNT if entry == caller.account else MatchKind.NONE
    arn = parse_arn(entry)
    if arn is None:
        return MatchKind.NONE  # unique ids (AIDA..., AROA...) of deleted principals match nothing
    if arn.service == "iam":
        if arn.resource == "root":
            return MatchKind.ACCOUNT if arn.account == caller.account else MatchKind.NONE
        if arn.resource.startswith("user/"):
            if entry == caller.arn:
                return MatchKind.DIRECT
            if caller.kind is PrincipalKind.FEDERATED_USER and entry == caller.user_arn:
                return MatchKind.FEDERATING_USER
            return MatchKind.NONE
        if arn.resource.startswith("role/"):
            if caller.kind is PrincipalKind.ROLE and entry == caller.arn:
                # "As the role": a grant to the role ARN is capped by the role's boundary
                # exactly as for its sessions; only a session-ARN grant bypasses it.
                return MatchKind.ROLE
            if (
                caller.kind is PrincipalKind.ASSUMED_ROLE
                and arn.account == caller.account
                and arn.partition == caller.partition
                and (caller.role_name or "").lower() == arn.resource_name.lower()
            ):
                return MatchKind.ROLE
            return MatchKind.NONE
    if arn.service == "sts" and entry == caller.arn:
        return MatchKind.DIRECT  # an exact assumed-role session or federated-user ARN
    return MatchKind.NONE


def match_principal(element: Principal, caller: RequestPrincipal) -> MatchKind:
    """The strongest way any entry of a Principal element matches the caller."""
    if element.is_everyone:
        return MatchKind.DIRECT
    if caller.kind is PrincipalKind.SERVICE:
        name = (caller.arn or "").lower()
        names = (*element.service, *element.federated)
        return MatchKind.DIRECT if any(n.lower() == name for n in names) else MatchKind.NONE
    best = MatchKind.NONE
    for entry in element.aws:
        kind = match_aws_entry(entry, caller)
        if kind > best:
            best = kind
            if best is MatchKind.DIRECT:
                break
    return best


def statement_principal_kind(
    element: Principal | None,
    *,
    negated: bool,
    allow: bool,
    caller: RequestPrincipal,
    caller_has_boundary: bool,
    principal_required: bool,
) -> MatchKind:
    """How a statement's Principal or NotPrincipal element matches the caller.

    Without an element the statement applies (identity policies, SCPs) unless the policy type
    requires one (a resource-policy statement without Principal is invalid and never
    matches). NotPrincipal applies to everyone not listed, by exact entry: listing the account
    exempts the account principal (root), not its users; listing a role exempts the role, not
    its sessions. A Deny with NotPrincipal always applies to a principal that has a
    permissions boundary, listed or not (spec §2.3).
    """
    if element is None:
        return MatchKind.NONE if principal_required else MatchKind.DIRECT
    kind = match_principal(element, caller)
    if not negated:
        return kind
    if not allow and caller_has_boundary:
        return MatchKind.DIRECT
    listed = (
        kind is MatchKind.DIRECT
        or (kind is MatchKind.ACCOUNT and caller.kind is PrincipalKind.ROOT)
        or (kind is MatchKind.ROLE and caller.kind is PrincipalKind.ROLE)
    )
    return MatchKind.NONE if listed else MatchKind.DIRECT
