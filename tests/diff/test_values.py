"""The per-key theories: exact answers for numbers, dates, IP sets, strings and lists."""

from __future__ import annotations

from typing import Any

from policysim.diff.values import ABSENT, solve_key
from policysim.engine.condition_block import CompiledCondition, compile_conditions
from policysim.engine.options import DEFAULT_OPTIONS
from policysim.engine.request import Context


def entries(block: dict[str, dict[str, Any]]) -> list[CompiledCondition]:
    normalized = {
        op: {k: tuple(v) if isinstance(v, list) else (v,) for k, v in keys.items()}
        for op, keys in block.items()
    }
    return list(compile_conditions(normalized, substitutes_variables=False))


def solve(wanted: list[tuple[dict[str, dict[str, Any]], bool]], **kw: Any) -> object:
    literals = [(c, want) for block, want in wanted for c in entries(block)]
    value = solve_key(literals, DEFAULT_OPTIONS, **kw)
    if value is not None:
        for condition, want in literals:
            context = Context() if value is ABSENT else Context({condition.key: value})  # type: ignore[dict-item]
            assert condition.holds(context, DEFAULT_OPTIONS, None) == want
    return value


def test_numbers_between_and_outside() -> None:
    assert solve(
        [({"NumericGreaterThan": {"n": "5"}}, True), ({"NumericLessThan": {"n": "6"}}, True)]
    ) not in (None, ABSENT)
    assert (
        solve(
            [
                ({"NumericGreaterThan": {"n": "5"}}, True),
                ({"NumericLessThanEquals": {"n": "5"}}, True),
            ]
        )
        is None
    )
    assert (
        solve([({"NumericEquals": {"n": "5"}}, True), ({"NumericEquals": {"n": "5.0"}}, False)])
        is None
    )


def test_dates() -> None:
    value = solve(
        [
            ({"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}, True),
            ({"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:01Z"}}, True),
        ]
    )
    assert isinstance(value, str)
    assert (
        solve(
            [
                ({"DateGreaterThanEquals": {"aws:CurrentTime": "2021"}}, True),
                ({"DateLessThan": {"aws:CurrentTime": "2021-01-01T00:00:00Z"}}, True),
            ]
        )
        is None
    )


def test_ip_sets_nested_blocks() -> None:
    inside_outer_only = solve(
        [
            ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, True),
            ({"IpAddress": {"aws:SourceIp": "10.1.0.0/16"}}, False),
        ]
    )
    assert isinstance(inside_outer_only, str) and inside_outer_only.startswith("10.")
    assert (
        solve(
            [
                ({"IpAddress": {"aws:SourceIp": "10.1.0.0/16"}}, True),
                ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, False),
            ]
        )
        is None
    )
    v6 = solve([({"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}, True)])
    assert isinstance(v6, str) and ":" in v6


def test_presence_and_ifexists() -> None:
    assert solve([({"BoolIfExists": {"aws:SecureTransport": "true"}}, True)]) is ABSENT
    assert solve([({"Bool": {"aws:SecureTransport": "true"}}, False)]) is ABSENT
    assert solve([({"Bool": {"aws:SecureTransport": "true"}}, False)], must_exist=True) == "false"
    assert solve([({"Null": {"k": "false"}}, True), ({"StringEquals": {"k": "x"}}, True)]) == "x"
    assert solve([({"Null": {"k": "true"}}, True), ({"StringEquals": {"k": "x"}}, True)]) is None


def test_strings_and_ignore_case() -> None:
    value = solve(
        [({"StringLike": {"k": "ab*"}}, True), ({"StringEquals": {"k": ["ab", "abc"]}}, False)]
    )
    assert isinstance(value, str) and value.startswith("ab") and value not in ("ab", "abc")
    assert (
        solve(
            [
                ({"StringEqualsIgnoreCase": {"k": "S"}}, True),
                ({"StringEquals": {"k": ["s", "S"]}}, False),
            ]
        )
        == "\u017f"
    )  # LATIN SMALL LETTER LONG S folds to "s"


def test_multivalued_slots() -> None:
    value = solve(
        [
            ({"ForAnyValue:StringEquals": {"aws:TagKeys": "a"}}, True),
            ({"ForAnyValue:StringEquals": {"aws:TagKeys": "b"}}, True),
            ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}, True),
        ]
    )
    assert isinstance(value, tuple) and set(value) == {"a", "b"}
    assert (
        solve(
            [
                ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}}, False),
                ({"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["a"]}}, False),
            ]
        )
        is None
    )
