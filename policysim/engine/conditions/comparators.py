"""Map a condition operator to its positive comparator, and vet policy literals.

A comparator answers one question: does this single request value match this single policy
value under the operator's *positive* form? Everything else - negation (`not any(...)`),
`IfExists`, `ForAllValues`/`ForAnyValue`, missing keys, `Null`, policy variables - is layered on
top by the condition evaluator (spec §3.1-3.3), so each family's semantics live in exactly one
small module: `strings`, `numeric`, `dates`, `boolean`, `binary`, `ip`, `arn`.

Comparators never raise: a value that does not parse for the family simply does not match
(spec §3.1 "JSON typing"). `literal_error` says why, for the linter (PS109) and the validator.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from policysim.engine.conditions.arn import arn_like
from policysim.engine.conditions.binary import binary_equals
from policysim.engine.conditions.boolean import bool_equals
from policysim.engine.conditions.dates import (
    date_equals,
    date_greater_than,
    date_greater_than_equals,
    date_less_than,
    date_less_than_equals,
)
from policysim.engine.conditions.ip import ip_address
from policysim.engine.conditions.numeric import (
    numeric_equals,
    numeric_greater_than,
    numeric_greater_than_equals,
    numeric_less_than,
    numeric_less_than_equals,
)
from policysim.engine.conditions.strings import (
    string_equals,
    string_equals_ignore_case,
    string_like,
)
from policysim.policy.literals import literal_error as literal_error
from policysim.policy.operators import Family, Operator

Comparator = Callable[[str, str], bool]
"""`(request_value, policy_value) -> bool`: the operator's positive comparison of two values."""

POSITIVE_COMPARATORS: Mapping[str, Comparator] = MappingProxyType(
    {
        "StringEquals": string_equals,
        "StringEqualsIgnoreCase": string_equals_ignore_case,
        "StringLike": string_like,
        "NumericEquals": numeric_equals,
        "NumericLessThan": numeric_less_than,
        "NumericLessThanEquals": numeric_less_than_equals,
        "NumericGreaterThan": numeric_greater_than,
        "NumericGreaterThanEquals": numeric_greater_than_equals,
        "DateEquals": date_equals,
        "DateLessThan": date_less_than,
        "DateLessThanEquals": date_less_than_equals,
        "DateGreaterThan": date_greater_than,
        "DateGreaterThanEquals": date_greater_than_equals,
        "Bool": bool_equals,
        "BinaryEquals": binary_equals,
        "IpAddress": ip_address,
        "ArnLike": arn_like,
    }
)
"""Canonical positive operator name (`Operator.positive`) -> comparator."""


def comparator_for(op: Operator) -> Comparator:
    """Return the positive comparator for `op` (negation is the caller's job).

    Raises `ValueError` for `Null`, which tests key presence rather than comparing values and is
    evaluated by the condition evaluator itself.
    """
    if op.family is Family.NULL:
        raise ValueError(f"{op.written!r}: Null tests key presence and has no value comparator")
    try:
        return POSITIVE_COMPARATORS[op.positive]
    except KeyError:  # only if operators.py grows a name this table lacks
        raise ValueError(f"no comparator for condition operator {op.written!r}") from None
