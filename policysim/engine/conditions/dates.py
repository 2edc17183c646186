"""Date condition operators (spec §3.2): `DateEquals`, `DateLessThan[Equals]`, and so on.

Both the policy literal and the request value (`aws:CurrentTime`, `aws:EpochTime`, service date
keys) become an *instant*: exact seconds since 1970-01-01T00:00:00Z as a `Decimal`, so fractional
seconds never suffer float rounding and the two spellings of one moment compare equal.

Accepted spellings (spec §3.2 "Dates", the W3C profile of ISO 8601):

* `YYYY`, `YYYY-MM`, `YYYY-MM-DD` - the first instant of that period, in UTC;
* `YYYY-MM-DDThh:mmTZD`, `YYYY-MM-DDThh:mm:ssTZD`, `YYYY-MM-DDThh:mm:ss.sTZD` (any number of
  fraction digits), TZD being `Z` or `+hh:mm`/`-hh:mm`;
* epoch seconds: an optionally signed integer, or a decimal, string.

Leniencies, because real policies and contexts contain them: a missing TZD means UTC, and `t` and
`z` may be lowercase. Ambiguity: exactly four unsigned digits (`"2020"`) is read as the year
`YYYY`, which the W3C profile defines, not as 2020 seconds after the epoch; every other integer is
epoch seconds (so `aws:EpochTime` values, which have ten digits, are unaffected).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from functools import lru_cache

_ISO = re.compile(
    r"(?P<year>[0-9]{4})"
    r"(?:-(?P<month>[0-9]{2})"
    r"(?:-(?P<day>[0-9]{2})"
    r"(?:[Tt](?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})"
    r"(?::(?P<second>[0-9]{2})(?:\.(?P<fraction>[0-9]+))?)?"
    r"(?P<tzd>[Zz]|[+-][0-9]{2}:[0-9]{2})?"
    r")?)?)?"
)
_EPOCH = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _iso_instant(match: re.Match[str]) -> Decimal | None:
    """Turn a matched ISO 8601 string into epoch seconds, or None if a field is out of range."""
    g = match.groupdict()
    try:
        day = date(int(g["year"]), int(g["month"] or 1), int(g["day"] or 1))
    except ValueError:  # year 0000, month 13, February 30, ...
        return None
    hour, minute, second = int(g["hour"] or 0), int(g["minute"] or 0), int(g["second"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    offset = 0
    tzd = g["tzd"]
    if tzd and tzd not in "Zz":
        tz_hour, tz_minute = int(tzd[1:3]), int(tzd[4:6])
        if tz_hour > 23 or tz_minute > 59:
            return None
        offset = (tz_hour * 3600 + tz_minute * 60) * (-1 if tzd[0] == "-" else 1)
    # Local time minus its offset from UTC is the UTC instant.
    seconds = (day.toordinal() - _EPOCH_ORDINAL) * 86400 + hour * 3600 + minute * 60 + second
    seconds -= offset
    fraction = g["fraction"]
    if not fraction:
        return Decimal(seconds)
    # Build the value from a string: exact, whereas Decimal addition rounds to 28 digits.
    scaled = seconds * 10 ** len(fraction) + int(fraction)
    return Decimal(f"{scaled}E-{len(fraction)}")


@lru_cache(maxsize=65536)
def parse_date(text: str) -> Decimal | None:
    """Parse an ISO 8601 date/time or epoch seconds into exact epoch seconds, or return None.

    Cached because the same policy literals (and often the same `aws:CurrentTime`) are compared
    many times during one simulation.
    """
    match = _ISO.fullmatch(text)
    if match is not None:
        return _iso_instant(match)
    if _EPOCH.fullmatch(text):
        return Decimal(text)
    return None


def date_equals(request: str, policy: str) -> bool:
    """Both values denote the same instant; false when either is not a date."""
    r, p = parse_date(request), parse_date(policy)
    return r is not None and p is not None and r == p


def date_less_than(request: str, policy: str) -> bool:
    """The request instant is strictly before the policy instant."""
    r, p = parse_date(request), parse_date(policy)
    return r is not None and p is not None and r < p


def date_less_than_equals(request: str, policy: str) -> bool:
    """The request instant is at or before the policy instant."""
    r, p = parse_date(request), parse_date(policy)
    return r is not None and p is not None and r <= p


def date_greater_than(request: str, policy: str) -> bool:
    """The request instant is strictly after the policy instant."""
    r, p = parse_date(request), parse_date(policy)
    return r is not None and p is not None and r > p


def date_greater_than_equals(request: str, policy: str) -> bool:
    """The request instant is at or after the policy instant."""
    r, p = parse_date(request), parse_date(policy)
    return r is not None and p is not None and r >= p
