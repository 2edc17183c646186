"""Shared by the paths tests: running a scenario file of the contract's format.

A scenario names an account file, a target and what must hold: every `paths` source has a
shortest path of `hops` hops (with these `rules`, and annotations containing these texts),
every `no_path` source has none, and the `admins` are exactly the principals already at the
target. The runner is a fixture (tests never import from the tests package)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from policysim.paths import PathsReport, find_paths

DATA = Path(__file__).parent / "data"

ScenarioRunner = Callable[[dict[str, Any], Path], PathsReport]


def _target(raw: Any) -> str | tuple[str, str]:
    if raw in (None, "admin"):
        return "admin"
    return raw["action"], raw["resource"]


def run_scenario(scenario: dict[str, Any], base: Path) -> PathsReport:
    """Check one scenario against `find_paths`; returns the report for further checks."""
    account = base / scenario["account"]
    assert account.is_file(), f"{scenario['name']}: no account file {account}"
    report = find_paths(account, _target(scenario.get("target")))
    by_source = {p.source: p for p in report.paths}
    problems: list[str] = []
    for expected in scenario.get("paths") or []:
        source = expected["source"]
        found = by_source.get(source)
        if found is None:
            problems.append(f"{source}: expected a path, found none")
            continue
        rules = [h.method.id for h in found.hops]
        if len(found.hops) != expected["hops"]:
            problems.append(f"{source}: expected {expected['hops']} hops, found {rules}")
        if "rules" in expected and rules != expected["rules"]:
            problems.append(f"{source}: expected rules {expected['rules']}, found {rules}")
        notes = [n for h in found.hops for n in h.annotations]
        for text in expected.get("annotations") or []:
            if not any(text in n for n in notes):
                problems.append(f"{source}: no annotation containing {text!r} in {notes}")
    for source in scenario.get("no_path") or []:
        if source in by_source:
            rules = [h.method.id for h in by_source[source].hops]
            problems.append(f"{source}: expected no path, found {rules}")
        if source in report.reached:
            problems.append(f"{source}: expected no path, but it is already at the target")
    if "admins" in scenario:
        expected_admins = set(scenario["admins"] or [])
        if set(report.reached) != expected_admins:
            problems.append(
                f"already at the target: expected {sorted(expected_admins)},"
                f" found {sorted(report.reached)}"
            )
    assert not problems, f"{scenario['name']}:\n  " + "\n  ".join(problems)
    return report


@pytest.fixture
def scenario_runner() -> ScenarioRunner:
    return run_scenario
