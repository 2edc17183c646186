"""Source text written to hurt: alias bombs, over-long numbers, lone surrogates, deep nesting.
Each is one located `PolicyError` (or a plain value), never a crash, a hang or a memory blow-up."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policysim.policy.errors import PolicyError
from policysim.policy.source import (
    YAML_EXPANSION_FLOOR,
    lone_surrogate,
    parse_json_source,
    parse_source,
    parse_yaml_source,
    strict_loads,
)

BILLION_LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]\n"
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
)


def test_yaml_alias_bomb_is_refused_with_a_position() -> None:
    assert len(BILLION_LAUGHS) < 500
    with pytest.raises(PolicyError, match="aliases expand to too many values") as caught:
        parse_yaml_source(BILLION_LAUGHS, "bomb.yaml")
    assert caught.value.file == "bomb.yaml" and caught.value.position is not None


def test_reasonable_alias_reuse_is_still_read() -> None:
    text = (
        "base: &b {Effect: Allow, Action: 's3:GetObject', Resource: '*'}\nStatement: [*b, *b, *b]\n"
    )
    tree = parse_yaml_source(text, "ok.yaml").to_plain()
    assert tree["Statement"] == [tree["base"]] * 3


def test_alias_budget_counts_expansions_not_distinct_values() -> None:
    """A big document without aliases is never refused, however many values it has."""
    items = ", ".join(str(i) for i in range(YAML_EXPANSION_FLOOR * 2))
    assert len(parse_yaml_source(f"x: [{items}]\n", "big.yaml").to_plain()["x"]) == 2 * (
        YAML_EXPANSION_FLOOR
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("d: 2024-02-30\n", "2024-02-30"),  # looks like a date, is not one: kept as written
        ("n: " + "1" * 5000 + "\n", "1" * 5000),  # beyond Python's int limit: kept as written
    ],
)
def test_implicit_yaml_scalars_that_do_not_construct_stay_strings(text: str, expected: str) -> None:
    assert next(iter(parse_yaml_source(text, "v.yaml").to_plain().values())) == expected


@pytest.mark.parametrize("text", ["d: !!timestamp x\n", "d: !!int x\n", "d: !!float nope\n"])
def test_explicit_yaml_tags_with_bad_values_are_located_errors(text: str) -> None:
    with pytest.raises(PolicyError, match="is not a valid !!") as caught:
        parse_yaml_source(text, "t.yaml")
    assert str(caught.value).startswith("t.yaml:1:4: ")


LONG = "9" * 5000


@pytest.mark.parametrize(
    "text",
    [
        f'{{"n": {LONG}}}',  # valid JSON otherwise: the fast path declines, the grammar words it
        f'{{"n": {LONG},}}',  # and with a syntax error after it
        f'{{"n": -{LONG}}}',
    ],
)
def test_over_long_json_integers_are_located_errors(text: str) -> None:
    with pytest.raises(PolicyError, match="digits is too long") as caught:
        parse_json_source(text, "n.json")
    assert str(caught.value).startswith("n.json:1:")
    with pytest.raises(ValueError, match=r"too long|Expecting"):
        strict_loads(text)


def test_deep_nesting_is_an_error_in_both_json_readers() -> None:
    text = "[" * 100_000 + "]" * 100_000
    with pytest.raises(PolicyError, match="nesting deeper"):
        parse_json_source(text, "deep.json")
    with pytest.raises(ValueError, match="nesting is too deep"):
        strict_loads(text)


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        (r'{"s": "\ud800"}', 7),
        (r'{"s": "x\udc00"}', 8),
        (r'{"s": "\ud800\ud800"}', 7),
        (r'{"s": "\ud83d\ude00", "t": "\udfff"}', 28),
    ],
)
def test_lone_surrogates_are_refused(text: str, offset: int) -> None:
    assert lone_surrogate(text) == offset
    with pytest.raises(PolicyError, match="unpaired surrogate") as caught:
        parse_source(text.encode(), "s.json")
    assert caught.value.position is not None and caught.value.position.column == offset + 1
    with pytest.raises(ValueError, match="unpaired surrogate"):
        strict_loads(text)


@pytest.mark.parametrize(
    "text", [r'{"s": "\ud83d\ude00"}', r'{"s": "\\ud800"}', r'{"s": "\u00e9"}', '{"s": "plain"}']
)
def test_pairs_and_literal_backslashes_are_fine(text: str) -> None:
    assert lone_surrogate(text) is None
    parse_json_source(text, "ok.json")


_ESCAPES = st.lists(
    st.sampled_from([r"\ud800", r"\udbff", r"\udc00", r"\udfff", r"\u0041", "\\\\", "a", "u"]),
    max_size=6,
).map("".join)


@given(body=_ESCAPES)
def test_lone_surrogate_agrees_with_what_can_be_encoded(body: str) -> None:
    """A JSON string is refused exactly when its decoded text cannot be written as UTF-8."""
    text = json.dumps({"s": "@"}).replace("@", body)
    decoded = json.loads(text)["s"]
    try:
        decoded.encode("utf-8")
        encodable = True
    except UnicodeEncodeError:
        encodable = False
    assert (lone_surrogate(text) is None) is encodable
