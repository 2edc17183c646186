"""Resources AWS owns, which no policy lets a customer modify.

AWS refuses changes to AWS managed policies (``arn:aws:iam::aws:policy/...``), to the roles
IAM Identity Center keeps under ``/aws-reserved/``, to service-linked roles (under
``/aws-service-role/SERVICE/``; only their service changes them) and to AWS managed KMS aliases
(``alias/aws/*``), whatever the caller's policies say. Everything here is decided from the
ARN and the action's access level in the catalog; whether a KMS *key* is AWS managed needs the
account's knowledge and is not decided here.

Reading and using these resources stays governed by the policies: only actions whose access
level is Write, Permissions management or Tagging count as modifying, minus the ones that use
rather than change the resource (``iam:PassRole``; creating or deleting a service-linked role,
which customers do through IAM).
"""

from __future__ import annotations

from functools import cache

from policysim.engine.request import PrincipalKind, RequestPrincipal
from policysim.policy.arn import parse_arn

MODIFYING_LEVELS = frozenset({"write", "permissions management", "tagging"})
"""Catalog access levels that change a resource."""

USES_NOT_CHANGES = frozenset(
    {
        "iam:passrole",
        "iam:createservicelinkedrole",
        "iam:deleteservicelinkedrole",
    }
)
"""IAM actions on a role ARN that a customer may take on AWS-owned roles."""


@cache
def _modifying(action: str) -> bool:
    from policysim.catalog import get_catalog

    info = get_catalog().action(action)
    if info is None:
        return False
    levels = {level.strip().lower() for level in info.access_level.split(",")}
    return bool(levels & MODIFYING_LEVELS)


KMS_USES = frozenset(
    f"kms:{name}"
    for name in [
        "encrypt",
        "decrypt",
        "reencryptfrom",
        "reencryptto",
        "generatedatakey",
        "generatedatakeywithoutplaintext",
        "generatedatakeypair",
        "generatedatakeypairwithoutplaintext",
        "generatemac",
        "verifymac",
        "sign",
        "verify",
        "derivesharedsecret",
        "creategrant",
        "retiregrant",
        "revokegrant",
    ]
)
"""KMS actions that use a key (or delegate its use) rather than change it."""


def protection(
    action: str, resource: str, principal: RequestPrincipal, aws_managed_key: bool = False
) -> str | None:
    """Why AWS refuses `action` on `resource` whatever the policies say, or None.

    `aws_managed_key` says the resource is an AWS managed KMS key (from the account)."""
    lowered = action.lower()
    arn = parse_arn(resource)
    if arn is None or lowered in USES_NOT_CHANGES or not _modifying(lowered):
        return None
    service = lowered.partition(":")[0]
    if service == "iam" and arn.account == "aws" and arn.resource.startswith("policy/"):
        return "AWS managed policies cannot be modified"
    if service == "iam" and arn.resource.startswith("role/aws-reserved/"):
        return "roles under /aws-reserved/ belong to IAM Identity Center and cannot be modified"
    if service == "iam" and arn.resource.startswith("role/aws-service-role/"):
        owner = arn.resource.split("/")[2] if arn.resource.count("/") >= 3 else ""
        if principal.kind is PrincipalKind.SERVICE and (principal.arn or "").lower() == owner:
            return None
        return f"a service-linked role can be modified only by its service ({owner or 'AWS'})"
    if service == "kms" and arn.resource.startswith("alias/aws/"):
        return "AWS managed KMS aliases (alias/aws/*) cannot be modified"
    if service == "kms" and aws_managed_key and lowered not in KMS_USES:
        return "AWS managed KMS keys cannot be modified (their policy, rotation and deletion)"
    return None
