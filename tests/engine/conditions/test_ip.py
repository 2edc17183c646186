"""IpAddress (spec §3.2 "IP"): CIDR membership, IPv4 and IPv6 kept apart."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policysim.engine.conditions.ip import ip_address, parse_address, parse_network


@pytest.mark.parametrize(
    ("request_value", "policy_value", "expected"),
    [
        ("203.0.113.5", "203.0.113.0/24", True),
        ("203.0.113.255", "203.0.113.0/24", True),
        ("203.0.114.5", "203.0.113.0/24", False),
        ("203.0.113.5", "203.0.113.5", True),  # a bare address is a /32
        ("203.0.113.6", "203.0.113.5", False),
        ("203.0.113.5", "203.0.113.5/32", True),
        ("10.0.0.200", "10.0.0.1/24", True),  # host bits set: truncated to 10.0.0.0/24
        ("10.0.1.1", "10.0.0.1/24", False),
        ("198.51.100.7", "0.0.0.0/0", True),
        # IPv6: compressed or not, any letter case
        ("2001:db8:1234:5678:abcd::1", "2001:DB8:1234:5678::/64", True),
        ("2001:0DB8:1234:5678:0000:0000:0000:0001", "2001:db8:1234:5678::/64", True),
        ("2001:db8:1234:5679::1", "2001:DB8:1234:5678::/64", False),
        ("2001:DB8::1", "2001:db8::1", True),  # a bare IPv6 address is a /128
        ("2001:db8::2", "2001:db8::1", False),
        ("2001:db8::1", "::/0", True),
        # IPv4 never inside IPv6 and the reverse
        ("203.0.113.5", "::/0", False),
        ("2001:db8::1", "0.0.0.0/0", False),
        ("::ffff:203.0.113.5", "203.0.113.0/24", False),  # a mapped address is IPv6
        ("203.0.113.5", "::ffff:203.0.113.0/120", False),
        # invalid on either side never matches
        ("203.0.113.0/24", "203.0.113.0/24", False),  # the request is an address, not a block
        ("10.0.0", "10.0.0.0/8", False),
        ("", "0.0.0.0/0", False),
        ("not-an-ip", "0.0.0.0/0", False),
        ("10.0.0.1", "10.0.0", False),
        ("10.0.0.1", "10.0.0.0/33", False),
        ("10.0.0.1", "", False),
    ],
)
def test_ip_address(request_value: str, policy_value: str, expected: bool) -> None:
    assert ip_address(request_value, policy_value) is expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "10.0.0",
        "10.0.0.0/33",
        "2001:db8::/129",
        "10.0.0.0/",
        "10.0.0.0/-1",
        "10.0.0.0/255.255.255.0",  # netmask form is not CIDR notation
        "10.0.0.0/0.0.0.255",
        "010.0.0.1",  # leading zeros are ambiguous (octal)
        " 10.0.0.1",
        "10.0.0.1 ",
        "fe80::1%eth0",  # zone ids do not occur in IAM values
        "2001:db8:::1",
        "256.0.0.1",
        "localhost",
    ],
)
def test_parse_network_rejects(text: str) -> None:
    assert parse_network(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("203.0.113.0/24", "203.0.113.0/24"),
        ("203.0.113.77/24", "203.0.113.0/24"),
        ("203.0.113.77", "203.0.113.77/32"),
        ("2001:DB8:1234:5678::/64", "2001:db8:1234:5678::/64"),
        ("2001:db8::1", "2001:db8::1/128"),
        ("::/0", "::/0"),
    ],
)
def test_parse_network_accepts(text: str, expected: str) -> None:
    assert str(parse_network(text)) == expected


@pytest.mark.parametrize("text", ["10.0.0.0/24", "10.0.0", "", "fe80::1%eth0", " 10.0.0.1"])
def test_parse_address_rejects(text: str) -> None:
    assert parse_address(text) is None


def test_parsers_are_cached() -> None:
    assert hasattr(parse_address, "cache_info")
    assert hasattr(parse_network, "cache_info")


v4 = st.ip_addresses(v=4)
v6 = st.ip_addresses(v=6)


@given(st.ip_addresses())
def test_address_inside_its_own_host_block(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> None:
    host = 32 if address.version == 4 else 128
    assert ip_address(str(address), str(address))
    assert ip_address(str(address), f"{address}/{host}")
    assert ip_address(str(address).upper(), str(address).lower())


@given(v4, st.integers(min_value=0, max_value=32))
def test_v4_address_inside_any_block_written_from_it(
    address: ipaddress.IPv4Address, prefix: int
) -> None:
    assert ip_address(str(address), f"{address}/{prefix}")


@given(v6, st.integers(min_value=0, max_value=128))
def test_v6_address_inside_any_block_written_from_it(
    address: ipaddress.IPv6Address, prefix: int
) -> None:
    assert ip_address(address.exploded.upper(), f"{address.compressed}/{prefix}")


@given(v4, v6, st.integers(min_value=0, max_value=32), st.integers(min_value=0, max_value=128))
def test_families_never_mix(
    a4: ipaddress.IPv4Address, a6: ipaddress.IPv6Address, p4: int, p6: int
) -> None:
    assert not ip_address(str(a4), f"{a6}/{p6}")
    assert not ip_address(str(a6), f"{a4}/{p4}")


@given(v4, v4, st.integers(min_value=0, max_value=32))
def test_membership_agrees_with_ipaddress(
    request_address: ipaddress.IPv4Address, base: ipaddress.IPv4Address, prefix: int
) -> None:
    network = ipaddress.ip_network(f"{base}/{prefix}", strict=False)
    assert ip_address(str(request_address), f"{base}/{prefix}") is (request_address in network)


@given(st.text())
def test_never_raises(text: str) -> None:
    assert isinstance(ip_address(text, text), bool)
