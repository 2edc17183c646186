"""Date operators (spec §3.2 "Dates"): W3C ISO 8601 profile and epoch seconds, as instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from policysim.engine.conditions.dates import (
    date_equals,
    date_greater_than,
    date_greater_than_equals,
    date_less_than,
    date_less_than_equals,
    parse_date,
)

NEW_YEAR_2020 = Decimal(1577836800)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1577836800", NEW_YEAR_2020),
        ("2020-01-01T00:00:00Z", NEW_YEAR_2020),
        ("2020", NEW_YEAR_2020),  # YYYY: four digits are a year, not epoch seconds
        ("2020-01", NEW_YEAR_2020),
        ("2020-01-01", NEW_YEAR_2020),
        ("2020-01-01T00:00Z", NEW_YEAR_2020),  # hh:mm without seconds
        ("2020-01-01T00:00:00.000Z", NEW_YEAR_2020),
        ("2020-01-01T05:30:00+05:30", NEW_YEAR_2020),
        ("2019-12-31T19:00:00-05:00", NEW_YEAR_2020),
        ("2020-01-01T00:00:00+00:00", NEW_YEAR_2020),
        ("2020-01-01T00:00:00-00:00", NEW_YEAR_2020),
        ("2020-01-01t00:00:00z", NEW_YEAR_2020),  # lenient: lowercase t and z
        ("2020-01-01T00:00:00", NEW_YEAR_2020),  # lenient: no TZD means UTC
        ("2020-01-01T00:00", NEW_YEAR_2020),
        ("2020-01-01T00:00:00.5Z", NEW_YEAR_2020 + Decimal("0.5")),
        ("2020-01-01T00:00:00.123456789Z", NEW_YEAR_2020 + Decimal("0.123456789")),
        ("2020-01-01T01:00:00.25+01:00", NEW_YEAR_2020 + Decimal("0.25")),
        ("1577836800.5", NEW_YEAR_2020 + Decimal("0.5")),
        ("0", Decimal(0)),
        ("1970-01-01T00:00:00Z", Decimal(0)),
        ("-86400", Decimal(-86400)),
        ("1969-12-31", Decimal(-86400)),
        ("+1577836800", NEW_YEAR_2020),
        ("2024-02-29", Decimal(1709164800)),  # leap day
        ("2024-05-01T12:00:00Z", Decimal(1714564800)),  # aws:CurrentTime's usual shape
        ("0001-01-01T00:00:00Z", Decimal(-62135596800)),
        ("9999-12-31T23:59:59Z", Decimal(253402300799)),
    ],
)
def test_parse_date_accepts(text: str, expected: Decimal) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "next week",
        "tomorrow",
        "2020-13-01",
        "2020-00-10",
        "2020-02-30",
        "2023-02-29",  # not a leap year
        "0000",
        "2020-1-1",
        "20-01-01",
        "2020-01-01T24:00:00Z",
        "2020-01-01T00:60:00Z",
        "2020-01-01T00:00:60Z",  # no leap seconds
        "2020-01-01T00Z",  # hour without minutes
        "2020-01-01 00:00:00Z",  # space is not the T separator
        "2020-01-01T00:00:00.Z",
        "2020-01-01T00:00:00+0500",
        "2020-01-01T00:00:00+5:00",
        "2020-01-01T00:00:00+24:00",
        "2020-01-01T00:00:00+05:60",
        "2020-01-01T00:00:00ZZ",
        "2020-01-01Z",  # TZD only after a time
        " 2020-01-01",
        "1577836800 ",
        "1577836800.",
        "1e9",
        "0x5E0BE100",
        "\u0662\u0660\u0662\u0660",  # non-ASCII digits
    ],
)
def test_parse_date_rejects(text: str) -> None:
    assert parse_date(text) is None


def test_parse_date_is_exact_beyond_decimal_precision() -> None:
    a = parse_date("2020-01-01T00:00:00.1234567890123456789012345678901Z")
    b = parse_date("2020-01-01T00:00:00.1234567890123456789012345678902Z")
    assert a is not None and b is not None and a < b


def test_parse_date_is_cached() -> None:
    assert hasattr(parse_date, "cache_info")


def test_epoch_equals_iso() -> None:
    assert date_equals("1577836800", "2020-01-01T00:00:00Z")
    assert date_equals("2020-01-01T00:00:00Z", "1577836800")


@pytest.mark.parametrize(
    ("request_value", "policy_value", "eq", "lt", "le", "gt", "ge"),
    [
        ("2020-01-01T00:00:00Z", "2020-01-01", True, False, True, False, True),
        ("2019-12-31T23:59:59Z", "2020-01-01T00:00:00Z", False, True, True, False, False),
        ("2020-01-01T00:00:01Z", "2020-01-01T00:00:00Z", False, False, False, True, True),
        ("2020-01-01T00:00:00.001Z", "1577836800", False, False, False, True, True),
        ("2020-01-01T00:00:00+01:00", "2020-01-01T00:00:00Z", False, True, True, False, False),
        ("1577836799", "2020-01-01T00:00:00Z", False, True, True, False, False),
        ("1577836800.0", "2020-01-01T05:30+05:30", True, False, True, False, True),
    ],
)
def test_date_comparisons(
    request_value: str, policy_value: str, eq: bool, lt: bool, le: bool, gt: bool, ge: bool
) -> None:
    assert date_equals(request_value, policy_value) is eq
    assert date_less_than(request_value, policy_value) is lt
    assert date_less_than_equals(request_value, policy_value) is le
    assert date_greater_than(request_value, policy_value) is gt
    assert date_greater_than_equals(request_value, policy_value) is ge


@pytest.mark.parametrize(
    ("request_value", "policy_value"),
    [("next week", "2020-01-01"), ("2020-01-01", "next week"), ("", "")],
)
def test_unparseable_side_never_matches(request_value: str, policy_value: str) -> None:
    for op in (
        date_equals,
        date_less_than,
        date_less_than_equals,
        date_greater_than,
        date_greater_than_equals,
    ):
        assert op(request_value, policy_value) is False


def _epoch_seconds(moment: datetime) -> Decimal:
    delta = moment - EPOCH
    return Decimal(delta.days * 86400 + delta.seconds) + Decimal(delta.microseconds) / 10**6


offsets = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
moments = st.datetimes(
    min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=offsets
)


@given(moments)
def test_isoformat_round_trips(moment: datetime) -> None:
    assert parse_date(moment.isoformat()) == _epoch_seconds(moment)


@given(moments)
def test_utc_z_spelling_round_trips(moment: datetime) -> None:
    utc = moment.astimezone(UTC)
    text = (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}"
        f"T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}.{utc.microsecond:06d}Z"
    )
    assert parse_date(text) == _epoch_seconds(moment)


@given(moments, moments)
def test_comparisons_follow_time_order(a: datetime, b: datetime) -> None:
    sa, sb = a.isoformat(), b.isoformat()
    assert date_equals(sa, sb) is (a == b)
    assert date_less_than(sa, sb) is (a < b)
    assert date_greater_than_equals(sa, sb) is (a >= b)


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_epoch_integer_round_trips(n: int) -> None:
    text = str(n)
    assume(not (len(text) == 4 and text.isdigit()))  # four bare digits are a year
    assert parse_date(text) == n


@given(st.integers(min_value=-62135596800, max_value=253402300799))
def test_epoch_equals_its_utc_iso_form(n: int) -> None:
    moment = EPOCH + timedelta(seconds=n)
    iso = moment.isoformat().replace("+00:00", "Z")
    assert date_equals(f"{n}.0", iso)
