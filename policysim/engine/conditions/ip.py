"""The `IpAddress` condition operator (spec §3.2 "IP").

The policy value is a CIDR block (`203.0.113.0/24`, `2001:DB8:1234:5678::/64`) or a bare address,
which means a single host (`/32` for IPv4, `/128` for IPv6). The request value is one address.
IPv6 is parsed in any valid (compressed, mixed-case) spelling by `ipaddress`. An IPv4 address is
never inside an IPv6 block nor the reverse, so `NotIpAddress` is true across families.
"""

from __future__ import annotations

from policysim.policy.literals import parse_address, parse_network


def ip_address(request: str, policy: str) -> bool:
    """The request address lies inside the policy block of the same IP version."""
    address, network = parse_address(request), parse_network(policy)
    if address is None or network is None or address.version != network.version:
        return False
    return address in network
