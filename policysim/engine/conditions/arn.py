"""The ARN condition operators (spec §3.2): `ArnLike`, and `ArnEquals`, which behaves identically.

The request value must be a well-formed six-part ARN, otherwise nothing matches (and the negated
operators are therefore true). The policy value is compared segment by segment, each segment a
case-sensitive glob; `*` and `?` never cross `:` in partition, service, region or account, but may
in the resource segment. Unlike `StringLike`, this keeps
`arn:aws:someservice:*:111122223333:finance/*` from matching an ARN whose *resource* merely
contains `:111122223333:finance/`.
"""

from __future__ import annotations

from policysim.policy.arn import compile_arn_glob, parse_arn


def arn_like(request: str, policy: str) -> bool:
    """The request ARN matches the policy ARN pattern, all segments compared case-sensitively."""
    if parse_arn(request) is None:
        return False
    return compile_arn_glob(policy, head_ignore_case=False)(request)
