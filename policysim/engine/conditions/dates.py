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

from policysim.policy.literals import parse_date


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
