"""A generated organization: accounts under OUs with SCPs, a shared bucket whose policy trusts
the whole organization by `aws:PrincipalOrgID`, and principals of several kinds per account."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from policysim.account.model import (
    Account,
    ManagedPolicy,
    Organization,
    OrgLevel,
    Resource,
    Role,
    Snapshot,
    User,
)
from policysim.account.resolve import Resolver
from policysim.policy.model import Policy

ORG_ID = "o-gen0000001"
BUCKET = "arn:aws:s3:::org-shared-data"
BUCKET_STATEMENTS = (
    {
        "Sid": "OrgReads",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"{BUCKET}/*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG_ID}},
    },
    {
        "Sid": "Partner",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
        "Action": "s3:GetObject",
        "Resource": f"{BUCKET}/*",
    },
)
"""The bucket's policy: the organization reads (aws:PrincipalOrgID), and one partner account."""
OBJECT = f"{BUCKET}/reports/q1.csv"


def _policy(*statements: dict[str, Any]) -> Policy:
    return Policy.model_validate(_doc(*statements))


def _allow(action: str, resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def _account(number: int) -> Account:
    account_id = f"{100000000000 + number:012d}"
    iam = f"arn:aws:iam::{account_id}"
    reader = f"{iam}:policy/S3Reader"
    boundary = f"{iam}:policy/Boundary"
    account = Account(
        id=account_id,
        alias=f"acct{number}",
        policies={
            reader: ManagedPolicy(arn=reader, name="S3Reader", document=_policy(_allow("s3:Get*"))),
            boundary: ManagedPolicy(
                arn=boundary, name="Boundary", document=_policy(_allow("s3:List*"))
            ),
        },
        users={
            "admin": User(
                name="admin",
                arn=f"{iam}:user/admin",
                inline_policies={"all": _policy(_allow("*"))},
            ),
            "nobody": User(name="nobody", arn=f"{iam}:user/nobody"),
        },
        roles={
            "reader": Role(name="reader", arn=f"{iam}:role/reader", managed_policies=[reader]),
            "bounded": Role(
                name="bounded",
                arn=f"{iam}:role/bounded",
                managed_policies=[reader],
                permissions_boundary=boundary,
            ),
            "encrypted": Role(
                name="encrypted",
                arn=f"{iam}:role/encrypted",
                inline_policies={
                    "kms-only": _policy(
                        _allow(
                            "s3:GetObject",
                            Condition={"StringEquals": {"s3:ExistingObjectTag/class": "open"}},
                        )
                    )
                },
            ),
        },
    )
    if number == 0:
        account.resources[BUCKET] = Resource(
            arn=BUCKET,
            policy=_policy(
                *BUCKET_STATEMENTS,
            ),
        )
    return account


def make_org(accounts: int = 10, *, broken: int | None = None) -> Snapshot:
    """`accounts` accounts in three OUs; `broken`: that account's path names an SCP the
    organization does not hold, so answering for its principals fails."""
    root = OrgLevel(id="r-gen1", scps=["FullAWSAccess"])
    ous = [
        OrgLevel(id="ou-gen1-open", name="Open", scps=["FullAWSAccess"]),
        OrgLevel(id="ou-gen1-nos3", name="NoS3", scps=["FullAWSAccess", "DenyS3"]),
        OrgLevel(id="ou-gen1-list", name="AllowList", scps=["OnlyListing"]),
    ]
    snapshot = Snapshot()
    paths: dict[str, list[OrgLevel]] = {}
    for number in range(accounts):
        account = _account(number)
        snapshot.accounts[account.id] = account
        scps = ["FullAWSAccess", "Missing"] if number == broken else ["FullAWSAccess"]
        paths[account.id] = [root, ous[number % 3], OrgLevel(id=account.id, scps=scps)]
    snapshot.organization = Organization(
        id=ORG_ID,
        management_account=next(iter(snapshot.accounts)),
        policies={
            "DenyS3": _policy({"Effect": "Deny", "Action": "s3:*", "Resource": "*"}),
            "OnlyListing": _policy(_allow("s3:List*"), _allow("s3:GetObject")),
        },
        account_paths=paths,
    )
    return snapshot


@pytest.fixture(scope="session")
def org_resolver() -> Resolver:
    """A resolver over the generated organization of ten accounts."""
    return Resolver(make_org(10))


@pytest.fixture
def make_org_resolver() -> Any:
    """Build a resolver over a generated organization of any size."""
    return lambda accounts=10, broken=None: Resolver(make_org(accounts, broken=broken))


# ---- the same organization as a directory of account files (`fetch --org`'s layout) ---------


GENERATED = "2026-12-06T00:00:00Z"


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _account_file(number: int) -> dict[str, Any]:
    """Account `number` of `make_org` as a policysim JSON snapshot of its own."""
    account_id = f"{100000000000 + number:012d}"
    iam = f"arn:aws:iam::{account_id}"
    reader, boundary = f"{iam}:policy/S3Reader", f"{iam}:policy/Boundary"

    def role(name: str, **extra: Any) -> dict[str, Any]:
        return {"RoleName": name, "Arn": f"{iam}:role/{name}", "Path": "/", **extra}

    def managed(name: str, arn: str, document: dict[str, Any]) -> dict[str, Any]:
        version = {"Document": document, "VersionId": "v1", "IsDefaultVersion": True}
        return {"PolicyName": name, "Arn": arn, "Path": "/", "PolicyVersionList": [version]}

    kms_only = _allow(
        "s3:GetObject", Condition={"StringEquals": {"s3:ExistingObjectTag/class": "open"}}
    )
    entry: dict[str, Any] = {
        "account_id": account_id,
        "alias": f"acct{number}",
        "authorization_details": {
            "UserDetailList": [
                {
                    "UserName": "admin",
                    "Arn": f"{iam}:user/admin",
                    "Path": "/",
                    "UserPolicyList": [{"PolicyName": "all", "PolicyDocument": _doc(_allow("*"))}],
                },
                {"UserName": "nobody", "Arn": f"{iam}:user/nobody", "Path": "/"},
            ],
            "GroupDetailList": [],
            "RoleDetailList": [
                role(
                    "reader",
                    AttachedManagedPolicies=[{"PolicyName": "S3Reader", "PolicyArn": reader}],
                ),
                role(
                    "bounded",
                    AttachedManagedPolicies=[{"PolicyName": "S3Reader", "PolicyArn": reader}],
                    PermissionsBoundary={
                        "PermissionsBoundaryType": "Policy",
                        "PermissionsBoundaryArn": boundary,
                    },
                ),
                role(
                    "encrypted",
                    RolePolicyList=[{"PolicyName": "kms-only", "PolicyDocument": _doc(kms_only)}],
                ),
            ],
            "Policies": [
                managed("S3Reader", reader, _doc(_allow("s3:Get*"))),
                managed("Boundary", boundary, _doc(_allow("s3:List*"))),
            ],
        },
    }
    if number == 0:
        entry["resources"] = [
            {
                "arn": BUCKET,
                "policy": _doc(
                    *BUCKET_STATEMENTS,
                ),
            }
        ]
    return {"policysim_snapshot": 1, "generated_at": GENERATED, "accounts": [entry]}


def _organization_file(accounts: int) -> dict[str, Any]:
    root = {"id": "r-gen1", "scps": ["FullAWSAccess"]}
    ous = [
        {"id": "ou-gen1-open", "name": "Open", "scps": ["FullAWSAccess"]},
        {"id": "ou-gen1-nos3", "name": "NoS3", "scps": ["FullAWSAccess", "DenyS3"]},
        {"id": "ou-gen1-list", "name": "AllowList", "scps": ["OnlyListing"]},
    ]
    ids = [f"{100000000000 + n:012d}" for n in range(accounts)]
    return {
        "policysim_snapshot": 1,
        "generated_at": GENERATED,
        "organization": {
            "id": ORG_ID,
            "management_account": ids[0],
            "policies": {
                "DenyS3": {
                    "type": "SCP",
                    "document": _doc({"Effect": "Deny", "Action": "s3:*", "Resource": "*"}),
                },
                "OnlyListing": {
                    "type": "SCP",
                    "document": _doc(_allow("s3:List*"), _allow("s3:GetObject")),
                },
            },
            "account_paths": {
                account_id: [root, ous[n % 3], {"id": account_id, "scps": ["FullAWSAccess"]}]
                for n, account_id in enumerate(ids)
            },
        },
    }


def write_org_dir(directory: Path, accounts: int = 10) -> Path:
    """`make_org(accounts)` as `fetch --org` lays it out: `<id>.json` per account plus
    `organization.json`; returns the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    for number in range(accounts):
        data = _account_file(number)
        account_id = data["accounts"][0]["account_id"]
        (directory / f"{account_id}.json").write_text(json.dumps(data, indent=1))
    (directory / "organization.json").write_text(json.dumps(_organization_file(accounts)))
    return directory


@pytest.fixture
def org_dir(tmp_path: Path) -> Path:
    """The generated organization of ten accounts as a directory of account files."""
    return write_org_dir(tmp_path / "org")
