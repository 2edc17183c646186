"""The `IpAddress` condition operator (spec §3.2 "IP").

The policy value is a CIDR block (`203.0.113.0/24`, `2001:DB8:1234:5678::/64`) or a bare address,
which means a single host (`/32` for IPv4, `/128` for IPv6). The request value is one address.
IPv6 is parsed in any valid (compressed, mixed-case) spelling by `ipaddress`. An IPv4 address is
never inside an IPv6 block nor the reverse, so `NotIpAddress` is true across families.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import TypeAlias

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


def ip_address(request: str, policy: str) -> bool:
    """The request address lies inside the policy block of the same IP version."""
    address, network = parse_address(request), parse_network(policy)
    if address is None or network is None or address.version != network.version:
        return False
    return address in network
