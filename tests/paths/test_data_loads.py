"""The paths test data is what it claims: every account file loads without warnings, every
scenario names principals of its account (and all of them), and there is one fixture account per
escalation method, with its `attacker` and `nearmiss`.

This checks the data, not `policysim paths`: the expectations themselves are run by the paths
tests. A typo here (a principal that does not exist, a method id nobody defines) would make those
tests pass or fail for the wrong reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from policysim.account.loaders import load_snapshot
from policysim.account.model import Snapshot
from policysim.account.resolve import Resolver
from policysim.account.workspace import aws_managed

DATA = Path(__file__).parent / "data"
ACCOUNTS = sorted((DATA / "accounts").glob("*.yaml"))
METHODS = sorted((DATA / "methods").glob("*.yaml"))
SCENARIOS: list[dict[str, Any]] = yaml.safe_load((DATA / "scenarios.yaml").read_text())

METHOD_IDS = (
    *(f"iam-{n:03d}" for n in (1, 2, *range(4, 22))),
    "sts-001",
    "ps-delete-own-boundary",
    "ps-set-default-policy-version",
    "lambda-001",
    "lambda-002",
    "lambda-006",
    "ec2-001",
    "ec2-003",
    "cloudformation-001",
    "cloudformation-003",
    "codebuild-001",
    "codebuild-004",
    "glue-001",
    "glue-003",
    "glue-004",
    "sagemaker-001",
    "sagemaker-002",
    "sagemaker-003",
    *(f"ecs-{n:03d}" for n in range(1, 6)),
    "datapipeline-001",
    "apprunner-001",
)
"""The contract's minimum set of method ids (pathfinding.cloud's where one exists)."""

SCENARIO_KEYS = {"name", "account", "target", "paths", "no_path", "admins"}
PATH_KEYS = {"source", "hops", "rules", "annotations"}


def principal_arns(snapshot: Snapshot) -> set[str]:
    """The ARN of every user and role of every account of the snapshot."""
    return {
        entity.arn
        for account in snapshot.accounts.values()
        for table in (account.users, account.roles)
        for entity in table.values()
    }


@pytest.mark.parametrize("path", ACCOUNTS + METHODS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_account_file_loads_without_warnings(path: Path) -> None:
    snapshot = load_snapshot(path)
    assert snapshot.warnings == []
    assert set(snapshot.accounts) <= {"111111111111", "222222222222"}
    # Every attached managed policy resolves (AWS managed ones from the bundled copy).
    resolver = Resolver(snapshot, managed_lookup=aws_managed)
    for target in resolver.principals():
        resolver.identity_policies(target)
        resolver.boundary(target)


def test_there_are_enough_scenarios_and_each_account_is_used() -> None:
    assert len(SCENARIOS) >= 20
    used = {scenario["account"] for scenario in SCENARIOS}
    assert used == {f"accounts/{path.name}" for path in ACCOUNTS}
    names = [scenario["name"] for scenario in SCENARIOS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s["account"])
def test_scenario_names_principals_of_its_account(scenario: dict[str, Any]) -> None:
    assert set(scenario) <= SCENARIO_KEYS
    assert {"name", "account", "target", "paths", "no_path"} <= set(scenario)
    snapshot = load_snapshot(DATA / scenario["account"])
    known = principal_arns(snapshot)
    target = scenario["target"]
    assert target == "admin" or set(target) == {"action", "resource"}
    sources = []
    for path in scenario["paths"]:
        assert set(path) <= PATH_KEYS and {"source", "hops"} <= set(path)
        assert path["hops"] >= 1
        rules = path.get("rules")
        if rules is not None:
            assert len(rules) == path["hops"]
            assert set(rules) <= set(METHOD_IDS)
        assert all(isinstance(a, str) and a for a in path.get("annotations", []))
        sources.append(path["source"])
    named = [*sources, *scenario["no_path"], *scenario.get("admins", [])]
    assert set(named) <= known, set(named) - known
    assert len(named) == len(set(named)), "a principal is listed twice"
    if target == "admin":
        # Every principal of the account is accounted for: with a path, without, or admin.
        assert set(named) == known


def test_one_fixture_per_method() -> None:
    assert {path.stem for path in METHODS} == set(METHOD_IDS)


@pytest.mark.parametrize("path", METHODS, ids=lambda p: p.stem)
def test_method_fixture_has_attacker_and_nearmiss(path: Path) -> None:
    snapshot = load_snapshot(path)
    [account] = snapshot.accounts.values()
    for name in ("attacker", "nearmiss"):
        assert (name in account.users) != (name in account.roles), name
    # The source names the pathfinding.cloud entry it follows, or says it has none.
    header = path.read_text().splitlines()[0]
    assert header.startswith(f"# {path.stem}: ")
    text = path.read_text()
    assert f"https://pathfinding.cloud/paths/{path.stem}" in text or (
        path.stem.startswith("ps-") and "No pathfinding.cloud entry" in text
    )
