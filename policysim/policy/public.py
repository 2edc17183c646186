"""Whether a resource policy is "public", in S3's sense (spec §6, S3 "The meaning of public").

S3 starts from the assumption that a policy is public; it is non-public only if every Allow
statement is limited to fixed principals, or to fixed values of restricting condition keys.
Block Public Access's RestrictPublicBuckets (engine) and the linter's exposure rules both use
this one definition.
"""

from __future__ import annotations

import ipaddress

from policysim.policy.arn import parse_arn
from policysim.policy.model import Policy, Statement
from policysim.policy.operators import Family, Qualifier, UnknownOperatorError, parse_operator
from policysim.policy.wildcard import has_wildcard

RESTRICTING_KEYS = frozenset(
    k.lower()
    for k in (
        "aws:SourceIp",
        "aws:SourceArn",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:SourceOwner",
        "aws:SourceAccount",
        "s3:x-amz-server-side-encryption-aws-kms-key-id",
        "aws:userid",
        "s3:DataAccessPointArn",
        "s3:DataAccessPointAccount",
        "aws:PrincipalOrgID",
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
        "aws:PrincipalOrgPaths",
        "aws:PrincipalServiceName",
        "aws:PrincipalIsAWSService",
        "aws:SourceVpcArn",
        "aws:VpceAccount",
        "aws:VpceOrgID",
        "aws:VpceOrgPaths",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
        "kms:CallerAccount",
    )
)
"""Condition keys whose fixed values make a `*` principal non-public.

`kms:CallerAccount` is KMS's own name for the caller's account (KMS sets it on every request
to a key; https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html): the key
policies of AWS managed keys grant `*` pinned by it (with `kms:ViaService`), and AWS Config's
kms-key-policy-no-public-access counts such fixed grants as not public. `kms:ViaService`
alone says through which service, not who, and restricts nothing."""

_PRIVATE_V4 = tuple(
    ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)
_FIXED_OPERATORS = frozenset(
    {"StringEquals", "StringEqualsIgnoreCase", "ArnEquals", "ArnLike", "StringLike", "IpAddress"}
)


def _fixed_ip(value: str) -> bool:
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    if isinstance(network, ipaddress.IPv4Network):
        return network.prefixlen >= 8 or any(network.subnet_of(p) for p in _PRIVATE_V4)
    return network.prefixlen >= 32


def _fixed_value(key: str, value: str) -> bool:
    if "${" in value:
        return False
    if key == "aws:sourceip":
        return _fixed_ip(value)
    if key == "aws:principalarn":
        arn = parse_arn(value)
        return arn is not None and not has_wildcard(arn.account) and arn.account != ""
    if key == "s3:dataaccesspointarn":
        arn = parse_arn(value)
        return arn is not None and not has_wildcard(arn.account)
    if key == "aws:userid" and value.endswith(":*"):
        return False
    return not has_wildcard(value)


def is_fixed_value(key: str, value: str) -> bool:
    """Whether a condition literal pins a restricting key to something fixed (an account, an
    ARN in a fixed account, a narrow enough IP range: IPv4 /8 or narrower or private, IPv6 /32
    or narrower). The one definition S3's "public" and `policysim verify` share."""
    return _fixed_value(key.lower(), value)


def _restricted(statement: Statement) -> bool:
    """Some restricting key is limited to fixed values by a positive operator."""
    for name, block in statement.condition.items():
        try:
            op = parse_operator(name)
        except UnknownOperatorError:
            continue
        if op.negated or op.if_exists or op.family is Family.NULL:
            continue
        any_value_equals = op.qualifier is Qualifier.FOR_ANY_VALUE and op.base == "StringEquals"
        fixed = op.qualifier is None and op.base in _FIXED_OPERATORS
        if not (fixed or any_value_equals):
            continue
        for key, values in block.items():
            lower = key.lower()
            if lower in RESTRICTING_KEYS and values and all(_fixed_value(lower, v) for v in values):
                return True
    return False


def statement_is_public(statement: Statement) -> bool:
    """An Allow statement that grants to anyone, not narrowed by a restricting condition."""
    if not statement.is_allow:
        return False
    if statement.not_principal is not None:
        return not _restricted(statement)
    principal = statement.principal
    if principal is None:
        return False
    open_to_all = principal.is_everyone or any(has_wildcard(a) for a in principal.aws)
    web_identity = any(not f.startswith("arn:") for f in principal.federated)
    if not (open_to_all or web_identity):
        return False
    return not _restricted(statement)


def is_public_policy(policy: Policy) -> bool:
    """True when any Allow statement of the policy is public."""
    return any(statement_is_public(s) for s in policy.statements)
