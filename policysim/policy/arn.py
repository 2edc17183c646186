"""Amazon Resource Names: parsing and segment-wise glob matching.

An ARN is `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`, split on the first five colons; the
resource segment may itself hold `:` and `/`. In a policy pattern, `*` and `?` inside the first
five segments stay within the segment, while in the resource segment they may consume anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from policysim.policy.wildcard import Matcher, compile_glob, has_wildcard
from policysim.slots import slot_setters

_ACCOUNT_ID = re.compile(r"\d{12}")


def is_account_id(text: str) -> bool:
    """A 12-digit AWS account id (the one check engine, account and lint all use)."""
    return _ACCOUNT_ID.fullmatch(text) is not None


@dataclass(frozen=True, slots=True)
class Arn:
    """A parsed ARN."""

    partition: str
    service: str
    region: str
    account: str
    resource: str

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"

    @property
    def resource_type(self) -> str:
        """The part of the resource segment before the first `/` or `:` (`user`, `role`, ...)."""
        return re.split(r"[/:]", self.resource, maxsplit=1)[0]

    @property
    def resource_name(self) -> str:
        """The last `/`-separated part of the resource segment (a user or role name)."""
        return self.resource.rsplit("/", 1)[-1]


@lru_cache(maxsize=65536)
def parse_arn(text: str) -> Arn | None:
    """Parse `text` as an ARN, or return None when it is not a six-part `arn:` string."""
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    # `Arn(*parts[1:])`, its slots filled directly (`policysim.slots`): the linter parses
    # thousands of distinct ARNs in a corpus, and the frozen `__init__` was most of the cost.
    arn: Arn = _new(Arn)
    _partition(arn, parts[1])
    _service(arn, parts[2])
    _region(arn, parts[3])
    _account(arn, parts[4])
    _resource(arn, parts[5])
    return arn


_new = object.__new__
_partition, _service, _region, _account, _resource = slot_setters(
    Arn, ("partition", "service", "region", "account", "resource")
)


def is_arn(text: str) -> bool:
    """True when `text` has the six-part ARN shape."""
    return parse_arn(text) is not None


def _segmentwise(parts: list[str], *, head_ignore_case: bool) -> Matcher:
    """An ARN glob matched segment by segment: the value is split at its first five colons,
    so a head segment's `*` or `?` can never cross one, and each segment is a plain glob
    (`compile_glob`, linear in the value's length)."""
    heads = [compile_glob(segment, head_ignore_case) for segment in parts[1:5]]
    tail = compile_glob(parts[5])
    arn = (lambda text: text.lower() == "arn") if head_ignore_case else "arn".__eq__

    def matches(value: str) -> bool:
        segments = value.split(":", 5)
        if len(segments) != 6 or not arn(segments[0]):
            return False
        return all(m(v) for m, v in zip(heads, segments[1:5], strict=True)) and tail(segments[5])

    return matches


@lru_cache(maxsize=65536)
def compile_arn_glob(pattern: str, *, head_ignore_case: bool = True) -> Matcher:
    """Compile a policy ARN pattern (Resource, ArnLike) into a predicate over ARN strings.

    `"*"` matches everything. A pattern that is not a six-part ARN matches nothing (IAM rejects
    it; the linter reports it). With `head_ignore_case`, partition, service, region and account
    compare case-insensitively (spec §2.2, §9.3 item 6); the resource segment never does.
    """
    if pattern == "*":
        return lambda value: True
    parts = pattern.split(":", 5)
    if len(parts) != 6 or parts[0].lower() != "arn":
        return lambda value: False
    if not has_wildcard(pattern) and not head_ignore_case:
        return pattern.__eq__
    return _segmentwise(parts, head_ignore_case=head_ignore_case)
