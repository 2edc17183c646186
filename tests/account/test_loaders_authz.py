"""`aws iam get-account-authorization-details` output: the real corpus files, and bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from policysim.account.loaders import _common, load_authorization_details, load_snapshot
from policysim.account.model import Snapshot
from policysim.policy.errors import PolicyError, Position

DATA = Path(__file__).parent / "data"
EXAMPLE = DATA / "cloudsplaining-example.json"
SMALL = DATA / "cloudsplaining-test-authz-details.json"
ACCOUNT = "111122223333"


def totals(snapshot: Snapshot) -> tuple[int, int, int, int]:
    """Users, groups, roles and distinct managed policies across the snapshot's accounts."""
    accounts = snapshot.accounts.values()
    policies = {arn for account in accounts for arn in account.policies}
    return (
        sum(len(a.users) for a in accounts),
        sum(len(a.groups) for a in accounts),
        sum(len(a.roles) for a in accounts),
        len(policies),
    )


def one_line_error(err: pytest.ExceptionInfo[PolicyError], file: Path | str) -> str:
    """The error's text, checked to be one line that starts with the file name."""
    text = str(err.value)
    assert "\n" not in text
    assert text.startswith(f"{file}:"), text
    return text


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


ALLOW_GET = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}


def authz(**overrides: Any) -> dict[str, Any]:
    """A small, valid authorization-details object."""
    data: dict[str, Any] = {
        "UserDetailList": [
            {
                "Path": "/",
                "UserName": "alice",
                "UserId": "AIDAALICE",
                "Arn": f"arn:aws:iam::{ACCOUNT}:user/alice",
                "GroupList": [],
                "UserPolicyList": [{"PolicyName": "Read", "PolicyDocument": doc(ALLOW_GET)}],
                "AttachedManagedPolicies": [],
                "Tags": [],
            }
        ],
        "GroupDetailList": [],
        "RoleDetailList": [],
        "Policies": [],
    }
    data.update(overrides)
    return data


