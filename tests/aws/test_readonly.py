"""Read-only by construction: the client factory sends only the (service, operation) pairs
fetch needs, checked at every request, and no other call is even written down in
policysim/aws (a static audit)."""

from __future__ import annotations

import ast
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from conftest import RecordingMotoServer, seed_module

from policysim.aws.clients import (
    ALLOWED_OPERATIONS,
    BOTOCORE_OPERATIONS,
    FETCH_OPERATIONS,
    ORG_OPERATIONS,
    ClientFactory,
    ReadOnlyViolation,
    allowed_operation_names,
    is_allowed,
)
from policysim.aws.fetch import FetchOptions, _Account, enabled_regions, fetch_snapshot

PACKAGE = Path(__file__).resolve().parents[2] / "policysim"
AUDITED = [*sorted((PACKAGE / "aws").glob("*.py")), PACKAGE / "cli" / "fetch.py"]
CLIENT_HELPERS = {"get_paginator", "can_paginate", "get_waiter"}
PAGE_WRAPPERS = {"pages": 1}
"""calls.py's helpers taking an operation name: argument index; checked at every call."""
NOT_AWS = {"register", "register_first", "add_task", "remove_task"}
"""Methods named like writes that are not AWS operations (botocore events, the rich bar)."""
PRIVATE = {"_make_api_call", "_make_request", "_endpoint", "make_request", "_send",
           "_send_request", "_get_response", "_do_get_response", "http_session",
           "create_request", "unregister"}  # fmt: skip
"""Ways around the operation names or the guard: private endpoint access, unhooking events."""
GUARD_FILE, GUARD_FUNCTION = "clients.py", "guard"
"""The one place that may touch the endpoint: the guard wrapping its HTTP session."""
WRITE_VERBS = re.compile(
    r"^(put|create|delete|update|tag|untag|attach|detach|set|add|remove|modify|enable|disable"
    r"|start|stop|send|publish|invoke|run|terminate|associate|disassociate|register|deregister"
    r"|cancel|restore|reset|import|export|copy|upload|batch|accept|reject|rotate|revoke"
    r"|authorize|generate|encrypt|decrypt|sign|schedule|replicate|leave|move|purge|change)_"
)


READ_VERBS = re.compile(
    r"^(get|list|describe|head|search|lookup|select|scan|query|retrieve|download|receive|poll"
    r"|preview|simulate|validate|verify|test|view|filter|assume|decode)_"
)
"""Names shaped like a read: allowed only when on the list (`get_parameter_history` is not)."""
MORE_SERVICES = ("ssm", "cognito-identity", "redshift", "sso", "ecr-public")
"""Services fetch does not use whose operation names the audit also knows."""


