"""Source text to a located tree: every JSON/YAML value keeps its line and column.

Python's `json` loses positions and silently keeps the last of duplicate keys, so policy files
are parsed here instead: JSON with a lark LALR grammar (`grammars/json.lark`, in
`json_grammar`), YAML with PyYAML's composer. The result is a small tree of `Node`s that
`policy.build` turns into models and that the linter walks for structural rules.

JSON takes one of two paths. The grammar is the authority: it defines what is valid and words
every syntax error. But lark lexes and parses token by token in Python, which was nearly all
of the time spent on a corpus of policies, so valid documents take a fast path first:
`located_json.scan_located_json` builds the same tree, several times faster, with a few regexes
and the C string decoder of the `json` module. The scanner gives up on anything it does not
accept, and the text is then parsed again with the grammar, which reports the error (so lark
is imported only then). Tests check that the two paths agree on trees, positions and errors.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, cast

import yaml

from policysim.policy.errors import PolicyError, Position, position_at
from policysim.slots import slot_setters

MAX_DEPTH = 64
"""Deepest nesting accepted; a real policy is about six levels deep."""
MAX_SOURCE_BYTES = 1024 * 1024
"""Largest policy file accepted; AWS's largest policy quota (a KMS key policy) is 32 KB."""
YAML_EXPANSION_FACTOR = 10
"""How many times over YAML aliases may repeat a document's distinct values..."""
YAML_EXPANSION_FLOOR = 10_000
"""...or this many values in all, whichever is more: aliases are legitimate (a CloudFormation
template reusing a block), but 400 bytes of nested aliases (a "billion laughs") would expand to
billions of values and exhaust memory."""

MAX_INTEGER_DIGITS = 4000
"""Longest integer accepted (Python refuses to convert more than 4,300 digits; no IAM value
comes close)."""

_CONTAINERS = frozenset({"object", "array"})

PathKey = str | int
Path = tuple[PathKey, ...]