def write(tmp_path: Path, data: Any, name: str = "authz.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=2) if not isinstance(data, str) else data)
    return path


# ---- the corpus -----------------------------------------------------------------------------


def test_cloudsplaining_example_loads_completely() -> None:
    snapshot = load_snapshot(EXAMPLE)
    assert totals(snapshot) == (44, 5, 78, 84)
    assert snapshot.source == str(EXAMPLE)
    assert snapshot.metadata["format"] == "authorization_details"
    # The file merges two accounts' output; each entity lives in the account its ARN names.
    assert list(snapshot.accounts) == ["200611803367", "012345678901"]
    main, other = snapshot.accounts.values()
    assert (len(main.users), len(main.groups), len(main.roles)) == (41, 3, 75)
    assert (len(other.users), len(other.groups), len(other.roles)) == (3, 2, 3)
    customer = [p for p in main.policies.values() if not p.aws_managed]
    assert len(customer) == 44
    assert sum(1 for p in main.policies.values() if p.aws_managed) == 38


def test_cloudsplaining_example_entities() -> None:
    snapshot = load_snapshot(EXAMPLE)
    main = snapshot.accounts["200611803367"]
    other = snapshot.accounts["012345678901"]

    user = main.users["fn1-privesc3-partial-user"]
    assert user.arn == "arn:aws:iam::200611803367:user/fn1-privesc3-partial-user"
    assert user.id == "AIDAS5NLFGDTUMT22VJQ2"
    assert user.managed_policies == [
        "arn:aws:iam::200611803367:policy/fn1-passrole-star",
        "arn:aws:iam::200611803367:policy/fn1-privesc3-partial",
    ]

    biden = other.users["biden"]
    assert biden.groups == ["biden"]
    assert "InsecureUserPolicy" in biden.inline_policies

    role = main.roles["AWS-QuickSetup-EnableCRecording-1clff_ap-northeast-1"]
    assert role.tags["QuickSetupID"] == "1clff"
    assert role.trust_policy is not None
    assert role.trust_policy.statements[0].principal is not None
    assert role.trust_policy.statements[0].principal.service == ("ssm.amazonaws.com",)
    assert len(role.inline_policies) == 2
    assert main.roles["AWSServiceRoleForConfig"].service_linked

    # The default version is the one marked IsDefaultVersion, not the first or the last.
    codecommit = main.policies["arn:aws:iam::aws:policy/AWSCodeCommitPowerUser"]
    assert codecommit.aws_managed
    assert codecommit.document.statements
    # Statements keep the file they came from (no positions: the file is read with `json`).
    assert user.managed_policies[0] in main.policies
    assert main.policies[user.managed_policies[0]].document.file == str(EXAMPLE)


def test_cloudsplaining_small_file() -> None:
    snapshot = load_authorization_details(SMALL)
    assert totals(snapshot) == (3, 2, 3, 32)
    assert list(snapshot.accounts) == ["012345678901"]
    account = snapshot.accounts["012345678901"]
    assert account.users["obama"].groups == ["admin"]
    assert account.groups["admin"].managed_policies == [
        "arn:aws:iam::aws:policy/AdministratorAccess"
    ]


# ---- document encodings ---------------------------------------------------------------------


def test_url_encoded_documents(tmp_path: Path) -> None:
    encoded = quote(json.dumps(doc(ALLOW_GET)), safe="")
    trust = quote(
        json.dumps(
            doc(
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            )
        ),
        safe="",
    )
    data = authz(
        RoleDetailList=[
            {
                "RoleName": "app",
                "Arn": f"arn:aws:iam::{ACCOUNT}:role/app",
                "AssumeRolePolicyDocument": trust,
                "RolePolicyList": [{"PolicyName": "Inline", "PolicyDocument": encoded}],
                "PermissionsBoundary": {
                    "PermissionsBoundaryType": "Policy",
                    "PermissionsBoundaryArn": f"arn:aws:iam::{ACCOUNT}:policy/Boundary",
                },
                "Tags": [{"Key": "env", "Value": "prod"}],
            }
        ],
        Policies=[
            {
                "PolicyName": "Boundary",
                "Arn": f"arn:aws:iam::{ACCOUNT}:policy/Boundary",
                "Path": "/",
                "DefaultVersionId": "v2",
                "PolicyVersionList": [
                    {"Document": doc(ALLOW_GET), "VersionId": "v1", "IsDefaultVersion": False},
                    {"Document": encoded, "VersionId": "v2", "IsDefaultVersion": True},
                ],
            }
        ],
    )
    snapshot = load_snapshot(write(tmp_path, data))
    role = snapshot.accounts[ACCOUNT].roles["app"]
    assert role.inline_policies["Inline"].statements[0].action == ("s3:GetObject",)
    assert role.trust_policy is not None
    assert role.trust_policy.statements[0].action == ("sts:AssumeRole",)
    assert role.permissions_boundary == f"arn:aws:iam::{ACCOUNT}:policy/Boundary"
    assert role.tags == {"env": "prod"}
    boundary = snapshot.accounts[ACCOUNT].policies[f"arn:aws:iam::{ACCOUNT}:policy/Boundary"]
    assert boundary.document.statements[0].action == ("s3:GetObject",)


def test_plain_json_string_document(tmp_path: Path) -> None:
    data = authz()
    data["UserDetailList"][0]["UserPolicyList"][0]["PolicyDocument"] = json.dumps(doc(ALLOW_GET))
    snapshot = load_snapshot(write(tmp_path, data))
    assert snapshot.accounts[ACCOUNT].users["alice"].inline_policies["Read"].statements


def test_default_version_by_id_when_no_flag(tmp_path: Path) -> None:
    data = authz(
        Policies=[
            {
                "PolicyName": "P",
                "Arn": f"arn:aws:iam::{ACCOUNT}:policy/P",
                "DefaultVersionId": "v2",
                "PolicyVersionList": [
                    {"Document": doc({**ALLOW_GET, "Sid": "One"}), "VersionId": "v1"},
                    {"Document": doc({**ALLOW_GET, "Sid": "Two"}), "VersionId": "v2"},
                ],
            }
        ]
    )
    snapshot = load_snapshot(write(tmp_path, data))
    policy = snapshot.accounts[ACCOUNT].policies[f"arn:aws:iam::{ACCOUNT}:policy/P"]
    assert policy.document.statements[0].sid == "Two"


def test_utf16_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "authz.json"
    path.write_bytes(json.dumps(authz()).encode("utf-16"))
    assert ACCOUNT in load_snapshot(path).accounts


# ---- errors ---------------------------------------------------------------------------------


def test_malformed_json_has_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, '{\n  "UserDetailList": [\n    {"UserName": "alice",}\n  ]\n}\n')
    with pytest.raises(PolicyError) as err:
        load_snapshot(path)
    assert err.value.position == Position(3, 26)
    assert "invalid JSON" in one_line_error(err, path)


