"""Located parsing of JSON and YAML policy text (policy/source.py)."""

from __future__ import annotations

import pytest

from policysim.policy.errors import PolicyError, Position
from policysim.policy.source import (
    MAX_DEPTH,
    MAX_SOURCE_BYTES,
    decode_source,
    looks_like_yaml,
    parse_json_source,
    parse_source,
    parse_yaml_source,
)

POLICY_JSON = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:PutObject"],
      "Resource": "*"
    }
  ]
}"""

POLICY_YAML = """\
Version: "2012-10-17"
Statement:
  - Effect: Allow
    Action:
      - s3:GetObject
      - s3:PutObject
    Resource: "*"
"""


def error_of(text: str | bytes, file: str = "p.json") -> PolicyError:
    with pytest.raises(PolicyError) as info:
        parse_source(text, file)
    return info.value


# --- positions ---------------------------------------------------------------------------------


def test_json_values_keep_their_line_and_column() -> None:
    positions = parse_json_source(POLICY_JSON).positions()
    assert positions[()] == Position(1, 1)
    assert positions[("Version",)] == Position(2, 14)
    assert positions[("<key>Version",)] == Position(2, 3)
    assert positions[("Statement",)] == Position(3, 16)
    assert positions[("Statement", 0)] == Position(4, 5)
    assert positions[("Statement", 0, "Effect")] == Position(5, 17)
    assert positions[("Statement", 0, "Action", 1)] == Position(6, 34)
    assert positions[("Statement", 0, "<key>Resource")] == Position(7, 7)


def test_yaml_values_keep_their_line_and_column() -> None:
    positions = parse_yaml_source(POLICY_YAML).positions()
    assert positions[("Version",)] == Position(1, 10)
    assert positions[("Statement", 0, "Effect")] == Position(3, 13)
    assert positions[("Statement", 0, "<key>Effect")] == Position(3, 5)
    assert positions[("Statement", 0, "Action", 1)] == Position(6, 9)


def test_json_and_yaml_give_the_same_plain_data() -> None:
    assert parse_source(POLICY_JSON).to_plain() == parse_source(POLICY_YAML, "p.yaml").to_plain()


def test_json_scalars_keep_their_types() -> None:
    node = parse_json_source('{"s": "x", "i": 10, "f": 1.5, "e": 1e2, "t": true, "n": null}')
    assert node.to_plain() == {"s": "x", "i": 10, "f": 1.5, "e": 100.0, "t": True, "n": None}
    assert type(node.to_plain()["i"]) is int
    kinds = {key: child.kind for key, child in node.value.items()}
    assert kinds == {
        "s": "string",
        "i": "number",
        "f": "number",
        "e": "number",
        "t": "bool",
        "n": "null",
    }


def test_json_string_escapes_are_decoded() -> None:
    assert parse_json_source(r'{"a": "\u00e9\n\"\\"}').to_plain() == {"a": 'é\n"\\'}


def test_columns_count_characters_not_bytes() -> None:
    node = parse_json_source('{"é": "ü", "k": 1}')
    assert node.positions()[("k",)] == Position(1, 17)


# --- duplicate keys ----------------------------------------------------------------------------


def test_duplicate_json_key_is_an_error_at_the_second_key() -> None:
    text = '{\n  "Effect": "Allow",\n  "Effect": "Deny"\n}'
    err = error_of(text)
    assert err.position == Position(3, 3)
    assert "duplicate key 'Effect'" in err.message
    assert "2:3" in err.message  # where the first one was
    assert str(err).startswith("p.json:3:3: ")


def test_duplicate_keys_in_nested_objects_are_found() -> None:
    text = '{"Statement": [{"Condition": {"StringEquals": {"k": "a", "k": "b"}}}]}'
    assert error_of(text).position == Position(1, 58)


def test_same_key_in_sibling_objects_is_fine() -> None:
    node = parse_json_source('[{"a": 1}, {"a": 2}]')
    assert node.to_plain() == [{"a": 1}, {"a": 2}]


def test_duplicate_yaml_key_is_an_error_at_the_second_key() -> None:
    text = "Statement:\n  - Effect: Allow\n    Effect: Deny\n"
    err = error_of(text, "p.yaml")
    assert err.position == Position(3, 5)
    assert "duplicate key 'Effect'" in err.message


@pytest.mark.parametrize("key", ["NO", "yes", "on", "Off", "true", "null", "~", "1", "1e3", "0x1F"])
def test_yaml_mapping_keys_are_names_as_written(key: str) -> None:
    """A role named `NO` is a role named `NO`, not the boolean `False` (hypothesis found it)."""
    node = parse_yaml_source(f"{key}:\n  x: 1\n", "a.yaml")
    assert list(node.to_plain()) == [key]


def test_yaml_keys_that_differ_only_as_written_are_both_kept() -> None:
    """`1` and `01` are the same integer but two names; neither is a duplicate of the other."""
    node = parse_yaml_source("1: a\n01: b\n", "a.yaml")
    assert node.to_plain() == {"1": "a", "01": "b"}


# --- encodings ---------------------------------------------------------------------------------


def test_utf8_bom_is_accepted_in_bytes_and_text() -> None:
    expected = parse_source(POLICY_JSON).to_plain()
    assert parse_source(b"\xef\xbb\xbf" + POLICY_JSON.encode()).to_plain() == expected
    assert parse_source("\ufeff" + POLICY_JSON).to_plain() == expected
    assert parse_source(b"\xef\xbb\xbf" + POLICY_YAML.encode(), "p.yaml").to_plain() == expected


def test_bom_does_not_shift_positions() -> None:
    node = parse_source(b"\xef\xbb\xbf" + POLICY_JSON.encode())
    assert node.positions()[("Version",)] == Position(2, 14)


def test_invalid_utf8_points_at_the_bad_byte() -> None:
    err = error_of(b'{\n  "a": "\xff"\n}')
    assert err.position == Position(2, 9)
    assert "0xff" in err.message


def test_oversized_file_is_refused_before_parsing() -> None:
    with pytest.raises(PolicyError, match="bytes"):
        decode_source(b" " * (MAX_SOURCE_BYTES + 1), "big.json")


# --- nesting depth -----------------------------------------------------------------------------


def nested(levels: int, inner: str = "") -> str:
    return "[" * levels + inner + "]" * levels


@pytest.mark.parametrize("file", ["p.json", "p.yaml"])
def test_nesting_up_to_the_limit_is_accepted(file: str) -> None:
    assert parse_source(nested(MAX_DEPTH), file).depth == MAX_DEPTH
    parse_source(nested(MAX_DEPTH - 1, "1"), file)


@pytest.mark.parametrize("file", ["p.json", "p.yaml"])
@pytest.mark.parametrize("text", [nested(MAX_DEPTH + 1), nested(MAX_DEPTH, "1")])
def test_nesting_beyond_the_limit_is_a_located_error(file: str, text: str) -> None:
    err = error_of(text, file)
    assert "nesting deeper than 64 levels" in err.message
    assert err.position is not None
    assert err.file == file


@pytest.mark.parametrize("file", ["p.json", "p.yaml"])
def test_pathological_nesting_is_an_error_not_a_crash(file: str) -> None:
    err = error_of(nested(100_000), file)
    assert err.position is not None


# --- syntax errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ('{"a": 1,}', Position(1, 9), "trailing comma"),
        ('{"a": [1,]}', Position(1, 10), "trailing comma"),
        ("{'a': 1}", Position(1, 2), "double quotes"),
        ('{"a" 1}', Position(1, 6), "expected ':'"),
        ('{"a": tru}', Position(1, 7), "unexpected character 't'"),
        ('{"a":\n "x\ny"}', Position(2, 2), "line break inside a string must be escaped"),
        ('{"a": "x\ty"}', Position(1, 7), "tab inside a string must be escaped"),
        ('{"a": "x\\qy"}', Position(1, 7), "invalid escape sequence '\\q'"),
        ('{"a": "xy}', Position(1, 7), "unterminated string"),
        ('{\n  "a": 1', Position(2, 9), "unexpected end of input"),
        ("", Position(1, 1), "empty document"),
        ("  \n ", Position(1, 1), "empty document"),
    ],
)
def test_json_syntax_errors_are_located_one_liners(
    text: str, position: Position, fragment: str
) -> None:
    err = error_of(text, "bad.json")
    assert err.position == position
    assert fragment in err.message
    assert "\n" not in str(err)
    assert str(err).startswith(f"bad.json:{position}: ")


def test_yaml_syntax_error_is_located() -> None:
    err = error_of("Statement: [1\n", "bad.yaml")
    assert err.position is not None
    assert err.message.startswith("invalid YAML")


def test_yaml_complex_key_is_refused() -> None:
    err = error_of("? [a]\n: 1\n", "bad.yaml")
    assert "plain value" in err.message


def test_empty_yaml_document() -> None:
    assert error_of("", "p.yaml").message == "empty document"


# --- YAML specifics ----------------------------------------------------------------------------


def test_yaml_dates_stay_text() -> None:
    # An unquoted Version is a YAML date; policies need the text back.
    assert parse_source("Version: 2012-10-17\n", "p.yaml").to_plain() == {"Version": "2012-10-17"}


def test_yaml_timestamps_keep_the_written_text() -> None:
    node = parse_source("aws:CurrentTime: 2030-01-01T00:00:00Z\n", "p.yaml")
    assert node.to_plain() == {"aws:CurrentTime": "2030-01-01T00:00:00Z"}


def test_yaml_scalars_keep_their_types() -> None:
    plain = parse_source("a: 10\nb: true\nc: x\nd: null\ne: '10'\n", "p.yaml").to_plain()
    assert plain == {"a": 10, "b": True, "c": "x", "d": None, "e": "10"}


@pytest.mark.parametrize(
    ("text", "file", "expected"),
    [
        ("{}", None, False),
        ("  [1]", None, False),
        ("{}", "p.yaml", True),
        ("{}", "P.YML", True),
        ("Version: x", None, True),
        ("Version: x", "p.json", False),  # a .json name always means JSON
    ],
)
def test_format_detection(text: str, file: str | None, expected: bool) -> None:
    assert looks_like_yaml(text, file) is expected
