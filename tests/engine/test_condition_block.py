"""The Condition block (spec §3.1-§3.3, §4 in condition values, §9.3 items 3 and 4)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from policysim.engine.condition_block import compile_conditions, conditions_hold
from policysim.engine.options import EvaluationOptions
from policysim.engine.request import Context
from policysim.policy.build import policy_from_data

from .support import allow, doc

DEFAULT = EvaluationOptions()
PMAPPER_MULTIVALUE = EvaluationOptions(plain_operator_on_multivalued_key="any")
COPILOT_VARIABLES = EvaluationOptions(unresolved_variable_matches_negated=False)


def holds(
    block: Mapping[str, Any],
    context: Mapping[str, str | list[str]] | None = None,
    *,
    options: EvaluationOptions = DEFAULT,
    version: str | None = "2012-10-17",
    missing: set[str] | None = None,
) -> bool:
    """Evaluate `block` as it would appear in a statement of a policy with `version`."""
    policy = policy_from_data(doc(allow(Condition=dict(block)), version=version))
    compiled = compile_conditions(
        policy.statements[0].condition, substitutes_variables=policy.substitutes_variables
    )
    return conditions_hold(compiled, Context(context), options, missing)


# --- structure: AND of entries, OR of values -----------------------------------------------


def test_empty_condition_block_is_true() -> None:
    assert holds({}) is True


def test_values_of_one_key_are_ored() -> None:
    block = {"StringEquals": {"aws:username": ["bob", "alice"]}}
    assert holds(block, {"aws:username": "alice"}) is True
    assert holds(block, {"aws:username": "carol"}) is False


def test_keys_within_an_operator_are_anded() -> None:
    block = {"StringEquals": {"aws:username": "alice", "aws:PrincipalTag/team": "blue"}}
    assert holds(block, {"aws:username": "alice", "aws:PrincipalTag/team": "blue"}) is True
    assert holds(block, {"aws:username": "alice", "aws:PrincipalTag/team": "red"}) is False


def test_operators_are_anded() -> None:
    block = {
        "StringEquals": {"aws:username": "alice"},
        "Bool": {"aws:SecureTransport": "true"},
    }
    assert holds(block, {"aws:username": "alice", "aws:SecureTransport": "true"}) is True
    assert holds(block, {"aws:username": "alice", "aws:SecureTransport": "false"}) is False


def test_condition_key_names_are_case_insensitive() -> None:
    block = {"StringEquals": {"AWS:SourceIP": "10.0.0.1", "aws:principaltag/TEAM": "blue"}}
    assert holds(block, {"aws:SourceIp": "10.0.0.1", "aws:PrincipalTag/team": "blue"}) is True


def test_operator_names_parse_case_insensitively() -> None:
    assert holds({"stringequals": {"aws:username": "alice"}}, {"aws:username": "alice"}) is True
    assert holds({"stringequals": {"aws:username": "alice"}}, {"aws:username": "bob"}) is False


def test_values_are_case_sensitive_unless_ignore_case() -> None:
    assert holds({"StringEquals": {"k": "Alice"}}, {"k": "alice"}) is False
    assert holds({"StringEqualsIgnoreCase": {"k": "Alice"}}, {"k": "alice"}) is True


@pytest.mark.parametrize(
    ("operator", "values", "request_value", "expected"),
    [
        ("StringNotEquals", ["a", "b"], "a", False),
        ("StringNotEquals", ["a", "b"], "b", False),
        ("StringNotEquals", ["a", "b"], "c", True),
        ("StringNotLike", ["a*", "b*"], "bee", False),
        ("StringNotLike", ["a*", "b*"], "cat", True),
        ("NumericNotEquals", ["1", "2"], "2", False),
        ("NumericNotEquals", ["1", "2"], "3", True),
        ("NotIpAddress", ["10.0.0.0/8", "192.168.0.0/16"], "192.168.1.1", False),
        ("NotIpAddress", ["10.0.0.0/8", "192.168.0.0/16"], "172.16.0.1", True),
        (
            "ArnNotLike",
            ["arn:aws:iam::*:user/a*", "arn:aws:iam::*:role/*"],
            "arn:aws:iam::1:role/x",
            False,
        ),
    ],
)
def test_negated_operators_are_true_only_when_no_listed_value_matches(
    operator: str, values: list[str], request_value: str, expected: bool
) -> None:
    assert holds({operator: {"k": values}}, {"k": request_value}) is expected


# --- missing keys --------------------------------------------------------------------------

POSITIVE = [
    ("StringEquals", "x"),
    ("StringEqualsIgnoreCase", "x"),
    ("StringLike", "*"),
    ("NumericEquals", "1"),
    ("NumericLessThan", "1"),
    ("NumericGreaterThanEquals", "1"),
    ("DateEquals", "2020-01-01T00:00:00Z"),
    ("DateLessThan", "2020-01-01T00:00:00Z"),
    ("Bool", "true"),
    ("BinaryEquals", "QmluYXJ5"),
    ("IpAddress", "0.0.0.0/0"),
    ("ArnLike", "*"),
    ("ArnEquals", "*"),
]
NEGATED = [
    ("StringNotEquals", "x"),
    ("StringNotEqualsIgnoreCase", "x"),
    ("StringNotLike", "*"),
    ("NumericNotEquals", "1"),
    ("DateNotEquals", "2020-01-01T00:00:00Z"),
    ("NotIpAddress", "0.0.0.0/0"),
    ("ArnNotEquals", "*"),
    ("ArnNotLike", "*"),
]


@pytest.mark.parametrize(("operator", "value"), POSITIVE)
def test_missing_key_makes_positive_operators_false(operator: str, value: str) -> None:
    assert holds({operator: {"k": value}}) is False


@pytest.mark.parametrize(("operator", "value"), NEGATED)
def test_missing_key_makes_negated_operators_true(operator: str, value: str) -> None:
    assert holds({operator: {"k": value}}) is True


@pytest.mark.parametrize(("operator", "value"), POSITIVE + NEGATED)
def test_if_exists_turns_a_missing_key_into_true(operator: str, value: str) -> None:
    assert holds({f"{operator}IfExists": {"k": value}}) is True


@pytest.mark.parametrize(
    ("operator", "request_value", "expected"),
    [
        ("StringEqualsIfExists", "a", True),
        ("StringEqualsIfExists", "b", False),
        ("StringNotEqualsIfExists", "a", False),
        ("StringNotEqualsIfExists", "b", True),
    ],
)
def test_if_exists_applies_the_operator_when_the_key_is_present(
    operator: str, request_value: str, expected: bool
) -> None:
    assert holds({operator: {"k": "a"}}, {"k": request_value}) is expected


def test_every_missing_key_is_recorded_not_only_the_first() -> None:
    missing: set[str] = set()
    block = {
        "StringEquals": {"aws:SourceVpc": "vpc-1"},
        "Bool": {"aws:MultiFactorAuthPresent": "true"},
        "StringNotEqualsIfExists": {"aws:username": "x"},
    }
    assert holds(block, {"aws:username": "y"}, missing=missing) is False
    assert missing == {"aws:SourceVpc", "aws:MultiFactorAuthPresent"}


# --- Null ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "context", "expected"),
    [
        ("true", {}, True),
        ("true", {"k": "v"}, False),
        ("false", {}, False),
        ("false", {"k": "v"}, True),
        (True, {}, True),  # JSON booleans become their text
        ("TRUE", {}, True),
    ],
)
def test_null_tests_presence(value: Any, context: dict[str, str], expected: bool) -> None:
    assert holds({"Null": {"k": value}}, context) is expected


def test_null_records_an_absent_key_as_missing() -> None:
    missing: set[str] = set()
    holds({"Null": {"aws:TokenIssueTime": "true"}}, missing=missing)
    assert missing == {"aws:TokenIssueTime"}


# --- set operators -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ({}, True),  # key absent: vacuously true
        ({"aws:TagKeys": []}, True),  # empty list: vacuously true
        ({"aws:TagKeys": [""]}, True),  # a single empty string: vacuously true
        ({"aws:TagKeys": ["team", "env"]}, True),
        ({"aws:TagKeys": ["team", "owner"]}, False),
        ({"aws:TagKeys": "team"}, True),  # a single value is a one-element list
        ({"aws:TagKeys": "owner"}, False),
    ],
)
def test_for_all_values(context: dict[str, Any], expected: bool) -> None:
    block = {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}}
    assert holds(block, context) is expected


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ({}, False),  # key absent
        ({"aws:TagKeys": []}, False),  # empty list
        ({"aws:TagKeys": ["owner", "env"]}, True),
        ({"aws:TagKeys": ["owner", "cost"]}, False),
        ({"aws:TagKeys": "env"}, True),
    ],
)
def test_for_any_value(context: dict[str, Any], expected: bool) -> None:
    block = {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team", "env"]}}
    assert holds(block, context) is expected


@pytest.mark.parametrize(
    ("tags", "expected"), [(["team", "owner"], True), (["team", "env"], False)]
)
def test_for_any_value_with_negated_operator_needs_one_value_outside_the_list(
    tags: list[str], expected: bool
) -> None:
    block = {"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["team", "env"]}}
    assert holds(block, {"aws:TagKeys": tags}) is expected


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ({"aws:TagKeys": ["owner", "cost"]}, True),
        ({"aws:TagKeys": ["owner", "team"]}, False),
        ({}, True),
    ],
)
def test_for_all_values_with_negated_operator_needs_no_value_in_the_list(
    context: dict[str, Any], expected: bool
) -> None:
    block = {"ForAllValues:StringNotEquals": {"aws:TagKeys": ["team", "env"]}}
    assert holds(block, context) is expected


def test_set_operator_with_if_exists_qualifier_parses_and_applies() -> None:
    block = {"ForAnyValue:StringLikeIfExists": {"aws:TagKeys": "t*"}}
    assert holds(block, {}) is True
    assert holds(block, {"aws:TagKeys": ["team"]}) is True
    assert holds(block, {"aws:TagKeys": ["env"]}) is False


# --- plain operator on a multivalued key (§9.3-4) -------------------------------------------


@pytest.mark.parametrize("operator", ["StringEquals", "StringNotEquals", "StringLike"])
def test_plain_operator_on_multivalued_key_does_not_match_by_default(operator: str) -> None:
    block = {operator: {"aws:TagKeys": "env"}}
    assert holds(block, {"aws:TagKeys": ["env", "team"]}) is False


def test_plain_operator_on_multivalued_key_matches_any_element_with_the_pmapper_option() -> None:
    block = {"StringEquals": {"aws:TagKeys": "env"}}
    assert holds(block, {"aws:TagKeys": ["env", "team"]}, options=PMAPPER_MULTIVALUE) is True
    assert holds(block, {"aws:TagKeys": ["cost", "team"]}, options=PMAPPER_MULTIVALUE) is False


# --- JSON typing (§3.1) --------------------------------------------------------------------


def test_numbers_and_booleans_in_policies_compare_as_their_text() -> None:
    assert (
        holds(
            {"NumericLessThan": {"aws:MultiFactorAuthAge": 3600}}, {"aws:MultiFactorAuthAge": "60"}
        )
        is True
    )
    assert holds({"Bool": {"aws:SecureTransport": True}}, {"aws:SecureTransport": "true"}) is True
    assert holds({"Bool": {"aws:SecureTransport": False}}, {"aws:SecureTransport": "true"}) is False


def test_a_value_that_does_not_parse_for_the_operator_does_not_match() -> None:
    assert holds({"NumericEquals": {"k": "abc"}}, {"k": "1"}) is False
    assert holds({"NumericNotEquals": {"k": "abc"}}, {"k": "1"}) is True
    assert holds({"DateLessThan": {"k": "yesterday"}}, {"k": "2020-01-01"}) is False


def test_string_like_star_crosses_colons_and_slashes() -> None:
    block = {"StringLike": {"aws:SourceArn": "arn:aws:sns:*:1111:*"}}
    assert holds(block, {"aws:SourceArn": "arn:aws:sns:us-east-1:2222:x:1111:topic/a"}) is True


def test_arn_like_wildcards_stay_within_a_segment() -> None:
    block = {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:1111:*"}}
    assert holds(block, {"aws:SourceArn": "arn:aws:sns:us-east-1:2222:x:1111:topic/a"}) is False
    assert holds(block, {"aws:SourceArn": "arn:aws:sns:us-east-1:1111:topic"}) is True


def test_string_equals_treats_star_literally() -> None:
    assert holds({"StringEquals": {"k": "a*"}}, {"k": "abc"}) is False
    assert holds({"StringEquals": {"k": "a*"}}, {"k": "a*"}) is True


# --- policy variables in condition values (§4) ---------------------------------------------


def test_variable_in_string_value_is_substituted() -> None:
    block = {"StringEquals": {"s3:prefix": "home/${aws:username}"}}
    assert holds(block, {"s3:prefix": "home/alice", "aws:username": "alice"}) is True
    assert holds(block, {"s3:prefix": "home/bob", "aws:username": "alice"}) is False


def test_variable_key_is_case_insensitive() -> None:
    block = {"StringEquals": {"k": "${AWS:UserName}"}}
    assert holds(block, {"k": "alice", "aws:username": "alice"}) is True


def test_variable_in_arn_value_is_substituted() -> None:
    block = {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:1111:${aws:username}"}}
    ctx = {"aws:SourceArn": "arn:aws:sns:us-east-1:1111:alice", "aws:username": "alice"}
    assert holds(block, ctx) is True


def test_variable_default_is_used_when_the_key_is_absent() -> None:
    block = {"StringEquals": {"k": "${aws:PrincipalTag/team, 'none'}"}}
    assert holds(block, {"k": "none"}) is True
    assert holds(block, {"k": "none", "aws:PrincipalTag/team": "blue"}) is False


def test_variables_are_literal_text_under_version_2008() -> None:
    block = {"StringEquals": {"k": "${aws:username}"}}
    ctx = {"aws:username": "alice"}
    assert holds(block, {**ctx, "k": "alice"}, version="2008-10-17") is False
    assert holds(block, {**ctx, "k": "${aws:username}"}, version="2008-10-17") is True
    assert holds(block, {**ctx, "k": "alice"}, version=None) is False


def test_variables_are_not_substituted_in_numeric_values() -> None:
    block = {"NumericEquals": {"k": "${aws:MultiFactorAuthAge}"}}
    assert holds(block, {"k": "5", "aws:MultiFactorAuthAge": "5"}) is False


def test_unresolved_variable_never_matches_a_positive_operator() -> None:
    assert holds({"StringEquals": {"k": "${aws:PrincipalTag/team}"}}, {"k": ""}) is False
    assert holds({"StringLike": {"k": "${aws:PrincipalTag/team}*"}}, {"k": "x"}) is False


def test_unresolved_variable_other_values_still_match() -> None:
    block = {"StringEquals": {"k": ["${aws:PrincipalTag/team}", "blue"]}}
    assert holds(block, {"k": "blue"}) is True


def test_unresolved_variable_matches_negated_operator_by_default() -> None:
    block = {"StringNotEquals": {"k": "${aws:PrincipalTag/team}"}}
    assert holds(block, {"k": "blue"}) is True


def test_unresolved_variable_in_negated_operator_with_the_cloud_copilot_option() -> None:
    block = {"StringNotEquals": {"k": "${aws:PrincipalTag/team}"}}
    assert holds(block, {"k": "blue"}, options=COPILOT_VARIABLES) is False
    # Resolved variables are unaffected by the option.
    ctx = {"k": "blue", "aws:PrincipalTag/team": "red"}
    assert holds(block, ctx, options=COPILOT_VARIABLES) is True


def test_multivalued_key_cannot_be_a_variable() -> None:
    block = {"StringEquals": {"k": "${aws:TagKeys}"}}
    assert holds(block, {"k": "a", "aws:TagKeys": ["a"]}) is False


def test_star_from_a_substituted_value_is_literal_in_string_like() -> None:
    block = {"StringLike": {"s3:prefix": "${aws:PrincipalTag/prefix}"}}
    ctx = {"aws:PrincipalTag/prefix": "home/*"}
    assert holds(block, {**ctx, "s3:prefix": "home/alice"}) is False
    assert holds(block, {**ctx, "s3:prefix": "home/*"}) is True


def test_question_mark_from_a_substituted_value_is_literal_in_string_like() -> None:
    block = {"StringLike": {"k": "${aws:PrincipalTag/p}"}}
    assert holds(block, {"aws:PrincipalTag/p": "a?", "k": "ab"}) is False
    assert holds(block, {"aws:PrincipalTag/p": "a?", "k": "a?"}) is True


def test_written_wildcards_around_a_variable_stay_wildcards() -> None:
    block = {"StringLike": {"s3:prefix": "home/${aws:username}/*"}}
    assert holds(block, {"aws:username": "alice", "s3:prefix": "home/alice/docs/x"}) is True
    assert holds(block, {"aws:username": "alice", "s3:prefix": "home/bob/docs/x"}) is False


@pytest.mark.parametrize(("special", "literal"), [("${*}", "*"), ("${?}", "?"), ("${$}", "$")])
def test_special_variables_are_literal_characters(special: str, literal: str) -> None:
    block = {"StringLike": {"k": f"a{special}b"}}
    assert holds(block, {"k": f"a{literal}b"}) is True
    assert holds(block, {"k": "aXb"}) is False