def test_duplicate_key_is_located(tmp_path: Path) -> None:
    path = write(tmp_path, '{"UserDetailList": [],\n "UserDetailList": []}')
    with pytest.raises(PolicyError) as err:
        load_snapshot(path)
    text = one_line_error(err, path)
    assert "duplicate key 'UserDetailList'" in text
    assert err.value.position == Position(2, 2)


def test_bad_policy_names_its_path_and_position(tmp_path: Path) -> None:
    data = authz()
    data["UserDetailList"][0]["UserPolicyList"][0]["PolicyDocument"] = doc(
        ALLOW_GET, {"Effect": "Allwo", "Action": "s3:*", "Resource": "*"}
    )
    path = write(tmp_path, data)
    with pytest.raises(PolicyError) as err:
        load_snapshot(path)
    text = one_line_error(err, path)
    assert (
        err.value.path == "UserDetailList[0].UserPolicyList[0].PolicyDocument.Statement[1].Effect"
    )
    assert err.value.position is not None
    line = path.read_text().splitlines()[err.value.position.line - 1]
    assert '"Allwo"' in line
    assert "Allow" in text


def test_large_files_name_the_path_without_position(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_common, "LOCATE_MAX_BYTES", 10)
    data = authz()
    data["UserDetailList"][0]["UserPolicyList"][0]["PolicyDocument"] = doc({"Effect": "Allow"})
    path = write(tmp_path, data)
    with pytest.raises(PolicyError) as err:
        load_snapshot(path)
    assert err.value.position is None
    text = one_line_error(err, path)
    assert "UserDetailList[0].UserPolicyList[0].PolicyDocument.Statement[0]" in text
    assert "Action" in text


def test_bad_url_encoded_policy(tmp_path: Path) -> None:
    data = authz()
    bad = quote(json.dumps(doc({"Effect": "Allow", "Action": "s3:*"}))[:-5], safe="")
    data["UserDetailList"][0]["UserPolicyList"][0]["PolicyDocument"] = bad
    path = write(tmp_path, data)
    with pytest.raises(PolicyError) as err:
        load_snapshot(path)
    text = one_line_error(err, path)
    assert "not valid URL-encoded JSON" in text
    assert err.value.path == "UserDetailList[0].UserPolicyList[0].PolicyDocument"
    assert err.value.position is not None


def test_invalid_policy_inside_url_encoded_string(tmp_path: Path) -> None:
    data = authz()
    bad = quote(json.dumps(doc({"Effect": "Allow", "Resource": "*"})), safe="")
    data["UserDetailList"][0]["UserPolicyList"][0]["PolicyDocument"] = bad
    path = write(tmp_path, data)
    with pytest.raises(PolicyError) as err:
        load_snapshot(path)
    one_line_error(err, path)
    assert err.value.path == "UserDetailList[0].UserPolicyList[0].PolicyDocument.Statement[0]"


def test_missing_key_is_located(tmp_path: Path) -> None:
    data = authz()
    del data["UserDetailList"][0]["UserName"]
    path = write(tmp_path, data)
    with pytest.raises(PolicyError) as err:
        load_snapshot(path)
    text = one_line_error(err, path)
    assert "missing required key 'UserName'" in text
    assert err.value.path == "UserDetailList[0]"
    assert err.value.position == Position(3, 5)


def test_wrong_type_is_located(tmp_path: Path) -> None:
    data = authz()
    data["UserDetailList"][0]["GroupList"] = "admins"
    path = write(tmp_path, data)
    with pytest.raises(PolicyError) as err:
        load_snapshot(path)
    assert "expected an array, got a string" in one_line_error(err, path)
    assert err.value.path == "UserDetailList[0].GroupList"


def test_bad_arn(tmp_path: Path) -> None:
    data = authz()
    data["UserDetailList"][0]["Arn"] = f"arn:aws:iam::{ACCOUNT}:role/alice"
    path = write(tmp_path, data)
    with pytest.raises(PolicyError) as err:
        load_snapshot(path)
    assert "expected an IAM user ARN" in one_line_error(err, path)


def test_no_account_id(tmp_path: Path) -> None:
    path = write(tmp_path, authz(UserDetailList=[]))
    with pytest.raises(PolicyError) as err:
        load_snapshot(path)
    assert "cannot tell the account id" in one_line_error(err, path)


def test_duplicate_user(tmp_path: Path) -> None:
    data = authz()
    data["UserDetailList"].append(data["UserDetailList"][0])
    path = write(tmp_path, data)
    with pytest.raises(PolicyError) as err:
        load_snapshot(path)
    assert "duplicate user 'alice'" in one_line_error(err, path)
    assert err.value.path == "UserDetailList[1]"


