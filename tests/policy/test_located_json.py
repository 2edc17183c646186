"""The fast located JSON scanner (policy/located_json.py) against the grammar it stands in for.

The grammar path is the authority. On valid JSON the scanner must build the identical tree:
kinds, values and their Python types, positions, key positions and their order, depths. On
anything else it must give up, so that `parse_json_source` raises exactly the grammar's error.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from policysim.policy.errors import PolicyError, Position
from policysim.policy.json_grammar import parse_with_grammar as _parse_with_grammar
from policysim.policy.located_json import FastPathDeclinedError, scan_located_json
from policysim.policy.source import MAX_DEPTH, Node, lone_surrogate, parse_json_source

REPO = Path(__file__).resolve().parents[2]
MANAGED_CORPUS = Path("/work/shared/corpus/aws-managed")


def assert_same_tree(fast: Node, slow: Node, path: str = "$") -> None:
    """Field by field, because `==` takes 1 for 1.0 or True and ignores key order."""
    assert type(fast) is Node, path
    assert type(fast.position) is Position, path
    assert (fast.kind, fast.position, fast.depth) == (slow.kind, slow.position, slow.depth), path
    assert list(fast.key_positions.items()) == list(slow.key_positions.items()), path
    if fast.kind == "object":
        assert list(fast.value) == list(slow.value), path
        for key, child in fast.value.items():
            assert_same_tree(child, slow.value[key], f"{path}.{key}")
    elif fast.kind == "array":
        assert len(fast.value) == len(slow.value), path
        for i, (child, other) in enumerate(zip(fast.value, slow.value, strict=True)):
            assert_same_tree(child, other, f"{path}[{i}]")
    else:
        assert type(fast.value) is type(slow.value), path
        assert repr(fast.value) == repr(slow.value), path  # tells -0.0 from 0.0


def assert_scans_like_grammar(text: str) -> None:
    """Valid text: the scanner takes it (no fallback) and builds the grammar's tree; but it
    declines a text with a lone surrogate escape, which `parse_json_source` then refuses."""
    slow = _parse_with_grammar(text)
    if lone_surrogate(text) is not None:
        with pytest.raises(FastPathDeclinedError):
            scan_located_json(text)
        with pytest.raises(PolicyError, match="unpaired surrogate escape"):
            parse_json_source(text)
        return
    assert_same_tree(scan_located_json(text), slow)


def outcome(parse: Callable[[str, str | None], Node], text: str) -> tuple[object, ...]:
    """A tree's repr and positions, or an error's message, file and position."""
    try:
        node = parse(text, "p.json")
    except PolicyError as err:
        return ("error", err.message, err.file, err.position)
    except ValueError as err:  # an integer too long for `int`: not (yet) a PolicyError
        return ("crash", type(err), str(err))
    return ("tree", repr(node), node.positions())


def assert_fails_like_grammar(text: str) -> None:
    """Text the grammar rejects: the scanner gives up, and the error is the grammar's."""
    with pytest.raises(FastPathDeclinedError):
        scan_located_json(text)
    expected = outcome(_parse_with_grammar, text)
    assert expected[0] != "tree"
    assert outcome(parse_json_source, text) == expected


# --- valid documents ---------------------------------------------------------------------------


def repo_json_texts() -> Iterator[tuple[str, str]]:
    """Every JSON file and every JSON line kept in the repository's tests and examples."""
    for folder in ("tests", "examples", "fixtures"):
        for path in sorted((REPO / folder).rglob("*.json*")):
            if path.suffix not in (".json", ".jsonl"):
                continue
            text = path.read_text(encoding="utf-8").removeprefix("\ufeff")
            name = str(path.relative_to(REPO))
            if path.suffix == ".json":
                yield name, text
            else:
                for n, line in enumerate(text.splitlines(), 1):
                    if line.strip():
                        yield f"{name}:{n}", line


def test_repository_json_files_scan_like_the_grammar() -> None:
    texts = list(repo_json_texts())
    assert len(texts) > 100
    for name, text in texts:
        try:
            assert_scans_like_grammar(text)
        except AssertionError as err:
            raise AssertionError(f"{name}: {err}") from None


@pytest.mark.skipif(not MANAGED_CORPUS.is_dir(), reason="no AWS managed policy corpus here")
def test_aws_managed_policies_scan_like_the_grammar() -> None:
    files = sorted(MANAGED_CORPUS.glob("*.json"))
    assert files
    for file in files:
        text = file.read_text(encoding="utf-8").removeprefix("\ufeff")
        try:
            assert_scans_like_grammar(text)
        except AssertionError as err:
            raise AssertionError(f"{file.name}: {err}") from None


