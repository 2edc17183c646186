"""The least-privilege IAM policies `fetch --org` needs, derived from the allow-list.

Every operation a policysim client may send (`clients.ALLOWED_OPERATIONS`) is mapped here to the
IAM action that authorizes it; a test checks the map covers the allow-list exactly, so a read
added to fetch without its permission (or a permission for a read fetch no longer makes) fails.
`docs/fetch-org.md` shows the two policies these functions build, and a test checks it does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

IAM_ACTIONS: Mapping[tuple[str, str], str | None] = {
    # None: no permission needed (GetCallerIdentity works even under an explicit deny).
    ("sts", "GetCallerIdentity"): None,
    ("sts", "AssumeRole"): "sts:AssumeRole",
    ("ec2", "DescribeRegions"): "ec2:DescribeRegions",
    ("iam", "GetAccountAuthorizationDetails"): "iam:GetAccountAuthorizationDetails",
    ("iam", "ListAccountAliases"): "iam:ListAccountAliases",
    ("s3", "ListBuckets"): "s3:ListAllMyBuckets",
    ("s3", "GetBucketLocation"): "s3:GetBucketLocation",
    ("s3", "GetBucketPolicy"): "s3:GetBucketPolicy",
    ("s3", "GetPublicAccessBlock"): "s3:GetBucketPublicAccessBlock",
    ("s3", "GetBucketTagging"): "s3:GetBucketTagging",
    ("s3", "GetBucketAbac"): "s3:GetBucketAbac",
    ("s3", "HeadBucket"): "s3:ListBucket",
    ("s3control", "GetPublicAccessBlock"): "s3:GetAccountPublicAccessBlock",
    ("kms", "ListKeys"): "kms:ListKeys",
    ("kms", "DescribeKey"): "kms:DescribeKey",
    ("kms", "GetKeyPolicy"): "kms:GetKeyPolicy",
    ("kms", "ListResourceTags"): "kms:ListResourceTags",
    ("sqs", "ListQueues"): "sqs:ListQueues",
    ("sqs", "GetQueueAttributes"): "sqs:GetQueueAttributes",
    ("sqs", "ListQueueTags"): "sqs:ListQueueTags",
    ("sns", "ListTopics"): "sns:ListTopics",
    ("sns", "GetTopicAttributes"): "sns:GetTopicAttributes",
    ("sns", "ListTagsForResource"): "sns:ListTagsForResource",
    ("lambda", "ListFunctions"): "lambda:ListFunctions",
    ("lambda", "GetPolicy"): "lambda:GetPolicy",
    ("lambda", "ListTags"): "lambda:ListTags",
    ("secretsmanager", "ListSecrets"): "secretsmanager:ListSecrets",
    ("secretsmanager", "GetResourcePolicy"): "secretsmanager:GetResourcePolicy",
    ("ecr", "DescribeRepositories"): "ecr:DescribeRepositories",
    ("ecr", "GetRepositoryPolicy"): "ecr:GetRepositoryPolicy",
    ("ecr", "ListTagsForResource"): "ecr:ListTagsForResource",
    ("organizations", "DescribeOrganization"): "organizations:DescribeOrganization",
    ("organizations", "ListParents"): "organizations:ListParents",
    ("organizations", "ListRoots"): "organizations:ListRoots",
    ("organizations", "DescribeOrganizationalUnit"): "organizations:DescribeOrganizationalUnit",
    ("organizations", "ListPoliciesForTarget"): "organizations:ListPoliciesForTarget",
    ("organizations", "DescribePolicy"): "organizations:DescribePolicy",
    ("organizations", "ListAccounts"): "organizations:ListAccounts",
    ("organizations", "ListOrganizationalUnitsForParent"): (
        "organizations:ListOrganizationalUnitsForParent"
    ),
    ("organizations", "ListAccountsForParent"): "organizations:ListAccountsForParent",
}
"""Per allowed (service, operation), the IAM action it needs."""

CALLER_OPERATIONS = frozenset(
    {
        ("organizations", "DescribeOrganization"),
        ("organizations", "ListAccounts"),
        ("organizations", "ListRoots"),
        ("organizations", "ListOrganizationalUnitsForParent"),
        ("organizations", "ListAccountsForParent"),
        ("organizations", "ListPoliciesForTarget"),
        ("organizations", "DescribePolicy"),
    }
)
"""What the management-account caller of `fetch --org` sends (besides AssumeRole)."""

MEMBER_SKIPPED = frozenset({"organizations", "sts"})
"""Services the member ROLE never calls: the organization is read by the caller."""


def caller_policy(role_name: str, partition: str = "aws") -> dict[str, Any]:
    """The identity policy of whoever runs `fetch --org` in the management account."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadTheOrganization",
                "Effect": "Allow",
                "Action": sorted(str(IAM_ACTIONS[op]) for op in CALLER_OPERATIONS),
                "Resource": "*",
            },
            {
                "Sid": "AssumeTheFetchRole",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": f"arn:{partition}:iam::*:role/{role_name}",
            },
        ],
    }


def member_policy() -> dict[str, Any]:
    """The permissions policy of ROLE in every member account: fetch's reads of one account."""
    actions = {
        action
        for (service, _), action in IAM_ACTIONS.items()
        if action and service not in MEMBER_SKIPPED
    }
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ReadPolicies", "Effect": "Allow", "Action": sorted(actions), "Resource": "*"}
        ],
    }


def member_trust_policy(
    management_account: str, caller_role: str, partition: str = "aws"
) -> dict[str, Any]:
    """The trust policy of ROLE: only the caller's role in the management account."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {
                    "AWS": f"arn:{partition}:iam::{management_account}:role/{caller_role}"
                },
                "Action": "sts:AssumeRole",
            }
        ],
    }
