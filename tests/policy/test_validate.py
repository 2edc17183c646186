"""Documents IAM rejects for their type are located errors (policy/validate.py via build.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from policysim.policy.build import parse_policy, policy_from_data
from policysim.policy.errors import PolicyError, Position
from policysim.policy.kinds import IDENTITY_LIKE, PolicyKind
from policysim.policy.validate import (
    condition_value_problem,
    empty_list_problem,
    resource_element_problem,
)


def document(**statement: Any) -> str:
    """A one-statement policy, pretty-printed: the statement starts on line 4."""
    body = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", **statement}
    body = {k: v for k, v in body.items() if v is not None}
    return json.dumps({"Version": "2012-10-17", "Statement": [body]}, indent=2)


def located(text: str, kind: PolicyKind) -> PolicyError:
    with pytest.raises(PolicyError) as err:
        parse_policy(text, "p.json", kind=kind)
    return err.value


def where(text: str, needle: str) -> Position:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return Position(number, line.index(needle) + 1)
    raise AssertionError(needle)


@pytest.mark.parametrize(
    ("operator", "value", "says"),
    [
        ("DateGreaterThan", "yesterday", "'yesterday' is not an ISO 8601 date or epoch seconds"),
        ("DateLessThanEquals", "2020-02-30", "is not an ISO 8601 date"),
        ("IpAddress", "10.0.0.300/33", "'10.0.0.300/33' is not an IP address or CIDR"),
        ("NotIpAddressIfExists", "10.0.0", "is not an IP address or CIDR"),
        ("NumericLessThan", "ten", "'ten' is not a number"),
        ("ForAnyValue:NumericEquals", "1,000", "is not a number"),
        ("Bool", "maybe", "'maybe' is not true or false"),
        ("Null", "yes", "'yes' is not true or false"),
        ("BinaryEquals", "not base64!", "is not base64"),
    ],
)
def test_typed_values_that_cannot_parse(operator: str, value: str, says: str) -> None:
    text = document(Condition={operator: {"aws:SomeKey": value}})
    err = located(text, PolicyKind.IDENTITY)
    assert says in err.message and err.message.startswith(repr(value))
    assert err.position == where(text, json.dumps(value))
    assert err.path == f"Statement[0].Condition.{operator}.aws:SomeKey"
    assert str(err).startswith(f"p.json:{err.position}: ")


@pytest.mark.parametrize(
    ("operator", "value"),
    [
        ("DateGreaterThan", "2026-01-01T00:00:00Z"),
        ("DateGreaterThan", "1704067200"),
        ("DateGreaterThan", "${aws:TokenIssueTime}"),
        ("IpAddress", "10.0.0.0/8"),
        ("IpAddress", "2001:db8::/32"),
        ("NumericLessThan", 10),
        ("NumericLessThan", "-1.5"),
        ("Bool", True),
        ("Bool", "FALSE"),
        ("Null", "true"),
        ("StringEquals", "anything at all"),
        ("ArnLike", "not-an-arn"),
    ],
)
def test_typed_values_that_parse(operator: str, value: Any) -> None:
    text = document(Condition={operator: {"aws:SomeKey": value}})
    assert parse_policy(text, "p.json", kind=PolicyKind.IDENTITY).statements


def test_the_bad_value_of_a_list_is_pointed_at() -> None:
    text = document(Condition={"NumericEquals": {"s3:max-keys": ["1", "2", "three"]}})
    err = located(text, PolicyKind.SCP)
    assert err.path == "Statement[0].Condition.NumericEquals.s3:max-keys[2]"
    assert err.position == where(text, '"three"')


@pytest.mark.parametrize("kind", sorted(IDENTITY_LIKE))
def test_identity_like_statements_need_a_resource(kind: PolicyKind) -> None:
    text = document(Resource=None)
    err = located(text, kind)
    assert err.message.endswith(" statement needs Resource or NotResource")
    assert err.message.startswith(
        ("an identity policy", "a permissions boundary", "a session", "an SCP")
    )
    assert err.position == Position(4, 5)
    assert parse_policy(document(Resource=None, NotResource="arn:aws:s3:::b"), kind=kind)


def test_resource_policies_need_no_resource_element() -> None:
    text = document(Resource=None, Principal={"AWS": "123456789012"})
    assert parse_policy(text, kind=PolicyKind.RESOURCE).statements


def test_trust_policies_have_no_resource_element() -> None:
    text = document(Action="sts:AssumeRole", Principal={"AWS": "123456789012"})
    err = located(text, PolicyKind.TRUST)
    assert err.message == "a role trust policy statement cannot have Resource"
    assert err.path == "Statement[0].Resource"


@pytest.mark.parametrize("key", ["Action", "NotAction", "Resource", "NotResource"])
def test_empty_lists_name_nothing(key: str) -> None:
    fields: dict[str, Any] = {key: []}
    if key == "NotAction":
        fields["Action"] = None
    if key == "NotResource":
        fields["Resource"] = None
    text = document(**fields)
    err = located(text, PolicyKind.IDENTITY)
    assert err.message.startswith(f"{key} is an empty list: name at least one")
    assert err.position == where(text, "[]")


def test_bare_string_principal_is_refused_at_its_position() -> None:
    text = document(Principal="arn:aws:iam::123456789012:root")
    err = located(text, PolicyKind.RESOURCE)
    assert 'Principal must be "*" or an object' in err.message
    assert err.position == where(text, '"arn:aws:iam::123456789012:root"')


def test_without_positions_errors_name_the_path() -> None:
    data = json.loads(document(Condition={"Bool": {"aws:SecureTransport": "maybe"}}))
    with pytest.raises(PolicyError) as err:
        policy_from_data(data, kind=PolicyKind.IDENTITY)
    assert err.value.position is None
    assert str(err.value) == (
        "Statement[0].Condition.Bool.aws:SecureTransport: 'maybe' is not true or false"
    )


def test_without_a_kind_nothing_more_is_checked() -> None:
    """Loading a document says nothing of where it is used; only callers that know do."""
    text = document(Resource=None, Condition={"Bool": {"aws:SecureTransport": "maybe"}})
    assert parse_policy(text).statements


def test_single_statement_object_paths() -> None:
    data = {"Statement": {"Effect": "Allow", "Action": []}}
    with pytest.raises(PolicyError) as err:
        policy_from_data(data, kind=PolicyKind.RESOURCE)
    assert err.value.path == "Statement.Action"


def test_the_shared_rule_functions() -> None:
    assert resource_element_problem({"Action"}, PolicyKind.RESOURCE) is None
    assert resource_element_problem({"Action", "Resource"}, PolicyKind.IDENTITY) is None
    assert resource_element_problem({"Action"}, PolicyKind.SCP) == (
        "an SCP statement needs Resource or NotResource",
        None,
    )
    assert empty_list_problem("Sid", []) is None
    assert empty_list_problem("Action", ["s3:*"]) is None
    assert condition_value_problem("StringEquals", "x") is None
    assert condition_value_problem("NoSuchOperator", "x") is None  # the model reports it
