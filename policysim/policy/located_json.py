"""A fast located scanner for valid JSON, building exactly the `Node` tree the grammar builds.

The lark grammar (`grammars/json.lark`) is the authority on JSON in policysim: it defines what
is accepted and it words the errors. But lark lexes and parses token by token in Python, and a
corpus of managed policies spends nearly all of its parse time there. Almost every file is
valid, so this module is a fast path for the valid case only: recursive descent over the text
with precompiled regexes, and the C string decoder of the `json` module for escapes.

It never reports a problem itself. On anything it does not accept (invalid syntax, a duplicate
key, nesting beyond `MAX_DEPTH`, a number Python will not convert, an escape that is half of a
surrogate pair: `source.lone_surrogate`) it raises
`FastPathDeclinedError`, and the caller parses the text again with the grammar, which raises
the located `PolicyError`. So the scanner must be at least as strict as the grammar but never
has to word an error; `tests/policy/test_located_json.py` checks that, and that the trees are
identical.
"""

from __future__ import annotations

import json.decoder
import re
from collections.abc import Callable
from typing import Any, cast

from policysim.policy.source import (
    MAX_DEPTH,
    MAX_INTEGER_DIGITS,
    Node,
    SourceLines,
    lone_surrogate,
)


class FastPathDeclinedError(Exception):
    """The text is not plainly valid JSON within the limits; the grammar path must decide."""


# The string decoder `json.loads` uses, in C (typeshed does not declare it).
_scanstring: Callable[[str, int, bool], tuple[str, int]]
_scanstring = json.decoder.scanstring  # type: ignore[attr-defined]

# Whitespace is exactly the grammar's `%ignore /[ \t\r\n]+/`: no other Unicode spaces.
_SPACE = re.compile(r"[ \t\r\n]*")
# `*` matches anywhere, so skipping space always gives a match.
_skip_space = cast("Callable[[str, int], re.Match[str]]", _SPACE.match)
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_COLON = re.compile(r"[ \t\r\n]*:[ \t\r\n]*")
# After an element, its separator and the space around it in one regex call; `lastindex` is 1
# after a comma, 2 after the closing bracket.
_AFTER_ITEM = re.compile(r"[ \t\r\n]*(?:(,)[ \t\r\n]*|(\]))")
_AFTER_MEMBER = re.compile(r"[ \t\r\n]*(?:(,)[ \t\r\n]*|(\}))")
# Most strings have no escapes, so their characters are their value (the grammar's STRING
# without the escape branch). Matched with what follows them, they cost one regex call: as an
# array item or a member value (`lastindex` 2 after a comma, 3 after the closing bracket), or
# as a key with its colon.
_PLAIN = r'"([^"\\\x00-\x1f]*)"[ \t\r\n]*'
_PLAIN_ITEM = re.compile(_PLAIN + r"(?:(,)[ \t\r\n]*|(\]))")
_PLAIN_MEMBER = re.compile(_PLAIN + r"(?:(,)[ \t\r\n]*|(\}))")
_PLAIN_KEY = re.compile(_PLAIN + r":[ \t\r\n]*")


def _scanned(start: int, level: int) -> tuple[Node, Any, int]:
    """What the scanner's functions are rebound to once a scan ends (never called)."""
    raise AssertionError("the scan has ended")


