"""One fixture account per method (tests/paths/data/methods/<id>.yaml): the `attacker` has a
path whose first hop uses the method, the `nearmiss` (one ingredient missing) has none.

Every shipped method must have its fixture: a missing one is a failure, not a skip. The
methods pathscore wrote fixtures for while developing (data/own/methods) run too."""

from __future__ import annotations

from pathlib import Path

import pytest

from policysim.account.loaders import load_snapshot
from policysim.paths import find_paths, shipped_methods

DATA = Path(__file__).parent / "data"
SHARED = DATA / "methods"
OWN = DATA / "own" / "methods"
METHOD_IDS = sorted(shipped_methods().methods)


def _cases() -> list[tuple[str, Path]]:
    cases = [(method_id, SHARED / f"{method_id}.yaml") for method_id in METHOD_IDS]
    cases += [(p.stem, p) for p in sorted(OWN.glob("*.yaml"))]
    return cases


CASES = _cases()


def _named(arn: str, name: str) -> bool:
    return arn.endswith((f":user/{name}", f":role/{name}"))


@pytest.mark.parametrize(
    ("method_id", "path"), CASES, ids=[f"{p.parent.parent.name}/{m}" for m, p in CASES]
)
def test_method_fixture(method_id: str, path: Path) -> None:
    assert path.is_file(), f"no fixture account for {method_id}: {path}"
    snapshot = load_snapshot(path)
    assert any(
        "nearmiss" in account.users or "nearmiss" in account.roles
        for account in snapshot.accounts.values()
    ), f"{method_id}: the fixture has no user or role named nearmiss"
    report = find_paths(path)
    attackers = [p for p in report.paths if _named(p.source, "attacker")]
    assert attackers, f"{method_id}: the attacker has no path ({[p.source for p in report.paths]})"
    first = attackers[0].hops[0].method.id
    assert first == method_id, f"{method_id}: the attacker's first hop uses {first}"
    for near in report.paths:
        assert not _named(near.source, "nearmiss"), (
            f"{method_id}: the near miss has a path {[h.method.id for h in near.hops]}"
        )
    assert not [a for a in report.reached if _named(a, "nearmiss")], (
        f"{method_id}: the near miss is already admin"
    )
