"""Seed a local moto server with a small account for `policysim fetch` to read.

    python examples/fetch-with-moto/seed.py http://127.0.0.1:5000

Creates users, a group, a role, managed policies, a bucket with a policy and Block Public
Access, a KMS key, an SQS queue, an SNS topic, a Lambda function and a secret, each with a
resource policy. Only ever run it against a local moto server: it refuses any other endpoint.
"""

from __future__ import annotations

import io
import json
import sys
import zipfile
from typing import Any
from urllib.parse import urlparse

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
BUCKET = "reports-bucket"


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _lambda_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def seed(endpoint_url: str) -> dict[str, str]:
    """Create the account's contents; returns the ARNs the walkthrough and tests ask about."""
    import boto3

    host = urlparse(endpoint_url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing to seed {endpoint_url}: only a local moto server")
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )

    def client(service: str) -> Any:
        return session.client(service, endpoint_url=endpoint_url)

    iam = client("iam")
    iam.create_account_alias(AccountAlias="moto-demo")
    readers = iam.create_policy(
        PolicyName="ReportsReader",
        PolicyDocument=_doc(
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
            }
        ),
    )["Policy"]["Arn"]
    iam.create_group(GroupName="readers")
    iam.attach_group_policy(GroupName="readers", PolicyArn=readers)
    iam.create_user(UserName="alice", Tags=[{"Key": "team", "Value": "blue"}])
    iam.add_user_to_group(GroupName="readers", UserName="alice")
    iam.create_user(UserName="bob")
    iam.put_user_policy(
        UserName="bob",
        PolicyName="QueueSender",
        PolicyDocument=_doc(
            {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        ),
    )
    role = iam.create_role(
        RoleName="app",
        AssumeRolePolicyDocument=_doc(
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ),
    )["Role"]["Arn"]
    iam.put_role_policy(
        RoleName="app",
        PolicyName="UseKeyAndSecret",
        PolicyDocument=_doc(
            {
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "secretsmanager:GetSecretValue"],
                "Resource": "*",
            }
        ),
    )

    s3 = client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_policy(
        Bucket=BUCKET,
        Policy=_doc(
            {
                "Sid": "DenyBob",
                "Effect": "Deny",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/bob"},
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
            }
        ),
    )
    s3.put_public_access_block(
        Bucket=BUCKET,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_tagging(Bucket=BUCKET, Tagging={"TagSet": [{"Key": "data", "Value": "internal"}]})

    key = client("kms").create_key(
        Description="app key",
        Policy=_doc(
            {
                "Sid": "Admins",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ),
        Tags=[{"TagKey": "env", "TagValue": "demo"}],
    )["KeyMetadata"]["Arn"]

    sqs = client("sqs")
    queue_url = sqs.create_queue(QueueName="jobs", tags={"env": "demo"})["QueueUrl"]
    queue = f"arn:aws:sqs:{REGION}:{ACCOUNT}:jobs"
    sqs.set_queue_attributes(
        QueueUrl=queue_url,
        Attributes={
            "Policy": _doc(
                {
                    "Sid": "OnlyAlice",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "sqs:SendMessage",
                    "Resource": queue,
                    "Condition": {
                        "StringNotEquals": {
                            "aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:user/alice"
                        }
                    },
                }
            )
        },
    )

    topic = client("sns").create_topic(Name="alerts")["TopicArn"]

    function = client("lambda").create_function(
        FunctionName="worker",
        Runtime="python3.12",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": _lambda_zip()},
        Tags={"env": "demo"},
    )["FunctionArn"]
    client("lambda").add_permission(
        FunctionName="worker",
        StatementId="FromTopic",
        Action="lambda:InvokeFunction",
        Principal="sns.amazonaws.com",
        SourceArn=topic,
    )

    secrets = client("secretsmanager")
    secret = secrets.create_secret(
        Name="db-password",
        SecretString="not-a-real-password",
        Tags=[{"Key": "env", "Value": "demo"}],
    )["ARN"]
    secrets.put_resource_policy(
        SecretId=secret,
        ResourcePolicy=_doc(
            {
                "Effect": "Allow",
                "Principal": {"AWS": role},
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "*",
            }
        ),
    )
    return {
        "bucket": f"arn:aws:s3:::{BUCKET}",
        "key": key,
        "queue": queue,
        "topic": topic,
        "function": function,
        "secret": secret,
        "role": role,
    }


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: seed.py ENDPOINT_URL   (e.g. http://127.0.0.1:5000)")
    for name, arn in seed(sys.argv[1]).items():
        print(f"{name}: {arn}")
