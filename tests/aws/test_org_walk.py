"""The organization walk of `fetch --org` (`aws/org.py`, `aws/org_tree.py`) on a stand-in
Organizations client: no network. The policies of the tree's nodes are listed several at a time,
never more than the bound, and the answer is the same whatever the bound."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from policysim.aws.clients import ClientFactory
from policysim.aws.org import walk_organization

ROOT = "r-root"
UNITS = {"ou-prod": ROOT, "ou-dev": ROOT, "ou-prod-eu": "ou-prod"}
ACCOUNTS = {
    "111111111111": ROOT,
    "222222222222": "ou-prod",
    "333333333333": "ou-prod-eu",
    "444444444444": "ou-dev",
    "555555555555": "ou-dev",
}
ATTACHED = {
    # Two different policies both named "Guard": the one met first in the walk keeps the name.
    ROOT: {"SERVICE_CONTROL_POLICY": [("p-full", "FullAWSAccess")]},
    "ou-prod": {"SERVICE_CONTROL_POLICY": [("p-guard1", "Guard")]},
    "ou-dev": {"SERVICE_CONTROL_POLICY": [("p-guard2", "Guard")]},
    "ou-prod-eu": {"RESOURCE_CONTROL_POLICY": [("p-rcp", "OnlyOrg")]},
    "333333333333": {"SERVICE_CONTROL_POLICY": [("p-guard1", "Guard")]},
}


class FakeOrganizations:
    """Answers the Organizations reads of the walk from the tables above; `gate` (if set)
    holds each `ListPoliciesForTarget` until as many are running at once."""

    def __init__(self, gate: threading.Barrier | None = None) -> None:
        self.gate = gate
        self.lock = threading.Lock()
        self.running = 0
        self.peak = 0
        self.calls: list[str] = []

    def describe_organization(self) -> dict[str, Any]:
        return {"Organization": {"Id": "o-test", "MasterAccountId": "111111111111"}}

    def describe_policy(self, PolicyId: str) -> dict[str, Any]:  # noqa: N803  (AWS's name)
        return {"Policy": {"Content": f'{{"Sid": "{PolicyId}"}}'}}

    def get_paginator(self, operation: str) -> Any:
        fake = self

        class Paginator:
            def paginate(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
                yield getattr(fake, operation)(**kwargs)

        return Paginator()

    def list_accounts(self) -> dict[str, Any]:
        return {"Accounts": [{"Id": a, "Status": "ACTIVE"} for a in ACCOUNTS]}

    def list_roots(self) -> dict[str, Any]:
        return {"Roots": [{"Id": ROOT, "Name": "Root"}]}

    def list_organizational_units_for_parent(self, ParentId: str) -> dict[str, Any]:  # noqa: N803
        units = [
            {"Id": u, "Name": u.removeprefix("ou-")} for u, p in UNITS.items() if p == ParentId
        ]
        return {"OrganizationalUnits": units}

    def list_accounts_for_parent(self, ParentId: str) -> dict[str, Any]:  # noqa: N803
        return {"Accounts": [{"Id": a} for a, p in ACCOUNTS.items() if p == ParentId]}

    def list_policies_for_target(self, TargetId: str, Filter: str) -> dict[str, Any]:  # noqa: N803
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
            self.calls.append(TargetId)
        try:
            if self.gate is not None:
                self.gate.wait()
            found = ATTACHED.get(TargetId, {}).get(Filter, [])
            return {"Policies": [{"Id": i, "Name": n} for i, n in found]}
        finally:
            with self.lock:
                self.running -= 1


class FakeFactory(ClientFactory):
    def __init__(self, org: FakeOrganizations) -> None:  # no boto3 session: nothing is sent
        self.org = org

    def client(self, service: str, region: str | None = None, *, max_attempts: int = 0) -> Any:
        assert service == "organizations"
        return self.org


def test_the_walk_gives_every_account_its_path_and_each_policy_one_name() -> None:
    organization, active = walk_organization(FakeFactory(FakeOrganizations()))
    assert active == sorted(ACCOUNTS)
    path = organization["account_paths"]["333333333333"]
    assert [level["id"] for level in path] == [ROOT, "ou-prod", "ou-prod-eu", "333333333333"]
    assert path[1] == {"id": "ou-prod", "name": "prod", "scps": ["Guard"], "rcps": []}
    assert path[2]["rcps"] == ["OnlyOrg"] and path[3]["scps"] == ["Guard"]
    dev = organization["account_paths"]["444444444444"][1]
    assert dev["scps"] == ["Guard (p-guard2)"]
    assert organization["policies"]["Guard (p-guard2)"]["document"] == '{"Sid": "p-guard2"}'
    assert organization["policies"]["OnlyOrg"]["type"] == "RCP"


@pytest.mark.parametrize("workers", [2, 3])
def test_policies_are_listed_side_by_side_within_the_bound(workers: int) -> None:
    serial = FakeOrganizations()
    expected = walk_organization(FakeFactory(serial), workers=1)
    assert serial.peak == 1
    # The first `workers` calls can only go on together: a serial walk would wait forever.
    gate = threading.Barrier(workers, timeout=30)
    parallel = FakeOrganizations(gate)
    original = parallel.list_policies_for_target

    def list_once_gated(TargetId: str, Filter: str) -> dict[str, Any]:  # noqa: N803
        with parallel.lock:
            first = len(parallel.calls) < workers
        if not first:
            parallel.gate = None
        return original(TargetId, Filter)

    parallel.list_policies_for_target = list_once_gated  # type: ignore[method-assign]
    assert walk_organization(FakeFactory(parallel), workers=workers) == expected
    assert parallel.peak == workers
    assert sorted(parallel.calls) == sorted(serial.calls)


def test_the_walk_clients_retry_in_adaptive_mode(aws_env: None) -> None:
    """The walk asks the factory for its client, and every factory client backs off
    adaptively (throttling slows it down instead of failing it), as the member fetch's do."""
    client = ClientFactory(endpoint_url="http://127.0.0.1:9", region="us-east-1").client(
        "organizations"
    )
    assert client.meta.config.retries["mode"] == "adaptive"
