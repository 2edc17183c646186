"""Resources AWS owns: modifying them is refused whatever the policies say (an option)."""

from __future__ import annotations

import pytest

from policysim.engine.aws_owned import protection
from policysim.engine.options import EvaluationOptions
from policysim.engine.request import RequestPrincipal
from policysim.engine.result import Decision

from .support import ACCOUNT, ALICE, allow, decide, doc, request

ADMIN = doc(allow("*", "*"))
MANAGED = "arn:aws:iam::aws:policy/AdministratorAccess"
SSO_ROLE = f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_1"
SLR = (
    f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/elasticbeanstalk.amazonaws.com/"
    "AWSServiceRoleForElasticBeanstalk"
)
ALIAS = f"arn:aws:kms:eu-west-1:{ACCOUNT}:alias/aws/s3"


@pytest.mark.parametrize(
    ("action", "resource", "words"),
    [
        ("iam:CreatePolicyVersion", MANAGED, "AWS managed policies cannot be modified"),
        ("iam:DeletePolicy", MANAGED, "AWS managed policies cannot be modified"),
        ("iam:TagPolicy", MANAGED, "AWS managed policies cannot be modified"),
        ("iam:DeleteRole", SSO_ROLE, "IAM Identity Center"),
        ("iam:PutRolePolicy", SSO_ROLE, "IAM Identity Center"),
        ("iam:UpdateAssumeRolePolicy", SLR, "only by its service (elasticbeanstalk.amazonaws.com)"),
        ("kms:DeleteAlias", ALIAS, "alias/aws/"),
        ("kms:UpdateAlias", ALIAS, "alias/aws/"),
    ],
)
def test_modifying_an_aws_owned_resource_is_refused(action: str, resource: str, words: str) -> None:
    result = decide(request(ALICE, action, resource), identity=[ADMIN])
    assert result.decision is Decision.IMPLICIT_DENY
    assert words in result.reason
    assert result.blocked_by == ["aws-owned"]
    off = EvaluationOptions(aws_owned_resources_protected=False)
    assert decide(request(ALICE, action, resource), off, identity=[ADMIN]).allowed


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("iam:GetPolicy", MANAGED),
        ("iam:GetPolicyVersion", MANAGED),
        ("iam:PassRole", SLR),
        ("iam:CreateServiceLinkedRole", SLR),
        ("iam:DeleteServiceLinkedRole", SLR),
        ("iam:GetRole", SSO_ROLE),
        ("iam:DeleteRole", f"arn:aws:iam::{ACCOUNT}:role/app"),
        ("iam:DeletePolicy", f"arn:aws:iam::{ACCOUNT}:policy/Mine"),
        ("kms:DeleteAlias", f"arn:aws:kms:eu-west-1:{ACCOUNT}:alias/mine"),
        ("kms:DescribeKey", ALIAS),
    ],
)
def test_reading_using_and_customer_resources_are_left_to_the_policies(
    action: str, resource: str
) -> None:
    assert decide(request(ALICE, action, resource), identity=[ADMIN]).allowed


def test_a_service_linked_role_may_be_changed_by_its_own_service() -> None:
    own = RequestPrincipal.parse("elasticbeanstalk.amazonaws.com")
    other = RequestPrincipal.parse("ec2.amazonaws.com")
    assert protection("iam:UpdateRoleDescription", SLR, own) is None
    assert protection("iam:UpdateRoleDescription", SLR, other) is not None


def test_an_explicit_deny_stays_explicit() -> None:
    result = decide(
        request(ALICE, "iam:DeletePolicy", MANAGED),
        identity=[ADMIN, doc({"Effect": "Deny", "Action": "iam:*", "Resource": "*"})],
    )
    assert result.decision is Decision.EXPLICIT_DENY


KEY = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.mark.parametrize(
    "action", ["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:TagResource"]
)
def test_an_aws_managed_key_cannot_be_changed(action: str) -> None:
    caller = RequestPrincipal.parse(ALICE)
    assert "AWS managed KMS keys" in (protection(action, KEY, caller, aws_managed_key=True) or "")
    assert protection(action, KEY, caller) is None  # a customer managed key


@pytest.mark.parametrize("action", ["kms:Decrypt", "kms:GenerateDataKey", "kms:CreateGrant"])
def test_an_aws_managed_key_may_still_be_used(action: str) -> None:
    assert protection(action, KEY, RequestPrincipal.parse(ALICE), aws_managed_key=True) is None
