"""Resource ARN patterns on the command line: `--resource 'arn:aws:s3:::logs-*/*'` asks about
every resource of the account files that the pattern names.

A request names one resource, so a pattern is answered resource by resource. The resources a
snapshot knows by ARN are those its files name: resources with a policy, tags or Block Public
Access settings (buckets, keys, queues, topics, functions, ...), and its users, groups, roles
and managed policies. S3 objects are never listed, so an S3 pattern with an object part
(`BUCKETS/KEY`) matches its bucket part against the buckets and keeps the object part as
written for each (`arn:aws:s3:::logs-a/*`), exactly as a literal `arn:aws:s3:::logs-a/*` is
asked about; a wildcard only in the object part (`arn:aws:s3:::logs/*`) is no pattern over
the snapshot and is asked about as written.
"""

from __future__ import annotations

from collections.abc import Iterator

from policysim.account.model import Snapshot
from policysim.policy.arn import compile_arn_glob, parse_arn
from policysim.policy.wildcard import has_wildcard


def _s3_parts(pattern: str) -> tuple[str, str] | None:
    """(bucket pattern, object part with its `/`) of a general purpose bucket's object ARN."""
    arn = parse_arn(pattern)
    if arn is None or arn.service != "s3" or arn.region or arn.account or "/" not in arn.resource:
        return None
    bucket, _, key = arn.resource.partition("/")
    return f"arn:{arn.partition}:s3:::{bucket}", "/" + key


def is_resource_pattern(text: str) -> bool:
    """Whether `text` names resources of the snapshot by a pattern (`*` alone, the request on
    every resource, is not one; nor is a wildcard in an S3 object key only)."""
    if text == "*" or not has_wildcard(text):
        return False
    s3 = _s3_parts(text)
    return has_wildcard(s3[0]) if s3 is not None else True


def known_arns(snapshot: Snapshot) -> Iterator[str]:
    """Every ARN the snapshot's files name, account by account."""
    for account in snapshot.accounts.values():
        yield from account.resources
        for table in (account.users, account.groups, account.roles):
            for entity in table.values():
                yield entity.arn
        yield from account.policies


def resources_matching(snapshot: Snapshot, pattern: str) -> list[str]:
    """The resources `pattern` names, in snapshot order without repeats (see the module
    docstring); empty when it names none. Matching follows a policy's Resource: segment by
    segment, the resource part case-sensitive."""
    s3 = _s3_parts(pattern)
    head, tail = s3 if s3 is not None else (pattern, "")
    matches = compile_arn_glob(head)
    found = (
        arn + tail
        for arn in known_arns(snapshot)
        if matches(arn) and not (tail and "/" in arn.split(":", 5)[-1])  # buckets, not objects
    )
    return list(dict.fromkeys(found))
