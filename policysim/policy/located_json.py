"""A fast located scanner for valid JSON, building exactly the `Node` tree the grammar builds.

The lark grammar (`grammars/json.lark`) is the authority on JSON in policysim: it defines what
is accepted and it words the errors. But lark lexes and parses token by token in Python, and a
corpus of managed policies spends nearly all of its parse time there. Almost every file is
valid, so this module is a fast path for the valid case only: recursive descent over the text
with precompiled regexes, and the C string decoder of the `json` module for escapes.

It never reports a problem itself. On anything it does not accept (invalid syntax, a duplicate
key, nesting beyond `MAX_DEPTH`, a number Python will not convert) it raises
`FastPathDeclinedError`, and the caller parses the text again with the grammar, which raises
the located `PolicyError`. So the scanner must be at least as strict as the grammar but never
has to word an error; `tests/policy/test_located_json.py` checks that, and that the trees are
identical.
"""

from __future__ import annotations

import json.decoder
import re
from bisect import bisect_left
from collections.abc import Callable
from itertools import accumulate
from typing import cast

from policysim.policy.errors import Position
from policysim.policy.source import MAX_DEPTH, MAX_INTEGER_DIGITS, Node
from policysim.slots import slot_setters


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

# A frozen dataclass's `__init__` sets each field through `object.__setattr__`, which made
# `Position(line, column)` the largest single cost of a scan (one per value and one per key).
# The scanner makes its positions by filling the two slots directly (`policysim.slots`): the
# same objects, equal and hashed alike, at about half the cost.
_new = object.__new__
_set_line, _set_column = slot_setters(Position, ("line", "column"))

# Positions are immutable values, and documents of a corpus put their values at the same few
# (line, column) pairs over and over: one object per pair serves every document, found by a
# dict lookup instead of made anew. Keyed by `line << _COLUMN_BITS | column`, which is unique
# while columns stay below 2**21 (texts shorter than that never look anything up); bounded so
# that a long run over odd files cannot grow it without end (past the bound, positions are
# made as before).
_COLUMN_BITS = 21
_SHARED_POSITIONS: dict[int, Position] = {}
_SHARED_POSITIONS_MAX = 1 << 17


def _no_position(slot: int) -> None:
    """No shared position (for texts whose columns may not fit `_COLUMN_BITS`)."""
    return None


def _shared_position(slot: int) -> Position:
    """The shared position for `slot` (made, and kept while there is room)."""
    position: Position = _new(Position)
    _set_line(position, slot >> _COLUMN_BITS)
    _set_column(position, slot & ((1 << _COLUMN_BITS) - 1))
    if len(_SHARED_POSITIONS) < _SHARED_POSITIONS_MAX:
        _SHARED_POSITIONS[slot] = position
    return position