def nested(levels: int, inner: str = "") -> str:
    return "[" * levels + inner + "]" * levels


def nested_objects(levels: int, inner: str = "1") -> str:
    return '{"a": ' * levels + inner + "}" * levels


VALID = [
    # escapes, Unicode, surrogate pairs (and a lone surrogate, which json.loads keeps too)
    r'{"a": "\"\\\/\b\f\n\r\t", "b": "\u00e9\u00E9", "c": "\ud83d\ude00", "d": "\ud800"}',
    '{"é": "ü", "😀": "日本語", "k": "\x7f\u2028\u00a0"}',
    r'{"a\nb": 1, "a\\nb": 2, "\"": 3, "": 4}',
    '["plain", "with \\"escape\\"", "tail"]',
    # numbers: the int/float rule, exponents, signs
    "[0, -0, 1, -1, 10, 123456789012345678901234567890]",
    "[0.5, -0.0, 1.0, 1e5, 1E5, 1e-5, 1E+5, -1.5e-10, 2.5E3, 1e999]",
    # literals and top-level scalars
    "[true, false, null]",
    '{"t": true, "f": false, "n": null}',
    '"just a string"',
    "  42  ",
    "-1.5e3",
    "true",
    "null",
    # empty and nested-empty containers, depths
    "{}",
    "[]",
    '[{}, [], [[]], {"a": {}}, {"b": []}]',
    '{"a": [], "b": {}, "c": [{}], "d": [1, [2, [3, [4]]]]}',
    # layout: compact, pretty, tabs, CRLF, lone CR (not a line break for lark), blank lines
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
    json.dumps({"Statement": [{"Action": ["a:B", "c:D"], "Resource": "*"}]}, indent=4),
    '{\n\t"a":\t[\n\t\t1,\n\t\t"x"\n\t]\n}',
    '{\r\n  "a": [\r\n    "x",\r\n    {"b": 2}\r\n  ]\r\n}\r\n',
    '{\r  "a":\r  [1,\r 2]\r}',
    '\n\n\n   [\n\n"a"\n\n,\n\n"b"\n\n]\n\n',
    '[ "a" , "b" ,\n"c"\n]',
    '[\n"a",\n"b",\n1,\n{\n"k":\n"v"\n}\n]',  # items, keys and values at column 1
    json.dumps({"a": [1, {"b": "c"}], "d": "e"}, indent=0),
    '{ "a" : 1 , "b"\n:\n2 }',
    # deep but allowed: MAX_DEPTH levels counting the scalar, and MAX_DEPTH empty arrays
    nested(MAX_DEPTH - 1, "1"),
    nested(MAX_DEPTH),
    nested_objects(MAX_DEPTH - 1),
    nested_objects(MAX_DEPTH - 1, '"s"'),
]


@pytest.mark.parametrize("text", VALID)
def test_edge_cases_scan_like_the_grammar(text: str) -> None:
    assert_scans_like_grammar(text)


def test_positions_follow_lark_line_counting() -> None:
    node = scan_located_json('{\r\n\t"a": [1,\r 2]}')
    assert node.positions() == {
        (): Position(1, 1),
        ("<key>a",): Position(2, 2),
        ("a",): Position(2, 7),
        ("a", 0): Position(2, 8),
        ("a", 1): Position(2, 12),  # a lone "\r" does not end a line
    }


def test_positions_are_right_on_long_lines() -> None:
    """Columns past 2**21 stay exact (positions were once packed into 21 bits)."""
    padding = " " * (1 << 21)
    node = scan_located_json(f'["a",{padding}"b",\n "c"]')
    assert [child.position for child in node.value] == [
        Position(1, 2),
        Position(1, 6 + (1 << 21)),
        Position(2, 2),
    ]


LAZY_TEXT = (
    '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow",\n'
    '     "Action": ["s3:GetObject", 1, true, null, {}], "Resource": "*"}\n  ]\n}'
)


def test_scanned_positions_are_worked_out_when_asked_for() -> None:
    """The scanner gives offsets; positions and key positions come out as the grammar's,
    whichever is asked for first, one key alone or all of them."""
    slow = _parse_with_grammar(LAZY_TEXT)
    for ask_one_key_first in (True, False):
        fast = scan_located_json(LAZY_TEXT)
        statement = fast.value["Statement"].value[0]
        expected = slow.value["Statement"].value[0]
        if ask_one_key_first:
            assert statement.key_position("Resource") == expected.key_positions["Resource"]
        assert statement.key_positions == expected.key_positions
        assert statement.key_position("Action") == expected.key_positions["Action"]
        assert_same_tree(fast, slow)
        assert fast == slow
        assert repr(fast) == repr(slow)


