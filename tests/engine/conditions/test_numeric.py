"""Numeric operators (spec §3.2): integers and decimals compared exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policysim.engine.conditions.numeric import (
    numeric_equals,
    numeric_greater_than,
    numeric_greater_than_equals,
    numeric_less_than,
    numeric_less_than_equals,
    parse_number,
)

ALL_OPS = [
    numeric_equals,
    numeric_less_than,
    numeric_less_than_equals,
    numeric_greater_than,
    numeric_greater_than_equals,
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10", Decimal(10)),
        ("10.0", Decimal(10)),
        ("-1", Decimal(-1)),
        ("+5", Decimal(5)),
        ("0", Decimal(0)),
        ("-0", Decimal(0)),
        ("3.25", Decimal("3.25")),
        ("10.", Decimal(10)),
        (".5", Decimal("0.5")),
        ("1e3", Decimal(1000)),  # a JSON number may arrive in exponent form
        ("2.5E-1", Decimal("0.25")),
        ("123456789012345678901234567890", Decimal("123456789012345678901234567890")),
    ],
)
def test_parse_number_accepts(text: str, expected: Decimal) -> None:
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ten",
        " 10",
        "10 ",
        "nan",
        "NaN",
        "inf",
        "-Infinity",
        "0x10",
        "1_000",
        "1,000",
        "1.2.3",
        "--1",
        "+",
        ".",
        "1e",
        "e5",
        "\u0661\u0660",  # Arabic-Indic "10": not ASCII digits
        "1e999999999999999999999999",  # beyond the decimal module's exponent range
    ],
)
def test_parse_number_rejects(text: str) -> None:
    assert parse_number(text) is None


def test_parse_number_is_cached() -> None:
    assert hasattr(parse_number, "cache_info")


@pytest.mark.parametrize(
    ("request_value", "policy_value", "eq", "lt", "le", "gt", "ge"),
    [
        ("10", "10", True, False, True, False, True),
        ("10", "10.0", True, False, True, False, True),
        ("10.00", "+10", True, False, True, False, True),
        ("9", "10", False, True, True, False, False),
        ("11", "10", False, False, False, True, True),
        ("-1", "0", False, True, True, False, False),
        ("-1", "-1.0", True, False, True, False, True),
        ("0.1", "0.10000000000000001", False, True, True, False, False),  # no float rounding
        ("100", "20", False, False, False, True, True),  # numeric, not lexicographic
    ],
)
def test_numeric_comparisons(
    request_value: str, policy_value: str, eq: bool, lt: bool, le: bool, gt: bool, ge: bool
) -> None:
    assert numeric_equals(request_value, policy_value) is eq
    assert numeric_less_than(request_value, policy_value) is lt
    assert numeric_less_than_equals(request_value, policy_value) is le
    assert numeric_greater_than(request_value, policy_value) is gt
    assert numeric_greater_than_equals(request_value, policy_value) is ge


@pytest.mark.parametrize(
    ("request_value", "policy_value"), [("ten", "10"), ("10", "ten"), ("", "")]
)
def test_unparseable_side_never_matches(request_value: str, policy_value: str) -> None:
    for op in ALL_OPS:
        assert op(request_value, policy_value) is False


@given(st.integers())
def test_integer_round_trip(n: int) -> None:
    assert parse_number(str(n)) == n


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_decimal_round_trip(d: Decimal) -> None:
    assert parse_number(str(d)) == d


@given(st.integers(), st.integers())
def test_comparisons_agree_with_integer_order(a: int, b: int) -> None:
    ra, rb = str(a), str(b)
    assert numeric_equals(ra, rb) is (a == b)
    assert numeric_less_than(ra, rb) is (a < b)
    assert numeric_less_than_equals(ra, rb) is (a <= b)
    assert numeric_greater_than(ra, rb) is (a > b)
    assert numeric_greater_than_equals(ra, rb) is (a >= b)


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_integer_equals_its_decimal_spelling(n: int) -> None:
    assert numeric_equals(str(n), f"{n}.000")