def scan_located_json(text: str) -> Node:
    """Parse valid JSON `text` into the grammar path's tree, or raise `FastPathDeclinedError`.

    Positions are lark's: lines are counted by "\\n" alone (a lone "\\r" does not end a line),
    and columns count characters from 1. Each node is given its offset into the text and a
    `SourceLines` of the text, which works the position out only when it is asked for.
    """
    lines = SourceLines(text)
    skip = _skip_space
    scanstring = _scanstring
    number = _NUMBER.match
    colon = _COLON.match
    after_item = _AFTER_ITEM.match
    after_member = _AFTER_MEMBER.match
    plain_item = _PLAIN_ITEM.match
    plain_member = _PLAIN_MEMBER.match
    plain_key = _PLAIN_KEY.match

    def value(start: int, level: int) -> tuple[Node, Any, int]:
        """The value starting at `start` (after any space), as a node and as plain data, and
        the offset after it."""
        pos = start
        char = text[pos]
        if char == '"':
            string, end = scanstring(text, pos + 1, True)
            if lone_surrogate(text[pos:end]) is not None:
                raise FastPathDeclinedError
            return Node("string", string, pos, None, 1, lines), string, end
        if char == "{":
            return members(pos, level)
        if char == "[":
            return items(pos, level)
        if char == "t" and text.startswith("true", pos):
            return Node("bool", True, pos, None, 1, lines), True, pos + 4
        if char == "f" and text.startswith("false", pos):
            return Node("bool", False, pos, None, 1, lines), False, pos + 5
        if char == "n" and text.startswith("null", pos):
            return Node("null", None, pos, None, 1, lines), None, pos + 4
        match = number(text, pos)
        if match is None:
            raise FastPathDeclinedError
        # The `_ToNodes.number` rule: a fraction or an exponent makes a float.
        if match.lastindex:
            fraction = float(match[0])
            return Node("number", fraction, pos, None, 1, lines), fraction, match.end()
        if len(match[0]) > MAX_INTEGER_DIGITS:
            raise FastPathDeclinedError  # the grammar path words the error
        integer = int(match[0])
        return Node("number", integer, pos, None, 1, lines), integer, match.end()

    # The two loops below are the hot path. Plain strings and containers are handled without a
    # call to `value`. `depth` mirrors `_ToNodes`: one more than the deepest child, where a
    # scalar counts 1. Any child of a container at MAX_DEPTH is too deep, and the grammar path
    # reports that. `start` is the offset of the opening bracket.

    def items(start: int, level: int) -> tuple[Node, Any, int]:
        pos = skip(text, start + 1).end()
        if text[pos] == "]":
            return Node("array", [], start, None, 1, lines), [], pos + 1
        if level >= MAX_DEPTH:
            raise FastPathDeclinedError
        nodes: list[Node] = []
        append = nodes.append
        data: list[Any] = []
        append_data = data.append
        depth = 2
        while True:
            match = plain_item(text, pos)
            if match is not None:
                string = match[1]
                append(Node("string", string, pos, None, 1, lines))
                append_data(string)
                pos = match.end()
                if match.lastindex == 3:
                    return Node("array", nodes, start, None, depth, lines), data, pos
                continue
            char = text[pos]
            if char == "{":
                node, plain, pos = members(pos, level + 1)
            elif char == "[":
                node, plain, pos = items(pos, level + 1)
            else:
                node, plain, pos = value(pos, level + 1)
            append(node)
            append_data(plain)
            if node.depth >= depth:
                depth = node.depth + 1
            match = after_item(text, pos)
            if match is None:
                raise FastPathDeclinedError
            pos = match.end()
            if match.lastindex == 2:
                return Node("array", nodes, start, None, depth, lines), data, pos

    def members(start: int, level: int) -> tuple[Node, Any, int]:
        pos = skip(text, start + 1).end()
        if text[pos] == "}":
            return Node("object", {}, start, None, 1, lines), {}, pos + 1
        if level >= MAX_DEPTH:
            raise FastPathDeclinedError
        nodes: dict[str, Node] = {}
        key_offsets: dict[str, int] = {}
        data: dict[str, Any] = {}
        depth = 2
        while True:
            key_offset = pos
            match = plain_key(text, pos)
            if match is not None:
                key = match[1]
                pos = match.end()
            else:
                if text[pos] != '"':
                    raise FastPathDeclinedError
                key, pos = scanstring(text, key_offset + 1, True)
                if lone_surrogate(text[key_offset:pos]) is not None:
                    raise FastPathDeclinedError
                match = colon(text, pos)
                if match is None:
                    raise FastPathDeclinedError
                pos = match.end()
            if key in nodes:  # the grammar path words the duplicate-key error
                raise FastPathDeclinedError
            key_offsets[key] = key_offset
            match = plain_member(text, pos)
            if match is not None:
                string = match[1]
                nodes[key] = Node("string", string, pos, None, 1, lines)
                data[key] = string
                pos = match.end()
                if match.lastindex == 3:
                    return Node("object", nodes, start, None, depth, lines, key_offsets), data, pos
                continue
            char = text[pos]
            if char == "{":
                node, plain, pos = members(pos, level + 1)
            elif char == "[":
                node, plain, pos = items(pos, level + 1)
            else:
                node, plain, pos = value(pos, level + 1)
            nodes[key] = node
            data[key] = plain
            if node.depth >= depth:
                depth = node.depth + 1
            match = after_member(text, pos)
            if match is None:
                raise FastPathDeclinedError
            pos = match.end()
            if match.lastindex == 2:
                return Node("object", nodes, start, None, depth, lines, key_offsets), data, pos

    try:
        root, plain, end = value(skip(text, 0).end(), 1)
    except (IndexError, ValueError, RecursionError):
        # Ran off the end of the text, a bad string (`JSONDecodeError` is a `ValueError`), an
        # integer too long for `int`, or a caller already near the recursion limit.
        raise FastPathDeclinedError from None
    finally:
        # The three functions call each other through their closure's cells: a cycle that
        # only the cyclic collector frees, and `policysim lint` turns it off. Rebinding the
        # names breaks it, so the scan's functions, cells and text go when the scan ends.
        value = items = members = _scanned
    if skip(text, end).end() != len(text):
        raise FastPathDeclinedError
    root.hand_over(plain)
    return root
