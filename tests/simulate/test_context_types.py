"""Context values are checked against their key's catalog type (catalog/key_values.py), in
`--context` (simulate/options.py) and in batch cases (simulate/cases.py).

A value the condition operators cannot read made every condition on its key quietly false, so
a `Not*` operator or a Deny flipped the decision; such values are now refused. Valid values
must be taken exactly as before: same stored text, same decision.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policysim.catalog.key_values import context_value_error, key_type
from policysim.engine.compiled import compile_policy_set
from policysim.engine.context_keys import build_request
from policysim.engine.evaluate import evaluate
from policysim.engine.request import Context
from policysim.policy.arn import parse_arn
from policysim.policy.errors import PolicyError
from policysim.policy.literals import parse_address, parse_bool, parse_date, parse_number
from policysim.simulate.cases import CaseError, parse_case, run_case
from policysim.simulate.options import parse_context

ALICE = "arn:aws:iam::111122223333:user/alice"


def _policy(operator: str, key: str, literal: str | list[str]) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {operator: {key: literal}},
            },
        ],
    }


@dataclass(frozen=True)
class Kind:
    """One typed key kind: a key of that type, a policy whose decision depends on its value,
    the operators' parser, and strategies for valid and invalid values."""

    key: str
    policy: dict[str, Any]
    parse: Callable[[str], object]
    valid: st.SearchStrategy[str]
    invalid_examples: tuple[str, ...]


def _mixed_case(word: str) -> st.SearchStrategy[str]:
    return st.lists(st.booleans(), min_size=len(word), max_size=len(word)).map(
        lambda ups: "".join(c.upper() if up else c for c, up in zip(word, ups, strict=True))
    )


_SEGMENT = st.text(st.characters(blacklist_characters=":", codec="utf-8"), max_size=8)

KINDS = {
    "Numeric": Kind(
        "s3:max-keys",
        _policy("NumericGreaterThan", "s3:max-keys", "100"),
        parse_number,
        st.integers(-(10**30), 10**30).map(str)
        | st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
        ("abc", "", " 5", "5 ", "NaN", "Infinity", "0x10", "1_000", "١٢"),
    ),
    "Date": Kind(
        "aws:CurrentTime",
        _policy("DateLessThan", "aws:CurrentTime", "2020-01-01T00:00:00Z"),
        parse_date,
        st.datetimes(timezones=st.none() | st.just(UTC)).map(lambda d: d.isoformat())
        | st.integers(0, 2**40).map(str),
        ("2024-13-01T00:00:00Z", "2024-02-30", "yesterday", "", "2024-01-01T25:00:00Z"),
    ),
    "Bool": Kind(
        "aws:MultiFactorAuthPresent",
        _policy("Bool", "aws:MultiFactorAuthPresent", "false"),
        parse_bool,
        st.sampled_from(["true", "false"]).flatmap(_mixed_case),
        ("maybe", "yes", "1", "", " true", "tru\u0435"),  # the last one has a Cyrillic e
    ),
    "IPAddress": Kind(
        "aws:SourceIp",
        _policy("NotIpAddress", "aws:SourceIp", "10.0.0.0/8"),
        parse_address,
        st.ip_addresses().map(str),
        ("999.1.1.1", "10.0.0.0/8", "10.0.0", "", "fe80::1%eth0", "localhost"),
    ),
    "ARN": Kind(
        "aws:SourceArn",
        _policy("ArnNotLike", "aws:SourceArn", "arn:aws:sns:*:111122223333:*"),
        parse_arn,
        st.tuples(_SEGMENT, _SEGMENT, _SEGMENT, _SEGMENT, st.text(max_size=12)).map(
            lambda parts: "arn:" + ":".join(parts)
        ),
        ("notarn", "arn:aws:s3", "", "ARN:aws:s3:::b", "arn:aws:sns:us-east-1:1"),
    ),
}


def _invalid(kind: Kind) -> st.SearchStrategy[str]:
    return st.sampled_from(kind.invalid_examples) | st.text(max_size=20).filter(
        lambda text: kind.parse(text) is None
    )


def _case(key: str, value: Any, policy: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "c",
        "identity_policies": [policy],
        "request": {
            "principal": ALICE,
            "action": "s3:ListBucket",
            "resource": "arn:aws:s3:::bucket",
            "context": {key: value},
        },
    }