def _camel(snake: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_"))


@cache
def operations() -> frozenset[str]:
    """The snake_case names of every operation of every service on the allowlist."""
    import botocore.session
    from botocore import xform_name

    session = botocore.session.get_session()
    return frozenset(
        xform_name(name)
        for service in (*ALLOWED_OPERATIONS, *MORE_SERVICES)
        for name in session.get_service_model(service).operation_names
    )


def _allowed(snake: str) -> bool:
    return _camel(snake) in allowed_operation_names()


def _guard_lines(tree: ast.AST, file: str) -> set[int]:
    if Path(file).name != GUARD_FILE:
        return set()
    return {
        line
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name == GUARD_FUNCTION
        for line in range(node.lineno, (node.end_lineno or node.lineno) + 1)
    }


def audit(source: str, file: str = "<source>") -> list[str]:
    """Every call in `source` that is, or may be, an AWS operation not on the allowlist, and
    every private way to the wire."""
    problems: list[str] = []
    tree = ast.parse(source, file)
    wrapper_lines = {
        line
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name in PAGE_WRAPPERS
        for line in range(node.lineno, (node.end_lineno or node.lineno) + 1)
    }
    guard_lines = _guard_lines(tree, file)
    for node in ast.walk(tree):
        where = f"{file}:{getattr(node, 'lineno', '?')}"
        attr = node.attr if isinstance(node, ast.Attribute) else None
        if attr in PRIVATE and getattr(node, "lineno", 0) not in guard_lines:
            problems.append(f"{where}: {attr} goes around the guard")
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute):
            name = func.attr
            if name in CLIENT_HELPERS:
                arg = node.args[0] if node.args else None
                if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                    if node.lineno not in wrapper_lines:
                        problems.append(f"{where}: {name}() with a computed operation name")
                elif not _allowed(arg.value):
                    problems.append(f"{where}: {name}({arg.value!r}) is not allowed")
            elif name in NOT_AWS:
                continue
            elif (
                name in operations() or WRITE_VERBS.match(name) or READ_VERBS.match(name)
            ) and not _allowed(name):
                problems.append(f"{where}: {name}() is not allowed")
        elif isinstance(func, ast.Name) and func.id in PAGE_WRAPPERS:
            index = PAGE_WRAPPERS[func.id]
            arg = node.args[index] if len(node.args) > index else None
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                problems.append(f"{where}: {func.id}() with a computed operation name")
            elif not _allowed(arg.value):
                problems.append(f"{where}: {func.id}(..., {arg.value!r}) is not allowed")
        elif isinstance(func, ast.Name) and func.id in ("getattr", "setattr") and node.args[1:]:
            attr = node.args[1]
            if not (isinstance(attr, ast.Constant) and isinstance(attr.value, str)):
                problems.append(f"{where}: {func.id}() with a computed name")
            elif attr.value in PRIVATE:
                problems.append(f"{where}: {func.id}(..., {attr.value!r}) goes around the guard")
            elif attr.value in operations() and not _allowed(attr.value):
                problems.append(f"{where}: {func.id}(..., {attr.value!r}) is not allowed")
    return problems


FETCH_FILES = ("fetch.py", "org_tree.py", "calls.py")
"""What `fetch` runs: its own module, the organization levels it shares with `fetch --org`,
and the shared way of calling (pages, the bounded pool)."""


def operations_written_in_fetch(*files: str) -> set[str]:
    """The CamelCase names of the AWS operations `aws/<file>` calls (default: `FETCH_FILES`),
    read from their source: client methods named like an operation, and paginator and `pages`
    names."""
    found: set[str] = set()
    for file in files or FETCH_FILES:
        found |= _operations_in(ast.parse((PACKAGE / "aws" / file).read_text()))
    return found


