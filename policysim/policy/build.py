"""Turn parsed input (a located tree or plain JSON data) into a `Policy`, or a located error."""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Any

from pydantic import ValidationError

from policysim.files import read_input, read_problem
from policysim.policy.errors import PolicyError, Position
from policysim.policy.fast_build import fast_policy
from policysim.policy.kinds import PolicyKind
from policysim.policy.model import Policy
from policysim.policy.source import Node, Path, parse_source
from policysim.policy.validate import validate_policy


def _describe_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _friendly(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    msg = str(error.get("msg", "invalid value"))
    if kind == "extra_forbidden":
        return f"unknown element {error['loc'][-1]!r}"
    if kind == "missing":
        return f"missing required element {error['loc'][-1]!r}"
    if kind == "literal_error":
        return f"{msg} (got {error.get('input')!r})"
    if kind == "tuple_type":
        return f"expected a string or a list of strings (got {type(error.get('input')).__name__})"
    if kind in {"string_type", "dict_type", "model_type", "model_attributes_type"}:
        return f"{msg} (got {type(error.get('input')).__name__})"
    return msg.removeprefix("Value error, ")


def _pydantic_path(loc: tuple[Any, ...], data: Any) -> Path:
    """Map pydantic's location onto the source tree's path (a lone statement has no index)."""
    path: list[str | int] = []
    for part in loc:
        if isinstance(part, str) and part.startswith(("function-", "tuple[", "dict[", "[key]")):
            continue
        path.append(part)
    # Walk the data: an index that pydantic added after wrapping a lone value in a list (a
    # single statement, a scalar condition value) names nothing in the source.
    out: list[str | int] = []
    node = data
    for part in path:
        if isinstance(part, int) and not isinstance(node, list):
            continue
        out.append(part)
        if isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node):
            node = node[part]
        elif isinstance(part, str) and isinstance(node, dict):
            node = node.get(part)
        else:
            node = None
    return tuple(out)


def _locate(path: Path, positions: dict[Path, Position] | None, kind: str) -> Position | None:
    if not positions:
        return None
    if kind in {"extra_forbidden"} and path:
        key = (*path[:-1], f"<key>{path[-1]}")
        if key in positions:
            return positions[key]
    for end in range(len(path), -1, -1):
        candidate = path[:end]
        if candidate in positions:
            return positions[candidate]
        if end and isinstance(path[end - 1], str):
            keyed = (*path[: end - 1], f"<key>{path[end - 1]}")
            if keyed in positions:
                return positions[keyed]
    return None


def policy_from_data(
    data: Any,
    *,
    file: str | None = None,
    positions: dict[Path, Position] | None = None,
    kind: PolicyKind | None = None,
) -> Policy:
    """Validate plain JSON data as a policy document.

    With `positions` (from a located tree) errors and statements carry line and column;
    without, errors name the element's path (`Statement[1].Effect`). With `kind`, what IAM
    rejects for that type of policy is an error too (see `policy.validate`).
    """
    if not isinstance(data, dict):
        raise PolicyError(
            f"a policy document must be a JSON object, not {type(data).__name__}",
            file=file,
            position=positions.get(()) if positions else None,
        )
    try:
        # Documents in the plain shape are built directly (the same models, several times
        # faster); anything else, invalid documents included, is validated by pydantic.
        policy = fast_policy(data) or Policy.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        loc = tuple(first["loc"])
        error_type = first.get("type", "")
        path = _pydantic_path(loc, data)
        if error_type == "missing" or (loc and loc[-1] == "[key]"):
            # The problem is the key itself (unknown operator) or the object lacking one.
            position = _locate(path, positions, "extra_forbidden")
            if error_type == "missing":
                path = path[:-1]
                position = _locate(path, positions, error_type)
        else:
            position = _locate(path, positions, error_type)
        raise PolicyError(
            _friendly(dict(first)),
            file=file,
            position=position,
            path=_describe_loc(path) or None,
        ) from None
    if kind is not None:
        validate_policy(data, kind, file=file, positions=positions)
    policy.locate(file, positions.get(()) if positions else None)
    if positions:
        single = isinstance(data.get("Statement"), dict)
        for statement in policy.statements:
            key: Path = ("Statement",) if single else ("Statement", statement.index)
            statement.locate(statement.index, positions.get(key))
    return policy


def policy_from_node(
    node: Node, file: str | None = None, *, kind: PolicyKind | None = None
) -> Policy:
    """Build a policy from a located tree, keeping every statement's position."""
    return policy_from_data(node.to_plain(), file=file, positions=node.positions(), kind=kind)


def parse_policy(
    text: str | bytes, file: str | None = None, *, kind: PolicyKind | None = None
) -> Policy:
    """Parse policy text (JSON or YAML) into a `Policy` with source positions."""
    return policy_from_node(parse_source(text, file), file, kind=kind)


def load_policy(
    path: str | FilePath, *, kind: PolicyKind | None = None, allow_pipes: bool = True
) -> Policy:
    """Read and parse a policy file; with `kind`, refuse what IAM rejects for that type.

    Read through `read_input` (`policysim.files`): a regular file within the input size limit,
    or a pipe (`--policy <(jq ...)`) unless `allow_pipes` is False (a path that came from a
    file rather than from the user); devices are never read.
    """
    name = str(path)
    try:
        data = read_input(path, allow_pipes=allow_pipes)
    except OSError as err:
        raise PolicyError(read_problem(err), file=name) from None
    return parse_policy(data, name, kind=kind)
