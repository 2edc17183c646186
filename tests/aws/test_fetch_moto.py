"""`policysim fetch` against a moto server over real HTTP, then the snapshot in use."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import seed_module
from typer.testing import CliRunner

from policysim.account.loaders import load_snapshot
from policysim.aws.clients import ClientFactory
from policysim.aws.fetch import FetchOptions, fetch_snapshot, write_snapshot
from policysim.cli import app

ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def seeded(moto_url: str) -> dict[str, str]:
    arns: dict[str, str] = seed_module().seed(moto_url)
    arns["instance_profile"] = _instance_profile(moto_url)
    return arns


def _instance_profile(moto_url: str) -> str:
    """Put the seeded role `app` in an instance profile with a path; its ARN."""
    import boto3

    iam = boto3.client(
        "iam",
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    created = iam.create_instance_profile(InstanceProfileName="app-profile", Path="/fleet/")
    iam.add_role_to_instance_profile(InstanceProfileName="app-profile", RoleName="app")
    arn: str = created["InstanceProfile"]["Arn"]
    return arn


@pytest.fixture(scope="module")
def snapshot_file(moto_url: str, seeded: dict[str, str], tmp_path_factory: Any) -> Path:
    output = tmp_path_factory.mktemp("fetch") / "snapshot.json"
    result = CliRunner().invoke(
        app,
        ["fetch", "--region", "us-east-1", "--endpoint-url", moto_url, "--output", str(output)],
    )
    assert result.exit_code == 0, result.output
    assert f"wrote {output}: account {ACCOUNT}" in result.stderr
    return output


def _run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def test_snapshot_has_iam_resources_and_metadata(
    snapshot_file: Path, seeded: dict[str, str]
) -> None:
    data = json.loads(snapshot_file.read_text())
    assert data["policysim_snapshot"] == 1
    assert data["metadata"]["regions"] == ["us-east-1"]
    assert data["metadata"]["caller"]["Account"] == ACCOUNT
    assert "testing" not in snapshot_file.read_text()  # no credential is ever written
    [account] = data["accounts"]
    assert account["account_id"] == ACCOUNT
    assert account["alias"] == "moto-demo"
    assert account["errors"] == []
    details = account["authorization_details"]
    assert {u["UserName"] for u in details["UserDetailList"]} == {"alice", "bob"}
    assert {g["GroupName"] for g in details["GroupDetailList"]} == {"readers"}
    assert "app" in {r["RoleName"] for r in details["RoleDetailList"]}
    resources = {r["arn"]: r for r in account["resources"]}
    for kind in ("bucket", "key", "queue", "topic", "function", "secret"):
        assert seeded[kind] in resources, kind
        assert resources[seeded[kind]]["policy"], kind
    bucket = resources[seeded["bucket"]]
    assert bucket["tags"] == {"data": "internal"}
    assert bucket["block_public_access"]["restrict_public_buckets"] is True
    assert resources[seeded["key"]]["tags"] == {"env": "demo"}
    assert resources[seeded["queue"]]["tags"] == {"env": "demo"}
    assert resources[seeded["secret"]]["tags"] == {"env": "demo"}
    assert list(snapshot_file.parent.glob(".*.tmp")) == []  # written atomically


def test_snapshot_loads(snapshot_file: Path, seeded: dict[str, str]) -> None:
    snapshot = load_snapshot(snapshot_file)
    account = snapshot.accounts[ACCOUNT]
    assert account.alias == "moto-demo"
    assert seeded["bucket"] in account.resources
    assert account.resources[seeded["bucket"]].policy is not None


def test_instance_profiles_are_kept(snapshot_file: Path, seeded: dict[str, str]) -> None:
    """EC2 runs code as a role only through an instance profile: fetch keeps the list."""
    assert (
        seeded["instance_profile"] == f"arn:aws:iam::{ACCOUNT}:instance-profile/fleet/app-profile"
    )
    roles = load_snapshot(snapshot_file).accounts[ACCOUNT].roles
    assert roles["app"].instance_profiles == [seeded["instance_profile"]]
    assert all(not role.instance_profiles for name, role in roles.items() if name != "app")


@pytest.mark.parametrize(
    ("words", "resource", "status"),
    [
        (["user", "alice", "s3:GetObject"], "arn:aws:s3:::reports-bucket/q3.csv", 0),
        # bob's own policy allows it; the bucket policy denies him.
        (["user", "bob", "s3:GetObject"], "arn:aws:s3:::reports-bucket/q3.csv", 1),
        (["user", "bob", "s3:GetObject"], "arn:aws:s3:::other-bucket/q3.csv", 0),
        # bob may send to queues; this queue's policy admits only alice.
        (["user", "bob", "sqs:SendMessage"], "arn:aws:sqs:us-east-1:123456789012:jobs", 1),
        (["user", "bob", "sqs:SendMessage"], "arn:aws:sqs:us-east-1:123456789012:other", 0),
    ],
)
def test_check_answers_on_the_snapshot(
    snapshot_file: Path, words: list[str], resource: str, status: int
) -> None:
    result = _run("check", *words, "--resource", resource, "--account", str(snapshot_file))
    assert result.exit_code == status, result.output


def test_who_can_on_the_snapshot(snapshot_file: Path) -> None:
    result = _run(
        "who-can",
        "s3:GetObject",
        "arn:aws:s3:::reports-bucket/q3.csv",
        "--account",
        str(snapshot_file),
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert "user/alice" in result.stdout
    assert "user/bob" not in result.stdout


class DenyingFactory(ClientFactory):
    """Clients for which one service answers AccessDenied to every call, as AWS would."""

    denied = "kms"

    def on_new_client(self, client: Any) -> None:
        from botocore.awsrequest import AWSResponse

        if client.meta.service_model.service_name != self.denied:
            return

        def deny(model: Any, **_: Any) -> tuple[Any, dict[str, Any]]:
            http = AWSResponse("https://denied.invalid/", 400, {}, None)
            error = {
                "Error": {
                    "Code": "AccessDeniedException",
                    "Message": f"not authorized to perform: {self.denied}:{model.name}",
                },
                "ResponseMetadata": {"HTTPStatusCode": 400},
            }
            return http, error

        client.meta.events.register("before-call", deny)


def test_access_denied_on_one_service_leaves_a_complete_snapshot(
    moto_url: str, seeded: dict[str, str], tmp_path: Path
) -> None:
    factory = DenyingFactory(endpoint_url=moto_url, region="us-east-1")
    data = fetch_snapshot(FetchOptions(regions=["us-east-1"]), factory=factory)
    [account] = data["accounts"]
    assert account["errors"] == [
        {
            "service": "kms",
            "region": "us-east-1",
            "operation": "ListKeys",
            "resource": None,
            "error": "AccessDeniedException: not authorized to perform: kms:ListKeys",
        }
    ]
    arns = {r["arn"] for r in account["resources"]}
    assert seeded["key"] not in arns
    assert {seeded[k] for k in ("bucket", "queue", "topic", "function", "secret")} <= arns
    assert account["authorization_details"]["UserDetailList"]
    output = tmp_path / "partial.json"
    write_snapshot(data, output)
    snapshot = load_snapshot(output)
    assert snapshot.metadata["account_errors"][ACCOUNT][0]["service"] == "kms"


def test_access_denied_on_one_resource_is_recorded_and_the_rest_read(
    moto_url: str, seeded: dict[str, str]
) -> None:
    class DenyOnePolicy(ClientFactory):
        def on_new_client(self, client: Any) -> None:
            from botocore.awsrequest import AWSResponse

            def deny(model: Any, params: dict[str, Any], **_: Any) -> Any:
                if model.name == "GetPolicy" and "worker" in str(params.get("url_path")):
                    error = {"Error": {"Code": "AccessDeniedException", "Message": "no"}}
                    return AWSResponse("https://denied.invalid/", 403, {}, None), error
                return None

            client.meta.events.register("before-call", deny)

    factory = DenyOnePolicy(endpoint_url=moto_url, region="us-east-1")
    data = fetch_snapshot(
        FetchOptions(regions=["us-east-1"], services=["lambda", "sqs"]), factory=factory
    )
    [account] = data["accounts"]
    assert [(e["operation"], e["resource"]) for e in account["errors"]] == [
        ("GetPolicy", seeded["function"])
    ]
    arns = {r["arn"] for r in account["resources"]}
    assert seeded["function"] not in arns  # not claimed to have no policy
    assert seeded["queue"] in arns
    assert "authorization_details" not in account


def test_bucket_abac_is_read_with_get_bucket_abac(
    moto_url: str, seeded: dict[str, str], tmp_path: Path
) -> None:
    # moto answers GetBucketAbac without a status: ABAC off, AWS's default.
    data = fetch_snapshot(
        FetchOptions(regions=["us-east-1"], services=["s3"]),
        factory=ClientFactory(endpoint_url=moto_url, region="us-east-1"),
    )
    [account] = data["accounts"]
    bucket = {r["arn"]: r for r in account["resources"]}[seeded["bucket"]]
    assert bucket["abac"] is False

    class AbacOn(ClientFactory):
        """S3 answers GetBucketAbac with Status Enabled, as AWS does once ABAC is on."""

        def on_new_client(self, client: Any) -> None:
            from botocore.awsrequest import AWSResponse

            def enabled(model: Any, **_: Any) -> Any:
                if model.name == "GetBucketAbac":
                    answer = {"AbacStatus": {"Status": "Enabled"}, "ResponseMetadata": {}}
                    return AWSResponse("https://s3.invalid/", 200, {}, None), answer
                return None

            client.meta.events.register("before-call", enabled)

    data = fetch_snapshot(
        FetchOptions(regions=["us-east-1"], services=["s3"]),
        factory=AbacOn(endpoint_url=moto_url, region="us-east-1"),
    )
    [account] = data["accounts"]
    bucket = {r["arn"]: r for r in account["resources"]}[seeded["bucket"]]
    assert bucket["abac"] is True and bucket["tags"] == {"data": "internal"}
    output = tmp_path / "abac.json"
    write_snapshot(data, output)
    loaded = load_snapshot(output).accounts[ACCOUNT].resources[seeded["bucket"]]
    assert loaded.authorization_tags == {"data": "internal"}


def test_get_bucket_abac_denied_is_recorded_and_abac_stays_off(
    moto_url: str, seeded: dict[str, str]
) -> None:
    class AbacDenied(ClientFactory):
        def on_new_client(self, client: Any) -> None:
            from botocore.awsrequest import AWSResponse

            def deny(model: Any, **_: Any) -> Any:
                if model.name == "GetBucketAbac":
                    error = {"Error": {"Code": "AccessDenied", "Message": "no"}}
                    return AWSResponse("https://s3.invalid/", 403, {}, None), error
                return None

            client.meta.events.register("before-call", deny)

    data = fetch_snapshot(
        FetchOptions(regions=["us-east-1"], services=["s3"]),
        factory=AbacDenied(endpoint_url=moto_url, region="us-east-1"),
    )
    [account] = data["accounts"]
    assert {(e["operation"], e["resource"]) for e in account["errors"]} >= {
        ("GetBucketAbac", seeded["bucket"])
    }
    bucket = {r["arn"]: r for r in account["resources"]}[seeded["bucket"]]
    assert bucket["abac"] is False


def test_kms_aws_managed_comes_from_describe_key(
    moto_url: str, seeded: dict[str, str], tmp_path: Path
) -> None:
    """`KeyMetadata.KeyManager`, not the alias: moto's keys are the customer's."""
    data = fetch_snapshot(
        FetchOptions(regions=["us-east-1"], services=["kms"]),
        factory=ClientFactory(endpoint_url=moto_url, region="us-east-1"),
    )
    key = {r["arn"]: r for r in data["accounts"][0]["resources"]}[seeded["key"]]
    assert key["aws_managed"] is False

    class AwsManaged(ClientFactory):
        """KMS answers DescribeKey as it does for an AWS managed key such as aws/s3."""

        def on_new_client(self, client: Any) -> None:
            from botocore.awsrequest import AWSResponse

            def managed(model: Any, params: dict[str, Any], **_: Any) -> Any:
                if model.name == "DescribeKey":
                    metadata = {"KeyId": "k", "Arn": seeded["key"], "KeyManager": "AWS"}
                    answer = {"KeyMetadata": metadata, "ResponseMetadata": {}}
                    return AWSResponse("https://kms.invalid/", 200, {}, None), answer
                return None

            client.meta.events.register("before-call", managed)

    data = fetch_snapshot(
        FetchOptions(regions=["us-east-1"], services=["kms"]),
        factory=AwsManaged(endpoint_url=moto_url, region="us-east-1"),
    )
    key = {r["arn"]: r for r in data["accounts"][0]["resources"]}[seeded["key"]]
    assert key["aws_managed"] is True and key["policy"]
    output = tmp_path / "managed.json"
    write_snapshot(data, output)
    assert load_snapshot(output).accounts[ACCOUNT].resources[seeded["key"]].aws_managed is True


def test_describe_key_denied_leaves_the_key_out(moto_url: str, seeded: dict[str, str]) -> None:
    """Not knowing whether AWS manages a key, fetch claims neither."""

    class Denied(DenyingFactory):
        def on_new_client(self, client: Any) -> None:
            from botocore.awsrequest import AWSResponse

            def deny(model: Any, **_: Any) -> Any:
                if model.name == "DescribeKey":
                    error = {"Error": {"Code": "AccessDeniedException", "Message": "no"}}
                    return AWSResponse("https://kms.invalid/", 400, {}, None), error
                return None

            client.meta.events.register("before-call", deny)

    data = fetch_snapshot(
        FetchOptions(regions=["us-east-1"], services=["kms"]),
        factory=Denied(endpoint_url=moto_url, region="us-east-1"),
    )
    [account] = data["accounts"]
    assert [(e["operation"], e["resource"]) for e in account["errors"]] == [
        ("DescribeKey", seeded["key"])
    ]
    assert seeded["key"] not in {r["arn"] for r in account["resources"]}
