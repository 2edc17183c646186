"""What the JSON loaders share: strict decoding, JSON paths, and locating errors lazily.

Account files are large (an organization's authorization details run to tens of MB), so they
are read with the standard `json` module, which is two orders of magnitude faster than the
located lark parser. Positions matter only when something is wrong, so the located tree is
built on the first error, and only for files small enough to parse quickly.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

from policysim.account.checks import DocPath, Locator, SiteCollector
from policysim.files import read_input, read_problem
from policysim.policy.build import policy_from_data, policy_from_node
from policysim.policy.errors import PolicyError, Position
from policysim.policy.model import Policy
from policysim.policy.source import DuplicateKeyError, Node, parse_json_source, strict_loads

LOCATE_MAX_BYTES = 5 * 1024 * 1024
"""Files up to this size are re-parsed on error to give the line and column (about 1 s)."""
ACCOUNT_ID = re.compile(r"^[0-9]{12}$")

JsonPath = tuple[str | int, ...]
_SIMPLE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


def format_path(path: Iterable[str | int]) -> str:
    """`UserDetailList[3].UserPolicyList[0].PolicyDocument`; odd keys are quoted."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _SIMPLE_KEY.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part)}]"
    return out


def read_file(path: str | os.PathLike[str], *, allow_pipes: bool = False) -> tuple[bytes, str]:
    """The file's bytes and the name to use in messages; unreadable files are `PolicyError`s.

    Read through `read_input` (`policysim.files`): a regular file within the input size limit
    (a FIFO or device planted where an account file is expected is refused, not waited on);
    `allow_pipes` for a file the user named on the command line (`--account <(...)`).
    """
    name = str(path)
    try:
        return read_input(path, allow_pipes=allow_pipes), name
    except OSError as err:
        raise PolicyError(read_problem(err), file=name) from None


def decode_text(data: bytes, file: str) -> str:
    """UTF-8 text (BOM allowed); UTF-16 with a BOM too, which PowerShell's `>` writes."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise PolicyError("not valid UTF-16 text", file=file, position=Position(1, 1)) from None
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


class JsonSource:
    """A JSON file being loaded: its name, text and data, and positions on demand.

    Errors are raised through `error()` and `policy()`, which attach `file:line:col` when the
    file is small enough to re-parse with the located parser, and the JSON path always.
    """

    def __init__(self, text: str, file: str) -> None:
        self.file = file
        self.text = text
        self._tree: Node | None = None
        self._tree_tried = False
        self.sites = SiteCollector(file)
        """The file's policies, checked for warnings once the whole file is read."""

    def load(self) -> Any:
        """Parse the whole text; syntax errors carry their line and column."""
        try:
            return strict_loads(self.text)
        except json.JSONDecodeError as err:
            if self._small():
                # The located parser explains more (`trailing comma?`, single quotes).
                parse_json_source(self.text, self.file)
            raise PolicyError(
                f"invalid JSON: {err.msg}", file=self.file, position=Position(err.lineno, err.colno)
            ) from None
        except DuplicateKeyError as err:
            if self._small():
                # The located parser reports the same duplicate with its position.
                parse_json_source(self.text, self.file)
            raise PolicyError(f"invalid JSON: {err}", file=self.file) from None
        except RecursionError:
            raise PolicyError("invalid JSON: nesting is too deep", file=self.file) from None
        except ValueError as err:
            raise PolicyError(f"invalid JSON: {err}", file=self.file) from None

    def _small(self) -> bool:
        return len(self.text) <= LOCATE_MAX_BYTES

    def tree(self) -> Node | None:
        """The located tree, parsed once on first need; None for large files."""
        if not self._tree_tried:
            self._tree_tried = True
            if self._small():
                try:
                    self._tree = parse_json_source(self.text, self.file)
                except PolicyError:
                    self._tree = None
        return self._tree

    def node(self, path: JsonPath) -> Node | None:
        """The located node at `path` exactly, or None."""
        node = self.tree()
        for part in path:
            if node is None:
                return None
            node = _child(node, part)
        return node

    def locator(self, base: JsonPath) -> Locator:
        """A `Locator` for a document at `base`; positions only for files small enough."""

        def locate(path: DocPath) -> tuple[Position | None, str | None]:
            tree = self.tree()
            where = format_path((*base, *path)) or None
            return (None if tree is None else locate_in(tree, (*base, *path))), where

        return locate

    def position(self, path: JsonPath, *, key: bool = False) -> Position | None:
        """Where `path` is, or its nearest existing ancestor; `key=True` points at the key."""
        node = self.tree()
        if node is None:
            return None
        position = node.position
        for i, part in enumerate(path):
            child = _child(node, part)
            if child is None:
                break
            if key and i == len(path) - 1 and isinstance(part, str):
                return node.key_positions.get(part, child.position)
            node = child
            position = node.position
        return position

    def error(self, message: str, path: JsonPath, *, key: bool = False) -> PolicyError:
        """A `PolicyError` naming the file, the JSON path and (for small files) line:col."""
        return PolicyError(
            message,
            file=self.file,
            position=self.position(path, key=key),
            path=format_path(path) or None,
        )

    def policy(self, value: Any, path: JsonPath) -> Policy:
        """A policy document given as a JSON object, a JSON string or a URL-encoded one.

        The IAM API returns documents URL-encoded (the CLI and boto3 decode them), and some
        services (S3's `GetBucketPolicy`) return them as JSON text: all three forms occur.
        """
        where = format_path(path)
        if isinstance(value, str):
            data = self._decode_document(value, path)
            try:
                return policy_from_data(data, file=self.file)
            except PolicyError as err:
                raise PolicyError(
                    err.message,
                    file=self.file,
                    position=self.position(path),
                    path=f"{where}.{err.path}" if err.path else where,
                ) from None
        if not isinstance(value, dict):
            raise self.error(
                f"a policy document must be a JSON object or a JSON string, not {json_type(value)}",
                path,
            )
        try:
            return policy_from_data(value, file=self.file)
        except PolicyError as err:
            node = self.node(path)
            if node is not None:
                try:
                    policy_from_node(node, self.file)
                except PolicyError as located:
                    raise located.located(path_prefix=where) from None
            raise err.located(file=self.file, path_prefix=where) from None

    def _decode_document(self, value: str, path: JsonPath) -> Any:
        text = value.strip()
        encoded = text.startswith("%")
        if encoded:
            text = unquote(text)
        try:
            return strict_loads(text)
        except (ValueError, RecursionError) as err:
            kind = "URL-encoded JSON" if encoded else "JSON"
            detail = err.msg if isinstance(err, json.JSONDecodeError) else str(err)
            raise self.error(
                f"the policy document string is not valid {kind}: {detail}", path
            ) from None


