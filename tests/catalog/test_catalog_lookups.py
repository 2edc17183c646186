"""Services, actions, resource types, RCP coverage and "did you mean" suggestions."""

from __future__ import annotations

from datetime import datetime

import pytest

from policysim.catalog import ActionInfo, Catalog, get_catalog


def test_get_catalog_is_a_singleton() -> None:
    assert get_catalog() is get_catalog()


def test_metadata(catalog: Catalog) -> None:
    assert catalog.data_version.startswith("0.1.")
    assert isinstance(catalog.data_updated, datetime)
    assert catalog.data_updated.tzinfo is not None


def test_services(catalog: Catalog) -> None:
    prefixes = catalog.service_prefixes()
    assert {"s3", "iam", "ec2", "sts", "kms", "access-analyzer"} <= prefixes
    assert len(prefixes) > 300
    assert all(prefix == prefix.lower() for prefix in prefixes)
    assert catalog.has_service("S3")
    assert catalog.has_service("Access-Analyzer")
    assert not catalog.has_service("s4")
    assert catalog.service_name("s3") == "Amazon S3"
    assert catalog.service_name("IAM") is not None
    assert catalog.service_name("nope") is None


@pytest.mark.parametrize("name", ["s3:GetObject", "S3:getobject", "s3:GETOBJECT", "S3:GetObject"])
def test_action_lookup_is_case_insensitive(catalog: Catalog, name: str) -> None:
    info = catalog.action(name)
    assert info is not None
    assert info.full_name == "s3:GetObject"
    assert info.service == "s3"
    assert info.access_level == "Read"


def test_action_details(catalog: Catalog) -> None:
    get_object = catalog.action("s3:GetObject")
    assert get_object is not None
    assert {rt.name for rt in get_object.resource_types} >= {"object"}
    assert "s3:ExistingObjectTag/<key>" in get_object.condition_keys

    listing = catalog.action("s3:ListAllMyBuckets")
    assert listing is not None
    assert listing.resource_types == ()  # no resource-level permissions: Resource must be "*"

    pass_role = catalog.action("iam:PassRole")
    assert pass_role is not None
    assert any(rt.required for rt in pass_role.resource_types)


@pytest.mark.parametrize("name", ["s3:GetObjects", "s4:GetObject", "GetObject", "", "s3:", "*"])
def test_unknown_actions(catalog: Catalog, name: str) -> None:
    assert catalog.action(name) is None


def test_actions_of_a_service(catalog: Catalog) -> None:
    actions = catalog.actions("S3")
    assert actions is catalog.actions("s3")  # cached
    assert all(isinstance(info, ActionInfo) and info.service == "s3" for info in actions)
    names = [info.name.lower() for info in actions]
    assert names == sorted(names)
    assert catalog.actions("nope") == ()
    assert catalog.actions("../services") == ()  # never becomes a file path


def test_all_actions_covers_every_service(catalog: Catalog) -> None:
    actions = list(catalog.all_actions())
    assert len(actions) > 15000
    assert {info.service for info in actions} <= catalog.service_prefixes()
    full_names = [info.full_name.lower() for info in actions]
    assert len(full_names) == len(set(full_names))


def test_records_are_frozen(catalog: Catalog) -> None:
    info = catalog.action("s3:GetObject")
    assert info is not None
    with pytest.raises(AttributeError):
        info.name = "PutObject"  # type: ignore[misc]


def test_resource_types(catalog: Catalog) -> None:
    bucket = catalog.resource_type("s3", "Bucket")
    assert bucket is not None
    assert bucket.key == "bucket"
    assert bucket.arn_template == "arn:${Partition}:s3:::${BucketName}"
    assert catalog.resource_type("s3", "nope") is None
    assert catalog.resource_type("nope", "bucket") is None
    assert {rt.key for rt in catalog.resource_types("IAM")} >= {"role", "user", "policy"}


def test_rcp_supported_services(catalog: Catalog) -> None:
    rcp = catalog.rcp_supported_services()
    assert {"s3", "sts", "kms", "sqs", "secretsmanager"} <= rcp
    assert "ec2" not in rcp
    assert rcp <= catalog.service_prefixes()


def test_suggest_actions(catalog: Catalog) -> None:
    assert catalog.suggest_actions("iam:PassRoles")[0] == "iam:PassRole"
    assert catalog.suggest_actions("IAM:passroles")[0] == "iam:PassRole"
    assert catalog.suggest_actions("s3:GetObjcet")[0] == "s3:GetObject"
    assert catalog.suggest_actions("iamm:PassRole") == ["iam:PassRole"]
    assert len(catalog.suggest_actions("s3:Get", limit=2)) <= 2
    assert catalog.suggest_actions("no-colon") == []
    assert catalog.suggest_actions("zzzzzzzz:Qqqqqq") == []


def test_suggest_services(catalog: Catalog) -> None:
    assert "ec2" in catalog.suggest_services("ec3")
    assert catalog.suggest_services("S33")[0] == "s3"
    assert catalog.suggest_services("lamda")[0] == "lambda"
    assert catalog.suggest_services("qqqqqqqqqqqq") == []
