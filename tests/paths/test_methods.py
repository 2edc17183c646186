"""One fixture account per method (tests/paths/data/methods/<id>.yaml): the `attacker` has a
path whose first hop uses the method, the `nearmiss` (one ingredient missing) has none.

Every shipped method must have its fixture: a missing one is a failure, not a skip. The
methods pathscore wrote fixtures for while developing (data/own/methods) run too."""

from __future__ import annotations

from pathlib import Path

import pytest

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


def _role(path: Path, name: str) -> list[str]:
    text = path.read_text(encoding="utf-8")
    account = (
        "222222222222"
        if '"222222222222"' in text and '"111111111111"' not in text
        else ("111111111111")
    )
    return [f"arn:aws:iam::{account}:user/{name}", f"arn:aws:iam::{account}:role/{name}"]


@pytest.mark.parametrize(
    ("method_id", "path"), CASES, ids=[f"{p.parent.parent.name}/{m}" for m, p in CASES]
)
def test_method_fixture(method_id: str, path: Path) -> None:
    assert path.is_file(), f"no fixture account for {method_id}: {path}"
    report = find_paths(path)
    by_source = {p.source: p for p in report.paths}
    attackers = [a for a in _role(path, "attacker") if a in by_source]
    assert attackers, f"{method_id}: the attacker has no path ({sorted(by_source)})"
    first = by_source[attackers[0]].hops[0].method.id
    assert first == method_id, f"{method_id}: the attacker's first hop uses {first}"
    for nearmiss in _role(path, "nearmiss"):
        assert nearmiss not in by_source, (
            f"{method_id}: the near miss has a path "
            f"{[h.method.id for h in by_source[nearmiss].hops]}"
        )
        assert nearmiss not in report.reached, f"{method_id}: the near miss is already admin"
