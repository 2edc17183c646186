"""policysim's own account files as lint inputs: the compact YAML format, policysim snapshots and
authorization details. Every embedded policy is linted with its type in the account, located in
the account file; directory walks pick the files up; other files are linted as before."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policysim.account.loaders import parse_snapshot
from policysim.account.loaders._common import format_path
from policysim.lint.config import LintConfig
from policysim.lint.finding import Finding
from policysim.lint.inputs import discover, load_bytes, load_path
from policysim.lint.inputs.run import lint_paths
from policysim.lint.policy_type import PolicyKind
from policysim.policy.source import MAX_SOURCE_BYTES

REPO = Path(__file__).resolve().parents[2]

GOOD_YAML = """\
# A small account whose every policy is written the way AWS recommends.
account: "111122223333"
alias: good

groups:
  readers:
    policies: [ReadReports]
    inline:
      ListReports:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: s3:ListBucket
            Resource: arn:aws:s3:::team-reports

users:
  carol:
    groups: [readers]
    boundary: ReportsBoundary

roles:
  builder:
    trust:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Principal: {Service: codebuild.amazonaws.com}
          Action: sts:AssumeRole
          Condition:
            StringEquals: {aws:SourceAccount: "111122223333"}
    inline:
      WriteArtifacts:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: s3:PutObject
            Resource: arn:aws:s3:::team-reports/builds/*

policies:
  ReadReports:
    Version: "2012-10-17"
    Statement:
      - Effect: Allow
        Action: s3:GetObject
        Resource: arn:aws:s3:::team-reports/*
  ReportsBoundary:
    path: /boundaries/
    document:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Action: [s3:GetObject, s3:ListBucket]
          Resource: [arn:aws:s3:::team-reports, arn:aws:s3:::team-reports/*]

resources:
  "arn:aws:s3:::team-reports":
    policy:
      Version: "2012-10-17"
      Statement:
        - Sid: ReadersRead
          Effect: Allow
          Principal: {AWS: arn:aws:iam::111122223333:user/carol}
          Action: s3:GetObject
          Resource: arn:aws:s3:::team-reports/*
        - Sid: TlsOnly
          Effect: Deny
          Principal: "*"
          Action: s3:*
          Resource: [arn:aws:s3:::team-reports, arn:aws:s3:::team-reports/*]
          Condition: {Bool: {aws:SecureTransport: "false"}}
  "arn:aws:sqs:eu-west-1:111122223333:jobs":
    policy:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Principal: {Service: sns.amazonaws.com}
          Action: sqs:SendMessage
          Resource: arn:aws:sqs:eu-west-1:111122223333:jobs
          Condition:
            ArnEquals: {aws:SourceArn: arn:aws:sns:eu-west-1:111122223333:events}

organization:
  id: o-exampleorg1
  management_account: "999999999999"
  policies:
    DenyLeaveOrg:
      Version: "2012-10-17"
      Statement:
        - Effect: Deny
          Action: organizations:LeaveOrganization
          Resource: "*"
    OrgOnlyBuckets:
      type: RCP
      document:
        Version: "2012-10-17"
        Statement:
          - Effect: Deny
            Principal: "*"
            Action: s3:*
            Resource: "*"
            Condition:
              StringNotEqualsIfExists: {aws:PrincipalOrgID: o-exampleorg1}
              BoolIfExists: {aws:PrincipalIsAWSService: "false"}
  root: {id: r-root1, scps: [FullAWSAccess, DenyLeaveOrg], rcps: [OrgOnlyBuckets]}
  accounts:
    "111122223333": {}
"""


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


READ = _doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"})
LIST = _doc({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::data"})
WRITE = _doc({"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::data/in/*"})
LAMBDA_TRUST = _doc(
    {
        "Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}},
    }
)
ADMIN = _doc({"Effect": "Allow", "Action": "*", "Resource": "*"})
TLS_ONLY = {
    "Sid": "TlsOnly",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": ["arn:aws:s3:::data", "arn:aws:s3:::data/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}
BUCKET_POLICY = _doc(
    {
        "Sid": "ProdReads",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:role/app"},
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::data/*",
    },
    TLS_ONLY,
)


def authz(
    *,
    role_inline: Any = LIST,
    trust: Any = LAMBDA_TRUST,
    managed: dict[str, Any] = READ,
    user_managed: bool = False,
) -> dict[str, Any]:
    """Authorization details of one account: a user in a group, a role, a customer managed
    policy with an old version, and an AWS managed policy (AWS's to fix, never linted)."""
    attached = [{"PolicyName": "Read", "PolicyArn": "arn:aws:iam::111122223333:policy/Read"}]
    return {
        "UserDetailList": [
            {
                "UserName": "dana",
                "Arn": "arn:aws:iam::111122223333:user/dana",
                "GroupList": ["devs"],
                "UserPolicyList": [],
                "AttachedManagedPolicies": attached if user_managed else [],
            }
        ],
        "GroupDetailList": [
            {
                "GroupName": "devs",
                "Arn": "arn:aws:iam::111122223333:group/devs",
                "GroupPolicyList": [{"PolicyName": "Write", "PolicyDocument": WRITE}],
                "AttachedManagedPolicies": [] if user_managed else attached,
            }
        ],
        "RoleDetailList": [
            {
                "RoleName": "app",
                "Arn": "arn:aws:iam::111122223333:role/app",
                "AssumeRolePolicyDocument": trust,
                "RolePolicyList": [{"PolicyName": "List", "PolicyDocument": role_inline}],
                "AttachedManagedPolicies": [],
            }
        ],
        "Policies": [
            {
                "PolicyName": "Read",
                "Arn": "arn:aws:iam::111122223333:policy/Read",
                "DefaultVersionId": "v2",
                "PolicyVersionList": [
                    {
                        "VersionId": "v1",
                        "IsDefaultVersion": False,
                        "Document": _doc(
                            {"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}
                        ),
                    },
                    {"VersionId": "v2", "IsDefaultVersion": True, "Document": managed},
                ],
            },
            {
                "PolicyName": "AdministratorAccess",
                "Arn": "arn:aws:iam::aws:policy/AdministratorAccess",
                "DefaultVersionId": "v1",
                "PolicyVersionList": [
                    {"VersionId": "v1", "IsDefaultVersion": True, "Document": ADMIN}
                ],
            },
        ],
    }


def snapshot(
    *, bucket_policy: Any = BUCKET_POLICY, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A policysim snapshot: one account with its authorization details and a bucket."""
    return {
        "policysim_snapshot": 1,
        "generated_at": "2026-11-25T10:00:00Z",
        "accounts": [
            {
                "account_id": "111122223333",
                "authorization_details": details if details is not None else authz(),
                "resources": [{"arn": "arn:aws:s3:::data", "policy": bucket_policy}],
            }
        ],
        "organization": {
            "id": "o-exampleorg1",
            "policies": {
                "DenyLeaveOrg": {
                    "type": "SCP",
                    "document": _doc(
                        {
                            "Effect": "Deny",
                            "Action": "organizations:LeaveOrganization",
                            "Resource": "*",
                        }
                    ),
                }
            },
        },
    }


def where(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """The 1-based line and column of the `occurrence`-th `needle` in `text`."""
    offset = -1
    for _ in range(occurrence):
        offset = text.index(needle, offset + 1)
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def lint_file(path: Path) -> list[Finding]:
    run = lint_paths([str(path)], LintConfig())
    return run.findings


def write(tmp_path: Path, name: str, content: str | dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content, indent=2))
    return path


def kinds(path: Path) -> dict[str, tuple[PolicyKind | None, str | None, dict[str, Any]]]:
    """Each document's label -> (type, service, attachment), as the loader hands them over."""
    loaded = load_path(str(path))
    assert not loaded.findings, loaded.findings
    return {t.label: (t.kind, t.service, t.attachment) for t in loaded.targets}


# ---- correct files: every kind linted, nothing found --------------------------------------------


def test_correct_yaml_account_has_no_finding_and_every_document_is_typed(tmp_path: Path) -> None:
    path = write(tmp_path, "account.yaml", GOOD_YAML)
    parse_snapshot(GOOD_YAML, str(path))  # the account loader accepts it as it stands
    assert lint_file(path) == []
    found = kinds(path)
    assert {label: (kind, service) for label, (kind, service, _) in found.items()} == {
        "groups.readers.inline.ListReports": (PolicyKind.IDENTITY, None),
        "roles.builder.trust": (PolicyKind.TRUST, "sts"),
        "roles.builder.inline.WriteArtifacts": (PolicyKind.IDENTITY, None),
        "policies.ReadReports": (PolicyKind.IDENTITY, None),
        "policies.ReportsBoundary.document": (PolicyKind.BOUNDARY, None),
        'resources["arn:aws:s3:::team-reports"].policy': (PolicyKind.RESOURCE, "s3"),
        'resources["arn:aws:sqs:eu-west-1:111122223333:jobs"].policy': (
            PolicyKind.RESOURCE,
            "sqs",
        ),
        "organization.policies.DenyLeaveOrg": (PolicyKind.SCP, None),
        "organization.policies.OrgOnlyBuckets.document": (PolicyKind.RCP, None),
    }
    bucket = found['resources["arn:aws:s3:::team-reports"].policy'][2]
    assert bucket["target_arn"] == "arn:aws:s3:::team-reports"
    assert found["policies.ReadReports"][2]["type"] == "AWS::IAM::ManagedPolicy"
    assert "users" not in found["policies.ReadReports"][2]  # attached to a group only


def test_correct_snapshot_has_no_finding(tmp_path: Path) -> None:
    path = write(tmp_path, "snapshot.json", snapshot())
    parse_snapshot(path.read_text(), str(path))
    assert lint_file(path) == []
    found = kinds(path)
    base = "accounts[0].authorization_details"
    assert {label: kind for label, (kind, _, _) in found.items()} == {
        f"{base}.GroupDetailList[0].GroupPolicyList[0].PolicyDocument": PolicyKind.IDENTITY,
        f"{base}.RoleDetailList[0].AssumeRolePolicyDocument": PolicyKind.TRUST,
        f"{base}.RoleDetailList[0].RolePolicyList[0].PolicyDocument": PolicyKind.IDENTITY,
        # only the default version; the AWS managed policy is not linted
        f"{base}.Policies[0].PolicyVersionList[1].Document": PolicyKind.IDENTITY,
        "accounts[0].resources[0].policy": PolicyKind.RESOURCE,
        "organization.policies.DenyLeaveOrg.document": PolicyKind.SCP,
    }


def test_correct_authorization_details_have_no_finding(tmp_path: Path) -> None:
    path = write(tmp_path, "authz.json", authz())
    parse_snapshot(path.read_text(), str(path))
    assert lint_file(path) == []
    assert len(kinds(path)) == 4


# ---- a bad policy inside: the finding, its place and its type -----------------------------------


def test_yaml_typo_in_a_role_inline_policy_is_found_at_its_line(tmp_path: Path) -> None:
    text = GOOD_YAML.replace("Action: s3:PutObject", "Action: s3:PutObjekt")
    path = write(tmp_path, "account.yaml", text)
    (finding,) = lint_file(path)
    assert finding.rule == "PS102"
    assert (finding.line, finding.column) == where(text, "s3:PutObjekt")
    assert finding.file == str(path)
    assert finding.message.startswith("roles.builder.inline.WriteArtifacts: ")
    assert finding.pointer.startswith("roles.builder.inline.WriteArtifacts/Statement/0")


def test_yaml_public_bucket_policy_is_a_security_finding_on_the_bucket(tmp_path: Path) -> None:
    text = GOOD_YAML.replace(
        "Principal: {AWS: arn:aws:iam::111122223333:user/carol}", 'Principal: "*"'
    )
    path = write(tmp_path, "account.yaml", text)
    findings = [f for f in lint_file(path) if f.rule == "PS413"]
    assert len(findings) == 1
    assert findings[0].severity == "security"
    assert findings[0].message.startswith('resources["arn:aws:s3:::team-reports"].policy: ')
    line, _ = where(text, 'Principal: "*"')
    assert findings[0].line == line


def test_yaml_trust_policy_is_linted_as_a_trust_policy(tmp_path: Path) -> None:
    # A Resource in a trust policy is an error only a trust policy has (PS010).
    text = GOOD_YAML.replace(
        "          Action: sts:AssumeRole\n",
        '          Action: sts:AssumeRole\n          Resource: "*"\n',
    )
    path = write(tmp_path, "account.yaml", text)
    (finding,) = lint_file(path)
    assert finding.rule == "PS010"
    assert finding.message.startswith("roles.builder.trust: ")
    assert finding.line == where(text, 'Resource: "*"')[0]


def test_yaml_bucket_policy_resource_outside_its_bucket(tmp_path: Path) -> None:
    text = GOOD_YAML.replace(
        "          Action: s3:GetObject\n          Resource: arn:aws:s3:::team-reports/*",
        "          Action: s3:GetObject\n          Resource: arn:aws:s3:::other-bucket/*",
    )
    assert text != GOOD_YAML
    path = write(tmp_path, "account.yaml", text)
    (finding,) = lint_file(path)
    assert finding.rule == "PS113"
    assert "arn:aws:s3:::team-reports" in finding.message
    assert (finding.line, finding.column) == where(text, "arn:aws:s3:::other-bucket/*")


def test_resource_arn_option_does_not_override_what_the_account_says(tmp_path: Path) -> None:
    function = "arn:aws:lambda:eu-west-1:111122223333:function:f"
    text = GOOD_YAML.replace(
        "\norganization:",
        f"""  "{function}":
    policy:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Principal: {{AWS: "111122223333"}}
          Action: lambda:InvokeFunction
          Resource: "{function}"

organization:""",
    )
    path = write(tmp_path, "account.yaml", text)
    assert lint_file(path) == []
    run = lint_paths([str(path)], LintConfig(), resource_arn="arn:aws:s3:::elsewhere")
    assert run.findings == []


def test_yaml_policy_attached_to_a_user(tmp_path: Path) -> None:
    text = GOOD_YAML.replace(
        "    groups: [readers]\n", "    groups: [readers]\n    policies: [ReadReports]\n"
    )
    path = write(tmp_path, "account.yaml", text)
    (finding,) = lint_file(path)
    assert finding.rule == "PS518"
    assert finding.message.startswith("policies.ReadReports: ")
    assert "carol" in finding.message


def test_yaml_inline_user_policy_and_boundary_also_attached_as_a_policy(tmp_path: Path) -> None:
    text = GOOD_YAML.replace(
        "    boundary: ReportsBoundary\n",
        "    boundary: ReportsBoundary\n"
        "    inline:\n"
        "      Own:\n"
        "        Version: '2012-10-17'\n"
        "        Statement:\n"
        "          - {Effect: Allow, Action: s3:GetObject, Resource: 'arn:aws:s3:::c/*'}\n",
    ).replace("    policies: [ReadReports]\n", "    policies: [ReadReports, ReportsBoundary]\n")
    path = write(tmp_path, "account.yaml", text)
    found = kinds(path)
    assert found["users.carol.inline.Own"][0] is PolicyKind.IDENTITY
    assert found["users.carol.inline.Own"][2]["users"] == ["carol"]
    # used as a boundary and attached as a policy too: linted as an identity policy
    assert found["policies.ReportsBoundary.document"][0] is PolicyKind.IDENTITY
    assert [f.rule for f in lint_file(path)] == ["PS518"]


def test_yaml_organization_policy_type_by_declaration_attachment_or_content(
    tmp_path: Path,
) -> None:
    text = """\
account: "111122223333"
organization:
  policies:
    AttachedAsRcp:
      Version: "2012-10-17"
      Statement: [{Effect: Deny, Principal: "*", Action: "s3:*", Resource: "*"}]
    NamesPrincipals:
      Version: "2012-10-17"
      Statement: [{Effect: Deny, Principal: "*", Action: "sqs:*", Resource: "*"}]
    Plain:
      Version: "2012-10-17"
      Statement: [{Effect: Deny, Action: "iam:*", Resource: "*"}]
    Declared:
      type: SCP
      document: {Version: "2012-10-17", Statement: [{Effect: Deny, Action: "ec2:*", Resource: "*"}]}
  root: {id: r-1, rcps: [AttachedAsRcp]}
"""
    path = write(tmp_path, "org.yaml", text)
    found = {label: kind for label, (kind, _, _) in kinds(path).items()}
    assert found == {
        "organization.policies.AttachedAsRcp": PolicyKind.RCP,
        "organization.policies.NamesPrincipals": PolicyKind.RCP,
        "organization.policies.Plain": PolicyKind.SCP,
        "organization.policies.Declared.document": PolicyKind.SCP,
    }


def test_several_yaml_accounts_each_with_their_policies(tmp_path: Path) -> None:
    text = """\
accounts:
  - id: "111111111111"
    roles:
      app:
        inline:
          Read:
            Version: "2012-10-17"
            Statement: [{Effect: Allow, Action: s3:GetObjekt, Resource: "arn:aws:s3:::a/*"}]
  - id: "222222222222"
    resources:
      "arn:aws:sns:eu-west-1:222222222222:t":
        policy:
          Version: "2012-10-17"
          Statement:
            - {Effect: Allow, Principal: {AWS: "111111111111"}, Action: sns:Publish,
               Resource: "arn:aws:sns:eu-west-1:222222222222:other"}
"""
    path = write(tmp_path, "accounts.yaml", text)
    rules = {(f.rule, f.message.split(":", 1)[0]) for f in lint_file(path)}
    assert ("PS102", "accounts[0].roles.app.inline.Read") in rules
    assert ("PS113", 'accounts[1].resources["arn') in rules


def test_yaml_comment_suppresses_a_finding_in_an_account_file(tmp_path: Path) -> None:
    text = GOOD_YAML.replace(
        "Action: s3:PutObject", "Action: s3:PutObjekt  # policysim: ignore[PS102]"
    )
    path = write(tmp_path, "account.yaml", text)
    run = lint_paths([str(path)], LintConfig())
    assert run.findings == []
    assert run.suppressed == 1


def test_snapshot_bad_policies_found_in_place(tmp_path: Path) -> None:
    public = _doc(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::data/*",
        },
        TLS_ONLY,
    )
    details = authz(
        role_inline=_doc({"Effect": "Allow", "Action": "s3:ListBukket", "Resource": "*"})
    )
    path = write(tmp_path, "snap.json", snapshot(bucket_policy=public, details=details))
    text = path.read_text()
    by_rule = {f.rule: f for f in lint_file(path)}
    assert by_rule["PS413"].message.startswith("accounts[0].resources[0].policy: ")
    assert by_rule["PS413"].line == where(text, '"Principal": "*"')[0]
    found = by_rule["PS102"]
    assert found.message.startswith(
        "accounts[0].authorization_details.RoleDetailList[0].RolePolicyList[0].PolicyDocument: "
    )
    assert (found.line, found.column) == where(text, '"s3:ListBukket"')


def test_snapshot_policy_written_as_json_text_is_located_in_its_string(tmp_path: Path) -> None:
    # S3's GetBucketPolicy returns JSON text; the snapshot may keep it so.
    compact = json.dumps(
        _doc(
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:role/app"},
                "Action": "s3:GetObjekt",
                "Resource": "arn:aws:s3:::data/*",
            },
            TLS_ONLY,
        ),
        separators=(",", ":"),
    )
    path = write(tmp_path, "snap.json", snapshot(bucket_policy=compact))
    text = path.read_text()
    (finding,) = lint_file(path)
    assert finding.rule == "PS102"
    line, column = where(text, '"{')
    # inside the string (columns are approximate: its escapes are not counted)
    assert finding.line == line
    assert column < finding.column < column + len(json.dumps(compact))
    assert finding.message.startswith("accounts[0].resources[0].policy: ")


def test_authorization_details_bad_inline_trust_and_user_attachment(tmp_path: Path) -> None:
    trust = _doc(
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"},
    )
    path = write(tmp_path, "authz.json", authz(trust=trust, user_managed=True))
    text = path.read_text()
    by_rule = {f.rule: f for f in lint_file(path)}
    assert by_rule["PS518"].message.startswith("Policies[0].PolicyVersionList[1].Document: ")
    assert "dana" in by_rule["PS518"].message
    public = by_rule["PS401"]  # anyone may assume the role: a trust-policy rule
    assert public.message.startswith("RoleDetailList[0].AssumeRolePolicyDocument: ")
    assert (public.line, public.column) == where(text, '"Principal"')


def test_url_encoded_document_points_at_its_string(tmp_path: Path) -> None:
    bad = _doc({"Effect": "Allow", "Action": "s3:ListBukket", "Resource": "*"})
    data = authz(role_inline=quote(json.dumps(bad), safe=""))
    path = write(tmp_path, "authz.json", data)
    text = path.read_text()
    (finding,) = lint_file(path)
    assert finding.rule == "PS102"
    assert (finding.line, finding.column) == where(text, '"%7B')


def test_url_encoded_document_that_does_not_parse_is_one_finding(tmp_path: Path) -> None:
    data = authz(role_inline="%7B%22Version%22%3A")
    path = write(tmp_path, "authz.json", data)
    text = path.read_text()
    (finding,) = lint_file(path)
    assert finding.rule == "PS001"
    assert finding.message.startswith(
        "RoleDetailList[0].RolePolicyList[0].PolicyDocument: URL-encoded document: "
    )
    assert (finding.line, finding.column) == where(text, '"%7B')


def test_boundary_only_managed_policy_is_a_boundary(tmp_path: Path) -> None:
    data = authz()
    data["RoleDetailList"][0]["PermissionsBoundary"] = {
        "PermissionsBoundaryType": "Policy",
        "PermissionsBoundaryArn": "arn:aws:iam::111122223333:policy/Read",
    }
    data["GroupDetailList"][0]["AttachedManagedPolicies"] = []
    path = write(tmp_path, "authz.json", data)
    assert kinds(path)["Policies[0].PolicyVersionList[1].Document"][0] is PolicyKind.BOUNDARY


def test_large_authorization_details_are_linted(tmp_path: Path) -> None:
    data = authz(role_inline=_doc({"Effect": "Allow", "Action": "s3:ListBukket", "Resource": "*"}))
    group = data["GroupDetailList"][0]
    data["GroupDetailList"] = [
        {**group, "GroupName": f"g{i}", "Arn": f"arn:aws:iam::111122223333:group/g{i}"}
        for i in range(MAX_SOURCE_BYTES // 500)
    ]
    path = write(tmp_path, "big.json", data)
    assert path.stat().st_size > MAX_SOURCE_BYTES
    findings = lint_file(path)
    assert [f.rule for f in findings] == ["PS102"]
    assert (findings[0].line, findings[0].column) == where(path.read_text(), '"s3:ListBukket"')


def test_utf16_account_file_as_powershell_writes_it(tmp_path: Path) -> None:
    text = json.dumps(authz(role_inline=_doc({"Effect": "Allow", "Action": "s3:ListBukket"})))
    path = tmp_path / "authz.json"
    path.write_bytes(text.encode("utf-16"))  # with a byte-order mark
    findings = lint_file(path)
    assert {f.rule for f in findings} == {"PS102", "PS010"}  # typo; identity needs a Resource
    yaml_path = tmp_path / "account.yaml"
    yaml_path.write_bytes(GOOD_YAML.encode("utf-16"))
    assert lint_file(yaml_path) == []
    assert len(load_path(str(yaml_path)).targets) == 9


def test_size_quota_follows_what_holds_the_policy(tmp_path: Path) -> None:
    actions = ", ".join(f"s3:GetObjectVersion{i:04d}" for i in range(250))
    document = (
        '      Version: "2012-10-17"\n'
        f'      Statement: [{{Effect: Deny, Action: [{actions}], Resource: "*"}}]\n'
    )
    text = (
        'account: "111122223333"\npolicies:\n  Big:\n'
        + document.replace("      ", "    ", 2)
        + "roles:\n  r:\n    inline:\n      Big:\n"
        + document.replace("      ", "        ", 2)
    )
    path = write(tmp_path, "account.yaml", text)
    quota = [f for f in lint_file(path) if f.rule == "PS031"]
    # over a managed policy's 6,144 characters, under a role's 10,240 for its inline policies
    assert [f.message.split(":")[0] for f in quota] == ["policies.Big"]
    assert "customer managed policy quota of 6,144" in quota[0].message


# ---- directory walks and files that are not account files ---------------------------------------


def test_directory_walk_includes_account_files(tmp_path: Path) -> None:
    bad_yaml = GOOD_YAML.replace("Action: s3:PutObject", "Action: s3:PutObjekt")
    (tmp_path / "accounts").mkdir()
    write(tmp_path, "accounts/prod.yml", bad_yaml)
    bad = _doc({"Effect": "Allow", "Action": "s3:ListBukket", "Resource": "*"})
    write(tmp_path, "accounts/snapshot.json", snapshot(details=authz(role_inline=bad)))
    write(tmp_path, "accounts/authz.json", authz(role_inline=bad))
    write(tmp_path, "settings.yaml", "account: '111122223333'\nregion: eu-west-1\n")
    walked = [path for path, discovered in discover([str(tmp_path)]) if discovered]
    assert len(walked) == 4
    run = lint_paths([str(tmp_path)], LintConfig())
    assert run.files == 3  # settings.yaml is neither a policy nor an account file
    assert sorted((Path(f.file).name, f.rule) for f in run.findings) == [
        ("authz.json", "PS102"),
        ("prod.yml", "PS102"),
        ("snapshot.json", "PS102"),
    ]


def test_account_format_is_told_by_content_not_name(tmp_path: Path) -> None:
    path = write(tmp_path, "policy.json", authz())
    assert load_path(str(path)).source == "account"
    assert len(load_path(str(path)).targets) == 4
    yaml_as_json = write(tmp_path, "x.txt", json.dumps({"account": "111122223333", "roles": {}}))
    loaded = load_path(str(yaml_as_json))
    assert loaded.source == "account"
    assert loaded.notes == [f"{yaml_as_json}: account file holds no policy documents"]


@pytest.mark.parametrize(
    "text",
    [
        "account: '111122223333'\nregion: eu-west-1\n",  # holds nothing an account file holds
        "Version: '2012-10-17'\nStatement: []\naccount: x\nusers: {}\n",  # a policy document
        "accounts: x\nfoo: 1\nbar: 2\nbaz: 3\n",  # mostly keys no account file has
    ],
)
def test_files_that_are_not_account_files_are_linted_as_before(text: str) -> None:
    named = load_bytes(text.encode(), "x.yaml")
    assert named.source == "policy"
    assert len(named.targets) == 1
    walked = load_bytes(text.encode(), "x.yaml", discovered=True)
    assert walked.source == ("policy" if "Statement" in text else "skipped")


def test_plain_policy_and_cloudformation_are_unchanged(tmp_path: Path) -> None:
    policy = write(tmp_path, "p.json", READ)
    assert load_path(str(policy)).source == "policy"
    template = write(
        tmp_path,
        "t.yaml",
        "Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n"
        "      PolicyDocument: {Version: '2012-10-17', Statement: []}\n",
    )
    assert load_path(str(template)).source == "cloudformation"


def test_malformed_account_parts_are_skipped_not_fatal(tmp_path: Path) -> None:
    text = """\
account: "111122223333"
users: [not, a, mapping]
roles:
  app: 3
  ok:
    inline:
      P: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: s3:GetObjekt, Resource: "*"}]}
resources:
  not-an-arn:
    policy: {Version: "2012-10-17", Statement: []}
"""
    path = write(tmp_path, "account.yaml", text)
    rules = sorted(f.rule for f in lint_file(path))
    assert "PS102" in rules
    assert "PS006" in rules  # the empty Statement of the resource policy


# ---- property: every inline policy is found where it is written ---------------------------------

_NAME = st.from_regex(r"[A-Za-z][A-Za-z0-9+=,.@_-]{0,12}", fullmatch=True)


@given(
    roles=st.lists(_NAME, min_size=1, max_size=4, unique=True),
    bad=st.data(),
)
def test_yaml_typo_is_found_in_whichever_role_it_is(roles: list[str], bad: st.DataObject) -> None:
    culprit = bad.draw(st.sampled_from(roles))
    lines = ['account: "111122223333"', "roles:"]
    for role in roles:
        action = "s3:GetObjekt" if role == culprit else "s3:GetObject"
        lines += [
            f"  {role}:",
            "    inline:",
            "      P:",
            '        Version: "2012-10-17"',
            "        Statement:",
            "          - Effect: Allow",
            f"            Action: {action}",
            '            Resource: "arn:aws:s3:::b/*"',
        ]
    text = "\n".join(lines) + "\n"
    loaded = load_bytes(text.encode(), "a.yaml")
    from policysim.lint.inputs.run import LintRun, lint_loaded

    run = LintRun()
    lint_loaded(loaded, LintConfig(), LintConfig().options(), run)
    (finding,) = run.findings
    assert finding.rule == "PS102"
    assert finding.message.startswith(format_path(("roles", culprit, "inline", "P")) + ": ")
    assert (finding.line, finding.column) == where(text, "s3:GetObjekt")


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "users",
                    "roles",
                    "groups",
                    "inline",
                    "trust",
                    "policies",
                    "document",
                    "policy",
                    "arn",
                    "type",
                    "Statement",
                    "UserPolicyList",
                    "PolicyDocument",
                    "RolePolicyList",
                    "AssumeRolePolicyDocument",
                    "PolicyVersionList",
                    "IsDefaultVersion",
                    "Document",
                    "AttachedManagedPolicies",
                    "PolicyArn",
                    "authorization_details",
                    "resources",
                    "organization",
                    "root",
                    "rcps",
                    "x",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@given(
    top=st.sampled_from(
        [{"account": "111122223333"}, {"policysim_snapshot": 1}, {"UserDetailList": []}]
    ),
    rest=st.dictionaries(
        st.sampled_from(
            [
                "users",
                "roles",
                "policies",
                "resources",
                "organization",
                "accounts",
                "RoleDetailList",
                "Policies",
                "GroupDetailList",
            ]
        ),
        _JSON,
        max_size=4,
    ),
)
def test_any_shape_of_account_file_is_linted_without_an_exception(
    top: dict[str, Any], rest: dict[str, Any]
) -> None:
    data = json.dumps({**top, **rest}).encode()
    loaded = load_bytes(data, "a.json")
    if "account" not in top:  # a snapshot or authorization details, by their key alone
        assert loaded.source == "account"
    from policysim.lint.inputs.run import LintRun, lint_loaded

    lint_loaded(loaded, LintConfig(), LintConfig().options(), LintRun())


# ---- the command line ---------------------------------------------------------------------------


def test_cli_lints_an_account_file(tmp_path: Path) -> None:
    text = GOOD_YAML.replace("Action: s3:PutObject", "Action: s3:PutObjekt")
    write(tmp_path, "account.yaml", text)
    (tmp_path / ".git").mkdir()  # stops the configuration search here
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "policysim", "lint", "account.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 1, result.stderr
    line, column = where(text, "s3:PutObjekt")
    assert result.stdout.startswith(
        f"account.yaml:{line}:{column}: PS102 error roles.builder.inline.WriteArtifacts: "
    )
    assert "unknown policy element" not in result.stdout
