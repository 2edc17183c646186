"""`verify --no-public-access`: can someone outside every account the policy names get in?

"Public" is defined once, as S3 ("The meaning of public",
https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status)
and IAM Access Analyzer
(https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-custom-policy-checks.html)
use it, with the restricting keys and the fixed-value test of `policy.public`:

A resource policy is public when it allows some request from a principal outside every account
it names (a fresh account's user, role, session or root, or an anonymous caller) in which every
restricting condition key (`policy.public.RESTRICTING_KEYS`: source IP, VPC, VPC endpoint,
source ARN/account, principal account/org/ARN, ...) is either absent or holds a fresh value: one
no fixed literal of the policy equals or matches. An IP literal counts as fixed when it is
narrow enough (IPv4 /8 or narrower, or private; IPv6 /32 or narrower), so a grant limited to
`0.0.0.0/1` is still public, one limited to `203.0.113.0/24` is not.

The request is searched by the same prover as `diff` (NEW = the policy, OLD = nothing), so a
FAIL comes with a request the engine re-checked and a PASS is a proof over those callers.
"""

from __future__ import annotations

import re

from policysim.catalog import get_catalog
from policysim.diff.api import ALLOW_ALL, TRUST_ROLE, build_report
from policysim.diff.principals import fresh_account
from policysim.diff.prove import Answer, Prover, Question
from policysim.diff.report import DiffReport, Direction, Limits
from policysim.diff.values import Literal
from policysim.engine.compiled import NamedPolicy, PolicySet, compile_policy_set
from policysim.engine.condition_block import compile_conditions
from policysim.engine.evaluate import TRUST_ACTIONS
from policysim.engine.request import RequestPrincipal
from policysim.policy.model import Policy
from policysim.policy.public import RESTRICTING_KEYS, is_fixed_value

PUBLIC_RESOURCE_TYPES: dict[str, tuple[str, ...]] = {
    "AWS::S3::Bucket": ("s3",),
    "AWS::S3::AccessPoint": ("s3",),
    "AWS::KMS::Key": ("kms",),
    "AWS::SQS::Queue": ("sqs",),
    "AWS::SNS::Topic": ("sns",),
    "AWS::Lambda::Function": ("lambda",),
    "AWS::Lambda::LayerVersion": ("lambda",),
    "AWS::SecretsManager::Secret": ("secretsmanager",),
    "AWS::ECR::Repository": ("ecr",),
    "AWS::EFS::FileSystem": ("elasticfilesystem",),
    "AWS::DynamoDB::Table": ("dynamodb",),
    "AWS::DynamoDB::Stream": ("dynamodb",),
    "AWS::Kinesis::Stream": ("kinesis",),
    "AWS::Glacier::Vault": ("glacier",),
    "AWS::Backup::BackupVault": ("backup",),
    "AWS::OpenSearchService::Domain": ("es",),
    "AWS::ApiGateway::RestApi": ("execute-api",),
    "AWS::IAM::AssumeRolePolicyDocument": ("sts",),
}
"""Resource types (CloudFormation names, as Access Analyzer lists them) -> the services whose
actions a policy of that type governs."""

TRUST_TYPE = "AWS::IAM::AssumeRolePolicyDocument"
_OWNER = "111122223333"
_ACCOUNT_ID = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")


def _named_accounts(policy: Policy) -> set[str]:
    return set(_ACCOUNT_ID.findall(str(policy.to_json())))


def fresh_value_rules(policy: Policy) -> dict[str, list[Literal]]:
    """For each restricting key the policy mentions: entries its value must meet to be
    fresh (equal to, or matched by, no fixed literal of the policy)."""
    fixed: dict[str, set[str]] = {}
    for statement in policy.statements:
        for entries in statement.condition.values():
            for key, values in entries.items():
                lower = key.lower()
                if lower in RESTRICTING_KEYS:
                    fixed.setdefault(lower, set()).update(
                        v for v in values if is_fixed_value(lower, v)
                    )
    rules: dict[str, list[Literal]] = {}
    for key, literals in fixed.items():
        if not literals:
            continue
        ordered = tuple(sorted(literals))
        block: dict[str, dict[str, tuple[str, ...]]]
        if key == "aws:sourceip":
            block = {"NotIpAddress": {key: ordered}}
        else:
            block = {"StringNotEquals": {key: ordered}, "StringNotLike": {key: ordered}}
            arns = tuple(v for v in ordered if v.startswith("arn:"))
            if arns:
                block["ArnNotLike"] = {key: arns}
        compiled = compile_conditions(block, substitutes_variables=False)
        rules[key] = [(c, True) for c in compiled]
    return rules


def verify_no_public_access(
    policy: Policy, resource_type: str, *, limits: Limits | None = None
) -> DiffReport:
    """FAIL (with a request) when the resource policy is public, PASS when it is not."""
    services = PUBLIC_RESOURCE_TYPES.get(resource_type)
    if services is None:
        known = ", ".join(sorted(PUBLIC_RESOURCE_TYPES))
        raise ValueError(f"unknown resource type {resource_type!r}; use one of {known}")
    limits = limits or Limits()
    catalog = get_catalog()
    patterns: tuple[str, ...] | None = None
    if resource_type == TRUST_TYPE:
        only = TRUST_ACTIONS
        resources: tuple[str, ...] | None = (TRUST_ROLE,)
    else:
        only = frozenset(info.full_name.lower() for s in services for info in catalog.actions(s))
        patterns = tuple(f"{s}:*" for s in services)  # and the actions AWS adds to them
        resources = None
    outsider = fresh_account(_named_accounts(policy) | {_OWNER})
    callers = [
        RequestPrincipal.parse(text)
        for text in (
            f"arn:aws:iam::{outsider}:user/someone",
            f"arn:aws:sts::{outsider}:assumed-role/somerole/session",
            f"arn:aws:iam::{outsider}:root",
            "anonymous",
        )
    ]
    allow = NamedPolicy(ALLOW_ALL, "allow-all")
    named = NamedPolicy(policy, "policy")
    old = compile_policy_set(PolicySet(identity=[allow]))
    new_set = PolicySet(identity=[allow], resource=named)
    question = Question(
        old,
        compile_policy_set(new_set),
        callers,
        _OWNER,
        limits,
        Direction.GAINED,
        only_actions=only,
        only_patterns=patterns,
        resources=resources,
        extra=fresh_value_rules(policy),
        every_caller=True,  # the outsiders stand for every caller outside the named accounts
    )
    answer: Answer = Prover(question).run()
    return build_report([(Direction.GAINED, answer, new_set)], limits)