def _decision_as_given(kind: Kind, value: str) -> str:
    """The decision with the value put into the context unchecked: the previous behaviour."""
    case = parse_case(_case("aws:PrincipalTag/unchecked", "x", kind.policy))
    context = Context()
    context.set(kind.key, value)
    request = build_request(ALICE, "s3:ListBucket", "arn:aws:s3:::bucket", context=context)
    return evaluate(compile_policy_set(case.policies), request).decision.value


def test_every_kind_is_the_type_the_catalog_gives_its_key() -> None:
    for name, kind in KINDS.items():
        assert key_type(kind.key) == name


@pytest.mark.parametrize("name", sorted(KINDS))
@settings(max_examples=60)
@given(data=st.data())
def test_valid_values_are_taken_as_before(name: str, data: st.DataObject) -> None:
    kind = KINDS[name]
    value = data.draw(kind.valid)
    assert kind.parse(value) is not None  # the strategy itself is right
    assert context_value_error(kind.key, value) is None
    assert parse_context([f"{kind.key}={value}"]) == {kind.key: value}
    case = parse_case(_case(kind.key, value, kind.policy))
    assert case.request.context.get(kind.key) == value
    assert run_case(case).decision.value == _decision_as_given(kind, value)


@pytest.mark.parametrize("name", sorted(KINDS))
@settings(max_examples=60)
@given(data=st.data())
def test_invalid_values_are_refused_naming_key_value_and_type(
    name: str, data: st.DataObject
) -> None:
    kind = KINDS[name]
    value = data.draw(_invalid(kind))
    problem = context_value_error(kind.key, value)
    assert problem is not None
    assert problem.startswith(f"{value!r} is not ")
    assert problem.endswith(f"(the key's type is {name})")
    if "\x00" not in value:
        with pytest.raises(PolicyError) as err:
            parse_context([f"{kind.key}={value}"])
        assert str(err.value).startswith(f"--context {kind.key}: {value!r} is not ")
        assert "\n" not in str(err.value)
    with pytest.raises(CaseError) as case_err:
        parse_case(_case(kind.key, value, kind.policy))
    assert str(case_err.value) == f"request.context.{kind.key}: {problem}"


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (
            "aws:SourceIp=999.1.1.1",
            "--context aws:SourceIp: '999.1.1.1' is not an IP address"
            " (the key's type is IPAddress)",
        ),
        (
            "aws:CurrentTime=2024-13-01T00:00:00Z",
            "--context aws:CurrentTime: '2024-13-01T00:00:00Z' is not an ISO 8601 date or"
            " epoch seconds (the key's type is Date)",
        ),
        (
            "s3:max-keys=abc",
            "--context s3:max-keys: 'abc' is not a number (the key's type is Numeric)",
        ),
        (
            "aws:MultiFactorAuthPresent=maybe",
            "--context aws:MultiFactorAuthPresent: 'maybe' is not true or false"
            " (the key's type is Bool)",
        ),
        (
            "aws:SourceArn=bucket",
            "--context aws:SourceArn: 'bucket' is not an ARN of the form"
            " arn:partition:service:region:account:resource (the key's type is ARN)",
        ),
        # keys are matched as the catalog matches them: case-insensitively
        ("AWS:SOURCEIP=x", "--context AWS:SOURCEIP: 'x' is not an IP address"),
        # each element of an ArrayOf... key is checked
        ("autoscaling:TargetGroupARNs=arn:aws:x:::y,tg", "--context autoscaling:TargetGroupARNs"),
        (
            "apigateway:Request/ApiKeyRequired=true,maybe",
            "--context apigateway:Request/ApiKeyRequired: 'maybe' is not true or false"
            " (the key's type is ArrayOfBool)",
        ),
    ],
)
def test_context_option_refuses_values_of_the_wrong_type(item: str, message: str) -> None:
    with pytest.raises(PolicyError) as err:
        parse_context([item])
    assert str(err.value).startswith(message), str(err.value)


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        # String keys, templated tag keys and keys the catalog does not know take any text
        ("aws:PrincipalTag/x=999.1.1.1", {"aws:PrincipalTag/x": "999.1.1.1"}),
        ("aws:username=", {"aws:username": ""}),
        ("custom:anything=abc", {"custom:anything": "abc"}),
        ("aws:TagKeys=a,b", {"aws:TagKeys": ["a", "b"]}),
        ("autoscaling:TargetGroupARNs=", {"autoscaling:TargetGroupARNs": []}),
        ("aws:EpochTime=1700000000", {"aws:EpochTime": "1700000000"}),
        ("aws:SourceIp=2001:db8::1", {"aws:SourceIp": "2001:db8::1"}),
        ("aws:SecureTransport=TRUE", {"aws:SecureTransport": "TRUE"}),
    ],
)
def test_context_option_keeps_valid_values_as_given(
    item: str, expected: dict[str, str | list[str]]
) -> None:
    assert parse_context([item]) == expected


