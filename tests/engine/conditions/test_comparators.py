"""Operator -> comparator mapping and literal validation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policysim.engine.conditions import (
    POSITIVE_COMPARATORS,
    comparator_for,
    literal_error,
)
from policysim.engine.conditions.arn import arn_like
from policysim.engine.conditions.binary import binary_equals
from policysim.engine.conditions.boolean import bool_equals
from policysim.engine.conditions.dates import date_equals, date_less_than
from policysim.engine.conditions.ip import ip_address
from policysim.engine.conditions.numeric import numeric_equals, numeric_greater_than_equals
from policysim.engine.conditions.strings import (
    string_equals,
    string_equals_ignore_case,
    string_like,
)
from policysim.policy.operators import BASE_OPERATORS, Family, parse_operator


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("StringEquals", string_equals),
        ("StringNotEquals", string_equals),
        ("stringequals", string_equals),
        ("StringEqualsIgnoreCase", string_equals_ignore_case),
        ("ForAnyValue:StringNotEqualsIgnoreCaseIfExists", string_equals_ignore_case),
        ("StringLike", string_like),
        ("ForAllValues:StringNotLike", string_like),
        ("NumericEquals", numeric_equals),
        ("NumericNotEquals", numeric_equals),
        ("NumericGreaterThanEqualsIfExists", numeric_greater_than_equals),
        ("DateNotEquals", date_equals),
        ("DateLessThan", date_less_than),
        ("Bool", bool_equals),
        ("BoolIfExists", bool_equals),
        ("BinaryEquals", binary_equals),
        ("IpAddress", ip_address),
        ("NotIpAddressIfExists", ip_address),
        ("ArnEquals", arn_like),
        ("ArnNotLike", arn_like),
    ],
)
def test_comparator_for(name: str, expected: object) -> None:
    assert comparator_for(parse_operator(name)) is expected


@pytest.mark.parametrize(
    "name", sorted(n for n, (f, _, _) in BASE_OPERATORS.items() if f != "Null")
)
def test_every_non_null_operator_has_a_comparator(name: str) -> None:
    op = parse_operator(name)
    assert comparator_for(op) is POSITIVE_COMPARATORS[op.positive]


def test_null_has_no_comparator() -> None:
    with pytest.raises(ValueError, match="Null"):
        comparator_for(parse_operator("Null"))


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("NumericEquals", "ten", "'ten' is not a number"),
        ("NumericLessThanIfExists", "", "'' is not a number"),
        ("IpAddress", "10.0.0", "'10.0.0' is not an IP address or CIDR"),
        ("NotIpAddress", "10.0.0.0/33", "'10.0.0.0/33' is not an IP address or CIDR"),
        ("DateLessThan", "next week", "'next week' is not an ISO 8601 date or epoch seconds"),
        ("DateEquals", "tomorrow", "'tomorrow' is not an ISO 8601 date or epoch seconds"),
        ("Bool", "yes", "'yes' is not true or false"),
        ("Null", "maybe", "'maybe' is not true or false"),
        ("BinaryEquals", "%%%", "'%%%' is not base64"),
    ],
)
def test_literal_error_reports(name: str, value: str, message: str) -> None:
    assert literal_error(parse_operator(name), value) == message


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("NumericEquals", "10"),
        ("NumericEquals", "-1.5"),
        ("IpAddress", "203.0.113.0/24"),
        ("IpAddress", "203.0.113.77/24"),  # host bits: a lint suggestion, not an error
        ("NotIpAddress", "2001:DB8::/32"),
        ("DateGreaterThan", "2020-01-01T00:00:00Z"),
        ("DateGreaterThan", "1577836800"),
        ("Bool", "TRUE"),
        ("Null", "false"),
        ("BinaryEquals", "QmluYXJ5VmFsdWVJbkJhc2U2NA=="),
        ("StringEquals", "anything at all"),
        ("StringLike", "***"),
        ("ArnLike", "not-an-arn"),
        ("ArnEquals", "${aws:PrincipalArn}"),
    ],
)
def test_literal_error_accepts(name: str, value: str) -> None:
    assert literal_error(parse_operator(name), value) is None


@given(st.sampled_from(sorted(n for n, (f, _, _) in BASE_OPERATORS.items())), st.text())
def test_literal_error_is_one_line_or_none(name: str, value: str) -> None:
    error = literal_error(parse_operator(name), value)
    assert error is None or "\n" not in error


@pytest.mark.parametrize("positive", sorted(POSITIVE_COMPARATORS))
@given(
    request_value=st.one_of(st.text(), st.sampled_from(["", "true", "10", "2020", "10.0.0.1"])),
    policy_value=st.one_of(st.text(), st.sampled_from(["", "*", "?", "0.0.0.0/0", "QQ=="])),
)
def test_comparators_never_raise(positive: str, request_value: str, policy_value: str) -> None:
    assert isinstance(POSITIVE_COMPARATORS[positive](request_value, policy_value), bool)


def test_families_are_covered() -> None:
    families = {parse_operator(name).family for name in POSITIVE_COMPARATORS}
    assert families == set(Family) - {Family.NULL}