def locate_in(node: Node, path: DocPath) -> Position:
    """Where `path` is below `node`, as a policy document may be written.

    IAM allows a single statement for a list of them and a string for a list of strings, so
    index 0 of a value that is not a list is the value itself. A path ending at a key points
    at the key (`Condition: {StringEquals: {aws:SourceIpp: ...}}` at `aws:SourceIpp`). A path
    that leaves the tree (a document given as JSON text) stops at the last node found.
    """
    position = node.position
    for i, part in enumerate(path):
        if isinstance(part, int):
            if node.kind == "array" and 0 <= part < len(node.value):
                node = node.value[part]
            elif node.kind != "array" and part == 0:
                continue
            else:
                break
        else:
            if node.kind != "object" or part not in node.value:
                break
            child: Node = node.value[part]
            if i == len(path) - 1:
                return node.key_positions.get(part, child.position)
            node = child
        position = node.position
    return position


def node_locator(node: Node, base: JsonPath) -> Locator:
    """A `Locator` for a document parsed from `node`, which sits at `base` in its file."""
    return lambda path: (locate_in(node, path), format_path((*base, *path)) or None)


def _child(node: Node, part: str | int) -> Node | None:
    if node.kind == "object" and isinstance(part, str):
        child = node.value.get(part)
        return child if isinstance(child, Node) else None
    if node.kind == "array" and isinstance(part, int) and 0 <= part < len(node.value):
        child = node.value[part]
        return child if isinstance(child, Node) else None
    return None


def json_type(value: Any) -> str:
    """JSON's name for a Python value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


class Reader:
    """Typed access to plain JSON data, raising located errors through a `JsonSource`."""

    def __init__(self, source: JsonSource) -> None:
        self.source = source

    def obj(self, value: Any, path: JsonPath) -> dict[str, Any]:
        """`value` as an object."""
        if not isinstance(value, dict):
            raise self.source.error(f"expected an object, got {json_type(value)}", path)
        return value

    def array(self, value: Any, path: JsonPath) -> list[Any]:
        """`value` as an array (null counts as empty: AWS omits or nulls empty lists)."""
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.source.error(f"expected an array, got {json_type(value)}", path)
        return value

    def string(self, value: Any, path: JsonPath) -> str:
        """`value` as a non-empty string."""
        if not isinstance(value, str) or not value:
            got = "an empty string" if value == "" else json_type(value)
            raise self.source.error(f"expected a non-empty string, got {got}", path)
        return value

    def opt_string(self, value: Any, path: JsonPath) -> str | None:
        """`value` as a string or null."""
        return None if value is None else self.string(value, path)

    def required(self, data: dict[str, Any], key: str, path: JsonPath) -> Any:
        """`data[key]`, or an error naming the missing key."""
        if key not in data:
            raise self.source.error(f"missing required key {key!r}", path)
        return data[key]

    def only_keys(self, data: dict[str, Any], allowed: Iterable[str], path: JsonPath) -> None:
        """Reject keys outside `allowed` (policysim's own format is strict about typos)."""
        allowed = tuple(allowed)
        for key in data:
            if key not in allowed:
                raise self.source.error(
                    f"unknown key {key!r}; allowed keys: {', '.join(allowed)}",
                    (*path, key),
                    key=True,
                )

    def account_id(self, value: Any, path: JsonPath) -> str:
        """A 12-digit account id string."""
        if not isinstance(value, str) or not ACCOUNT_ID.match(value):
            raise self.source.error(f"an account id must be a 12-digit string, got {value!r}", path)
        return value

    def tags(self, value: Any, path: JsonPath) -> dict[str, str]:
        """Tags as AWS lists them (`[{"Key": k, "Value": v}]`) or as an object."""
        if value is None:
            return {}
        out: dict[str, str] = {}
        if isinstance(value, dict):
            for key, tag in value.items():
                if not isinstance(tag, str):
                    raise self.source.error(
                        f"a tag value must be a string, got {json_type(tag)}", (*path, key)
                    )
                out[key] = tag
            return out
        for i, item in enumerate(self.array(value, path)):
            entry = self.obj(item, (*path, i))
            key = self.string(self.required(entry, "Key", (*path, i)), (*path, i, "Key"))
            tag = entry.get("Value", "")
            if not isinstance(tag, str):
                raise self.source.error(
                    f"a tag value must be a string, got {json_type(tag)}", (*path, i, "Value")
                )
            out[key] = tag
        return out
