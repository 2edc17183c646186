"""Condition operator names: `[ForAllValues:|ForAnyValue:]<Base>[IfExists]`.

Parsing is case-insensitive (spec §3.1, following cloud-copilot); the linter reports names whose
casing differs from the canonical one. The engine maps the parsed name to a comparator.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache


class Family(StrEnum):
    """The value type an operator compares."""

    STRING = "String"
    NUMERIC = "Numeric"
    DATE = "Date"
    BOOL = "Bool"
    BINARY = "Binary"
    IP = "IpAddress"
    ARN = "Arn"
    NULL = "Null"


class Qualifier(StrEnum):
    """Set operators for multivalued context keys."""

    FOR_ALL_VALUES = "ForAllValues"
    FOR_ANY_VALUE = "ForAnyValue"


# canonical base name -> (family, positive counterpart, negated)
BASE_OPERATORS: dict[str, tuple[Family, str, bool]] = {
    "StringEquals": (Family.STRING, "StringEquals", False),
    "StringNotEquals": (Family.STRING, "StringEquals", True),
    "StringEqualsIgnoreCase": (Family.STRING, "StringEqualsIgnoreCase", False),
    "StringNotEqualsIgnoreCase": (Family.STRING, "StringEqualsIgnoreCase", True),
    "StringLike": (Family.STRING, "StringLike", False),
    "StringNotLike": (Family.STRING, "StringLike", True),
    "NumericEquals": (Family.NUMERIC, "NumericEquals", False),
    "NumericNotEquals": (Family.NUMERIC, "NumericEquals", True),
    "NumericLessThan": (Family.NUMERIC, "NumericLessThan", False),
    "NumericLessThanEquals": (Family.NUMERIC, "NumericLessThanEquals", False),
    "NumericGreaterThan": (Family.NUMERIC, "NumericGreaterThan", False),
    "NumericGreaterThanEquals": (Family.NUMERIC, "NumericGreaterThanEquals", False),
    "DateEquals": (Family.DATE, "DateEquals", False),
    "DateNotEquals": (Family.DATE, "DateEquals", True),
    "DateLessThan": (Family.DATE, "DateLessThan", False),
    "DateLessThanEquals": (Family.DATE, "DateLessThanEquals", False),
    "DateGreaterThan": (Family.DATE, "DateGreaterThan", False),
    "DateGreaterThanEquals": (Family.DATE, "DateGreaterThanEquals", False),
    "Bool": (Family.BOOL, "Bool", False),
    "BinaryEquals": (Family.BINARY, "BinaryEquals", False),
    "IpAddress": (Family.IP, "IpAddress", False),
    "NotIpAddress": (Family.IP, "IpAddress", True),
    "ArnEquals": (Family.ARN, "ArnLike", False),
    "ArnLike": (Family.ARN, "ArnLike", False),
    "ArnNotEquals": (Family.ARN, "ArnLike", True),
    "ArnNotLike": (Family.ARN, "ArnLike", True),
    "Null": (Family.NULL, "Null", False),
}
_BY_LOWER = {name.lower(): name for name in BASE_OPERATORS}
# Families whose values may hold policy variables (spec §4; Bool is disputed and supported).
VARIABLE_FAMILIES = frozenset({Family.STRING, Family.ARN, Family.BOOL})


class UnknownOperatorError(ValueError):
    """The operator name is not one IAM knows."""


@dataclass(frozen=True, slots=True)
class Operator:
    """A parsed condition operator name."""

    written: str
    base: str
    family: Family
    positive: str
    negated: bool
    if_exists: bool
    qualifier: Qualifier | None

    @property
    def canonical(self) -> str:
        """The name as AWS spells it."""
        prefix = f"{self.qualifier.value}:" if self.qualifier else ""
        return f"{prefix}{self.base}{'IfExists' if self.if_exists else ''}"

    @property
    def supports_variables(self) -> bool:
        """Whether `${...}` in this operator's values is substituted."""
        return self.family in VARIABLE_FAMILIES


@lru_cache(maxsize=1024)
def parse_operator(name: str) -> Operator:
    """Parse an operator name, or raise `UnknownOperatorError` naming the problem."""
    rest = name
    qualifier: Qualifier | None = None
    head, sep, tail = rest.partition(":")
    if sep:
        for q in Qualifier:
            if head.lower() == q.value.lower():
                qualifier = q
                break
        else:
            raise UnknownOperatorError(f"unknown condition operator qualifier {head!r} in {name!r}")
        rest = tail
    if_exists = False
    base = _BY_LOWER.get(rest.lower())
    if base is None and rest.lower().endswith("ifexists"):
        base = _BY_LOWER.get(rest[: -len("IfExists")].lower())
        if_exists = base is not None
    if base is None:
        raise UnknownOperatorError(f"unknown condition operator {name!r}")
    family, positive, negated = BASE_OPERATORS[base]
    if family is Family.NULL and (if_exists or qualifier):
        raise UnknownOperatorError(
            f"the Null operator takes no IfExists or set qualifier: {name!r}"
        )
    return Operator(name, base, family, positive, negated, if_exists, qualifier)
