"""Condition evaluation: per-family positive comparators and literal validation (spec §3)."""

from policysim.engine.conditions.comparators import (
    POSITIVE_COMPARATORS,
    Comparator,
    comparator_for,
    literal_error,
)
from policysim.policy.literals import (
    parse_address,
    parse_base64,
    parse_bool,
    parse_date,
    parse_network,
    parse_number,
)

__all__ = [
    "POSITIVE_COMPARATORS",
    "Comparator",
    "comparator_for",
    "literal_error",
    "parse_address",
    "parse_base64",
    "parse_bool",
    "parse_date",
    "parse_network",
    "parse_number",
]
