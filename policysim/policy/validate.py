"""Refuse documents IAM would reject, before anything is decided with them.

The pydantic model accepts every *spelling* AWS accepts; what it cannot know is where the
document is used. IAM rejects, for its type, an identity statement without `Resource` or
`NotResource` (and a trust statement with one), an empty `Action` or `Resource` list, and typed
condition values that do not parse (`DateGreaterThan "yesterday"`, `IpAddress "10.0.0.300/33"`,
`NumericLessThan "ten"`, `Bool "maybe"`). Evaluating such a document would answer a question
about a policy that cannot exist, so `validate_policy` raises a located `PolicyError` instead.

The linter reports the same problems through these functions (PS010 calls
`resource_element_problem`; PS109 and PS024 call `literal_error`), so there is one definition of
each rule.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import Any

from policysim.policy.errors import PolicyError, Position
from policysim.policy.kinds import IDENTITY_LIKE, PolicyKind
from policysim.policy.literals import literal_error
from policysim.policy.operators import UnknownOperatorError, parse_operator
from policysim.policy.source import Path

LIST_ELEMENTS = {
    "Action": "action",
    "NotAction": "action",
    "Resource": "resource",
    "NotResource": "resource",
}


_NAMES = {
    PolicyKind.IDENTITY: "an identity policy",
    PolicyKind.BOUNDARY: "a permissions boundary",
    PolicyKind.SESSION: "a session policy",
    PolicyKind.SCP: "an SCP",
}


def resource_element_problem(
    keys: Collection[str], kind: PolicyKind
) -> tuple[str, str | None] | None:
    """(problem, offending key or None for the statement) when a statement with these elements
    breaks its type's Resource rule: identity policies, boundaries, session policies and SCPs
    need `Resource` or `NotResource`; a role trust policy must have neither (its resource is the
    role)."""
    present = [k for k in ("Resource", "NotResource") if k in keys]
    if kind is PolicyKind.TRUST and present:
        return f"a role trust policy statement cannot have {present[0]}", present[0]
    if kind in IDENTITY_LIKE and not present:
        return f"{_NAMES[kind]} statement needs Resource or NotResource", None
    return None


def empty_list_problem(key: str, value: Any) -> str | None:
    """`"Action": []` and the like: an element that names nothing, which IAM rejects."""
    if key in LIST_ELEMENTS and isinstance(value, list) and not value:
        return f"{key} is an empty list: name at least one {LIST_ELEMENTS[key]}"
    return None


def condition_value_problem(operator: str, value: str) -> str | None:
    """Why a typed condition value cannot parse for its operator (`NumericLessThan "ten"`), or
    None. Values holding a policy variable (`${aws:CurrentTime}`) are left alone: their type is
    known only at request time."""
    if "${" in value:
        return None
    try:
        op = parse_operator(operator)
    except UnknownOperatorError:
        return None  # the model reports unknown operators
    error = literal_error(op, value)
    return error


def _text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    return None


def _statements(data: Mapping[str, Any]) -> Iterator[tuple[Path, Mapping[str, Any]]]:
    statements = data.get("Statement")
    if isinstance(statements, dict):
        yield ("Statement",), statements
    elif isinstance(statements, list):
        for index, statement in enumerate(statements):
            if isinstance(statement, dict):
                yield ("Statement", index), statement


def _condition_problems(where: Path, condition: Mapping[str, Any]) -> Iterator[tuple[Path, str]]:
    for operator, block in condition.items():
        if not isinstance(block, dict):
            continue
        for key, values in block.items():
            listed = values if isinstance(values, list) else [values]
            for index, value in enumerate(listed):
                text = _text(value)
                problem = condition_value_problem(operator, text) if text else None
                if problem is not None:
                    path = (*where, "Condition", operator, key)
                    yield ((*path, index) if isinstance(values, list) else path), problem


def policy_problems(data: Mapping[str, Any], kind: PolicyKind) -> Iterator[tuple[Path, str]]:
    """(path of the offending element, problem) for everything IAM rejects for this type.

    `data` is a document the policy model has already accepted (plain JSON data).
    """
    for where, statement in _statements(data):
        found = resource_element_problem(statement.keys(), kind)
        if found is not None:
            message, key = found
            yield ((*where, key) if key else where), message
        for key, value in statement.items():
            problem = empty_list_problem(key, value)
            if problem is not None:
                yield (*where, key), problem
        condition = statement.get("Condition")
        if isinstance(condition, dict):
            yield from _condition_problems(where, condition)


def _describe(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _position(path: Path, positions: Mapping[Path, Position] | None) -> Position | None:
    """The position of the element, else of the nearest enclosing element."""
    if not positions:
        return None
    for end in range(len(path), -1, -1):
        if path[:end] in positions:
            return positions[path[:end]]
    return None


def validate_policy(
    data: Mapping[str, Any],
    kind: PolicyKind,
    *,
    file: str | None = None,
    positions: Mapping[Path, Position] | None = None,
) -> None:
    """Raise a `PolicyError` at the first element IAM would reject for a policy of `kind`.

    With `positions` (from a located source tree) the error names line and column; without,
    it names the element's path (`Statement[0].Condition.DateGreaterThan.aws:CurrentTime`).
    """
    for path, problem in policy_problems(data, kind):
        position = _position(path, positions)
        raise PolicyError(problem, file=file, position=position, path=_describe(path) or None)