def test_key_position_of_a_grammar_tree() -> None:
    slow = _parse_with_grammar(LAZY_TEXT)
    assert slow.key_position("Statement") == slow.key_positions["Statement"] == Position(3, 3)


def test_a_scanned_tree_survives_pickling_with_its_positions() -> None:
    """Trees cross process boundaries (parallel lint): offsets travel with their lines."""
    import pickle

    copy = pickle.loads(pickle.dumps(scan_located_json(LAZY_TEXT)))
    assert_same_tree(copy, _parse_with_grammar(LAZY_TEXT))


def test_statement_models_read_their_position_from_the_node() -> None:
    """The linter locates each statement model by its node; the position is the node's."""
    from policysim.lint.context import LintContext
    from policysim.lint.policy_type import PolicyKind

    root = scan_located_json(LAZY_TEXT.replace(", 1, true, null, {}", ""))
    ctx = LintContext.build("p.json", root, PolicyKind.IDENTITY)
    assert ctx.policy is not None
    assert ctx.policy.statements[0].position == Position(4, 5)


# --- property: any JSON value, any layout ------------------------------------------------------

_SPACE = st.text(alphabet=" \t\r\n", max_size=3)
_STRINGS = st.text(st.characters(exclude_categories=[]), max_size=12)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | _STRINGS
)
_VALUES = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(_STRINGS, children, max_size=5)
    ),
    max_leaves=25,
)


@st.composite
def json_texts(draw: st.DrawFn) -> str:
    """A JSON value, laid out as json.dumps can: any indent, separators, ASCII or not."""
    indent = draw(st.none() | st.integers(0, 4) | st.text(alphabet=" \t\r", max_size=3))
    item = draw(_SPACE) + "," + draw(_SPACE)
    key = draw(_SPACE) + ":" + draw(_SPACE)
    text = json.dumps(
        draw(_VALUES),
        indent=indent,
        separators=(item, key),
        ensure_ascii=draw(st.booleans()),
    )
    return draw(_SPACE) + text + draw(_SPACE)


@given(json_texts())
def test_any_json_scans_like_the_grammar(text: str) -> None:
    assert_scans_like_grammar(text)


@given(json_texts(), st.data())
def test_any_damaged_json_parses_like_the_grammar(text: str, data: st.DataObject) -> None:
    """One character deleted, inserted or replaced: whatever the grammar makes of the result,
    the two-path parser makes the same, tree or error."""
    at = data.draw(st.integers(0, len(text)))
    char = data.draw(st.sampled_from(list("{}[],:\"\\ \t\r\n0123456789-+.eEtrufalsn'\x00\x1fé")))
    edit = data.draw(st.sampled_from(["delete", "insert", "replace"]))
    if edit == "delete":
        text = text[:at] + text[at + 1 :]
    elif edit == "insert":
        text = text[:at] + char + text[at:]
    else:
        text = text[:at] + char + text[at + 1 :]
    if not text.strip():
        return
    expected = outcome(_parse_with_grammar, text)
    if expected[0] == "tree" and lone_surrogate(text) is not None:
        # valid JSON, but not Unicode text: parse_json_source refuses what the grammar accepts
        assert outcome(parse_json_source, text)[:2] == (
            "error",
            f"invalid JSON: unpaired surrogate escape {text[lone_surrogate(text) or 0 :][:6]}"
            " (not Unicode text)",
        )
        return
    assert outcome(parse_json_source, text) == expected


# --- invalid documents: the grammar's error, unchanged -----------------------------------------

