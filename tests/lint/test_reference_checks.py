"""The Access Analyzer reference benchmark as a test: every near miss is free of error- and
security-severity findings, and recall does not fall below the figure reached."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "benchmarks" / "lint_reference.py"

RECALL_FLOOR = 1.0
"""Share of triggering policies (blind checks aside) on which lint reports an expected rule;
raise it when lint finds more, never lower it to make a change pass."""
BY_TYPE_FLOOR = {"ERROR": 1.0, "SECURITY_WARNING": 1.0, "WARNING": 1.0, "SUGGESTION": 1.0}
BLIND_CEILING = 5
"""Checks not scored (retired ones and deliberate disagreements); a new one needs a reason in
the data."""
PARLIAMENT_RECALL_FLOOR = 1.0
"""The same for the cases rewritten from parliament's unit tests."""


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lint_reference", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return _load()


@pytest.fixture(scope="module")
def report(bench: ModuleType) -> object:
    return bench.evaluate(bench.load_entries())


def test_every_finding_type_and_the_whole_reference_are_covered(bench: ModuleType) -> None:
    entries = bench.load_entries()
    assert len(entries) >= 154
    assert {e.finding_type for e in entries} == set(bench.FINDING_TYPES)
    assert len({(e.check, e.policy_type) for e in entries}) == len(entries)


def test_no_near_miss_gets_an_error_or_security_finding(report: object) -> None:
    false_positives = {
        o.entry.check: [f"{f.rule}: {f.message}" for f in o.near_miss_blocking]
        for o in report.false_positives()  # type: ignore[attr-defined]
    }
    assert false_positives == {}


def test_recall_does_not_regress(report: object) -> None:
    misses = [o.entry.check for o in report.misses()]  # type: ignore[attr-defined]
    assert report.recall() >= RECALL_FLOOR, misses  # type: ignore[attr-defined]
    for finding_type, floor in BY_TYPE_FLOOR.items():
        assert report.recall(finding_type) >= floor, (finding_type, misses)  # type: ignore[attr-defined]
    assert len(report.blind()) <= BLIND_CEILING  # type: ignore[attr-defined]


def test_retired_checks_are_legal_now_and_get_no_error(bench: ModuleType) -> None:
    """The SCP constructs Access Analyzer stopped rejecting must not be rejected by lint."""
    retired = [e for e in bench.load_entries() if (e.blind or "").startswith("retired")]
    assert len(retired) == 4
    for entry in retired:
        found = bench.lint_text(entry.trigger, entry.policy_type)
        assert [f.rule for f in found if f.severity in bench.BLOCKING] == [], entry.check


def test_parliament_cases_recall_and_near_misses(bench: ModuleType) -> None:
    report = bench.evaluate(bench.load_entries(bench.PARLIAMENT_DATA))
    assert len(report.outcomes) >= 30
    assert {o.entry.check: o.near_miss_blocking for o in report.false_positives()} == {}
    misses = [o.entry.check for o in report.misses()]
    assert report.recall() >= PARLIAMENT_RECALL_FLOOR, misses


def test_the_measure_can_fail(bench: ModuleType) -> None:
    """A trigger that lint does not flag counts as a miss, and a near miss with an error counts
    as a false positive: the figures above are not true by construction."""
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
    clean = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    broken = json.dumps({"Version": "2012-10-17", "Statement": [{**statement, "Effect": "allow"}]})
    entry = bench.Entry("made up", "ERROR", "identity", ("PS008",), clean, broken, "identity")
    report = bench.evaluate([entry])
    assert report.recall() == 0.0 and report.false_positive_rate() == 1.0
    assert [o.entry.check for o in report.misses()] == ["made up"]


def test_the_script_runs_offline_and_prints_the_figures(
    bench: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bench.main([]) == 0
    out = capsys.readouterr().out
    assert "recall:" in out and "near misses with an error or security finding" in out
