"""Account files describe states IAM can be in: entity names unique in their account whatever
the letter case, ARNs that end in their entity's path and name, one default policy version.
Each violation is one located error in every account format (YAML, authorization details,
snapshot); before, the last of two `alice`s won, an empty ARN name crashed, and the first of
two default versions won silently."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from policysim.account.checks import UniqueNames
from policysim.account.loaders import load_snapshot
from policysim.policy.errors import PolicyError

DATA = Path(__file__).parent / "data"
A = "111122223333"
B = "444455556666"
DOC = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}

# ---- the helper -------------------------------------------------------------------------------


def test_unique_names_clash_on_case_and_repeats_only() -> None:
    names = UniqueNames("user", A)
    assert names.clash("alice") is None
    assert names.clash("bob") is None
    assert names.clash("alice-2") is None
    case = names.clash("Alice")
    assert case == (
        "user 'Alice' differs from user 'alice' only in letter case: IAM names are unique"
        f" within an account regardless of case (account {A})"
    )
    again = names.clash("bob")
    assert again is not None and "given twice" in again
    # other kinds and accounts are other name spaces
    assert UniqueNames("role", A).clash("Alice") is None


# ---- loading helpers -------------------------------------------------------------------------


def _error(path: Path) -> PolicyError:
    with pytest.raises(PolicyError) as err:
        load_snapshot(path)
    text = str(err.value)
    assert "\n" not in text
    assert text.startswith(f"{path}:"), text
    return err.value


def _write(tmp_path: Path, data: Any, name: str = "account.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2))
    return path


def _user(name: str, account: str = A, path: str = "/", arn: str | None = None) -> dict[str, Any]:
    return {
        "UserName": name,
        "Path": path,
        "Arn": arn if arn is not None else f"arn:aws:iam::{account}:user{path}{name}",
    }


def _role(name: str, account: str = A, arn: str | None = None) -> dict[str, Any]:
    return {"RoleName": name, "Path": "/", "Arn": arn or f"arn:aws:iam::{account}:role/{name}"}


def _group(name: str, arn: str | None = None) -> dict[str, Any]:
    return {"GroupName": name, "Path": "/", "Arn": arn or f"arn:aws:iam::{A}:group/{name}"}


def _policy(name: str, path: str = "/", **fields: Any) -> dict[str, Any]:
    out = {
        "PolicyName": name,
        "Path": path,
        "Arn": f"arn:aws:iam::{A}:policy{path}{name}",
        "DefaultVersionId": "v1",
        "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True, "Document": DOC}],
    }
    out.update(fields)
    return out


def _authz(**lists: list[dict[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "UserDetailList": [],
        "GroupDetailList": [],
        "RoleDetailList": [],
        "Policies": [],
    }
    data.update(lists)
    return data


# ---- names that differ only in case -----------------------------------------------------------


@pytest.mark.parametrize(
    ("lists", "field", "message"),
    [
        (
            {"UserDetailList": [_user("alice"), _user("Alice")]},
            "UserDetailList[1].UserName",
            "user 'Alice' differs from user 'alice' only in letter case",
        ),
        (
            {"RoleDetailList": [_role("Deploy"), _role("deploy")]},
            "RoleDetailList[1].RoleName",
            "role 'deploy' differs from role 'Deploy' only in letter case",
        ),
        (
            {"GroupDetailList": [_group("ops"), _group("OPS")]},
            "GroupDetailList[1].GroupName",
            "group 'OPS' differs from group 'ops' only in letter case",
        ),
        (
            {"Policies": [_policy("Read"), _policy("read")]},
            "Policies[1].PolicyName",
            "policy 'read' differs from policy 'Read' only in letter case",
        ),
        (
            {"Policies": [_policy("Read"), _policy("Read", path="/team/")]},
            "Policies[1].PolicyName",
            f"policy 'Read' is given twice in account {A}: IAM names are unique within an"
            " account, whatever the path",
        ),
        (
            {"UserDetailList": [_user("alice"), _user("ALICE", path="/x/")]},
            "UserDetailList[1].UserName",
            "user 'ALICE' differs from user 'alice'",
        ),
    ],
)
def test_authorization_details_refuse_names_differing_in_case(
    tmp_path: Path, lists: dict[str, Any], field: str, message: str
) -> None:
    err = _error(_write(tmp_path, _authz(**lists)))
    assert err.path == field
    assert message in err.message


def test_same_name_in_two_kinds_or_two_accounts_is_fine(tmp_path: Path) -> None:
    data = _authz(
        UserDetailList=[_user("app"), _user("App", account=B)],
        RoleDetailList=[_role("app"), _role("APP", account=B)],
        GroupDetailList=[_group("app")],
        Policies=[_policy("app")],
    )
    snapshot = load_snapshot(_write(tmp_path, data))
    assert set(snapshot.accounts[A].users) == {"app"}
    assert set(snapshot.accounts[B].users) == {"App"}


def test_snapshot_refuses_names_differing_in_case(tmp_path: Path) -> None:
    data = json.loads((DATA / "snapshot.json").read_text())
    details = data["accounts"][0]["authorization_details"]
    worker = copy.deepcopy(details["RoleDetailList"][0])
    worker["RoleName"] = "Worker"
    worker["Arn"] = worker["Arn"].replace("role/worker", "role/Worker")
    details["RoleDetailList"].append(worker)
    err = _error(_write(tmp_path, data, "snapshot.json"))
    assert err.path == "accounts[0].authorization_details.RoleDetailList[1].RoleName"
    assert "role 'Worker' differs from role 'worker' only in letter case" in err.message
    assert err.position is not None


@pytest.mark.parametrize(
    ("section", "first", "second", "line", "message"),
    [
        ("users", "alice", "Alice", 4, "user 'Alice' differs from user 'alice'"),
        ("roles", "deploy", "DEPLOY", 4, "role 'DEPLOY' differs from role 'deploy'"),
        ("groups", "ops", "Ops", 4, "group 'Ops' differs from group 'ops'"),
    ],
)
def test_yaml_refuses_names_differing_in_case(
    tmp_path: Path, section: str, first: str, second: str, line: int, message: str
) -> None:
    text = f'account: "{A}"\n{section}:\n  {first}: {{}}\n  {second}: {{}}\n'
    err = _error(_write(tmp_path, text, "account.yaml"))
    assert err.position is not None and err.position.line == line
    assert err.path == f"{section}.{second}"
    assert message in err.message


def test_yaml_refuses_policy_names_differing_in_case(tmp_path: Path) -> None:
    text = (
        f'account: "{A}"\n'
        "policies:\n"
        f"  Read: {json.dumps(DOC)}\n"
        f"  READ: {{path: /team/, document: {json.dumps(DOC)}}}\n"
    )
    err = _error(_write(tmp_path, text, "account.yaml"))
    assert err.position is not None and err.position.line == 4
    assert "policy 'READ' differs from policy 'Read' only in letter case" in err.message


def test_yaml_accounts_are_separate_name_spaces(tmp_path: Path) -> None:
    text = (
        "accounts:\n"
        f'  - id: "{A}"\n'
        "    users: {alice: {}}\n"
        f'  - id: "{B}"\n'
        "    users: {Alice: {}}\n"
    )
    snapshot = load_snapshot(_write(tmp_path, text, "account.yaml"))
    assert list(snapshot.accounts[B].users) == ["Alice"]


# ---- ARNs that name no one, or someone else ---------------------------------------------------


@pytest.mark.parametrize(
    ("lists", "field", "message"),
    [
        (
            {"UserDetailList": [_user("alice", arn=f"arn:aws:iam::{A}:user/")]},
            "UserDetailList[0].Arn",
            f"user ARN 'arn:aws:iam::{A}:user/' names no user (nothing after the last '/'):"
            f" user 'alice' at path '/' has the ARN arn:aws:iam::{A}:user/alice",
        ),
        (
            {"RoleDetailList": [_role("app", arn=f"arn:aws:iam::{A}:role/")]},
            "RoleDetailList[0].Arn",
            f"role ARN 'arn:aws:iam::{A}:role/' names no role",
        ),
        (
            {"GroupDetailList": [_group("ops", arn=f"arn:aws:iam::{A}:group/team/")]},
            "GroupDetailList[0].Arn",
            "names no group",
        ),
        (
            {"UserDetailList": [_user("alice", arn=f"arn:aws:iam::{A}:user/bob")]},
            "UserDetailList[0].Arn",
            f"user ARN 'arn:aws:iam::{A}:user/bob' does not end in the user's path and name",
        ),
        (
            {"UserDetailList": [_user("alice", path="/team/", arn=f"arn:aws:iam::{A}:user/alice")]},
            "UserDetailList[0].Arn",
            f"user 'alice' at path '/team/' has the ARN arn:aws:iam::{A}:user/team/alice",
        ),
        (
            {"Policies": [_policy("Read", Arn=f"arn:aws:iam::{A}:policy/")]},
            "Policies[0].Arn",
            "names no policy",
        ),
        (
            {"Policies": [_policy("Read", Arn="arn:aws:iam::aws:policy/")]},
            "Policies[0].Arn",
            "names no policy",
        ),
    ],
)
def test_authorization_details_arns_must_name_their_entity(
    tmp_path: Path, lists: dict[str, Any], field: str, message: str
) -> None:
    err = _error(_write(tmp_path, _authz(**lists)))
    assert err.path == field
    assert message in err.message


def test_paths_in_arns_are_accepted(tmp_path: Path) -> None:
    data = _authz(
        UserDetailList=[_user("alice", path="/team/a/")],
        Policies=[_policy("Read", path="/team/")],
    )
    account = load_snapshot(_write(tmp_path, data)).accounts[A]
    assert account.users["alice"].arn == f"arn:aws:iam::{A}:user/team/a/alice"


# ---- default policy versions ------------------------------------------------------------------


def _versions(*marks: bool | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i, mark in enumerate(marks, start=1):
        version: dict[str, Any] = {
            "VersionId": f"v{i}",
            "Document": {**DOC, "Statement": [{**DOC["Statement"][0], "Sid": f"V{i}"}]},
        }
        if mark is not None:
            version["IsDefaultVersion"] = mark
        out.append(version)
    return out


def test_two_default_versions_are_an_error(tmp_path: Path) -> None:
    data = _authz(Policies=[_policy("Read", PolicyVersionList=_versions(True, False, True))])
    err = _error(_write(tmp_path, data))
    assert err.path == "Policies[0].PolicyVersionList[2].IsDefaultVersion"
    assert err.message == (
        "managed policy 'Read' has two default versions (PolicyVersionList 0 and 2 are both"
        " IsDefaultVersion): IAM keeps exactly one"
    )


def test_default_version_id_contradicting_the_mark_is_an_error(tmp_path: Path) -> None:
    data = _authz(
        Policies=[_policy("Read", DefaultVersionId="v1", PolicyVersionList=_versions(False, True))]
    )
    err = _error(_write(tmp_path, data))
    assert err.path == "Policies[0].DefaultVersionId"
    assert "DefaultVersionId 'v1' is not the version marked IsDefaultVersion" in err.message


@pytest.mark.parametrize(
    ("default_id", "marks", "sid"),
    [
        ("v2", (False, True, False), "V2"),
        (None, (False, False, True), "V3"),
        ("v3", (None, None, None), "V3"),
    ],
)
def test_one_default_version_is_chosen(
    tmp_path: Path, default_id: str | None, marks: tuple[bool | None, ...], sid: str
) -> None:
    policy = _policy("Read", DefaultVersionId=default_id, PolicyVersionList=_versions(*marks))
    account = load_snapshot(_write(tmp_path, _authz(Policies=[policy]))).accounts[A]
    chosen = account.policies[f"arn:aws:iam::{A}:policy/Read"]
    assert chosen.document.statements[0].sid == sid
