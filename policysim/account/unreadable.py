"""Which accounts that could not be read (`Snapshot.unreadable`) a question depends on.

`policysim fetch --org` records the accounts it could not read and goes on; the directory loads
without them. An answer that may be wrong for want of one of them must say so (docs/fetch-org.md):

* a question over the whole organization (who-can, paths, a query's `who can`) depends on every
  account that was not read: its principals are not there to be listed;
* a question about one caller (check, explain, a query's `can`, each test of `policysim test`)
  depends on the account that owns the resource when that account was not read (its resource
  policy, Block Public Access and RCPs are unknown), and on every account that was not read
  when the resource is in no account that was read and its ARN names no account (an S3
  bucket: its owner cannot be told). A question on `*` depends on no other account. The caller
  itself is always a principal of an account that was read: naming one of an account that was
  not read is an error (`Resolver` says which).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from policysim.account.model import UnreadableAccount
from policysim.policy.arn import parse_arn

if TYPE_CHECKING:
    from policysim.account.resolve import Resolver


def unreadable_for_request(
    resolver: Resolver, actions: Iterable[str], resource: str
) -> list[UnreadableAccount]:
    """The accounts not read that an answer for `actions` on `resource` depends on (see the
    module), in id order."""
    unreadable = resolver.snapshot.unreadable
    if not unreadable or resource == "*":
        return []
    arn = parse_arn(resource)
    if arn is None:
        return []
    owners: set[str] = set()
    for action in actions:
        entry, owner = resolver.find_resource(resource, action)
        if owner is not None:
            owners.add(owner)
        elif entry is None and not arn.account:
            return list(unreadable)
    return [u for u in unreadable if u.account_id in owners]


def unreadable_for_organization(resolver: Resolver) -> list[UnreadableAccount]:
    """The accounts not read that an organization-wide answer depends on: all of them."""
    return list(resolver.snapshot.unreadable)
