"""Read-only by construction: no write call is written down in policysim/aws, and the client
factory refuses one at run time anyway."""

from __future__ import annotations

import ast
import json
import re
from functools import cache
from pathlib import Path

import pytest

from policysim.aws.clients import ClientFactory, ReadOnlyViolation, is_read_operation

PACKAGE = Path(__file__).resolve().parents[2] / "policysim"
AUDITED = [*sorted((PACKAGE / "aws").glob("*.py")), PACKAGE / "cli" / "fetch.py"]
SERVICES = ("iam", "sts", "s3", "s3control", "ec2", "organizations", "kms", "sqs", "sns",
            "lambda", "secretsmanager", "ecr")  # fmt: skip
CLIENT_HELPERS = {"get_paginator", "can_paginate", "get_waiter"}
PAGE_WRAPPERS = {"_pages": 1}
"""fetch.py's helpers taking an operation name: argument index; checked at every call."""
NOT_AWS = {"register", "register_first", "add_task", "remove_task"}
"""Methods named like writes that are not AWS operations (botocore events, the rich bar)."""
WRITE_VERBS = re.compile(
    r"^(put|create|delete|update|tag|untag|attach|detach|set|add|remove|modify|enable|disable"
    r"|start|stop|send|publish|invoke|run|terminate|associate|disassociate|register|deregister"
    r"|cancel|restore|reset|import|export|copy|upload|batch|accept|reject|rotate|revoke"
    r"|authorize|generate|encrypt|decrypt|sign|schedule|replicate|leave|move|purge|change)_"
)


def _camel(snake: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_"))


@cache
def operations() -> frozenset[str]:
    """The snake_case names of every operation of every service policysim fetch uses."""
    import botocore.session
    from botocore import xform_name

    session = botocore.session.get_session()
    return frozenset(
        xform_name(name)
        for service in SERVICES
        for name in session.get_service_model(service).operation_names
    )


def _allowed(snake: str) -> bool:
    return is_read_operation(_camel(snake))


def audit(source: str, file: str = "<source>") -> list[str]:
    """Every call in `source` that is, or may be, an AWS operation other than a read."""
    problems: list[str] = []
    tree = ast.parse(source, file)
    wrapper_lines = {
        line
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name in PAGE_WRAPPERS
        for line in range(node.lineno, (node.end_lineno or node.lineno) + 1)
    }
    for node in ast.walk(tree):
        where = f"{file}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Attribute) and node.attr in ("_make_api_call", "_make_request"):
            problems.append(f"{where}: {node.attr} bypasses the operation names")
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
                    problems.append(f"{where}: {name}({arg.value!r}) is not a read")
            elif name in NOT_AWS:
                continue
            elif (name in operations() or WRITE_VERBS.match(name)) and not _allowed(name):
                problems.append(f"{where}: {name}() is not a read")
        elif isinstance(func, ast.Name) and func.id in PAGE_WRAPPERS:
            index = PAGE_WRAPPERS[func.id]
            arg = node.args[index] if len(node.args) > index else None
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                problems.append(f"{where}: {func.id}() with a computed operation name")
            elif not _allowed(arg.value):
                problems.append(f"{where}: {func.id}(..., {arg.value!r}) is not a read")
        elif isinstance(func, ast.Name) and func.id == "getattr" and len(node.args) >= 2:
            attr = node.args[1]
            if not (isinstance(attr, ast.Constant) and isinstance(attr.value, str)):
                problems.append(f"{where}: getattr() with a computed name")
            elif attr.value in operations() and not _allowed(attr.value):
                problems.append(f"{where}: getattr(..., {attr.value!r}) is not a read")
    return problems


def test_every_aws_call_in_the_package_is_a_read() -> None:
    problems = [p for file in AUDITED for p in audit(file.read_text(), str(file))]
    assert problems == []


def test_the_audit_sees_the_calls_the_package_makes() -> None:
    """The audit is not vacuous: it finds the reads fetch makes (so it would see a write)."""
    source = (PACKAGE / "aws" / "fetch.py").read_text()
    calls = {
        n.func.attr
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
    }
    assert {"get_bucket_policy", "get_key_policy", "get_policy", "list_buckets"} <= calls
    assert {"get_bucket_policy", "get_key_policy", "list_parents"} <= operations()


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
        "secrets.get_secret_value(SecretId='s')",
        "sts.get_session_token()",
        "sqs.tag_queue(QueueUrl='q', Tags={})",
        "_pages(client, 'delete_objects', 'Deleted')",
        "def f(client, op):\n    return client.get_paginator(op)",
    ],
)
def test_the_audit_flags_a_write_call(source: str) -> None:
    assert audit(source), source


def test_the_audit_accepts_reads() -> None:
    source = (
        "client.get_bucket_policy(Bucket='b')\n"
        "client.list_keys()\n"
        "org.describe_organization()\n"
        "client.get_paginator('get_account_authorization_details')\n"
    )
    assert audit(source) == []


@pytest.mark.parametrize(
    ("operation", "allowed"),
    [
        ("GetBucketPolicy", True),
        ("ListKeys", True),
        ("DescribeOrganization", True),
        ("HeadBucket", True),
        ("PutBucketPolicy", False),
        ("DeleteBucket", False),
        ("GetSecretValue", False),
        ("GetSessionToken", False),
        ("Getaway", True),  # a name, not a meaning: the prefix is what is checked
    ],
)
def test_is_read_operation(operation: str, allowed: bool) -> None:
    assert is_read_operation(operation) is allowed


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
