"""JSON through the lark grammar (`grammars/json.lark`): the authority on what is valid JSON
and the one path that words syntax errors (with line, column and a hint).

`source.parse_json_source` tries the fast scanner (`located_json`) first and comes here only
when it declines, so lark is imported only when a document is invalid (or unusual).
"""

from __future__ import annotations

import json
from functools import cache

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from policysim.grammar_loader import grammar_text
from policysim.policy.errors import PolicyError, Position
from policysim.policy.source import MAX_DEPTH, Node, too_long_integer


def _pos(token: Token) -> Position:
    return Position(token.line or 0, token.column or 0)


@v_args(inline=True)
class _ToNodes(Transformer[Token, Node]):
    """Builds `Node`s bottom-up while the LALR parser runs, so nesting never recurses.

    The parser keeps all tokens, so that brackets and keywords give containers and literals
    their positions.
    """

    def string(self, token: Token) -> Node:
        return Node("string", json.loads(token), _pos(token))

    def number(self, token: Token) -> Node:
        text = str(token)
        if any(c in text for c in ".eE"):
            return Node("number", float(text), _pos(token))
        problem = too_long_integer(text.lstrip("-"))
        if problem:
            raise PolicyError(f"invalid JSON: {problem}", position=_pos(token))
        value = int(text)
        return Node("number", value, _pos(token))

    def true(self, token: Token) -> Node:
        return Node("bool", True, _pos(token))

    def false(self, token: Token) -> Node:
        return Node("bool", False, _pos(token))

    def null(self, token: Token) -> Node:
        return Node("null", None, _pos(token))

    def pair(self, key: Token, _colon: Token, value: Node) -> tuple[Token, Node]:
        return key, value

    def object(self, *children: Token | tuple[Token, Node] | None) -> Node:
        opening = children[0]
        assert isinstance(opening, Token)
        items: dict[str, Node] = {}
        key_positions: dict[str, Position] = {}
        depth = 1
        for child in children[1:]:
            if not isinstance(child, tuple):
                continue
            token, node = child
            key = json.loads(token)
            if key in items:
                first = key_positions[key]
                raise PolicyError(
                    f"duplicate key {key!r} (first at {first}); JSON loaders silently keep the"
                    " last one",
                    position=_pos(token),
                )
            items[key] = node
            key_positions[key] = _pos(token)
            depth = max(depth, node.depth + 1)
        return _checked(Node("object", items, _pos(opening), key_positions, depth))

    def array(self, *children: Token | Node | None) -> Node:
        opening = children[0]
        assert isinstance(opening, Token)
        nodes = [c for c in children if isinstance(c, Node)]
        depth = 1 + max((n.depth for n in nodes), default=0)
        return _checked(Node("array", nodes, _pos(opening), depth=depth))


def _checked(node: Node) -> Node:
    if node.depth > MAX_DEPTH:
        raise PolicyError(f"nesting deeper than {MAX_DEPTH} levels", position=node.position)
    return node


@cache
def _json_parser() -> Lark:
    return Lark(
        grammar_text("json"),
        parser="lalr",
        lexer="basic",
        keep_all_tokens=True,
        maybe_placeholders=True,
        transformer=_ToNodes(),
    )


_TERMINAL_NAMES = {
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "LSQB": "'['",
    "RSQB": "']'",
    "COMMA": "','",
    "COLON": "':'",
    "STRING": "a string",
    "NUMBER": "a number",
    "TRUE": "true",
    "FALSE": "false",
    "NULL": "null",
    "$END": "end of input",
}


def _describe_expected(expected: set[str]) -> str:
    names = sorted({_TERMINAL_NAMES.get(e, e) for e in expected})
    if len(names) > 4:
        return "a JSON value"
    return " or ".join(names)


def _syntax_error(err: UnexpectedInput, text: str, file: str | None) -> PolicyError:
    line, column = err.line, err.column
    if isinstance(err, UnexpectedCharacters):
        offset = err.pos_in_stream or 0
        char = text[offset] if offset < len(text) else ""
        if char == "'":
            detail = "strings must use double quotes, not single quotes"
        elif char in "\n\r\t" or (char and ord(char) < 0x20):
            detail = f"control character {char!r} is not allowed here"
        elif char == '"':
            detail = _string_problem(text, offset)
        else:
            detail = f"unexpected character {char!r}"
        return PolicyError(f"invalid JSON: {detail}", file=file, position=Position(line, column))
    if isinstance(err, UnexpectedEOF):
        lines = text.splitlines() or [""]
        return PolicyError(
            "invalid JSON: unexpected end of input (unclosed '{' or '[')",
            file=file,
            position=Position(len(lines), len(lines[-1]) + 1),
        )
    assert isinstance(err, UnexpectedToken)
    token = err.token
    shown = "end of input" if token.type == "$END" else repr(str(token))
    detail = f"unexpected {shown}; expected {_describe_expected(set(err.expected))}"
    if token.type in {"RBRACE", "RSQB"} and "COMMA" not in err.expected:
        detail += " (trailing comma?)"
    if token.type == "$END":
        lines = text.splitlines() or [""]
        line, column = len(lines), len(lines[-1]) + 1
    return PolicyError(f"invalid JSON: {detail}", file=file, position=Position(line, column))


def _string_problem(text: str, start: int) -> str:
    """Why the string starting at `start` does not lex: a raw control character, a bad escape,
    or no closing quote."""
    i = start + 1
    while i < len(text):
        char = text[i]
        if char == '"':
            break
        if char == "\\":
            nxt = text[i + 1 : i + 2]
            if nxt not in ('"', "\\", "/", "b", "f", "n", "r", "t", "u"):
                return f"invalid escape sequence '\\{nxt}' in string"
            i += 2
            continue
        if ord(char) < 0x20:
            name = {"\t": "tab", "\n": "line break", "\r": "carriage return"}.get(char, repr(char))
            return f"{name} inside a string must be escaped"
        i += 1
    else:
        return "unterminated string"
    return "invalid string"


def parse_with_grammar(text: str, file: str | None = None) -> Node:
    """The grammar path alone: the authority on JSON, and the one that words the errors."""
    try:
        node = _json_parser().parse(text)
    except UnexpectedInput as err:
        raise _syntax_error(err, text, file) from None
    except PolicyError as err:
        raise err.located(file=file) from None
    assert isinstance(node, Node)
    return node
