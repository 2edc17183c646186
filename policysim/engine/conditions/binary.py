"""The `BinaryEquals` condition operator (spec §3.2).

The policy value is base64 text; the request context also carries binary values as base64
strings (spec: "in the context map, accept base64 strings"). Comparing the *decoded* bytes makes
two encodings of the same bytes equal (padding present or omitted).
"""

from __future__ import annotations

import base64
import binascii
from functools import lru_cache


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


def binary_equals(request: str, policy: str) -> bool:
    """The decoded request bytes equal the decoded policy bytes; false if either is invalid."""
    r = parse_base64(request)
    return r is not None and r == parse_base64(policy)
