"""The runner makes its findings by filling their slots (`policysim.slots`) and severities
read their rank from a table: both must be what the plain code gives."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policysim.lint.context import Issue
from policysim.lint.finding import REPORT_ORDER, Finding, Severity
from policysim.lint.runner import _finding
from policysim.policy.errors import Position

_SEVERITIES = st.sampled_from(list(Severity))


@given(
    st.text(max_size=5),
    _SEVERITIES,
    st.builds(
        Issue,
        st.text(max_size=8),
        st.none() | st.builds(Position, st.integers(1, 99), st.integers(1, 99)),
        st.text(max_size=8),
        st.none() | st.integers(0, 9),
        st.none() | st.text(max_size=5),
        st.none() | _SEVERITIES,
    ),
    st.text(max_size=5),
)
def test_slot_filled_findings_equal_constructed_ones(
    rule: str, severity: Severity, issue: Issue, file: str
) -> None:
    position = issue.position
    expected = Finding(
        rule,
        issue.severity or severity,
        issue.message,
        file,
        position.line if position else 1,
        position.column if position else 1,
        issue.pointer,
        issue.statement,
        issue.hint,
    )
    made = _finding(rule, severity, issue, file)
    assert made == expected
    assert hash(made) == hash(expected)
    assert repr(made) == repr(expected)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.rule = "other"  # type: ignore[misc]


def test_ranks_follow_the_declared_order() -> None:
    assert [s.rank for s in Severity] == list(range(len(Severity)))
    assert Severity.ERROR.rank < Severity.SECURITY.rank < Severity.SUGGESTION.rank


def test_report_order_is_the_sort_key() -> None:
    findings = [
        Finding("PS2", Severity.ERROR, "m", file, line, column)
        for file in ("b.json", "a.json")
        for line in (3, 1)
        for column in (9, 2)
    ]
    for finding in findings:
        assert REPORT_ORDER(finding) == finding.sort_key()
    assert sorted(findings, key=REPORT_ORDER) == sorted(findings, key=Finding.sort_key)