def test_not_an_account_file(tmp_path: Path) -> None:
    path = write(tmp_path, doc(ALLOW_GET), "policy.json")
    with pytest.raises(PolicyError) as err:
        load_snapshot(path)
    assert "policy document, not an account file" in one_line_error(err, path)


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.json"
    with pytest.raises(PolicyError) as err:
        load_snapshot(path)
    assert "cannot read file" in one_line_error(err, path)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "authz.json"
    path.write_bytes(b'{"UserDetailList": [\n"\xff"]}')
    with pytest.raises(PolicyError) as err:
        load_snapshot(path)
    assert "not UTF-8" in one_line_error(err, path)
    assert err.value.position == Position(2, 2)


# ---- instance profiles ----------------------------------------------------------------------


def test_corpus_instance_profiles() -> None:
    snapshot = load_snapshot(EXAMPLE)
    main = snapshot.accounts["200611803367"]
    other = snapshot.accounts["012345678901"]
    assert main.roles["privesc-high-priv-service-role"].instance_profiles == [
        "arn:aws:iam::200611803367:instance-profile/privesc-high-priv-service-profile"
    ]
    assert other.roles["OverprivilegedEC2"].instance_profiles == [
        "arn:aws:iam::012345678901:instance-profile/OverprivilegedEC2"
    ]
    holding = [
        r.name for a in snapshot.accounts.values() for r in a.roles.values() if r.instance_profiles
    ]
    assert sorted(holding) == ["OverprivilegedEC2", "privesc-high-priv-service-role"]


def role_entry(**overrides: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "Path": "/",
        "RoleName": "web",
        "Arn": f"arn:aws:iam::{ACCOUNT}:role/web",
        "AssumeRolePolicyDocument": doc(
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ),
        "RolePolicyList": [],
        "AttachedManagedPolicies": [],
    }
    entry.update(overrides)
    return entry


def profile(arn: str) -> dict[str, Any]:
    """An `InstanceProfileList` entry as AWS prints it (its `Roles` repeat the role)."""
    return {
        "Path": "/",
        "InstanceProfileName": arn.rsplit("/", 1)[-1],
        "InstanceProfileId": "AIPAEXAMPLE",
        "Arn": arn,
        "CreateDate": "2026-01-01T00:00:00Z",
        "Roles": [{"RoleName": "web", "Arn": f"arn:aws:iam::{ACCOUNT}:role/web"}],
    }


def test_instance_profiles_are_read(tmp_path: Path) -> None:
    first = f"arn:aws:iam::{ACCOUNT}:instance-profile/web"
    second = f"arn:aws:iam::{ACCOUNT}:instance-profile/fleet/web-2"
    data = authz(
        RoleDetailList=[
            role_entry(InstanceProfileList=[profile(first), profile(second), profile(first)]),
            role_entry(RoleName="none", Arn=f"arn:aws:iam::{ACCOUNT}:role/none"),
        ]
    )
    roles = load_snapshot(write(tmp_path, data)).accounts[ACCOUNT].roles
    assert roles["web"].instance_profiles == [first, second]
    assert roles["none"].instance_profiles == []


@pytest.mark.parametrize(
    ("profiles", "path", "problem"),
    [
        (
            [profile("arn:aws:iam::444455556666:instance-profile/web")],
            "RoleDetailList[0].InstanceProfileList[0].Arn",
            "is not in the role's account",
        ),
        (
            [profile(f"arn:aws:iam::{ACCOUNT}:role/web")],
            "RoleDetailList[0].InstanceProfileList[0].Arn",
            "an instance profile ARN is arn:aws:iam::111122223333:instance-profile/NAME",
        ),
        (
            [{"InstanceProfileName": "web"}],
            "RoleDetailList[0].InstanceProfileList[0]",
            "missing required key 'Arn'",
        ),
        ([7], "RoleDetailList[0].InstanceProfileList[0]", "expected an object, got a number"),
        ({"Arn": "x"}, "RoleDetailList[0].InstanceProfileList", "expected an array"),
    ],
)
def test_bad_instance_profile_is_located(
    tmp_path: Path, profiles: Any, path: str, problem: str
) -> None:
    file = write(tmp_path, authz(RoleDetailList=[role_entry(InstanceProfileList=profiles)]))
    with pytest.raises(PolicyError) as err:
        load_snapshot(file)
    text = one_line_error(err, file)
    assert err.value.path == path
    assert problem in text
