"""BinaryEquals (spec §3.2 "Binary"): decoded bytes compared, base64 on both sides."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policysim.engine.conditions.binary import binary_equals, parse_base64

DOC_VALUE = "QmluYXJ5VmFsdWVJbkJhc2U2NA=="  # the value in the AWS operator reference


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (DOC_VALUE, b"BinaryValueInBase64"),
        ("QmluYXJ5VmFsdWVJbkJhc2U2NA", b"BinaryValueInBase64"),  # padding omitted
        ("QmluYXJ5VmFsdWVJbkJhc2U2NA=", b"BinaryValueInBase64"),  # padding partial
        ("", b""),
        ("AAEC", b"\x00\x01\x02"),
        ("+/8=", b"\xfb\xff"),
    ],
)
def test_parse_base64_accepts(text: str, expected: bytes) -> None:
    assert parse_base64(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "%%%",
        "Q",  # one leftover character can never be base64
        "QQQQQ",
        "-_8=",  # URL-safe alphabet is not the standard one
        "QU JD",
        " QUJD",
        "QUJD\n",
        "=QUJD",
        "QU=JD",
        "QUJD====",
        "QUJD==",
        "QUJ==",
        "QQ===",
        "\u00c4\u00c4\u00c4\u00c4",
    ],
)
def test_parse_base64_rejects(text: str) -> None:
    assert parse_base64(text) is None


@pytest.mark.parametrize(
    ("request_value", "policy_value", "expected"),
    [
        (DOC_VALUE, DOC_VALUE, True),
        ("QmluYXJ5VmFsdWVJbkJhc2U2NA", DOC_VALUE, True),  # same bytes, different spelling
        ("QUJD", DOC_VALUE, False),
        ("%%%", "%%%", False),  # equal text, but not base64
        (DOC_VALUE, "%%%", False),
        ("", "", True),
    ],
)
def test_binary_equals(request_value: str, policy_value: str, expected: bool) -> None:
    assert binary_equals(request_value, policy_value) is expected


def test_parse_base64_is_cached() -> None:
    assert hasattr(parse_base64, "cache_info")


@given(st.binary())
def test_encoding_round_trips(data: bytes) -> None:
    encoded = base64.b64encode(data).decode()
    assert parse_base64(encoded) == data
    assert parse_base64(encoded.rstrip("=")) == data


@given(st.binary(), st.binary())
def test_equal_exactly_when_bytes_are_equal(a: bytes, b: bytes) -> None:
    ea, eb = base64.b64encode(a).decode(), base64.b64encode(b).decode()
    assert binary_equals(ea, eb) is (a == b)


@given(st.text())
def test_never_raises(text: str) -> None:
    assert isinstance(binary_equals(text, text), bool)