INVALID = [
    "[1,]",
    '{"a": 1,}',
    "[,1]",
    "[1 2]",
    '{"a" 1}',
    '{"a":}',
    '{"a": 1 "b": 2}',
    "{'a': 1}",
    "['a']",
    "{a: 1}",
    '["raw\nnewline"]',
    '["raw\ttab"]',
    '["nul\x00"]',
    r'["bad \x escape"]',
    r'["short \u12 escape"]',
    r'["\uZZZZ"]',
    '["unterminated',
    '"unterminated',
    "[01]",
    "[-01]",
    "[1.]",
    "[.5]",
    "[1e]",
    "[+1]",
    "[-]",
    "[NaN]",
    "[Infinity]",
    "[-Infinity]",
    "[True]",
    "[nul]",
    "[truex]",
    '{"a": 1} x',
    '{"a": 1}}',
    "[1] [2]",
    "[",
    '{"a": [1, 2}',
    "\ufeff{}",
    # no-break space, line separator, form feed, vertical tab: not JSON whitespace
    "[1,\u00a02]",
    "[1,\u20282]",
    "[\u00a01]",
    '{\u00a0"a": 1}',
    '{"a":\u00a01}',
    '{"a\\n"\u00a0: 1}',
    "\u00a0[1]",
    "[1]\u00a0",
    "[\x0c1]",
    "[1\x0b]",
    # a raw control character in a string that also has an escape
    '{"\\n\x01": 1}',
    '["\\n\t"]',
    '{"a": "\\n\x1f"}',
    '{"a": 1, "a": 2}',
    '{"a": {"b": 1, "c": {"b": 2, "b": 3}}}',
    '[{"x": 1}, {"y": 1, "y": 1}]',
    nested(MAX_DEPTH + 1),
    nested(MAX_DEPTH, "1"),
    nested(MAX_DEPTH, '"s"'),
    nested_objects(MAX_DEPTH),
    nested(30, nested_objects(30, nested(10))),
    nested(1000),
    nested(100_000),
    "[" + "1" * 5000 + "]",  # longer than `int` converts: the grammar path's ValueError
]


@pytest.mark.parametrize("text", INVALID)
def test_invalid_text_gets_the_grammar_error(text: str) -> None:
    assert_fails_like_grammar(text)


def test_nesting_errors_are_located_like_the_grammar() -> None:
    # The grammar checks depth bottom-up: the innermost container that exceeds the limit.
    text = '{"ok": [1], "deep": ' + nested(MAX_DEPTH) + "}"
    with pytest.raises(PolicyError) as info:
        parse_json_source(text, "p.json")
    assert "nesting deeper than 64 levels" in info.value.message
    assert outcome(parse_json_source, text) == outcome(_parse_with_grammar, text)


@pytest.mark.parametrize("text", ["", "   ", "\n\t\r\n", "\u00a0"])
def test_empty_document_check_comes_first(text: str) -> None:
    with pytest.raises(PolicyError, match="empty document"):
        parse_json_source(text, "p.json")


@pytest.mark.parametrize(
    "text",
    [
        '{"a": "x\\ud800"}',
        '{"x\\udc00y": 1}',
        '["\\ud83d\\u0041"]',
        '["\\ud83d", "\\ude00"]',  # a pair split over two strings is two lone halves
    ],
)
def test_the_scanner_declines_lone_surrogate_escapes(text: str) -> None:
    """`parse_json_source` skips its lone-surrogate search when the scanner took the text,
    so the scanner must decline every text that search would refuse."""
    assert lone_surrogate(text) is not None
    with pytest.raises(FastPathDeclinedError):
        scan_located_json(text)
    with pytest.raises(PolicyError, match="unpaired surrogate escape"):
        parse_json_source(text)


def test_the_scanner_takes_surrogate_pairs_and_escaped_backslashes() -> None:
    for text in ('{"k\\ud83d\\ude00": "\\ud83d\\ude00"}', '["\\\\ud800"]'):
        assert lone_surrogate(text) is None
        assert_scans_like_grammar(text)


def test_plain_data_built_with_the_tree_is_handed_over_once() -> None:
    """The scanner builds a document's plain data as it goes; the first `to_plain` returns it,
    every later one a fresh copy, so a caller changing its copy changes nobody else's."""
    text = '{"a": [1, 2.5, "x", true, null, {"b": []}], "c": {}}'
    root = scan_located_json(text)
    first = root.to_plain()
    assert first == json.loads(text)
    assert repr(first) == repr(json.loads(text))  # 1 stays int, 2.5 float
    first["a"].append("changed")
    second = root.to_plain()
    assert second == json.loads(text)
    assert second is not first and second["a"] is not first["a"]
    assert root.value["a"].to_plain() == json.loads(text)["a"]


@given(json_texts())
def test_handed_over_data_is_the_grammar_trees(text: str) -> None:
    """Whatever the layout: the data the scanner hands over is the grammar tree's, types and
    signs included (`1` an int, `1.0` a float, `-0.0` not `0.0`)."""
    assume(lone_surrogate(text) is None)  # the scanner declines those
    handed = scan_located_json(text).to_plain()
    assert repr(handed) == repr(_parse_with_grammar(text).to_plain())
