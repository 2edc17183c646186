"""Properties of the search over small generated accounts.

* Adding a Deny statement anywhere never adds a path, nor shortens one.
* Removing a statement a reported path relies on removes that path: the source then has no
  path, or another one that does not cite the statement.
* Every AssumeRole hop of a reported path is allowed by the engine when asked directly.
* Leaving out the edges of principals already at the goal changes no report.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policysim.account.loaders import load_snapshot
from policysim.account.resolve import Resolver
from policysim.account.workspace import aws_managed
from policysim.paths import PathsReport, find_paths

ACCOUNT = "111111111111"
USERS = ["u0", "u1"]
ROLES = ["r0", "r1", "r2"]
ARNS = [f"arn:aws:iam::{ACCOUNT}:user/{u}" for u in USERS] + [
    f"arn:aws:iam::{ACCOUNT}:role/{r}" for r in ROLES
]
ACTIONS = [
    "sts:AssumeRole",
    "iam:PutRolePolicy",
    "iam:PutUserPolicy",
    "iam:AttachRolePolicy",
    "iam:CreateAccessKey",
    "iam:UpdateAssumeRolePolicy",
    "iam:PassRole",
    "lambda:CreateFunction",
    "lambda:InvokeFunction",
    "s3:GetObject",
]
RESOURCES = ["*", *ARNS, f"arn:aws:iam::{ACCOUNT}:role/r*", f"arn:aws:iam::{ACCOUNT}:role/r1*"]
TRUSTS = ["root", "lambda", *ARNS]


def _statements(actions: list[str]) -> st.SearchStrategy[list[tuple[str, str]]]:
    return st.lists(
        st.tuples(st.sampled_from(actions), st.sampled_from(RESOURCES)), min_size=0, max_size=3
    )


@st.composite
def accounts(draw: st.DrawFn, actions: list[str] = ACTIONS) -> dict[str, Any]:
    counter = iter(range(1000))
    statements = _statements(actions)

    def policy(pairs: list[tuple[str, str]]) -> dict[str, Any]:
        return {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": f"S{next(counter)}", "Effect": "Allow", "Action": a, "Resource": r}
                for a, r in pairs
            ],
        }

    users: dict[str, Any] = {}
    for name in USERS:
        pairs = draw(statements)
        users[name] = {"inline": {"P": policy(pairs)}} if pairs else {}
    roles: dict[str, Any] = {}
    for name in ROLES:
        trust = draw(st.sampled_from(TRUSTS))
        role: dict[str, Any] = {}
        if trust == "root":
            role["trust_account"] = ACCOUNT
        elif trust == "lambda":
            role["trust_service"] = "lambda.amazonaws.com"
        else:
            role["trust"] = {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": f"T{next(counter)}",
                        "Effect": "Allow",
                        "Principal": {"AWS": trust},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        pairs = draw(statements)
        if pairs:
            role["inline"] = {"P": policy(pairs)}
        if draw(st.booleans()):
            role["policies"] = ["AdministratorAccess"]
        roles[name] = role
    return {"account": ACCOUNT, "users": users, "roles": roles}


def _report(account: dict[str, Any]) -> PathsReport:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "account.yaml"
        path.write_text(yaml.safe_dump(account), encoding="utf-8")
        resolver = Resolver(load_snapshot(path), managed_lookup=aws_managed)
        return find_paths(resolver)


def _lengths(report: PathsReport) -> dict[str, int]:
    found = {p.source: len(p.hops) for p in report.paths}
    found.update(dict.fromkeys(report.reached, 0))
    return found


def _principal(account: dict[str, Any], arn: str) -> dict[str, Any]:
    kind, name = arn.rsplit(":", 1)[1].split("/")
    return account["users" if kind == "user" else "roles"][name]


FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(
    accounts(),
    st.sampled_from(ARNS),
    st.sampled_from([*ACTIONS, "*"]),
    st.sampled_from(RESOURCES),
)
def test_adding_a_deny_never_adds_a_path(
    account: dict[str, Any], who: str, action: str, resource: str
) -> None:
    before = _lengths(_report(account))
    principal = _principal(account, who)
    principal.setdefault("inline", {})["Deny"] = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": action, "Resource": resource}],
    }
    after = _lengths(_report(account))
    for source, hops in after.items():
        assert source in before, f"the Deny gave {source} a path"
        assert hops >= before[source], f"the Deny shortened the path of {source}"


def _sid_owner(account: dict[str, Any], sid: str) -> tuple[list[dict[str, Any]], int] | None:
    for table in ("users", "roles"):
        for principal in account[table].values():
            documents = list((principal.get("inline") or {}).values())
            if "trust" in principal:
                documents.append(principal["trust"])
            for document in documents:
                for index, statement in enumerate(document["Statement"]):
                    if statement.get("Sid") == sid:
                        return document["Statement"], index
    return None


@FAST
@given(accounts(), st.data())
def test_removing_a_statement_a_path_relies_on_removes_that_path(
    account: dict[str, Any], data: st.DataObject
) -> None:
    report = _report(account)
    candidates = [
        (path, statement)
        for path in report.paths
        for statement in path.statements()
        if statement.sid and _sid_owner(account, statement.sid) is not None
    ]
    if not candidates:
        return
    path, statement = data.draw(st.sampled_from(candidates))
    assert statement.sid is not None
    owner = _sid_owner(account, statement.sid)
    assert owner is not None
    statements_list, index = owner
    del statements_list[index]
    after = {p.source: p for p in _report(account).paths}
    again = after.get(path.source)
    if again is not None:
        assert statement.sid not in {s.sid for s in again.statements()}


@FAST
@given(accounts())
def test_every_assume_role_hop_is_allowed_when_asked_directly(account: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "account.yaml"
        path.write_text(yaml.safe_dump(account), encoding="utf-8")
        resolver = Resolver(load_snapshot(path), managed_lookup=aws_managed)
        report = find_paths(resolver)
        for found in report.paths:
            for hop in found.hops:
                if hop.method.id != "sts-001":
                    continue
                caller = resolver.find("arn", hop.source)
                result = resolver.decide(caller, "sts:AssumeRole", hop.to)
                assert result.allowed, (hop.source, hop.to, result.reason)


@FAST
@given(accounts(actions=["sts:AssumeRole", "s3:GetObject"]))
def test_assume_role_paths_match_a_naive_search_over_every_pair(account: dict[str, Any]) -> None:
    """Stacks, indexes and shared decisions change nothing: the same lengths as asking the
    engine about every (caller, role) pair and searching breadth first."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "account.yaml"
        path.write_text(yaml.safe_dump(account), encoding="utf-8")
        resolver = Resolver(load_snapshot(path), managed_lookup=aws_managed)
        report = find_paths(resolver)
        callers = {arn: resolver.find("arn", arn) for arn in ARNS}
        roles = [a for a in ARNS if ":role/" in a]
        admins = {
            r for r in roles if "AdministratorAccess" in _principal(account, r).get("policies", [])
        }
        edges = {
            (s, r)
            for s in ARNS
            for r in roles
            if s != r and resolver.decide(callers[s], "sts:AssumeRole", r).allowed
        }
        distance = dict.fromkeys(admins, 0)
        frontier = set(admins)
        while frontier:
            frontier = {s for s, r in edges if r in frontier and s not in distance}
            for s in frontier:
                distance[s] = min(distance[r] for s2, r in edges if s2 == s and r in distance) + 1
        assert _lengths(report) == distance


@FAST
@given(accounts())
def test_leaving_out_the_edges_of_principals_at_the_goal_changes_no_answer(
    account: dict[str, Any],
) -> None:
    """The builder skips the edges and modifications of stacks already at the goal (admins
    here): the whole report, hop by hop, is the one built with them."""
    from unittest import mock

    from policysim.paths.edges import Builder

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "account.yaml"  # one file: locations in the report name it
        path.write_text(yaml.safe_dump(account), encoding="utf-8")
        pruned = find_paths(path)
        with mock.patch.object(Builder, "at_goal", lambda self, stack: False):
            full = find_paths(path)
    assert pruned.to_json() == full.to_json()
