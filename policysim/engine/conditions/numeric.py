"""Numeric condition operators (spec §3.2): `NumericEquals`, `NumericLessThan`, and so on.

Values are integers or decimals and compare as exact `Decimal`s, so `"10"`, `"10.0"` and
`"+10"` are all the same number and no binary-float rounding can flip a boundary comparison.
"""

from __future__ import annotations

from policysim.policy.literals import parse_number


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