def scan_located_json(text: str) -> Node:
    """Parse valid JSON `text` into the grammar path's tree, or raise `FastPathDeclinedError`.

    Positions are lark's: lines are counted by "\\n" alone (a lone "\\r" does not end a line),
    and columns count characters from 1.
    """
    # newlines[n] is the offset of the n-th "\n", with -1 before the text and the text's length
    # after it: an offset is on line `bisect_left(newlines, offset)`, computed in C.
    newlines = list(accumulate(map((1).__add__, map(len, text.split("\n"))), initial=-1))
    skip = _skip_space
    scanstring = _scanstring
    number = _NUMBER.match
    colon = _COLON.match
    after_item = _AFTER_ITEM.match
    after_member = _AFTER_MEMBER.match
    plain_item = _PLAIN_ITEM.match
    plain_member = _PLAIN_MEMBER.match
    plain_key = _PLAIN_KEY.match
    # A value's position is found by its slot, `line << bits | column`. Texts short enough for
    # every column to fit `_COLUMN_BITS` share positions across documents (`_SHARED_POSITIONS`);
    # a longer text widens the column bits and makes its own.
    shared: Callable[[int], Position | None]
    make_shared: Callable[[int], Position]
    if len(text) < (1 << _COLUMN_BITS):
        bits = _COLUMN_BITS
        shared, make_shared = _SHARED_POSITIONS.get, _shared_position
    else:
        bits = len(text).bit_length()
        mask = (1 << bits) - 1
        shared = _no_position

        def make_shared(slot: int) -> Position:
            return Position(slot >> bits, slot & mask)

    def value(pos: int, position: Position, level: int) -> tuple[Node, int]:
        """The value starting at `pos` (after any space) and the offset after it."""
        char = text[pos]
        if char == '"':
            string, end = scanstring(text, pos + 1, True)
            return Node("string", string, position), end
        if char == "{":
            return members(pos + 1, position, level)
        if char == "[":
            return items(pos + 1, position, level)
        if char == "t" and text.startswith("true", pos):
            return Node("bool", True, position), pos + 4
        if char == "f" and text.startswith("false", pos):
            return Node("bool", False, position), pos + 5
        if char == "n" and text.startswith("null", pos):
            return Node("null", None, position), pos + 4
        match = number(text, pos)
        if match is None:
            raise FastPathDeclinedError
        # The `_ToNodes.number` rule: a fraction or an exponent makes a float.
        if match.lastindex:
            return Node("number", float(match[0]), position), match.end()
        if len(match[0]) > MAX_INTEGER_DIGITS:
            raise FastPathDeclinedError  # the grammar path words the error
        return Node("number", int(match[0]), position), match.end()

    # The two loops below are the hot path. Positions are made inline, and a line is found by
    # stepping on from the previous one (usually by one line, or none), rarely by bisecting.
    # Plain strings and containers are handled without a call to `value`. `depth` mirrors
    # `_ToNodes`: one more than the deepest child, where a scalar counts 1. Any child of a
    # container at MAX_DEPTH is too deep, and the grammar path reports that.

    def items(pos: int, position: Position, level: int) -> tuple[Node, int]:
        pos = skip(text, pos).end()
        if text[pos] == "]":
            return Node("array", [], position), pos + 1
        if level >= MAX_DEPTH:
            raise FastPathDeclinedError
        nodes: list[Node] = []
        append = nodes.append
        depth = 2
        line = position.line
        while True:
            if pos > newlines[line]:
                line += 1
                if pos > newlines[line]:
                    line = bisect_left(newlines, pos, line)
            slot = line << bits | (pos - newlines[line - 1])
            child_position = shared(slot) or make_shared(slot)
            match = plain_item(text, pos)
            if match is not None:
                append(Node("string", match[1], child_position))
                pos = match.end()
                if match.lastindex == 3:
                    return Node("array", nodes, position, depth=depth), pos
                continue
            char = text[pos]
            if char == "{":
                node, pos = members(pos + 1, child_position, level + 1)
            elif char == "[":
                node, pos = items(pos + 1, child_position, level + 1)
            else:
                node, pos = value(pos, child_position, level + 1)
            append(node)
            if node.depth >= depth:
                depth = node.depth + 1
            match = after_item(text, pos)
            if match is None:
                raise FastPathDeclinedError
            pos = match.end()
            if match.lastindex == 2:
                return Node("array", nodes, position, depth=depth), pos

    def members(pos: int, position: Position, level: int) -> tuple[Node, int]:
        pos = skip(text, pos).end()
        if text[pos] == "}":
            return Node("object", {}, position), pos + 1
        if level >= MAX_DEPTH:
            raise FastPathDeclinedError
        nodes: dict[str, Node] = {}
        key_positions: dict[str, Position] = {}
        depth = 2
        line = position.line
        while True:
            if pos > newlines[line]:
                line += 1
                if pos > newlines[line]:
                    line = bisect_left(newlines, pos, line)
            slot = line << bits | (pos - newlines[line - 1])
            key_position = shared(slot) or make_shared(slot)
            match = plain_key(text, pos)
            if match is not None:
                key = match[1]
                pos = match.end()
            else:
                if text[pos] != '"':
                    raise FastPathDeclinedError
                key, pos = scanstring(text, pos + 1, True)
                match = colon(text, pos)
                if match is None:
                    raise FastPathDeclinedError
                pos = match.end()
            if key in nodes:  # the grammar path words the duplicate-key error
                raise FastPathDeclinedError
            key_positions[key] = key_position
            if pos > newlines[line]:  # the value is usually on the key's line
                line = bisect_left(newlines, pos, line)
            slot = line << bits | (pos - newlines[line - 1])
            child_position = shared(slot) or make_shared(slot)
            match = plain_member(text, pos)
            if match is not None:
                nodes[key] = Node("string", match[1], child_position)
                pos = match.end()
                if match.lastindex == 3:
                    return Node("object", nodes, position, key_positions, depth), pos
                continue
            char = text[pos]
            if char == "{":
                node, pos = members(pos + 1, child_position, level + 1)
            elif char == "[":
                node, pos = items(pos + 1, child_position, level + 1)
            else:
                node, pos = value(pos, child_position, level + 1)
            nodes[key] = node
            if node.depth >= depth:
                depth = node.depth + 1
            match = after_member(text, pos)
            if match is None:
                raise FastPathDeclinedError
            pos = match.end()
            if match.lastindex == 2:
                return Node("object", nodes, position, key_positions, depth), pos

    try:
        pos = skip(text, 0).end()
        line = bisect_left(newlines, pos)
        root, end = value(pos, Position(line, pos - newlines[line - 1]), 1)
    except (IndexError, ValueError, RecursionError):
        # Ran off the end of the text, a bad string (`JSONDecodeError` is a `ValueError`), an
        # integer too long for `int`, or a caller already near the recursion limit.
        raise FastPathDeclinedError from None
    if skip(text, end).end() != len(text):
        raise FastPathDeclinedError
    return root
