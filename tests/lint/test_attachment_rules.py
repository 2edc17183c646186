"""Rules that need to know what a policy is attached to or who is trusted (PS113, PS416,
PS518), fed from CloudFormation, Terraform, `--resource-arn` and configuration."""

from __future__ import annotations

import json
from pathlib import Path

from policysim.lint.config import LintConfig, load_config
from policysim.lint.inputs.run import lint_paths
from policysim.lint.registry import all_rules

POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}],
}
TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Alice:
    Type: AWS::IAM::User
    Properties:
      UserName: alice
      Policies:
        - PolicyName: read
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: s3:GetObject
                Resource: arn:aws:s3:::b/*
  Shared:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      Users: [!Ref Alice, bob]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: s3:ListBucket
            Resource: arn:aws:s3:::b
  ForRoles:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      Roles: [app]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: s3:ListBucket
            Resource: arn:aws:s3:::b
  BucketPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: logs-bucket
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: logging.s3.amazonaws.com}
            Action: s3:PutObject
            Resource: [arn:aws:s3:::logs-bucket/*, arn:aws:s3:::other-bucket/*]
            Condition: {StringEquals: {aws:SourceAccount: "123456789012"}}
  RefBucketPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref SomeBucket
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: logging.s3.amazonaws.com}
            Action: s3:PutObject
            Resource: arn:aws:s3:::elsewhere/*
            Condition: {StringEquals: {aws:SourceAccount: "123456789012"}}
"""


def _rules(run_findings: list, rule: str) -> list:  # type: ignore[type-arg]
    return [f for f in run_findings if f.rule == rule]


def _config(*enabled: str) -> LintConfig:
    config = LintConfig()
    config.enable = frozenset(enabled)
    return config


def test_cloudformation_users_and_bucket(tmp_path: Path) -> None:
    (tmp_path / "stack.yaml").write_text(TEMPLATE)
    run = lint_paths([str(tmp_path / "stack.yaml")], LintConfig())
    users = _rules(run.findings, "PS518")
    assert sorted(f.message.split(": attached")[0] for f in users) == [
        "Alice.Policies[read].PolicyDocument",
        "Shared.PolicyDocument",
    ]
    assert "IAM user(s) Alice, bob" in next(f.message for f in users if "Shared" in f.message)
    foreign = _rules(run.findings, "PS113")
    assert [f.pointer for f in foreign] == ["BucketPolicy.PolicyDocument/Statement/0/Resource/1"]
    assert "arn:aws:s3:::other-bucket/*" in foreign[0].message
    assert (foreign[0].line, foreign[0].column) == (45, 52)  # located in the template


def test_terraform_user_policy_and_bucket_policy(tmp_path: Path) -> None:
    document = json.dumps(POLICY)
    bucket_policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                    "Action": "s3:GetObject",
                    "Resource": ["arn:aws:s3:::tf-bucket/*", "arn:aws:s3:::elsewhere/*"],
                }
            ],
        }
    )
    resources = [
        {
            "address": "aws_iam_user_policy.p",
            "mode": "managed",
            "type": "aws_iam_user_policy",
            "name": "p",
            "values": {"user": "carol", "policy": document},
        },
        {
            "address": "aws_iam_role_policy.r",
            "mode": "managed",
            "type": "aws_iam_role_policy",
            "name": "r",
            "values": {"role": "app", "policy": document},
        },
        {
            "address": "aws_s3_bucket_policy.b",
            "mode": "managed",
            "type": "aws_s3_bucket_policy",
            "name": "b",
            "values": {"bucket": "tf-bucket", "policy": bucket_policy},
        },
    ]
    plan = {
        "format_version": "1.2",
        "terraform_version": "1.7.0",
        "planned_values": {"root_module": {"resources": resources}},
    }
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    run = lint_paths([str(tmp_path / "plan.json")], LintConfig())
    assert [f.message.split(":")[0] for f in _rules(run.findings, "PS518")] == [
        "aws_iam_user_policy.p.policy"
    ]
    foreign = _rules(run.findings, "PS113")
    assert [f.pointer for f in foreign] == ["aws_s3_bucket_policy.b.policy/Statement/0/Resource/1"]


def test_resource_arn_option_for_plain_files(tmp_path: Path) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": "s3:GetObject",
                "Resource": [
                    "arn:aws:s3:::mine/*",
                    "arn:aws:s3:::mine*",
                    "arn:aws:s3:::m*/x",
                    "arn:aws:s3:::theirs/*",
                ],
            }
        ],
    }
    (tmp_path / "bucket.json").write_text(json.dumps(document))
    plain = lint_paths([str(tmp_path / "bucket.json")], LintConfig())
    assert _rules(plain.findings, "PS113") == []  # nothing known about the attachment
    run = lint_paths(
        [str(tmp_path / "bucket.json")], LintConfig(), resource_arn="arn:aws:s3:::mine"
    )
    assert [f.pointer for f in _rules(run.findings, "PS113")] == ["/Statement/0/Resource/3"]


def test_trusted_accounts_from_configuration(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".policysim.toml").write_text(
        '[lint]\ntrusted-accounts = ["111122223333"]\ntrusted-orgs = ["o-a1b2c3d4e5"]\n'
    )
    statements = [
        {
            "Sid": "Own",
            "Effect": "Allow",
            "Principal": {"AWS": "111122223333"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
        },
        {
            "Sid": "Vendor",
            "Effect": "Allow",
            "Principal": {
                "AWS": ["arn:aws:iam::111122223333:role/x", "arn:aws:iam::444455556666:role/vendor"]
            },
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
        },
        {
            "Sid": "Org",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::777788889999:root"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
        },
        {
            "Sid": "OtherOrg",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::777788889999:root"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-zzzzzzzzzz"}},
        },
    ]
    (tmp_path / "bucket.json").write_text(
        json.dumps({"Version": "2012-10-17", "Statement": statements})
    )
    config = load_config(tmp_path / ".policysim.toml", set(all_rules()))
    run = lint_paths([str(tmp_path / "bucket.json")], config)
    found = _rules(run.findings, "PS416")
    assert [f.statement for f in found] == [1, 3]
    assert "444455556666" in found[0].message
    unconfigured = lint_paths([str(tmp_path / "bucket.json")], LintConfig())
    assert _rules(unconfigured.findings, "PS416") == []
