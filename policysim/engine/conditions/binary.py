"""The `BinaryEquals` condition operator (spec §3.2).

The policy value is base64 text; the request context also carries binary values as base64
strings (spec: "in the context map, accept base64 strings"). Comparing the *decoded* bytes makes
two encodings of the same bytes equal (padding present or omitted).
"""

from __future__ import annotations

from policysim.policy.literals import parse_base64


def binary_equals(request: str, policy: str) -> bool:
    """The decoded request bytes equal the decoded policy bytes; false if either is invalid."""
    r = parse_base64(request)
    return r is not None and r == parse_base64(policy)