def _operations_in(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name_arg: ast.expr | None = None
        if isinstance(func, ast.Attribute) and func.attr in CLIENT_HELPERS:
            name_arg = node.args[0] if node.args else None
        elif isinstance(func, ast.Name) and func.id in PAGE_WRAPPERS:
            index = PAGE_WRAPPERS[func.id]
            name_arg = node.args[index] if len(node.args) > index else None
        elif isinstance(func, ast.Attribute) and func.attr in operations():
            found.add(_camel(func.attr))
        if isinstance(name_arg, ast.Constant) and isinstance(name_arg.value, str):
            found.add(_camel(name_arg.value))
    return found


def test_every_aws_call_in_the_package_is_allowed() -> None:
    problems = [p for file in AUDITED for p in audit(file.read_text(), str(file))]
    assert problems == []


def test_the_allowlist_is_exactly_what_fetch_calls() -> None:
    """Nothing on the list that fetch does not call, nothing called that is not on it."""
    written = operations_written_in_fetch()
    listed = {operation for names in FETCH_OPERATIONS.values() for operation in names}
    assert written == listed
    assert {"GetBucketPolicy", "DescribeKey", "GetAccountAuthorizationDetails"} <= written


def test_the_org_allowlist_is_exactly_what_fetch_org_adds() -> None:
    """`ORG_OPERATIONS` is what `org.py` calls beyond fetch's own reads: no more, no less, and
    nothing in it is already on `FETCH_OPERATIONS` (each list says who needs each call)."""
    fetch_ops = {(s, o) for s, names in FETCH_OPERATIONS.items() for o in names}
    org_ops = {(s, o) for s, names in ORG_OPERATIONS.items() for o in names}
    assert not fetch_ops & org_ops
    org_written = operations_written_in_fetch("org.py")
    names = {o for _, o in fetch_ops | org_ops}
    assert operations_written_in_fetch() | org_written == names
    assert {o for _, o in org_ops} <= org_written
    # AssumeRole is the one STS call added; the credential minting calls stay refused.
    assert ORG_OPERATIONS["sts"] == frozenset({"AssumeRole"})


def test_every_allowed_pair_is_a_real_operation_of_its_service() -> None:
    import botocore.session

    session = botocore.session.get_session()
    for service, names in ALLOWED_OPERATIONS.items():
        assert names <= set(session.get_service_model(service).operation_names), service
    assert ALLOWED_OPERATIONS["s3"] == FETCH_OPERATIONS["s3"] | BOTOCORE_OPERATIONS["s3"]


@pytest.mark.parametrize(
    "source",
    [
        "client.put_bucket_policy(Bucket='b', Policy='{}')",
        "s3.delete_bucket(Bucket='b')",
        "self.iam.attach_user_policy(UserName='u', PolicyArn='a')",
        "org.get_paginator('list_parents').paginate()\nc.get_paginator('delete_objects')",
        "getattr(client, 'create_user')(UserName='mallory')",
        "getattr(client, name)()",
        "client._make_api_call('PutBucketPolicy', {})",
        "client._endpoint.make_request(model, request)",
        "getattr(client, '_endpoint')",
        "endpoint.http_session.send(request)",
        "client.meta.events.unregister('before-send', handler)",
        "secrets.get_secret_value(SecretId='s')",
        "ssm.get_parameter_history(Name='p', WithDecryption=True)",
        "kms.get_public_key(KeyId='k')",
        "sts.get_session_token()",
        "sqs.tag_queue(QueueUrl='q', Tags={})",
        "pages(client, 'delete_objects', 'Deleted')",
        "pages(client, 'list_users', 'Users')",
        "def f(client, op):\n    return client.get_paginator(op)",
    ],
)
def test_the_audit_flags_a_call_not_on_the_list(source: str) -> None:
    assert audit(source), source


def test_the_audit_accepts_listed_reads_and_the_guard_alone_may_touch_the_endpoint() -> None:
    source = (
        "client.get_bucket_policy(Bucket='b')\n"
        "client.list_keys()\n"
        "client.describe_key(KeyId='k')\n"
        "org.describe_organization()\n"
        "client.get_paginator('get_account_authorization_details')\n"
    )
    assert audit(source) == []
    guard = "def guard(client):\n    client._endpoint.http_session = None\n"
    assert audit(guard, "policysim/aws/clients.py") == []
    assert audit(guard, "policysim/aws/fetch.py")


@pytest.mark.parametrize(
    ("service", "operation", "allowed"),
    [
        ("s3", "GetBucketPolicy", True),
        ("kms", "ListKeys", True),
        ("kms", "DescribeKey", True),
        ("organizations", "DescribeOrganization", True),
        ("s3", "HeadBucket", True),  # botocore's region redirector
        ("lambda", "GetPolicy", True),
        ("iam", "GetPolicy", False),  # allowed for one service is not allowed for all
        ("s3", "PutBucketPolicy", False),
        ("s3", "DeleteObject", False),
        ("s3", "GetObject", False),
        ("secretsmanager", "GetSecretValue", False),
        ("ssm", "GetParameterHistory", False),
        ("cognito-identity", "GetId", False),
        ("redshift", "GetClusterCredentials", False),
        ("sts", "GetSessionToken", False),
        ("sts", "AssumeRole", True),  # fetch --org: credentials for ROLE, no change anywhere
        ("sts", "AssumeRoleWithWebIdentity", False),
        ("organizations", "ListAccounts", True),
        ("organizations", "MoveAccount", False),
        ("organizations", "LeaveOrganization", False),
        ("s3", "Getaway", False),  # no prefix is trusted
    ],
)
def test_is_allowed(service: str, operation: str, allowed: bool) -> None:
    assert is_allowed(service, operation) is allowed


class RecordingFactory(ClientFactory):
    """Clients that note each (service, operation) the guard let through to the wire."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sent: set[tuple[str, str]] = set()

    def on_new_client(self, client: Any) -> None:
        service = client.meta.service_model.service_name

        def note(event_name: str, **_: Any) -> None:
            self.sent.add((service, event_name.rpartition(".")[2]))

        client.meta.events.register("before-send", note)


@pytest.fixture(scope="module")
def seeded(moto_url: str) -> None:
    seed_module().seed(moto_url)


def test_a_whole_fetch_sends_exactly_the_allowlist(
    moto_url: str, moto_server: RecordingMotoServer, seeded: None
) -> None:
    """Against moto with every kind of resource and an organization with an OU: what fetch
    sends is the list, all of it (HeadBucket is botocore's, for buckets in other regions)."""
    import boto3

    plain = boto3.session.Session(region_name="us-east-1")
    plain.client("ecr", endpoint_url=moto_url).create_repository(repositoryName="images")
    org = plain.client("organizations", endpoint_url=moto_url)
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    unit = org.create_organizational_unit(ParentId=root, Name="Prod")["OrganizationalUnit"]["Id"]
    account = plain.client("sts", endpoint_url=moto_url).get_caller_identity()["Account"]
    org.move_account(AccountId=account, SourceParentId=root, DestinationParentId=unit)

    factory = RecordingFactory(endpoint_url=moto_url, region="us-east-1")
    data = fetch_snapshot(FetchOptions(regions=["us-east-1"]), factory=factory)
    enabled_regions(factory, _Account(account, "aws"))
    assert data["accounts"][0]["errors"] == [], json.dumps(data["accounts"][0]["errors"])
    expected = {(service, name) for service, names in FETCH_OPERATIONS.items() for name in names}
    assert factory.sent == expected
    assert moto_server.operations() >= {"GetAccountAuthorizationDetails", "DescribeKey"}


def test_the_factory_refuses_a_write_at_run_time(moto_url: str) -> None:
    import boto3

    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}],
        }
    )
    plain = boto3.client("s3", endpoint_url=moto_url, region_name="us-east-1")
    plain.create_bucket(Bucket="guarded")
    guarded = ClientFactory(endpoint_url=moto_url, region="us-east-1").client("s3")
    with pytest.raises(ReadOnlyViolation, match="PutBucketPolicy"):
        guarded.put_bucket_policy(Bucket="guarded", Policy=policy)
    with pytest.raises(ReadOnlyViolation, match="DeleteBucket"):
        guarded.delete_bucket(Bucket="guarded")
    assert "guarded" in [b["Name"] for b in guarded.list_buckets()["Buckets"]]
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError):  # the write never reached the server
        plain.get_bucket_policy(Bucket="guarded")


