"""The resolver finds a resource's policy in whichever account holds it, through an index."""

from __future__ import annotations

from policysim.account.model import Resource
from policysim.account.resolve import Resolver
from policysim.policy.model import Policy


def test_an_object_is_governed_by_its_bucket_in_another_account(make_org_resolver: object) -> None:
    resolver: Resolver = make_org_resolver(12)  # type: ignore[operator]
    entry, owner = resolver.find_resource("arn:aws:s3:::org-shared-data/a/b.csv", "s3:GetObject")
    assert entry is not None and entry.arn == "arn:aws:s3:::org-shared-data"
    assert owner == "100000000000"
    assert resolver.find_resource("arn:aws:s3:::nobody-has-it/x", "s3:GetObject") == (None, None)


def test_an_arn_held_by_two_accounts_goes_to_the_first(make_org_resolver: object) -> None:
    resolver: Resolver = make_org_resolver(6)  # type: ignore[operator]
    later = resolver.snapshot.accounts["100000000004"]
    arn = "arn:aws:s3:::org-shared-data"
    later.resources[arn] = Resource(arn=arn, policy=Policy.model_validate({"Statement": []}))
    fresh = Resolver(resolver.snapshot)
    entry, owner = fresh.find_resource(f"{arn}/k", "s3:GetObject")
    assert owner == "100000000000"
    assert entry is resolver.snapshot.accounts["100000000000"].resources[arn]
