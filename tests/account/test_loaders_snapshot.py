"""policysim's versioned snapshot: several accounts, resources, the organization; and errors."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from policysim.account.loaders import SNAPSHOT_VERSION, load_policysim_snapshot, load_snapshot
from policysim.account.model import BlockPublicAccess
from policysim.policy.errors import PolicyError

DATA = Path(__file__).parent / "data"
SNAPSHOT = DATA / "snapshot.json"
A = "111122223333"
B = "444455556666"


def fixture() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SNAPSHOT.read_text())
    return data


def write(tmp_path: Path, data: Any, name: str = "snapshot.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=2))
    return path


def error_for(tmp_path: Path, data: Any) -> PolicyError:
    """Load `data` from a file; return the error, checked to be one line naming the file."""
    path = write(tmp_path, data)
    with pytest.raises(PolicyError) as err:
        load_snapshot(path)
    text = str(err.value)
    assert "\n" not in text
    assert text.startswith(f"{path}:"), text
    return err.value


def test_fixture_loads() -> None:
    snapshot = load_snapshot(SNAPSHOT)
    assert snapshot.source == str(SNAPSHOT)
    assert list(snapshot.accounts) == [A, B]
    prod, tools = snapshot.accounts.values()
    assert prod.alias == "prod"
    assert tools.alias == "tools"

    alice = prod.users["alice"]
    assert alice.groups == ["readers"]
    assert alice.tags == {"team": "blue"}
    assert alice.permissions_boundary == f"arn:aws:iam::{A}:policy/Boundary"
    # URL-encoded inline, trust and managed documents, as the raw API returns them.
    assert alice.inline_policies["Encoded"].statements[0].action == ("s3:GetObject",)
    trust = prod.roles["worker"].trust_policy
    assert trust is not None
    assert trust.statements[0].principal is not None
    assert trust.statements[0].principal.service == ("ec2.amazonaws.com",)
    boundary = prod.policies[f"arn:aws:iam::{A}:policy/Boundary"]
    assert boundary.document.statements[0].action == ("s3:*",)

    assert prod.block_public_access == BlockPublicAccess(
        block_public_policy=True, restrict_public_buckets=True
    )
    data_bucket = prod.resources["arn:aws:s3:::data"]
    assert data_bucket.policy is None
    assert data_bucket.tags == {"data": "internal"}
    assert data_bucket.block_public_access == BlockPublicAccess(
        block_public_acls=True,
        ignore_public_acls=True,
        block_public_policy=True,
        restrict_public_buckets=True,
    )

    assert tools.block_public_access is None
    assert set(tools.roles) == {"ci"}
    resources = tools.resources
    assert len(resources) == 3
    artifacts = resources["arn:aws:s3:::artifacts"].policy
    assert artifacts is not None and artifacts.statements[0].sid == "CrossAccount"
    key = resources[f"arn:aws:kms:eu-west-1:{B}:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
    assert key.policy is not None and key.policy.statements[0].sid == "Root"  # a JSON string
    assert key.tags == {"app": "ci"}
    queue = resources[f"arn:aws:sqs:eu-west-1:{B}:jobs"].policy  # URL-encoded
    assert queue is not None and queue.statements[0].action == ("sqs:SendMessage",)


def test_metadata_and_errors() -> None:
    metadata = load_snapshot(SNAPSHOT).metadata
    assert metadata["format"] == "policysim_snapshot"
    assert metadata["version"] == SNAPSHOT_VERSION
    assert metadata["generated_at"] == "2026-11-25T10:00:00Z"
    assert metadata["metadata"]["tool"] == "policysim fetch"
    assert metadata["account_errors"] == {
        B: [
            {
                "service": "lambda",
                "region": "eu-west-1",
                "operation": "GetPolicy",
                "resource": f"arn:aws:lambda:eu-west-1:{B}:function:f",
                "error": "AccessDenied",
            }
        ]
    }


def test_organization() -> None:
    snapshot = load_policysim_snapshot(SNAPSHOT)
    org = snapshot.organization
    assert org is not None
    assert org.id == "o-a1b2c3d4e5"
    assert org.management_account == "999999999999"
    # FullAWSAccess is referenced, so it is added (Allow * on *).
    assert set(org.policies) == {"DenyLeaveOrg", "OrgOnly", "FullAWSAccess"}
    full = org.policies["FullAWSAccess"].statements[0]
    assert (full.effect, full.action, full.resource) == ("Allow", ("*",), ("*",))
    path = org.path_of(A)
    assert path is not None
    assert [level.id for level in path] == ["r-abcd", "ou-abcd-1111", A]
    assert path[1].scps == ["FullAWSAccess", "DenyLeaveOrg"]
    assert path[1].rcps == ["OrgOnly"]
    assert org.org_paths(A) == "o-a1b2c3d4e5/r-abcd/ou-abcd-1111/"
    assert org.org_paths(B) == "o-a1b2c3d4e5/r-abcd/"
    assert snapshot.metadata["organization_policy_types"]["OrgOnly"] == "RCP"


def test_no_organization_and_minimal_account(tmp_path: Path) -> None:
    data = {
        "policysim_snapshot": 1,
        "generated_at": "2026-11-25T10:00:00+00:00",
        "accounts": [{"account_id": A}],
        "organization": None,
    }
    snapshot = load_snapshot(write(tmp_path, data, "snap"))  # no extension: found by content
    assert snapshot.organization is None
    assert snapshot.accounts[A].users == {}


def test_unknown_version(tmp_path: Path) -> None:
    data = fixture()
    data["policysim_snapshot"] = 2
    err = error_for(tmp_path, data)
    assert "unknown snapshot version 2" in str(err)
    assert "upgrade policysim" in str(err)
    assert err.position is not None and err.position.line == 2


def test_version_must_be_an_integer(tmp_path: Path) -> None:
    data = fixture()
    data["policysim_snapshot"] = "1"
    assert "must be an integer" in str(error_for(tmp_path, data))


def test_unknown_key(tmp_path: Path) -> None:
    data = fixture()
    data["accounts"][1]["resource"] = []
    err = error_for(tmp_path, data)
    assert "unknown key 'resource'" in str(err)
    assert "allowed keys: account_id, alias" in str(err)
    assert err.path == "accounts[1].resource"


def test_bad_timestamp(tmp_path: Path) -> None:
    data = fixture()
    data["generated_at"] = "yesterday"
    assert "ISO 8601" in str(error_for(tmp_path, data))


def test_account_id_must_match_arns(tmp_path: Path) -> None:
    data = fixture()
    data["accounts"][1]["account_id"] = "555566667777"
    err = error_for(tmp_path, data)
    assert "names account 444455556666" in str(err)
    assert err.path == "accounts[1].authorization_details.RoleDetailList[0].Arn"


def test_account_id_must_be_a_string(tmp_path: Path) -> None:
    data = fixture()
    data["accounts"][0]["account_id"] = 111122223333
    assert "12-digit string" in str(error_for(tmp_path, data))


def test_bad_resource_policy_is_located(tmp_path: Path) -> None:
    data = fixture()
    data["accounts"][1]["resources"][0]["policy"]["Statement"][0]["Principal"] = (
        "arn:aws:iam::1:root"
    )
    err = error_for(tmp_path, data)
    assert err.path == "accounts[1].resources[0].policy.Statement[0].Principal"
    assert err.position is not None


def test_bad_block_public_access(tmp_path: Path) -> None:
    data = fixture()
    data["accounts"][0]["block_public_access"] = {"BlockPublicPolicy": "yes"}
    assert "expected true or false" in str(error_for(tmp_path, data))
    data["accounts"][0]["block_public_access"] = {"block_everything": True}
    assert "unknown key 'block_everything'" in str(error_for(tmp_path, data))


def test_unknown_org_policy_with_suggestion(tmp_path: Path) -> None:
    data = fixture()
    data["organization"]["account_paths"][A][1]["scps"] = ["DenyLeaveOrgs"]
    err = error_for(tmp_path, data)
    assert "'DenyLeaveOrgs' is not defined" in str(err)
    assert "did you mean 'DenyLeaveOrg'" in str(err)
    assert err.path == 'organization.account_paths["111122223333"][1].scps[0]'


def test_rcp_attached_as_scp(tmp_path: Path) -> None:
    data = fixture()
    data["organization"]["account_paths"][A][1]["scps"] = ["OrgOnly"]
    assert "'OrgOnly' is an RCP, attached here as an SCP" in str(error_for(tmp_path, data))


def test_account_path_must_end_with_the_account(tmp_path: Path) -> None:
    data = fixture()
    data["organization"]["account_paths"][A] = data["organization"]["account_paths"][A][:2]
    assert "ends with the account itself" in str(error_for(tmp_path, data))


def test_duplicate_account(tmp_path: Path) -> None:
    data = fixture()
    data["accounts"].append(copy.deepcopy(data["accounts"][0]))
    assert "account 111122223333 appears twice" in str(error_for(tmp_path, data))


def test_fetch_error_entries(tmp_path: Path) -> None:
    data = fixture()
    data["accounts"][1]["errors"] = [{"service": "s3"}]
    assert "missing required key 'error'" in str(error_for(tmp_path, data))


def test_instance_profiles_in_a_snapshot(tmp_path: Path) -> None:
    data = fixture()
    arn = f"arn:aws:iam::{A}:instance-profile/worker"
    role = data["accounts"][0]["authorization_details"]["RoleDetailList"][0]
    role["InstanceProfileList"] = [{"InstanceProfileName": "worker", "Arn": arn, "Roles": []}]
    snapshot = load_snapshot(write(tmp_path, data))
    assert snapshot.accounts[A].roles["worker"].instance_profiles == [arn]
    assert load_snapshot(SNAPSHOT).accounts[A].roles["worker"].instance_profiles == []


def test_instance_profile_of_another_account(tmp_path: Path) -> None:
    data = fixture()
    role = data["accounts"][0]["authorization_details"]["RoleDetailList"][0]
    role["InstanceProfileList"] = [{"Arn": f"arn:aws:iam::{B}:instance-profile/worker"}]
    err = error_for(tmp_path, data)
    assert "is not in the role's account" in str(err)
    assert (
        err.path == "accounts[0].authorization_details.RoleDetailList[0].InstanceProfileList[0].Arn"
    )