@pytest.fixture
def plain(moto_url: str) -> Any:
    """Unguarded boto3 clients on the moto server, to set the stage and look at it after."""
    import boto3

    session = boto3.session.Session(region_name="us-east-1")
    return lambda service: session.client(service, endpoint_url=moto_url)


def test_reads_of_secrets_and_credentials_are_refused_before_the_wire(
    moto_url: str, moto_server: RecordingMotoServer, plain: Any
) -> None:
    plain("ssm").put_parameter(Name="/db/password", Value="hunter2", Type="SecureString")
    pool = plain("cognito-identity").create_identity_pool(
        IdentityPoolName="pool", AllowUnauthenticatedIdentities=True
    )["IdentityPoolId"]
    plain("redshift").create_cluster(
        ClusterIdentifier="warehouse",
        NodeType="dc2.large",
        MasterUsername="admin",
        MasterUserPassword="Password1",
        ClusterType="single-node",
    )
    factory = ClientFactory(endpoint_url=moto_url, region="us-east-1")
    before = len(moto_server.requests)
    with pytest.raises(ReadOnlyViolation, match="ssm:GetParameterHistory"):
        factory.client("ssm").get_parameter_history(Name="/db/password", WithDecryption=True)
    with pytest.raises(ReadOnlyViolation, match="cognito-identity:GetId"):
        factory.client("cognito-identity").get_id(IdentityPoolId=pool)
    with pytest.raises(ReadOnlyViolation, match="redshift:GetClusterCredentials"):
        factory.client("redshift").get_cluster_credentials(
            DbUser="admin", ClusterIdentifier="warehouse"
        )
    assert moto_server.requests[before:] == []  # nothing reached the server
    identities = plain("cognito-identity").list_identities(IdentityPoolId=pool, MaxResults=10)
    assert identities["Identities"] == []
    # The same calls on an unguarded client do reach it (so the check above can fail).
    plain("cognito-identity").get_id(IdentityPoolId=pool)
    assert "GetId" in moto_server.operations()