class SourceLines:
    """Where each line of one source text starts, worked out on first use: turns an offset
    into the text into the `Position` lark would give it (lines counted by "\\n" alone, a lone
    "\\r" ends none; columns count characters from 1).

    The fast JSON scanner (`located_json`) gives each value its offset rather than its
    position: lint reads the positions of about one value in ten (those it reports), and
    working out every one while scanning cost a quarter of the scan."""

    __slots__ = ("_newlines", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._newlines: list[int] | None = None

    def position(self, offset: int) -> Position:
        """The line and column of `offset` (an offset of the text, not of a newline)."""
        newlines = self._newlines
        if newlines is None:
            # newlines[n] is the offset of the n-th "\\n", with -1 before the text and the
            # text's length after it: an offset is on line `bisect_left(newlines, offset)`.
            text = self._text
            newlines = list(accumulate(map((1).__add__, map(len, text.split("\n"))), initial=-1))
            self._newlines = newlines
        line = bisect_left(newlines, offset)
        position: Position = _new(Position)  # `Position(line, column)`, filled directly
        _set_line(position, line)
        _set_column(position, offset - newlines[line - 1])
        return position


_new = object.__new__
_set_line, _set_column = slot_setters(Position, ("line", "column"))


_NO_KEY_OFFSETS: dict[str, int] = {}
"""The key offsets of a located scalar or array (never written to)."""


class Node:
    """One located value: a scalar, a list of `Node`s, or an ordered mapping of key to `Node`.

    A value's position (and for an object each key's) is either given, or, for trees the fast
    JSON scanner builds, an offset into the text that `SourceLines` turns into the position
    on first use (see there why). Equality and `repr` are those of the dataclass this was:
    field by field, positions as positions, however they were given."""

    __slots__ = (
        "_handed",
        "_key_offsets",
        "_key_positions",
        "_lines",
        "_position",
        "depth",
        "kind",
        "value",
    )

    kind: str  # "object", "array", "string", "number", "bool", "null"
    value: Any
    depth: int
    _handed: Any  # unset unless `hand_over` was called

    def __init__(
        self,
        kind: str,
        value: Any,
        position: Position | int,
        key_positions: dict[str, Position] | None = None,
        depth: int = 1,
        lines: SourceLines | None = None,
        key_offsets: dict[str, int] = _NO_KEY_OFFSETS,
    ) -> None:
        """`position` and `key_offsets` are offsets into the text of `lines` when given:
        then `key_positions` is None (worked out from `key_offsets` on first use)."""
        self.kind = kind
        self.value = value
        self._position = position
        if key_positions is None and lines is None:
            key_positions = {}
        self._key_positions = key_positions
        self.depth = depth
        self._lines = lines
        self._key_offsets = key_offsets

    @property
    def position(self) -> Position:
        """Where the value starts."""
        found = self._position
        if type(found) is int:
            assert self._lines is not None
            found = self._position = self._lines.position(found)
        return cast(Position, found)

    @position.setter
    def position(self, position: Position) -> None:
        self._position = position

    @property
    def key_positions(self) -> dict[str, Position]:
        """Where each key of an object is written (empty for other values)."""
        found = self._key_positions
        if found is None:
            assert self._lines is not None
            at = self._lines.position
            found = self._key_positions = {k: at(o) for k, o in self._key_offsets.items()}
        return found

    @key_positions.setter
    def key_positions(self, positions: dict[str, Position]) -> None:
        self._key_positions = positions

    def key_position(self, key: str) -> Position:
        """Where the key `key` of an object is written: `key_positions[key]`, without working
        out the other keys' positions (a rule reporting one key asks for that one)."""
        found = self._key_positions
        if found is None:
            assert self._lines is not None
            return self._lines.position(self._key_offsets[key])
        return found[key]

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Node)
        return (self.kind, self.value, self.position, self.key_positions, self.depth) == (
            other.kind,
            other.value,
            other.position,
            other.key_positions,
            other.depth,
        )

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    def __repr__(self) -> str:
        return (
            f"Node(kind={self.kind!r}, value={self.value!r}, position={self.position!r},"
            f" key_positions={self.key_positions!r}, depth={self.depth!r})"
        )

    def hand_over(self, data: Any) -> None:
        """Keep `data`, this value as plain data, for the next `to_plain` to return. The fast
        JSON scanner builds a document's plain data as it builds the tree, for less than a
        walk of the tree costs afterwards (the linter asks for it once per document)."""
        self._handed = data

    def to_plain(self) -> Any:
        """The value as plain Python data (dict, list, str, int, float, bool, None): a new
        structure on every call, which the caller may change (data handed over is returned
        once, and nothing else holds it)."""
        try:
            data = self._handed
        except AttributeError:
            return self._plain()
        del self._handed
        return data

    def _plain(self) -> Any:
        # Scalars (most values) are read in place rather than through a call each.
        if self.kind == "object":
            return {
                k: v._plain() if v.kind in _CONTAINERS else v.value for k, v in self.value.items()
            }
        if self.kind == "array":
            return [v._plain() if v.kind in _CONTAINERS else v.value for v in self.value]
        return self.value

    def positions(self) -> dict[Path, Position]:
        """Map every path below this node (keys and indexes) to its position."""
        out: dict[Path, Position] = {}
        stack: list[tuple[Path, Node]] = [((), self)]
        while stack:
            path, node = stack.pop()
            out[path] = node.position
            if node.kind == "object":
                for key, child in node.value.items():
                    out[(*path, f"<key>{key}")] = node.key_positions[key]
                    stack.append(((*path, key), child))
            elif node.kind == "array":
                stack.extend(((*path, i), child) for i, child in enumerate(node.value))
        return out


class DuplicateKeyError(ValueError):
    """Raised from inside `json.loads`: Python would otherwise keep the last value silently."""

    def __init__(self, key: str) -> None:
        super().__init__(f"duplicate key {key!r}; JSON loaders silently keep the last one")
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)  # built in C; only a short list needs a second look
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKeyError(key)
            seen.add(key)
    return out


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def too_long_integer(digits: str) -> str | None:
    """Why an integer literal cannot be read, or None when it can."""
    if len(digits) > MAX_INTEGER_DIGITS:
        return f"a number of {len(digits):,} digits is too long (at most {MAX_INTEGER_DIGITS:,})"
    return None


