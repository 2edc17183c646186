"""Every shipped method on a small made-up account: the attacker's first hop uses the method.

pathsmodel's fixtures (tests/paths/data/methods) are the reference, with near misses; these
cases are built here so that a change to one method kind shows at once which methods broke."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from policysim.paths import find_paths, shipped_methods

A = "111111111111"


def pol(acts: list[str], res: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": acts, "Resource": res}],
    }


def user(acts: list[str], res: str) -> dict[str, Any]:
    return {"attacker": {"inline": {"P": pol(acts, res)}}}


ADM = {"policies": ["AdministratorAccess"]}


def R(name: str) -> str:  # noqa: N802
    return f"arn:aws:iam::{A}:role/{name}"


def U(name: str) -> str:  # noqa: N802
    return f"arn:aws:iam::{A}:user/{name}"


CASES: dict[str, dict[str, Any]] = {
    "iam-007": {"users": user(["iam:PutUserPolicy"], U("attacker"))},
    "iam-008": {"users": user(["iam:AttachUserPolicy"], U("attacker"))},
    "iam-005": {
        "roles": {
            "attacker": {
                "trust_account": A,
                "inline": {"P": pol(["iam:PutRolePolicy"], R("attacker"))},
            }
        }
    },
    "iam-009": {
        "roles": {
            "attacker": {
                "trust_account": A,
                "inline": {"P": pol(["iam:AttachRolePolicy"], R("attacker"))},
            }
        }
    },
    "iam-001": {
        "users": {"attacker": {"policies": ["Mine"]}},
        "policies": {"Mine": pol(["iam:CreatePolicyVersion"], f"arn:aws:iam::{A}:policy/Mine")},
    },
    "ps-set-default-policy-version": {
        "users": {"attacker": {"policies": ["Mine"]}},
        "policies": {"Mine": pol(["iam:SetDefaultPolicyVersion"], f"arn:aws:iam::{A}:policy/Mine")},
    },
    "iam-010": {
        "users": {"attacker": {"groups": ["g"]}},
        "groups": {
            "g": {"inline": {"P": pol(["iam:AttachGroupPolicy"], f"arn:aws:iam::{A}:group/g")}}
        },
    },
    "iam-011": {
        "users": {"attacker": {"groups": ["g"]}},
        "groups": {
            "g": {"inline": {"P": pol(["iam:PutGroupPolicy"], f"arn:aws:iam::{A}:group/g")}}
        },
    },
    "iam-013": {
        "users": user(["iam:AddUserToGroup"], f"arn:aws:iam::{A}:group/adm"),
        "groups": {"adm": ADM},
    },
    "iam-002": {"users": {**user(["iam:CreateAccessKey"], U("boss")), "boss": ADM}},
    "iam-004": {"users": {**user(["iam:CreateLoginProfile"], U("boss")), "boss": ADM}},
    "iam-006": {"users": {**user(["iam:UpdateLoginProfile"], U("boss")), "boss": ADM}},
    "iam-012": {
        "users": user(["iam:UpdateAssumeRolePolicy"], R("boss")),
        "roles": {"boss": {"trust_service": "ec2.amazonaws.com", **ADM}},
    },
    "sts-001": {
        "users": user(["sts:AssumeRole"], R("boss")),
        "roles": {"boss": {"trust_account": A, **ADM}},
    },
    "iam-014": {
        "users": user(["sts:AssumeRole", "iam:AttachRolePolicy"], R("t")),
        "roles": {"t": {"trust_account": A}},
    },
    "iam-015": {
        "users": {**user(["iam:AttachUserPolicy", "iam:CreateAccessKey"], U("t")), "t": {}}
    },
    "iam-016": {
        "users": user(["sts:AssumeRole", "iam:CreatePolicyVersion"], "*"),
        "roles": {"t": {"trust_account": A, "policies": ["Tp"]}},
        "policies": {"Tp": pol(["s3:GetObject"], "*")},
    },
    "iam-017": {
        "users": user(["sts:AssumeRole", "iam:PutRolePolicy"], R("t")),
        "roles": {"t": {"trust_account": A}},
    },
    "iam-018": {"users": {**user(["iam:PutUserPolicy", "iam:CreateAccessKey"], U("t")), "t": {}}},
    "iam-019": {
        "users": user(["iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy"], R("t")),
        "roles": {"t": {"trust_service": "ec2.amazonaws.com"}},
    },
    "iam-020": {
        "users": user(["iam:UpdateAssumeRolePolicy", "iam:CreatePolicyVersion"], "*"),
        "roles": {"t": {"trust_service": "ec2.amazonaws.com", "policies": ["Tp"]}},
        "policies": {"Tp": pol(["s3:GetObject"], "*")},
    },
    "iam-021": {
        "users": user(["iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy"], R("t")),
        "roles": {"t": {"trust_service": "ec2.amazonaws.com"}},
    },
    "ps-delete-own-boundary": {
        "users": {"attacker": {"boundary": "B", "policies": ["AdministratorAccess"]}},
        "policies": {"B": pol(["iam:DeleteUserPermissionsBoundary"], "*")},
    },
}


def _first_hops(tmp_path: Path, account: dict[str, Any]) -> list[str]:
    path = tmp_path / "account.yaml"
    path.write_text(yaml.safe_dump({"account": A, **account}), encoding="utf-8")
    users = account.get("users", {})
    source = U("attacker") if "attacker" in users else R("attacker")
    report = find_paths(path, sources=[source])
    return [p.hops[0].method.id for p in report.paths]


def _passrole_case(method_id: str) -> dict[str, Any]:
    method = shipped_methods()[method_id]
    actions = [r.action for r in method.requires]
    if method.instance_profile:
        actions += ["iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile"]
    return {
        "users": user(actions, "*"),
        "roles": {"Target": {"trust_service": method.service, **ADM}},
    }


PASSROLE = sorted(m.id for m in shipped_methods().of_kind("passrole"))


def test_every_method_has_a_case() -> None:
    assert set(CASES) | set(PASSROLE) == set(shipped_methods().methods)


@pytest.mark.parametrize("method_id", sorted(CASES))
def test_the_method_is_the_first_hop(tmp_path: Path, method_id: str) -> None:
    assert _first_hops(tmp_path, CASES[method_id]) == [method_id]


@pytest.mark.parametrize("method_id", PASSROLE)
def test_the_passrole_method_is_the_first_hop(tmp_path: Path, method_id: str) -> None:
    assert _first_hops(tmp_path, _passrole_case(method_id)) == [method_id]


@pytest.mark.parametrize("method_id", PASSROLE)
def test_a_role_that_does_not_trust_the_service_cannot_be_passed(
    tmp_path: Path, method_id: str
) -> None:
    case = _passrole_case(method_id)
    case["roles"]["Target"]["trust_service"] = "states.amazonaws.com"
    assert _first_hops(tmp_path, case) == []