def test_private_endpoint_access_cannot_delete_an_object(
    moto_url: str, moto_server: RecordingMotoServer, plain: Any
) -> None:
    from botocore.awsrequest import AWSRequest

    plain("s3").create_bucket(Bucket="kept-bucket")
    plain("s3").put_object(Bucket="kept-bucket", Key="report.csv", Body=b"data")
    client = ClientFactory(endpoint_url=moto_url, region="us-east-1").client("s3")
    model = client.meta.service_model.operation_model("DeleteObject")
    request = {
        "url_path": "/kept-bucket/report.csv",
        "query_string": {},
        "method": "DELETE",
        "headers": {},
        "body": b"",
        "url": f"{moto_url}/kept-bucket/report.csv",
        "context": {"client_region": "us-east-1", "client_config": client.meta.config,
                    "has_streaming_input": False, "auth_type": None},
    }  # fmt: skip
    before = len(moto_server.requests)
    with pytest.raises(ReadOnlyViolation, match="s3:DeleteObject"):
        client._endpoint.make_request(model, request)
    with pytest.raises(ReadOnlyViolation, match="s3:DeleteObject"):
        client._make_api_call("DeleteObject", {"Bucket": "kept-bucket", "Key": "report.csv"})
    prepared = AWSRequest(method="DELETE", url=f"{moto_url}/kept-bucket/report.csv").prepare()
    with pytest.raises(ReadOnlyViolation, match="unchecked s3 request"):
        client._endpoint._send(prepared)
    with pytest.raises(ReadOnlyViolation, match="unchecked s3 request"):
        client._endpoint.http_session.send(prepared)
    assert [r for r in moto_server.requests[before:] if r[0] == "DELETE"] == []
    listed = plain("s3").list_objects_v2(Bucket="kept-bucket")["Contents"]
    assert [o["Key"] for o in listed] == ["report.csv"]
    # The guarded client still reads.
    assert "kept-bucket" in [b["Name"] for b in client.list_buckets()["Buckets"]]


def test_an_unlisted_call_made_behind_fetchs_back_is_refused_and_recorded(
    moto_url: str, plain: Any, seeded: None
) -> None:
    """Like botocore calling something on its own while fetch reads tags: not sent, recorded
    against what needed it, and the fetch goes on."""

    class Sneaky(ClientFactory):
        def on_new_client(self, client: Any) -> None:
            def sneak(model: Any, params: dict[str, Any], **_: Any) -> None:
                if model.name == "GetBucketTagging":
                    client.delete_bucket_tagging(Bucket="reports-bucket")

            client.meta.events.register("before-call", sneak)

    data = fetch_snapshot(
        FetchOptions(regions=["us-east-1"], services=["s3"]),
        factory=Sneaky(endpoint_url=moto_url, region="us-east-1"),
    )
    [account] = data["accounts"]
    refusal = (
        "GetBucketTagging",
        "ReadOnlyViolation: policysim fetch is read-only: refusing s3:DeleteBucketTagging"
        " (not on the list of reads fetch makes)",
    )
    assert {(e["operation"], e["error"]) for e in account["errors"]} == {refusal}
    assert "arn:aws:s3:::reports-bucket" in {e["resource"] for e in account["errors"]}
    assert "arn:aws:s3:::reports-bucket" in {r["arn"] for r in account["resources"]}
    tags = plain("s3").get_bucket_tagging(Bucket="reports-bucket")["TagSet"]
    assert tags == [{"Key": "data", "Value": "internal"}]
