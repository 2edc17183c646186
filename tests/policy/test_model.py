"""The policy models normalise every spelling AWS accepts (policy/model.py)."""

from __future__ import annotations

from typing import Any

import pytest

from policysim.policy.build import policy_from_data
from policysim.policy.model import Policy, Principal, Statement


def statement(**elements: Any) -> Statement:
    data = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", **elements}
    return policy_from_data({"Version": "2012-10-17", "Statement": [data]}).statements[0]


# --- strings become one-element lists ----------------------------------------------------------


@pytest.mark.parametrize(
    ("element", "attribute"),
    [
        ("Action", "action"),
        ("NotAction", "not_action"),
        ("Resource", "resource"),
        ("NotResource", "not_resource"),
    ],
)
def test_single_string_elements_become_tuples(element: str, attribute: str) -> None:
    data: dict[str, Any] = {"Effect": "Allow", element: "x:y"}
    if "Action" not in element:
        data["Action"] = "s3:GetObject"
    assert getattr(Statement.model_validate(data), attribute) == ("x:y",)


def test_lists_keep_their_order() -> None:
    assert statement(Action=["s3:PutObject", "s3:GetObject"]).action == (
        "s3:PutObject",
        "s3:GetObject",
    )


def test_absent_optional_elements_are_none_not_empty() -> None:
    s = Statement.model_validate({"Effect": "Deny", "NotAction": "iam:*"})
    assert (s.action, s.resource, s.not_resource, s.principal, s.sid) == (None,) * 5
    assert s.condition == {}


def test_empty_list_is_kept_distinct_from_absent() -> None:
    assert statement(Resource=[]).resource == ()


def test_single_statement_object_becomes_a_list() -> None:
    policy = Policy.model_validate({"Statement": {"Effect": "Allow", "Action": "a:b"}})
    assert len(policy.statements) == 1
    assert policy.statements[0].index == 0


def test_statements_are_numbered_in_order() -> None:
    body = [{"Effect": "Allow", "Action": "a:b"}, {"Effect": "Deny", "Action": "a:c", "Sid": "X"}]
    policy = Policy.model_validate({"Statement": body})
    assert [s.index for s in policy.statements] == [0, 1]
    assert [s.label for s in policy.statements] == ["#0", "X"]


# --- condition values become strings -----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("x", ("x",)),
        (["a", "b"], ("a", "b")),
        (True, ("true",)),
        (False, ("false",)),
        (10, ("10",)),
        (1.5, ("1.5",)),
        (-3, ("-3",)),
        ([True, 5, "x"], ("true", "5", "x")),
        ([], ()),
    ],
)
def test_condition_values_become_tuples_of_strings(value: Any, expected: tuple[str, ...]) -> None:
    s = statement(Condition={"StringEquals": {"k": value}})
    assert s.condition == {"StringEquals": {"k": expected}}


def test_condition_operator_and_key_spelling_is_kept() -> None:
    s = statement(Condition={"stringEquals": {"AWS:SourceIp": "x"}})
    assert s.condition == {"stringEquals": {"AWS:SourceIp": ("x",)}}


@pytest.mark.parametrize("bad", [None, {"a": 1}, [["nested"]]])
def test_condition_values_must_be_scalars(bad: Any) -> None:
    with pytest.raises(ValueError, match="valid string"):
        statement(Condition={"StringEquals": {"k": bad}})


# --- principals --------------------------------------------------------------------------------


def test_principal_star() -> None:
    p = Principal.model_validate("*")
    assert p.wildcard and p.is_everyone
    assert p.to_json() == "*"


def test_principal_aws_star_means_everyone() -> None:
    p = Principal.model_validate({"AWS": "*"})
    assert not p.wildcard
    assert p.is_everyone
    assert not Principal.model_validate({"AWS": "111122223333"}).is_everyone


def test_principal_values_become_tuples() -> None:
    p = Principal.model_validate(
        {"AWS": "111122223333", "Service": ["a.amazonaws.com", "b.amazonaws.com"]}
    )
    assert p.aws == ("111122223333",)
    assert p.service == ("a.amazonaws.com", "b.amazonaws.com")
    assert p.federated == ()
    assert p.canonical_user == ()


@pytest.mark.parametrize("bad", ["arn:aws:iam::111122223333:root", {"wildcard": True}, {"X": "y"}])
def test_invalid_principals(bad: Any) -> None:
    with pytest.raises(ValueError):
        Principal.model_validate(bad)


# --- versions and JSON form --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "substitutes"), [("2012-10-17", True), ("2008-10-17", False), (None, False)]
)
def test_only_version_2012_substitutes_variables(version: str | None, substitutes: bool) -> None:
    data: dict[str, Any] = {"Statement": []}
    if version:
        data["Version"] = version
    assert Policy.model_validate(data).substitutes_variables is substitutes


def test_to_json_writes_the_aws_form() -> None:
    data = {
        "Version": "2012-10-17",
        "Id": "p1",
        "Statement": {
            "Sid": "A",
            "Effect": "Deny",
            "NotPrincipal": {"AWS": "111122223333"},
            "Action": "s3:*",
            "NotResource": "arn:aws:s3:::b/*",
            "Condition": {"Bool": {"aws:SecureTransport": False}},
        },
    }
    assert Policy.model_validate(data).to_json() == {
        "Version": "2012-10-17",
        "Id": "p1",
        "Statement": [
            {
                "Sid": "A",
                "Effect": "Deny",
                "NotPrincipal": {"AWS": ["111122223333"]},
                "Action": ["s3:*"],
                "NotResource": ["arn:aws:s3:::b/*"],
                "Condition": {"Bool": {"aws:SecureTransport": ["false"]}},
            }
        ],
    }


def test_to_json_omits_absent_elements() -> None:
    policy = Policy.model_validate({"Statement": [{"Effect": "Allow", "Action": "a:b"}]})
    assert policy.to_json() == {"Statement": [{"Effect": "Allow", "Action": ["a:b"]}]}


def test_is_allow() -> None:
    assert statement().is_allow
    assert not statement(Effect="Deny").is_allow
