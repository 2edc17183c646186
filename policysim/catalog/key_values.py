"""Request context values checked against their condition key's declared type.

AWS fills a typed key with a value of its type: `aws:SourceIp` holds an IP address,
`aws:CurrentTime` a date, `s3:max-keys` a number, `aws:MultiFactorAuthPresent` `true` or
`false`, `aws:SourceArn` an ARN. A request context that gives something else (`999.1.1.1`, month
13, `abc`, `maybe`) describes no request AWS could see: every condition on the key would quietly
be false, and a `Not*` operator or a Deny would then flip the decision. So every place a user
supplies context values (`--context`, batch cases, query `when` clauses, test files) refuses
them with this check.

The parsers are the condition operators' own (`policy/literals.py`, `policy/arn.py`): a value
accepted here is exactly a value the operators can compare. Keys the catalog does not know
(custom keys, undeclared prefixes) and `String`-typed keys (tag keys among them) take any text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from policysim.catalog.catalog import get_catalog
from policysim.policy.arn import parse_arn
from policysim.policy.literals import parse_address, parse_bool, parse_date, parse_number

_CHECKS: Mapping[str, tuple[Callable[[str], object], str]] = MappingProxyType(
    {
        "Numeric": (parse_number, "a number"),
        "Date": (parse_date, "an ISO 8601 date or epoch seconds"),
        "Bool": (parse_bool, "true or false"),
        "IPAddress": (parse_address, "an IP address"),
        "ARN": (parse_arn, "an ARN of the form arn:partition:service:region:account:resource"),
    }
)
"""Catalog type (without `ArrayOf`) -> (the operators' parser, None on failure; what it takes)."""


def key_type(key: str) -> str | None:
    """The catalog's type for a context key (`IPAddress`, `ArrayOfARN`, ...); None if unknown."""
    info = get_catalog().condition_key(key)
    return info.type if info is not None else None


def context_value_error(key: str, value: str, *, shown: str | None = None) -> str | None:
    """Say in one line why `value` cannot be a value of `key`, else None.

    The message names the value (`shown` when the caller wants it spelt as the user wrote it,
    e.g. a JSON `true`) and the expected type; the caller puts the key, or the field that held
    it, in front. Each element of an `ArrayOf...` key is checked on its own.
    """
    declared = key_type(key)
    if declared is None:
        return None
    check = _CHECKS.get(declared.removeprefix("ArrayOf"))
    if check is None:
        return None
    parse, expected = check
    if parse(value) is not None:
        return None
    return f"{shown or repr(value)} is not {expected} (the key's type is {declared})"
