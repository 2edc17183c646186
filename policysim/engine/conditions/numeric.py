"""Numeric condition operators (spec §3.2): `NumericEquals`, `NumericLessThan`, and so on.

Values are integers or decimals and compare as exact `Decimal`s, so `"10"`, `"10.0"` and
`"+10"` are all the same number and no binary-float rounding can flip a boundary comparison.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

# ASCII digits only: `Decimal()` alone would also take "NaN", "Infinity", "1_000", padded
# whitespace and non-ASCII digits, none of which IAM documents. An exponent is accepted because
# a JSON number literal such as `1e3` may reach us in that spelling after string conversion.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


@lru_cache(maxsize=65536)
def parse_number(text: str) -> Decimal | None:
    """Parse an integer or decimal literal, or return None when `text` is not one.

    Rejected: empty strings, surrounding whitespace, `nan`/`inf`, hexadecimal, digit-group
    underscores. Cached because the same policy literals are compared over and over.
    """
    if not _NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except (InvalidOperation, ValueError):  # exponent beyond the decimal module's range
        return None


def numeric_equals(request: str, policy: str) -> bool:
    """Request number equals the policy number; false when either side is not a number."""
    r, p = parse_number(request), parse_number(policy)
    return r is not None and p is not None and r == p


def numeric_less_than(request: str, policy: str) -> bool:
    """Request number is strictly below the policy number."""
    r, p = parse_number(request), parse_number(policy)
    return r is not None and p is not None and r < p


def numeric_less_than_equals(request: str, policy: str) -> bool:
    """Request number is at most the policy number."""
    r, p = parse_number(request), parse_number(policy)
    return r is not None and p is not None and r <= p


def numeric_greater_than(request: str, policy: str) -> bool:
    """Request number is strictly above the policy number."""
    r, p = parse_number(request), parse_number(policy)
    return r is not None and p is not None and r > p


def numeric_greater_than_equals(request: str, policy: str) -> bool:
    """Request number is at least the policy number."""
    r, p = parse_number(request), parse_number(policy)
    return r is not None and p is not None and r >= p
