"""Action / NotAction patterns (spec §2.1; policy/action.py)."""

from __future__ import annotations

import pytest

from policysim.policy.action import action_prefix, compile_action_pattern, split_action


def matches(pattern: str, action: str) -> bool:
    return compile_action_pattern(pattern)(action)


@pytest.mark.parametrize(
    ("pattern", "action"),
    [
        ("iam:ListAccessKeys", "iam:ListAccessKeys"),
        ("iam:ListAccessKeys", "IAM:listaccesskeys"),  # prefix and name are case-insensitive
        ("IAM:listaccesskeys", "iam:ListAccessKeys"),
        ("s3:Get*", "s3:GetObject"),
        ("s3:*Object", "s3:PutObject"),
        ("s3:*", "s3:GetObject"),
        ("s3:Get*Acl", "s3:GetBucketAcl"),
        ("ec2:StartInstance?", "ec2:StartInstances"),  # ? is one character
        ("*", "s3:GetObject"),
        ("*", "anything:Goes"),
    ],
)
def test_matching_actions(pattern: str, action: str) -> None:
    assert matches(pattern, action)


@pytest.mark.parametrize(
    ("pattern", "action"),
    [
        ("s3:GetObject", "s3:GetObjectAcl"),
        ("s3:Get*", "s3:PutObject"),
        ("s3:Get*", "s3x:GetObject"),
        ("ec2:StartInstance?", "ec2:StartInstance"),
        ("ec2:StartInstance?", "ec2:StartInstancesX"),
        ("s3*:GetObject", "s3:GetObject"),  # a wildcard never spans into the prefix
        ("s3*:GetObject", "s3control:GetObject"),
        ("*:GetObject", "s3:GetObject"),
        ("s3:*", "iam:GetUser"),
        ("s3GetObject", "s3GetObject"),  # no colon: matches nothing
        ("s3:GetObject", "s3GetObject"),
    ],
)
def test_non_matching_actions(pattern: str, action: str) -> None:
    assert not matches(pattern, action)


def test_split_action_lowercases_both_parts() -> None:
    assert split_action("S3:GetObject") == ("s3", "getobject")
    assert split_action("noColon") is None
    assert split_action("a:b:c") == ("a", "b:c")


@pytest.mark.parametrize(
    ("pattern", "prefix"), [("*", None), ("S3:Get*", "s3"), ("junk", ""), ("s3*:x", "s3*")]
)
def test_action_prefix(pattern: str, prefix: str | None) -> None:
    assert action_prefix(pattern) == prefix