# ---- batch cases: JSON numbers and booleans ----------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "stored"),
    [
        ("s3:max-keys", 5, "5"),
        ("s3:max-keys", 2.5, "2.5"),
        ("aws:MultiFactorAuthPresent", True, "true"),
        ("aws:SecureTransport", False, "false"),
        ("aws:EpochTime", 1700000000, "1700000000"),
        ("aws:MultiFactorAuthAge", -1, "-1"),
        # unknown and String keys keep the text of what was given, as before
        ("aws:PrincipalTag/n", 7, "7"),
        ("custom:flag", True, "true"),
        ("apigateway:Request/ApiKeyRequired", [True, "false"], ("true", "false")),
        ("aws:TagKeys", ["a", 1], ("a", "1")),
    ],
)
def test_batch_numbers_and_booleans_are_stored_as_aws_sees_them(
    key: str, value: Any, stored: str | tuple[str, ...]
) -> None:
    case = parse_case(_case(key, value, KINDS["Numeric"].policy))
    assert case.request.context.get(key) == stored


@pytest.mark.parametrize(
    ("key", "value", "error"),
    [
        (
            "s3:max-keys",
            True,
            "request.context.s3:max-keys: true is not a number (the key's type is Numeric)",
        ),
        (
            "aws:MultiFactorAuthPresent",
            1,
            "request.context.aws:MultiFactorAuthPresent: 1 is not true or false"
            " (the key's type is Bool)",
        ),
        ("aws:SourceIp", 10, "request.context.aws:SourceIp: 10 is not an IP address"),
        ("s3:max-keys", {"n": 5}, "request.context.s3:max-keys: must be a string, a number or"),
        ("aws:PrincipalTag/x", None, "request.context.aws:PrincipalTag/x: must be a string"),
        (
            "aws:CalledVia",
            ["a", ["b"]],
            "request.context.aws:CalledVia[1]: must be a string, a number or a boolean",
        ),
        (
            "autoscaling:TargetGroupARNs",
            ["arn:aws:elasticloadbalancing:::tg", "tg"],
            "request.context.autoscaling:TargetGroupARNs[1]: 'tg' is not an ARN",
        ),
        (
            "aws:CurrentTime",
            "2024-13-01T00:00:00Z",
            "request.context.aws:CurrentTime: '2024-13-01T00:00:00Z' is not an ISO 8601 date",
        ),
    ],
)
def test_batch_values_of_the_wrong_type_are_invalid(key: str, value: Any, error: str) -> None:
    with pytest.raises(CaseError) as err:
        parse_case(_case(key, value, KINDS["Numeric"].policy))
    assert str(err.value).startswith(error), str(err.value)


def test_a_refused_value_would_have_flipped_the_decision() -> None:
    """Why the check matters: a malformed address is never inside a block, so a Deny on
    `NotIpAddress` applied to it. Unchecked, `999.1.1.1` was denied; now it is refused."""
    kind = KINDS["IPAddress"]
    assert _decision_as_given(kind, "10.1.1.1") == "Allowed"
    assert _decision_as_given(kind, "999.1.1.1") == "ExplicitDeny"
    with pytest.raises(CaseError):
        parse_case(_case(kind.key, "999.1.1.1", kind.policy))


def test_json_spelling_of_non_strings_in_messages() -> None:
    problem = context_value_error("s3:max-keys", "true", shown=json.dumps(True))
    assert problem == "true is not a number (the key's type is Numeric)"
