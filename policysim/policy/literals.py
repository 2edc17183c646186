"""Typed condition literals: what a number, a date, a boolean, base64 and an IP block look like.

Part of the policy language, so it lives here: the engine parses request values with the same
functions (its comparators), the linter reports policy values that fail them (PS109, PS024), and
policy validation refuses documents whose typed values IAM would reject.

Dates (the W3C profile of ISO 8601): `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, `YYYY-MM-DDThh:mmTZD`,
`YYYY-MM-DDThh:mm:ssTZD`, `YYYY-MM-DDThh:mm:ss.sTZD` (TZD `Z` or `+hh:mm`/`-hh:mm`; a missing TZD
means UTC), or epoch seconds. Exactly four unsigned digits are a year, not epoch seconds.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from types import MappingProxyType
from typing import TypeAlias

from policysim.policy.operators import Family, Operator

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


@lru_cache(maxsize=1024)
def parse_bool(text: str) -> bool | None:
    """Return True/False for a case-insensitive `true`/`false`, otherwise None.

    ASCII-only lowering so that no exotic Unicode case mapping can turn some other text into
    `true`.
    """
    if not text.isascii():
        return None
    lowered = text.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    return None


@lru_cache(maxsize=4096)
def parse_base64(text: str) -> bytes | None:
    """Decode standard-alphabet base64, or return None when `text` is not base64.

    Strict about the alphabet (no whitespace, no URL-safe `-`/`_`), lenient about missing or
    partial `=` padding, which common decoders (Java's among them) also accept.
    """
    if not text.isascii():
        return None
    body = text.rstrip("=")
    missing = -len(body) % 4  # the padding a complete encoding would carry
    if missing == 3 or len(text) - len(body) > missing:  # impossible length, or excess `=`
        return None
    try:
        return base64.b64decode(body + "=" * missing, validate=True)
    except (binascii.Error, ValueError):
        return None


Address: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address
Network: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network


def _plain(text: str) -> bool:
    """Reject what `ipaddress` tolerates but IAM values never hold: padding and IPv6 zone ids."""
    return text == text.strip() and "%" not in text and text != ""


@lru_cache(maxsize=65536)
def parse_address(text: str) -> Address | None:
    """Parse a request IP address, or return None (a CIDR is not an address)."""
    if not _plain(text) or "/" in text:
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


@lru_cache(maxsize=65536)
def parse_network(text: str) -> Network | None:
    """Parse a policy CIDR block or bare address, or return None.

    Host bits are accepted and dropped (`10.0.0.1/24` is `10.0.0.0/24`), as AWS does; the linter
    suggests the canonical form (PS507). The prefix must be a decimal length: the dotted netmask
    and hostmask forms `ipaddress` would also take are not CIDR notation.
    """
    if not _plain(text):
        return None
    _, slash, prefix = text.partition("/")
    if slash and not (prefix.isascii() and prefix.isdigit()):
        return None
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


_LITERAL_CHECKS: Mapping[Family, tuple[Callable[[str], object], str]] = MappingProxyType(
    {
        Family.NUMERIC: (parse_number, "a number"),
        Family.DATE: (parse_date, "an ISO 8601 date or epoch seconds"),
        Family.BOOL: (parse_bool, "true or false"),
        Family.NULL: (parse_bool, "true or false"),
        Family.BINARY: (parse_base64, "base64"),
        Family.IP: (parse_network, "an IP address or CIDR"),
    }
)
"""Family -> (parser returning None on failure, what a valid literal is)."""


def literal_error(op: Operator, policy_value: str) -> str | None:
    """Say in one line why `policy_value` can never match under `op`'s family, else None.

    String and ARN values are always acceptable here (they may hold policy variables, and any
    text is a valid glob). `Null` values must be `true` or `false`, like `Bool`. The caller
    decides whether to check values that still contain `${...}` variables (possible for `Bool`).
    """
    check = _LITERAL_CHECKS.get(op.family)
    if check is None:
        return None
    parse, expected = check
    return None if parse(policy_value) is not None else f"{policy_value!r} is not {expected}"