def _bounded_int(digits: str) -> int:
    problem = too_long_integer(digits)
    if problem:
        raise ValueError(problem)
    return int(digits)


_SURROGATE_ESCAPE = re.compile(r"(\\+)u([dD][89a-fA-F][0-9a-fA-F]{2})")


def lone_surrogate(text: str) -> int | None:
    """Offset of a `\\uD800`-`\\uDFFF` escape that is not half of a surrogate pair, else None.

    JSON allows such escapes, but the string they make is not Unicode: it cannot be printed
    or written as UTF-8 (a text report or SARIF file would fail halfway). Only escapes count:
    an even run of backslashes before `u` is literal backslashes.
    """
    if "\\u" not in text and "\\U" not in text:
        return None
    pending_high: int | None = None
    expected_at = -1
    for match in _SURROGATE_ESCAPE.finditer(text):
        if len(match[1]) % 2 == 0:
            continue
        start = match.start() + len(match[1]) - 1
        high = match[2][1].lower() in "89ab"
        if pending_high is not None:
            if high or start != expected_at:
                return pending_high
            pending_high = None
            continue
        if not high:
            return start
        pending_high, expected_at = start, match.end()
    return pending_high


_STRICT_DECODER = json.JSONDecoder(
    object_pairs_hook=_no_duplicates, parse_constant=_no_constants, parse_int=_bounded_int
)
"""Made once: `json.loads` with hooks builds a new decoder on every call (batch lines are many)."""


def strict_loads(text: str) -> Any:
    """Fast `json.loads` (no positions) that rejects duplicate keys and NaN/Infinity.

    For large inputs (account snapshots, batch lines) where the located parser would be slow;
    callers re-parse with `parse_json_source` only to locate an error. Every problem is a
    `ValueError` (`json.JSONDecodeError` for syntax): over-long integers, lone surrogates and
    nesting deeper than the interpreter's stack included.
    """
    try:
        if type(text) is not str or text.startswith("\ufeff"):
            # `json.loads` decodes bytes and words the error for a byte order mark.
            data = json.loads(
                text,
                object_pairs_hook=_no_duplicates,
                parse_constant=_no_constants,
                parse_int=_bounded_int,
            )
        else:
            data = _STRICT_DECODER.decode(text)
    except RecursionError:
        raise ValueError("nesting is too deep") from None
    if isinstance(text, str):
        offset = lone_surrogate(text)
        if offset is not None:
            raise json.JSONDecodeError("unpaired surrogate escape (not Unicode text)", text, offset)
    return data


