"""Batch cases are vetted like `simulate`'s options: the field at fault is named, and a case
that poses a question AWS would never be asked is invalid (simulate/cases.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from policysim.policy.kinds import PolicyKind
from policysim.simulate.cases import CaseError, field_kind, parse_case, simulate_lines

ALICE = "arn:aws:iam::111122223333:user/alice"
ALLOW = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


def case(action: str = "s3:GetObject", resource: str = "*", **fields: Any) -> dict[str, Any]:
    return {
        "id": "c",
        "identity_policies": [ALLOW],
        "request": {"principal": ALICE, "action": action, "resource": resource},
        **fields,
    }


@pytest.mark.parametrize(
    ("action", "resource", "error"),
    [
        ("s3:GetObjects", "*", "request.action: unknown action 's3:GetObjects'; did you mean"),
        ("s3:Get*", "*", "request.action: 's3:Get*' is a pattern"),
        ("s3:GetObject", "bucket/key", "request.resource: 'bucket/key' is not an ARN"),
        (
            "s3:ListBucket",
            "arn:aws:s3:::b/k",
            "request.resource: s3:ListBucket does not act on arn:aws:s3:::b/k; s3:ListBucket"
            " acts on accesspoint",
        ),
        (
            "s3:ListAllMyBuckets",
            "arn:aws:s3:::b",
            'request.resource: s3:ListAllMyBuckets takes only "*"',
        ),
    ],
)
def test_questions_aws_is_never_asked_are_invalid(action: str, resource: str, error: str) -> None:
    with pytest.raises(CaseError) as err:
        parse_case(case(action, resource))
    assert str(err.value).startswith(error), str(err.value)


def test_unknown_service_is_answered_with_a_warning() -> None:
    [outcome] = simulate_lines([json.dumps(case("someservice:Get"))], file="t")
    assert outcome.decision == "Allowed"
    line = outcome.to_json()
    assert line["warnings"] and "unknown service prefix 'someservice'" in line["warnings"][0]


def test_a_valid_case_has_no_warnings_field() -> None:
    [outcome] = simulate_lines([json.dumps(case())], file="t")
    assert outcome.decision == "Allowed"
    assert "warnings" not in outcome.to_json()


NO_RESOURCE = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]}


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        (
            {"identity_policies": [NO_RESOURCE]},
            "identity_policies[0].Statement[0]: an identity policy statement",
        ),
        (
            {"permission_boundaries": [NO_RESOURCE]},
            "permission_boundaries[0].Statement[0]: a permissions boundary statement",
        ),
        ({"scps": [[ALLOW], [NO_RESOURCE]]}, "scps[1][0].Statement[0]: an SCP statement"),
        (
            {"session_policy": NO_RESOURCE},
            "session_policy.Statement[0]: a session policy statement",
        ),
    ],
)
def test_policy_rules_follow_the_field_type(fields: dict[str, Any], error: str) -> None:
    with pytest.raises(CaseError) as err:
        parse_case(case(**fields))
    assert str(err.value).startswith(error), str(err.value)


def test_a_resource_policy_needs_no_resource_element() -> None:
    bucket = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "s3:*"}],
    }
    parsed = parse_case(case(resource_policy=bucket))
    assert parsed.policies.resource is not None


@pytest.mark.parametrize(
    ("field", "kind"),
    [
        ("identity_policies[3]", PolicyKind.IDENTITY),
        ("resource_policy", PolicyKind.RESOURCE),
        ("permission_boundaries[0]", PolicyKind.BOUNDARY),
        ("scps[0][1]", PolicyKind.SCP),
        ("rcps[2][0]", PolicyKind.RCP),
        ("session_policy", PolicyKind.SESSION),
    ],
)
def test_field_kind(field: str, kind: PolicyKind) -> None:
    assert field_kind(field) is kind
