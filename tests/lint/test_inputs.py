"""Inputs of `policysim lint`: policy files, CloudFormation templates, Terraform plans, and bad
input that must become a finding, never an exception."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policysim.lint.inputs import discover, load_bytes, load_path
from policysim.lint.inputs.intrinsics import parse_tagged_yaml, resolve_intrinsics
from policysim.lint.policy_type import PolicyKind
from policysim.policy.errors import Position
from policysim.policy.source import MAX_SOURCE_BYTES
from policysim.policy.unknown import show

POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}],
}

CFN_JSON = """{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Resources": {
    "Bucket": {"Type": "AWS::S3::Bucket"},
    "Role": {
      "Type": "AWS::IAM::Role",
      "Properties": {
        "AssumeRolePolicyDocument": {
          "Version": "2012-10-17",
          "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                         "Action": "sts:AssumeRole"}]
        },
        "Policies": [{"PolicyName": "read", "PolicyDocument": {
          "Version": "2012-10-17",
          "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                         "Resource": {"Fn::Sub": "arn:aws:s3:::${Bucket}/*"}}]}}]
      }
    },
    "Managed": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {
      "Version": "2012-10-17",
      "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket",
                     "Resource": {"Fn::GetAtt": ["Bucket", "Arn"]}}]}}},
    "BucketPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {
      "Bucket": {"Ref": "Bucket"},
      "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Deny",
        "Principal": "*", "Action": "s3:*",
        "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": ["Bucket", "Arn"]}, "/*"]]},
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}}},
    "Queue": {"Type": "AWS::SQS::QueuePolicy", "Properties": {"PolicyDocument": {
      "Statement": [{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                     "Action": "sqs:SendMessage", "Resource": "*"}]}}},
    "Topic": {"Type": "AWS::SNS::TopicPolicy", "Properties": {"PolicyDocument": {
      "Statement": []}}},
    "Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Statement": []}}},
    "User": {"Type": "AWS::IAM::User", "Properties": {"Policies": [
      {"PolicyName": "u", "PolicyDocument": {"Statement": []}}]}},
    "Group": {"Type": "AWS::IAM::Group", "Properties": {"Policies": [
      {"PolicyName": "g", "PolicyDocument": {"Statement": []}}]}},
    "Inline": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": {"Statement": []}}}
  }
}
"""

CFN_YAML = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Bucket:
    Type: AWS::S3::Bucket
  BucketPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal:
              AWS: !Sub "arn:aws:iam::${AWS::AccountId}:root"
            Action: s3:GetObject
            Resource: !Join ["", [!GetAtt Bucket.Arn, "/*"]]
          - !If
            - IsProd
            - Effect: Deny
              Principal: "*"
              Action: s3:*
              Resource: !Sub "${Bucket.Arn}/*"
            - !Ref AWS::NoValue
"""


def _plan(resources: list[dict[str, object]], children: list[dict[str, object]] | None = None):
    root: dict[str, object] = {"resources": resources}
    if children:
        root["child_modules"] = children
    return {
        "format_version": "1.2",
        "terraform_version": "1.7.0",
        "planned_values": {"root_module": root},
    }


def _resource(address: str, kind: str, values: dict[str, object]) -> dict[str, object]:
    return {"address": address, "mode": "managed", "type": kind, "name": "x", "values": values}


def test_plain_json_and_yaml_policies() -> None:
    loaded = load_bytes(json.dumps(POLICY).encode(), "p.json")
    assert [t.kind for t in loaded.targets] == [None]
    assert not loaded.findings
    yaml_text = "Version: '2012-10-17'\nStatement:\n  - Effect: Allow\n    Action: '*'\n"
    loaded = load_bytes(yaml_text.encode(), "p.yaml")
    assert loaded.targets[0].root.value["Statement"].value[0].position == Position(3, 5)


def test_policy_type_is_passed_through() -> None:
    loaded = load_bytes(json.dumps(POLICY).encode(), "p.json", kind=PolicyKind.SCP)
    assert loaded.targets[0].kind is PolicyKind.SCP


def test_cloudformation_json_documents_and_positions() -> None:
    loaded = load_bytes(CFN_JSON.encode(), "template.json")
    assert loaded.source == "cloudformation"
    by_label = {t.label: t for t in loaded.targets}
    assert set(by_label) == {
        "Role.AssumeRolePolicyDocument",
        "Role.Policies[read].PolicyDocument",
        "Managed.PolicyDocument",
        "BucketPolicy.PolicyDocument",
        "Queue.PolicyDocument",
        "Topic.PolicyDocument",
        "Key.KeyPolicy",
        "User.Policies[u].PolicyDocument",
        "Group.Policies[g].PolicyDocument",
        "Inline.PolicyDocument",
    }
    trust = by_label["Role.AssumeRolePolicyDocument"]
    assert (trust.kind, trust.service) == (PolicyKind.TRUST, "sts")
    assert trust.root.position.line == 8  # positions are those of the template
    assert by_label["BucketPolicy.PolicyDocument"].service == "s3"
    assert by_label["Queue.PolicyDocument"].service == "sqs"
    assert by_label["Topic.PolicyDocument"].service == "sns"
    assert by_label["Key.KeyPolicy"].service == "kms"
    assert by_label["Managed.PolicyDocument"].kind is PolicyKind.IDENTITY
    read = by_label["Role.Policies[read].PolicyDocument"].root.to_plain()
    assert show(read["Statement"][0]["Resource"]) == "arn:aws:s3:::${Bucket}/*"
    managed = by_label["Managed.PolicyDocument"]
    assert show(managed.root.to_plain()["Statement"][0]["Resource"]) == "arn:aws:s3:::${Bucket}"
    assert not managed.opaque  # the bucket type gives the ARN its shape; only the name is unknown
    bucket = by_label["BucketPolicy.PolicyDocument"].root.to_plain()
    assert show(bucket["Statement"][0]["Resource"]) == "arn:aws:s3:::${Bucket}/*"
    assert by_label["Role.AssumeRolePolicyDocument"].attachment["type"] == "AWS::IAM::Role"


def test_cloudformation_yaml_short_form_tags() -> None:
    loaded = load_bytes(CFN_YAML.encode(), "template.yaml")
    (target,) = loaded.targets
    statements = target.root.to_plain()["Statement"]
    assert show(statements[0]["Principal"]["AWS"]) == "arn:aws:iam::${AWS::AccountId}:root"
    assert show(statements[0]["Resource"]) == "arn:aws:s3:::${Bucket}/*"
    assert statements[1]["Effect"] == "Deny"  # Fn::If: the first branch
    assert target.root.position == Position(10, 9)


def test_tagged_yaml_keeps_long_form() -> None:
    node = parse_tagged_yaml("a: !GetAtt Role.Arn\nb: !Ref X\nc: !Select [0, [a]]\n")
    assert node.to_plain() == {
        "a": {"Fn::GetAtt": ["Role", "Arn"]},
        "b": {"Ref": "X"},
        "c": {"Fn::Select": [0, ["a"]]},
    }
    resolved = {k: show(v) for k, v in resolve_intrinsics(node).to_plain().items()}
    assert resolved == {"a": "${Role.Arn}", "b": "${X}", "c": "a"}


def test_template_without_policies_is_a_note() -> None:
    loaded = load_bytes(b'{"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}', "t.json")
    assert not loaded.targets and not loaded.findings
    assert "no policy documents" in loaded.notes[0]


def test_template_policy_as_json_string_is_parsed_and_located() -> None:
    text = json.dumps(
        {
            "Resources": {
                "Logs": {
                    "Type": "AWS::Logs::ResourcePolicy",
                    "Properties": {"PolicyDocument": json.dumps(POLICY)},
                },
                "Broken": {
                    "Type": "AWS::Logs::ResourcePolicy",
                    "Properties": {"PolicyDocument": '{"Statement": ['},
                },
            }
        },
        indent=2,
    )
    loaded = load_bytes(text.encode(), "t.json")
    assert [t.label for t in loaded.targets] == ["Logs.PolicyDocument"]
    (finding,) = loaded.findings
    assert finding.rule == "PS001" and finding.message.startswith("Broken.PolicyDocument:")
    assert finding.line > 1


def test_cloudformation_metadata_ignores() -> None:
    text = """
Resources:
  P:
    Type: AWS::IAM::ManagedPolicy
    Metadata:
      policysim:
        ignore: [PS203, {rule: PS401, sid: Legacy}]
    Properties:
      PolicyDocument: {Statement: []}
"""
    (target,) = load_bytes(text.encode(), "t.yaml").targets
    assert target.ignore == frozenset({"PS203"})
    assert target.ignore_sids == {"Legacy": frozenset({"PS401"})}


def test_terraform_plan_documents() -> None:
    admin = json.dumps(POLICY)
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
            ],
        }
    )
    plan = _plan(
        [
            _resource("aws_iam_policy.admin", "aws_iam_policy", {"policy": admin}),
            _resource(
                "aws_iam_role.r",
                "aws_iam_role",
                {"assume_role_policy": trust, "inline_policy": [{"name": "i", "policy": admin}]},
            ),
            _resource("aws_s3_bucket_policy.b", "aws_s3_bucket_policy", {"policy": admin}),
            _resource("aws_iam_policy.unknown", "aws_iam_policy", {"policy": None}),
            _resource(
                "aws_organizations_policy.scp",
                "aws_organizations_policy",
                {"type": "SERVICE_CONTROL_POLICY", "content": admin},
            ),
        ],
        [
            {
                "resources": [
                    _resource("module.m.aws_iam_policy.p", "aws_iam_policy", {"policy": "{"})
                ]
            }
        ],
    )
    loaded = load_bytes(json.dumps(plan).encode(), "plan.json")
    assert loaded.source == "terraform"
    kinds = {t.label: t.kind for t in loaded.targets}
    assert kinds == {
        "aws_iam_policy.admin.policy": PolicyKind.IDENTITY,
        "aws_iam_role.r.assume_role_policy": PolicyKind.TRUST,
        "aws_iam_role.r.inline_policy[0].policy": PolicyKind.IDENTITY,
        "aws_s3_bucket_policy.b.policy": PolicyKind.RESOURCE,
        "aws_organizations_policy.scp.content": PolicyKind.SCP,
    }
    (finding,) = loaded.findings
    assert finding.rule == "PS001"
    assert finding.message.startswith("module.m.aws_iam_policy.p.policy:")


def test_large_terraform_plan_is_read() -> None:
    padding = [
        _resource(f"aws_s3_bucket.b{i}", "aws_s3_bucket", {"bucket": "x" * 200})
        for i in range(6000)
    ]
    plan = _plan([*padding, _resource("aws_iam_policy.p", "aws_iam_policy", {"policy": "{}"})])
    data = json.dumps(plan).encode()
    assert len(data) > MAX_SOURCE_BYTES
    loaded = load_bytes(data, "plan.json")
    assert [t.label for t in loaded.targets] == ["aws_iam_policy.p.policy"]


@pytest.mark.parametrize("large", [False, True])
def test_terraform_plan_with_a_lone_surrogate_is_a_parse_error(large: bool) -> None:
    """`\\ud800` in a plan is not text: reported as invalid JSON, never carried into a report
    (where writing it would crash a UTF-8 encoder)."""
    resources = [_resource("aws_iam_policy.p\ud800", "aws_iam_policy", {"policy": "{}"})]
    if large:
        resources += [
            _resource(f"null_resource.pad{i}", "null_resource", {"pad": "x" * 1000})
            for i in range(MAX_SOURCE_BYTES // 1000 + 10)
        ]
    data = json.dumps(_plan(resources)).encode()
    loaded = load_bytes(data, "plan.json")
    assert not loaded.targets
    (finding,) = loaded.findings
    assert "surrogate" in finding.message


def test_terraform_plan_without_policies() -> None:
    loaded = load_bytes(json.dumps(_plan([])).encode(), "plan.json")
    assert "no policy documents" in loaded.notes[0]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        (b'{"Statement": "\xff\xfe"}', "not UTF-8"),
        (b"", "empty document"),
        (b'{"Version": "2012-10-17", "Statement": [', "invalid JSON"),
        (b"a: [1, 2\n", "invalid YAML"),
        (b"[" * 200 + b"]" * 200, "nesting"),
    ],
)
def test_bad_input_is_a_finding(data: bytes, message: str) -> None:
    loaded = load_bytes(data, "bad.json" if data[:1] != b"a" else "bad.yaml")
    (finding,) = loaded.findings
    assert finding.rule == "PS001"
    assert message in finding.message


def test_ten_megabyte_file(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b'{"Statement": "' + b"a" * (10 * 1024 * 1024) + b'"}')
    (finding,) = load_path(str(big)).findings
    assert finding.rule == "PS001"
    assert "bytes; policy documents are limited to" in finding.message


def test_unreadable_path(tmp_path: Path) -> None:
    (finding,) = load_path(str(tmp_path / "missing.json")).findings
    assert finding.rule == "PS001" and "cannot read" in finding.message


def test_discover_walks_directories(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "p.json").write_text(json.dumps(POLICY))
    (tmp_path / "a" / "notes.txt").write_text("x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.json").write_text("{}")
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "v.json").write_text("{}")
    found = [Path(p).relative_to(tmp_path).as_posix() for p, _ in discover([str(tmp_path)])]
    assert found == ["a/p.json", "vendor/v.json"]
    found = [p for p, _ in discover([str(tmp_path)], excluded=["vendor"])]
    assert [Path(p).name for p in found] == ["p.json"]
    assert list(discover(["-"])) == [("-", False)]


def test_discovered_non_policies_are_skipped() -> None:
    assert load_bytes(b'{"name": "pkg"}', "package.json", discovered=True).source == "skipped"
    assert load_bytes(b'{"name": "pkg"}', "x.json").targets  # named files are linted
