"""A finding's region in the user's own terms: the statements that grant the witness, their
action patterns (with how many catalog actions the region covers), resource patterns and
conditions in words ("aws:SourceIp in 192.168.0.0/16")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from policysim.diff.report import StatementRef
from policysim.engine.result import EvaluationResult
from policysim.policy.action import compile_action_pattern
from policysim.policy.model import Statement
from policysim.policy.operators import UnknownOperatorError, parse_operator

if TYPE_CHECKING:
    from policysim.diff.prove import Hit

HELPER_POLICY = "allow-all"
"""The permissive identity policy a document diff adds; never responsible for a finding."""

_WORDS = {
    "StringEquals": "is",
    "StringNotEquals": "is not",
    "StringEqualsIgnoreCase": "is (any case)",
    "StringNotEqualsIgnoreCase": "is not (any case)",
    "StringLike": "matches",
    "StringNotLike": "does not match",
    "NumericEquals": "=",
    "NumericNotEquals": "!=",
    "NumericLessThan": "<",
    "NumericLessThanEquals": "<=",
    "NumericGreaterThan": ">",
    "NumericGreaterThanEquals": ">=",
    "DateEquals": "at",
    "DateNotEquals": "not at",
    "DateLessThan": "before",
    "DateLessThanEquals": "at or before",
    "DateGreaterThan": "after",
    "DateGreaterThanEquals": "at or after",
    "Bool": "is",
    "BinaryEquals": "is",
    "IpAddress": "in",
    "NotIpAddress": "not in",
    "ArnEquals": "is",
    "ArnLike": "matches",
    "ArnNotEquals": "is not",
    "ArnNotLike": "does not match",
}


def statement_refs(result: EvaluationResult) -> tuple[StatementRef, ...]:
    """The Allow statements the engine names as granting the request."""
    refs = []
    for m in result.matched_statements:
        if m.effect != "Allow" or m.policy_name == HELPER_POLICY:
            continue
        refs.append(
            StatementRef(
                policy=m.policy_name,
                index=m.statement_index,
                sid=m.sid,
                file=m.file,
                line=m.line,
                col=m.column,
            )
        )
    return tuple(dict.fromkeys(refs))


def condition_words(statement: Statement) -> list[str]:
    """Each condition entry as one phrase."""
    out = []
    for name, block in statement.condition.items():
        try:
            op = parse_operator(name)
        except UnknownOperatorError:
            continue
        words = _WORDS.get(op.base, op.base)
        if op.family.value == "Null":
            for key, values in block.items():
                absent = any(v.lower() == "true" for v in values)
                out.append(f"{key} {'absent' if absent else 'present'}")
            continue
        prefix = ""
        if op.qualifier is not None:
            prefix = "any value of " if op.qualifier.value == "ForAnyValue" else "every value of "
        suffix = " (or absent)" if op.if_exists else ""
        for key, values in block.items():
            shown = values[0] if len(values) == 1 else "[" + ", ".join(values) + "]"
            joiner = " one of" if len(values) > 1 and words in ("is", "in", "matches") else ""
            out.append(f"{prefix}{key} {words}{joiner} {shown}{suffix}")
    return out


def describe_region(hit: Hit) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(action patterns, resource patterns, condition phrases) of the granting statements."""
    actions: list[str] = []
    resources: list[str] = []
    conditions: list[str] = []
    action = hit.request.action
    for statement in _granting(hit):
        if statement.action is not None:
            actions += [a for a in statement.action if compile_action_pattern(a)(action)]
        elif statement.not_action is not None:
            actions.append("NotAction " + ", ".join(statement.not_action))
        if statement.resource is not None:
            resources += list(statement.resource)
        elif statement.not_resource is not None:
            resources.append("NotResource " + ", ".join(statement.not_resource))
        else:
            resources.append("this resource")
        conditions += condition_words(statement)
    return (
        tuple(dict.fromkeys(actions)),
        tuple(dict.fromkeys(resources)),
        tuple(dict.fromkeys(conditions)),
    )


def _granting(hit: Hit) -> list[Statement]:
    """The statements behind the engine's record of the grant."""
    found = []
    for m in hit.new_result.matched_statements:
        if m.effect != "Allow" or m.policy_name == HELPER_POLICY:
            continue
        statement = hit.statements_by_ref.get((m.policy_name, m.statement_index, m.level))
        if statement is not None:
            found.append(statement)
    return found