def decode_source(data: bytes, file: str | None = None) -> str:
    """Decode UTF-8 bytes (a leading BOM is allowed), pointing at the first bad byte."""
    if len(data) > MAX_SOURCE_BYTES:
        raise PolicyError(
            f"file is {len(data):,} bytes; policy documents are limited to"
            f" {MAX_SOURCE_BYTES:,} bytes (AWS's largest policy quota is 32 KB)",
            file=file,
            position=Position(1, 1),
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        before = data[: err.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        raise PolicyError(
            f"not UTF-8 text: byte 0x{data[err.start]:02x} cannot be decoded",
            file=file,
            position=Position(line, column),
        ) from None
    return text.removeprefix("\ufeff")


def parse_json_source(text: str, file: str | None = None) -> Node:
    """Parse JSON text into a located tree, or raise `PolicyError` with the position."""
    if not text or text.isspace():  # `not text.strip()`, without copying the text
        raise PolicyError("empty document", file=file, position=Position(1, 1))
    # Imported here: both build this module's `Node`s (and lark is only needed for errors).
    from policysim.policy.located_json import FastPathDeclinedError, scan_located_json

    try:
        return scan_located_json(text)  # it declines a text with a lone surrogate escape
    except FastPathDeclinedError:
        pass
    # outside the handler, the grammar's errors are not chained to this one
    from policysim.policy.json_grammar import parse_with_grammar

    node = parse_with_grammar(text, file)
    offset = lone_surrogate(text)
    if offset is not None:
        before = text[:offset]
        position = Position(before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1)
        raise PolicyError(
            f"invalid JSON: unpaired surrogate escape {text[offset : offset + 6]} (not Unicode"
            " text)",
            file=file,
            position=position,
        )
    return node


def parse_yaml_source(text: str, file: str | None = None, tags: TagHandler | None = None) -> Node:
    """Parse YAML text into a located tree (PyYAML composer nodes carry marks); `tags`
    handles application-specific tags, which are otherwise read as plain values."""
    try:
        root = yaml.compose(text, Loader=_yaml_loader())
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        position = Position(mark.line + 1, mark.column + 1) if mark else None
        problem = err.problem or err.context or "invalid YAML"
        raise PolicyError(f"invalid YAML: {problem}", file=file, position=position) from None
    except yaml.reader.ReaderError as err:
        raise _reader_error(err, text, file) from None
    except yaml.YAMLError as err:
        # PyYAML's text ends in lines like `  in "<unicode string>", position 7`: keep the
        # problem, the file is named by the error itself
        problem = str(err).strip().splitlines()[0] if str(err).strip() else "invalid YAML"
        raise PolicyError(f"invalid YAML: {problem}", file=file) from None
    except UnicodeEncodeError as err:
        # libyaml encodes the text first; a lone surrogate cannot be
        raise PolicyError(
            "not Unicode text: an unpaired surrogate character",
            file=file,
            position=position_at(text, err.start),
        ) from None
    if root is None:
        raise PolicyError("empty document", file=file, position=Position(1, 1))
    budget = _ExpansionBudget(
        max(YAML_EXPANSION_FLOOR, YAML_EXPANSION_FACTOR * _distinct_nodes(root)), file
    )
    return _yaml_to_node(root, file, 1, tags, budget)


def _reader_error(err: yaml.reader.ReaderError, text: str, file: str | None) -> PolicyError:
    """A character YAML does not allow (a control character, a lone surrogate) as a one-line
    error at its line and column. PyYAML's own text spans two lines and gives an offset,
    which libyaml counts in UTF-8 bytes and PyYAML in characters."""
    offset = err.position
    character = err.character
    if not isinstance(character, int):
        return PolicyError(f"invalid YAML: {err.reason}", file=file)
    if not (0 <= offset < len(text) and ord(text[offset]) == character):
        prefix = text.encode("utf-8", "surrogatepass")[:offset]
        offset = len(prefix.decode("utf-8", "ignore"))
    return PolicyError(
        f"invalid YAML: {err.reason} (U+{character:04X})",
        file=file,
        position=position_at(text, offset),
    )


def _distinct_nodes(root: yaml.Node) -> int:
    """How many node objects the composed document holds (an alias is the node it names,
    so each counts once however often it is used)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack += (key, value)
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value
    return len(seen)


@dataclass(slots=True)
class _ExpansionBudget:
    """Values left to convert; aliases are expanded as they are met, each use costing again."""

    left: int
    file: str | None

    def spend(self, node: yaml.Node) -> None:
        self.left -= 1
        if self.left < 0:
            raise PolicyError(
                "YAML aliases expand to too many values (a 'billion laughs' document?);"
                " write the repeated parts out instead",
                file=self.file,
                position=_mark(node),
            )


def _yaml_loader() -> type[yaml.SafeLoader]:
    loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return loader


def _mark(node: yaml.Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


TagHandler = Callable[[str, Node], Node]
"""Turns an application-specific YAML tag (`!Ref`, `!Sub`, ...) and its converted value into
the node that stands for it (CloudFormation's short forms become their long forms)."""


def _yaml_to_node(
    node: yaml.Node,
    file: str | None,
    depth: int,
    tags: TagHandler | None,
    budget: _ExpansionBudget,
) -> Node:
    budget.spend(node)
    converted = _yaml_untagged(node, file, depth, tags, budget)
    tag = node.tag or ""
    if tags is not None and tag.startswith("!") and len(tag) > 1:
        return tags(tag, converted)
    return converted


def _yaml_untagged(
    node: yaml.Node,
    file: str | None,
    depth: int,
    tags: TagHandler | None,
    budget: _ExpansionBudget,
) -> Node:
    if depth > MAX_DEPTH:
        raise PolicyError(
            f"nesting deeper than {MAX_DEPTH} levels", file=file, position=_mark(node)
        )
    if isinstance(node, yaml.MappingNode):
        items: dict[str, Node] = {}
        key_positions: dict[str, Position] = {}
        for key_node, value_node in node.value:
            key = _yaml_key(key_node, file)
            if key in items:
                raise PolicyError(
                    f"duplicate key {key!r} (first at {key_positions[key]})",
                    file=file,
                    position=_mark(key_node),
                )
            items[key] = _yaml_to_node(value_node, file, depth + 1, tags, budget)
            key_positions[key] = _mark(key_node)
        deepest = max((n.depth for n in items.values()), default=0)
        return Node("object", items, _mark(node), key_positions, deepest + 1)
    if isinstance(node, yaml.SequenceNode):
        nodes = [_yaml_to_node(child, file, depth + 1, tags, budget) for child in node.value]
        return Node("array", nodes, _mark(node), depth=1 + max((n.depth for n in nodes), default=0))
    value = _yaml_scalar(node, file)
    kind = (
        "null"
        if value is None
        else "bool"
        if isinstance(value, bool)
        else "number"
        if isinstance(value, int | float)
        else "string"
    )
    if kind == "string" and not isinstance(value, str):
        value = node.value  # dates and other YAML types are kept as written
    return Node(kind, value, _mark(node))


def _yaml_key(node: yaml.Node, file: str | None) -> str:
    """A mapping key as written: keys are names, so YAML 1.1's `NO:`, `on:` or `1e3:` stay
    the names `NO`, `on` and `1e3` rather than becoming `False`, `True` and `1000.0`."""
    if not isinstance(node, yaml.ScalarNode):
        raise PolicyError("a mapping key must be a plain value", file=file, position=_mark(node))
    return str(node.value)


def _yaml_scalar(node: yaml.Node, file: str | None) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise PolicyError("a mapping key must be a plain value", file=file, position=_mark(node))
    tag = node.tag
    if tag.endswith(":str") or not tag.startswith("tag:yaml.org,2002:"):
        return node.value
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node)
    except (yaml.YAMLError, ValueError, TypeError, AttributeError, OverflowError):
        implicit = loader.resolve(yaml.ScalarNode, node.value, (True, False))  # type: ignore[no-untyped-call]
        if node.tag == implicit:
            # An implicitly typed scalar that does not construct (`2024-02-30` looks like a
            # date, a 5,000-digit integer exceeds Python's limit): keep it as written.
            return node.value
        explicit = node.tag.removeprefix("tag:yaml.org,2002:")
        raise PolicyError(
            f"value {node.value[:40]!r} is not a valid !!{explicit}",
            file=file,
            position=_mark(node),
        ) from None


def looks_like_yaml(text: str, file: str | None) -> bool:
    """JSON unless the file name says YAML or the text does not start like JSON."""
    if file and file.lower().endswith((".yaml", ".yml")):
        return True
    if file and file.lower().endswith(".json"):
        return False
    stripped = text.lstrip()
    return not stripped.startswith(("{", "["))


def parse_source(data: bytes | str, file: str | None = None) -> Node:
    """Parse a policy file's bytes or text (JSON or YAML) into a located tree."""
    text = decode_source(data, file) if isinstance(data, bytes) else data.removeprefix("\ufeff")
    if looks_like_yaml(text, file):
        return parse_yaml_source(text, file)
    return parse_json_source(text, file)
