"""The scenario accounts of tests/paths/data (the contract's format), and pathscore's own.

`data/scenarios.yaml` must exist: a missing file is a failure, never a silent skip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

DATA = Path(__file__).parent / "data"
SHARED = DATA / "scenarios.yaml"
OWN = DATA / "own" / "scenarios.yaml"


def _load(path: Path) -> list[tuple[str, dict[str, Any], Path]]:
    if not path.is_file():
        return [("missing: " + str(path.relative_to(DATA)), {}, path.parent)]
    scenarios = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [(s["name"], s, path.parent) for s in scenarios]


CASES = _load(SHARED) + _load(OWN)


@pytest.mark.parametrize(("name", "scenario", "base"), CASES, ids=[c[0] for c in CASES])
def test_scenario(name: str, scenario: dict[str, Any], base: Path, scenario_runner: Any) -> None:
    assert scenario, f"{name}: the scenario file is missing"
    scenario_runner(scenario, base)


def test_there_are_enough_shared_scenarios() -> None:
    """The issue asks for at least 20 scenario accounts."""
    assert SHARED.is_file(), "tests/paths/data/scenarios.yaml is missing"
    scenarios = yaml.safe_load(SHARED.read_text(encoding="utf-8")) or []
    assert len({s["account"] for s in scenarios}) >= 20
